"""Human views of the ticket results (their JSON is in ``tokohelp.tickets.results``).

Ticket fields, server replies and error texts are untrusted: every one passes
through ``safe()`` here.  Times are shown in local time, in the run's language.
Below ``narrow.NARROW`` columns (a phone terminal) lists become stacked cards, and no
id, address or command is ever cut.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import TYPE_CHECKING, Any

from tokohelp.cli.output import Env, plain_width, safe
from tokohelp.i18n import N_, _
from tokohelp.safe import strip_control

if TYPE_CHECKING:
    from tokohelp.ranking import Hit
    from tokohelp.tickets.model import Reply, Ticket
    from tokohelp.tickets.results import (
        DraftSaved,
        DryRunShown,
        SendReport,
        TicketDeleted,
        TicketFiled,
        TicketList,
        TicketShown,
    )
    from tokohelp.tickets.sender import SendOutcome

STATUS_STYLE = {"draft": "dim", "queued": "yellow", "sent": "green", "failed": "red"}
WORDS = {"draft": N_("draft"), "queued": N_("queued"), "sent": N_("sent"),
         "failed": N_("failed"), "skipped": N_("skipped")}


def word(status: str) -> str:
    """A status or result in the run's language (JSON keeps the English value)."""
    return _(WORDS[status]) if status in WORDS else status


def _status(status: str) -> str:
    return f"[{STATUS_STYLE.get(status, 'bold')}]{safe(word(status))}[/]"


def local_time(iso: str) -> str:
    """A stored UTC timestamp in local time ("1 December 2026, 16:05"); bad values as they are."""
    from tokohelp.i18n import format_datetime

    try:
        return format_datetime(dt.datetime.fromisoformat(iso).timestamp())
    except (TypeError, ValueError, OverflowError, OSError):
        return iso


def is_message_id(remote_id: str | None) -> bool:
    """E-mail backends record the Message-ID, which is no help-desk ticket number."""
    return bool(remote_id) and remote_id.startswith("<") and remote_id.endswith(">")


def remote_label(ticket: Ticket) -> str:
    """How the remote reference reads: a desk's ticket id, or the mail's Message-ID."""
    return _("Message-ID") if is_message_id(ticket.remote_id) else _("remote id")


def note(env: Env, markup: str) -> None:
    """A line on stderr that is not wrapped, so paths and commands stay copyable."""
    env.err.print(markup, soft_wrap=True)


def show_filed(env: Env, result: TicketFiled) -> None:
    """The stored ticket on stdout; what happened and what next on stderr."""
    ticket = result.ticket
    env.out.print(_("Ticket {id} {status}: {subject}").format(
        id=ticket.id, status=_status(ticket.status), subject=safe(ticket.subject)),
        soft_wrap=True)
    if result.outcome is not None and result.outcome.result == "sent":
        env.out.print(sent_line(ticket), soft_wrap=True)


def sent_line(ticket: Ticket) -> str:
    """Where a sent ticket went: a desk's id and link, or an e-mail's Message-ID."""
    if is_message_id(ticket.remote_id):
        return _("Sent to {backend} by email (Message-ID {mid})").format(
            backend=safe(ticket.backend or ""), mid=safe(ticket.remote_id or ""))
    url = f" [link]{safe(ticket.remote_url)}[/link]" if ticket.remote_url else ""
    return _("Sent to {backend} as ticket {remote}").format(
        backend=safe(ticket.backend or ""), remote=safe(ticket.remote_id or "")) + url


def show_dry_run(env: Env, result: DryRunShown) -> None:
    """Exactly what would be sent (secrets already masked by the backend)."""
    from tokohelp.cli.output import emit_json

    data = result.to_json()
    if result.backend is None:
        env.out.print(_("Dry run: no backend is configured; the ticket would be stored as "
                        "queued."))
        emit_json(env, data["ticket"])
        return
    env.out.print(_("Dry run: this would be sent to backend '{name}' (nothing stored, "
                    "nothing sent):").format(name=safe(result.backend)))
    emit_json(env, result.request)


