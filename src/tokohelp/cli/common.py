"""Options and helpers shared by every command module.

Help texts are marked with ``N_`` (they are English msgids) and translated when the
command tree is shown, so ``--help`` follows the run's language.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from tokohelp.cli import complete
from tokohelp.i18n import N_
from tokohelp.session import Session

JsonOpt = Annotated[bool, typer.Option("--json", help=N_("Print JSON for scripts (no colour)."))]
CategoryOpt = Annotated[str | None, typer.Option(
    "--category", "-c", metavar="CATEGORY",
    help=N_("Only this category: its id, name or number in 'tokohelp categories'."),
    autocompletion=complete.categories)]
LimitOpt = Annotated[int, typer.Option("--limit", "-n", min=1, max=100,
                                       help=N_("How many results at most."))]


def session_of(ctx: Any) -> Session:
    """The run's Session, made by the root group (or given by a test with ``obj=``)."""
    root = ctx.find_root()
    if not isinstance(root.obj, Session):
        root.obj = Session()
    return root.obj


def env() -> Session:
    """The Session of the command being run, found through Click's current context.

    For command code that does not take ``ctx`` yet; new code asks for ``ctx`` and calls
    :func:`session_of` so the dependency is visible in its signature.
    """
    from typer._click.globals import get_current_context  # typer >= 0.26 vendors Click

    return session_of(get_current_context())


def current_lang() -> str:
    """The run's article language (see ``Session.article_lang``)."""
    return env().article_lang
