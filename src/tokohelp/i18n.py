"""The message catalogue: every user-visible string goes through ``_`` or ``ngettext``.

Source strings (msgids) are English; ``locale/id/LC_MESSAGES/tokohelp.po`` translates
them and its compiled ``.mo`` ships inside the package.  :func:`activate` loads the
catalogue of one language, once per process, and only that one; English needs none.
``N_`` marks a string for extraction without translating it: help texts defined at
import time, which the CLI translates when it shows them.

The run's Session decides the language and calls :func:`activate` before anything is
printed; until then (and in core code used as a library) messages stay English.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

DOMAIN = "tokohelp"
LOCALE_DIR = Path(__file__).parent / "locale"
SOURCE_LANG = "en"


class _Active:
    """The active language and its loaded catalogue (one per process, swapped by activate)."""

    lang = SOURCE_LANG
    catalogue: Any = None  # a gettext.GNUTranslations, or None for English
    loaded: dict[str, Any] = {}  # noqa: RUF012 - a per-process cache, never shared out


def activate(lang: str) -> None:
    """Make ``lang`` the language of every later ``_()``; load its catalogue on first use."""
    if lang == _Active.lang:
        return
    _Active.lang = lang
    _Active.catalogue = None if lang == SOURCE_LANG else _load(lang)


def active_lang() -> str:
    """The language messages are in now."""
    return _Active.lang


def _load(lang: str) -> Any:
    """The compiled catalogue of ``lang`` (None when it is not shipped: English shows)."""
    if lang not in _Active.loaded:
        import gettext

        path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
        try:
            with path.open("rb") as handle:
                _Active.loaded[lang] = gettext.GNUTranslations(handle)
        except OSError:
            _Active.loaded[lang] = None
    return _Active.loaded[lang]


def _(message: str) -> str:
    """The translation of ``message`` in the active interface language."""
    catalogue = _Active.catalogue
    return catalogue.gettext(message) if catalogue is not None else message


def ngettext(singular: str, plural: str, count: int) -> str:
    """The translation of a message with a count, choosing the plural form."""
    catalogue = _Active.catalogue
    if catalogue is not None:
        return catalogue.ngettext(singular, plural, count)
    return singular if count == 1 else plural


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue; it is translated later, when shown."""
    return message


# --- dates and times, in local time and the active language's form ---------------

MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
           "September", "Oktober", "November", "Desember"),
}


def format_date(iso: str, lang: str | None = None) -> str:
    """``2026-11-25`` as "25 November 2026" (id: "25 November 2026", "3 Mei 2026").

    Both languages put the day first; a value that is not an ISO date is returned as is.
    """
    try:
        year, month, day = (int(part) for part in iso[:10].split("-"))
        name = MONTHS.get(lang or _Active.lang, MONTHS["en"])[month - 1]
    except (ValueError, IndexError):
        return iso
    return f"{day} {name} {year}"


def format_datetime(timestamp: float, lang: str | None = None) -> str:
    """A Unix time in local time: "25 November 2026, 14:05" (id: "25 November 2026 14.05")."""
    local = time.localtime(timestamp)
    day = format_date(time.strftime("%Y-%m-%d", local), lang)
    if (lang or _Active.lang) == "id":
        return f"{day} {local.tm_hour:02d}.{local.tm_min:02d}"
    return f"{day}, {local.tm_hour:02d}:{local.tm_min:02d}"
