"""Large imports with the cyclic garbage collector paused, in a process tokohelp owns.

Importing Typer, Click, Rich and tokohelp's own modules makes tens of thousands of
objects that live until the process ends, and next to no garbage; CPython's cyclic
collector would still walk them over and over while they are made (about 37M
instructions before a command starts, a tenth of ``tokohelp search refund``, and 8M more
for Rich on a terminal; see ``bench/README.md``).  :func:`paused_collector` pauses it for
such an import and then freezes what the import made out of its sight (:func:`gc.freeze`);
the collector runs as usual for the command's own work.

Freezing is for a process that is one tokohelp run: the entry point
(:mod:`tokohelp.__main__`) says so with :func:`own_process`.  Elsewhere (a test that
calls the CLI in-process, a program that imports tokohelp) the collector is left as it is.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


class _Process:
    owned = False


def own_process() -> None:
    """Mark this process as one tokohelp run (called by the entry point, first thing)."""
    _Process.owned = True


@contextmanager
def paused_collector() -> Iterator[None]:
    """Run a large import with the collector paused, then freeze what it made."""
    if not _Process.owned or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
