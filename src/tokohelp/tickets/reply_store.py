"""Replies in the ticket store: kept before they are sent, sent at most once.

A reply goes through the same outbox as a ticket: it is a row of its own
(``queued``, ``sent`` or ``failed``) with its own idempotency key, attempts,
last error, claim and in-flight flags, and private copies of its attachments,
all written in one transaction before anything is sent.  Claims and attempts
are :class:`~tokohelp.tickets.store.OutboxRows`, the same code as a ticket's
(claim, begin_attempt, attempt_failed, mark_sent, release, holder), so the one
:class:`~tokohelp.tickets.sender.Sender` with its retries and its "did the
timed-out attempt land?" look-up sends replies too.

The tables are added by :func:`migrate` (``CREATE TABLE IF NOT EXISTS``, run on
every open, so an older store gains them and nothing else changes).  The
``thread_seen`` table caches how many agent messages the desk had when last
fetched and when last shown, so ``ticket list`` marks "new reply" offline.
"""

from __future__ import annotations

import sqlite3
import uuid
from contextlib import AbstractContextManager
from pathlib import Path

from tokohelp.errors import NotFoundError, StorageError
from tokohelp.i18n import _
from tokohelp.tickets.model import Attachment, Reply
from tokohelp.tickets.store import (
    CheckedFile,
    OutboxRows,
    Store,
    insert_with_files,
    now_iso,
    place_attachments,
    private_dir,
    storage_errors,
)

REPLY_SCHEMA = """
CREATE TABLE IF NOT EXISTS replies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    remote_id TEXT,
    remote_url TEXT,
    in_flight INTEGER NOT NULL DEFAULT 0,
    maybe_sent INTEGER NOT NULL DEFAULT 0,
    claimed_by TEXT,
    claimed_host TEXT,
    claimed_pid INTEGER,
    claimed_at REAL
);
CREATE TABLE IF NOT EXISTS reply_attachments (
    reply_id INTEGER NOT NULL REFERENCES replies(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    stored_path TEXT NOT NULL,
    PRIMARY KEY (reply_id, position)
);
CREATE INDEX IF NOT EXISTS replies_ticket ON replies(ticket_id);
CREATE INDEX IF NOT EXISTS replies_status ON replies(status);
CREATE TABLE IF NOT EXISTS thread_seen (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id) ON DELETE CASCADE,
    agent_fetched INTEGER NOT NULL DEFAULT 0,
    agent_seen INTEGER NOT NULL DEFAULT 0,
    fetched_at TEXT
);
"""

REPLY_FIELDS = ("id", "ticket_id", "body", "status", "created", "idempotency_key", "attempts",
                "last_error", "remote_id", "remote_url", "updated")
REPLY_COLUMNS = ", ".join(REPLY_FIELDS)


def migrate(db: sqlite3.Connection) -> None:
    """Add the reply tables where they are missing (idempotent, one transaction)."""
    have = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if {"replies", "reply_attachments", "thread_seen"} <= have:
        return
    db.executescript(f"BEGIN IMMEDIATE; {REPLY_SCHEMA} COMMIT;")


