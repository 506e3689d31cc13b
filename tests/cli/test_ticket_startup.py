"""Piped ``ticket list`` and ``ticket show`` start light and print what Rich printed.

Reading tickets imports the store, the model and the results: not Rich (a pipe shows no
styles), not httpx, not the filing, draft, recovery and intake code that writing needs.
The plain views are checked against the Rich views they stand in for, byte for byte,
wherever Rich's table fits the width and Rich would wrap no line.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.helpers import run_piped
from tokohelp.cli import app, ticket, ticket_views
from tokohelp.i18n import activate
from tokohelp.session import Session
from tokohelp.tickets.model import Attachment, RemoteRef, Reply
from tokohelp.tickets.reply_store import ReplyStore
from tokohelp.tickets.results import TicketList, TicketShown
from tokohelp.tickets.store import CheckedFile, NewTicket, Store

WRITING = {"rich", "httpx", "tokohelp.tickets.filing", "tokohelp.tickets.drafts",
           "tokohelp.tickets.recovery", "tokohelp.tickets.intake", "tokohelp.tickets.replying",
           "tokohelp.tickets.backends", "tokohelp.tickets.usecases", "secrets"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
SUBJECTS = ["Refund not received", "Half-written", "Paket hilang", "Pesanan [red]x[/red]"]


def imported(*args: str) -> tuple[str, set[str]]:
    """Run tokohelp piped in a fresh process: its stdout and the modules it imported."""
    return run_piped(*args)


def make_tickets(tmp_path: Path) -> list[int]:
    """A queued ticket with an attachment, a draft, a sent one with a new desk reply, a failed
    one; returned ids in that order."""
    store = Store()
    png = tmp_path / "shot.png"
    png.write_bytes(PNG)
    shot = CheckedFile(png, "shot.png", "image/png", len(PNG))
    queued = store.create(NewTicket(SUBJECTS[0], "Where is my money?", "refund"), [shot])
    draft = store.create(NewTicket(SUBJECTS[1], "not yet"), [], "draft")
    sent = store.create(NewTicket(SUBJECTS[2], "lost", "shipping", backend="desk"), [])
    failed = store.create(NewTicket(SUBJECTS[3], "evil \x1b[2J", backend="desk"), [])
    store.mark_sent(sent.id, RemoteRef("41"))
    store.db.execute("UPDATE tickets SET status = 'failed' WHERE id = ?", (failed.id,))
    ReplyStore(store).record_fetch(sent.id, 1, seen=False)
    store.close()
    return [queued.id, draft.id, sent.id, failed.id]


@pytest.mark.parametrize("lang", ["en", "id"])
def test_piped_list_of_an_empty_store_loads_nothing_for_writing(lang):
    _, modules = imported("--lang", lang, "ticket", "list")
    assert "tokohelp.tickets.listing" in modules
    assert not WRITING & modules, WRITING & modules


@pytest.mark.parametrize("args", [["ticket", "list"], ["--lang", "id", "ticket", "list"],
                                  ["ticket", "list", "--status", "queued"],
                                  ["ticket", "list", "--json"], ["ticket", "show", "1"],
                                  ["--lang", "id", "ticket", "show", "1"]])
def test_piped_list_and_show_with_tickets_load_nothing_for_writing(tmp_path, args):
    make_tickets(tmp_path)
    out, modules = imported(*args)
    assert SUBJECTS[0] in out
    assert not WRITING & modules, WRITING & modules


STATUS_WORDS = {"en": ["queued", "draft", "sent new reply", "failed"],
                "id": ["antre", "draf", "terkirim balasan baru", "gagal"]}


@pytest.mark.parametrize("lang", ["en", "id"])
def test_piped_list_shows_each_ticket_on_one_line(tmp_path, lang):
    ids = make_tickets(tmp_path)
    result = CliRunner().invoke(app, ["--lang", lang, "ticket", "list"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()
    assert header.split()[:3] == (["id", "status", "subject"] if lang == "en"
                                  else ["id", "status", "subjek"])
    assert len(rows) == len(ids)
    for row, number, status, subject in zip(rows, ids, STATUS_WORDS[lang], SUBJECTS,
                                            strict=True):
        assert row.startswith(f"{number}   {status}  ")
        assert subject in row
    assert all(line == line.rstrip() for line in result.stdout.splitlines())


def test_a_long_subject_stays_whole_on_its_line_and_nothing_is_cut(tmp_path):
    long_subject = "Refund for order INV/20260101/MPL/123456789 " * 3
    Store().create(NewTicket(long_subject.strip(), "x"), [])
    result = CliRunner().invoke(app, ["ticket", "list"], env={"COLUMNS": "80"})
    assert result.stdout.splitlines()[1].split("  queued  ")[1].startswith(long_subject.strip())


def rendered(monkeypatch, view, result, *, rich: bool, columns: int = 120) -> tuple[str, str]:
    """What ``view`` prints piped (stdout, stderr), through the plain or the Rich path."""
    session = Session(stdout=io.StringIO(), stderr=io.StringIO(), stdout_isatty=False)
    with monkeypatch.context() as patch:
        patch.setenv("COLUMNS", str(columns))
        if rich:
            patch.setattr(ticket_views, "plain_output", lambda env: False)
        view(session, result)
    assert ("out" in session.__dict__) is rich  # the plain path never made a Rich console
    return session.stdout.getvalue(), session.stderr.getvalue()


def some_tickets(tmp_path: Path) -> TicketList:
    store = Store()
    for subject in ("Refund not received", "Dana caf\u00e9 \u2013 belum masuk",
                    "wide 日本語 subject", "[bold]x[/bold] \x1b]0;title\x07y"):
        store.create(NewTicket(subject, "body"), [])
    tickets = store.tickets()
    tickets[1].backend, tickets[1].remote_id, tickets[1].status = "mail", "<1@x>", "sent"
    tickets[2].backend, tickets[2].remote_id, tickets[2].status = "desk", "41", "sent"
    return TicketList(tickets, {tickets[2].id})


@pytest.mark.parametrize("lang", ["en", "id"])
def test_the_plain_table_is_what_rich_printed_when_it_fits(tmp_path, monkeypatch, lang):
    assert_plain_is_rich(monkeypatch, ticket_views.show_list, some_tickets(tmp_path), lang)


def assert_plain_is_rich(monkeypatch, view, result, lang: str) -> None:
    """The plain (piped) form of ``view`` prints exactly what Rich printed, in ``lang``."""
    activate(lang)
    try:
        plain = rendered(monkeypatch, view, result, rich=False)
        assert plain == rendered(monkeypatch, view, result, rich=True)
    finally:
        activate("en")


def shown(tmp_path: Path, body: str) -> TicketShown:
    """A sent ticket whose desk could not be asked, with its replies not yet delivered."""
    store = Store()
    png = tmp_path / "a b.png"
    png.write_bytes(PNG)
    ticket = store.create(NewTicket("Paket [b]hilang[/b]", body, "shipping", "INV/1",
                                    "a@b.c", "desk"),
                          [CheckedFile(png, "a b.png", "image/png", len(PNG))])
    queued = Reply(1, ticket.id, "my follow-up  \n\nsecond line\\", "queued",
                   "2026-12-01T02:05:00+00:00", "k1",
                   [Attachment("log [1].txt", "text/plain", 3, png)])
    failed = Reply(2, ticket.id, "again", "failed", "2026-12-01T03:05:00+00:00", "k2",
                   last_error="HTTP 500 \x1b[31m[red]boom[/red]")
    delivered = Reply(3, ticket.id, "old", "sent", "2026-12-01T01:05:00+00:00", "k3")
    return TicketShown(ticket, remote_error="desk down [x]", replies=[delivered, queued, failed])


@pytest.mark.parametrize("body", ["Where is my money?\n  Indented [bold]x[/bold] \\",
                                  "", "trailing spaces   \n\n\nlast"])
@pytest.mark.parametrize("lang", ["en", "id"])
def test_the_plain_show_is_what_rich_printed(tmp_path, monkeypatch, body, lang):
    assert_plain_is_rich(monkeypatch, ticket_views.show_shown, shown(tmp_path, body), lang)


def test_show_leaves_a_body_rich_would_wrap_to_rich(tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    session = Session(stdout=io.StringIO(), stderr=io.StringIO(), stdout_isatty=False)
    assert ticket_views._plain_shown(session, shown(tmp_path, "x" * 80))
    session = Session(stdout=io.StringIO(), stderr=io.StringIO(), stdout_isatty=False)
    assert not ticket_views._plain_shown(session, shown(tmp_path, "word " * 17))
    assert not ticket_views._plain_shown(session, shown(tmp_path, "a\tb"))
    assert session.stdout.getvalue() == ""


def test_forced_colour_keeps_the_rich_view(monkeypatch):
    session = Session(stdout=io.StringIO(), stdout_isatty=False)
    assert ticket_views.plain_output(session)
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert not ticket_views.plain_output(session)
    monkeypatch.setenv("TTY_COMPATIBLE", "0")
    assert ticket_views.plain_output(session)


def test_the_ticket_group_builds_only_the_command_it_runs():
    import typer.main
    from typer._click.core import Context

    group = typer.main.get_group(ticket.app)
    ctx = Context(group)
    assert group.list_commands(ctx) == ["new", "edit", "delete", "list", "show", "send",
                                        "reply"]
    assert group.commands == {}
    assert group.get_command(ctx, "list").name == "list"
    assert list(group.commands) == ["list"] and group.get_command(ctx, "lst") is None


@pytest.mark.parametrize(("lang", "said"), [("en", "Did you mean 'list'?"),
                                            ("id", "Maksud kamu 'list'?")])
def test_a_mistyped_ticket_command_is_still_suggested(lang, said):
    result = CliRunner().invoke(app, ["--lang", lang, "ticket", "lst"])
    assert result.exit_code == 2 and said in result.stderr


def test_ticket_help_lists_every_command():
    result = CliRunner().invoke(app, ["ticket", "--help"])
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.stdout.split("Commands")[1].splitlines()[1:]
              if line.startswith("  ") and not line.startswith("   ")]
    assert listed == ["new", "edit", "delete", "list", "show", "send", "reply"]


@pytest.mark.parametrize(("lang", "said"), [
    ("en", "unknown status 'lost'\nUse one of: draft, queued, sent, failed."),
    ("id", "status 'lost' tidak dikenal\nGunakan salah satu dari: draft, queued, sent, failed.")])
def test_an_unknown_status_is_refused_in_the_run_language(lang, said):
    result = CliRunner().invoke(app, ["--lang", lang, "ticket", "list", "--status", "lost"])
    assert result.exit_code == 2 and said in result.stderr
