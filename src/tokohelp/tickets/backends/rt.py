"""Request Tracker 5 over its REST2 API.

The idempotency key travels in the ticket's first message as a footer line
``tokohelp-id: <key>``.  RT's TicketSQL cannot search message content without
full-text indexing, so ``find_existing`` lists the tickets that *could* be
ours and reads each one's Create transaction for the key.  The list must not
depend on values RT rewrites: RT cuts ``Subject`` to 200 *bytes* and drops or
rewrites requestor addresses it cannot parse, so candidates are the tickets
this RT user created in the queue since shortly before the ticket was stored,
whose subject contains a prefix short enough in bytes to survive the cut.

RT answers HTTP 500 to attachment names outside ASCII (a macOS screenshot's
narrow no-break space, an emoji); those names are sent in an ASCII form and
the original name is written into the message, where the desk can read it.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from tokohelp.errors import BackendError
from tokohelp.i18n import _
from tokohelp.tickets.addresses import deliverable_email
from tokohelp.tickets.backends import transport
from tokohelp.tickets.backends.base import REPLY_KEY_LINE, Backend
from tokohelp.tickets.model import RemoteRef, RemoteReply, RemoteStatus, Reply, Ticket

if TYPE_CHECKING:
    from tokohelp.tickets.backends.transport import Session

KEY_LINE = "tokohelp-id: {key}"
PAGE = 50                  # tickets per page of a candidate search
MAX_PAGES = 20             # at most PAGE x MAX_PAGES candidates are read
SUBJECT_PREFIX_BYTES = 150  # below RT's 200-byte cut, in UTF-8 bytes
CLOCK_SLACK = dt.timedelta(days=1)  # RT's clock may differ from ours
REPLY_TYPES = ("Correspond", "Comment")
HISTORY_PAGE = 100         # transactions per page when reading replies
# RT's lifecycle words -> the common set tokohelp shows (RT's word is kept beside it).
COMMON_STATUS = {"new": "open", "open": "open", "stalled": "pending", "resolved": "solved",
                 "rejected": "closed", "deleted": "closed"}


class RTBackend(Backend):
    """Files tickets into one RT queue, authenticated by token or user/password."""

    kind = "rt"

    @property
    def label(self) -> str:
        """How errors name this backend: never with credentials."""
        from tokohelp.redact import mask_url_secrets

        return _("backend '{name}' (RT at {url})").format(
            name=self.name, url=mask_url_secrets(self.settings["url"]))

    def send(self, ticket: Ticket) -> RemoteRef:
        """POST /REST/2.0/ticket once; 201 carries the new ticket id."""
        body = self.payload(ticket, with_files=True)
        with self._session() as http:
            response = http.request("POST", self._api("ticket"), json=body)
        transport.raise_for_status(response, self.label, creating=True)
        return self._ref(transport.json_body(response, self.label)["id"])

    def find_existing(self, ticket: Ticket) -> RemoteRef | None:
        """The ticket whose first message carries our idempotency key, if RT has it."""
        with self._session() as http:
            for remote_id in self._candidates(http, ticket):
                if self._carries_key(http, remote_id, ticket.idempotency_key):
                    return self._ref(remote_id)
        return None

    def send_reply(self, ticket: Ticket, reply: Reply) -> RemoteRef:
        """POST /REST/2.0/ticket/{id}/correspond once, with the files and the reply's key."""
        body = self.reply_payload(reply, with_files=True)
        with self._session() as http:
            response = http.request("POST", self._api(f"ticket/{ticket.remote_id}/correspond"),
                                    json=body)
        transport.raise_for_status(response, self.label, creating=True)
        return self._ref(ticket.remote_id)

    def find_reply(self, ticket: Ticket, reply: Reply) -> RemoteRef | None:
        """The ticket's message carrying the reply's key line, searched in its history."""
        line = REPLY_KEY_LINE.format(key=reply.idempotency_key)
        with self._session() as http:
            texts = self._texts_by_transaction(http, str(ticket.remote_id))
        if any(line in text.splitlines() for text in texts.values()):
            return self._ref(ticket.remote_id)
        return None

    def describe_reply(self, ticket: Ticket, reply: Reply) -> dict[str, Any]:
        """The request send_reply() makes, credentials masked, file contents summarised."""
        from tokohelp.redact import mask_headers, mask_url_secrets

        return {"method": "POST",
                "url": mask_url_secrets(self._api(f"ticket/{ticket.remote_id}/correspond")),
                "headers": mask_headers(self._auth_headers(masked=True)),
                "json": self.reply_payload(reply, with_files=False)}

    def reply_payload(self, reply: Reply, *, with_files: bool) -> dict[str, Any]:
        """The correspond body: the text with its key line, and the files."""
        names = [rt_file_name(a.name) for a in reply.attachments]
        footer = [_("Attachment {number}: {name} (original name: {original})").format(
                      number=n, name=name, original=a.name)
                  for n, (name, a) in enumerate(zip(names, reply.attachments, strict=True), 1)
                  if name != a.name]
        footer.append(REPLY_KEY_LINE.format(key=reply.idempotency_key))
        body: dict[str, Any] = {"Content": reply.body.rstrip("\n") + "\n\n--\n"
                                + "\n".join(footer) + "\n", "ContentType": "text/plain"}
        if reply.attachments:
            body["Attachments"] = [_attachment(a, name, with_files)
                                   for a, name in zip(reply.attachments, names, strict=True)]
        return body

    def remote_status(self, remote_id: str) -> RemoteStatus | None:
        """Status from the ticket, replies from its Correspond/Comment transactions."""
        with self._session() as http:
            data = self._get(http, f"ticket/{remote_id}")
            replies = self._replies(http, remote_id)
        word = str(data.get("Status", ""))
        return RemoteStatus(remote_id=str(remote_id), status=COMMON_STATUS.get(word, word),
                            replies=replies, desk_status=word)

    def check(self) -> str:
        """Fetch the configured queue: proves the URL, TLS, credentials and the queue."""
        from tokohelp.redact import mask_url_secrets

        queue = self.settings["queue"]
        with self._session() as http:
            self._get(http, f"queue/{queue}")
        who = {"basic": _("as {user}").format(user=self.settings.get("username")),
               "token": _("with a token")}.get(self.settings["auth"], _("without login"))
        return _("RT at {url}: queue '{queue}' reachable {who}").format(
            url=mask_url_secrets(self.settings["url"]), queue=queue, who=who)

    def describe(self, ticket: Ticket) -> dict[str, Any]:
        """The request send() makes, with credentials masked and file contents summarised."""
        from tokohelp.redact import mask_headers, mask_url_secrets

        return {"method": "POST", "url": mask_url_secrets(self._api("ticket")),
                "headers": mask_headers(self._auth_headers(masked=True)),
                "json": self.payload(ticket, with_files=False)}

    def payload(self, ticket: Ticket, *, with_files: bool) -> dict[str, Any]:
        """The REST2 create body; ``with_files=False`` replaces contents by their size."""
        names = [rt_file_name(a.name) for a in ticket.attachments]
        notes = [_("Attachment {number}: {name} (original name: {original})").format(
                     number=n, name=name, original=a.name)
                 for n, (name, a) in enumerate(zip(names, ticket.attachments, strict=True), 1)
                 if name != a.name]
        body: dict[str, Any] = {"Queue": self.settings["queue"], "Subject": ticket.subject,
                                "Content": content(ticket, notes), "ContentType": "text/plain"}
        if ticket.email:
            body["Requestor"] = deliverable_email(ticket.email)
        if ticket.attachments:
            body["Attachments"] = [_attachment(a, name, with_files)
                                   for a, name in zip(ticket.attachments, names, strict=True)]
        return body

    def _session(self) -> Session:
        auth = (self.settings["username"], self._secret) if self.settings["auth"] == "basic" \
            else None
        return transport.Session(self.settings, self.label, auth=auth,
                                 headers={"Accept": "application/json", **self._auth_headers()})

    def _auth_headers(self, *, masked: bool = False) -> dict[str, str]:
        """Token auth as a header; basic auth is added by httpx, shown masked in --dry-run."""
        if self.settings["auth"] == "token":
            return {"Authorization": f"token {self._secret}"}
        if self.settings["auth"] == "basic" and masked:
            return {"Authorization": "Basic"}
        return {}

    def _api(self, path: str) -> str:
        return f"{self.settings['url']}/REST/2.0/{path}"

    def _ref(self, remote_id: Any) -> RemoteRef:
        return RemoteRef(remote_id=str(remote_id),
                         url=f"{self.settings['url']}/Ticket/Display.html?id={remote_id}")

    def _get(self, http: Session, path: str, **params: Any) -> dict[str, Any]:
        return self._json(http.request("GET", self._api(path), params=params), path)

    def _search(self, http: Session, path: str, query: list[dict[str, Any]],
                **params: Any) -> dict[str, Any]:
        """A REST2 JSON search (POST with the conditions as the body)."""
        return self._json(http.request("POST", self._api(path), json=query, params=params), path)

    def _json(self, response: Any, path: str) -> dict[str, Any]:
        transport.raise_for_status(response, self.label)
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise BackendError(_("{label}: unexpected answer to GET {path}").format(
                                   label=self.label, path=path),
                               _("Is the url the RT base URL (without /REST/2.0)?"),
                               retryable=False)
        return data

    def _pages(self, fetch: Any) -> Iterator[dict[str, Any]]:
        """Every item of a paged REST2 answer; ``fetch(page)`` returns one page."""
        for page in range(1, MAX_PAGES + 1):
            data = fetch(page)
            items = data.get("items") or []
            yield from (item for item in items if isinstance(item, dict))
            if not items or page >= _whole(data.get("pages")):
                return

    def _candidates(self, http: Session, ticket: Ticket) -> Iterator[str]:
        """Tickets that may be ours, newest first: see the module docstring."""
        query = candidate_query(self.settings["queue"], ticket,
                                by_current_user=self.settings["auth"] is not None)
        for item in self._pages(lambda page: self._get(
                http, "tickets", query=query, orderby="id", order="DESC",
                per_page=PAGE, page=page)):
            if "id" in item:
                yield str(item["id"])

    def _carries_key(self, http: Session, remote_id: str, key: str) -> bool:
        """Whether the ticket's first message has our ``tokohelp-id`` line (one request).

        The first two parts of a ticket are its first message: the text alone, or a
        multipart container and then the text (files follow).
        """
        parts = self._get(http, f"ticket/{remote_id}/attachments",
                          fields="Content,ContentType,Filename", orderby="id", order="ASC",
                          per_page=2)
        line = KEY_LINE.format(key=key)
        return any(p.get("ContentType") == "text/plain" and not p.get("Filename")
                   and isinstance(p.get("Content"), str) and line in p["Content"].splitlines()
                   for p in parts.get("items", []))

    def _replies(self, http: Session, remote_id: str) -> list[RemoteReply]:
        history = self._pages(lambda page: self._get(
            http, f"ticket/{remote_id}/history", fields="Type,Creator,Created",
            per_page=HISTORY_PAGE, page=page))
        replies = [t for t in history if t.get("Type") in REPLY_TYPES]
        texts = self._texts_by_transaction(http, remote_id) if replies else {}
        return [RemoteReply(author=_creator(t), created=str(t.get("Created", "")),
                            text=texts.get(str(t["id"]), "")) for t in replies]

    def _texts_by_transaction(self, http: Session, remote_id: str) -> dict[str, str]:
        """The plain-text parts (not the files) of every transaction, by transaction id."""
        parts = self._pages(lambda page: self._search(
            http, f"ticket/{remote_id}/attachments",
            [{"field": "ContentType", "value": "text/plain"}],
            fields="Content,ContentType,TransactionId,Filename", per_page=HISTORY_PAGE,
            page=page))
        texts: dict[str, str] = {}
        for part in parts:
            if part.get("ContentType") == "text/plain" and not part.get("Filename"):
                txn = str(part.get("TransactionId", ""))
                texts[txn] = (texts.get(txn, "") + str(part.get("Content") or "")).strip()
        return texts


