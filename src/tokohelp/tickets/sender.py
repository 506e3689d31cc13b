"""Sending one stored ticket: retries, backoff and never a second remote ticket.

The sender claims the ticket in the store, then tries the backend a few times
with exponential backoff plus jitter, waiting what the server asked for
(``Retry-After``, capped).  When an attempt may have reached the server
(a timeout or reset after sending, or a process that died mid-attempt), every
later attempt first asks ``backend.find_existing`` and records that ticket
instead of creating another.  A ticket that could not be sent stays
``queued`` (or ``failed`` for errors a retry cannot fix) with the last error.
"""

from __future__ import annotations

import contextlib
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from tokohelp.config import Config
from tokohelp.errors import BackendError, StorageError
from tokohelp.i18n import _
from tokohelp.tickets.backends.base import Backend
from tokohelp.tickets.model import RemoteRef, Ticket
from tokohelp.tickets.store import Claim, Store, new_owner

SENT, QUEUED, FAILED, SKIPPED = "sent", "queued", "failed", "skipped"
MAX_WAIT = 300.0  # seconds between attempts at most, so a claim is refreshed well in time


class UnrecordedDelivery(StorageError):
    """The backend has the ticket but the store could not record that."""


@dataclass
class SendPolicy:
    """How hard to try, from ``[send]`` in the config file."""

    attempts: int = 4
    backoff: float = 1.0
    max_backoff: float = 30.0
    retry_after_max: float = 60.0


@dataclass
class SendOutcome:
    """What happened to one ticket: ``sent``, ``queued``, ``failed`` or ``skipped``."""

    ticket_id: int
    result: str
    message: str = ""
    ticket: Ticket | None = None
    advice: str = ""
    delivered: bool = False  # the backend has it although the store does not say so

    @property
    def ok(self) -> bool:
        """Sent now, or already sent before."""
        return self.result == SENT or (self.result == SKIPPED and self.ticket is not None
                                       and self.ticket.status == SENT)

    @property
    def needs_action(self) -> bool:
        """Not sent and nobody is sending it: the user has to retry or fix something.

        A ticket another tokohelp process is sending right now needs nothing.
        """
        draft = self.ticket is not None and self.ticket.status == "draft"
        return self.result in (QUEUED, FAILED) or draft


def policy_from_config(cfg: Config) -> SendPolicy:
    """Read ``[send]`` (docs/config.md); the per-attempt timeout is each backend's ``timeout``."""
    attempts = cfg.get("send.attempts", 4, int)
    if isinstance(attempts, bool) or not 1 <= attempts <= 20:
        raise cfg.fail("send.attempts", _("must be a whole number from 1 to 20"))
    return SendPolicy(attempts=attempts,
                      backoff=_seconds(cfg, "send.backoff_seconds", 1.0),
                      max_backoff=_seconds(cfg, "send.max_backoff_seconds", 30.0),
                      retry_after_max=_seconds(cfg, "send.retry_after_max_seconds", 60.0))


def _seconds(cfg: Config, key: str, default: float) -> float:
    value = cfg.get(key, default, (int, float))
    if isinstance(value, bool) or not (math.isfinite(value) and 0 <= value <= MAX_WAIT):
        raise cfg.fail(key, _("must be a number of seconds from 0 to {limit:.0f}").format(
            limit=MAX_WAIT))
    return float(value)


