"""Keep the message catalogues in step with the code (needs Babel: ``pip install -e '.[test]'``).

    python scripts/i18n.py update    # extract _(), ngettext(), N_() from src/ into the .pot,
                                     # merge it into every .po (new entries come untranslated)
    python scripts/i18n.py compile   # write each .po's .mo next to it (shipped in the wheel)
    python scripts/i18n.py check     # list untranslated and fuzzy entries; exit 1 if any

After a merge that brings new strings: ``update``, translate the empty ``msgstr`` entries
in ``src/tokohelp/locale/id/LC_MESSAGES/tokohelp.po``, then ``compile`` and commit both
files (``tests/test_i18n.py`` fails while an entry is missing or the .mo is stale).
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "tokohelp"
LOCALE = SOURCE / "locale"
DOMAIN = "tokohelp"
TEMPLATE = LOCALE / f"{DOMAIN}.pot"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
LANGS = ("id",)
# Fixed header dates: a regenerated catalogue differs only where its messages do.
STAMP = datetime(2026, 12, 1, tzinfo=timezone.utc)
HEADER = {"project": "tokohelp", "domain": DOMAIN, "fuzzy": False, "creation_date": STAMP,
          "revision_date": STAMP, "copyright_holder": "tokohelp developers",
          "last_translator": "tokohelp developers", "language_team": "Indonesian"}


def po_path(lang: str) -> Path:
    """Where the catalogue of ``lang`` lives."""
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract() -> Catalog:
    """Every marked string under src/tokohelp, without line numbers (fewer merge conflicts)."""
    template = Catalog(**HEADER)
    found = extract_from_dir(str(SOURCE), method_map=[("**.py", "python")],
                             keywords=KEYWORDS, comment_tags=("TRANSLATORS:",))
    for filename, _lineno, message, comments, context in found:
        template.add(message, locations=[(f"tokohelp/{filename}", None)],
                     auto_comments=comments, context=context)
    return template


def write(catalog: Catalog, path: Path) -> None:
    """Write a .po/.pot sorted by msgid, so diffs stay small and stable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True, include_lineno=False,
                 omit_header=False)


def read(lang: str) -> Catalog:
    """The catalogue of ``lang`` (an empty one for a new language)."""
    path = po_path(lang)
    if not path.exists():
        return Catalog(locale=lang, **HEADER)
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain=DOMAIN)
    catalog.fuzzy, catalog.creation_date, catalog.revision_date = False, STAMP, STAMP
    return catalog


def update() -> None:
    """Extract the template and merge it into each language's catalogue."""
    template = extract()
    write(template, TEMPLATE)
    for lang in LANGS:
        catalog = read(lang)
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        catalog.obsolete.clear()
        write(catalog, po_path(lang))
        print(f"{po_path(lang).relative_to(ROOT)}: {len(catalog)} messages")


def compile_all() -> None:
    """Compile each .po into the .mo that tokohelp loads."""
    for lang in LANGS:
        with po_path(lang).with_suffix(".mo").open("wb") as handle:
            write_mo(handle, read(lang), use_fuzzy=False)


def check() -> int:
    """Print every untranslated or fuzzy entry; the count of them is the exit status."""
    problems = 0
    for lang in LANGS:
        for message in read(lang):
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.fuzzy or not all(strings):
                problems += 1
                print(f"{lang}: {'fuzzy' if message.fuzzy else 'untranslated'}: {message.id!r}")
    return min(problems, 1)


def main(argv: list[str]) -> int:
    """Run one sub-command."""
    commands = {"update": update, "compile": compile_all}
    if argv[1:] == ["check"]:
        return check()
    if len(argv) != 2 or argv[1] not in commands:
        print(__doc__)
        return 2
    commands[argv[1]]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
