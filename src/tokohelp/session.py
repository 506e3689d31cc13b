"""One run of tokohelp: what it resolved once and what it opened once.

A :class:`Session` is made per invocation (the CLI makes it before parsing; tests make
their own and pass it with ``obj=``).  It owns the settings read from the config file,
the language, the streams and TTY facts, and the index, ticket store, channel data and
backends, each opened lazily on first use and then reused.  Nothing here is a module
global, so two sessions never share state, and a test can give one its own streams,
config or terminal facts instead of patching classes (httpie's ``Environment``).

Core use cases take the session and read what they need from it; they never print.
The stream helpers at the end (``error``, ``warn``, ``info``) are for the CLI face.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from functools import cached_property
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from pathlib import Path

    from rich.console import Console

    from tokohelp.articles import Category
    from tokohelp.config import Config
    from tokohelp.contacts import Channel
    from tokohelp.index import Index
    from tokohelp.tickets.backends.base import Backend
    from tokohelp.tickets.store import Store


class Session:
    """Everything one run resolved or opened; every attribute can be given up front."""

    no_pager = False  # --no-pager: long output is printed, never paged

    def __init__(self, *, lang: str | None = None, debug: bool = False,
                 stdin: TextIO | None = None, stdout: TextIO | None = None,
                 stderr: TextIO | None = None, config: Config | None = None,
                 stdin_isatty: bool | None = None, stdout_isatty: bool | None = None) -> None:
        self.lang_option = lang
        self.debug_option = debug
        self._streams = (stdin, stdout, stderr)
        self._tty = (stdin_isatty, stdout_isatty)
        self.opened: Counter[str] = Counter()  # what this run read or opened, for tests
        self._backends: dict[str | None, Backend | None] = {}
        if config is not None:
            self.config = config

    def set_options(self, lang: str | None, debug: bool) -> None:
        """Apply the global options (``--lang``, ``--debug``) before anything is resolved."""
        self.lang_option = lang if lang is not None else self.lang_option
        self.debug_option = debug or self.debug_option

    # -- streams and terminal facts -------------------------------------------------
    # Streams default to the ones current at first use, so CliRunner's swap is seen.

    @cached_property
    def stdin(self) -> TextIO:
        """Where answers to prompts come from."""
        return self._streams[0] or sys.stdin

    @cached_property
    def stdout(self) -> TextIO:
        """Where results go."""
        return self._streams[1] or sys.stdout

    @cached_property
    def stderr(self) -> TextIO:
        """Where errors, warnings, hints and progress go."""
        return self._streams[2] or sys.stderr

    @property
    def stdin_isatty(self) -> bool:
        """True when a person can answer prompts (never under CI)."""
        if self._tty[0] is not None:
            return self._tty[0]
        return _isatty(self.stdin) and not os.environ.get("CI")

    @property
    def stdout_isatty(self) -> bool:
        """True when a person reads stdout (then views may use colour and a pager)."""
        return self._tty[1] if self._tty[1] is not None else _isatty(self.stdout)

    @property
    def debug(self) -> bool:
        """``--debug`` or ``TOKOHELP_DEBUG=1``: unexpected errors show their details."""
        return self.debug_option or os.environ.get("TOKOHELP_DEBUG") == "1"

    # -- settings, read once --------------------------------------------------------

    @property
    def config(self) -> Config:
        """The config file, read once per run (missing file: empty config).

        A broken file raises its ConfigError here, every time it is asked for, but is
        read only once after the language is known (see :attr:`lang`): the commands that
        need no config still run.
        """
        if "config" not in self.__dict__:
            self.__dict__["config"] = self._read_config()
        loaded = self.__dict__["config"]
        if isinstance(loaded, Exception):
            raise loaded
        return loaded

    @config.setter
    def config(self, value: Config) -> None:
        self.__dict__["config"] = value

    def _read_config(self) -> Config | Exception:
        from tokohelp.config import load_config
        from tokohelp.errors import ConfigError

        self.opened["config"] += 1
        try:
            return load_config()
        except ConfigError as exc:
            return exc

    @cached_property
    def lang(self) -> str:
        """The interface language: --lang, TOKOHELP_LANG, config ``lang``, then the locale.

        A config file that cannot be read (or names a wrong ``lang``) does not decide the
        language.  Its error is forgotten here, because it was worded before the language
        was known; the next use of :attr:`config` words it again in the chosen language.
        """
        from tokohelp.config import Config, config_path, resolve_lang
        from tokohelp.errors import ConfigError

        try:
            return resolve_lang(self.lang_option, self.config)
        except ConfigError:
            if isinstance(self.__dict__.get("config"), ConfigError):
                del self.__dict__["config"]
            return resolve_lang(self.lang_option, Config(path=config_path()))

    @cached_property
    def article_lang(self) -> str:
        """The article language: the config's ``article_lang`` if set, else :attr:`lang`.

        Reading articles never needs a working config: a broken one is warned about (once,
        in the interface language) and the interface language is used.
        """
        from tokohelp.config import check_article_lang, check_configured_lang
        from tokohelp.errors import ConfigError

        try:
            check_configured_lang(self.config)
            chosen = check_article_lang(self.config)
        except ConfigError as exc:
            self.warn(exc.message)
            return self.lang
        return chosen or self.lang

    @cached_property
    def article_lang_chosen(self) -> bool:
        """Whether the reader chose the article language (--lang, TOKOHELP_LANG or the
        config) rather than it coming from the locale.

        Only a chosen language overrides the language a search query is written in.
        """
        import os

        from tokohelp.config import check_article_lang, check_configured_lang
        from tokohelp.errors import ConfigError

        if self.lang_option or os.environ.get("TOKOHELP_LANG"):
            return True
        try:
            return bool(check_article_lang(self.config) or check_configured_lang(self.config))
        except ConfigError:
            return False

    @cached_property
    def article_dirs(self) -> list[Path]:
        """The article library: ``TOKOHELP_ARTICLES`` or the bundled articles, then synced ones."""
        from tokohelp.config import Config, article_dirs, config_path
        from tokohelp.errors import ConfigError

        try:
            dirs = article_dirs(self.config)
        except ConfigError:
            dirs = article_dirs(Config(path=config_path()))
        self._warn_missing(dirs)
        return dirs

    def _warn_missing(self, dirs: list[Path]) -> None:
        """A library folder that is not there (a TOKOHELP_ARTICLES typo) is said, not hidden."""
        from tokohelp.i18n import _

        for folder in dirs:
            if not folder.is_dir():
                self.warn(_("article folder {path} does not exist; check TOKOHELP_ARTICLES")
                          .format(path=folder))

    # -- resources, opened lazily once ----------------------------------------------

    @cached_property
    def index(self) -> Index:
        """The search index over :attr:`article_dirs`, rebuilt first when articles changed."""
        return self.open_index()

    def open_index(self, rebuild: bool = False) -> Index:
        """Open (or rebuild) the index and keep it as this run's :attr:`index`."""
        from tokohelp.config import cache_dir
        from tokohelp.index import open_index

        self.opened["index"] += 1
        progress = BuildProgress(self) if _isatty(self.stderr) else None
        try:
            index = open_index(self.article_dirs, cache_dir(), rebuild=rebuild,
                               progress=progress)
        finally:
            if progress is not None:
                progress.close()
        self.__dict__["index"] = index
        return index

    @cached_property
    def categories(self) -> list[Category]:
        """The categories of the library, in display order."""
        from tokohelp.articles import load_categories

        self.opened["categories"] += 1
        return load_categories(self.article_dirs)

    @cached_property
    def channels(self) -> list[Channel]:
        """Contact channels: the bundled data with the config's overrides."""
        from tokohelp.contacts import load_channels

        self.opened["channels"] += 1
        return load_channels(self.config)

    @cached_property
    def store(self) -> Store:
        """The local ticket store."""
        from tokohelp.tickets.store import open_store

        self.opened["store"] += 1
        return open_store()

    def reading_store(self) -> Store:
        """The store for a command that only reads it: this run's store once opened,
        else one opened read-only, which works even where nothing can be written."""
        if "store" in self.__dict__:
            return self.store
        from tokohelp.tickets.store import open_store

        self.opened["store"] += 1
        self.__dict__["store"] = open_store(read_only=True)
        return self.__dict__["store"]

    def backend(self, name: str | None = None) -> Backend | None:
        """The named backend (None: the default), loaded once; None when none is set up."""
        if name not in self._backends:
            from tokohelp.tickets.backends import load_backend

            self.opened["backend"] += 1
            self._backends[name] = load_backend(self.config, name)
        return self._backends[name]

    def close(self) -> None:
        """Close what this run opened (the CLI calls it at the end of every run)."""
        for name in ("index", "store"):
            resource = self.__dict__.pop(name, None)
            if resource is not None:
                _close(resource)

    # -- the face's stream helpers --------------------------------------------------

    @cached_property
    def out(self) -> Console:
        """Rich console on stdout (Rich is imported only by views that need it)."""
        return _console(self.stdout)

    @cached_property
    def err(self) -> Console:
        """Rich console on stderr."""
        return _console(self.stderr)

    def error(self, message: str, hint: str = "") -> None:
        """One line saying what is wrong, then one saying what to do."""
        from tokohelp.i18n import _

        self._line(_("tokohelp: error: {message}").format(message=message), hint)

    def warn(self, message: str) -> None:
        """A warning line on stderr."""
        from tokohelp.i18n import _

        self._line(_("tokohelp: warning: {message}").format(message=message))

    def info(self, markup: str) -> None:
        """A Rich-markup line on stderr (progress, hints); the caller escapes untrusted parts."""
        self.err.print(markup)

    def _line(self, text: str, hint: str = "") -> None:
        from tokohelp.redact import redact
        from tokohelp.safe import strip_control

        text = strip_control(text) + (f"\n{strip_control(hint)}" if hint else "")
        self.stderr.write(redact(text) + "\n")


