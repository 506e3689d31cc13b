"""``tokohelp ticket reply ID``: parse, call, render (registered in ``cli/ticket.py``)."""

from __future__ import annotations

from pathlib import Path

import typer

from tokohelp.cli import complete
from tokohelp.cli.common import JsonOpt, session_of
from tokohelp.i18n import N_

REPLY_HELP = N_(
    "Answer the help desk on a sent ticket, with attachments.\n\n"
    "The reply comes from --message, --body-file or stdin; otherwise $VISUAL/$EDITOR opens "
    "with the desk's last message quoted.  It is stored before it is sent and, like a "
    "ticket, sent exactly once (retry with 'tokohelp ticket send ID').  Interrupted before "
    "it is stored, it keeps what you wrote and says how to send it.\n\n"
    "Example: tokohelp ticket reply 3 -m \"Receipt attached.\" --attach receipt.png")


def reply_cmd(
    ctx: typer.Context,
    ticket_id: int = typer.Argument(..., metavar="ID",
                                  help=N_("Ticket id from 'tokohelp ticket list'."),
                                  autocompletion=complete.ticket_ids),
    message: str | None = typer.Option(None, "--message", "-m", help=N_("The reply text.")),
    body_file: Path | None = typer.Option(None, "--body-file", "-F", readable=False,
                                          help=N_("Read the reply from this UTF-8 file.")),
    attach: list[Path] | None = typer.Option(None, "--attach", "-a", readable=False,
                                             help=N_("Attach a file (repeatable).")),
    dry_run: bool = typer.Option(False, "--dry-run",
                                 help=N_("Show what would be sent; do nothing.")),
    yes: bool = typer.Option(False, "--yes", "-y", help=N_("Send without asking.")),
    json_out: JsonOpt = False,
) -> None:
    """``ticket reply ID``: gather the reply, store it, send it; render the result."""
    from tokohelp.cli.render import render
    from tokohelp.cli.ticket import _asker, _piped_stdin
    from tokohelp.tickets import replying
    from tokohelp.tickets.signals import catch_signals

    session = session_of(ctx)
    request = replying.ReplyRequest(ticket_id, message, body_file, list(attach or []), yes,
                                    _piped_stdin(session))
    with catch_signals():
        result = replying.reply(session, request, _asker(session), dry_run=dry_run)
    render(session, result, json_out)
