"""The reading use cases, ``ticket list`` and ``ticket show``: ``(session, inputs) -> result``.

They live apart from :mod:`tokohelp.tickets.usecases` so that looking at tickets
imports only the store, the model and the results, not the filing, draft,
recovery and intake code (nor ``secrets``) that writing a ticket needs: every
run is a fresh process, and ``ticket list`` is one of the commands run most.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tokohelp.errors import NotFoundError, TokohelpError, UsageError
from tokohelp.i18n import _
from tokohelp.tickets.model import STATUSES
from tokohelp.tickets.results import TicketList, TicketShown

if TYPE_CHECKING:
    from tokohelp.session import Session

MAX_TICKET_ID = 2**63 - 1


def check_id(ticket_id: int) -> int:
    """Ticket ids are SQLite integers; a number outside them names no ticket."""
    if not 1 <= ticket_id <= MAX_TICKET_ID:
        raise NotFoundError(_("no ticket {id}").format(id=ticket_id),
                            _("List your tickets with: tokohelp ticket list"))
    return ticket_id


def list_tickets(session: Session, status: str | None, refresh: bool = False) -> TicketList:
    """Stored tickets, oldest first, optionally of one status; "new reply" from the cache.

    Without ``refresh`` nothing goes over the network: the marks come from what
    ``ticket show`` or an earlier ``--refresh`` fetched.
    """
    from tokohelp.tickets.reply_store import unseen_tickets

    warnings = _config_warning(session)
    if refresh:
        from tokohelp.tickets.replying import refresh_threads

        warnings += refresh_threads(session)
    store = session.store if refresh else session.reading_store()
    if status is not None and status not in STATUSES:
        raise UsageError(_("unknown status '{status}'").format(status=status),
                         _("Use one of: {choices}.").format(choices=", ".join(STATUSES)))
    return TicketList(store.tickets(status), unseen_tickets(store), warnings)


def _config_warning(session: Session) -> list[str]:
    """Listing needs no config, but a broken one must not go unmentioned (issue 13)."""
    try:
        _ = session.config  # reading it is the check
    except TokohelpError as exc:
        return [exc.message]
    return []


def show_ticket(session: Session, ticket_id: int) -> TicketShown:
    """The local record, its replies and, once sent, the desk's thread (marked as seen)."""
    from tokohelp.tickets.reply_store import ReplyStore

    shown = _shown(session, ticket_id)
    shown.replies = ReplyStore(session.store).for_ticket(shown.ticket.id)
    if shown.remote is not None:  # the desk answered: its backend (and httpx) is loaded anyway
        from tokohelp.tickets.replying import remember_thread

        remember_thread(session, shown.ticket.id, shown.remote, seen=True)
    return shown


def _shown(session: Session, ticket_id: int) -> TicketShown:
    """The local record and, once sent, what the backend says (a failure is a note)."""
    ticket = session.store.get(check_id(ticket_id))
    if ticket.status != "sent" or not ticket.remote_id:
        return TicketShown(ticket)
    try:
        backend = session.backend(ticket.backend)
        if backend is None:
            return TicketShown(ticket, remote_error=_("no backend configured"))
        return TicketShown(ticket, backend.remote_status(ticket.remote_id))
    except TokohelpError as exc:
        return TicketShown(ticket, remote_error=exc.message)