def backoff_delay(policy: SendPolicy, attempt: int, retry_after: float | None,
                  rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait after failed ``attempt``: the server's wish, else backoff with jitter."""
    if retry_after is not None and retry_after >= 0:
        return min(retry_after, policy.retry_after_max)
    exponential = min(policy.max_backoff, policy.backoff * 2 ** (attempt - 1))
    return exponential * (0.5 + rand() / 2)


class Sender:
    """Sends stored tickets through one backend, one claim at a time."""

    def __init__(self, store: Store, backend: Backend, policy: SendPolicy,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.store = store
        self.backend = backend
        self.policy = policy
        self.sleep = sleep

    def send(self, ticket_id: int) -> SendOutcome:
        """Claim and send ``ticket_id``; the outcome says what happened and what to do."""
        owner = new_owner()
        claim = self.store.claim(ticket_id, owner)
        if claim is None:
            return self._skipped(ticket_id)
        try:
            return self._attempts(claim)
        finally:
            # A store that cannot be written must not hide why the send stopped; a claim
            # left behind is taken over once this process has ended.
            with contextlib.suppress(StorageError):
                self.store.release(ticket_id, owner)

    def _skipped(self, ticket_id: int) -> SendOutcome:
        ticket = self.store.get(ticket_id)
        if ticket.status == SENT:
            return SendOutcome(ticket_id, SKIPPED, _("already sent as {remote}").format(
                remote=ticket.remote_id), ticket)
        if ticket.status == "draft":
            return SendOutcome(ticket_id, SKIPPED, _(
                "is a draft without a body; file it again with 'tokohelp ticket new'"), ticket)
        host, pid = self.store.holder(ticket_id)
        return SendOutcome(ticket_id, SKIPPED, _(
            "being sent by another tokohelp process (pid {pid} on {host})").format(
                pid=pid, host=host), ticket)

    def _attempts(self, claim: Claim) -> SendOutcome:
        ticket, maybe_sent = claim.ticket, claim.maybe_sent
        error: BackendError | None = None
        for attempt in range(1, self.policy.attempts + 1):
            if error is not None:
                self.sleep(backoff_delay(self.policy, attempt - 1, error.retry_after))
            self.store.begin_attempt(ticket.id, claim.owner, self.backend.name)
            try:
                ref = self._one_attempt(ticket, maybe_sent)
            except BackendError as exc:
                error = exc
                maybe_sent = maybe_sent or bool(getattr(exc, "maybe_sent", False))
                self.store.attempt_failed(ticket.id, claim.owner, exc.message, maybe_sent)
                if not exc.retryable:
                    return self._finish(claim, FAILED, exc)
                continue
            self._record_sent(ticket, ref)
            return SendOutcome(ticket.id, SENT, _sent_message(ref), self.store.get(ticket.id))
        return self._finish(claim, QUEUED, error)

    def _one_attempt(self, ticket: Ticket, maybe_sent: bool) -> RemoteRef:
        """Look for the ticket first when an earlier attempt may have landed, else send."""
        if maybe_sent:
            found = self.backend.find_existing(ticket)
            if found is not None:
                return found
        return self.backend.send(ticket)

    def _record_sent(self, ticket: Ticket, ref: RemoteRef) -> None:
        """Record the delivery; if the store cannot, say that the desk *has* the ticket.

        The attempt stays marked in flight, so the next send looks the ticket up and
        records it instead of filing it again.
        """
        try:
            self.store.mark_sent(ticket.id, ref)
        except StorageError as exc:
            raise UnrecordedDelivery(
                _("ticket {id} was delivered to backend '{backend}' as {remote}, but the "
                  "local store could not record it ({reason})").format(
                    id=ticket.id, backend=self.backend.name, remote=ref.remote_id,
                    reason=exc.message),
                _("Do not file it again. Once the store is writable, run 'tokohelp ticket "
                  "send {id}': it finds the delivered ticket and records it.").format(
                    id=ticket.id)) from None

    def _finish(self, claim: Claim, status: str, error: BackendError | None) -> SendOutcome:
        ticket_id = claim.ticket.id
        self.store.release(ticket_id, claim.owner, status)
        reason = error.message if error else _("not sent")
        return SendOutcome(ticket_id, status, reason, self.store.get(ticket_id),
                           retry_advice(ticket_id, status))


def retry_advice(ticket_id: int, status: str) -> str:
    """What the user can do about a ticket that was not sent."""
    if status == FAILED:
        return _("Fix the problem (see 'tokohelp config check'), then run "
                 "'tokohelp ticket send {id}'.").format(id=ticket_id)
    return _("It stays queued; retry with 'tokohelp ticket send {id}'.").format(id=ticket_id)


def _sent_message(ref: RemoteRef) -> str:
    if ref.url:
        return _("sent as {remote} ({url})").format(remote=ref.remote_id, url=ref.url)
    return _("sent as {remote}").format(remote=ref.remote_id)
