"""The Indonesian catalogue: complete, in step with the code, compiled, loaded once."""

from __future__ import annotations

import gettext
import importlib.util
import re
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tokohelp import i18n

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "src" / "tokohelp" / "locale" / "id" / "LC_MESSAGES" / "tokohelp.po"
FIELD = re.compile(r"\{([^{}]*)\}")


def load_tool():
    spec = importlib.util.spec_from_file_location("i18n_tool", ROOT / "scripts" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["i18n_tool"] = module
    spec.loader.exec_module(module)
    return module


def catalogue():
    with PO.open("rb") as handle:
        return read_po(handle, locale="id")


def messages():
    return [m for m in catalogue() if m.id]


def fields(text: str) -> set[str]:
    return set(FIELD.findall(text))


def as_tuple(value) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


def test_every_message_has_an_indonesian_translation_and_none_is_fuzzy():
    bad = [m.id for m in messages() if m.fuzzy or not all(as_tuple(m.string))]
    assert not bad, f"untranslated or fuzzy: {bad}"
    assert not catalogue().fuzzy


def test_placeholders_match_in_every_translation():
    for message in messages():
        wanted = fields(as_tuple(message.id)[0])
        for translated in as_tuple(message.string):
            assert fields(translated) == wanted, (message.id, translated)


def test_catalogue_holds_exactly_the_strings_the_code_marks():
    """A new _() string fails here until 'python scripts/i18n.py update' adds it."""
    in_code = {m.id for m in load_tool().extract() if m.id}
    in_po = {m.id for m in messages()}
    assert in_code - in_po == set(), "run: python scripts/i18n.py update, then translate"
    assert in_po - in_code == set(), "stale entries: run python scripts/i18n.py update"


def test_shipped_mo_is_compiled_from_the_po(tmp_path):
    fresh = tmp_path / "fresh.mo"
    with fresh.open("wb") as handle:
        write_mo(handle, catalogue(), use_fuzzy=False)
    shipped = PO.with_suffix(".mo")
    with fresh.open("rb") as a, shipped.open("rb") as b:
        assert gettext.GNUTranslations(a)._catalog == gettext.GNUTranslations(b)._catalog, \
            "run: python scripts/i18n.py compile"


def test_activate_loads_only_the_active_language_once(monkeypatch):
    monkeypatch.setattr(i18n._Active, "loaded", {})
    previous = i18n.active_lang()
    try:
        i18n.activate("en")
        assert i18n._Active.loaded == {} and i18n._("Options") == "Options"
        i18n.activate("id")
        first = i18n._Active.loaded["id"]
        assert i18n._("Options") == "Opsi"
        i18n.activate("en")
        i18n.activate("id")
        assert i18n._Active.loaded == {"id": first}
    finally:
        i18n.activate(previous)


def test_plural_messages_use_the_catalogue(monkeypatch):
    previous = i18n.active_lang()
    try:
        i18n.activate("id")
        text = i18n.ngettext("... and {count} more; see 'tokohelp index'",
                             "... and {count} more; see 'tokohelp index'", 4)
        assert text.format(count=4) == "... dan 4 lagi; lihat 'tokohelp index'"
    finally:
        i18n.activate(previous)


@pytest.mark.parametrize(("lang", "date", "when"), [
    ("en", "3 May 2026", "3 May 2026, 14:05"),
    ("id", "3 Mei 2026", "3 Mei 2026 14.05"),
])
def test_dates_and_times_are_local_and_per_language(monkeypatch, lang, date, when):
    import time

    monkeypatch.setenv("TZ", "Asia/Jakarta")
    time.tzset()
    try:
        assert i18n.format_date("2026-05-03", lang) == date
        assert i18n.format_datetime(1777791900, lang) == when  # 07:05 UTC
        assert i18n.format_date("soon", lang) == "soon"
    finally:
        monkeypatch.undo()
        time.tzset()
