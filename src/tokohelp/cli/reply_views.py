"""Human views of ``ticket reply`` (JSON: ``tokohelp.tickets.replying``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tokohelp.cli.output import Env, safe
from tokohelp.i18n import _

if TYPE_CHECKING:
    from tokohelp.tickets.replying import ReplyDryRun, ReplySent


def show_reply_sent(env: Env, result: ReplySent) -> None:
    """Which reply, to which ticket, and whether the desk has it."""
    reply, ticket = result.reply, result.ticket
    if reply.status == "sent":
        line = _("Reply {id} sent to ticket {ticket} ({remote} at {backend})")
    else:
        line = _("Reply {id} to ticket {ticket} is {status}")
    env.out.print(line.format(id=reply.id, ticket=ticket.id, remote=safe(ticket.remote_id or ""),
                              backend=safe(ticket.backend or ""), status=safe(reply.status)),
                  soft_wrap=True)


def show_reply_dry_run(env: Env, result: ReplyDryRun) -> None:
    """Exactly what would be sent (secrets already masked by the backend)."""
    from tokohelp.cli.output import emit_json

    env.out.print(_("Dry run: this reply would be sent to backend '{name}' (nothing stored, "
                    "nothing sent):").format(name=safe(result.backend)))
    emit_json(env, result.request)
