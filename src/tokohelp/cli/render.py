"""The one place where results become output and exit statuses.

How to write a command
======================
1. **Core use case** (``tokohelp/<area>.py``, e.g. ``tokohelp/answers.py``): a function
   ``(session, inputs) -> Result``.  It reads settings and opens resources only through
   the :class:`~tokohelp.session.Session` (``session.config``, ``session.index``,
   ``session.store``, ``session.channels``, ``session.backend(name)``), raises a
   ``TokohelpError`` subclass for every expected failure, and never prints.
2. **Result**: a class with ``to_json()`` returning the ``--json`` document (English
   keys; add fields, never rename or drop one: ``tests/cli/test_json_contract.py``).
   Optional: ``no_match`` (True exits with NO_MATCH in the human view), ``problems``
   (skipped article files), ``warnings`` (translated lines) and ``notes`` (what to do
   next, plain translated lines), printed on stderr in both views, and ``failure`` (a
   ``TokohelpError`` reported after the result is shown, e.g.
   ``config check`` with a failing backend: its line and status end the run).
3. **View**: ``show_x(session, result)`` in ``tokohelp/cli/<area>_views.py``, registered in
   :data:`VIEWS` below by the result's class name.  Views print with ``session.out`` /
   ``session.err`` and pass every untrusted text through ``safe()``.
4. **Command** (``tokohelp/cli/<area>.py``): parse, call, render, nothing else::

       def search_cmd(ctx: typer.Context, words: ..., json_out: JsonOpt = False) -> None:
           session = session_of(ctx)
           render(session, answers.search(session, " ".join(words)), json_out)

   The module has its own ``app = typer.Typer()`` and registers the function with
   ``@app.command("search")``; add an ``Entry(module, "search", N_("help text"))`` to
   ``COMMANDS`` in ``tokohelp/cli/__init__.py``, so the command is built only when run.
5. **Strings**: every user-visible string goes through ``_()`` / ``ngettext()`` with
   named ``{placeholders}``; help texts given at import time use ``N_()`` (translated
   when shown), never inside an f-string (the extractor cannot see it there).  Then run
   ``python scripts/i18n.py update``, translate the new entries in
   ``locale/id/LC_MESSAGES/tokohelp.po`` and run ``python scripts/i18n.py compile``.

Errors are mapped to exit statuses in :func:`fail` (called by the root group only).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from tokohelp.cli.output import emit_json
from tokohelp.errors import ExitStatus
from tokohelp.safe import strip_control

if TYPE_CHECKING:
    from tokohelp.articles import ArticleProblem
    from tokohelp.session import Session

MAX_PROBLEM_LINES = 5

# Result class name -> "module:function" of its human view; imported only when used.
VIEWS: dict[str, str] = {
    "CategoryList": "tokohelp.cli.article_views:show_categories",
    "ArticleList": "tokohelp.cli.article_views:show_list",
    "ArticlePage": "tokohelp.cli.article_views:show_page",
    "SearchAnswer": "tokohelp.cli.article_views:show_search",
    "IndexReport": "tokohelp.cli.article_views:show_index",
    "ChannelTable": "tokohelp.cli.contact_views:show_table",
    "ChannelCard": "tokohelp.cli.contact_views:show_card",
    "ChannelAdvice": "tokohelp.cli.contact_views:show_advice",
    "LinkOpened": "tokohelp.cli.contact_views:show_opened",
    "ConfigPath": "tokohelp.cli.config_cmd:show_path",
    "ConfigShown": "tokohelp.cli.config_cmd:show_config",
    "ConfigWritten": "tokohelp.cli.config_cmd:show_written",
    "ConfigChecked": "tokohelp.cli.config_cmd:show_checks",
    "SyncReport": "tokohelp.cli.sync_cmd:show_sync",
    "TicketFiled": "tokohelp.cli.ticket_views:show_filed",
    "DryRunShown": "tokohelp.cli.ticket_views:show_dry_run",
    "TicketList": "tokohelp.cli.ticket_views:show_list",
    "TicketShown": "tokohelp.cli.ticket_views:show_shown",
    "SendReport": "tokohelp.cli.ticket_views:show_report",
    "DraftSaved": "tokohelp.cli.ticket_views:show_draft_saved",
    "TicketDeleted": "tokohelp.cli.ticket_views:show_deleted",
    "ReplySent": "tokohelp.cli.reply_views:show_reply_sent",
    "ReplyDryRun": "tokohelp.cli.reply_views:show_reply_dry_run",
    "TopicList": "tokohelp.cli.docs_cmd:show_topics",
    "TopicPage": "tokohelp.cli.docs_cmd:show_topic",
}


def render(session: Session, result: Any, json_out: bool = False) -> None:
    """Print ``result`` as its human view or its JSON document; exit with its status."""
    warn_problems(session, getattr(result, "problems", None) or [])
    for warning in getattr(result, "warnings", None) or []:
        session.warn(warning)
    if json_out:
        emit_json(session, result.to_json())
    else:
        view_of(result)(session, result)
    for line in getattr(result, "notes", None) or []:  # what next, on stderr in both views
        session.stderr.write(strip_control(line) + "\n")
    failure = getattr(result, "failure", None)
    if failure is not None:
        session.error(failure.message, failure.hint)
    status = ExitStatus(failure.status) if failure is not None else exit_status(result, json_out)
    if status is not ExitStatus.OK:
        import typer

        raise typer.Exit(int(status))


def view_of(result: Any) -> Any:
    """The view function registered for the result's class."""
    module, _, name = VIEWS[type(result).__name__].partition(":")
    return getattr(import_module(module), name)


