"""The sender: retries with backoff, Retry-After, and never a second remote ticket.

``Desk`` is a small in-memory help desk implementing the Backend interface,
scripted per attempt; it records every ticket it creates so a duplicate
would show.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.tickets.test_store import dead_pid
from tokohelp.config import load_config
from tokohelp.errors import BackendError, ConfigError
from tokohelp.tickets.backends.base import Backend
from tokohelp.tickets.model import RemoteRef, Ticket
from tokohelp.tickets.sender import (
    Sender,
    SendPolicy,
    backoff_delay,
    policy_from_config,
)
from tokohelp.tickets.store import NewTicket, Store, new_owner


def _error(message: str, *, retryable: bool = True, retry_after: float | None = None,
           maybe_sent: bool = False) -> BackendError:
    err = BackendError(message, retryable=retryable, retry_after=retry_after)
    if maybe_sent:
        err.maybe_sent = True
    return err


class Desk(Backend):
    """A help desk whose every send follows a script: ok, down, slow, 429, 401 ..."""

    kind = "test"

    def __init__(self, *steps: str, lookups: tuple[str, ...] = ()) -> None:
        super().__init__("desk", {"timeout": 1.0}, "s3cret")
        self.steps, self.lookup_steps = list(steps), list(lookups)
        self.created: list[str] = []
        self.sends = self.lookups = 0

    def _create(self, ticket: Ticket) -> RemoteRef:
        self.created.append(ticket.idempotency_key)
        number = len(self.created)
        return RemoteRef(str(number), f"http://desk.test/t/{number}")

    def send(self, ticket: Ticket) -> RemoteRef:
        self.sends += 1
        step = self.steps.pop(0) if self.steps else "ok"
        if step in ("ok", "landed-then-timeout"):
            ref = self._create(ticket)
            if step == "ok":
                return ref
        raise {"landed-then-timeout": _error("read timeout", maybe_sent=True),
               "timeout-before-landing": _error("read timeout", maybe_sent=True),
               "down": _error("cannot connect"),
               "busy": _error("HTTP 429", retry_after=0.05),
               "very-busy": _error("HTTP 503", retry_after=500),
               "denied": _error("HTTP 401 unauthorized", retryable=False)}[step]

    def find_existing(self, ticket: Ticket) -> RemoteRef | None:
        self.lookups += 1
        if self.lookup_steps and self.lookup_steps.pop(0) == "down":
            raise _error("lookup: cannot connect")
        if ticket.idempotency_key not in self.created:
            return None
        number = self.created.index(ticket.idempotency_key) + 1
        return RemoteRef(str(number), f"http://desk.test/t/{number}")

    def check(self) -> str:
        return "ok"

    def describe(self, ticket: Ticket) -> dict[str, Any]:
        return {"subject": ticket.subject}


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "data")
    yield store
    store.close()


class Sleeps(list):
    """Records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def _run(store: Store, desk: Desk, attempts: int = 4, ticket_id: int | None = None,
         **policy: float):
    ticket_id = ticket_id or store.create(NewTicket("Refund late", "body"), []).id
    sleeps = Sleeps()
    sender = Sender(store, desk, SendPolicy(attempts=attempts, **policy), sleep=sleeps)
    return sender.send(ticket_id), sleeps


def test_sent_first_time(store):
    desk = Desk("ok")
    outcome, sleeps = _run(store, desk)
    ticket = store.get(outcome.ticket_id)
    assert outcome.result == "sent" and outcome.ok
    assert (ticket.status, ticket.remote_id, ticket.remote_url, ticket.attempts,
            ticket.backend) == ("sent", "1", "http://desk.test/t/1", 1, "desk")
    assert sleeps == [] and desk.lookups == 0


def test_retries_with_growing_backoff_and_jitter(store):
    desk = Desk("down", "down", "down", "ok")
    outcome, sleeps = _run(store, desk, backoff=1.0, max_backoff=3.0)
    assert outcome.result == "sent" and store.get(outcome.ticket_id).attempts == 4
    assert 0.5 <= sleeps[0] <= 1.0 and 1.0 <= sleeps[1] <= 2.0 and 1.5 <= sleeps[2] <= 3.0
    assert desk.created == [store.get(outcome.ticket_id).idempotency_key]


def test_retry_after_is_honoured(store):
    outcome, sleeps = _run(store, Desk("busy", "ok"), backoff=10.0)
    assert outcome.result == "sent" and sleeps == [0.05]


def test_retry_after_is_capped(store):
    outcome, sleeps = _run(store, Desk("very-busy", "ok"), retry_after_max=2.0)
    assert outcome.result == "sent" and sleeps == [2.0]


def test_timeout_after_the_ticket_landed_never_creates_a_second_one(store):
    desk = Desk("landed-then-timeout", "ok")
    outcome, _ = _run(store, desk)
    assert outcome.result == "sent"
    assert len(desk.created) == 1 and desk.sends == 1 and desk.lookups == 1
    assert store.get(outcome.ticket_id).remote_id == "1"


def test_timeout_before_landing_looks_then_sends_again(store):
    desk = Desk("timeout-before-landing", "ok")
    outcome, _ = _run(store, desk)
    assert outcome.result == "sent"
    assert len(desk.created) == 1 and desk.sends == 2 and desk.lookups == 1


