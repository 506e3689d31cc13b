"""Make untrusted text inert before it reaches a terminal.

Article files, ticket fields and server replies may carry ANSI/OSC escape
sequences or Rich markup; printed raw they could rewrite the screen, set the
window title or fake output.  Everything from outside passes through here.
"""

from __future__ import annotations

import re
from functools import cache

# CSI, OSC (terminated by BEL or ST), other two-byte ESC sequences, and C0/C1
# control characters except tab and newline.
_ESCAPES = (
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[@-Z\\-_]?"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)

# Rich reads "\\[" as an escaped bracket everywhere, and backslashes before a
# tag-like "[x...]" in pairs; rich.markup.escape gets the lone-bracket case wrong.
_MARKUP_SPECIAL = r"(\\*)(\[(?:[a-z#/@][^[]*?\])?)|(\\+)\Z"

_C1 = r"[\x7f-\x9f]"


@cache
def _pattern(source: str) -> re.Pattern[str]:
    """A pattern compiled on first use: most runs print only clean text, and compiling
    all three at import cost every run some 3M instructions (half a millisecond)."""
    return re.compile(source)


def strip_control(text: str) -> str:
    """Remove escape sequences and control characters, keeping tabs and newlines."""
    if text.isprintable():  # no control character at all, so no escape sequence either
        return text
    return _pattern(_ESCAPES).sub("", text.replace("\r\n", "\n"))


def _escape_one(match: re.Match[str]) -> str:
    backslashes, bracket, trailing = match.groups()
    if trailing:
        # Doubled, they cannot escape the markup that follows; the empty tag after them
        # takes the doubling back, so they print once whether or not markup follows.
        return trailing * 2 + "[dim][/dim]"
    if len(bracket) > 1:
        return backslashes * 2 + "\\" + bracket
    return backslashes + "\\["


def escape_markup(text: str) -> str:
    """Escape text for Rich markup so every character prints as itself."""
    if "[" not in text and "\\" not in text:  # nothing the pattern could match
        return text
    return _pattern(_MARKUP_SPECIAL).sub(_escape_one, text)


def inert(text: str) -> str:
    """Strip control sequences and escape Rich markup so text prints literally."""
    return escape_markup(strip_control(text))


def escape_c1(text: str) -> str:
    """Write DEL and C1 controls in JSON/TOML text as ``\\u00XX``: same data, inert on a terminal.

    ``json.dumps`` escapes C0 controls (ESC included) but keeps U+0080-U+009F raw with
    ``ensure_ascii=False``, and some terminals read U+009B as CSI.
    """
    return _pattern(_C1).sub(lambda m: f"\\u{ord(m.group()):04x}", text)