BIG_LIBRARY = 2000  # files from which a rebuild shows a progress bar on a terminal


class BuildProgress:
    """A progress bar on stderr for rebuilding a big library's index (seconds, not ms).

    Small libraries rebuild too fast for a bar to help, so it appears only from
    ``BIG_LIBRARY`` files, at the first report of the build.
    """

    def __init__(self, session: Session) -> None:
        self.session, self.bar, self.task = session, None, None

    def __call__(self, done: int, total: int) -> None:
        if total < BIG_LIBRARY:
            return
        if self.bar is None:
            from rich.progress import Progress

            from tokohelp.i18n import _

            self.bar = Progress(console=self.session.err, transient=True)
            self.bar.start()
            self.task = self.bar.add_task(_("Building the search index"), total=total)
        self.bar.update(self.task, completed=done)

    def close(self) -> None:
        """Take the bar off the screen, whatever ended the build."""
        if self.bar is not None:
            self.bar.stop()


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _console(stream: TextIO) -> Console:
    from tokohelp.startup import paused_collector

    with paused_collector():
        from rich.console import Console

    target = stream if _isatty(stream) else TrimmedLines(stream)
    return Console(file=target, highlight=False, emoji=False)


class TrimmedLines:
    """A text stream that drops the spaces Rich pads lines with, for piped output.

    A table fills every line to the console width; in a file or a pipe that is only
    trailing blanks for the next program to trip over (issue 12).
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream, self.pending = stream, ""

    def write(self, text: str) -> int:
        """Pass on every complete line with its trailing spaces removed."""
        *lines, self.pending = (self.pending + text).split("\n")
        if lines:
            self.stream.write("".join(line.rstrip(" ") + "\n" for line in lines))
        return len(text)

    def flush(self) -> None:
        """Pass on what is left of an unfinished line, then flush."""
        if self.pending:
            self.stream.write(self.pending)
            self.pending = ""
        self.stream.flush()

    def isatty(self) -> bool:
        """Never a terminal: only piped output is trimmed."""
        return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def _close(resource: Any) -> None:
    """Close an index or a store; closing must never hide the run's own outcome."""
    db = getattr(resource, "db", None)
    if db is not None:
        db.close()
