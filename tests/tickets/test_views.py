"""Ticket views: local times, Message-IDs told apart from desk ids, the default editor."""

from __future__ import annotations

import os
import time

import pytest

from tokohelp.cli import ticket_views
from tokohelp.tickets import editor
from tokohelp.tickets.model import Ticket


@pytest.fixture
def jakarta(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Jakarta")
    time.tzset()
    yield
    monkeypatch.delenv("TZ")
    time.tzset()


def test_stored_utc_times_are_shown_in_local_time(jakarta):
    assert ticket_views.local_time("2026-12-01T02:05:00+00:00") == "1 December 2026, 09:05"
    assert ticket_views.local_time("not a time") == "not a time"


def ticket(remote_id: str | None, backend: str = "desk") -> Ticket:
    return Ticket(id=3, subject="s", body="b", category="refund", backend=backend,
                  status="sent", created="2026-12-01T02:05:00+00:00", idempotency_key="k",
                  remote_id=remote_id)


def test_a_message_id_is_not_shown_as_a_desk_ticket_id():
    mailed = ticket("<177.1@example.com>", "mail")
    assert ticket_views.remote_label(mailed) == "Message-ID"
    assert "by email (Message-ID <177.1@example.com>)" in ticket_views.sent_line(mailed)
    assert ticket_views._remote_cell(mailed) == "email"
    desk = ticket("41")
    assert ticket_views.remote_label(desk) == "remote id"
    assert ticket_views.sent_line(desk) == "Sent to desk as ticket 41"


def test_the_default_editor_prefers_nano_then_vi(tmp_path, monkeypatch):
    for name in ("VISUAL", "EDITOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(os, "name", "posix")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    assert editor.editor_command() == "vi"
    nano = bin_dir / "nano"
    nano.write_text("#!/bin/sh\n")
    nano.chmod(0o755)
    assert editor.editor_command() == "nano"
    monkeypatch.setenv("EDITOR", "vim")
    assert editor.editor_command() == "vim"
    monkeypatch.setenv("VISUAL", "code --wait")
    assert editor.editor_command() == "code --wait"
    assert editor.editor_argv("code --wait") == ["code", "--wait"]
