"""HTTP plumbing shared by the ``rt`` and ``http`` backends.

One place decides what a transport failure or an HTTP status means for the
sender: retry or not, how long to wait, and whether the request may already
have reached the server (``maybe_sent``), in which case the sender looks the
ticket up before trying again so a timeout never turns into a second ticket.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tokohelp.errors import BackendError

if TYPE_CHECKING:
    import httpx

MASK = "****"
SECRET_HEADERS = ("authorization", "proxy-authorization", "cookie", "x-api-key")


def make_client(settings: dict[str, Any], **kwargs: Any) -> httpx.Client:
    """A client with the configured timeout, TLS verification always on, no redirects."""
    import httpx

    timeout = float(settings["timeout"])
    return httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
                        verify=tls_context(settings.get("ca_file")),
                        follow_redirects=False, **kwargs)


def tls_context(ca_file: str | None) -> Any:
    """Verification on; ``ca_file`` only adds trust in a company CA, never removes checks."""
    import ssl

    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


def request(client: httpx.Client, label: str, method: str, url: str,
            **kwargs: Any) -> httpx.Response:
    """One HTTP request; transport failures become BackendErrors the sender understands."""
    import httpx

    try:
        return client.request(method, url, **kwargs)
    except httpx.TransportError as exc:
        raise transport_error(label, method, exc) from None


def transport_error(label: str, method: str, exc: Exception) -> BackendError:
    """Classify a failure below HTTP: TLS, refused connection, timeout or a cut connection."""
    import httpx

    if _tls_failure(exc):
        return BackendError(f"{label}: TLS handshake failed ({_tls_reason(exc)})",
                            "Check the URL scheme and the server certificate; "
                            "TLS verification cannot be turned off.", retryable=False)
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
        return BackendError(f"{label}: cannot connect ({_short(exc)})",
                            "Check your connection and that the server is up; "
                            "the ticket stays queued.")
    err = BackendError(f"{label}: {_what(exc)} before the server answered",
                       "The ticket may have arrived; tokohelp checks before sending again.")
    err.maybe_sent = method.upper() == "POST"
    return err


def _tls_failure(exc: BaseException) -> bool:
    import ssl

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return "SSL" in str(exc) or "CERTIFICATE" in str(exc)


def _tls_reason(exc: BaseException) -> str:
    text = str(exc).lower()
    if "certificate" in text or "verify" in text:
        return "certificate not trusted"
    if "wrong version" in text or "record layer" in text or "packet length" in text:
        return "the server does not speak TLS on this port"
    return _short(exc)


def _what(exc: Exception) -> str:
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    return "the connection was cut"


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:160]


def raise_for_status(response: httpx.Response, label: str, *, creating: bool = False) -> None:
    """Turn a non-2xx response into a BackendError with retry advice."""
    code = response.status_code
    if code < 300:
        return
    detail = server_message(response)
    if code in (429, 503):
        raise BackendError(f"{label}: server busy (HTTP {code}){detail}",
                           "tokohelp retries later.", retry_after=retry_after(response))
    if code in (401, 403):
        raise BackendError(f"{label}: access denied (HTTP {code}){detail}",
                           "Check the user name and the secret the config names.",
                           retryable=False)
    if code >= 500 or code in (408, 409):
        err = BackendError(f"{label}: server error (HTTP {code}){detail}",
                           "tokohelp retries; the ticket stays queued.",
                           retry_after=retry_after(response))
        err.maybe_sent = creating and code not in (409, 503)
        raise err
    raise BackendError(f"{label}: request refused (HTTP {code}){detail}",
                       "Check the backend settings with 'tokohelp config check'.",
                       retryable=False)


def server_message(response: httpx.Response) -> str:
    """A short, printable reason from the server's error body; a secret it echoes is masked."""
    from tokohelp.logs import redact
    from tokohelp.safe import strip_control

    try:
        data = response.json()
    except ValueError:
        data = None
    text = (data.get("message") or data.get("error") or "") if isinstance(data, dict) else ""
    text = redact(strip_control(str(text))).strip().replace("\n", " ")[:200]
    return f": {text}" if text else ""


def retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` as seconds, from either delta-seconds or an HTTP date."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    from datetime import datetime, timezone
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def json_body(response: httpx.Response, label: str) -> dict[str, Any]:
    """The JSON object a successful create returned; anything else is an unknown outcome."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict) and data.get("id") not in (None, ""):
        return data
    err = BackendError(f"{label}: HTTP {response.status_code} without a ticket id in the answer",
                       "tokohelp checks whether the ticket arrived before sending again.")
    err.maybe_sent = True
    raise err


def masked_headers(headers: dict[str, str]) -> dict[str, str]:
    """Headers as --dry-run shows them: credentials replaced by ``****``."""
    return {k: (MASK if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}


def read_attachment(path: Any) -> bytes:
    """The stored copy of an attachment; a missing copy is a store problem, not the server's."""
    from tokohelp.errors import StorageError

    try:
        return path.read_bytes()
    except OSError as exc:
        raise StorageError(f"attachment copy {path} cannot be read: {exc.strerror}",
                           "The ticket store is damaged; attach the file to a new ticket.") \
            from None
