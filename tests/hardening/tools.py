"""Run tokohelp the way a user does and judge how it failed.

``run`` drives ``tokohelp.cli.app`` in-process with the production error path:
pytest's ``PYTEST_CURRENT_TEST`` makes unexpected errors loud (re-raised), which
would hide bugs in the one place errors become messages, so it is removed for
the call.  ``run_process`` starts the real entry point, ``python -m tokohelp``.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import resource
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from tokohelp.cli import app

ROOT = Path(__file__).resolve().parents[2]
PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2


@dataclass
class Outcome:
    """What one tokohelp run printed and how it ended."""

    code: int
    stdout: str
    stderr: str
    exception: BaseException | None = None

    @property
    def output(self) -> str:
        """Everything printed, for greps."""
        return self.stdout + self.stderr


def documented_codes() -> dict[int, str]:
    """Exit codes and names from the table in docs/exit-codes.md."""
    text = (ROOT / "docs" / "exit-codes.md").read_text(encoding="utf-8")
    return {int(code): name for code, name in re.findall(r"^\| +(\d+) \| (\w+) \|", text, re.M)}


@contextlib.contextmanager
def production_errors() -> Iterator[None]:
    """Without PYTEST_CURRENT_TEST the CLI handles errors as it does for users."""
    saved = os.environ.pop("PYTEST_CURRENT_TEST", None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ["PYTEST_CURRENT_TEST"] = saved


def run(*args: str, input: str | bytes | None = None) -> Outcome:
    """``tokohelp ARGS`` in-process (CliRunner), stdout and stderr apart."""
    with production_errors():
        result = CliRunner().invoke(app, list(args), input=input)
    exception = None if isinstance(result.exception, SystemExit) else result.exception
    return Outcome(result.exit_code, result.stdout, result.stderr, exception)


def process_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The test's environment (TOKOHELP_* from the fixtures) without pytest's marker."""
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    env.update(extra or {})
    return env


def run_process(*args: str, input: bytes | None = None, env: dict[str, str] | None = None,
                preexec_fn: Callable[[], None] | None = None, timeout: float = 60) -> Outcome:
    """``python -m tokohelp ARGS`` as a real process (the console script's code path)."""
    done = subprocess.run([sys.executable, "-m", "tokohelp", *args], input=input or b"",
                          capture_output=True, env=process_env(env), preexec_fn=preexec_fn,
                          timeout=timeout, check=False)
    return Outcome(done.returncode, done.stdout.decode("utf-8", "replace"),
                   done.stderr.decode("utf-8", "replace"))


def file_size_limit(limit: int) -> Callable[[], None]:
    """preexec_fn for a full disk: writes past ``limit`` bytes fail with EFBIG.

    SIGXFSZ is ignored so the write returns an error instead of killing the process;
    pipes are not limited, so the messages still arrive.
    """
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def drop_file_override() -> None:
    """preexec_fn making root obey file modes: no CAP_DAC_OVERRIDE/READ_SEARCH after exec."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def can_drop_file_override() -> bool:
    """Whether this root may drop the capabilities (needs CAP_SETPCAP)."""
    try:
        subprocess.run(["true"], preexec_fn=drop_file_override, check=True)
    except (OSError, subprocess.SubprocessError):
        return False
    return True


def error_lines(stderr: str) -> list[str]:
    """Our error lines and Click's usage-error lines.

    CliRunner echoes typed answers to stdout, so after a prompt on stderr our
    line may follow the prompt text; it is still one line of its own on a terminal.
    """
    return [line for line in stderr.splitlines()
            if "tokohelp: error:" in line or line.startswith("Error:")]
