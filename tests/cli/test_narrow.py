"""Below 60 columns lists become stacked cards; no id, address or command is ever cut."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tests.helpers import make_library
from tokohelp.cli import app

LONG_SUBJECT = "Refund for a cancelled order INV/20260101/MPL/123456789 never reached my balance"


def run(columns: int, *args: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": str(columns)})


@pytest.mark.parametrize("columns", [40, 100])
def test_contact_never_cuts_ids_or_addresses(columns):
    result = run(columns, "contact")
    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout
    flat = "".join(result.stdout.split())
    for text in ("contact@tokopedia.com", "cs@tokopedia.com", "resolution-center",
                 "(021)80647333", "tokohelpcontact--channel"):
        assert text in flat, text


def test_contact_at_40_columns_is_cards_not_a_table():
    lines = run(40, "contact").stdout.splitlines()
    assert all(len(line) <= 40 for line in lines), [line for line in lines if len(line) > 40]
    assert any(line.startswith("3. Email") for line in lines)
    for address in ("contact@tokopedia.com", "cs@tokopedia.com", "(021) 80647333"):
        assert any(line.strip() == address for line in lines), address
    assert not any(line.split() == ["#", "channel"] for line in lines)
    wide = run(100, "contact").stdout.splitlines()
    assert any("how to reach it" in line for line in wide)


def test_ticket_list_at_40_columns_keeps_the_subject_whole(tmp_path, monkeypatch):
    monkeypatch.setenv("TOKOHELP_ARTICLES", str(make_library(tmp_path / "lib")))
    assert CliRunner().invoke(app, ["ticket", "new", "-s", LONG_SUBJECT, "-c", "refund",
                                    "-m", "x"]).exit_code == 0
    narrow = run(40, "ticket", "list")
    assert narrow.exit_code == 0, narrow.output
    assert "…" not in narrow.stdout and narrow.stdout.startswith("#1 queued")
    assert LONG_SUBJECT in " ".join(narrow.stdout.split())
    wide = run(100, "ticket", "list")
    assert "…" not in wide.stdout and "INV/20260101/MPL/123456789" in wide.stdout
    assert all(line == line.rstrip() for line in wide.stdout.splitlines())  # piped: no padding


def test_offered_articles_keep_their_command_whole_at_40_columns(tmp_path, monkeypatch):
    from tokohelp.session import Session

    monkeypatch.setenv("TOKOHELP_ARTICLES", str(make_library(tmp_path / "lib")))
    monkeypatch.setattr(Session, "stdin_isatty", property(lambda self: True))
    result = CliRunner().invoke(app, ["ticket", "new", "-s", "money back cancelled order",
                                      "-c", "refund"], input="n\n", env={"COLUMNS": "40"})
    assert result.exit_code == 8, result.output
    assert "     tokohelp show money-back" in result.stderr.splitlines()
