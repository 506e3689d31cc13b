"""E-mail over SMTP: STARTTLS, implicit TLS, or clear text to loopback only.

SMTP cannot be asked whether a message arrived, so ``find_existing`` always
returns None and a retry resends.  The resend carries the same Message-ID,
``<tokohelp-KEY@tokohelp.invalid>``, derived from the ticket's idempotency
key: help desks and mail stores drop a second message with a known
Message-ID, which is how duplicates are recognised at the receiving side.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from tokohelp.errors import BackendError
from tokohelp.i18n import _
from tokohelp.redact import MASK
from tokohelp.tickets.addresses import deliverable_email
from tokohelp.tickets.backends import transport
from tokohelp.tickets.backends.base import REPLY_KEY_LINE, Backend
from tokohelp.tickets.backends.rt import content
from tokohelp.tickets.model import RemoteRef, Reply, Ticket

if TYPE_CHECKING:
    import smtplib
    from email.message import EmailMessage

MESSAGE_ID_DOMAIN = "tokohelp.invalid"


class EmailBackend(Backend):
    """Sends each ticket as one MIME message to the configured address."""

    kind = "email"

    @property
    def label(self) -> str:
        """How errors name this backend."""
        return _("backend '{name}' (SMTP {host}:{port})").format(
            name=self.name, host=self.settings["host"], port=self.settings["port"])

    def send(self, ticket: Ticket) -> RemoteRef:
        """Connect, secure, log in, then hand over the message; one attempt."""
        message = self.message(ticket)
        with self._deadline() as deadline:
            smtp = self._guard(lambda: self._open(deadline), deadline, delivering=False)
            try:
                self._guard(lambda: self._hand_over(smtp, message), deadline, delivering=True)
            finally:
                _close(smtp)
        return RemoteRef(remote_id=message["Message-ID"])

    def find_existing(self, ticket: Ticket) -> RemoteRef | None:
        """SMTP cannot tell; the receiver deduplicates by the stable Message-ID."""
        return None

    def send_reply(self, ticket: Ticket, reply: Reply) -> RemoteRef:
        """A reply message threaded to the ticket's message; a resend has the same Message-ID."""
        message = self.reply_message(ticket, reply)
        with self._deadline() as deadline:
            smtp = self._guard(lambda: self._open(deadline), deadline, delivering=False)
            try:
                self._guard(lambda: self._hand_over(smtp, message), deadline, delivering=True)
            finally:
                _close(smtp)
        return RemoteRef(remote_id=message["Message-ID"])

    def describe_reply(self, ticket: Ticket, reply: Reply) -> dict[str, Any]:
        """The reply message send_reply() would deliver; password masked, files summarised."""
        message = self.reply_message(ticket, reply, with_files=False)
        return {"smtp": f"{self.settings['host']}:{self.settings['port']}",
                "security": self.settings["security"], "login": self.settings["username"],
                "password": MASK if self._secret else None, "headers": dict(message.items()),
                "body": reply_text(reply),
                "attachments": [{"name": a.name, "mime": a.mime, "size": a.size}
                                for a in reply.attachments]}

    def reply_message(self, ticket: Ticket, reply: Reply, *,
                      with_files: bool = True) -> EmailMessage:
        """``Re: subject`` with In-Reply-To/References to the ticket's Message-ID."""
        from email.message import EmailMessage
        from email.utils import formatdate

        original = ticket.remote_id or message_id(ticket)
        message = EmailMessage()
        message["From"] = self.settings["from"]
        message["To"] = self.settings["to"]
        message["Subject"] = subject_header("Re: " + _one_line(ticket.subject))
        message["Date"] = formatdate(localtime=True)
        message["Message-ID"] = reply_message_id(reply)
        message["In-Reply-To"] = original
        message["References"] = original
        if ticket.email:
            message["Reply-To"] = deliverable_email(ticket.email)
        message["X-Tokohelp-Id"] = _safe_key(reply.idempotency_key)
        message.set_content(reply_text(reply))
        _attach(message, reply.attachments if with_files else [])
        return message

    def check(self) -> str:
        """Connect, secure and log in without sending anything."""
        with self._deadline() as deadline:
            _close(self._guard(lambda: self._open(deadline), deadline, delivering=False))
        login = f", logged in as {self.settings['username']}" if self.settings["username"] else ""
        return (f"SMTP at {self.settings['host']}:{self.settings['port']} "
                f"({self.settings['security']}{login}) to {self.settings['to']}")

    def describe(self, ticket: Ticket) -> dict[str, Any]:
        """The message send() would deliver; the password is masked, files summarised."""
        message = self.message(ticket, with_files=False)
        return {"smtp": f"{self.settings['host']}:{self.settings['port']}",
                "security": self.settings["security"],
                "login": self.settings["username"],
                "password": MASK if self._secret else None,
                "headers": dict(message.items()),
                "body": content(ticket),
                "attachments": [{"name": a.name, "mime": a.mime, "size": a.size}
                                for a in ticket.attachments]}

    def message(self, ticket: Ticket, *, with_files: bool = True) -> EmailMessage:
        """A MIME message: text body with the ticket footer, one part per attachment."""
        from email.message import EmailMessage
        from email.utils import formatdate

        message = EmailMessage()
        message["From"] = self.settings["from"]
        message["To"] = self.settings["to"]
        message["Subject"] = subject_header(_one_line(ticket.subject))
        message["Date"] = formatdate(localtime=True)
        message["Message-ID"] = message_id(ticket)
        if ticket.email:
            message["Reply-To"] = deliverable_email(ticket.email)
        message["X-Tokohelp-Id"] = _safe_key(ticket.idempotency_key)
        message.set_content(content(ticket))
        _attach(message, ticket.attachments if with_files else [])
        return message

    def _hand_over(self, smtp: smtplib.SMTP, message: EmailMessage) -> None:
        """Send the message as written: ``send_message`` would turn a body line ``From me``
        into ``>From me`` (its generator mangles From lines by default)."""
        sender, to = self.settings["from"], self.settings["to"]
        if not (sender.isascii() and to.isascii()):
            smtp.send_message(message)  # SMTPUTF8 addresses: smtplib negotiates that
            return
        smtp.sendmail(sender, [to], wire_bytes(message))

    @contextlib.contextmanager
    def _deadline(self) -> Iterator[transport.Deadline]:
        """The whole SMTP conversation's time limit, as for HTTP backends."""
        deadline = transport.Deadline(transport.DEADLINE_FACTOR * float(self.settings["timeout"]))
        deadline.start()
        try:
            yield deadline
        finally:
            deadline.cancel()

    def _open(self, deadline: transport.Deadline) -> smtplib.SMTP:
        """A connected, secured and (when configured) logged-in SMTP session."""
        import smtplib

        s = self.settings
        context = transport.tls_context(s.get("ca_file"))
        if s["security"] == "ssl":
            smtp: smtplib.SMTP = _watched(smtplib.SMTP_SSL, deadline)(
                s["host"], s["port"], timeout=s["timeout"], context=context)
        else:
            smtp = _watched(smtplib.SMTP, deadline)(s["host"], s["port"], timeout=s["timeout"])
        try:
            if s["security"] == "starttls":
                smtp.starttls(context=context)
                deadline.watch(smtp.sock)  # the TLS socket replaced the plain one
            if s["username"]:
                smtp.login(s["username"], self._secret or "")
        except BaseException:
            _close(smtp)
            raise
        return smtp

    def _guard(self, action: Any, deadline: transport.Deadline, *, delivering: bool) -> Any:
        """Run one SMTP step, turning its failure into a classified BackendError."""
        import smtplib

        try:
            return action()
        except (OSError, smtplib.SMTPException, UnicodeEncodeError) as exc:
            if deadline.expired:
                err = BackendError(_("{label}: no complete answer within {seconds:.0f} s")
                                   .format(label=self.label, seconds=deadline.seconds),
                                   _("Check your connection; the ticket stays queued."))
                err.maybe_sent = delivering
                raise err from None
            raise classify(self.label, exc, delivering=delivering) from None


