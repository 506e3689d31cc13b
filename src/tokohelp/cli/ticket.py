"""``tokohelp ticket new|edit|send|delete|list|show``: parse, call the ticket core, render.

Intake rules, drafts and recovery live in ``tokohelp.tickets`` (intake, filing,
drafts, recovery); this module turns options into requests, hands the core a
terminal asker, and renders with ``ticket_views``.  The core is imported inside
the commands so the rest of the CLI starts without SQLite or the network stack.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import typer

from tokohelp.cli import ticket_views as views
from tokohelp.cli.common import JsonOpt, current_lang, env
from tokohelp.cli.output import Env, emit_json
from tokohelp.errors import AbortedError, BackendError, UsageError
from tokohelp.i18n import _, ngettext

if TYPE_CHECKING:
    from tokohelp.tickets.filing import Retrying
    from tokohelp.tickets.service import Created
    from tokohelp.tickets.store import Store

app = typer.Typer(no_args_is_help=True, add_completion=False, rich_markup_mode=None,
                  help=_("File and track help requests."))

IdArg = typer.Argument(..., metavar="ID", help=_("Ticket id from 'tokohelp ticket list'."))


@app.command("new")
def new_cmd(
    subject: str | None = typer.Option(None, "--subject", "-s", help=_("One-line summary.")),
    category: str | None = typer.Option(None, "--category", "-c",
                                        help=_("Category id or name (see 'tokohelp categories').")),
    message: str | None = typer.Option(None, "--message", "-m", help=_("The message text.")),
    body_file: Path | None = typer.Option(None, "--body-file", "-F", readable=False,
                                          help=_("Read the message from this UTF-8 file.")),
    attach: list[Path] | None = typer.Option(None, "--attach", "-a", readable=False,
                                             help=_("Attach a file (repeatable).")),
    order_id: str | None = typer.Option(None, "--order-id", help=_("The order concerned.")),
    email: str | None = typer.Option(None, "--email", help=_("Where replies should go.")),
    backend: str | None = typer.Option(None, "--backend", "-b",
                                       help=_("Backend name from the config file.")),
    recover: Path | None = typer.Option(None, "--recover", readable=False,
                                        help=_("Resume from a recovery file tokohelp saved.")),
    dry_run: bool = typer.Option(False, "--dry-run",
                                 help=_("Show what would be sent; do nothing.")),
    yes: bool = typer.Option(False, "--yes", "-y",
                             help=_("Ask nothing optional and offer no articles; file it.")),
    json_out: JsonOpt = False,
) -> None:
    """File a help request, with attachments, to the configured backend.

    Asks for what is missing on a terminal (the message in $VISUAL/$EDITOR); the
    message can also come from --message, --body-file or stdin.  Without a backend
    the ticket is kept queued until one is configured.  Interrupted, it keeps what
    you wrote and says how to resume.

    Example: tokohelp ticket new -s "Refund not received" -c refund --attach shot.png
    """
    from tokohelp import config
    from tokohelp.tickets import filing, intake, service, snapshot
    from tokohelp.tickets.signals import catch_signals

    e = env()
    cfg = config.load_config()
    target = service.load_backend(cfg, backend)
    store = _store_once()
    request = intake.IntakeRequest(subject, category, message, body_file, order_id, email,
                                   backend, list(attach or []), recover, yes, _piped_stdin(e))
    with catch_signals(), snapshot.staging() as staging:
        deps = filing.intake_deps(cfg, current_lang(), staging, config.data_dir(), store)
        gathered = intake.gather(request, _asker(e), deps)
        if dry_run:
            return views.show_dry_run(e, service.dry_run(gathered.ticket, gathered.files,
                                                         target), json_out)
        filed = filing.file_ticket(gathered, target, cfg, store, config.data_dir(),
                                   _progress(e))
    for note in filed.notes:
        e.warn(note)
    views.show_created(e, filed.created, json_out)
    return fail_unless_sent(filed.created)


@app.command("edit")
def edit_cmd(
    ticket_id: int = IdArg,
    subject: str | None = typer.Option(None, "--subject", "-s", help=_("New one-line summary.")),
    category: str | None = typer.Option(None, "--category", "-c", help=_("New category.")),
    message: str | None = typer.Option(None, "--message", "-m", help=_("New message text.")),
    body_file: Path | None = typer.Option(None, "--body-file", "-F", readable=False,
                                          help=_("Read the new message from this UTF-8 file.")),
    attach: list[Path] | None = typer.Option(None, "--attach", "-a", readable=False,
                                             help=_("Add an attachment (repeatable).")),
    detach: list[str] | None = typer.Option(None, "--detach", metavar="NAME",
                                            help=_("Remove an attachment by name or number.")),
    order_id: str | None = typer.Option(None, "--order-id", help=_("New order id.")),
    email: str | None = typer.Option(None, "--email", help=_("New reply e-mail.")),
    json_out: JsonOpt = False,
) -> None:
    """Change a draft: with options, or in your editor when none is given.

    Examples: tokohelp ticket edit 3 ; tokohelp ticket edit 3 --attach shot.png --detach 1
    """
    from tokohelp.cli import ticket_edit

    options = ticket_edit.EditOptions(subject, category, message, body_file, list(attach or []),
                                      list(detach or []), order_id, email)
    ticket = ticket_edit.run(env(), ticket_id, options, _store_once()(), _asker(env()))
    if json_out:
        return emit_json(env(), views.ticket_json(ticket))
    views.note(env(), _("Draft {id} saved. Send it with: tokohelp ticket send {id}").format(
        id=ticket.id))
    return None


@app.command("delete")
def delete_cmd(
    ticket_id: int = IdArg,
    yes: bool = typer.Option(False, "--yes", "-y", help=_("Do not ask for confirmation.")),
) -> None:
    """Delete a draft, a failed ticket or a queued one never tried; sent tickets stay.

    Example: tokohelp ticket delete 3
    """
    from tokohelp.tickets import drafts, filing

    store = _store_once()()
    ticket = store.get(filing.check_id(ticket_id))
    if not drafts.deletable(ticket):
        filing.delete_ticket(store, ticket)  # raises with the reason
    if not yes:
        _confirm_delete(env(), ticket)
    filing.delete_ticket(store, ticket)
    views.note(env(), _("Deleted ticket {id}.").format(id=ticket.id))


def _confirm_delete(e: Env, ticket: object) -> None:
    if not e.stdin_isatty:
        raise UsageError(_("deleting needs a confirmation"),
                         _("Without a terminal give --yes."))
    question = _("Delete {status} ticket {id} ({subject})?").format(
        status=ticket.status, id=ticket.id, subject=ticket.subject)  # type: ignore[attr-defined]
    try:
        confirmed = _asker(e).confirm(question, default=False)
    except EOFError:
        confirmed = False
    if not confirmed:
        raise AbortedError(_("Nothing was deleted."))


@app.command("list")
def list_cmd(
    status: str | None = typer.Option(None, "--status",
                                      help=_("Only draft, queued, sent or failed tickets.")),
    json_out: JsonOpt = False,
) -> None:
    """List your stored tickets, oldest first.

    Example: tokohelp ticket list --status queued
    """
    from tokohelp.tickets import service

    tickets = service.list_tickets(status)
    if json_out:
        return emit_json(env(), [views.ticket_json(t) for t in tickets])
    return views.show_list(env(), tickets)


@app.command("show")
def show_cmd(ticket_id: int = IdArg, json_out: JsonOpt = False) -> None:
    """Show a ticket: the local record plus, once sent, the backend's status and replies.

    Example: tokohelp ticket show 3
    """
    from tokohelp.tickets import filing, service

    ticket = service.get_ticket(filing.check_id(ticket_id))
    remote = service.remote_status(ticket)
    if json_out:
        return emit_json(env(), {**views.ticket_json(ticket),
                                 "remote": views.remote_json(remote.status),
                                 "remote_error": remote.error})
    return views.show_ticket(env(), ticket, remote)


@app.command("send")
def send_cmd(
    ticket_ids: list[int] | None = typer.Argument(None, metavar="[ID]...",
                                                  help=_("Tickets or drafts to send or retry.")),
    all_queued: bool = typer.Option(False, "--all", help=_("Send every queued ticket.")),
    json_out: JsonOpt = False,
) -> None:
    """Send drafts, or retry queued tickets (a progress bar shows when there are several).

    A draft is checked as 'ticket new' would check it first.  A ticket is never sent
    twice, even from two terminals at once.
    Examples: tokohelp ticket send 3 ; tokohelp ticket send --all
    """
    from tokohelp import config
    from tokohelp.tickets import filing, service
    from tokohelp.tickets.signals import catch_signals

    store = _store_once()()
    _check_send_args(store, ticket_ids, all_queued)
    ids = [filing.check_id(i) for i in ticket_ids or []]
    targets = service.send_targets(None if all_queued else ids, store)
    with catch_signals():
        outcomes = _send_with_progress(env(), targets, config.load_config(), store)
    views.show_outcomes(env(), outcomes, json_out)
    unsent = [o for o in outcomes if o.needs_action]
    if unsent:
        listed = " ".join(str(o.ticket_id) for o in unsent)
        raise BackendError(
            ngettext("{count} of {total} ticket not sent", "{count} of {total} tickets not sent",
                     len(outcomes)).format(count=len(unsent), total=len(outcomes)),
            _("Each line above says what to do; then: tokohelp ticket send {ids}").format(
                ids=listed))


def _check_send_args(store: Store, ticket_ids: list[int] | None, all_queued: bool) -> None:
    """Ids or --all, exactly one of them; with neither, say what there is to send."""
    if ticket_ids and all_queued:
        raise UsageError(_("give ticket ids or --all, not both"),
                         _("Example: tokohelp ticket send 3, or tokohelp ticket send --all"))
    if ticket_ids or all_queued:
        return
    queued = " ".join(map(str, store.ids_with_status("queued"))) or "-"
    drafts = " ".join(map(str, store.ids_with_status("draft"))) or "-"
    raise UsageError(_("say which tickets to send"),
                     _("Queued: {queued}; drafts: {drafts}.\n"
                       "Send one with: tokohelp ticket send ID, or every queued one with: "
                       "tokohelp ticket send --all").format(queued=queued, drafts=drafts))


def _send_with_progress(e: Env, targets: list[int], cfg: object, store: Store) -> list:
    """Send with a Rich progress bar on stderr when there is more than one ticket."""
    from tokohelp.tickets import filing

    if len(targets) < 2:
        return filing.send_all(targets, cfg, store)  # type: ignore[arg-type]
    from rich.progress import Progress

    with Progress(console=e.err, transient=True) as progress:
        task = progress.add_task(_("Sending tickets"), total=len(targets))
        return filing.send_all(targets, cfg, store,  # type: ignore[arg-type]
                               lambda _outcome: progress.advance(task))


def fail_unless_sent(created: Created) -> None:
    """Exit with the backend status when a configured backend did not take the ticket."""
    outcome = created.outcome
    if outcome is None or not outcome.needs_action:
        return
    raise BackendError(_("ticket {id} was stored but not sent: {reason}").format(
        id=created.ticket.id, reason=outcome.message), outcome.advice)


def _store_once() -> functools._lru_cache_wrapper:
    """The store, opened on first use and then reused for the rest of the command."""
    from tokohelp.tickets.store import open_store

    return functools.cache(open_store)


def _asker(e: Env) -> object:
    from tokohelp.cli.ticket_asker import TerminalAsker

    return TerminalAsker(e)


def _piped_stdin(e: Env) -> BinaryIO | None:
    """Stdin as bytes when it is piped; None on a terminal (never read a message from it)."""
    if e.stdin_isatty or _is_terminal(e.stdin):
        return None
    buffer = getattr(e.stdin, "buffer", None)
    if buffer is not None:
        return buffer
    import io

    return io.BytesIO(e.stdin.read().encode("utf-8"))


def _is_terminal(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False


def _progress(e: Env) -> object:
    """Retry progress on stderr, only when a person is watching it."""
    if not _is_terminal(e.stderr):
        return None

    def report(step: Retrying) -> None:
        e.stderr.write(_("sending... attempt {attempt} of {attempts}, retrying in {delay} s\n")
                       .format(attempt=step.attempt, attempts=step.attempts,
                               delay=f"{step.delay:.0f}" if step.delay >= 1 else
                               f"{step.delay:.1f}"))
        e.stderr.flush()

    return report
