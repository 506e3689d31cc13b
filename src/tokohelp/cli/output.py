"""Where output goes: one ``Env`` per invocation holds the streams and TTY flags.

Results go to stdout, errors and progress to stderr.  Consoles are created
lazily from the *current* ``sys`` streams so ``CliRunner`` and tests can swap
them, and Rich is only imported by commands that print a rich view.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from tokohelp.safe import escape_c1, inert, strip_control

if TYPE_CHECKING:
    from rich.console import Console


@dataclasses.dataclass
class Env:
    """Streams and terminal facts for one run."""

    stdout: TextIO
    stderr: TextIO
    stdin: TextIO

    @classmethod
    def current(cls) -> Env:
        """An Env over the process's current streams."""
        return cls(sys.stdout, sys.stderr, sys.stdin)

    @property
    def stdout_isatty(self) -> bool:
        """True when a person is reading stdout."""
        return _isatty(self.stdout)

    @property
    def stdin_isatty(self) -> bool:
        """True when a person can answer prompts."""
        return _isatty(self.stdin) and not os.environ.get("CI")

    @cached_property
    def out(self) -> Console:
        """Rich console on stdout."""
        from rich.console import Console

        return Console(file=self.stdout, highlight=False, emoji=False)

    @cached_property
    def err(self) -> Console:
        """Rich console on stderr."""
        from rich.console import Console

        return Console(file=self.stderr, highlight=False, emoji=False)

    def error(self, message: str, hint: str = "") -> None:
        """One line: what is wrong, and what to do."""
        from tokohelp.redact import redact

        text = f"tokohelp: error: {strip_control(message)}"
        if hint:
            text += f"\n{strip_control(hint)}"
        self.stderr.write(redact(text) + "\n")

    def warn(self, message: str) -> None:
        """A warning line on stderr."""
        from tokohelp.redact import redact

        self.stderr.write(redact(f"tokohelp: warning: {strip_control(message)}") + "\n")

    def info(self, markup: str) -> None:
        """A Rich-markup line on stderr (progress, hints); caller escapes untrusted parts."""
        self.err.print(markup)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _default(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def emit_json(env: Env, payload: Any) -> None:
    """Plain JSON on stdout: no colour, no markup, stable key order, no raw control bytes."""
    text = json.dumps(payload, default=_default, ensure_ascii=False, indent=2)
    env.stdout.write(escape_c1(text) + "\n")


def safe(text: str) -> str:
    """Shorthand for making untrusted text inert in Rich markup."""
    return inert(text)
