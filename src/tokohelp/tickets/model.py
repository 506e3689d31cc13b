"""The ticket data every part of the ticket system shares.

Every run that touches tickets defines these classes, so all but :class:`Ticket` are
plain slotted classes (a ``@dataclass`` costs about 2M instructions to define, these
almost nothing) with a dataclass's equality and repr from :class:`tokohelp.record.Record`.
:class:`Ticket` stays a dataclass: ``dataclasses.replace`` is used on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tokohelp.record import Record

STATUSES = ("draft", "queued", "sent", "failed")


class Attachment(Record):
    """A file copied into the ticket store at creation time."""

    __slots__ = ("mime", "name", "size", "stored_path")

    def __init__(self, name: str, mime: str, size: int, stored_path: Path) -> None:
        self.name = name                # base name sent to the backend
        self.mime = mime                # detected from content, never from the name
        self.size = size
        self.stored_path = stored_path  # the private copy inside the store


@dataclass
class Ticket:
    """One help request as kept in the local store."""

    id: int
    subject: str
    body: str
    category: str | None
    backend: str | None
    status: str
    created: str
    idempotency_key: str          # stable for the ticket's life; sent with every attempt
    order_id: str | None = None
    email: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    attempts: int = 0
    last_error: str | None = None
    remote_id: str | None = None
    remote_url: str | None = None
    updated: str = ""


class RemoteRef(Record):
    """Where a ticket lives on the backend once it is there."""

    __slots__ = ("remote_id", "url")

    def __init__(self, remote_id: str, url: str | None = None) -> None:
        self.remote_id, self.url = remote_id, url


class RemoteReply(Record):
    """One reply or history entry from the backend."""

    __slots__ = ("attachments", "author", "created", "text")

    def __init__(self, author: str, created: str, text: str,
                 attachments: list[str] | None = None) -> None:
        self.author, self.created, self.text = author, created, text
        self.attachments = [] if attachments is None else attachments  # names, where known


class RemoteStatus(Record):
    """What the backend says about a sent ticket."""

    __slots__ = ("desk_status", "remote_id", "replies", "status")

    def __init__(self, remote_id: str, status: str, replies: list[RemoteReply] | None = None,
                 desk_status: str = "") -> None:
        self.remote_id = remote_id
        self.status = status            # as the desk says it, or mapped to open/pending/...
        self.replies = [] if replies is None else replies
        self.desk_status = desk_status  # the desk's own word where ``status`` is the mapped one


class Reply(Record):
    """A follow-up the user wrote on a sent ticket, kept in the store until delivered."""

    __slots__ = ("attachments", "attempts", "body", "created", "id", "idempotency_key",
                 "last_error", "remote_id", "remote_url", "status", "ticket_id", "updated")

    def __init__(self, id: int, ticket_id: int, body: str, status: str, created: str,
                 idempotency_key: str, attachments: list[Attachment] | None = None,
                 attempts: int = 0, last_error: str | None = None, remote_id: str | None = None,
                 remote_url: str | None = None, updated: str = "") -> None:
        self.id, self.ticket_id, self.body = id, ticket_id, body
        self.status = status                    # queued, sent or failed (no drafts)
        self.created = created
        self.idempotency_key = idempotency_key  # stable for the reply's life
        self.attachments = [] if attachments is None else attachments
        self.attempts, self.last_error = attempts, last_error
        self.remote_id, self.remote_url, self.updated = remote_id, remote_url, updated
