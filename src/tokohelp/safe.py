"""Make untrusted text inert before it reaches a terminal.

Article files, ticket fields and server replies may carry ANSI/OSC escape
sequences or Rich markup; printed raw they could rewrite the screen, set the
window title or fake output.  Everything from outside passes through here.
"""

from __future__ import annotations

import re

# CSI, OSC (terminated by BEL or ST), other two-byte ESC sequences, and C0/C1
# control characters except tab and newline.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[@-Z\\-_]?"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)


def strip_control(text: str) -> str:
    """Remove escape sequences and control characters, keeping tabs and newlines."""
    return _ESCAPES.sub("", text.replace("\r\n", "\n"))


def inert(text: str) -> str:
    """Strip control sequences and escape Rich markup so text prints literally."""
    from rich.markup import escape

    return escape(strip_control(text))
