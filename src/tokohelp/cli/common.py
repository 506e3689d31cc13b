"""Options and helpers shared by every command module."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

from tokohelp.cli.output import Env

if TYPE_CHECKING:
    from tokohelp.articles import ArticleProblem

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts (no colour).")]
CategoryOpt = Annotated[str | None, typer.Option(
    "--category", "-c", help="Only this category id (see 'tokohelp categories').")]
LimitOpt = Annotated[int, typer.Option("--limit", "-n", min=1, max=100,
                                       help="How many results at most.")]


@dataclass
class GlobalOptions:
    """Options given before the command; read through the accessors below."""

    lang: str | None = None
    debug: bool = False


MAX_PROBLEM_LINES = 5
STATE = GlobalOptions()
_ENV: list[Env] = []


def env() -> Env:
    """The Env of this invocation (created on first use from the current streams)."""
    if not _ENV:
        _ENV.append(Env.current())
    return _ENV[0]


def reset(lang: str | None, debug: bool) -> None:
    """Start a fresh invocation: new global options, new Env."""
    STATE.lang, STATE.debug = lang, debug
    _ENV.clear()
    if debug_enabled():
        from tokohelp import config
        from tokohelp.logs import enable_debug, log

        enable_debug()
        log.debug("config file: %s", config.config_path())
        log.debug("data dir: %s; cache dir: %s", config.data_dir(), config.cache_dir())
        log.debug("article dirs: %s", ", ".join(map(str, config.article_dirs())))


def current_lang() -> str:
    """The reading language: --lang, TOKOHELP_LANG, config, then LANG."""
    from tokohelp.config import resolve_lang

    return resolve_lang(STATE.lang)


def debug_enabled() -> bool:
    """--debug or TOKOHELP_DEBUG=1."""
    return STATE.debug or os.environ.get("TOKOHELP_DEBUG") == "1"


def warn_problems(problems: list[ArticleProblem]) -> None:
    """Report broken article files on stderr; the others still work."""
    for problem in problems[:MAX_PROBLEM_LINES]:
        env().warn(f"skipped article {problem.path}: {problem.reason}")
    if len(problems) > MAX_PROBLEM_LINES:
        env().warn(f"... and {len(problems) - MAX_PROBLEM_LINES} more; see 'tokohelp index'")
