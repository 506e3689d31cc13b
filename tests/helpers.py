"""Small builders shared by tests: write article files into a temp library."""

from __future__ import annotations

import json
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["make_library", "tomllib", "write_article"]

CATEGORIES = """
[[category]]
id = "refund"
id_name = "Pengembalian Dana"
en_name = "Refunds"

[[category]]
id = "shipping"
id_name = "Pengiriman"
en_name = "Shipping"
"""


def write_article(root: Path, slug: str, lang: str = "en", *, title: str = "A title",
                  category: str = "refund", body: str = "Some body text.",
                  tags: str = '["x"]', extra: str = "") -> Path:
    """Write one article file with valid front matter and return its path."""
    path = root / category / f"{slug}.{lang}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    title_toml = json.dumps(title, ensure_ascii=False)[1:-1]  # JSON escapes are valid TOML
    path.write_text(
        f'+++\ntitle = "{title_toml}"\ncategory = "{category}"\nlang = "{lang}"\n'
        f'slug = "{slug}"\ntags = {tags}\nsummary = "s"\nupdated = 2026-11-25\n{extra}+++\n\n'
        f"{body}\n",
        encoding="utf-8",
    )
    return path


def make_library(root: Path) -> Path:
    """A tiny library with categories.toml and two topics."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "categories.toml").write_text(CATEGORIES, encoding="utf-8")
    write_article(root, "money-back", "en", title="Money back after a cancelled order",
                  body="Your refund goes to your balance.\n\n1. Open the order.")
    write_article(root, "money-back", "id", title="Dana kembali setelah pesanan batal",
                  body="Pengembalian dana masuk ke saldo Anda.")
    write_article(root, "parcel-late", "en", title="Parcel is late", category="shipping",
                  body="Track the courier with the tracking number.")
    return root


# Runs the real entry point in a fresh interpreter (output piped), then lists the modules
# it imported; the probe's own json import comes after the list is taken.
_PROBE = """
import sys
sys.argv = ["tokohelp", *sys.argv[1:]]
from tokohelp.__main__ import main
try:
    main()
except SystemExit:
    pass
modules = sorted(sys.modules)
import json
sys.stderr.write("\\nMODULES " + json.dumps(modules) + "\\n")
"""


def run_piped(*args: str) -> tuple[str, set[str]]:
    """Run ``tokohelp ARGS`` piped in a fresh process: its stdout and the modules it imported.

    Start-up tests check which modules a command loads: a structural fact that holds on a
    busy machine, unlike a time.
    """
    import subprocess

    done = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True,
                          text=True, check=False, timeout=60)
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout, set(json.loads(done.stderr.rsplit("MODULES ", 1)[1]))

