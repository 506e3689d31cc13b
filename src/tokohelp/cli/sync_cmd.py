"""``tokohelp sync``: pull the configured knowledge-base sources into the local library."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from tokohelp.cli.common import JsonOpt, session_of
from tokohelp.i18n import N_

if TYPE_CHECKING:
    from tokohelp.session import Session
    from tokohelp.sources import SyncReport

app = typer.Typer(add_completion=False, rich_markup_mode=None)  # help text: cli/__init__.py


@app.command("sync")
def sync_cmd(
    ctx: typer.Context,
    names: list[str] = typer.Argument(None, metavar="[NAME]...",
                                      help=N_("Sources to sync (default: all).")),
    dry_run: bool = typer.Option(False, "--dry-run",
                                 help=N_("Say what would change; write nothing.")),
    full: bool = typer.Option(False, "--full",
                              help=N_("List every article again instead of asking only "
                                      "for changes.")),
    json_out: JsonOpt = False,
) -> None:
    """``tokohelp sync [NAME...] [--dry-run] [--full]``."""
    from tokohelp.cli.render import render
    from tokohelp.sources import run_sync

    session = session_of(ctx)
    render(session, run_sync(session, names or [], dry_run=dry_run, full=full), json_out)


def show_sync(session: Session, report: SyncReport) -> None:
    """One block per source: counts, the changed files, bad articles, or the error."""
    from tokohelp.cli.output import safe
    from tokohelp.i18n import _

    for source in report.sources:
        if not source.ok:
            session.out.print(_("{name}: failed: {error}").format(
                name=safe(source.name), error=safe(source.error)))
            continue
        line = _("{name}: {added} added, {updated} updated, {removed} removed")
        if report.dry_run:
            line = _("{name} (dry run): {added} to add, {updated} to update, {removed} to "
                     "remove")
        session.out.print(line.format(name=safe(source.name), added=len(source.added),
                                      updated=len(source.updated),
                                      removed=len(source.removed)))
        for what, files in (("+", source.added), ("~", source.updated), ("-", source.removed)):
            for name in files:
                session.out.print(f"  {what} {safe(name)}")
        for bad in source.failed:
            session.out.print(_("  ! {article}: {reason}").format(
                article=safe(bad["article"]), reason=safe(bad["reason"])))
