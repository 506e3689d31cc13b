"""Fixtures shared by the ticket tests: a real webhook desk and a person at the keyboard."""

from __future__ import annotations

import pytest

from tests.tickets.test_ticket_cli import Webhook
from tokohelp.cli.output import Env


@pytest.fixture
def webhook():
    """A help desk speaking the webhook contract on 127.0.0.1."""
    with Webhook() as desk:
        yield desk


@pytest.fixture
def terminal(monkeypatch):
    """A person at the keyboard: prompts and the editor are allowed."""
    monkeypatch.setattr(Env, "stdin_isatty", property(lambda self: True))
