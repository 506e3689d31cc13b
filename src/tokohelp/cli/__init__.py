"""The command-line face of tokohelp: parse, call the core, render.

:class:`TokohelpGroup` is the root.  Before Click parses anything it takes ``--lang``
from wherever it stands, makes the run's :class:`~tokohelp.session.Session` (unless a
test passed one with ``obj=``) and activates the language, so ``--help`` and Click's
own messages follow it.  Every error becomes one line and its exit status in
:func:`tokohelp.cli.render.fail`, called from :meth:`TokohelpGroup.invoke` only.
"""

# Annotations are not postponed here (no __future__ import): Typer reads them at every
# start, and from strings it would compile and evaluate each one.
import os
import sys
from typing import Any

import typer
from typer._click.exceptions import ClickException  # typer >= 0.26 vendors Click
from typer.core import TyperGroup

from tokohelp import __version__
from tokohelp.cli.common import session_of
from tokohelp.cli.translate import route_typer_messages, translate_tree
from tokohelp.i18n import N_, activate, active_lang
from tokohelp.session import Session

LANG_OPTIONS = ("--lang", "-l")


class Entry:
    """Where a command lives (its module's Typer ``app``) and its help text (an msgid).

    ``command`` names one command of that app; None means the app is a group of its own.
    (A plain slotted class: a NamedTuple would cost more to define at every start.)
    """

    __slots__ = ("command", "help", "module")

    def __init__(self, module: str, command: str | None, help: str) -> None:
        self.module, self.command, self.help = module, command, help


# Every command, in the order --help lists them.  Only the one being run is imported and
# built, so `tokohelp search` pays neither for `ticket` nor for `config`.
COMMANDS: dict[str, Entry] = {
    "search": Entry("tokohelp.cli.articles", "search", N_(
        "Search the help articles, best answer first.\n\n"
        "Typos, slang (gmn, blm, udh) and either language are fine. "
        "Examples: tokohelp search refund ; tokohelp search \"dana refund belum masuk\"")),
    "show": Entry("tokohelp.cli.articles", "show", N_(
        "Show one article, rendered (paged on a terminal when long).\n\n"
        "Example: tokohelp show refund-not-received")),
    "list": Entry("tokohelp.cli.articles", "list", N_(
        "List articles, one per topic, optionally in one category.\n\n"
        "Example: tokohelp list --category refund")),
    "categories": Entry("tokohelp.cli.articles", "categories", N_(
        "List the article categories (payment, refund, shipping, ...) with topic counts.")),
    "index": Entry("tokohelp.cli.articles", "index", N_(
        "Show where the search index is and what it holds; --rebuild forces a rebuild.\n\n"
        "The index rebuilds by itself when articles change; in very large libraries an "
        "in-place edit is noticed within ten minutes, or at once with --rebuild.")),
    "contact": Entry("tokohelp.cli.contact", "contact", N_(
        "Reach a person at Tokopedia: all channels, one channel's steps, or the best one for "
        "you.\n\nExamples: tokohelp contact ; tokohelp contact --channel email ; "
        "tokohelp contact --channel resolution-center --platform ios ; "
        "tokohelp contact --for seller not answering my complaint --waited-days 4 --tier "
        "silver")),
    "sync": Entry("tokohelp.cli.sync_cmd", "sync", N_(
        "Pull knowledge-base articles from help desks (Request Tracker, Zendesk) into the "
        "local library.\n\nSources are [sources.NAME] tables in the config file; see "
        "docs/sources.md. Examples: tokohelp sync ; tokohelp sync kb --dry-run")),
    "ticket": Entry("tokohelp.cli.ticket", None, N_("File and track help requests.")),
    "config": Entry("tokohelp.cli.config_cmd", None,
                    N_("Show, create and check the config file.")),
    "docs": Entry("tokohelp.cli.docs_cmd", "docs", N_(
        "Read the documentation: configuration, backends, tickets, exit codes, ...\n\n"
        "Without a topic, list the topics.  Examples: tokohelp docs ; "
        "tokohelp docs backends ; tokohelp docs exit-codes")),
}


def load_command(name: str, entry: Entry) -> Any:
    """Import the command's module and build its Click command (translated when shown)."""
    import importlib

    import typer.main

    module_app = importlib.import_module(entry.module).app
    if entry.command is None:
        command = typer.main.get_group(module_app)
    else:
        info = next(c for c in module_app.registered_commands if c.name == entry.command)
        command = typer.main.get_command_from_info(info, pretty_exceptions_short=True,
                                                   rich_markup_mode=None)
    command.name, command.help = name, entry.help
    translate_tree(command)
    return command


def take_lang(args: list[str]) -> tuple[str | None, list[str]]:
    """Remove ``--lang X`` / ``--lang=X`` / ``-l X`` from anywhere before ``--``.

    The language must be known before Click builds ``--help`` or a usage error, and a
    reader may add it after the command (``tokohelp search refund --lang id``).
    """
    lang, rest, i = None, [], 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        if arg in LANG_OPTIONS and i + 1 < len(args):
            lang, i = args[i + 1], i + 2
            continue
        if arg.startswith("--lang="):
            lang, i = arg.partition("=")[2], i + 1
            continue
        rest.append(arg)
        i += 1
    return lang, rest


def take_flag(args: list[str], flag: str) -> tuple[bool, list[str]]:
    """Remove a global switch such as ``--no-pager`` from anywhere before ``--``.

    Like ``--lang``, it may come after the command: ``tokohelp show SLUG --no-pager``.
    """
    cut = args.index("--") if "--" in args else len(args)
    head = args[:cut]
    return flag in head, [arg for arg in head if arg != flag] + args[cut:]


