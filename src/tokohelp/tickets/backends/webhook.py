"""A generic JSON webhook for a company's own help desk (contract: docs/backends.md).

Every create carries the ticket's idempotency key in the ``Idempotency-Key``
header and the body; the server promises to answer a repeated key with the
ticket it already has, and to look a key up with ``GET {url}?idempotency_key=``.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from tokohelp.errors import BackendError
from tokohelp.i18n import _
from tokohelp.redact import mask_url_secrets
from tokohelp.tickets.backends import transport
from tokohelp.tickets.backends.base import Backend
from tokohelp.tickets.model import RemoteRef, RemoteReply, RemoteStatus, Reply, Ticket

if TYPE_CHECKING:
    from tokohelp.tickets.backends.transport import Session

CHECK_KEY = "tokohelp-config-check"


class HttpBackend(Backend):
    """POSTs tickets as JSON (files base64-inlined or as multipart parts)."""

    kind = "http"

    @property
    def label(self) -> str:
        """How errors name this backend: never with credentials."""
        return _("backend '{name}' ({url})").format(
            name=self.name, url=mask_url_secrets(self.settings["url"]))

    def send(self, ticket: Ticket) -> RemoteRef:
        """One POST; 201 (created) and 200 (key already known) both return the ticket."""
        body = self._body(ticket)
        with self._session() as http:
            response = http.request("POST", self.settings["url"],
                                    headers={"Idempotency-Key": ticket.idempotency_key}, **body)
        transport.raise_for_status(response, self.label, creating=True)
        return self._ref(transport.json_body(response, self.label))

    def find_existing(self, ticket: Ticket) -> RemoteRef | None:
        """``GET {url}?idempotency_key=KEY``: 200 with the ticket, or 404.

        A record is accepted only when it is tied to the key: it echoes the key, or
        the server answers 404 for a key nobody has used (so it does look keys up).
        """
        with self._session() as http:
            data = self._lookup(http, ticket.idempotency_key)
            if data is None:
                return None
            self._tied_to_key(http, data, ticket.idempotency_key)
        return self._ref(data)

    def send_reply(self, ticket: Ticket, reply: Reply) -> RemoteRef:
        """``POST {url}/{remote_id}/replies`` once; 201 (added) and 200 (key known) both count."""
        body = self._reply_body(reply)
        with self._session() as http:
            response = http.request("POST", self._replies_url(ticket),
                                    headers={"Idempotency-Key": reply.idempotency_key}, **body)
        transport.raise_for_status(response, self.label, creating=True)
        return self._ref(transport.json_body(response, self.label))

    def find_reply(self, ticket: Ticket, reply: Reply) -> RemoteRef | None:
        """``GET {url}/{remote_id}/replies?idempotency_key=KEY``: 200 echoing the key, or 404."""
        with self._session() as http:
            response = http.request("GET", self._replies_url(ticket),
                                    params={"idempotency_key": reply.idempotency_key})
        if response.status_code == 404:
            return None
        transport.raise_for_status(response, self.label)
        data = transport.json_body(response, self.label)
        if data.get("idempotency_key") != reply.idempotency_key:
            raise self._ignores_key()
        return self._ref(data)

    def describe_reply(self, ticket: Ticket, reply: Reply) -> dict[str, Any]:
        """The request send_reply() makes, with secrets masked and file contents summarised."""
        from tokohelp.redact import mask_headers

        headers = {**self._headers(), "Idempotency-Key": reply.idempotency_key}
        public = ("Accept", "Idempotency-Key", *self.settings.get("public_headers", ()))
        summary: dict[str, Any] = {"method": "POST",
                                   "url": mask_url_secrets(self._replies_url(ticket)),
                                   "headers": mask_headers(headers, public)}
        if self.settings["attachments"] == "multipart":
            summary["multipart"] = {"reply": reply_document(reply, None),
                                    "attachment": [a.name for a in reply.attachments]}
        else:
            summary["json"] = reply_document(reply, "summary")
        return summary

    def _replies_url(self, ticket: Ticket) -> str:
        from urllib.parse import quote

        return f"{self.settings['url']}/{quote(str(ticket.remote_id), '')}/replies"

    def _reply_body(self, reply: Reply) -> dict[str, Any]:
        """httpx keyword arguments for the configured attachment mode."""
        if self.settings["attachments"] == "base64":
            return {"json": reply_document(reply, "base64")}
        files = [("attachment", (a.name, transport.read_attachment(a.stored_path), a.mime))
                 for a in reply.attachments]
        part = ("reply", (None, json.dumps(reply_document(reply, None)), "application/json"))
        return {"files": [part, *files]}

    def remote_status(self, remote_id: str) -> RemoteStatus | None:
        """``GET {status_url or url}/{id}`` -> ``{id, status, replies: [...]}``."""
        from urllib.parse import quote

        base = self.settings.get("status_url") or self.settings["url"]
        with self._session() as http:
            response = http.request("GET", f"{base}/{quote(remote_id, '')}")
        transport.raise_for_status(response, self.label)
        data = transport.json_body(response, self.label)
        replies = data.get("replies")
        return RemoteStatus(remote_id=str(transport.remote_id(data["id"])),
                            status=_text(data.get("status")),
                            replies=[_reply(r) for r in (replies if isinstance(replies, list)
                                                         else []) if isinstance(r, dict)])

    def check(self) -> str:
        """Look up a key that cannot exist: proves URL, TLS and the token without filing.

        A server that claims to have that key ignores the key in look-ups, and would
        make tokohelp record a ticket that was never created: that fails the check.
        """
        with self._session() as http:
            found = self._lookup(http, CHECK_KEY)
        if found is not None:
            raise self._ignores_key()
        auth = _("with a bearer token") if self._secret else _("without a token")
        return _("webhook at {url} answers {auth}").format(
            url=mask_url_secrets(self.settings["url"]), auth=auth)

    def describe(self, ticket: Ticket) -> dict[str, Any]:
        """The request send() makes, with secrets masked and file contents summarised."""
        from tokohelp.redact import mask_headers

        headers = {**self._headers(), "Idempotency-Key": ticket.idempotency_key}
        public = ("Accept", "Idempotency-Key", *self.settings.get("public_headers", ()))
        summary: dict[str, Any] = {"method": "POST", "url": mask_url_secrets(self.settings["url"]),
                                   "headers": mask_headers(headers, public)}
        if self.settings["attachments"] == "multipart":
            summary["multipart"] = {"ticket": document(ticket, None),
                                    "attachment": [a.name for a in ticket.attachments]}
        else:
            summary["json"] = document(ticket, "summary")
        return summary

    def _session(self) -> Session:
        return transport.Session(self.settings, self.label, headers=self._headers())

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", **self.settings["headers"]}
        if self._secret:
            headers["Authorization"] = f"Bearer {self._secret}"
        return headers

    def _body(self, ticket: Ticket) -> dict[str, Any]:
        """httpx keyword arguments for the configured attachment mode."""
        if self.settings["attachments"] == "base64":
            return {"json": document(ticket, "base64")}
        files = [("attachment", (a.name, transport.read_attachment(a.stored_path), a.mime))
                 for a in ticket.attachments]
        ticket_part = ("ticket", (None, json.dumps(document(ticket, None)), "application/json"))
        return {"files": [ticket_part, *files]}

    def _lookup(self, http: Session, key: str) -> dict[str, Any] | None:
        response = http.request("GET", self.settings["url"], params={"idempotency_key": key})
        if response.status_code == 404:
            return None
        transport.raise_for_status(response, self.label)
        return transport.json_body(response, self.label)

    def _tied_to_key(self, http: Session, data: dict[str, Any], key: str) -> None:
        """Raise unless the found record belongs to ``key`` (see find_existing)."""
        echoed = data.get("idempotency_key")
        if echoed is not None:
            if echoed != key:
                raise self._ignores_key()
            return
        if self._lookup(http, f"tokohelp-unused-{uuid.uuid4()}") is not None:
            raise self._ignores_key()

    def _ignores_key(self) -> BackendError:
        return BackendError(_("{label}: the server's look-up ignores the idempotency key (it "
                              "claims to have a ticket for a key never used)").format(
                                  label=self.label),
                            _("Fix the server to answer 404 for unknown keys (docs/backends.md, "
                              "'Look up by key'); tokohelp will not record a ticket it cannot "
                              "tie to this one."), retryable=False)

    def _ref(self, data: dict[str, Any]) -> RemoteRef:
        url = data.get("url")
        return RemoteRef(remote_id=str(transport.remote_id(data["id"])),
                         url=url if isinstance(url, str) and url.strip() else None)


def document(ticket: Ticket, contents: str | None) -> dict[str, Any]:
    """The ticket object of the contract; ``contents`` is base64, summary or None."""
    return {"idempotency_key": ticket.idempotency_key, "subject": ticket.subject,
            "body": ticket.body, "category": ticket.category, "order_id": ticket.order_id,
            "email": ticket.email, "created": ticket.created,
            "attachments": [_attachment(a, contents) for a in ticket.attachments]}


def reply_document(reply: Reply, contents: str | None) -> dict[str, Any]:
    """The reply object of the contract (docs/backends.md, 'Replies')."""
    return {"idempotency_key": reply.idempotency_key, "body": reply.body,
            "created": reply.created,
            "attachments": [_attachment(a, contents) for a in reply.attachments]}


def _attachment(attachment: Any, contents: str | None) -> dict[str, Any]:
    item: dict[str, Any] = {"name": attachment.name, "mime": attachment.mime,
                            "size": attachment.size}
    if contents == "base64":
        import base64

        data = transport.read_attachment(attachment.stored_path)
        item["content_base64"] = base64.b64encode(data).decode("ascii")
    elif contents == "summary":
        item["content_base64"] = f"<{attachment.size} bytes, base64>"
    return item


def _reply(item: dict[str, Any]) -> RemoteReply:
    return RemoteReply(author=_text(item.get("author")), created=_text(item.get("created")),
                       text=_text(item.get("text")))


def _text(value: Any) -> str:
    """A server field shown to the user: text or a number as is, anything else left out."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return ""
    return str(value)

