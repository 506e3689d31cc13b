"""The message catalogue: every user-visible string goes through ``_`` or ``ngettext``.

Source strings (msgids) are English; the Indonesian catalogue translates them.  Until the
compiled catalogues are loaded, these return the English text unchanged.  ``N_`` marks a
string for extraction without translating it: help texts given at import time, which
are translated when shown.
"""

from __future__ import annotations


def _(message: str) -> str:
    """The translation of ``message`` in the active interface language."""
    return message


def ngettext(singular: str, plural: str, count: int) -> str:
    """The translation of a message with a count, choosing the plural form."""
    return singular if count == 1 else plural


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue; it is translated later, when shown."""
    return message
