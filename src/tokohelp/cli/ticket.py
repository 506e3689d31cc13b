"""``tokohelp ticket new|edit|send|delete|list|show``: parse, call, render.

Each command turns its options into a request, calls a use case in
``tokohelp.tickets.usecases`` (``tokohelp.tickets.listing`` for list and show) with the
run's Session (and, where the user may be asked, a terminal asker), and hands the result
to ``render``.  SIGTERM and SIGHUP are caught while a ticket is written or sent so what
exists is kept.  The core is imported inside the commands so the rest of the CLI starts
without SQLite or the network stack, and :class:`TicketGroup` builds only the
sub-command being run.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import typer
from typer.core import TyperGroup

from tokohelp.cli import complete
from tokohelp.cli.common import JsonOpt, session_of
from tokohelp.i18n import N_, _

if TYPE_CHECKING:
    from tokohelp.cli.ticket_asker import TerminalAsker
    from tokohelp.session import Session
    from tokohelp.tickets.filing import Retrying
    from tokohelp.tickets.model import Ticket


class TicketGroup(TyperGroup):
    """``ticket``: builds only the sub-command being run (``--help`` builds them all).

    Typer would build all seven, with their forty-odd options, on every run: about 25M
    instructions, more than ``ticket list`` itself costs.  The sub-commands are
    registered on :data:`subcommands` and built here, translated, on first use.
    """

    def list_commands(self, ctx: Any) -> list[str]:
        """The sub-command names in the order they are defined, building none."""
        return [str(info.name) for info in subcommands.registered_commands]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """The named sub-command, built on first use; None for an unknown name."""
        if cmd_name not in self.commands:
            info = next((c for c in subcommands.registered_commands if c.name == cmd_name), None)
            if info is None:
                return None
            self.commands[cmd_name] = _build(info)
        return self.commands[cmd_name]

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """As Typer's, with "Did you mean" drawn from every name, built or not (and in the
        run's language)."""
        from typer._click.exceptions import UsageError

        try:
            return self._click_resolve_command(ctx, args)
        except UsageError as exc:
            import difflib

            close = difflib.get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if self.suggest_commands and close:
                exc.message = exc.message.rstrip(".") + ". " + _(
                    "Did you mean {options}?").format(options=", ".join(map(repr, close)))
            raise


def _build(info: Any) -> Any:
    """One sub-command as Typer builds it, with its help in the run's language."""
    import typer.main

    from tokohelp.cli.translate import translate_tree

    command = typer.main.get_command_from_info(
        info, pretty_exceptions_short=app.pretty_exceptions_short,
        rich_markup_mode=app.rich_markup_mode)
    translate_tree(command)
    return command


app = typer.Typer(cls=TicketGroup, no_args_is_help=True, add_completion=False,
                  rich_markup_mode=None, help=N_("File and track help requests."))
subcommands = typer.Typer(rich_markup_mode=None)  # built one at a time by TicketGroup

ID_HELP = N_("Ticket id from 'tokohelp ticket list'.")

NEW_HELP = N_(
    "File a help request, with attachments, to the configured backend.\n\n"
    "On a terminal it asks for what is missing, first shows the articles that may already "
    "answer it, then opens $VISUAL/$EDITOR for the message; the message can also come from "
    "--message, --body-file or stdin.  Without a backend the ticket is kept queued until "
    "one is configured.  Interrupted, it keeps what you wrote and says how to resume.\n\n"
    "Example: tokohelp ticket new -s \"Refund not received\" -c refund --attach shot.png")
EDIT_HELP = N_(
    "Change a draft: with options, or in your editor when none is given.\n\n"
    "Examples: tokohelp ticket edit 3 ; tokohelp ticket edit 3 --attach shot.png --detach 1")
DELETE_HELP = N_(
    "Delete a draft, a failed ticket or a queued one never tried; sent tickets stay.\n\n"
    "Example: tokohelp ticket delete 3")
LIST_HELP = N_("List your stored tickets, oldest first.\n\n"
               "Example: tokohelp ticket list --status queued")
SHOW_HELP = N_("Show a ticket: the local record plus, once sent, the backend's status and "
               "replies.\n\nExample: tokohelp ticket show 3")
SEND_HELP = N_(
    "Send drafts, or retry queued tickets (a progress bar shows when there are several).\n\n"
    "A draft is checked as 'ticket new' would check it first.  A ticket is never sent twice, "
    "even from two terminals at once.\n\n"
    "Examples: tokohelp ticket send 3 ; tokohelp ticket send --all")