def show_suggestions(env: Env, hits: list[Hit]) -> None:
    """The best matching articles, before the user writes the ticket."""
    from tokohelp.cli.narrow import NARROW

    env.err.print(f"[bold]{_('These articles may already answer it:')}[/bold]")
    for number, hit in enumerate(hits, start=1):
        line = f"  {number}. {safe(hit.title)}"
        command = f"tokohelp show {safe(hit.slug)}"
        fits = len(hit.title) + len(command) + 8 <= env.err.width and env.err.width >= NARROW
        gap = "  " if fits else "\n     "  # the command stays whole on its own line
        env.err.print(f"{line}{gap}[dim]{command}[/dim]", soft_wrap=True)


def _remote_cell(ticket: Ticket) -> str:
    if is_message_id(ticket.remote_id):
        return _("email")
    return ticket.remote_id or "-"


def show_list(env: Env, result: TicketList) -> None:
    """A table of stored tickets (cards when narrow), or a note when there are none.

    Piped, the table is written as plain lines without loading Rich (a pipe shows no
    styles): one line per ticket, never folded, the same as Rich's table when that fits.
    """
    if not result.tickets:  # a plain line on stderr: what Rich printed for it, unstyled
        env.stderr.write(strip_control(_("No tickets. File one with: tokohelp ticket new"))
                         + "\n")
        return
    from tokohelp.cli import narrow

    if plain_output(env) and plain_width() >= narrow.NARROW:
        return _plain_table(env, result)
    if narrow.is_narrow(env):
        return _cards(env, result.tickets)
    from rich.table import Table

    table = Table(_("id"), _("status"), _("subject"), _("backend"), _("remote"), _("created"),
                  box=None, header_style="bold", pad_edge=False)
    table.columns[2].overflow = "fold"
    for column in (0, 3, 4, 5):
        table.columns[column].no_wrap = True
    for t in result.tickets:
        table.add_row(str(t.id), _status(t.status) + _new_reply(t.id, result),
                      safe(t.subject), safe(t.backend or "-"),
                      safe(_remote_cell(t)), safe(local_time(t.created)))
    _print_unpadded(env, table)


def plain_output(env: Env) -> bool:
    """Whether stdout gets plain text: piped, and Rich would not style it either.

    ``TTY_COMPATIBLE=1`` or a non-empty ``FORCE_COLOR`` make Rich colour a pipe; then
    the Rich view runs as before.
    """
    if env.stdout_isatty:
        return False
    forced = os.environ.get("TTY_COMPATIBLE", "")
    if forced in ("0", "1"):
        return forced == "0"
    return not os.environ.get("FORCE_COLOR")


def _plain_table(env: Env, result: TicketList) -> None:
    """The ticket table as aligned plain lines: columns two spaces apart, no padding."""
    rows = [[_("id"), _("status"), _("subject"), _("backend"), _("remote"), _("created")]]
    for t in result.tickets:
        mark = " " + _("new reply") if t.id in result.new_replies else ""
        rows.append([str(t.id), word(t.status) + mark, t.subject, t.backend or "-",
                     _remote_cell(t), local_time(t.created)])
    cells = [[_one_line(text) for text in row] for row in rows]
    widths = [max(_cell_width(row[i]) for row in cells) for i in range(len(cells[0]))]
    env.stdout.write("".join(
        "  ".join(text + " " * (width - _cell_width(text))
                  for text, width in zip(row, widths, strict=True)).rstrip(" ") + "\n"
        for row in cells))


def _one_line(text: str) -> str:
    """Untrusted text made inert and kept on one line (tabs as spaces)."""
    return " ".join(strip_control(text).expandtabs(8).splitlines())