def candidate_query(queue: str, ticket: Ticket, *, by_current_user: bool) -> str:
    """TicketSQL for the tickets that may be ``ticket``: queue, creator, time, subject prefix."""
    clauses = [f"Queue = {_sql(queue)}"]
    if by_current_user:
        clauses.append("Creator = '__CurrentUser__'")
    since = _since(ticket.created)
    if since:
        clauses.append(f"Created >= {_sql(since)}")
    prefix = byte_prefix(ticket.subject.strip(), SUBJECT_PREFIX_BYTES).strip()
    if prefix:
        clauses.append(f"Subject LIKE {_sql(prefix)}")
    return " AND ".join(clauses)


def byte_prefix(text: str, limit: int) -> str:
    """The longest prefix of whole characters whose UTF-8 form fits in ``limit`` bytes."""
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def _since(created: str) -> str | None:
    """The earliest RT creation time the ticket can have, as RT's ISO form in UTC."""
    try:
        stored = dt.datetime.fromisoformat(created)
    except (TypeError, ValueError):
        return None  # an unreadable date only widens the search
    if stored.tzinfo is None:
        stored = stored.replace(tzinfo=dt.timezone.utc)
    earliest = stored.astimezone(dt.timezone.utc) - CLOCK_SLACK
    return earliest.strftime("%Y-%m-%dT%H:%M:%SZ")


