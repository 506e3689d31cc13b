"""``tokohelp ticket new|list|show|send``: file help requests and keep track of them.

Commands gather typed values (asking on a terminal, failing with exit 2 when a
required value is missing without one), call ``tokohelp.tickets.service`` and
render with ``ticket_views``.  The core is imported inside the commands so the
rest of the CLI starts without SQLite or the network stack.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

from tokohelp.cli import ticket_views as views
from tokohelp.cli.common import JsonOpt, current_lang, env
from tokohelp.cli.output import Env, emit_json
from tokohelp.errors import AbortedError, BackendError, BadInputError, StorageError, UsageError
from tokohelp.safe import strip_control

if TYPE_CHECKING:
    from tokohelp.tickets.sender import SendOutcome
    from tokohelp.tickets.service import Created
    from tokohelp.tickets.store import CheckedFile, NewTicket

app = typer.Typer(no_args_is_help=True, add_completion=False, rich_markup_mode=None,
                  help="File and track help requests.")

MAX_SUBJECT = 200
MAX_BODY = 100_000
TEMPLATE = """
# Describe the problem above. Lines starting with '#' are ignored;
# an empty message stops here and keeps the ticket as a draft.
#
# Subject:     {subject}
# Category:    {category}
# Order:       {order}
# Attachments: {attachments}
#
# Helpful: what you did, what you expected, what happened instead,
# dates, amounts and any error message shown by the app.
"""


@dataclass
class NewOptions:
    """The values ``ticket new`` was given; missing ones are None."""

    subject: str | None
    category: str | None
    message: str | None
    body_file: Path | None
    order_id: str | None
    email: str | None
    backend: str | None


@app.command("new")
def new_cmd(
    subject: str | None = typer.Option(None, "--subject", "-s", help="One-line summary."),
    category: str | None = typer.Option(None, "--category", "-c",
                                        help="Category id (see 'tokohelp categories')."),
    message: str | None = typer.Option(None, "--message", "-m", help="The body text."),
    body_file: Path | None = typer.Option(None, "--body-file", "-F", readable=False,
                                          help="Read the body from this UTF-8 file."),
    attach: list[Path] | None = typer.Option(None, "--attach", "-a", readable=False,
                                             help="Attach a file (repeatable)."),
    order_id: str | None = typer.Option(None, "--order-id", help="The order concerned."),
    email: str | None = typer.Option(None, "--email", help="Where replies should go."),
    backend: str | None = typer.Option(None, "--backend", "-b",
                                       help="Backend name from the config file."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be sent; do nothing."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask; file it."),
    json_out: JsonOpt = False,
) -> None:
    """File a help request, with attachments, to the configured backend.

    Asks for what is missing on a terminal (body in $VISUAL/$EDITOR); the body can
    also come from --message, --body-file or stdin.  Without a backend the ticket is
    kept queued until one is configured.

    Example: tokohelp ticket new -s "Refund not received" -c refund --attach shot.png
    """
    from tokohelp import config
    from tokohelp.tickets import service

    cfg = config.load_config()
    files = service.check_attachments(list(attach or []), cfg)
    target = service.load_backend(cfg, backend)
    new = collect(env(), NewOptions(subject, category, message, body_file, order_id,
                                    _email(email), backend), files)
    if dry_run:
        return views.show_dry_run(env(), service.dry_run(new, files, target), json_out)
    if not yes:
        offer_articles(env(), new, files)
    created = kept_on_failure(new, lambda: service.create_ticket(new, files, target, cfg=cfg))
    views.show_created(env(), created, json_out)
    return fail_unless_sent(created)


@app.command("list")
def list_cmd(
    status: str | None = typer.Option(None, "--status",
                                      help="Only draft, queued, sent or failed tickets."),
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
def show_cmd(
    ticket_id: int = typer.Argument(..., metavar="ID", help="Ticket id from 'ticket list'."),
    json_out: JsonOpt = False,
) -> None:
    """Show a ticket: the local record plus, once sent, the backend's status and replies.

    Example: tokohelp ticket show 3
    """
    from tokohelp.tickets import service

    ticket = service.get_ticket(ticket_id)
    remote = service.remote_status(ticket)
    if json_out:
        return emit_json(env(), {**views.ticket_json(ticket),
                                       "remote": views.remote_json(remote.status),
                                       "remote_error": remote.error})
    return views.show_ticket(env(), ticket, remote)


@app.command("send")
def send_cmd(
    ticket_ids: list[int] | None = typer.Argument(None, metavar="[ID]...",
                                                  help="Tickets to send or retry."),
    all_queued: bool = typer.Option(False, "--all", help="Send every queued ticket."),
    json_out: JsonOpt = False,
) -> None:
    """Send or retry stored tickets (a progress bar shows when there are several).

    A ticket is never sent twice, even from two terminals at once.
    Examples: tokohelp ticket send 3 ; tokohelp ticket send --all
    """
    from tokohelp.tickets import service

    if bool(ticket_ids) == all_queued:
        raise UsageError("give ticket ids or --all (not both)",
                         "Example: tokohelp ticket send 3, or tokohelp ticket send --all")
    targets = service.send_targets(None if all_queued else list(ticket_ids or []))
    outcomes = run_with_progress(env(), targets)
    views.show_outcomes(env(), outcomes, json_out)
    unsent = [o for o in outcomes if o.needs_action]
    if unsent:
        ids = " ".join(str(o.ticket_id) for o in unsent)
        raise BackendError(f"{len(unsent)} of {len(outcomes)} tickets not sent",
                           f"They are kept; retry with: tokohelp ticket send {ids}")


def run_with_progress(env: Env, targets: list[int]) -> list[SendOutcome]:
    """Send with a Rich progress bar on stderr when there is more than one ticket."""
    from tokohelp.tickets import service

    if len(targets) < 2:
        return service.send(targets)
    from rich.progress import Progress

    with Progress(console=env.err, transient=True) as progress:
        task = progress.add_task("Sending tickets", total=len(targets))
        return service.send(targets, lambda _outcome: progress.advance(task))


def fail_unless_sent(created: Created) -> None:
    """Exit with the backend status when a configured backend did not take the ticket."""
    outcome = created.outcome
    if outcome is None or not outcome.needs_action:
        return
    if outcome.delivered:  # filed at the desk; only the local record is missing
        raise StorageError(outcome.message, outcome.advice)
    raise BackendError(f"ticket {created.ticket.id} was stored but not sent: {outcome.message}",
                       outcome.advice)


# -- gathering the ticket --------------------------------------------------------


def collect(env: Env, opts: NewOptions, files: list[CheckedFile]) -> NewTicket:
    """Every field of the new ticket, asking on a terminal; exit 2 when one is missing."""
    from tokohelp import catalog
    from tokohelp.tickets.store import NewTicket

    body = body_from_options(env, opts)
    subject = _one_line(opts.subject) or _ask_subject(env)
    category = catalog.check_category(opts.category or _ask_category(env))
    new = NewTicket(subject=subject, body=body or "", category=category,
                    order_id=_one_line(opts.order_id) or None, email=opts.email,
                    backend=opts.backend)
    if body is None:
        new.body = _body_from_editor(env, new, files)
    return new


def _one_line(text: str | None) -> str:
    """Untrusted one-line input: no control characters, single spaces, bounded length."""
    return " ".join(strip_control(text or "").split())[:MAX_SUBJECT]


def _email(value: str | None) -> str | None:
    """The address in the plain form every backend carries (IDN domains as ASCII)."""
    from tokohelp.i18n import _
    from tokohelp.tickets.addresses import normalise_email

    if value is None:
        return None
    try:
        return normalise_email(value)
    except ValueError as exc:
        raise typer.BadParameter(_("'{value}' cannot be used as an e-mail address: {reason}")
                                 .format(value=strip_control(value), reason=exc),
                                 param_hint="--email") from None


def _ask_subject(env: Env) -> str:
    if not env.stdin_isatty:
        raise UsageError("missing --subject", "Without a terminal give --subject, --category "
                         "and the body (--message, --body-file or stdin).")
    while not (subject := _one_line(typer.prompt("Subject", err=True))):
        env.warn("the subject cannot be empty")
    return subject


def _ask_category(env: Env) -> str:
    if not env.stdin_isatty:
        raise UsageError("missing --category", "Choose one from 'tokohelp categories'.")
    from tokohelp import catalog

    cats = catalog.categories(current_lang())
    for cat in cats:
        env.err.print(f"  [cyan]{views.safe(cat.id)}[/cyan]  {views.safe(cat.name)}")
    ids = [c.id for c in cats]
    while (answer := typer.prompt("Category", err=True).strip()) not in ids:
        env.warn(f"'{answer}' is not one of: {', '.join(ids)}")
    return answer


def body_from_options(env: Env, opts: NewOptions) -> str | None:
    """The body from --message, --body-file or piped stdin; None when none of them."""
    if opts.message is not None and opts.body_file is not None:
        raise UsageError("give --message or --body-file, not both")
    if opts.message is not None:
        return _required_body(opts.message, "--message")
    if opts.body_file is not None:
        return _required_body(_decode(_read_file(opts.body_file), str(opts.body_file)),
                              "--body-file")
    if env.stdin_isatty or _is_terminal(env.stdin):
        return None
    return _required_body(_decode(_read_stdin(env), "stdin"), "the body on stdin")


def _required_body(text: str, source: str) -> str:
    body = strip_control(text).strip()
    if not body:
        raise UsageError(f"{source} is empty", "Describe the problem in the body.")
    if len(body) > MAX_BODY:
        raise BadInputError(f"{source} is too long ({len(body)} characters, at most {MAX_BODY})")
    return body


def _is_terminal(stream: object) -> bool:
    """The stream itself is a terminal (CI or not): never read a body from it."""
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False


MAX_BODY_BYTES = 4 * MAX_BODY + 3  # UTF-8 takes at most 4 bytes a character (plus a BOM)


def _read_file(path: Path) -> bytes:
    """At most MAX_BODY_BYTES + 1 bytes: ``-F /dev/zero`` must not read for ever."""
    try:
        with open(path, "rb") as handle:
            return _bounded(handle.read(MAX_BODY_BYTES + 1), str(path))
    except OSError as exc:
        raise BadInputError(f"{path}: cannot read body file: {exc.strerror}") from None


def _read_stdin(env: Env) -> bytes:
    buffer = getattr(env.stdin, "buffer", None)
    if buffer is None:
        return _bounded(env.stdin.read(MAX_BODY + 1).encode("utf-8"), "stdin")
    return _bounded(buffer.read(MAX_BODY_BYTES + 1), "stdin")


def _bounded(raw: bytes, source: str) -> bytes:
    """Refuse a body that cannot fit the limit before decoding it."""
    from tokohelp.i18n import _

    if len(raw) > MAX_BODY_BYTES:
        raise BadInputError(_("{source} is too long (more than {limit} characters)").format(
            source=source, limit=MAX_BODY))
    return raw


def _decode(raw: bytes, source: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInputError(f"{source} is not valid UTF-8 (byte {exc.start})",
                            "Save the text as UTF-8 (or convert it with iconv).") from None


def _body_from_editor(env: Env, new: NewTicket, files: list[CheckedFile]) -> str:
    """Open $VISUAL/$EDITOR on a template; an empty result keeps a draft and aborts."""
    if not env.stdin_isatty:
        raise UsageError("missing body", "Without a terminal give --message, --body-file "
                         "or pipe the body on stdin.")
    names = ", ".join(f.name for f in files) or "none"
    template = TEMPLATE.format(subject=new.subject, category=new.category,
                               order=new.order_id or "-", attachments=names)
    body = strip_comments(edit_text(template))
    if not body:
        keep_draft(new, files, "Empty message: the ticket was not filed.")
    return _required_body(body, "the message")


def strip_comments(text: str) -> str:
    """Drop lines starting with '#', as git does for commit messages."""
    kept = [line for line in text.splitlines() if not line.startswith("#")]
    return "\n".join(kept).strip()


def edit_text(template: str) -> str:
    """Run the user's editor on a private temp file and return what it holds after."""
    import shlex
    import tempfile

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or (
        "notepad" if os.name == "nt" else "vi")
    fd, name = tempfile.mkstemp(prefix="tokohelp-ticket-", suffix=".md")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(template)
        _run_editor([*shlex.split(editor, posix=os.name != "nt"), name], editor)
        return _decode(Path(name).read_bytes(), "the edited message")
    finally:
        os.unlink(name)


