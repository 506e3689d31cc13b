"""Turning SIGTERM and SIGHUP into an exception while a ticket is being written.

Python stops on SIGTERM and SIGHUP without running any ``finally``, so whatever
the user typed would be gone.  Inside :func:`catch_signals` both raise
:class:`Signalled`, a ``KeyboardInterrupt``, so every place that already keeps
work on Ctrl-C (drafts, recovery files, a send that stays queued) keeps it for
them too.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from types import FrameType

CAUGHT = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Signalled(KeyboardInterrupt):
    """The process got ``signum``; raised in the main thread by the handler below."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def signal_number(exc: BaseException) -> int:
    """The signal behind an interruption: SIGINT unless a caught signal said otherwise."""
    return getattr(exc, "signum", int(signal.SIGINT))


def exit_status(exc: BaseException) -> int:
    """128 + the signal number, as shells report a process stopped by a signal."""
    return 128 + signal_number(exc)


def _raise(signum: int, _frame: FrameType | None) -> None:
    raise Signalled(signum)


@contextlib.contextmanager
def catch_signals() -> Iterator[None]:
    """Raise :class:`Signalled` on SIGTERM/SIGHUP inside the block; restore after."""
    previous = {}
    for signum in CAUGHT:
        with contextlib.suppress(ValueError, OSError):  # not the main thread
            previous[signum] = signal.signal(signum, _raise)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