@subcommands.command("new", help=NEW_HELP)
def new_cmd(
    ctx: typer.Context,
    subject: str | None = typer.Option(None, "--subject", "-s", help=N_("One-line summary.")),
    category: str | None = typer.Option(
        None, "--category", "-c",
        help=N_("Category: its id, name or number in 'tokohelp categories'."),
        autocompletion=complete.categories),
    message: str | None = typer.Option(None, "--message", "-m", help=N_("The message text.")),
    body_file: Path | None = typer.Option(None, "--body-file", "-F", readable=False,
                                          help=N_("Read the message from this UTF-8 file.")),
    attach: list[Path] | None = typer.Option(None, "--attach", "-a", readable=False,
                                             help=N_("Attach a file (repeatable).")),
    order_id: str | None = typer.Option(None, "--order-id", help=N_("The order concerned.")),
    email: str | None = typer.Option(
        None, "--email", help=N_("Where replies should go (default: [profile] email).")),
    backend: str | None = typer.Option(None, "--backend", "-b",
                                       help=N_("Backend name from the config file."),
                                       autocompletion=complete.backends),
    recover: Path | None = typer.Option(None, "--recover", readable=False,
                                        help=N_("Resume from a recovery file tokohelp saved.")),
    dry_run: bool = typer.Option(False, "--dry-run",
                                 help=N_("Show what would be sent; do nothing.")),
    yes: bool = typer.Option(False, "--yes", "-y",
                             help=N_("Offer no articles and ask nothing optional; file it.")),
    json_out: JsonOpt = False,
) -> None:
    """``ticket new``: gather (asking on a terminal), store, send; render the result."""
    from tokohelp.cli.render import render
    from tokohelp.tickets import intake, usecases
    from tokohelp.tickets.signals import catch_signals

    session = session_of(ctx)
    request = intake.IntakeRequest(subject, category, message, body_file, order_id, email,
                                   backend, list(attach or []), recover, yes,
                                   _piped_stdin(session))
    with catch_signals():
        result = usecases.new_ticket(session, request, _asker(session), dry_run=dry_run,
                                     report=_progress(session))
    render(session, result, json_out)


@subcommands.command("edit", help=EDIT_HELP)
def edit_cmd(
    ctx: typer.Context,
    ticket_id: int = typer.Argument(..., metavar="ID", help=ID_HELP,
                                  autocompletion=complete.ticket_ids),
    subject: str | None = typer.Option(None, "--subject", "-s",
                                       help=N_("New one-line summary.")),
    category: str | None = typer.Option(None, "--category", "-c", help=N_("New category."),
                                        autocompletion=complete.categories),
    message: str | None = typer.Option(None, "--message", "-m", help=N_("New message text.")),
    body_file: Path | None = typer.Option(None, "--body-file", "-F", readable=False,
                                          help=N_("Read the new message from this UTF-8 file.")),
    attach: list[Path] | None = typer.Option(None, "--attach", "-a", readable=False,
                                             help=N_("Add an attachment (repeatable).")),
    detach: list[str] | None = typer.Option(None, "--detach", metavar="NAME",
                                            help=N_("Remove an attachment by name or number.")),
    order_id: str | None = typer.Option(None, "--order-id", help=N_("New order id.")),
    email: str | None = typer.Option(None, "--email", help=N_("New reply email.")),
    json_out: JsonOpt = False,
) -> None:
    """``ticket edit ID``: change a draft with options, or in the editor."""
    from tokohelp.cli import ticket_edit
    from tokohelp.cli.render import render
    from tokohelp.tickets import usecases
    from tokohelp.tickets.signals import catch_signals

    session = session_of(ctx)
    options = ticket_edit.EditOptions(subject, category, message, body_file, list(attach or []),
                                      list(detach or []), order_id, email)
    with catch_signals():
        result = ticket_edit.run(session, usecases, ticket_id, options, _asker(session))
    render(session, result, json_out)


@subcommands.command("delete", help=DELETE_HELP)
def delete_cmd(
    ctx: typer.Context,
    ticket_id: int = typer.Argument(..., metavar="ID", help=ID_HELP,
                                  autocompletion=complete.ticket_ids),
    yes: bool = typer.Option(False, "--yes", "-y", help=N_("Do not ask for confirmation.")),
    json_out: JsonOpt = False,
) -> None:
    """``ticket delete ID``: remove a ticket that never reached a desk, after asking."""
    from tokohelp.cli.render import render
    from tokohelp.tickets import usecases

    session = session_of(ctx)
    confirm = None if yes else _confirmer(session)
    render(session, usecases.delete_ticket(session, ticket_id, confirm), json_out)