def _watched(kind: type[smtplib.SMTP], deadline: transport.Deadline) -> type[smtplib.SMTP]:
    """``kind`` whose connection socket the deadline can shut down."""

    class Watched(kind):  # type: ignore[valid-type,misc]
        def _get_socket(self, host: str, port: int, timeout: float) -> Any:
            sock = super()._get_socket(host, port, timeout)
            deadline.watch(sock)
            return sock

    return Watched


def classify(label: str, exc: BaseException, *, delivering: bool) -> BackendError:
    """What an SMTP failure means: fix the config, retry, or retry after a lookup."""
    import smtplib
    import ssl

    if isinstance(exc, ssl.SSLError):
        return _tls_error(label, exc)
    if isinstance(exc, UnicodeEncodeError):  # smtplib sends logins as ASCII only
        return BackendError(_("{label}: the user name or password is not plain ASCII, which "
                              "SMTP login cannot send").format(label=label),
                            _("Use an ASCII password (or an app password) for this account."),
                            retryable=False)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return BackendError(_("{label}: the server does not offer STARTTLS").format(label=label),
                            _("Use security = \"ssl\" or another server."), retryable=False)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return BackendError(_("{label}: login refused (SMTP {code})").format(
                                label=label, code=exc.smtp_code),
                            _("Check username and the secret the config names."),
                            retryable=False)
    if isinstance(exc, (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException)):
        return _refused(label, exc)
    err = BackendError(_("{label}: {reason}").format(label=label, reason=_what(exc)),
                       _("Check your connection; the ticket stays queued."))
    err.maybe_sent = delivering
    return err


