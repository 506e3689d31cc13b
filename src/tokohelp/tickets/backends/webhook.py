"""A generic JSON webhook for a company's own help desk (contract: docs/backends.md).

Every create carries the ticket's idempotency key in the ``Idempotency-Key``
header and the body; the server promises to answer a repeated key with the
ticket it already has, and to look a key up with ``GET {url}?idempotency_key=``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from tokohelp.tickets.backends import transport as web
from tokohelp.tickets.backends.base import Backend
from tokohelp.tickets.model import RemoteRef, RemoteReply, RemoteStatus, Ticket

if TYPE_CHECKING:
    import httpx

CHECK_KEY = "tokohelp-config-check"


class HttpBackend(Backend):
    """POSTs tickets as JSON (files base64-inlined or as multipart parts)."""

    kind = "http"

    @property
    def label(self) -> str:
        """How errors name this backend: never with credentials."""
        return f"backend '{self.name}' ({self.settings['url']})"

    def send(self, ticket: Ticket) -> RemoteRef:
        """One POST; 201 (created) and 200 (key already known) both return the ticket."""
        with self._client() as client:
            response = web.request(client, self.label, "POST", self.settings["url"],
                                   headers={"Idempotency-Key": ticket.idempotency_key},
                                   **self._body(ticket))
        web.raise_for_status(response, self.label, creating=True)
        return self._ref(web.json_body(response, self.label))

    def find_existing(self, ticket: Ticket) -> RemoteRef | None:
        """``GET {url}?idempotency_key=KEY``: 200 with the ticket, or 404."""
        with self._client() as client:
            data = self._lookup(client, ticket.idempotency_key)
        return self._ref(data) if data else None

    def remote_status(self, remote_id: str) -> RemoteStatus | None:
        """``GET {status_url or url}/{id}`` -> ``{id, status, replies: [...]}``."""
        from urllib.parse import quote

        base = self.settings.get("status_url") or self.settings["url"]
        with self._client() as client:
            response = web.request(client, self.label, "GET", f"{base}/{quote(remote_id, '')}")
        web.raise_for_status(response, self.label)
        data = web.json_body(response, self.label)
        return RemoteStatus(remote_id=str(data["id"]), status=str(data.get("status", "")),
                            replies=[_reply(r) for r in data.get("replies") or []
                                     if isinstance(r, dict)])

    def check(self) -> str:
        """Look up a key that cannot exist: proves URL, TLS and the token without filing."""
        with self._client() as client:
            self._lookup(client, CHECK_KEY)
        auth = "with a bearer token" if self._secret else "without a token"
        return f"webhook at {self.settings['url']} answers {auth}"

    def describe(self, ticket: Ticket) -> dict[str, Any]:
        """The request send() makes, with secrets masked and file contents summarised."""
        headers = {**self._headers(), "Idempotency-Key": ticket.idempotency_key}
        summary: dict[str, Any] = {"method": "POST", "url": self.settings["url"],
                                   "headers": web.masked_headers(headers)}
        if self.settings["attachments"] == "multipart":
            summary["multipart"] = {"ticket": document(ticket, None),
                                    "attachment": [a.name for a in ticket.attachments]}
        else:
            summary["json"] = document(ticket, "summary")
        return summary

    def _client(self) -> httpx.Client:
        return web.make_client(self.settings, headers=self._headers())

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", **self.settings["headers"]}
        if self._secret:
            headers["Authorization"] = f"Bearer {self._secret}"
        return headers

    def _body(self, ticket: Ticket) -> dict[str, Any]:
        """httpx keyword arguments for the configured attachment mode."""
        if self.settings["attachments"] == "base64":
            return {"json": document(ticket, "base64")}
        files = [("attachment", (a.name, web.read_attachment(a.stored_path), a.mime))
                 for a in ticket.attachments]
        ticket_part = ("ticket", (None, json.dumps(document(ticket, None)), "application/json"))
        return {"files": [ticket_part, *files]}

    def _lookup(self, client: httpx.Client, key: str) -> dict[str, Any] | None:
        response = web.request(client, self.label, "GET", self.settings["url"],
                               params={"idempotency_key": key})
        if response.status_code == 404:
            return None
        web.raise_for_status(response, self.label)
        return web.json_body(response, self.label)

    def _ref(self, data: dict[str, Any]) -> RemoteRef:
        url = data.get("url")
        return RemoteRef(remote_id=str(data["id"]), url=str(url) if url else None)


def document(ticket: Ticket, contents: str | None) -> dict[str, Any]:
    """The ticket object of the contract; ``contents`` is base64, summary or None."""
    return {"idempotency_key": ticket.idempotency_key, "subject": ticket.subject,
            "body": ticket.body, "category": ticket.category, "order_id": ticket.order_id,
            "email": ticket.email, "created": ticket.created,
            "attachments": [_attachment(a, contents) for a in ticket.attachments]}


def _attachment(attachment: Any, contents: str | None) -> dict[str, Any]:
    item: dict[str, Any] = {"name": attachment.name, "mime": attachment.mime,
                            "size": attachment.size}
    if contents == "base64":
        import base64

        data = web.read_attachment(attachment.stored_path)
        item["content_base64"] = base64.b64encode(data).decode("ascii")
    elif contents == "summary":
        item["content_base64"] = f"<{attachment.size} bytes, base64>"
    return item


def _reply(item: dict[str, Any]) -> RemoteReply:
    return RemoteReply(author=str(item.get("author", "")), created=str(item.get("created", "")),
                       text=str(item.get("text", "")))

