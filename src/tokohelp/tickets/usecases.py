"""The ticket use cases that write, which the CLI calls: ``(session, inputs) -> result``.

Listing and showing are in :mod:`tokohelp.tickets.listing`, which imports none of this.

Each reads settings and opens the store and backends only through the run's
:class:`~tokohelp.session.Session` (config read once, store opened once), returns a
result from ``tokohelp.tickets.results`` and never prints.  Questions go through
the ``Asker`` the caller gives; progress through the callbacks it gives.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tokohelp.errors import (
    AbortedError,
    BackendError,
    BadInputError,
    ConfigError,
    MissingSecretError,
    StorageError,
    TokohelpError,
    UsageError,
)
from tokohelp.i18n import _, ngettext
from tokohelp.tickets import filing
from tokohelp.tickets.listing import check_id
from tokohelp.tickets.results import (
    DraftSaved,
    DryRunShown,
    SendReport,
    TicketDeleted,
    TicketFiled,
)

if TYPE_CHECKING:
    from tokohelp.session import Session
    from tokohelp.tickets.backends.base import Backend
    from tokohelp.tickets.drafts import DraftChange
    from tokohelp.tickets.intake import Asker, IntakeRequest
    from tokohelp.tickets.model import Ticket
    from tokohelp.tickets.sender import SendOutcome


def new_ticket(session: Session, request: IntakeRequest, asker: Asker, *, dry_run: bool = False,
               report: Callable[[filing.Retrying], None] | None = None,
               ) -> TicketFiled | DryRunShown:
    """Gather the ticket (asking what is missing), then store and send it, or describe it."""
    from tokohelp import config
    from tokohelp.tickets import intake, snapshot

    target, missing = _backend_or_missing_secret(session, request.backend)
    with snapshot.staging() as staging:
        deps = filing.intake_deps(session.config, session.article_lang, staging,
                                  config.data_dir(), lambda: session.store,
                                  lambda: session.index)
        gathered = intake.gather(request, asker, deps)
        if dry_run:
            from tokohelp.tickets.service import dry_run as describe

            dry = describe(gathered.ticket, gathered.files, target)
            return DryRunShown(dry.backend, dry.ticket, dry.request)
        filed = filing.file_ticket(gathered, target, session.config, lambda: session.store,
                                   config.data_dir(), report)
    created = filed.created
    if missing is not None:
        return TicketFiled(created.ticket, created.store_path, None, filed.notes,
                           _secret_missing(created.ticket, missing), [])
    notes = no_backend_notes(created.ticket.id, created.store_path) if target is None else []
    return TicketFiled(created.ticket, created.store_path, created.outcome, filed.notes,
                       _not_sent(created.ticket, created.outcome), notes)


def _backend_or_missing_secret(session: Session, name: str | None
                               ) -> tuple[Backend | None, MissingSecretError | None]:
    """The backend; or, when only its secret is missing, none yet and why (issue 13).

    Everything typed is then stored as a queued ticket, to be sent once the secret
    is exported, instead of being refused with nothing kept.
    """
    try:
        return session.backend(name), None
    except MissingSecretError as exc:
        return None, exc


def _secret_missing(ticket: Ticket, exc: MissingSecretError) -> ConfigError:
    return ConfigError(_("ticket {id} is stored (queued) but not sent: {reason}").format(
                           id=ticket.id, reason=exc.message),
                       _("{hint} Then run: tokohelp ticket send {id}").format(
                           hint=exc.hint, id=ticket.id))


def no_backend_notes(ticket_id: int, store_path: object) -> list[str]:
    """Where the queued ticket is, how to configure a backend and who can take it now."""
    channels = _(" or ").join(("tokohelp contact --channel help-center",
                               "tokohelp contact --channel email"))
    return [_("No backend is configured, so ticket {id} is kept queued in {path}.").format(
                id=ticket_id, path=store_path),
            _("To send it, configure a backend (see: tokohelp docs backends; "
              "'tokohelp config init' writes an example config), then run: "
              "tokohelp ticket send {id}").format(id=ticket_id),
            _("Meanwhile you can reach Tokopedia through: {channels}").format(
                channels=channels)]


def _not_sent(ticket: Ticket, outcome: SendOutcome | None) -> TokohelpError | None:
    if outcome is None or not outcome.needs_action:
        return None
    if outcome.delivered:  # filed at the desk; only the local record is missing
        return StorageError(outcome.message, outcome.advice)
    return BackendError(_("ticket {id} was stored but not sent: {reason}").format(
        id=ticket.id, reason=outcome.message), outcome.advice)


def send_targets(session: Session, ids: list[int] | None, all_queued: bool) -> list[int]:
    """The tickets ``ticket send`` works on: the given ones (which must exist) or every queued."""
    from tokohelp.tickets import service

    _check_send_args(session.store, ids, all_queued)
    return service.send_targets(None if all_queued else
                                [check_id(i) for i in ids or []], session.store)


def send_tickets(session: Session, targets: list[int],
                 progress: Callable[[SendOutcome], None] | None = None, *,
                 all_queued: bool = False,
                 report: Callable[[filing.Retrying], None] | None = None) -> SendReport:
    """Send ``targets`` (drafts after the checks of ``ticket new``), then their queued
    replies (every queued reply with ``all_queued``); each gets an outcome."""
    outcomes = filing.send_all(targets, session.config, session.store, progress, report)
    outcomes += _send_replies(session, None if all_queued else targets, progress)
    return SendReport(outcomes, _unsent(outcomes))


def _send_replies(session: Session, ticket_ids: list[int] | None,
                  progress: Callable[[SendOutcome], None] | None) -> list[SendOutcome]:
    """The queued replies of the tickets sent (all of them with --all), after the tickets."""
    from tokohelp.tickets import replying

    try:
        return replying.send_queued(session, ticket_ids, progress)
    except KeyboardInterrupt as exc:
        waiting = replying.tickets_with_queued_replies(session, ticket_ids)
        raise filing.stays_queued(waiting or ticket_ids or [], exc) from None


def _check_send_args(store: object, ids: list[int] | None, all_queued: bool) -> None:
    """Ids or --all, exactly one of them; with neither, say what there is to send."""
    if ids and all_queued:
        raise UsageError(_("give ticket ids or --all, not both"),
                         _("Example: tokohelp ticket send 3, or tokohelp ticket send --all"))
    if ids or all_queued:
        return
    queued = " ".join(map(str, store.ids_with_status("queued"))) or "-"  # type: ignore[attr-defined]
    drafts = " ".join(map(str, store.ids_with_status("draft"))) or "-"  # type: ignore[attr-defined]
    raise UsageError(_("say which tickets to send"),
                     _("Queued: {queued}; drafts: {drafts}.\n"
                       "Send one with: tokohelp ticket send ID, or every queued one with: "
                       "tokohelp ticket send --all").format(queued=queued, drafts=drafts))


def _unsent(outcomes: list[SendOutcome]) -> TokohelpError | None:
    """What ends the run: nothing, incomplete drafts (BAD_INPUT), or tickets not sent."""
    unsent = [o for o in outcomes if o.needs_action]
    if not unsent:
        return None
    listed = " ".join(str(o.ticket_id) for o in unsent)
    if all(o.ticket is not None and o.ticket.status == "draft" for o in unsent):
        return BadInputError(
            ngettext("draft {ids} is not complete yet", "drafts {ids} are not complete yet",
                     len(unsent)).format(ids=listed),
            _("Complete it with: tokohelp ticket edit ID, then send it again."))
    return BackendError(
        ngettext("{count} of {total} ticket not sent", "{count} of {total} tickets not sent",
                 len(outcomes)).format(count=len(unsent), total=len(outcomes)),
        _("Each line above says what to do; then: tokohelp ticket send {ids}").format(ids=listed))


def edit_ticket(session: Session, ticket_id: int, change: DraftChange | None,
                asker: Asker) -> DraftSaved:
    """Apply ``change`` to a draft, or open the editor on its message when there is none."""
    from tokohelp.tickets import drafts

    store = session.store
    ticket = store.get(check_id(ticket_id))
    drafts.require_draft(ticket)
    if change is None:
        if not asker.interactive:
            raise UsageError(_("nothing to change"),
                             _("Without a terminal give --subject, --message, --body-file, "
                               "--attach or --detach."))
        return DraftSaved(filing.edit_in_editor(store, ticket, asker))
    from tokohelp.tickets.attachments import limits_from_config

    max_count = limits_from_config(session.config).max_count
    return DraftSaved(filing.edit_draft(store, ticket, change, max_count))


def delete_ticket(session: Session, ticket_id: int,
                  confirm: Callable[[Ticket], bool] | None) -> TicketDeleted:
    """Delete a ticket that never reached a desk; ``confirm`` (None: --yes) may refuse."""
    from tokohelp.tickets import drafts

    store = session.store
    ticket = store.get(check_id(ticket_id))
    if not drafts.deletable(ticket):
        drafts.delete(store, ticket)  # raises with the reason
    if confirm is not None and not confirm(ticket):
        raise AbortedError(_("Nothing was deleted."))
    drafts.delete(store, ticket)
    return TicketDeleted(ticket)
