"""Sending stored replies through the ticket :class:`~tokohelp.tickets.sender.Sender`.

The sender's retry loop is reused as it is: it is given the reply store (same
method names as the ticket store) and a channel that turns ``send`` and
``find_existing`` into the backend's ``send_reply`` and ``find_reply`` for the
reply's ticket.  Only the messages differ: they name the reply and its ticket.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tokohelp.errors import BackendError, StorageError
from tokohelp.i18n import _
from tokohelp.tickets.sender import (
    FAILED,
    SENT,
    SKIPPED,
    Sender,
    SendOutcome,
    SendPolicy,
    UnrecordedDelivery,
)

if TYPE_CHECKING:
    from tokohelp.tickets.backends.base import Backend
    from tokohelp.tickets.model import RemoteRef, Reply
    from tokohelp.tickets.reply_store import ReplyStore
    from tokohelp.tickets.store import Claim


class ReplyChannel:
    """A backend seen by the Sender as if replies were tickets."""

    def __init__(self, backend: Backend, replies: ReplyStore) -> None:
        self.backend = backend
        self.replies = replies
        self.name = backend.name

    def send(self, reply: Reply) -> RemoteRef:
        """One attempt at adding the reply to its ticket at the desk."""
        return self.backend.send_reply(self.replies.tickets.get(reply.ticket_id), reply)

    def find_existing(self, reply: Reply) -> RemoteRef | None:
        """After an attempt of unknown outcome: the reply at the desk, if it arrived."""
        return self.backend.find_reply(self.replies.tickets.get(reply.ticket_id), reply)


class ReplySender(Sender):
    """Claims and sends one stored reply; never adds it to the desk twice."""

    def __init__(self, replies: ReplyStore, backend: Backend, policy: SendPolicy,
                 sleep: Callable[[float], None] | None = None) -> None:
        import time

        super().__init__(replies, ReplyChannel(backend, replies), policy,  # type: ignore[arg-type]
                         sleep or time.sleep)

    def _skipped(self, reply_id: int) -> SendOutcome:
        reply = self.store.get(reply_id)
        if reply.status == SENT:
            return SendOutcome(reply.ticket_id, SKIPPED, _("reply {id} was already sent").format(
                id=reply_id), reply)  # type: ignore[arg-type]
        host, pid = self.store.holder(reply_id)
        return SendOutcome(reply.ticket_id, SKIPPED, _(
            "reply {id} is being sent by another tokohelp process (pid {pid} on {host})").format(
                id=reply_id, pid=pid, host=host), reply)  # type: ignore[arg-type]

    def _attempts(self, claim: Claim) -> SendOutcome:
        outcome = super()._attempts(claim)
        reply: Any = claim.ticket
        outcome.ticket_id = reply.ticket_id
        if outcome.result == SENT:
            outcome.message = _("reply {id} sent").format(id=reply.id)
        return outcome

    def _record_sent(self, reply: Any, ref: RemoteRef) -> None:
        try:
            self.store.mark_sent(reply.id, ref)
        except StorageError as exc:
            raise UnrecordedDelivery(
                _("reply {id} to ticket {ticket} was delivered, but the local store could not "
                  "record it ({reason})").format(id=reply.id, ticket=reply.ticket_id,
                                                 reason=exc.message),
                _("Do not write it again. Once the store is writable, run 'tokohelp ticket "
                  "send {ticket}': it finds the delivered reply and records it.").format(
                    ticket=reply.ticket_id)) from None

    def _finish(self, claim: Claim, status: str, error: BackendError | None) -> SendOutcome:
        reply: Any = claim.ticket
        self.store.release(reply.id, claim.owner, status)
        reason = error.message if error else _("not sent")
        return SendOutcome(reply.ticket_id, status,
                           _("reply {id}: {reason}").format(id=reply.id, reason=reason),
                           self.store.get(reply.id), reply_advice(reply.ticket_id, status))


def reply_advice(ticket_id: int, status: str) -> str:
    """What the user can do about a reply that was not sent."""
    if status == FAILED:
        return _("Fix the problem (see 'tokohelp config check'), then run "
                 "'tokohelp ticket send {id}'.").format(id=ticket_id)
    return _("It stays queued; retry with 'tokohelp ticket send {id}'.").format(id=ticket_id)
