"""Keeping what the user typed when a ticket cannot be finished, and reading it back.

The policy, in one place: a *draft* in the store when there is a subject and a
message (``tokohelp ticket edit ID`` resumes it); otherwise, or when the store
cannot be written, a private *recovery file* (mode 0600) that
``tokohelp ticket new --recover FILE`` reads back; when even that fails, the
text itself goes into the message so the terminal still shows it.

A recovery file is plain text a person can read and fix: ``Key: value`` header
lines, an empty line, then the message.  Files written by older versions
(``Subject:`` then the body) read back the same way.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tokohelp.errors import BadInputError, TokohelpError
from tokohelp.i18n import _

HEADERS = {"Subject": "subject", "Category": "category", "Order": "order_id",
           "E-mail": "email", "Backend": "backend", "Attach": "attach"}
MAX_RECOVERY_BYTES = 2 * 1024 * 1024


@dataclass
class Partial:
    """A ticket as far as the user got; ``typed`` is whether any of it exists only here."""

    subject: str = ""
    category: str | None = None
    body: str = ""
    order_id: str | None = None
    email: str | None = None
    backend: str | None = None
    attach: list[Path] = field(default_factory=list)
    typed: bool = False

    @property
    def enough_for_draft(self) -> bool:
        """A draft needs a subject and a message: drafts are never empty."""
        return bool(self.subject.strip() and self.body.strip())

    @property
    def anything(self) -> bool:
        """Whether there is anything at all worth keeping."""
        return bool(self.subject.strip() or self.body.strip())


@dataclass
class Kept:
    """Where the partial ticket went: ``draft``, ``recovery``, ``shown`` or ``nothing``."""

    kind: str
    ticket_id: int | None = None
    path: Path | None = None
    text: str = ""

    def note(self) -> str:
        """One or two lines saying where the text is and the command that resumes it."""
        if self.kind == "draft":
            return _("Kept as draft ticket {id} in {path}.\n"
                     "Resume with: tokohelp ticket edit {id}, then tokohelp ticket send {id}"
                     ).format(id=self.ticket_id, path=self.path)
        if self.kind == "recovery":
            return _("Your message is saved in {path}\n"
                     "Resume with: tokohelp ticket new --recover {path}").format(path=self.path)
        if self.kind == "shown":
            return _("Your text could not be saved anywhere; here it is:\n{text}").format(
                text=self.text)
        return _("Nothing was kept: nothing had been written yet.")


def render(partial: Partial) -> str:
    """The recovery file's text."""
    lines = []
    for label, attr in HEADERS.items():
        if attr == "attach":
            lines += [f"{label}: {path}" for path in partial.attach]
            continue
        value = getattr(partial, attr)
        if value:
            lines.append(f"{label}: {value}")
    return "\n".join(lines) + "\n\n" + partial.body.rstrip("\n") + "\n"


def parse(text: str) -> Partial:
    """Read a recovery file back; unknown header lines are part of the message."""
    head, sep, body = text.partition("\n\n")
    partial = Partial(typed=True)
    if not sep:
        head, body = "", text
    for line in head.splitlines():
        label, colon, value = line.partition(":")
        attr = HEADERS.get(label.strip())
        if not colon or attr is None:
            body = line + "\n" + body
            continue
        _set(partial, attr, value.strip())
    partial.body = body.strip("\n")
    return partial


def _set(partial: Partial, attr: str, value: str) -> None:
    if attr == "attach":
        partial.attach.append(Path(value))
    elif value:
        setattr(partial, attr, value)


def read(path: Path) -> Partial:
    """Load a recovery file; a missing, huge or non-UTF-8 one is a clear error."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_RECOVERY_BYTES + 1)
    except OSError as exc:
        raise BadInputError(_("{path}: cannot read the recovery file: {reason}").format(
            path=path, reason=exc.strerror or exc),
            _("Give the path printed when the ticket was interrupted.")) from None
    if len(raw) > MAX_RECOVERY_BYTES:
        raise BadInputError(_("{path}: too big for a recovery file").format(path=path))
    try:
        return parse(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise BadInputError(_("{path} is not valid UTF-8 (byte {byte})").format(
            path=path, byte=exc.start),
            _("Save the text as UTF-8 (or convert it with iconv).")) from None


def recovery_dir(data_dir: Path) -> Path:
    """Recovery files live next to the store, in a private folder."""
    return data_dir / "recovery"


def write(partial: Partial, data_dir: Path, store_broken: bool = False) -> Path:
    """Write a private recovery file in the data dir, else in the temp dir.

    When the store itself failed the data dir is likely the problem (full, read-only,
    misplaced), so the temp dir comes first.
    """
    text = render(partial)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    name = f"tokohelp-ticket-{stamp}-{secrets.token_hex(3)}.txt"
    last: OSError | None = None
    folders = [recovery_dir(data_dir), Path(tempfile.gettempdir())]
    for folder in reversed(folders) if store_broken else folders:
        try:
            return _write_private(folder, name, text)
        except OSError as exc:
            last = exc
    raise last or OSError("no place to write")


def _write_private(folder: Path, name: str, text: str) -> Path:
    if not folder.is_dir():
        folder.mkdir(parents=True, mode=0o700)
    path = folder / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError:
        with contextlib.suppress(OSError):
            path.unlink()
        raise
    return path


def keep_recovery(partial: Partial, data_dir: Path, store_broken: bool = False) -> Kept:
    """A recovery file, or the text itself when nothing can be written."""
    try:
        return Kept("recovery", path=write(partial, data_dir, store_broken))
    except OSError:
        return Kept("shown", text=render(partial))


def forget(path: Path, data_dir: Path) -> None:
    """Remove a recovery file once its ticket is stored (only our own files)."""
    with contextlib.suppress(OSError, ValueError):
        if path.resolve().parent == recovery_dir(data_dir).resolve():
            path.unlink()


class KeptError(TokohelpError):
    """An error after which the user's text was kept; the hint says where."""

    def __init__(self, message: str, hint: str, status: int, kept: Kept) -> None:
        super().__init__(message, hint)
        self.status = status  # type: ignore[assignment]
        self.kept = kept
