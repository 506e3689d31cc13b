"""What the ticket use cases return: one class per answer, each with its JSON document.

The JSON shapes are the ones ``--json`` has always printed (English keys; fields are
added, never renamed).  Human views live in ``tokohelp.cli.ticket_views`` and are
registered by class name in ``tokohelp.cli.render.VIEWS``.  ``failure`` is an error the
renderer reports after the result is shown (a ticket stored but not sent), so scripts
still get the document and the exit status says what happened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tokohelp.record import Record
from tokohelp.tickets.model import Reply

if TYPE_CHECKING:
    from pathlib import Path

    from tokohelp.errors import TokohelpError
    from tokohelp.tickets.model import RemoteStatus, Ticket
    from tokohelp.tickets.sender import SendOutcome


def ticket_json(ticket: Ticket) -> dict[str, Any]:
    """The JSON object of one stored ticket (shape pinned by tests)."""
    return {"id": ticket.id, "status": ticket.status, "backend": ticket.backend,
            "remote_id": ticket.remote_id, "remote_url": ticket.remote_url,
            "subject": ticket.subject, "category": ticket.category, "body": ticket.body,
            "order_id": ticket.order_id, "email": ticket.email,
            "attachments": [{"name": a.name, "mime": a.mime, "size": a.size,
                             "path": str(a.stored_path)} for a in ticket.attachments],
            "attempts": ticket.attempts, "last_error": ticket.last_error,
            "idempotency_key": ticket.idempotency_key, "created": ticket.created,
            "updated": ticket.updated}


def remote_json(remote: RemoteStatus | None) -> dict[str, Any] | None:
    """The backend's status and replies as plain JSON (texts are the server's, verbatim)."""
    if remote is None:
        return None
    return {"remote_id": remote.remote_id, "status": remote.status,
            "desk_status": remote.desk_status or remote.status,
            "replies": [{"author": r.author, "created": r.created, "text": r.text,
                         "attachments": r.attachments} for r in remote.replies]}


def reply_json(reply: Reply) -> dict[str, Any]:
    """The JSON object of one stored reply (shape pinned by tests)."""
    return {"id": reply.id, "ticket_id": reply.ticket_id, "status": reply.status,
            "body": reply.body, "remote_id": reply.remote_id, "remote_url": reply.remote_url,
            "attachments": [{"name": a.name, "mime": a.mime, "size": a.size,
                             "path": str(a.stored_path)} for a in reply.attachments],
            "attempts": reply.attempts, "last_error": reply.last_error,
            "idempotency_key": reply.idempotency_key, "created": reply.created,
            "updated": reply.updated}


def outcome_json(outcome: SendOutcome) -> dict[str, Any]:
    """One entry of ``ticket send --json``: a ticket's, or (``kind`` "reply") a reply's."""
    entry = {"id": outcome.ticket_id, "result": outcome.result, "message": outcome.message,
             "advice": outcome.advice, "kind": "ticket"}
    if isinstance(outcome.ticket, Reply):
        return {**entry, "kind": "reply", "ticket": None, "reply": reply_json(outcome.ticket)}
    return {**entry, "ticket": ticket_json(outcome.ticket) if outcome.ticket else None}


class TicketFiled(Record):
    """``ticket new``: the stored ticket, how sending went, and what to tell the user."""

    __slots__ = ("failure", "notes", "outcome", "store_path", "ticket", "warnings")

    def __init__(self, ticket: Ticket, store_path: Path, outcome: SendOutcome | None = None,
                 warnings: list[str] | None = None, failure: TokohelpError | None = None,
                 notes: list[str] | None = None) -> None:
        self.ticket, self.store_path, self.outcome = ticket, store_path, outcome
        self.warnings = [] if warnings is None else warnings
        self.failure = failure
        self.notes = [] if notes is None else notes

    def to_json(self) -> dict[str, Any]:
        """The stored ticket."""
        return ticket_json(self.ticket)


class DryRunShown(Record):
    """``ticket new --dry-run``: what would be sent, secrets masked; nothing stored."""

    __slots__ = ("backend", "request", "ticket")

    def __init__(self, backend: str | None, ticket: Ticket,
                 request: dict[str, Any] | None = None) -> None:
        self.backend, self.ticket = backend, ticket
        self.request = {} if request is None else request

    def to_json(self) -> dict[str, Any]:
        """Backend name, the ticket as it would be stored, and the request."""
        return {"backend": self.backend, "ticket": ticket_json(self.ticket),
                "request": self.request}


class TicketList(Record):
    """``ticket list``: stored tickets, oldest first."""

    __slots__ = ("new_replies", "tickets", "warnings")

    def __init__(self, tickets: list[Ticket], new_replies: set[int] | None = None,
                 warnings: list[str] | None = None) -> None:
        self.tickets = tickets
        self.new_replies = set() if new_replies is None else new_replies  # replies not shown yet
        self.warnings = [] if warnings is None else warnings

    def to_json(self) -> list[dict[str, Any]]:
        """One object per ticket, with ``new_reply``."""
        return [{**ticket_json(t), "new_reply": t.id in self.new_replies} for t in self.tickets]


class TicketShown(Record):
    """``ticket show``: the local record and, once sent, the backend's view of it."""

    __slots__ = ("remote", "remote_error", "replies", "ticket")

    def __init__(self, ticket: Ticket, remote: RemoteStatus | None = None,
                 remote_error: str | None = None, replies: list[Any] | None = None) -> None:
        self.ticket, self.remote, self.remote_error = ticket, remote, remote_error
        self.replies = [] if replies is None else replies  # the user's replies, as stored

    def to_json(self) -> dict[str, Any]:
        """The ticket plus ``remote``, ``remote_error`` and the stored ``replies``."""
        return {**ticket_json(self.ticket), "remote": remote_json(self.remote),
                "remote_error": self.remote_error,
                "replies": [reply_json(r) for r in self.replies]}


class SendReport(Record):
    """``ticket send``: one outcome per ticket, in the order asked."""

    __slots__ = ("failure", "outcomes")

    def __init__(self, outcomes: list[SendOutcome], failure: TokohelpError | None = None) -> None:
        self.outcomes, self.failure = outcomes, failure

    def to_json(self) -> list[dict[str, Any]]:
        """One entry per ticket."""
        return [outcome_json(o) for o in self.outcomes]


class DraftSaved(Record):
    """``ticket edit``: the draft as it is now."""

    __slots__ = ("ticket",)

    def __init__(self, ticket: Ticket) -> None:
        self.ticket = ticket

    def to_json(self) -> dict[str, Any]:
        """The draft."""
        return ticket_json(self.ticket)


class TicketDeleted(Record):
    """``ticket delete``: what was removed."""

    __slots__ = ("ticket",)

    def __init__(self, ticket: Ticket) -> None:
        self.ticket = ticket

    def to_json(self) -> dict[str, Any]:
        """The id and status the deleted ticket had."""
        return {"id": self.ticket.id, "status": self.ticket.status, "deleted": True}
