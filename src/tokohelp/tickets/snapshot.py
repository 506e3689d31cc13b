"""Private copies of attachments taken when they are checked, so what is sent is what was checked.

Writing a ticket takes minutes; meanwhile the original file may be replaced (a
new screenshot, a same-size swap).  Each attachment is checked, copied at once
into a private folder next to the store, and the *copy* is checked again; the
ticket is filed from the copy.  Later changes to the original cannot reach the
help desk and cannot fail the ticket after the user has written it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from tokohelp.errors import BadInputError, StorageError
from tokohelp.i18n import _
from tokohelp.tickets.store import CheckedFile

CHUNK = 1 << 20


@contextlib.contextmanager
def staging(data_dir: Path) -> Iterator[Path]:
    """A private folder for this run's copies, removed when the run ends."""
    folder = data_dir / f".staging-{secrets.token_hex(6)}"
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def take(checked: list[CheckedFile], folder: Path) -> list[CheckedFile]:
    """Copy each checked file into ``folder`` and re-check the copy's size and type."""
    if not checked:
        return []
    try:
        folder.mkdir(parents=True, mode=0o700, exist_ok=True)
    except OSError as exc:
        raise StorageError(_("{path}: cannot copy attachments: {reason}").format(
            path=folder, reason=exc.strerror or exc)) from None
    return [_take_one(item, folder / f"{position}") for position, item in enumerate(checked)]


def _take_one(item: CheckedFile, target: Path) -> CheckedFile:
    from tokohelp.tickets.attachments import detect_type

    size = _copy_bounded(item, target)
    mime = detect_type(target) if size == item.size else ""
    if (size, mime) != (item.size, item.mime):
        raise BadInputError(
            _("{path}: the file changed while it was being attached").format(path=item.path),
            _("Attach it again once it is no longer being written."))
    return replace(item, path=target)


def _copy_bounded(item: CheckedFile, target: Path) -> int:
    """Copy at most one byte more than the checked size (a growing file must not fill the disk)."""
    copied = 0
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out, open(item.path, "rb") as src:
            while copied <= item.size and (chunk := src.read(min(CHUNK, item.size + 1 - copied))):
                out.write(chunk)
                copied += len(chunk)
    except OSError as exc:
        raise BadInputError(_("{path}: cannot read: {reason}").format(
            path=item.path, reason=exc.strerror or exc)) from None
    return copied
