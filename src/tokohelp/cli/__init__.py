"""The command-line face of tokohelp: parse, call the core, render.

Every expected failure is a ``TokohelpError``; it is turned into one line on
stderr and its exit status here, in :class:`TokohelpGroup`, and nowhere else.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import typer
from typer._click.exceptions import ClickException  # typer >= 0.26 vendors Click
from typer.core import TyperGroup

from tokohelp import __version__
from tokohelp.cli import articles, common
from tokohelp.errors import ExitStatus, TokohelpError


class TokohelpGroup(TyperGroup):
    """The root group: the one place where errors become messages and exit codes."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except TokohelpError as exc:
            common.env().error(exc.message, exc.hint)
            raise typer.Exit(int(exc.status)) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt, ClickException):
            raise  # Click prints usage errors itself (exit 2)
        except OSError as exc:
            if _loud():
                raise
            common.env().error(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
            raise typer.Exit(int(ExitStatus.STORAGE)) from None
        except Exception as exc:
            if _loud() or not isinstance(exc, Exception):
                raise
            common.env().error(f"internal error: {type(exc).__name__}",
                               "Run again with TOKOHELP_DEBUG=1 for details and report it.")
            raise typer.Exit(int(ExitStatus.INTERNAL)) from None


def _loud() -> bool:
    """Unexpected errors stay loud under pytest and with --debug/TOKOHELP_DEBUG=1."""
    return common.debug_enabled() or "PYTEST_CURRENT_TEST" in os.environ


app = typer.Typer(
    cls=TokohelpGroup,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    help="tokohelp: find answers, reach a person and file help requests for Tokopedia "
    "(unofficial).\n\nStart with: tokohelp search refund",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tokohelp {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    lang: str | None = typer.Option(None, "--lang", "-l", metavar="id|en",
                                       help="Article language (default: config, then LANG)."),
    debug: bool = typer.Option(False, "--debug", help="Show details of unexpected errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Show the version and exit."),
) -> None:
    """Unofficial help-center client for Tokopedia shoppers and sellers."""
    common.reset(lang, debug)
    if lang is not None:
        from tokohelp.config import resolve_lang

        try:
            resolve_lang(lang)
        except TokohelpError as exc:
            raise typer.BadParameter(exc.message + ". " + exc.hint, param_hint="--lang") from None


app.command("search")(articles.search_cmd)
app.command("show")(articles.show_cmd)
app.command("list")(articles.list_cmd)
app.command("categories")(articles.categories_cmd)
app.command("index")(articles.index_cmd)

# Nouns with sub-commands or their own module register below.
from tokohelp.cli import config_cmd, ticket  # noqa: E402

app.add_typer(ticket.app, name="ticket", help="File and track help requests.")
app.add_typer(config_cmd.app, name="config", help="Show, create and check the config file.")
from tokohelp.cli import contact  # noqa: E402

app.command("contact")(contact.contact_cmd)


def main() -> None:
    """Console-script entry point."""
    sys.exit(app(prog_name="tokohelp"))
