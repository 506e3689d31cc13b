"""E-mail addresses every backend can carry, checked before a ticket is stored.

Request Tracker silently rewrites or drops a requestor it cannot parse
(``<x@example.com>``, ``"q"@example.com``, ``a,b@example.com``, a trailing
dot, a non-ASCII local part, an IDN domain), and SMTP needs a single plain
address for ``Reply-To``.  So an address is accepted only as a plain
``local@domain``: the local part a dot-atom of ASCII characters, the domain
converted to its ASCII (IDNA) form.  Anything else is refused with the reason.
"""

from __future__ import annotations

import re

from tokohelp.errors import BackendError
from tokohelp.i18n import _

MAX_LOCAL = 64
MAX_ADDRESS = 254
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*")
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")


def normalise_email(value: str) -> str:
    """The address in the form backends carry; ValueError saying what is wrong otherwise."""
    text = value.strip()
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        raise ValueError(_("it needs the form name@example.com"))
    if not _LOCAL.fullmatch(local):
        raise ValueError(_("the part before @ may hold only ASCII letters, digits, dots "
                           "(not first, last or doubled) and !#$%&'*+/=?^_`{|}~-"))
    if len(local) > MAX_LOCAL:
        raise ValueError(_("the part before @ is longer than {limit} characters").format(
            limit=MAX_LOCAL))
    address = f"{local}@{ascii_domain(domain)}"
    if len(address) > MAX_ADDRESS:
        raise ValueError(_("it is longer than {limit} characters").format(limit=MAX_ADDRESS))
    return address


def ascii_domain(domain: str) -> str:
    """``bücher.de`` -> ``xn--bcher-kva.de``; ValueError for what no mail server accepts."""
    try:
        converted = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(_("the domain after @ is not a valid host name")) from None
    labels = converted.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        raise ValueError(_("the domain after @ needs the form example.com (letters, digits, "
                           "hyphens and dots, no dot at the end)"))
    if labels[-1].isdigit():
        raise ValueError(_("the domain after @ must be a name, not an IP address"))
    return converted


def deliverable_email(email: str) -> str:
    """A stored ticket's address for sending; one no backend can carry fails this ticket.

    Tickets stored before addresses were checked may hold such an address; retrying
    cannot help, so the error is final and says what to do.
    """
    try:
        return normalise_email(email)
    except ValueError as exc:
        raise BackendError(_("the ticket's email address cannot be used: {reason}").format(
                               reason=exc), _("File it again with a plain address such as "
                                              "name@example.com."), retryable=False) from None
