"""Every ticket gets its outcome, and every error says what state the ticket is in.

Issue 13, items 4 and 6: one bad ticket (a missing attachment copy, a backend
with a bad ``ca_file``) used to end ``ticket send --all`` for all the others,
and a store that failed *after* the desk accepted a ticket read as if nothing
had been filed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.backends.builders import png_bytes
from tests.hardening.tools import run
from tokohelp.errors import StorageError
from tokohelp.tickets import service
from tokohelp.tickets.store import CheckedFile, NewTicket, Store


def write_config(text: str) -> None:
    path = Path(os.environ["TOKOHELP_CONFIG"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def desks(desk_server, monkeypatch, tmp_path):
    """A healthy webhook ``hook`` and a backend ``broken`` whose ca_file does not exist."""
    monkeypatch.setenv("DESK_TOKEN", "desk-token")
    write_config(f'default_backend = "hook"\n[backends.hook]\ntype = "http"\n'
                 f'url = "{desk_server.url}"\ntoken_env = "DESK_TOKEN"\n'
                 f'[backends.broken]\ntype = "http"\nurl = "{desk_server.url}"\n'
                 f'ca_file = "{tmp_path}/missing-ca.pem"\n[send]\nattempts = 1\n')
    return desk_server


def queue(store: Store, subject: str, backend: str, files: list[CheckedFile] | None = None):
    return store.create(NewTicket(subject, f"Body of {subject}.", "refund", backend=backend),
                        files or [])


def test_send_all_gives_every_ticket_its_outcome(desks, tmp_path):
    shot = tmp_path / "shot.png"
    shot.write_bytes(png_bytes())
    store = Store()
    lost_copy = queue(store, "Copy gone", "hook",
                      [CheckedFile(shot, "shot.png", "image/png", shot.stat().st_size)])
    lost_copy.attachments[0].stored_path.unlink()
    bad_ca = queue(store, "Bad CA", "broken")
    healthy = queue(store, "Healthy", "hook")
    outcomes = {o.ticket_id: o for o in service.send(service.send_targets(None), store=store)}
    assert sorted(outcomes) == [lost_copy.id, bad_ca.id, healthy.id]
    assert outcomes[lost_copy.id].result == "failed"
    assert "cannot be read" in store.get(lost_copy.id).last_error
    assert outcomes[bad_ca.id].result == "queued" and "ca_file" in outcomes[bad_ca.id].message
    assert outcomes[healthy.id].result == "sent"
    assert [t["subject"] for t in desks.state.tickets.values()] == ["Healthy"]


def test_send_all_on_the_command_line_reports_all_of_them(desks, tmp_path):
    store = Store()
    queue(store, "Bad CA", "broken")
    queue(store, "Healthy", "hook")
    store.close()
    out = run("ticket", "send", "--all")
    assert out.code == 6, out.output
    assert "Ticket 1: queued" in out.stdout and "ca_file" in out.stdout
    assert "Ticket 2: Sent to hook" in out.stdout
    assert "1 of 2 tickets not sent" in out.stderr


def test_a_store_failing_after_delivery_says_the_ticket_was_filed(desks, monkeypatch):
    real = Store.mark_sent
    calls = []

    def full_disk(self, ticket_id, ref):
        calls.append(ticket_id)
        if len(calls) == 1:
            raise StorageError(f"{self.path}: database or disk is full")
        return real(self, ticket_id, ref)

    monkeypatch.setattr(Store, "mark_sent", full_disk)
    out = run("ticket", "new", "-s", "Refund", "-c", "refund", "-m", "Where is it?")
    assert out.code == 7, out.output
    assert "ticket 1 was delivered to backend 'hook' as T1" in out.stderr
    assert "Do not file it again" in out.stderr
    assert "saved in" not in out.stderr and "not saved" not in out.stderr
    assert out.stderr.count("tokohelp: error:") == 1
    again = run("ticket", "send", "1")
    assert again.code == 0, again.output
    assert len(desks.state.tickets) == 1
    assert [r["method"] for r in desks.state.requests].count("POST") == 1  # found, not re-sent
    store = Store()
    assert (store.get(1).status, store.get(1).remote_id) == ("sent", "T1")


def test_a_missing_secret_keeps_the_piped_message_as_a_queued_ticket(isolated_home, monkeypatch):
    """Issue 13: an unset password_env refused ticket new and the piped text was gone."""
    from typer.testing import CliRunner

    from tokohelp.cli import app

    monkeypatch.delenv("NOPE_PW", raising=False)
    path = isolated_home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('default_backend = "d"\n[backends.d]\ntype = "rt"\n'
                    'url = "http://127.0.0.1:9"\nusername = "root"\npassword_env = "NOPE_PW"\n',
                    encoding="utf-8")
    result = CliRunner().invoke(app, ["ticket", "new", "-s", "Refund", "-c", "refund", "--yes"],
                                input="my long story about the refund\n")
    assert result.exit_code == 4
    assert "ticket 1 is stored (queued) but not sent" in result.stderr
    assert "Export NOPE_PW" in result.stderr and "tokohelp ticket send 1" in result.stderr
    shown = CliRunner().invoke(app, ["ticket", "show", "1", "--json"])
    assert '"status": "queued"' in shown.stdout and "my long story" in shown.stdout
