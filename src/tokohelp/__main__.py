"""Where the ``tokohelp`` command starts: the console script and ``python -m tokohelp``.

Importing Typer, Click and the command's modules makes some hundred thousand objects
that live until the process ends, and next to no garbage; CPython's cyclic collector
would still walk them over and over while they are made (about 37M instructions, a
tenth of ``tokohelp search refund``; see ``bench/README.md``).  So the collector is
paused for those imports, what they made is frozen out of its sight
(:func:`gc.freeze`), and it is back on, as usual, for the command's own work.

This module imports nothing else at its top: the pause has to begin before Typer is
imported, and a test that imports :mod:`tokohelp.cli` keeps its own collector as it is.
"""

import gc


def main() -> None:
    """Run the command line with the collector paused during start-up."""
    gc.disable()
    try:
        from tokohelp.cli import main as run_cli
    finally:
        gc.freeze()
        gc.enable()
    run_cli()


if __name__ == "__main__":
    main()
