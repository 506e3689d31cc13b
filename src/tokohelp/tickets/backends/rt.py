"""Request Tracker 5 over its REST2 API.

The idempotency key travels in the ticket's first message as a footer line
``tokohelp-id: <key>``.  RT's TicketSQL cannot search message content without
full-text indexing, so ``find_existing`` narrows candidates by queue, subject
and requestor, then reads each candidate's Create transaction for the key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tokohelp.tickets.backends import transport as web
from tokohelp.tickets.backends.base import Backend
from tokohelp.tickets.model import RemoteRef, RemoteReply, RemoteStatus, Ticket

if TYPE_CHECKING:
    import httpx

KEY_LINE = "tokohelp-id: {key}"
CANDIDATES = 20          # newest matching tickets inspected by find_existing
SUBJECT_PREFIX = 60      # RT cuts long subjects; match on a prefix, confirm by key
REPLY_TYPES = ("Correspond", "Comment")


class RTBackend(Backend):
    """Files tickets into one RT queue, authenticated by token or user/password."""

    kind = "rt"

    @property
    def label(self) -> str:
        """How errors name this backend: never with credentials."""
        return f"backend '{self.name}' (RT at {self.settings['url']})"

    def send(self, ticket: Ticket) -> RemoteRef:
        """POST /REST/2.0/ticket once; 201 carries the new ticket id."""
        with self._client() as client:
            response = web.request(client, self.label, "POST", self._api("ticket"),
                                   json=self.payload(ticket, with_files=True))
        web.raise_for_status(response, self.label, creating=True)
        return self._ref(web.json_body(response, self.label)["id"])

    def find_existing(self, ticket: Ticket) -> RemoteRef | None:
        """The ticket whose first message carries our idempotency key, if RT has it."""
        with self._client() as client:
            for remote_id in self._candidates(client, ticket):
                if self._carries_key(client, remote_id, ticket.idempotency_key):
                    return self._ref(remote_id)
        return None

    def remote_status(self, remote_id: str) -> RemoteStatus | None:
        """Status from the ticket, replies from its Correspond/Comment transactions."""
        with self._client() as client:
            data = self._get(client, f"ticket/{remote_id}")
            replies = self._replies(client, remote_id)
        return RemoteStatus(remote_id=str(remote_id), status=str(data.get("Status", "")),
                            replies=replies)

    def check(self) -> str:
        """Fetch the configured queue: proves the URL, TLS, credentials and the queue."""
        queue = self.settings["queue"]
        with self._client() as client:
            self._get(client, f"queue/{queue}")
        who = {"basic": f"as {self.settings.get('username')}", "token": "with a token"}.get(
            self.settings["auth"], "without login")
        return f"RT at {self.settings['url']}: queue '{queue}' reachable {who}"

    def describe(self, ticket: Ticket) -> dict[str, Any]:
        """The request send() makes, with credentials masked and file contents summarised."""
        return {"method": "POST", "url": self._api("ticket"),
                "headers": web.masked_headers(self._auth_headers(masked=True)),
                "json": self.payload(ticket, with_files=False)}

    def payload(self, ticket: Ticket, *, with_files: bool) -> dict[str, Any]:
        """The REST2 create body; ``with_files=False`` replaces contents by their size."""
        body: dict[str, Any] = {"Queue": self.settings["queue"], "Subject": ticket.subject,
                                "Content": content(ticket), "ContentType": "text/plain"}
        if ticket.email:
            body["Requestor"] = ticket.email
        if ticket.attachments:
            body["Attachments"] = [_attachment(a, with_files) for a in ticket.attachments]
        return body

    def _client(self) -> httpx.Client:
        auth = (self.settings["username"], self._secret) if self.settings["auth"] == "basic" \
            else None
        return web.make_client(self.settings, auth=auth,
                               headers={"Accept": "application/json", **self._auth_headers()})

    def _auth_headers(self, *, masked: bool = False) -> dict[str, str]:
        """Token auth as a header; basic auth is added by httpx, shown masked in --dry-run."""
        if self.settings["auth"] == "token":
            return {"Authorization": f"token {self._secret}"}
        if self.settings["auth"] == "basic" and masked:
            return {"Authorization": "Basic " + web.MASK}
        return {}

    def _api(self, path: str) -> str:
        return f"{self.settings['url']}/REST/2.0/{path}"

    def _ref(self, remote_id: Any) -> RemoteRef:
        return RemoteRef(remote_id=str(remote_id),
                         url=f"{self.settings['url']}/Ticket/Display.html?id={remote_id}")

    def _get(self, client: httpx.Client, path: str, **params: Any) -> dict[str, Any]:
        response = web.request(client, self.label, "GET", self._api(path), params=params)
        web.raise_for_status(response, self.label)
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            from tokohelp.errors import BackendError

            raise BackendError(f"{self.label}: unexpected answer to GET {path}",
                               "Is the url the RT base URL (without /REST/2.0)?",
                               retryable=False)
        return data

    def _candidates(self, client: httpx.Client, ticket: Ticket) -> list[str]:
        """Newest tickets in our queue with our subject (and requestor), newest first."""
        query = (f"Queue = {_sql(self.settings['queue'])} AND "
                 f"Subject LIKE {_sql(ticket.subject.strip()[:SUBJECT_PREFIX])}")
        if ticket.email:
            query += f" AND Requestor.EmailAddress = {_sql(ticket.email)}"
        data = self._get(client, "tickets", query=query, orderby="id", order="DESC",
                         per_page=CANDIDATES)
        return [str(item["id"]) for item in data.get("items", []) if "id" in item]

    def _carries_key(self, client: httpx.Client, remote_id: str, key: str) -> bool:
        """Whether the ticket's Create transaction has our ``tokohelp-id`` line."""
        history = self._get(client, f"ticket/{remote_id}/history", fields="Type", per_page=5)
        created = [str(t["id"]) for t in history.get("items", []) if t.get("Type") == "Create"]
        if not created:
            return False
        parts = self._get(client, f"transaction/{created[0]}/attachments",
                          fields="Content,ContentType", per_page=50)
        line = KEY_LINE.format(key=key)
        return any(isinstance(p.get("Content"), str) and line in p["Content"].splitlines()
                   for p in parts.get("items", []))

    def _replies(self, client: httpx.Client, remote_id: str) -> list[RemoteReply]:
        history = self._get(client, f"ticket/{remote_id}/history",
                            fields="Type,Creator,Created", per_page=100)
        texts = self._texts_by_transaction(client, remote_id)
        return [RemoteReply(author=_creator(t), created=str(t.get("Created", "")),
                            text=texts.get(str(t["id"]), ""))
                for t in history.get("items", []) if t.get("Type") in REPLY_TYPES]

    def _texts_by_transaction(self, client: httpx.Client, remote_id: str) -> dict[str, str]:
        parts = self._get(client, f"ticket/{remote_id}/attachments",
                          fields="Content,ContentType,TransactionId,Filename", per_page=100)
        texts: dict[str, str] = {}
        for part in parts.get("items", []):
            if part.get("ContentType") == "text/plain" and not part.get("Filename"):
                txn = str(part.get("TransactionId", ""))
                texts[txn] = (texts.get(txn, "") + str(part.get("Content") or "")).strip()
        return texts


def content(ticket: Ticket) -> str:
    """The first message: the body plus a footer RT agents can read and we can search."""
    footer = []
    if ticket.category:
        footer.append(f"Category: {ticket.category}")
    if ticket.order_id:
        footer.append(f"Order ID: {ticket.order_id}")
    footer.append(KEY_LINE.format(key=ticket.idempotency_key))
    return ticket.body.rstrip("\n") + "\n\n--\n" + "\n".join(footer) + "\n"


def _attachment(attachment: Any, with_files: bool) -> dict[str, Any]:
    if with_files:
        import base64

        data = base64.b64encode(web.read_attachment(attachment.stored_path)).decode("ascii")
    else:
        data = f"<{attachment.size} bytes, base64>"
    return {"FileName": attachment.name, "FileType": attachment.mime, "FileContent": data}


def _sql(value: str) -> str:
    """A TicketSQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _creator(transaction: dict[str, Any]) -> str:
    creator = transaction.get("Creator")
    return str(creator.get("id", "")) if isinstance(creator, dict) else str(creator or "")