def test_final_failure_stays_queued_with_the_error_and_how_to_retry(store):
    outcome, sleeps = _run(store, Desk("down", "down", "down"), attempts=3)
    ticket = store.get(outcome.ticket_id)
    assert outcome.result == "queued" and not outcome.ok
    assert (ticket.status, ticket.attempts, ticket.last_error) == ("queued", 3, "cannot connect")
    assert f"tokohelp ticket send {ticket.id}" in outcome.advice
    assert len(sleeps) == 2
    assert store.claim(ticket.id, new_owner()) is not None  # the claim was given back


def test_unknown_outcome_is_remembered_for_the_next_run(store):
    desk = Desk("landed-then-timeout", lookups=("down", "down"))
    first, _ = _run(store, desk, attempts=3)
    assert first.result == "queued" and len(desk.created) == 1
    again, _ = _run(store, desk, ticket_id=first.ticket_id)
    assert again.result == "sent" and len(desk.created) == 1
    assert store.get(first.ticket_id).remote_id == "1"


def test_crash_during_an_attempt_makes_the_next_run_look_first(store):
    ticket = store.create(NewTicket("s", "b"), [])
    owner = new_owner()
    store.claim(ticket.id, owner)
    store.begin_attempt(ticket.id, owner, "desk")
    store.db.execute("UPDATE tickets SET claimed_pid = ? WHERE id = ?",
                     (dead_pid(), ticket.id))
    desk = Desk()
    desk.created.append(ticket.idempotency_key)  # the crashed attempt did land
    outcome, _ = _run(store, desk, ticket_id=ticket.id)
    assert outcome.result == "sent" and desk.sends == 0 and desk.lookups == 1


def test_non_retryable_error_fails_at_once_but_can_be_retried_explicitly(store):
    desk = Desk("denied")
    outcome, sleeps = _run(store, desk)
    ticket = store.get(outcome.ticket_id)
    assert (outcome.result, ticket.status, ticket.attempts) == ("failed", "failed", 1)
    assert "401" in ticket.last_error and sleeps == []
    assert "config check" in outcome.advice
    again, _ = _run(store, desk, ticket_id=ticket.id)
    assert again.result == "sent" and store.get(ticket.id).status == "sent"


def test_already_sent_is_skipped_without_touching_the_backend(store):
    desk = Desk("ok")
    first, _ = _run(store, desk)
    again, _ = _run(store, desk, ticket_id=first.ticket_id)
    assert again.result == "skipped" and again.ok and "already sent" in again.message
    assert desk.sends == 1


def test_ticket_held_by_another_live_sender_is_skipped(store):
    ticket = store.create(NewTicket("s", "b"), [])
    store.claim(ticket.id, new_owner())
    desk = Desk("ok")
    outcome, _ = _run(store, desk, ticket_id=ticket.id)
    assert outcome.result == "skipped" and not outcome.ok and desk.sends == 0
    assert "another tokohelp process" in outcome.message


def test_draft_is_not_sent(store):
    draft = store.create(NewTicket("s", ""), [], status="draft")
    desk = Desk("ok")
    outcome, _ = _run(store, desk, ticket_id=draft.id)
    assert outcome.result == "skipped" and not outcome.ok and desk.sends == 0


def test_backoff_delay_bounds():
    policy = SendPolicy(backoff=1.0, max_backoff=5.0, retry_after_max=60.0)
    assert backoff_delay(policy, 1, None, rand=lambda: 0.0) == 0.5
    assert backoff_delay(policy, 3, None, rand=lambda: 1.0) == 4.0
    assert backoff_delay(policy, 10, None, rand=lambda: 1.0) == 5.0
    assert backoff_delay(policy, 1, 7.5) == 7.5
    assert backoff_delay(policy, 1, 600) == 60.0


def _config(isolated_home, text: str) -> None:
    path = isolated_home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_policy_from_config(isolated_home):
    _config(isolated_home, "[send]\nattempts = 2\nbackoff_seconds = 0.01\n"
                           "max_backoff_seconds = 0.02\nretry_after_max_seconds = 0.03\n")
    assert policy_from_config(load_config()) == SendPolicy(2, 0.01, 0.02, 0.03)


def test_policy_defaults():
    assert policy_from_config(load_config()) == SendPolicy()


@pytest.mark.parametrize("line", ["attempts = 0", "attempts = 1.5", "backoff_seconds = -1"])
def test_bad_policy_names_the_key(isolated_home, line):
    _config(isolated_home, f"[send]\n{line}\n")
    with pytest.raises(ConfigError, match=r"config.toml:2: key 'send\."):
        policy_from_config(load_config())


def test_real_waits_use_the_small_configured_values(isolated_home, store):
    _config(isolated_home, "[send]\nattempts = 3\nbackoff_seconds = 0.02\n"
                           "retry_after_max_seconds = 0.05\n")
    ticket = store.create(NewTicket("s", "b"), [])
    sender = Sender(store, Desk("down", "very-busy", "ok"), policy_from_config(load_config()))
    started = time.monotonic()
    assert sender.send(ticket.id).result == "sent"
    elapsed = time.monotonic() - started
    # It really slept, and not the defaults (which would wait 60 s for "very-busy"):
    # a bound far from both, so a busy machine cannot fail it.
    assert 0.06 <= elapsed < 30
