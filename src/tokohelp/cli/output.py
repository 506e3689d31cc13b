"""Low-level output helpers shared by the views: JSON on stdout and inert Rich text.

Streams, TTY facts and the Rich consoles belong to the run's
:class:`~tokohelp.session.Session`; ``Env`` is its name in the views' signatures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tokohelp.safe import escape_c1, inert
from tokohelp.session import Session

Env = Session  # what the views print to: the run's streams and consoles


def _default(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__") and not isinstance(value, type):
        import dataclasses  # off the start-up path: most results are plain classes

        return dataclasses.asdict(value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def emit_json(env: Session, payload: Any) -> None:
    """Plain JSON on stdout: no colour, no markup, stable key order, no raw control bytes."""
    import json  # only --json runs pay for it

    text = json.dumps(payload, default=_default, ensure_ascii=False, indent=2)
    env.stdout.write(escape_c1(text) + "\n")


def safe(text: str) -> str:
    """Shorthand for making untrusted text inert in Rich markup."""
    return inert(text)


def print_hanging(env: Session, marker: str, body: Any, indent: int = 2) -> None:
    """Print ``marker`` then ``body``; wrapped lines line up under the body, not at column 0.

    ``body`` is Rich markup (already made safe) or a Rich renderable.  Without a marker
    the body is only indented, one column further (where a marker's text would start):
    a padded paragraph costs a fraction of a table's layout (a search prints five), and
    it folds an over-long word instead of cutting it.
    """
    from rich.padding import Padding

    if not marker:
        env.out.print(Padding(body, (0, 0, 0, indent + 1)))
        return
    from rich.table import Table

    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    grid.add_row(marker, body)
    env.out.print(Padding(grid, (0, 0, 0, indent)) if indent else grid)


PLAIN_WIDTH = 80  # a pipe's width when neither COLUMNS nor a terminal says otherwise


def plain_width() -> int:
    """The width Rich gives a piped console, found without Rich: COLUMNS, else the
    terminal's, else 80.

    Rich asks stdin, stdout and stderr in turn, so ``tokohelp contact | less`` typed at a
    terminal still wraps at that terminal's width; the plain views keep that.
    """
    import os

    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns):
        return int(columns)
    for descriptor in (0, 1, 2):
        try:
            return os.get_terminal_size(descriptor).columns or PLAIN_WIDTH
        except (AttributeError, ValueError, OSError):
            continue
    return PLAIN_WIDTH

