"""Every command runs in Indonesian and shows no English catalogue message.

Each run below uses ``--lang id`` (before or after the command) and covers a main path:
the human view, ``--help``, and each error status of docs/exit-codes.md that the command
can give.  The output must not contain the English text of any catalogue message whose
Indonesian translation differs; that catches a string that lost its ``_()``, a help text
shown untranslated, and a message that was added without a translation.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from typer.testing import CliRunner

from tests.helpers import make_library
from tokohelp.cli import app

runner = CliRunner()
PO = Path(__file__).resolve().parents[2] / "src/tokohelp/locale/id/LC_MESSAGES/tokohelp.po"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def squeeze(text: str) -> str:
    return " ".join(text.split())


@cache
def english_fragments() -> tuple[str, ...]:
    """Fixed parts of msgids (between placeholders) that their translation does not share."""
    with PO.open("rb") as handle:
        catalogue = read_po(handle, locale="id")
    found = set()
    for message in catalogue:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        translated = message.string if isinstance(message.string, str) else message.string[0]
        for part in PLACEHOLDER.split(msgid):
            part = squeeze(part).strip(" .:;,()'")
            if len(part) >= 10 and " " in part and part not in squeeze(translated):
                found.add(part)
    return tuple(sorted(found))


def english_in(text: str) -> list[str]:
    flat = squeeze(text)
    return [f for f in english_fragments() if f in flat]


@pytest.fixture(autouse=True)
def library(tmp_path, monkeypatch):
    root = make_library(tmp_path / "lib")
    monkeypatch.setenv("TOKOHELP_ARTICLES", str(root))
    monkeypatch.setenv("TOKOHELP_OPENER", "false")
    return root


def write_config(home: Path, text: str | bytes) -> None:
    path = home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode())


RUNS = [
    # (arguments, expected exit status)
    (["--help"], 0),
    (["search", "dana", "kembali"], 0),
    (["search", "qqqqzzzz"], 1),
    (["search", "--help"], 0),
    (["search", "-n", "abc", "dana"], 2),
    (["search", "dana", "--category", "nope"], 3),
    (["show", "money-back"], 0),
    (["show", "parcel-late"], 0),
    (["show", "--help"], 0),
    (["show"], 2),
    (["show", "money-bak"], 3),
    (["list", "--category", "Pengiriman"], 0),
    (["list", "--help"], 0),
    (["list", "--colour"], 2),
    (["categories"], 0),
    (["categories", "--help"], 0),
    (["index"], 0),
    (["index", "--help"], 0),
    (["index", "--rebuild=yes"], 2),
    (["contact"], 0),
    (["contact", "--help"], 0),
    (["contact", "--channel", "email"], 0),
    (["contact", "--channel", "email", "--tier", "silver"], 0),
    (["contact", "--for", "refund", "--tier", "silver"], 0),
    (["contact", "--for", "qqqqzzzz"], 0),
    (["contact", "--channel", "email", "--open"], 0),
    (["contact", "--channel", "nope"], 3),
    (["contact", "--platform", "ios"], 2),
    (["contact", "--channel", "email", "--platform", "fax"], 2),
    (["config", "--help"], 0),
    (["config", "path"], 0),
    (["config", "show"], 0),
    (["config", "show", "--help"], 0),
    (["config", "init"], 0),
    (["config", "init", "--help"], 0),
    (["config", "check"], 0),
    (["config", "check", "--help"], 0),
    (["config", "frobnicate"], 2),
    (["frobnicate"], 2),
    (["ticket", "--help"], 0),
    (["ticket", "new", "--help"], 0),
    (["ticket", "new", "-s", "Dana belum masuk", "-c", "refund", "-m", "Sudah seminggu.",
      "--yes"], 0),
    (["ticket", "new", "-s", "Dana", "-c", "refund", "-m", "x", "--email", "a,b@c.id"], 2),
    (["ticket", "new", "-s", "Dana", "-c", "refund", "-m", "x", "-a", "/nonexistent.png"], 5),
    (["ticket", "list"], 0),
    (["ticket", "show", "99"], 3),
    (["ticket", "send"], 2),
    (["ticket", "edit", "--help"], 0),
    (["ticket", "delete", "99", "--yes"], 3),
    (["ticket", "reply", "--help"], 0),
    (["ticket", "reply", "99", "-m", "halo"], 3),
    (["docs"], 0),  # the topics themselves are English documents
    (["sync"], 3),
    (["sync", "--help"], 0),
]


@pytest.mark.parametrize(("args", "status"), RUNS, ids=lambda v: " ".join(v)
                         if isinstance(v, list) else str(v))
@pytest.mark.parametrize("where", ["before", "after"])
def test_command_speaks_indonesian(args, status, where):
    line = ["--lang", "id", *args] if where == "before" else [*args, "--lang", "id"]
    result = runner.invoke(app, line)
    assert result.exit_code == status, result.output
    assert "Traceback" not in result.output
    assert english_in(result.stdout + result.stderr) == []


@pytest.mark.parametrize(("config", "args", "status"), [
    ("channels = 5\n", ["contact"], 4),
    (b'lang = "caf\xe9"\n', ["search", "dana"], 0),
    (b'lang = "caf\xe9"\n', ["contact"], 4),
    ('lang = "xx"\n', ["show", "money-back"], 0),
    ('lang = "xx"\n', ["config", "check"], 4),
])
def test_config_errors_speak_indonesian(isolated_home, config, args, status):
    write_config(isolated_home, config)
    result = runner.invoke(app, ["--lang", "id", *args])
    assert result.exit_code == status, result.output
    assert english_in(result.stdout + result.stderr) == []


def test_config_init_twice_is_a_config_error_in_indonesian():
    assert runner.invoke(app, ["--lang", "id", "config", "init"]).exit_code == 0
    again = runner.invoke(app, ["--lang", "id", "config", "init"])
    assert again.exit_code == 4 and "sudah ada" in again.stderr
    assert english_in(again.stderr) == []


def test_the_check_would_catch_an_english_message():
    assert english_in("tokohelp: error: No article matches refund.") != []
    assert english_in(runner.invoke(app, ["--lang", "en", "search", "--help"]).stdout) != []


def test_short_labels_of_the_channel_card_are_indonesian_too():
    card = runner.invoke(app, ["--lang", "id", "contact", "--channel", "email"]).stdout
    lines = [line.strip() for line in card.splitlines()]
    for label in ("Reach:", "Hours:", "Who:", "Steps", "Good to know", "Every platform"):
        assert not any(line.startswith(label) or f"({label})" in line for line in lines), label
    assert any(line.startswith("Langkah (Semua platform)") for line in lines)


def test_storage_and_bad_input_errors_speak_indonesian(tmp_path, monkeypatch, library):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("TOKOHELP_CACHE_DIR", str(blocker))
    stored = runner.invoke(app, ["--lang", "id", "search", "dana"])
    assert stored.exit_code == 7 and english_in(stored.stderr) == []
    monkeypatch.delenv("TOKOHELP_CACHE_DIR")
    assert runner.invoke(app, ["index"]).exit_code == 0
    path = library / "refund" / "money-back.id.md"  # broken behind the index's back:
    before, text = path.stat(), path.read_bytes()  # same size, same mtime
    path.write_bytes(b"+++\ntitle = \n" + text[len(b"+++\ntitle = \n"):])
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    broken = runner.invoke(app, ["--lang", "id", "show", "money-back"])
    assert broken.exit_code == 5, broken.output
    assert "Perbaiki file-nya" in broken.stderr  # the reason itself is the TOML parser's
