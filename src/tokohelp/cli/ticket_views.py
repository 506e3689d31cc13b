"""Rich views and JSON shapes for tickets, sending results and article suggestions.

Ticket fields, server replies and error texts are untrusted: every one passes
through ``safe()`` (Rich markup) or ``strip_control()`` (plain text) here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tokohelp.cli.output import Env, emit_json, safe
from tokohelp.i18n import _
from tokohelp.tickets.model import RemoteStatus, Ticket

if TYPE_CHECKING:
    from tokohelp.ranking import Hit
    from tokohelp.tickets.sender import SendOutcome
    from tokohelp.tickets.service import Created, DryRun, RemoteView

STATUS_STYLE = {"draft": "dim", "queued": "yellow", "sent": "green", "failed": "red"}
CONTACT_CHANNELS = ("tokohelp contact --channel help-center", "tokohelp contact --channel email")


def ticket_json(ticket: Ticket) -> dict[str, Any]:
    """The JSON object of one stored ticket (shape pinned by tests)."""
    return {"id": ticket.id, "status": ticket.status, "backend": ticket.backend,
            "remote_id": ticket.remote_id, "remote_url": ticket.remote_url,
            "subject": ticket.subject, "category": ticket.category, "body": ticket.body,
            "order_id": ticket.order_id, "email": ticket.email,
            "attachments": [{"name": a.name, "mime": a.mime, "size": a.size,
                             "path": str(a.stored_path)} for a in ticket.attachments],
            "attempts": ticket.attempts, "last_error": ticket.last_error,
            "idempotency_key": ticket.idempotency_key, "created": ticket.created,
            "updated": ticket.updated}


def remote_json(remote: RemoteStatus | None) -> dict[str, Any] | None:
    """The backend's status and replies as plain JSON (texts are the server's, verbatim)."""
    if remote is None:
        return None
    return {"remote_id": remote.remote_id, "status": remote.status,
            "desk_status": remote.desk_status or remote.status,
            "replies": [{"author": r.author, "created": r.created, "text": r.text,
                         "attachments": r.attachments} for r in remote.replies]}


def outcome_json(outcome: SendOutcome) -> dict[str, Any]:
    """One line of ``ticket send --json``."""
    return {"id": outcome.ticket_id, "result": outcome.result, "message": outcome.message,
            "advice": outcome.advice,
            "ticket": ticket_json(outcome.ticket) if outcome.ticket else None}


def _status(status: str) -> str:
    return f"[{STATUS_STYLE.get(status, 'bold')}]{safe(status)}[/]"


def show_created(env: Env, created: Created, json_out: bool) -> None:
    """The stored ticket on stdout; what happened and what next on stderr."""
    ticket = created.ticket
    if json_out:
        emit_json(env, ticket_json(ticket))
    else:
        env.out.print(f"Ticket {ticket.id} {_status(ticket.status)}: {safe(ticket.subject)}")
    if created.outcome is None:
        show_no_backend(env, created)
    elif created.outcome.result == "sent" and not json_out:
        env.out.print(f"Sent to {safe(ticket.backend or '')} as "
                      f"{safe(ticket.remote_id or '')}" + _url(ticket))


def _url(ticket: Ticket) -> str:
    return f" [link]{safe(ticket.remote_url)}[/link]" if ticket.remote_url else ""


def show_no_backend(env: Env, created: Created) -> None:
    """Where the queued ticket is, how to configure a backend and who can take it now."""
    ticket_id = created.ticket.id
    note(env, f"No backend is configured, so ticket {ticket_id} is kept [yellow]queued[/] in "
              f"{safe(str(created.store_path))}.")
    note(env, "To send it, configure a backend (see docs/backends.md; 'tokohelp config init' "
              f"writes an example config), then run: tokohelp ticket send {ticket_id}")
    note(env, "Meanwhile you can reach Tokopedia through: " + " or ".join(CONTACT_CHANNELS))


def note(env: Env, markup: str) -> None:
    """A line on stderr that is not wrapped, so paths and commands stay copyable."""
    env.err.print(markup, soft_wrap=True)


def show_dry_run(env: Env, dry: DryRun, json_out: bool) -> None:
    """Exactly what would be sent (secrets already masked by the backend)."""
    payload = {"backend": dry.backend, "ticket": ticket_json(dry.ticket), "request": dry.request}
    if json_out:
        return emit_json(env, payload)
    if dry.backend is None:
        env.out.print("Dry run: no backend is configured; the ticket would be stored as queued.")
        emit_json(env, ticket_json(dry.ticket))
        return None
    env.out.print(f"Dry run: this would be sent to backend '{safe(dry.backend)}' "
                  "(nothing stored, nothing sent):")
    emit_json(env, dry.request)
    return None


def show_suggestions(env: Env, hits: list[Hit]) -> None:
    """The best matching articles, before the user files a ticket anyway."""
    env.err.print("[bold]These articles may already answer it:[/bold]")
    for number, hit in enumerate(hits, start=1):
        env.err.print(f"  {number}. {safe(hit.title)}  [dim]tokohelp show {safe(hit.slug)}[/dim]")


def show_list(env: Env, tickets: list[Ticket]) -> None:
    """A table of stored tickets, or a note on stderr when there are none."""
    if not tickets:
        note(env, "No tickets. File one with: tokohelp ticket new")
        return
    from rich.table import Table

    table = Table("id", "status", "subject", "backend", "remote", "created", box=None,
                  header_style="bold")
    for t in tickets:
        table.add_row(str(t.id), _status(t.status), safe(t.subject[:60]), safe(t.backend or "-"),
                      safe(t.remote_id or "-"), safe(t.created))
    env.out.print(table)


def show_ticket(env: Env, ticket: Ticket, remote: RemoteView) -> None:
    """The local record, its attachments and, where known, the remote status and replies."""
    env.out.print(f"[bold]Ticket {ticket.id}: {safe(ticket.subject)}[/bold]")
    for label, value in _fields(ticket):
        if value:
            env.out.print(f"  [dim]{label}:[/dim] {safe(str(value))}")
    env.out.print()
    env.out.print(safe(ticket.body))
    for a in ticket.attachments:
        env.out.print(f"  [dim]attached:[/dim] {safe(a.name)} ({safe(a.mime)}, {a.size} bytes)")
    _show_remote(env, remote)


def _fields(ticket: Ticket) -> list[tuple[str, Any]]:
    return [("status", ticket.status), ("category", ticket.category),
            ("backend", ticket.backend), ("remote id", ticket.remote_id),
            ("remote url", ticket.remote_url), ("order", ticket.order_id),
            ("e-mail", ticket.email), ("created", ticket.created),
            ("attempts", ticket.attempts), ("last error", ticket.last_error)]


def _show_remote(env: Env, remote: RemoteView) -> None:
    if remote.error:
        env.warn(f"remote status unavailable: {remote.error}")
    if remote.status is None:
        return
    status, word = remote.status.status, remote.status.desk_status
    shown = f"{status} ({word})" if word and word != status else status
    env.out.print(f"\n[bold]Remote status:[/bold] {safe(shown)}")
    for reply in remote.status.replies:
        env.out.print(f"\n[dim]{safe(reply.created)} · {safe(reply.author)}[/dim]")
        env.out.print(safe(reply.text))
        for name in reply.attachments:
            env.out.print("[dim]{label}[/dim] {name}".format(label=_("attachment:"),
                                                             name=safe(name)))


def show_outcomes(env: Env, outcomes: list[SendOutcome], json_out: bool) -> None:
    """One line per ticket: sent where, or why not and what to do."""
    if json_out:
        return emit_json(env, [outcome_json(o) for o in outcomes])
    if not outcomes:
        note(env, "Nothing to send: no queued tickets.")
    for o in outcomes:
        style = "green" if o.ok else "yellow"
        env.out.print(f"Ticket {o.ticket_id}: [{style}]{safe(o.result)}[/] {safe(o.message)}",
                      soft_wrap=True)
        if o.advice and not o.ok:
            env.out.print(f"  [dim]{safe(o.advice)}[/dim]", soft_wrap=True)
    return None
