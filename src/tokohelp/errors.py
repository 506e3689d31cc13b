"""Every exit status and the one exception hierarchy that maps onto them.

Core code raises a :class:`TokohelpError` subclass; the CLI turns it into one
line on stderr and the matching exit status in exactly one place
(``tokohelp.cli.main``).  Status 2 is Click's usage error and we reuse it for
"a required value is missing" so scripts see one meaning per number.
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """Documented exit statuses (see docs/exit-codes.md)."""

    OK = 0
    NO_MATCH = 1
    USAGE = 2
    NOT_FOUND = 3
    CONFIG = 4
    BAD_INPUT = 5
    BACKEND = 6
    STORAGE = 7
    ABORTED = 8
    INTERNAL = 70


class TokohelpError(Exception):
    """Base of every error we expect and explain; ``hint`` says what to do next."""

    status = ExitStatus.INTERNAL

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class UsageError(TokohelpError):
    """A required value is missing or an option value is invalid."""

    status = ExitStatus.USAGE


class NotFoundError(TokohelpError):
    """An article, category, channel, backend or ticket does not exist."""

    status = ExitStatus.NOT_FOUND


class ConfigError(TokohelpError):
    """The config file cannot be read or holds a wrong value."""

    status = ExitStatus.CONFIG


class MissingSecretError(ConfigError):
    """The config is right but the secret it names is not there (an unset variable).

    Unlike a wrong value this is a condition of the moment, like a server that is
    down: a ticket can be stored and sent once the secret is exported.
    """


class BadInputError(TokohelpError):
    """Input data is unusable: an attachment, a body file, an article."""

    status = ExitStatus.BAD_INPUT


class BackendError(TokohelpError):
    """A backend could not take the ticket; ``retryable`` says whether to try again."""

    status = ExitStatus.BACKEND

    def __init__(self, message: str, hint: str = "", *, retryable: bool = True,
                 retry_after: float | None = None) -> None:
        super().__init__(message, hint)
        self.retryable = retryable
        self.retry_after = retry_after


class StorageError(TokohelpError):
    """The ticket store or a user directory cannot be written."""

    status = ExitStatus.STORAGE


class AbortedError(TokohelpError):
    """The user stopped the action (empty body, answered no)."""

    status = ExitStatus.ABORTED


class NoMatchError(TokohelpError):
    """Nothing matched a search or a recommendation request."""

    status = ExitStatus.NO_MATCH