def _tls_error(label: str, exc: BaseException) -> BackendError:
    import ssl

    reason = _("certificate not trusted") if isinstance(exc, ssl.SSLCertVerificationError) \
        else _("the server does not speak TLS as configured")
    return BackendError(_("{label}: TLS failed ({reason})").format(label=label, reason=reason),
                        _("Check host, port and security; TLS verification cannot be turned off "
                          "(ca_file adds a company CA)."), retryable=False)


def _refused(label: str, exc: BaseException) -> BackendError:
    """4xx answers are temporary, 5xx permanent (RFC 5321)."""
    import smtplib

    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in exc.recipients.values()]
    else:
        codes = [getattr(exc, "smtp_code", 500)]
    temporary = all(400 <= code < 500 for code in codes)
    return BackendError(_("{label}: the server refused the message (SMTP {code})").format(
                            label=label, code=max(codes)),
                        _("tokohelp retries later.") if temporary else
                        _("Check the from/to addresses and the server's rules."),
                        retryable=temporary)


def _what(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return _("timed out")
    if isinstance(exc, ConnectionRefusedError):
        return _("connection refused")
    return _("connection failed ({name})").format(name=type(exc).__name__)


def _close(smtp: smtplib.SMTP) -> None:
    """QUIT politely; a server that already hung up is not an error after delivery."""
    import smtplib

    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def wire_bytes(message: EmailMessage) -> bytes:
    """The message as SMTP carries it (CRLF lines), without From-line mangling."""
    import io
    from email.generator import BytesGenerator

    buffer = io.BytesIO()
    BytesGenerator(buffer, mangle_from_=False,
                   policy=message.policy.clone(linesep="\r\n")).flatten(message)
    return buffer.getvalue()


class _EncodedHeader(str):
    """A header value already in RFC 2047 form, written out exactly as it is."""

    name = "Subject"

    def fold(self, *, policy: Any) -> str:
        """The header line as the generator writes it."""
        return f"{self.name}: {self}{policy.linesep}"


def subject_header(subject: str) -> str:
    """The subject; one that contains ``=?`` is sent encoded, so no reader decodes it.

    Assigned as text, ``=?utf-8?q?...?=`` would be read as an encoded word and the
    desk would see a different subject than the user typed.
    """
    if "=?" not in subject:
        return subject
    import base64

    words, chunk = [], ""
    for char in subject:
        if len((chunk + char).encode("utf-8")) > 45:  # 60 base64 characters a word
            words.append(chunk)
            chunk = ""
        chunk += char
    words.append(chunk)
    encoded = ["=?utf-8?b?" + base64.b64encode(w.encode("utf-8")).decode("ascii") + "?="
               for w in words]
    return _EncodedHeader("\r\n ".join(encoded))


def message_id(ticket: Ticket) -> str:
    """The same Message-ID for every attempt of the same ticket."""
    return f"<tokohelp-{_safe_key(ticket.idempotency_key)}@{MESSAGE_ID_DOMAIN}>"


def reply_message_id(reply: Reply) -> str:
    """The same Message-ID for every attempt of the same reply."""
    return f"<tokohelp-{_safe_key(reply.idempotency_key)}@{MESSAGE_ID_DOMAIN}>"


def reply_text(reply: Reply) -> str:
    """The reply's text with its key line, as the other backends send it."""
    return (reply.body.rstrip("\n") + "\n\n--\n"
            + REPLY_KEY_LINE.format(key=reply.idempotency_key) + "\n")


def _safe_key(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "-", key)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _attach(message: EmailMessage, attachments: Any) -> None:
    """One MIME part per stored attachment copy, of the type checked when it was stored."""
    for attachment in attachments:
        maintype, _, subtype = attachment.mime.partition("/")
        message.add_attachment(transport.read_attachment(attachment.stored_path),
                               maintype=maintype, subtype=subtype or "octet-stream",
                               filename=attachment.name)
