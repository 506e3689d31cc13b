"""The ticket data every part of the ticket system shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

STATUSES = ("draft", "queued", "sent", "failed")


@dataclass
class Attachment:
    """A file copied into the ticket store at creation time."""

    name: str          # base name sent to the backend
    mime: str          # detected from content, never from the name
    size: int
    stored_path: Path  # the private copy inside the store


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


@dataclass
class RemoteRef:
    """Where a ticket lives on the backend once it is there."""

    remote_id: str
    url: str | None = None


@dataclass
class RemoteReply:
    """One reply or history entry from the backend."""

    author: str
    created: str
    text: str
    attachments: list[str] = field(default_factory=list)  # file names, where the desk says


@dataclass
class RemoteStatus:
    """What the backend says about a sent ticket."""

    remote_id: str
    status: str                   # as the desk says it, or mapped to open/pending/solved/closed
    replies: list[RemoteReply] = field(default_factory=list)
    desk_status: str = ""         # the desk's own word where ``status`` is the mapped one


@dataclass
class Reply:
    """A follow-up the user wrote on a sent ticket, kept in the store until delivered."""

    id: int
    ticket_id: int
    body: str
    status: str                   # queued, sent or failed (replies have no drafts)
    created: str
    idempotency_key: str          # stable for the reply's life; carried by every attempt
    attachments: list[Attachment] = field(default_factory=list)
    attempts: int = 0
    last_error: str | None = None
    remote_id: str | None = None
    remote_url: str | None = None
    updated: str = ""
