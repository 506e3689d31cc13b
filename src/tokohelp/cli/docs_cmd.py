"""``tokohelp docs [TOPIC]``: the shipped documentation, rendered and paged (like ``gh help``)."""

# Annotations are not postponed here (no __future__ import): Typer reads them at every
# start, and from strings it would compile and evaluate each one.
import typer

from tokohelp.cli import complete
from tokohelp.cli.common import JsonOpt, session_of
from tokohelp.cli.output import Env, safe
from tokohelp.i18n import N_, _

app = typer.Typer(add_completion=False, rich_markup_mode=None)

DOCS_HELP = N_("Read the documentation: configuration, backends, tickets, exit codes, ...\n\n"
               "Without a topic, list the topics.  Examples: tokohelp docs ; "
               "tokohelp docs backends ; tokohelp docs exit-codes")


@app.command("docs", help=DOCS_HELP)
def docs_cmd(
    ctx: typer.Context,
    topic: str | None = typer.Argument(None, metavar="[TOPIC]",
                                       help=N_("A topic from the list, e.g. config."),
                                       autocompletion=complete.topics),
    json_out: JsonOpt = False,
) -> None:
    from tokohelp import manual
    from tokohelp.cli.render import render

    session = session_of(ctx)
    render(session, manual.page(topic) if topic else manual.topics(), json_out)


def show_topics(env: Env, result: object) -> None:
    """The topics, one per line, with the command that opens each."""
    topics = result.topics  # type: ignore[attr-defined]
    width = max((len(t.name) for t in topics), default=0)
    for topic in topics:
        env.out.print(f"  [bold]{safe(topic.name.ljust(width))}[/bold]  {safe(topic.title)}",
                      soft_wrap=True)
    env.out.print("[dim]" + safe(_("Read one with: tokohelp docs TOPIC")) + "[/dim]")


def show_topic(env: Env, result: object) -> None:
    """One topic, rendered as Markdown and paged when taller than the terminal."""
    from rich.markdown import Markdown

    from tokohelp.cli.pager import show_paged
    from tokohelp.safe import strip_control

    body = Markdown(strip_control(result.markdown))  # type: ignore[attr-defined]
    show_paged(env, lambda console: console.print(body))