def _run_editor(argv: list[str], editor: str) -> None:
    import subprocess

    try:
        code = subprocess.call(argv)
    except OSError:
        raise UsageError(f"cannot start the editor '{strip_control(editor)}'",
                         "Set $VISUAL or $EDITOR, or give --message / --body-file.") from None
    if code != 0:
        raise AbortedError(f"the editor '{strip_control(editor)}' exited with status {code}",
                           "Nothing was filed.")


def keep_draft(new: NewTicket, files: list[CheckedFile], why: str) -> NoReturn:
    """Save what the user wrote as a draft, say where, and stop."""
    from tokohelp.tickets import service

    created = kept_on_failure(new, lambda: service.save_draft(new, files))
    raise AbortedError(f"{why} Kept as draft ticket {created.ticket.id} in {created.store_path}.",
                       f"See it with: tokohelp ticket show {created.ticket.id}")


def kept_on_failure(new: NewTicket, store_it: Callable[[], Created]) -> Created:
    """Store the ticket; when the store cannot be written, save the text elsewhere and say where."""
    try:
        return store_it()
    except StorageError as exc:
        raise StorageError(exc.message, f"{exc.hint}\n{rescue(new)}") from None


def rescue(new: NewTicket) -> str:
    """Keep subject and body in a private temp file; when even that fails, show them."""
    import tempfile

    text = f"Subject: {new.subject}\n\n{new.body}\n"
    try:
        fd, name = tempfile.mkstemp(prefix="tokohelp-unsaved-", suffix=".txt")
    except OSError:
        return f"Your message was not saved anywhere; here it is:\n{text}"
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError:
        os.unlink(name)
        return f"Your message was not saved anywhere; here it is:\n{text}"
    return f"Your message is saved in {name}"


def offer_articles(env: Env, new: NewTicket, files: list[CheckedFile]) -> None:
    """On a terminal, show the 3 best matching articles and ask whether to file anyway."""
    if not env.stdin_isatty:
        return
    from tokohelp import catalog

    hits = catalog.search(f"{new.subject} {new.body}", current_lang(), limit=3).hits
    if not hits:
        return
    views.show_suggestions(env, hits)
    try:
        answer = typer.confirm("File the ticket anyway?", default=True, err=True)
    except (typer.Abort, KeyboardInterrupt, EOFError):
        env.stderr.write("\n")  # the prompt line has no newline yet
        keep_draft(new, files, "Not filed.")
    if not answer:
        keep_draft(new, files, "Not filed.")
