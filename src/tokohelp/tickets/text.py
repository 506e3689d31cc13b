"""The rules for what a ticket may contain: one-line fields, the message, e-mail addresses.

Everything typed or read from a file is untrusted: control characters go, a
one-line field is collapsed to single spaces and bounded, text that is not
valid UTF-8 (a file, stdin, or bytes in the command line that the locale could
not decode) is refused with the place it came from, and reading stops at the
size limit instead of reading an endless source such as ``/dev/zero``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import BinaryIO

from tokohelp.errors import BadInputError, UsageError
from tokohelp.i18n import _
from tokohelp.safe import strip_control

MAX_SUBJECT = 200
MAX_BODY = 100_000
MAX_BODY_BYTES = MAX_BODY * 4 + 3  # UTF-8 takes at most 4 bytes a character, plus a BOM
ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
LOCAL_PART = re.compile(rf"{ATEXT}(?:\.{ATEXT})*")
LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def check_utf8(text: str, source: str) -> str:
    """Refuse text holding bytes the locale could not decode (``surrogateescape`` in argv)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadInputError(
            _("{source} is not valid UTF-8 (character {position})").format(
                source=source, position=exc.start + 1),
            _("Type it again in a UTF-8 terminal (check LANG, for example LANG=C.UTF-8).")
        ) from None
    return text


def one_line(text: str | None, source: str, limit: int = MAX_SUBJECT) -> str:
    """A one-line field: no control characters, single spaces, at most ``limit`` characters."""
    cleaned = " ".join(strip_control(check_utf8(text or "", source)).split())
    return cleaned[:limit]


def clean_body(text: str, source: str) -> str:
    """The message: no control characters (tabs and newlines stay), not empty, bounded."""
    body = strip_control(check_utf8(text, source)).strip()
    if not body:
        raise UsageError(_("{source} is empty").format(source=source),
                         _("Describe the problem in the message."))
    if len(body) > MAX_BODY:
        raise BadInputError(
            _("{source} is too long ({count} characters, at most {limit})").format(
                source=source, count=len(body), limit=MAX_BODY),
            _("Shorten it, or attach the long part as a text file."))
    return body


def decode(raw: bytes, source: str) -> str:
    """UTF-8 (a BOM is dropped); anything else is a BadInputError naming the source."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInputError(
            _("{source} is not valid UTF-8 (byte {byte})").format(source=source, byte=exc.start),
            _("Save the text as UTF-8 (or convert it with iconv).")) from None


def read_bounded(stream: BinaryIO, source: str) -> bytes:
    """Read at most the size limit; an endless or huge source is refused, not read to the end."""
    raw = stream.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise BadInputError(
            _("{source} is too long (more than {limit} characters)").format(
                source=source, limit=MAX_BODY),
            _("Shorten it, or attach the long part as a text file."))
    return raw


def read_file(path: Path, source: str) -> bytes:
    """The bytes of a body file, bounded; an unreadable file is a clear error."""
    try:
        with open(path, "rb") as handle:
            return read_bounded(handle, source)
    except OSError as exc:
        raise BadInputError(_("{path}: cannot read the body file: {reason}").format(
            path=path, reason=exc.strerror or exc)) from None


def check_email(value: str) -> str:
    """An address every backend can carry: an ASCII local part, a domain in its ASCII form.

    Internationalised domains are converted (``bücher.de`` -> ``xn--bcher-kva.de``);
    what no backend can deliver (spaces, commas, quotes, angle brackets, a
    non-ASCII local part, a trailing dot, an IP address) is refused.  The same rules
    as ``tickets.addresses.normalise_email`` on the faults branch (issue 13 item 1).
    """
    address = check_utf8(value, "--email").strip()
    local, at, domain = address.rpartition("@")
    if not at or not LOCAL_PART.fullmatch(local) or len(local) > 64:
        raise _bad_email(value)
    checked = f"{local}@{_ascii_domain(domain, value)}"
    if len(checked) > 254:
        raise _bad_email(value)
    return checked


def _ascii_domain(domain: str, value: str) -> str:
    """The domain in its ASCII form; a trailing dot or an IP address is refused (RT drops them)."""
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise _bad_email(value) from None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(LABEL.fullmatch(label) for label in labels):
        raise _bad_email(value)
    if labels[-1].isdigit():
        raise _bad_email(value)
    return ascii_domain


def _bad_email(value: str) -> UsageError:
    return UsageError(
        _("{value!r} is not an e-mail address a help desk can reply to").format(
            value=strip_control(value.encode("utf-8", "replace").decode("utf-8"))),
        _("Give one plain address such as name@example.com (no spaces, commas or quotes)."))


def strip_comments(text: str) -> str:
    """Drop lines starting with '#', as git does for commit messages."""
    kept = [line for line in text.splitlines() if not line.startswith("#")]
    return "\n".join(kept).strip()


def lenient(raw: bytes) -> str:
    """Text from bytes that may not be UTF-8, for keeping (never for sending as is)."""
    return raw.decode("utf-8", "replace")
