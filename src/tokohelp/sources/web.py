"""Requests with the ticket sender's manners: TLS always verified, 429/5xx retried politely.

A source answers many small requests, so one busy moment must not fail a whole sync:
``Retry-After`` is honoured (capped), other server errors back off exponentially, and
only a bounded number of attempts is made before the source is reported as failed.
Each attempt is one :class:`~tokohelp.tickets.backends.transport.Session`, so it has the
backends' total deadline and response-size cap: a source that drips or floods its answer
fails that request instead of hanging the sync.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from tokohelp.errors import BackendError
from tokohelp.i18n import _
from tokohelp.tickets.backends import transport

if TYPE_CHECKING:
    import httpx

ATTEMPTS = 4
MAX_WAIT = 60.0


class Fetcher:
    """What every request of one source carries: its settings and its headers."""

    def __init__(self, settings: dict[str, Any], headers: dict[str, str]) -> None:
        self.settings, self.headers = settings, headers

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def get_json(client: Fetcher, label: str, url: str, *, method: str = "GET",
             missing_ok: bool = False, sleep: Any = time.sleep, **kwargs: Any) -> Any:
    """The decoded JSON body of a successful request; a BackendError after the last attempt.

    With ``missing_ok`` a 404 answers None: the record is gone at the source.
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with transport.Session(client.settings, label, headers=client.headers) as http:
                response = http.request(method, url, **kwargs)
            if missing_ok and response.status_code == 404:
                return None
            transport.raise_for_status(response, label)
            return _decode(response, label)
        except BackendError as exc:
            if not exc.retryable or attempt == ATTEMPTS:
                raise
            sleep(min(MAX_WAIT, exc.retry_after if exc.retry_after is not None
                      else 2.0 ** (attempt - 1)))
    raise AssertionError("unreachable")  # pragma: no cover


def _decode(response: httpx.Response, label: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise BackendError(_("{label}: the answer is not JSON (HTTP {code})").format(
                               label=label, code=response.status_code),
                           _("Check the source URL with 'tokohelp config check'."),
                           retryable=False) from None
