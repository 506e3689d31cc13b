"""Paging long output on a terminal, the way git does it.

The pager is ``TOKOHELP_PAGER``, else ``PAGER``, else ``less`` (``more`` when there is
no less); an empty value or ``cat`` means no pager.  It runs with ``LESS=FRX`` and
``LV=-c`` when those are unset, so colours show instead of raw escape codes, a text
that fits on one screen is printed at once, and the screen is not cleared on exit.
Whether to page is decided from the *rendered* height (what Rich printed at the
terminal's width), never from the source's line count.  ``--no-pager`` or a stdout
that is not a terminal print directly.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from tokohelp.session import Session

PAGER_VARIABLES = ("TOKOHELP_PAGER", "PAGER")
PAGER_DEFAULTS = {"LESS": "FRX", "LV": "-c"}


def pager_command(environ: Mapping[str, str]) -> list[str] | None:
    """The pager to run, or None for none; a variable that is set wins even when empty."""
    for name in PAGER_VARIABLES:
        value = environ.get(name)
        if value is None:
            continue
        value = value.strip()
        if not value or value == "cat":
            return None
        try:
            return shlex.split(value) or None
        except ValueError:
            return None  # a broken PAGER must not hide the text: print it instead
    for fallback in ("less", "more"):
        if shutil.which(fallback):
            return [fallback]
    return None


def pager_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The pager's environment: ``LESS=FRX`` and ``LV=-c`` unless the user set them."""
    env = dict(environ)
    for name, value in PAGER_DEFAULTS.items():
        env.setdefault(name, value)
    return env


def should_page(session: Session, text: str) -> bool:
    """Page only a terminal, when allowed, and when the rendered text is taller than it."""
    if not session.stdout_isatty or getattr(session, "no_pager", False):
        return False
    return text.count("\n") >= session.out.size.height


def show_paged(session: Session, draw: Callable[[Console], None]) -> None:
    """Render with ``draw``, then page it or print it as it is."""
    if not session.stdout_isatty:
        draw(session.out)
        return
    with session.out.capture() as captured:
        draw(session.out)
    text = captured.get()
    command = pager_command(os.environ) if should_page(session, text) else None
    if command is None or not _run_pager(command, text, session):
        session.stdout.write(text)
        session.stdout.flush()


def _run_pager(command: list[str], text: str, session: Session) -> bool:
    """Feed ``text`` to the pager; False when it cannot start (then the caller prints)."""
    session.stdout.flush()
    try:
        proc = subprocess.Popen(command, stdin=subprocess.PIPE,
                                env=pager_environment(os.environ))
    except OSError:
        return False
    data = text.encode(getattr(session.stdout, "encoding", None) or "utf-8", "replace")
    with _pager_owns_ctrl_c():
        try:
            proc.communicate(data)
        except BrokenPipeError:
            proc.wait()  # the reader quit the pager before the end: nothing more to show
    return True


@contextlib.contextmanager
def _pager_owns_ctrl_c() -> Iterator[None]:
    """Ignore SIGINT while the pager runs (as git does): less uses Ctrl-C itself."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