def _cell_width(text: str) -> int:
    """Terminal columns of ``text``: wide (CJK) characters take two, combining marks none."""
    if text.isascii():
        return len(text)
    import unicodedata

    return sum(0 if unicodedata.combining(ch) else
               2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _new_reply(ticket_id: int, result: TicketList) -> str:
    """The mark of a ticket whose desk answered since it was last shown."""
    return " [bold cyan]" + _("new reply") + "[/]" if ticket_id in result.new_replies else ""


def _cards(env: Env, tickets: list[Ticket]) -> None:
    """One stacked card per ticket: nothing is cut, nothing wraps into a column."""
    from tokohelp.cli.narrow import show_card

    for t in tickets:
        show_card(env, f"[bold]#{t.id}[/bold] {_status(t.status)}  {safe(t.subject)}",
                  [(_("backend"), safe(t.backend or "-")), (_("remote"), safe(_remote_cell(t))
                                                             if t.remote_id else ""),
                   (_("created"), safe(local_time(t.created)))])


def _print_unpadded(env: Env, renderable: Any) -> None:
    """Print a table; piped, without the trailing spaces Rich pads every line with."""
    if env.stdout_isatty:
        env.out.print(renderable)
        return
    with env.out.capture() as captured:
        env.out.print(renderable)
    env.stdout.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))


def show_shown(env: Env, result: TicketShown) -> None:
    """The local record, its attachments and, where known, the remote status and replies.

    Piped, a ticket without the desk's thread is written as plain lines without loading
    Rich, whenever that is exactly what Rich would print: no line Rich would wrap is
    longer than the width.
    """
    if result.remote is None and plain_output(env) and _plain_shown(env, result):
        return
    ticket = result.ticket
    title = _("Ticket {id}: {subject}").format(id=ticket.id, subject=safe(ticket.subject))
    env.out.print(f"[bold]{title}[/bold]", soft_wrap=True)
    for label, value in _fields(ticket):
        if value:
            env.out.print(f"  [dim]{label}:[/dim] {safe(str(value))}", soft_wrap=True)
    env.out.print()
    env.out.print(safe(ticket.body))
    for a in ticket.attachments:
        env.out.print("  [dim]{label}:[/dim] {name} ({mime}, {size})".format(
            label=_("attached"), name=safe(a.name), mime=safe(a.mime),
            size=_("{count} bytes").format(count=a.size)), soft_wrap=True)
    _show_remote(env, result)
    _show_pending_replies(env, result)


def _plain_shown(env: Env, result: TicketShown) -> bool:
    """:func:`show_shown` as plain lines; False, writing nothing, when Rich would wrap one."""
    ticket, width = result.ticket, plain_width()
    pending = [r for r in result.replies if r.status != "sent"]
    wrapped = [ticket.body] + [r.body for r in pending] + [
        f"{_('attachment:')} {a.name}" for r in pending for a in r.attachments]
    lines = [_("Ticket {id}: {subject}").format(id=ticket.id, subject=ticket.subject)]
    lines += [f"  {label}: {value}" for label, value in _fields(ticket) if value]
    lines += ["", ticket.body]
    lines += ["  {label}: {name} ({mime}, {size})".format(
        label=_("attached"), name=a.name, mime=a.mime,
        size=_("{count} bytes").format(count=a.size)) for a in ticket.attachments]
    replies = [line for reply in pending for line in _plain_reply(reply)]
    if any("\t" in line for line in lines + replies) or not all(
            _fits(text, width) for text in wrapped):  # Rich expands tabs and wraps
        return False
    _write_plain(env, lines)
    if result.remote_error:
        env.warn(_("remote status unavailable: {reason}").format(reason=result.remote_error))
    _write_plain(env, replies)
    return True


def _plain_reply(reply: Reply) -> list[str]:
    """One reply of ours the desk does not have yet, as :func:`_show_pending_replies` shows it."""
    head = _("{when} · you · reply {id} {status}").format(
        when=local_time(reply.created), id=reply.id, status=word(reply.status))
    lines = ["", head, reply.body]
    lines += [f"{_('attachment:')} {a.name}" for a in reply.attachments]
    if reply.last_error:
        lines.append(f"{_('last error')}: {reply.last_error}")
    return lines


def _fits(text: str, width: int) -> bool:
    """Whether Rich prints every line of ``text`` unwrapped (wide characters counted as two)."""
    return all((len(line) if line.isascii() else 2 * len(line)) <= width
               for line in strip_control(text).split("\n"))