def _confirmer(session: Session) -> Any:
    """Ask before deleting; without a terminal, --yes is required."""
    asker = _asker(session)

    def confirm(ticket: Ticket) -> bool:
        from tokohelp.cli.ticket_views import word
        from tokohelp.errors import UsageError

        if not session.stdin_isatty:
            raise UsageError(_("deleting needs a confirmation"),
                             _("Without a terminal give --yes."))
        question = _("Delete {status} ticket {id} ({subject})?").format(
            status=word(ticket.status), id=ticket.id, subject=ticket.subject)
        try:
            return asker.confirm(question, default=False)
        except EOFError:
            return False

    return confirm


@subcommands.command("list", help=LIST_HELP)
def list_cmd(
    ctx: typer.Context,
    status: str | None = typer.Option(None, "--status",
                                      help=N_("Only draft, queued, sent or failed tickets.")),
    refresh: bool = typer.Option(False, "--refresh",
                                 help=N_("Ask the desks for new replies first.")),
    json_out: JsonOpt = False,
) -> None:
    """``ticket list``: the stored tickets."""
    from tokohelp.cli.render import render
    from tokohelp.tickets.listing import list_tickets

    session = session_of(ctx)
    render(session, list_tickets(session, status, refresh), json_out)


@subcommands.command("show", help=SHOW_HELP)
def show_cmd(
    ctx: typer.Context,
    ticket_id: int = typer.Argument(..., metavar="ID", help=ID_HELP,
                                  autocompletion=complete.ticket_ids),
    json_out: JsonOpt = False,
) -> None:
    """``ticket show ID``: one ticket and what its backend says."""
    from tokohelp.cli.render import render
    from tokohelp.tickets.listing import show_ticket

    session = session_of(ctx)
    render(session, show_ticket(session, ticket_id), json_out)


@subcommands.command("send", help=SEND_HELP)
def send_cmd(
    ctx: typer.Context,
    ticket_ids: list[int] | None = typer.Argument(None, metavar="[ID]...",
                                                  help=N_("Tickets or drafts to send or retry."),
                                                  autocompletion=complete.ticket_ids),
    all_queued: bool = typer.Option(False, "--all", help=N_("Send every queued ticket.")),
    json_out: JsonOpt = False,
) -> None:
    """``ticket send``: send drafts and retry queued tickets."""
    from tokohelp.cli.render import render
    from tokohelp.tickets.signals import catch_signals

    session = session_of(ctx)
    with catch_signals():
        result = _send_with_progress(session, ticket_ids, all_queued)
    render(session, result, json_out)


def _send_with_progress(session: Session, ids: list[int] | None, all_queued: bool) -> Any:
    """Send, with a Rich progress bar on stderr when several tickets go to a terminal."""
    from tokohelp.tickets import usecases

    targets = usecases.send_targets(session, ids, all_queued)
    if len(targets) < 2 or not session.err.is_terminal:
        return usecases.send_tickets(session, targets, all_queued=all_queued,
                                     report=_progress(session))
    from rich.progress import Progress

    with Progress(console=session.err, transient=True) as progress:
        task = progress.add_task(_("Sending tickets"), total=len(targets))
        return usecases.send_tickets(session, targets, lambda _outcome: progress.advance(task),
                                     all_queued=all_queued)


def _asker(session: Session) -> TerminalAsker:
    from tokohelp.cli.ticket_asker import TerminalAsker

    return TerminalAsker(session)


def _piped_stdin(session: Session) -> BinaryIO | None:
    """Stdin as bytes when it is piped; None on a terminal (never read a message from it)."""
    if session.stdin_isatty or _is_terminal(session.stdin):
        return None
    buffer = getattr(session.stdin, "buffer", None)
    if buffer is not None:
        return buffer
    import io

    return io.BytesIO(session.stdin.read().encode("utf-8"))


def _is_terminal(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False


def _progress(session: Session) -> Any:
    """Retry progress on stderr, only when a person is watching it."""
    if not session.err.is_terminal:
        return None

    def report(step: Retrying) -> None:
        delay = f"{step.delay:.0f}" if step.delay >= 0.95 else f"{step.delay:.1f}"
        session.stderr.write(
            _("sending... attempt {attempt} of {attempts}, retrying in {delay} s").format(
                attempt=step.attempt, attempts=step.attempts, delay=delay) + "\n")
        session.stderr.flush()

    return report


def _register_reply() -> None:
    """``ticket reply`` lives in its own module (``cli/ticket_reply.py``)."""
    from tokohelp.cli.ticket_reply import REPLY_HELP, reply_cmd

    subcommands.command("reply", help=REPLY_HELP)(reply_cmd)


_register_reply()
