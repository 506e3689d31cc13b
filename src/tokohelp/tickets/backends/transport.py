"""HTTP plumbing shared by the ``rt`` and ``http`` backends.

One place decides what a transport failure or an HTTP status means for the
sender: retry or not, how long to wait, and whether the request may already
have reached the server (``maybe_sent``), in which case the sender looks the
ticket up before trying again so a timeout never turns into a second ticket.

Two limits hold whatever the server does: a :class:`Session` (one backend
call) ends after ``DEADLINE_FACTOR`` x ``timeout`` seconds in total, however
slowly the server drips its answer, and no answer body larger than
``MAX_RESPONSE`` bytes is read.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import TYPE_CHECKING, Any

from tokohelp.errors import BackendError
from tokohelp.i18n import _

if TYPE_CHECKING:
    import httpx

MAX_RESPONSE = 32 * 1024 * 1024   # bytes; a ticket answer or a page of history is far smaller
DEADLINE_FACTOR = 4               # a whole backend call may take this many timeouts
CHUNK = 64 * 1024


class Deadline:
    """A total time limit for one backend call: when it passes, its sockets are shut down.

    httpx's timeouts bound each read and write; a server that sends one byte per
    second never trips them.  Shutting the sockets down makes the blocked read
    return at once, and ``expired`` tells the error classification why.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def start(self) -> None:
        """Start the clock, on a thread that never takes the process's signals.

        A signal the kernel hands to the timer thread would not interrupt the main
        thread's blocked read: Ctrl-C would wait for the socket timeout.  A new
        thread inherits the signal mask of the thread that starts it, so the mask
        is set around the start, with no window in between.
        """
        import signal

        if not hasattr(signal, "pthread_sigmask"):  # Windows: signals go to the main thread
            self._timer.start()
            return
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
        try:
            self._timer.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)

    def cancel(self) -> None:
        """Stop the clock (the call is over)."""
        self._timer.cancel()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore trace hook: remember every socket this call opens."""
        if event not in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None:
            self.watch(sock)

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down when the deadline passes (at once if it has)."""
        with self._lock:
            self._sockets.append(sock)
        if self.expired:
            self._shutdown(sock)

    def _expire(self) -> None:
        self.expired = True
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            self._shutdown(sock)

    @staticmethod
    def _shutdown(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):  # already closed: nothing left to stop
            sock.shutdown(socket.SHUT_RDWR)


class Session:
    """One backend call: an httpx client, its deadline and the label errors carry."""

    def __init__(self, settings: dict[str, Any], label: str, **kwargs: Any) -> None:
        self.label = label
        self.client = make_client(settings, **kwargs)
        self.deadline = Deadline(DEADLINE_FACTOR * float(settings["timeout"]))

    def __enter__(self) -> Session:
        self.deadline.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.deadline.cancel()
        self.client.close()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One HTTP request with a capped body; failures become BackendErrors."""
        import httpx

        if self.deadline.expired:
            raise self._too_slow(method)
        request = self.client.build_request(method, url, **kwargs)
        request.extensions["trace"] = self.deadline.trace
        try:
            response = self.client.send(request, stream=True)
            try:
                read_capped(response, self.label)
            finally:
                response.close()
        except httpx.RequestError as exc:  # transport failures and undecodable bodies
            if self.deadline.expired:
                raise self._too_slow(method) from None
            raise transport_error(self.label, method, exc) from None
        return response

    def _too_slow(self, method: str) -> BackendError:
        err = BackendError(_("{label}: no complete answer within {seconds:.0f} s").format(
                               label=self.label, seconds=self.deadline.seconds),
                           _("The ticket may have arrived; tokohelp checks before sending "
                             "again."))
        err.maybe_sent = method.upper() in ("POST", "PUT")
        return err


def make_client(settings: dict[str, Any], **kwargs: Any) -> httpx.Client:
    """A client with the configured timeout, TLS verification always on, no redirects."""
    import httpx

    timeout = float(settings["timeout"])
    return httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
                        verify=tls_context(settings.get("ca_file")),
                        follow_redirects=False, **kwargs)


def tls_context(ca_file: str | None) -> Any:
    """Verification on; ``ca_file`` only adds trust in a company CA, never removes checks.

    A ``ca_file`` that cannot be read or holds no certificate is a fix-the-config
    failure: retrying cannot help, so it is not retryable.
    """
    import ssl

    context = ssl.create_default_context()
    if ca_file:
        try:
            context.load_verify_locations(cafile=ca_file)
        except (OSError, ssl.SSLError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or _("no PEM certificate in it")
            raise BackendError(_("ca_file {path} cannot be used: {reason}").format(
                                   path=ca_file, reason=reason),
                               _("Point ca_file at a readable PEM certificate, then run "
                                 "'tokohelp config check'."), retryable=False) from None
    return context


def read_capped(response: httpx.Response, label: str) -> None:
    """Read the body into ``response`` unless it is larger than ``MAX_RESPONSE``."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_RESPONSE:
        raise _too_large(label, int(declared))
    body = bytearray()
    for chunk in response.iter_bytes(CHUNK):
        body += chunk
        if len(body) > MAX_RESPONSE:
            raise _too_large(label, len(body))
    response._content = bytes(body)  # what response.read() would have stored


