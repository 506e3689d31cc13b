"""Changing and removing tickets that were never sent: drafts, and failed or untried ones.

A sent ticket is the record of what the help desk received, so it is never
changed or deleted.  Every change is one store transaction; new attachment
copies are staged before it and removed again if it fails, and the copies of
detached or deleted attachments are removed only after it committed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tokohelp.errors import UsageError
from tokohelp.i18n import _
from tokohelp.tickets.model import Ticket
from tokohelp.tickets.store import CheckedFile, Store, _copy_private, now_iso

EDITABLE = ("draft",)
FIELDS = ("subject", "body", "category", "order_id", "email", "backend")


@dataclass
class DraftChange:
    """New values for a draft (None: unchanged), files to add and attachment names to drop."""

    values: dict[str, str | None] = field(default_factory=dict)
    add: list[CheckedFile] = field(default_factory=list)
    detach: list[str] = field(default_factory=list)


def deletable(ticket: Ticket) -> bool:
    """Drafts, failed tickets and queued ones never tried: nothing of them reached a desk."""
    if ticket.status in ("draft", "failed"):
        return True
    return ticket.status == "queued" and ticket.attempts == 0


def require_draft(ticket: Ticket) -> None:
    """Only drafts can be edited; say what to do with the others."""
    if ticket.status not in EDITABLE:
        raise UsageError(
            _("ticket {id} is {status}; only drafts can be edited").format(
                id=ticket.id, status=ticket.status),
            _("See it with: tokohelp ticket show {id}").format(id=ticket.id))


def update(store: Store, ticket: Ticket, change: DraftChange) -> Ticket:
    """Apply ``change`` to the draft ``ticket`` in one transaction."""
    require_draft(ticket)
    dropped = positions(ticket, change.detach)
    kept = [a for i, a in enumerate(ticket.attachments) if i not in dropped]
    folder = store.attachments_dir / str(ticket.id)
    staged = _stage(folder, change.add, start=_next_position(ticket))
    try:
        _write(store, ticket, change, kept, staged)
    except BaseException:
        for path, _item in staged:
            with contextlib.suppress(OSError):
                path.unlink()
        raise
    for i in dropped:
        with contextlib.suppress(OSError):
            ticket.attachments[i].stored_path.unlink()
    return store.get(ticket.id)


def positions(ticket: Ticket, names: list[str]) -> set[int]:
    """Attachment positions by name or by 1-based number; an unknown one is a usage error."""
    found = set()
    for name in names:
        matches = [i for i, a in enumerate(ticket.attachments)
                   if a.name == name or str(i + 1) == name]
        if not matches:
            listed = ", ".join(a.name for a in ticket.attachments) or _("none")
            raise UsageError(_("ticket {id} has no attachment {name!r}").format(
                id=ticket.id, name=name), _("Its attachments: {names}").format(names=listed))
        found.update(matches[:1])
    return found


def _next_position(ticket: Ticket) -> int:
    numbers = [int(a.stored_path.name.split("-", 1)[0]) for a in ticket.attachments
               if a.stored_path.name.split("-", 1)[0].isdigit()]
    return max(numbers, default=0)


def _stage(folder: Path, files: list[CheckedFile], start: int) -> list[tuple[Path, CheckedFile]]:
    """Private copies in the ticket's attachment folder, named so they cannot collide."""
    if not files:
        return []
    from tokohelp.tickets.store import private_dir, storage_errors

    staged: list[tuple[Path, CheckedFile]] = []
    with storage_errors(folder):
        private_dir(folder)
        try:
            for offset, item in enumerate(files, start=1):
                target = folder / f"{start + offset}-{uuid.uuid4().hex[:6]}-{item.name}"
                _copy_private(item, target)
                staged.append((target, item))
        except BaseException:
            for path, _item in staged:
                with contextlib.suppress(OSError):
                    path.unlink()
            raise
    return staged


def _write(store: Store, ticket: Ticket, change: DraftChange, kept: list,
           staged: list[tuple[Path, CheckedFile]]) -> None:
    values = {k: v for k, v in change.values.items() if k in FIELDS and v is not None}
    sets = "".join(f"{name} = ?, " for name in values)
    rows = [(a.name, a.mime, a.size, str(a.stored_path)) for a in kept]
    rows += [(item.name, item.mime, item.size, str(path)) for path, item in staged]
    with store._tx() as db:
        cur = db.execute(f"UPDATE tickets SET {sets}updated = ? WHERE id = ? AND status = 'draft'",
                         (*values.values(), now_iso(), ticket.id))
        if cur.rowcount != 1:
            raise UsageError(_("ticket {id} is no longer a draft").format(id=ticket.id))
        db.execute("DELETE FROM attachments WHERE ticket_id = ?", (ticket.id,))
        db.executemany("INSERT INTO attachments (ticket_id, position, name, mime, size,"
                       " stored_path) VALUES (?, ?, ?, ?, ?, ?)",
                       [(ticket.id, pos, *row) for pos, row in enumerate(rows)])


def queue(store: Store, ticket_id: int, backend: str | None) -> None:
    """Turn a checked draft into a queued ticket, ready for the sender."""
    with store._tx() as db:
        cur = db.execute("UPDATE tickets SET status = 'queued', backend = ?, updated = ?"
                         " WHERE id = ? AND status = 'draft'", (backend, now_iso(), ticket_id))
        if cur.rowcount != 1:
            raise UsageError(_("ticket {id} is no longer a draft").format(id=ticket_id))


def delete(store: Store, ticket: Ticket) -> None:
    """Remove a ticket that never reached a desk, with its attachment copies."""
    if not deletable(ticket):
        raise UsageError(
            _("ticket {id} is {status} and is kept as the record of what was sent").format(
                id=ticket.id, status=ticket.status) if ticket.status == "sent" else
            _("ticket {id} is queued and may already have reached the help desk").format(
                id=ticket.id),
            _("Only drafts, failed tickets and queued ones never tried can be deleted."))
    with store._tx() as db:
        cur = db.execute("DELETE FROM tickets WHERE id = ? AND status = ? AND attempts = ?"
                         " AND claimed_by IS NULL", (ticket.id, ticket.status, ticket.attempts))
        if cur.rowcount != 1:
            raise UsageError(_("ticket {id} changed meanwhile; nothing was deleted").format(
                id=ticket.id), _("See it with: tokohelp ticket show {id}").format(id=ticket.id))
        db.execute("DELETE FROM attachments WHERE ticket_id = ?", (ticket.id,))
    folder = store.attachments_dir / str(ticket.id)
    if folder.is_dir() and os.path.commonpath([folder, store.attachments_dir]):
        shutil.rmtree(folder, ignore_errors=True)
