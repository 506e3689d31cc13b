"""The contract every backend implements.

A backend does ONE attempt per call and raises ``BackendError`` on failure,
with ``retryable`` and ``retry_after`` set from what the server said; retries,
backoff and the "did the timed-out attempt land?" check live in the sender.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from tokohelp.tickets.model import RemoteRef, RemoteStatus, Ticket


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

    def remote_status(self, remote_id: str) -> RemoteStatus | None:
        """Status and replies where the backend can tell; None where it cannot."""
        return None

    @abstractmethod
    def check(self) -> str:
        """Connect and authenticate; return a one-line description of what works."""

    @abstractmethod
    def describe(self, ticket: Ticket) -> dict[str, Any]:
        """Exactly what send() would transmit, secrets masked (for --dry-run)."""
