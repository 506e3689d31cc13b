"""Where the ``tokohelp`` command starts: the console script and ``python -m tokohelp``.

The command-line modules (Typer and Click with them) are imported here with the cyclic
collector paused (see :mod:`tokohelp.startup`), so this module imports nothing else at
its top: the pause has to begin before Typer is imported.
"""

from tokohelp import startup


def main() -> None:
    """Run the command line; its start-up imports run with the collector paused."""
    startup.own_process()
    with startup.paused_collector():
        from tokohelp.cli import main as run_cli
    run_cli()


if __name__ == "__main__":
    main()