class ReplyStore(OutboxRows):
    """The replies of one open :class:`Store`; same database, same transactions."""

    TABLE = "replies"

    def __init__(self, store: Store) -> None:
        self.tickets = store
        self.root = store.root
        self.path = store.path
        self.db = store.db
        self.dir = store.attachments_dir / "replies"
        with storage_errors(self.path):
            migrate(self.db)

    # -- creating and reading ----------------------------------------------------------

    def create(self, ticket_id: int, body: str, files: list[CheckedFile]) -> Reply:
        """Store a queued reply and private copies of its files, all or nothing."""
        key = f"reply-{uuid.uuid4()}"
        staging = self.dir / f".new-{key}"
        reply_id = insert_with_files(staging, files, lambda: self._stage(staging, files),
                                     lambda: self._insert(ticket_id, body, key, staging, files))
        return self.get(reply_id)

    def _stage(self, staging: Path, files: list[CheckedFile]) -> None:
        with storage_errors(self.dir):
            private_dir(self.dir)
        self.tickets._stage_files(staging, files)

    def _insert(self, ticket_id: int, body: str, key: str, staging: Path,
                files: list[CheckedFile]) -> int:
        stamp = now_iso()
        with self.tickets._tx() as db:
            cur = db.execute(
                "INSERT INTO replies (ticket_id, body, status, created, updated,"
                " idempotency_key) VALUES (?, ?, 'queued', ?, ?, ?)",
                (ticket_id, body, stamp, stamp, key))
            reply_id = int(cur.lastrowid or 0)
            place_attachments(db, staging, self.dir / str(reply_id), files,
                              "INSERT INTO reply_attachments (reply_id, position, name, mime,"
                              " size, stored_path) VALUES (?, ?, ?, ?, ?, ?)", reply_id)
        return reply_id

    def get(self, reply_id: int) -> Reply:
        """One reply with its attachments; NotFoundError when there is none."""
        with storage_errors(self.path):
            row = self.db.execute(f"SELECT {REPLY_COLUMNS} FROM replies WHERE id = ?",
                                  (reply_id,)).fetchone()
            if row is None:
                raise NotFoundError(_("no reply {id}").format(id=reply_id),
                                    _("See a ticket's replies with: tokohelp ticket show ID"))
            return self._reply(row)

    def for_ticket(self, ticket_id: int) -> list[Reply]:
        """The ticket's replies, oldest first."""
        with storage_errors(self.path):
            rows = self.db.execute(f"SELECT {REPLY_COLUMNS} FROM replies WHERE ticket_id = ?"
                                   " ORDER BY id", (ticket_id,)).fetchall()
            return [self._reply(r) for r in rows]

    def ids_with_status(self, status: str, ticket_ids: list[int] | None = None) -> list[int]:
        """Ids of replies in ``status``, oldest first, optionally of some tickets only."""
        with storage_errors(self.path):
            rows = self.db.execute("SELECT id, ticket_id FROM replies WHERE status = ?"
                                   " ORDER BY id", (status,)).fetchall()
        return [r[0] for r in rows if ticket_ids is None or r[1] in ticket_ids]

    def _reply(self, row: tuple) -> Reply:
        reply = Reply(**dict(zip(REPLY_FIELDS, row, strict=True)))
        rows = self.db.execute(
            "SELECT name, mime, size, stored_path FROM reply_attachments WHERE reply_id = ?"
            " ORDER BY position", (reply.id,)).fetchall()
        reply.attachments = [Attachment(n, m, s, Path(p)) for n, m, s, p in rows]
        return reply

    # -- claiming and sending: OutboxRows, with what differs for replies ---------

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        return self.tickets._tx()

    def _missing(self, reply_id: int) -> NotFoundError:
        return NotFoundError(_("no reply {id}").format(id=reply_id))

    def _taken_over(self, reply_id: int) -> StorageError:
        return StorageError(_("reply {id}: another tokohelp process took it over").format(
            id=reply_id))

    # -- what the desk said, cached for ``ticket list`` --------------------------------

    def record_fetch(self, ticket_id: int, agent_messages: int, *, seen: bool) -> None:
        """Remember how many agent messages the desk has; ``seen`` when they were shown."""
        with self.tickets._tx() as db:
            db.execute(
                "INSERT INTO thread_seen (ticket_id, agent_fetched, agent_seen, fetched_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT(ticket_id) DO UPDATE SET"
                " agent_fetched = excluded.agent_fetched, fetched_at = excluded.fetched_at,"
                " agent_seen = CASE WHEN ? THEN excluded.agent_fetched ELSE agent_seen END",
                (ticket_id, agent_messages, agent_messages if seen else 0, now_iso(),
                 int(seen)))


def unseen_tickets(store: Store) -> set[int]:
    """For ``ticket list``: tickets with unseen agent replies; a store without the table has none.

    Read-only: a store opened read-only (full disk) cannot be migrated, and a store
    that never had a reply fetched has nothing to mark.
    """
    try:
        rows = store.db.execute(
            "SELECT ticket_id FROM thread_seen WHERE agent_fetched > agent_seen").fetchall()
    except sqlite3.Error:
        return set()
    return {r[0] for r in rows}