def _write_plain(env: Env, lines: list[str]) -> None:
    """Untrusted text made inert, each line without trailing spaces (as Rich's piped output)."""
    if not lines:
        return
    text = strip_control("\n".join(lines))
    env.stdout.write("".join(line.rstrip(" ") + "\n" for line in text.split("\n")))


def _fields(ticket: Ticket) -> list[tuple[str, Any]]:
    return [(_("status"), word(ticket.status)), (_("category"), ticket.category),
            (_("backend"), ticket.backend), (remote_label(ticket), ticket.remote_id),
            (_("remote url"), ticket.remote_url), (_("order"), ticket.order_id),
            (_("email"), ticket.email), (_("created"), local_time(ticket.created)),
            (_("attempts"), ticket.attempts), (_("last error"), ticket.last_error)]


def _show_remote(env: Env, result: TicketShown) -> None:
    if result.remote_error:
        env.warn(_("remote status unavailable: {reason}").format(reason=result.remote_error))
    if result.remote is None:
        return
    status, word = result.remote.status, result.remote.desk_status
    shown = f"{status} ({word})" if word and word != status else status
    env.out.print(f"\n[bold]{_('Remote status:')}[/bold] {safe(shown)}")
    from tokohelp.tickets.replying import without_footer

    for reply in result.remote.replies:
        env.out.print(f"\n[dim]{safe(reply.created)} · {safe(reply.author)}[/dim]")
        env.out.print(safe(without_footer(reply.text)))
        for name in reply.attachments:
            env.out.print("[dim]{label}[/dim] {name}".format(label=_("attachment:"),
                                                             name=safe(name)))


def _show_pending_replies(env: Env, result: TicketShown) -> None:
    """Your replies the desk does not have yet, with their status (sent ones are above)."""
    for reply in result.replies:
        if reply.status == "sent":
            continue
        head = _("{when} · you · reply {id} {status}").format(
            when=safe(local_time(reply.created)), id=reply.id, status=_status(reply.status))
        env.out.print(f"\n[dim]{head}[/dim]", soft_wrap=True)
        env.out.print(safe(reply.body))
        for a in reply.attachments:
            env.out.print("[dim]{label}[/dim] {name}".format(label=_("attachment:"),
                                                             name=safe(a.name)))
        if reply.last_error:
            env.out.print("[dim]{label}: {error}[/dim]".format(
                label=_("last error"), error=safe(reply.last_error)), soft_wrap=True)


def show_report(env: Env, result: SendReport) -> None:
    """One line per ticket: sent where, or why not and what to do."""
    if not result.outcomes:
        note(env, _("Nothing to send: no queued tickets."))
    for o in result.outcomes:
        env.out.print(outcome_line(o), soft_wrap=True)
        if o.advice and not o.ok:
            env.out.print(f"  [dim]{safe(o.advice)}[/dim]", soft_wrap=True)


def outcome_line(o: SendOutcome) -> str:
    """``Ticket 3 sent to desk as ticket 41``, or ``Ticket 3: queued: <reason>``."""
    if o.result == "sent" and hasattr(o.ticket, "ticket_id"):  # a reply (its message says so)
        return _("Ticket {id}: [green]{message}[/]").format(id=o.ticket_id,
                                                            message=safe(o.message))
    if o.result == "sent" and o.ticket is not None:
        return _("Ticket {id}: [green]{where}[/]").format(id=o.ticket_id,
                                                          where=sent_line(o.ticket))
    style = "green" if o.ok else "yellow"
    return _("Ticket {id}: [{style}]{result}[/] {message}").format(
        id=o.ticket_id, style=style, result=safe(word(o.result)), message=safe(o.message))


def show_draft_saved(env: Env, result: DraftSaved) -> None:
    """The draft was saved; say how to send it."""
    note(env, _("Draft {id} saved. Send it with: tokohelp ticket send {id}").format(
        id=result.ticket.id))


def show_deleted(env: Env, result: TicketDeleted) -> None:
    """What was deleted."""
    note(env, _("Deleted ticket {id}.").format(id=result.ticket.id))
