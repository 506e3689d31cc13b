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
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tokohelp.errors import BadInputError, StorageError
from tokohelp.i18n import _
from tokohelp.tickets.store import CheckedFile

CHUNK = 1 << 20


@contextlib.contextmanager
def staging() -> Iterator[Path]:
    """A private folder for this run's copies (mode 0700, in the temp dir), removed at the end.

    Not in the data dir: when that is full or broken the ticket must still get as far as
    the store, whose failure keeps the user's text.
    """
    folder = Path(tempfile.gettempdir()) / f"tokohelp-attach-{secrets.token_hex(6)}"
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
    except OSError:
        return checked  # the store copies (and re-checks the size of) the originals
    return [_take_one(item, folder / f"{position}") for position, item in enumerate(checked)]


def _take_one(item: CheckedFile, target: Path) -> CheckedFile:
    """The checked copy; when no copy can be written, the original (the store re-checks it)."""
    from tokohelp.logs import log
    from tokohelp.tickets.attachments import detect_type

    try:
        size = _copy_bounded(item, target)
    except StorageError as exc:
        log.debug("attachment not copied ahead (%s); the store copies the original", exc.message)
        with contextlib.suppress(OSError):
            target.unlink()
        return item
    try:
        mime = detect_type(target) if size == item.size else ""
    except BadInputError:
        mime = ""  # refused now: it was another file when it was checked
    if (size, mime) != (item.size, item.mime):
        raise BadInputError(
            _("{path}: the file changed while it was being attached").format(path=item.path),
            _("Attach it again once it is no longer being written."))
    return CheckedFile(target, item.name, item.mime, item.size)


def _copy_bounded(item: CheckedFile, target: Path) -> int:
    """Copy at most one byte more than the checked size (a growing file must not fill the disk)."""
    copied = 0
    try:
        src = open(item.path, "rb")  # noqa: SIM115 - closed below, errors told apart
    except OSError as exc:
        raise BadInputError(_("{path}: cannot read: {reason}").format(
            path=item.path, reason=exc.strerror or exc)) from None
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            while copied <= item.size and (chunk := src.read(min(CHUNK, item.size + 1 - copied))):
                out.write(chunk)
                copied += len(chunk)
    except OSError as exc:
        raise StorageError(_("{path}: cannot copy the attachment: {reason}").format(
            path=target, reason=exc.strerror or exc),
            _("Check free space in the temp dir ({folder}).").format(folder=target.parent)
        ) from None
    finally:
        src.close()
    return copied