def exit_status(result: Any, json_out: bool) -> ExitStatus:
    """OK, or NO_MATCH when a human asked and nothing matched (JSON then prints ``[]``)."""
    return ExitStatus.NO_MATCH if getattr(result, "no_match", False) and not json_out \
        else ExitStatus.OK


def warn_problems(session: Session, problems: list[ArticleProblem]) -> None:
    """Report broken article files on stderr; the others still work."""
    if not problems:
        return
    from tokohelp.i18n import _, ngettext

    for problem in problems[:MAX_PROBLEM_LINES]:
        session.warn(_("skipped article {path}: {reason}").format(path=problem.path,
                                                                   reason=problem.reason))
    more = len(problems) - MAX_PROBLEM_LINES
    if more > 0:
        session.warn(ngettext("... and {count} more; see 'tokohelp index'",
                              "... and {count} more; see 'tokohelp index'", more)
                     .format(count=more))


def fail(session: Session, exc: BaseException, loud: bool) -> int:
    """Print one line for an error and return its exit status; re-raise bugs when ``loud``.

    ``TokohelpError`` carries its own status; an OS error outside the core's handling is a
    STORAGE problem; Click's Abort (Ctrl-C or end of input at a prompt) is ABORTED; any
    other exception is a bug (INTERNAL) and stays loud under ``--debug`` and pytest.
    """
    from tokohelp.errors import TokohelpError
    from tokohelp.i18n import _

    if isinstance(exc, TokohelpError):
        session.error(exc.message, exc.hint)
        return int(exc.status)
    if _is_abort(exc):
        session.error(_("stopped; nothing more was done"))
        return int(ExitStatus.ABORTED)
    if loud:
        raise exc
    if isinstance(exc, OSError):
        session.error(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
        return int(ExitStatus.STORAGE)
    session.error(_("internal error: {kind}").format(kind=type(exc).__name__),
                  _("Run again with TOKOHELP_DEBUG=1 for details and report it."))
    return int(ExitStatus.INTERNAL)


def _is_abort(exc: BaseException) -> bool:
    from typer import Abort

    return isinstance(exc, Abort)
