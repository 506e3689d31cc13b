"""Checking attachments before they are copied into a ticket.

The type is detected from the content, never from the file name: a help desk
must not receive an executable renamed to ``shot.png``.  Allowed are common
images, PDF, plain UTF-8 text and short videos; everything else is refused
with the reason, as are missing, special, unreadable, empty or too large files.
"""

from __future__ import annotations

import codecs
import math
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tokohelp.config import Config
from tokohelp.errors import BadInputError
from tokohelp.i18n import N_, _
from tokohelp.safe import strip_control
from tokohelp.tickets.store import CheckedFile

MB = 1024 * 1024
MAX_MB = 1024      # a help desk takes files of a few MB; beyond this is a typo
MAX_COUNT = 100
# Names that promise a binary type: text under such a name is a disguised file.
BINARY_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "gif", "webp", "bmp", "tif", "tiff",
                               "heic", "avif", "pdf", "mp4", "webm", "mov"})
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp",
                         "image/tiff", "image/heic", "image/avif"})
VIDEO_TYPES = frozenset({"video/mp4", "video/webm", "video/quicktime"})
PDF_MAGIC = b"%PDF-"
TEXT_CHUNK = 64 * 1024
ALLOWED_HINT = N_("Attach images (PNG, JPEG, GIF, WebP, HEIC), PDF, plain text or "
                  "MP4/WebM/MOV video.")


@dataclass
class Limits:
    """Size and count limits, from ``[attachments]`` in the config file."""

    max_size: int = 10 * MB
    max_count: int = 5
    max_video: int = 25 * MB


def limits_from_config(cfg: Config) -> Limits:
    """Read ``max_size_mb``, ``max_count`` and ``max_video_mb``, each positive and bounded."""
    return Limits(max_size=int(_positive(cfg, "attachments.max_size_mb", 10, MAX_MB) * MB),
                  max_count=int(_positive(cfg, "attachments.max_count", 5, MAX_COUNT, int)),
                  max_video=int(_positive(cfg, "attachments.max_video_mb", 25, MAX_MB) * MB))


def _positive(cfg: Config, key: str, default: float, limit: float,
              kind: type | tuple[type, ...] = (int, float)) -> float:
    """A finite number above 0 and at most ``limit`` (inf and nan pass a plain ``> 0``)."""
    value = cfg.get(key, default, kind)
    if isinstance(value, bool) or not (math.isfinite(value) and 0 < value <= limit):
        raise cfg.fail(key, _("must be a number above 0 and at most {limit}").format(
            limit=limit))
    return value


def check_files(paths: list[Path], limits: Limits) -> list[CheckedFile]:
    """Validate every path; the first problem is a BadInputError naming the file."""
    if len(paths) > limits.max_count:
        raise BadInputError(
            _("{count} attachments given, at most {max_count} allowed").format(
                count=len(paths), max_count=limits.max_count),
            _("Attach fewer files, or raise [attachments] max_count in the config."))
    return [check_file(path, limits) for path in paths]


def check_file(path: Path, limits: Limits) -> CheckedFile:
    """One attachment: a readable regular file of an allowed type within its size limit."""
    size = _regular_size(path)
    mime = detect_type(path)
    limit = limits.max_video if mime in VIDEO_TYPES else limits.max_size
    if size > limit:
        key = "max_video_mb" if mime in VIDEO_TYPES else "max_size_mb"
        raise BadInputError(
            _("{path}: {size} is larger than the {limit} limit for {mime}").format(
                path=path, size=_mb(size), limit=_mb(limit), mime=mime),
            _("Shrink the file, or raise [attachments] {key}.").format(key=key))
    return CheckedFile(path=path, name=base_name(path), mime=mime, size=size)


def _regular_size(path: Path) -> int:
    """The size of an existing, regular, readable, non-empty file."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise BadInputError(_("{path}: no such file").format(path=path),
                            _("Check the path of --attach.")) from None
    except OSError as exc:
        raise BadInputError(_("{path}: cannot read: {reason}").format(
            path=path, reason=exc.strerror)) from None
    if not stat.S_ISREG(info.st_mode):
        raise BadInputError(_("{path}: not a regular file").format(path=path),
                            _("Attach a file, not a directory or device."))
    if not os.access(path, os.R_OK):
        raise BadInputError(_("{path}: not readable").format(path=path),
                            _("Check the file's permissions."))
    if info.st_size == 0:
        raise BadInputError(_("{path}: the file is empty").format(path=path))
    return info.st_size


def detect_type(path: Path) -> str:
    """The MIME type from the content; BadInputError with the reason when not allowed."""
    import filetype

    try:
        with open(path, "rb") as handle:
            head = handle.read(8192)
            kind = filetype.guess(head)
            if kind is not None:
                return _allowed_binary(path, kind.mime)
            if head.startswith(PDF_MAGIC):
                return "application/pdf"
            handle.seek(0)
            if _is_text(handle):
                return _text_under_its_name(path)
    except OSError as exc:
        raise BadInputError(_("{path}: cannot read: {reason}").format(
            path=path, reason=exc.strerror)) from None
    raise BadInputError(
        _("{path}: file type not allowed (binary data of unknown type)").format(path=path),
        _(ALLOWED_HINT))


def _text_under_its_name(path: Path) -> str:
    """Text is allowed, but not under a name that says image, PDF or video."""
    ext = path.suffix.lower().lstrip(".")
    if ext in BINARY_EXTENSIONS:
        raise BadInputError(_("{path}: the content is text, not what the name .{ext} says")
                            .format(path=path, ext=ext),
                            _("Attach the real file, or rename a text file to .txt."))
    return "text/plain"


def _allowed_binary(path: Path, mime: str) -> str:
    if mime in IMAGE_TYPES or mime in VIDEO_TYPES or mime == "application/pdf":
        return mime
    raise BadInputError(_("{path}: file type not allowed ({mime})").format(path=path, mime=mime),
                        _(ALLOWED_HINT))


def _is_text(handle: BinaryIO) -> bool:
    """UTF-8 throughout and no NUL bytes: what a help desk can show as text."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := handle.read(TEXT_CHUNK):
            if b"\0" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def base_name(path: Path) -> str:
    """The name sent to the backend: the last path component, without control characters."""
    name = strip_control(path.name).replace("\n", "").replace("\t", " ").strip()
    return name or "attachment"


def _mb(size: int) -> str:
    return f"{size / MB:.1f} MB"