def _too_large(label: str, size: int) -> BackendError:
    err = BackendError(_("{label}: the answer is larger than {limit} MB ({size} bytes)").format(
                           label=label, limit=MAX_RESPONSE // (1024 * 1024), size=size),
                       _("Check the backend url; a help desk answers with a short JSON "
                         "object."), retryable=False)
    err.maybe_sent = True
    return err


def transport_error(label: str, method: str, exc: Exception) -> BackendError:
    """Classify a failure below HTTP: TLS, refused connection, timeout or a cut connection."""
    import httpx

    if _tls_failure(exc):
        return BackendError(_("{label}: TLS handshake failed ({reason})").format(
                                label=label, reason=_tls_reason(exc)),
                            _("Check the URL scheme and the server certificate; "
                              "TLS verification cannot be turned off."), retryable=False)
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
        return BackendError(_("{label}: cannot connect ({reason})").format(
                                label=label, reason=_short(exc)),
                            _("Check your connection and that the server is up; "
                              "the ticket stays queued."))
    if isinstance(exc, httpx.LocalProtocolError):
        return BackendError(_("{label}: the request cannot be sent ({reason})").format(
                                label=label, reason=_short(exc)),
                            _("Check the backend settings with 'tokohelp config check'."),
                            retryable=False)
    err = BackendError(_("{label}: {reason} before the server answered").format(
                           label=label, reason=_what(exc)),
                       _("The ticket may have arrived; tokohelp checks before sending again."))
    err.maybe_sent = method.upper() in ("POST", "PUT")
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
        return _("certificate not trusted")
    if "wrong version" in text or "record layer" in text or "packet length" in text:
        return _("the server does not speak TLS on this port")
    return _short(exc)


def _what(exc: Exception) -> str:
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return _("timed out")
    return _("the connection was cut")


def _short(exc: BaseException) -> str:
    from tokohelp.redact import redact

    text = str(exc).strip() or type(exc).__name__
    return redact(text.splitlines()[0][:160])


def raise_for_status(response: httpx.Response, label: str, *, creating: bool = False) -> None:
    """Turn a non-2xx response into a BackendError with retry advice."""
    code = response.status_code
    if code < 300:
        return
    detail = server_message(response)
    if code in (429, 503):
        raise BackendError(_("{label}: server busy (HTTP {code}){detail}").format(
                               label=label, code=code, detail=detail),
                           _("tokohelp retries later."), retry_after=retry_after(response))
    if code in (401, 403):
        raise BackendError(_("{label}: access denied (HTTP {code}){detail}").format(
                               label=label, code=code, detail=detail),
                           _("Check the user name and the secret the config names."),
                           retryable=False)
    if code >= 500 or code in (408, 409):
        err = BackendError(_("{label}: server error (HTTP {code}){detail}").format(
                               label=label, code=code, detail=detail),
                           _("tokohelp retries; the ticket stays queued."),
                           retry_after=retry_after(response))
        err.maybe_sent = creating and code not in (409, 503)
        raise err
    raise BackendError(_("{label}: request refused (HTTP {code}){detail}").format(
                           label=label, code=code, detail=detail),
                       _("Check the backend settings with 'tokohelp config check'."),
                       retryable=False)


def server_message(response: httpx.Response) -> str:
    """A short, printable reason from the server's error body; a secret it echoes is masked."""
    from tokohelp.redact import redact
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
    if isinstance(data, dict) and remote_id(data.get("id")):
        return data
    err = BackendError(_("{label}: HTTP {code} without a ticket id in the answer").format(
                           label=label, code=response.status_code),
                       _("tokohelp checks whether the ticket arrived before sending again."))
    err.maybe_sent = True
    raise err


def remote_id(value: Any) -> str | None:
    """A ticket id as text: a non-empty string or a whole number, nothing else."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value).strip()
    return text if text and len(text) <= 200 else None


def read_attachment(path: Any) -> bytes:
    """The stored copy of an attachment; a missing copy fails this ticket, not the others."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise BackendError(_("attachment copy {path} cannot be read: {reason}").format(
                               path=path, reason=exc.strerror or type(exc).__name__),
                           _("The ticket store is damaged; attach the file to a new "
                             "ticket."), retryable=False) from None
