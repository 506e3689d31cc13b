"""The contract every backend implements.

A backend does ONE attempt per call and raises ``BackendError`` on failure,
with ``retryable`` and ``retry_after`` set from what the server said; retries,
backoff and the "did the timed-out attempt land?" check live in the sender.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from tokohelp.tickets.model import RemoteRef, RemoteStatus, Reply, Ticket

REPLY_KEY_LINE = "tokohelp-reply-id: {key}"


class Backend(ABC):
    """A place tickets can be sent to."""

    kind: str = ""

    def __init__(self, name: str, settings: dict[str, Any], secret: str | None) -> None:
        self.name = name
        self.settings = settings
        self._secret = secret  # never printed; see describe()

    @abstractmethod
    def send(self, ticket: Ticket) -> RemoteRef:
        """Create the ticket remotely (one attempt), carrying ticket.idempotency_key."""

    @abstractmethod
    def find_existing(self, ticket: Ticket) -> RemoteRef | None:
        """After an attempt with unknown outcome: the remote ticket if it was created."""

    def send_reply(self, ticket: Ticket, reply: Reply) -> RemoteRef:
        """Add ``reply`` to the sent ``ticket`` at the desk (one attempt, carrying its key)."""
        from tokohelp.errors import BackendError
        from tokohelp.i18n import _

        raise BackendError(_("backend '{name}' cannot send replies").format(name=self.name),
                           _("Answer through the help desk's own page instead."),
                           retryable=False)

    def find_reply(self, ticket: Ticket, reply: Reply) -> RemoteRef | None:
        """After a reply attempt of unknown outcome: the reply at the desk, if it arrived."""
        return None

    def describe_reply(self, ticket: Ticket, reply: Reply) -> dict[str, Any]:
        """Exactly what send_reply() would transmit, secrets masked (for --dry-run)."""
        return {}

    def remote_status(self, remote_id: str) -> RemoteStatus | None:
        """Status and replies where the backend can tell; None where it cannot."""
        return None

    @abstractmethod
    def check(self) -> str:
        """Connect and authenticate; return a one-line description of what works."""

    @abstractmethod
    def describe(self, ticket: Ticket) -> dict[str, Any]:
        """Exactly what send() would transmit, secrets masked (for --dry-run)."""
