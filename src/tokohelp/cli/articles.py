"""Commands that find answers: ``categories``, ``list``, ``show``, ``search``, ``index``.

Each parses its options, calls the use case in :mod:`tokohelp.answers` with the run's
session and hands the result to :func:`tokohelp.cli.render.render`.  The core and the
views are imported only when a command runs; the root group imports this module only
for these commands, and takes their help texts from its registry.
"""

# Annotations are not postponed here (no __future__ import): Typer reads them at every
# start, and from strings it would compile and evaluate each one.
import typer

from tokohelp.cli import complete
from tokohelp.cli.common import CategoryOpt, JsonOpt, LimitOpt, session_of
from tokohelp.i18n import N_

app = typer.Typer(add_completion=False, rich_markup_mode=None)  # help texts: cli/__init__.py


@app.command("categories")
def categories_cmd(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """``tokohelp categories``."""
    from tokohelp import answers
    from tokohelp.cli.render import render

    session = session_of(ctx)
    render(session, answers.categories(session), json_out)


@app.command("list")
def list_cmd(ctx: typer.Context, category: CategoryOpt = None, json_out: JsonOpt = False) -> None:
    """``tokohelp list [--category C]``."""
    from tokohelp import answers
    from tokohelp.cli.render import render

    session = session_of(ctx)
    render(session, answers.list_articles(session, category), json_out)


@app.command("show")
def show_cmd(
    ctx: typer.Context,
    slug: str = typer.Argument(..., help=N_("Article slug, as shown by 'list' or 'search'."),
                               autocompletion=complete.slugs),
    raw: bool = typer.Option(False, "--raw", help=N_("Print the Markdown source instead.")),
    json_out: JsonOpt = False,
) -> None:
    """``tokohelp show SLUG [--raw]``."""
    from tokohelp import answers
    from tokohelp.cli.render import render

    session = session_of(ctx)
    render(session, answers.show(session, slug, raw=raw), json_out)


@app.command("search")
def search_cmd(
    ctx: typer.Context,
    words: list[str] = typer.Argument(
        None, help=N_("What you look for, Indonesian or English.")),
    category: CategoryOpt = None,
    limit: LimitOpt = 5,
    json_out: JsonOpt = False,
) -> None:
    """``tokohelp search WORDS...``."""
    from tokohelp import answers
    from tokohelp.cli.render import render

    session = session_of(ctx)
    render(session, answers.search(session, " ".join(words or []), category, limit), json_out)


@app.command("index")
def index_cmd(
    ctx: typer.Context,
    rebuild: bool = typer.Option(False, "--rebuild", help=N_("Rebuild even if nothing changed.")),
    json_out: JsonOpt = False,
) -> None:
    """``tokohelp index [--rebuild]``."""
    from tokohelp import answers
    from tokohelp.cli.render import render

    session = session_of(ctx)
    render(session, answers.index_report(session, rebuild), json_out)