class TokohelpGroup(TyperGroup):
    """The root group: makes the Session, and maps every error to its exit status."""

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: Any = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        """Take ``--lang`` and ``--no-pager`` out, make the Session, speak its language,
        then let Click run.

        Click runs in non-standalone mode so that its usage errors come back here and are
        printed once, translated, in tokohelp's own format; the exit status is ours.
        """
        lang, rest = take_lang(list(sys.argv[1:] if args is None else args))
        no_pager, rest = take_flag(rest, "--no-pager")
        session = extra.get("obj") if isinstance(extra.get("obj"), Session) else Session()
        session.set_options(lang, False)
        session.no_pager = session.no_pager or no_pager
        extra["obj"] = session
        previous = active_lang()
        try:
            code = self._run(session, rest, prog_name, complete_var, **extra)
        finally:
            activate(previous)
            session.close()
        if not standalone_mode:
            return code
        sys.exit(code)

    def _run(self, session: Session, args: list[str], prog_name: str | None,
             complete_var: Any, **extra: Any) -> int:
        """Run one command line and return its exit status."""
        from tokohelp.errors import TokohelpError

        try:
            activate(session.lang)
            route_typer_messages()
            translate_tree(self)
            result = super().main(args, prog_name, complete_var, False, **extra)
        except ClickException as exc:
            return _usage_error(session, exc)
        except (TokohelpError, typer.Abort) as exc:  # a wrong --lang; end of input at a prompt
            from tokohelp.cli.render import fail

            return fail(session, exc, loud=False)
        return result if isinstance(result, int) else 0

    def list_commands(self, ctx: Any) -> list[str]:
        """Every command name, without importing any of them."""
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """The named command, imported and built on first use."""
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.commands[cmd_name] = load_command(cmd_name, COMMANDS[cmd_name])
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """List the commands from the registry's help texts, loading none of them."""
        from typer._click.utils import make_default_short_help

        from tokohelp.i18n import _

        limit = formatter.width - 6 - max(map(len, COMMANDS))
        rows = [(name, make_default_short_help(_(entry.help), limit))
                for name, entry in COMMANDS.items()]
        with formatter.section(_("Commands")):
            formatter.write_dl(rows)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """Suggest a close command name on a typo, from the registry."""
        from typer._click.exceptions import UsageError

        try:
            return super().resolve_command(ctx, args)
        except UsageError as exc:
            import difflib

            from tokohelp.i18n import _

            close = difflib.get_close_matches(args[0], list(COMMANDS)) if args else []
            if close:
                exc.message = exc.message.rstrip(".") + ". " + _(
                    "Did you mean {options}?").format(options=", ".join(close))
            raise

    def invoke(self, ctx: Any) -> Any:
        """Run the command; expected errors print one line and exit with their status."""
        session = session_of(ctx)
        try:
            return super().invoke(ctx)
        except (typer.Exit, KeyboardInterrupt):
            raise
        except ClickException:
            raise  # usage errors: printed by main, translated (exit 2)
        except Exception as exc:  # typer.Abort is an Exception too
            from tokohelp.cli.render import fail

            status = fail(session, exc, loud=session.debug or "PYTEST_CURRENT_TEST" in os.environ)
            raise typer.Exit(status) from None


def _usage_error(session: Session, exc: ClickException) -> int:
    """Print a Click error in the run's language: help for a bare group, else one line."""
    from typer._click.exceptions import NoArgsIsHelpError

    if isinstance(exc, NoArgsIsHelpError):
        session.stderr.write(exc.format_message() + "\n")
        return exc.exit_code
    from tokohelp.cli.translate import usage_message

    session.error(*usage_message(exc))
    return exc.exit_code


app = typer.Typer(
    cls=TokohelpGroup,
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish
    rich_markup_mode=None,
    help=N_("tokohelp: find answers, reach a person and file help requests for Tokopedia "
            "(unofficial).\n\nStart with: tokohelp search refund"),
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tokohelp {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    lang: str | None = typer.Option(
        None, "--lang", "-l", metavar="id|en",
        help=N_("Language of messages and articles, before or after the command "
                "(default: TOKOHELP_LANG, the config, then the locale).")),
    debug: bool = typer.Option(False, "--debug", help=N_("Show details of unexpected errors.")),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help=N_("Show the version and exit.")),
    no_pager: bool = typer.Option(False, "--no-pager", help=N_(
        "Print long output instead of paging it, before or after the command.")),
) -> None:
    """Unofficial help-center client for Tokopedia shoppers and sellers."""
    session = session_of(ctx)
    session.set_options(lang, debug)
    # --no-pager is declared here for --help only: TokohelpGroup.main takes it out of the
    # arguments (wherever it stands) before Click parses them.
    if session.debug:
        _log_paths(session)


def _log_paths(session: Session) -> None:
    """Under --debug, say which files this run uses."""
    from tokohelp import config
    from tokohelp.logs import enable_debug, log

    enable_debug()
    log.debug("config file: %s", config.config_path())
    log.debug("data dir: %s; cache dir: %s", config.data_dir(), config.cache_dir())
    log.debug("article dirs: %s", ", ".join(map(str, session.article_dirs)))


def main() -> None:
    """Console-script entry point."""
    sys.exit(app(prog_name="tokohelp"))
