"""Running the user's editor on a private temp file without ever losing what it holds.

The temp file is removed only once its text is safely somewhere else: after a
normal exit the caller has the text; after an interruption :class:`EditInterrupted`
carries the text and the path, and the caller discards the file once the text is
stored (never while the editor may still be writing to it).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tokohelp.errors import AbortedError, UsageError
from tokohelp.i18n import _
from tokohelp.safe import strip_control
from tokohelp.tickets.signals import Signalled, signal_number

GRACE_SECONDS = 0.5


class EditInterrupted(Signalled):
    """The run was interrupted while the editor was open; ``text`` is what the file held."""

    def __init__(self, signum: int, path: Path, raw: bytes, still_open: bool) -> None:
        super().__init__(signum)
        self.path = path
        self.raw = raw
        self.still_open = still_open

    def discard(self) -> None:
        """Remove the temp file, unless the editor may still save into it."""
        if not self.still_open:
            with contextlib.suppress(OSError):
                self.path.unlink()


@dataclass
class Edited:
    """What the editor left in the file; ``path`` is kept when the caller must keep it."""

    raw: bytes
    path: Path

    def discard(self) -> None:
        """Remove the temp file once its text is kept elsewhere."""
        with contextlib.suppress(OSError):
            self.path.unlink()


def editor_command() -> str:
    """$VISUAL, $EDITOR, then nano when installed (friendlier than vi), then vi."""
    for name in ("VISUAL", "EDITOR"):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    if os.name == "nt":
        return "notepad"
    return "nano" if shutil.which("nano") else "vi"


def editor_argv(command: str) -> list[str]:
    """Split the editor command as a shell would; a broken one is a usage error."""
    try:
        argv = shlex.split(command, posix=os.name != "nt")
    except ValueError as exc:
        raise UsageError(
            _("cannot use the editor command {command!r}: {problem}").format(
                command=strip_control(command), problem=exc),
            _("Fix $VISUAL or $EDITOR (for example: export VISUAL=nano), "
              "or give --message or --body-file.")) from None
    if not argv:
        raise UsageError(_("the editor command is empty"),
                         _("Set $VISUAL or $EDITOR, or give --message or --body-file."))
    return argv


def edit(template: str, prefix: str = "tokohelp-ticket-") -> Edited:
    """Open the editor on ``template``; return the file's bytes and where it is."""
    command = editor_command()
    argv = editor_argv(command)
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=".md")
    path = Path(name)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(template)
    try:
        _run([*argv, name], command, path)
    except (UsageError, AbortedError):
        path.unlink()
        raise
    return Edited(path.read_bytes(), path)


def _run(argv: list[str], command: str, path: Path) -> None:
    """Wait for the editor; on an interruption leave it running and keep its file."""
    try:
        proc = subprocess.Popen(argv)
    except OSError as exc:
        raise UsageError(
            _("cannot start the editor {command!r}: {reason}").format(
                command=strip_control(command), reason=exc.strerror or exc),
            _("Set $VISUAL or $EDITOR, or give --message or --body-file.")) from None
    try:
        code = proc.wait()
    except KeyboardInterrupt as exc:
        raise EditInterrupted(signal_number(exc), path, _read(path), _still_open(proc)) from None
    if code != 0:
        raise AbortedError(
            _("the editor {command!r} exited with status {code}").format(
                command=strip_control(command), code=code),
            _("Nothing was filed."))


def _still_open(proc: subprocess.Popen) -> bool:
    """Give the editor a moment to exit with us; a GUI editor may go on running."""
    deadline = time.monotonic() + GRACE_SECONDS
    while time.monotonic() < deadline:
        with contextlib.suppress(KeyboardInterrupt):
            if proc.poll() is not None:
                return False
            time.sleep(0.05)
    return proc.poll() is None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""