def rt_file_name(name: str) -> str:
    """A printable ASCII form of an attachment name, which RT stores (it fails on others)."""
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_name = "".join(c if " " <= c <= "~" else ("" if unicodedata.combining(c) else "_")
                         for c in decomposed).strip()
    return ascii_name if ascii_name.strip("._ ") else "attachment" + _extension(ascii_name)


def _extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return f".{ext}" if dot and stem and ext.isalnum() else ""


def content(ticket: Ticket, notes: list[str] | tuple[str, ...] = ()) -> str:
    """The first message: the body plus a footer agents can read and we can search."""
    footer = list(notes)
    if ticket.category:
        footer.append(f"Category: {ticket.category}")
    if ticket.order_id:
        footer.append(f"Order ID: {ticket.order_id}")
    footer.append(KEY_LINE.format(key=ticket.idempotency_key))
    return ticket.body.rstrip("\n") + "\n\n--\n" + "\n".join(footer) + "\n"


def _attachment(attachment: Any, name: str, with_files: bool) -> dict[str, Any]:
    if with_files:
        import base64

        data = base64.b64encode(transport.read_attachment(attachment.stored_path)).decode()
    else:
        data = f"<{attachment.size} bytes, base64>"
    return {"FileName": name, "FileType": attachment.mime, "FileContent": data}


def _whole(value: Any) -> int:
    """RT writes ``pages`` as a number or a float such as ``2.0``."""
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return 1


def _sql(value: str) -> str:
    """A TicketSQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _creator(transaction: dict[str, Any]) -> str:
    creator = transaction.get("Creator")
    return str(creator.get("id", "")) if isinstance(creator, dict) else str(creator or "")
