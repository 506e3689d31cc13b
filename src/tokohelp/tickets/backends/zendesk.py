"""Zendesk Support, from the end user's side: the Requests API.

One send is ``POST /api/v2/uploads?filename=NAME`` (the raw bytes, answered with
a token) per attachment, then ``POST /api/v2/requests`` with the subject, the
first comment and the upload tokens, carrying the ticket's ``Idempotency-Key``.

The Requests API gives end users no tags, so the key also travels where an end
user can write and read it back: a footer line ``tokohelp-id: KEY`` in the first
comment (the request's ``description``) and, when ``key_field`` names one, a
custom field.  ``find_existing`` reads the user's own request list, newest
first, for that key: not the search API, whose index lags new tickets by
minutes, which is exactly when a look-up after a timeout runs.

Upload tokens of a ticket whose request could not be created are kept for the
next attempt (they are valid for 60 minutes; reused for at most
``TOKEN_REUSE`` seconds), so a retry sends the very same body and Zendesk can
answer a repeated ``Idempotency-Key`` with the request it already made.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from tokohelp.errors import BackendError
from tokohelp.i18n import _
from tokohelp.redact import MASK
from tokohelp.tickets.backends import transport as web
from tokohelp.tickets.backends.base import REPLY_KEY_LINE, Backend
from tokohelp.tickets.model import RemoteRef, RemoteReply, RemoteStatus, Reply, Ticket

if TYPE_CHECKING:
    import httpx

    from tokohelp.config import Config

KEY_LINE = "tokohelp-id: {key}"
TOKEN_REUSE = 45 * 60     # seconds; Zendesk keeps an upload token for 60 minutes
LOOKUP_PAGES = 3          # find_existing reads at most this many pages ...
PAGE_SIZE = 100           # ... of this many requests (Zendesk's maximum per page)
COMMENT_PAGES = 20        # a thread is read up to this many pages of comments
# Zendesk's request statuses -> the common set tokohelp shows (the desk's word is kept).
COMMON_STATUS = {"new": "open", "open": "open", "hold": "open", "pending": "pending",
                 "solved": "solved", "closed": "closed"}

Call = Callable[..., "httpx.Response"]
clock = time.monotonic  # module-level so tests can move time forward


def from_config(config: Config, name: str, table: dict[str, Any],
                settings: dict[str, Any]) -> ZendeskBackend:
    """The backend for one ``[backends.NAME]`` table of type ``zendesk`` (keys already typed)."""
    key = f"backends.{name}"
    settings.update(_field_settings(config, key, table))
    settings["name"] = table.get("name")
    settings["email"] = _email(config, key, table)
    settings["auth"], secret = _auth(config, key, table)
    return ZendeskBackend(name, settings, secret)


def _email(config: Config, key: str, table: dict[str, Any]) -> str | None:
    email = table.get("email")
    if email is not None and ("@" not in email or any(c in email for c in " \r\n")):
        raise config.fail(f"{key}.email", _("must be an email address"))
    return email


def _auth(config: Config, key: str, table: dict[str, Any]) -> tuple[str, str | None]:
    """Exactly one way in: an API token (with ``email``), an OAuth token, or anonymous."""
    from tokohelp.tickets.backends import _secret

    ways = [w for w, present in (
        ("token", table.get("token_env") or table.get("token_keyring")),
        ("oauth", table.get("oauth_token_env") or table.get("oauth_token_keyring")),
        ("anonymous", table.get("anonymous", False))) if present]
    if len(ways) != 1:
        raise config.fail(f"{key}.anonymous" if "anonymous" in ways else f"{key}.token_env",
                          _("set exactly one of token_env/token_keyring (with email), "
                            "oauth_token_env/oauth_token_keyring, or anonymous = true"))
    way = ways[0]
    if way in ("token", "anonymous") and not table.get("email"):
        raise config.fail(f"{key}.email", _("required with {what}").format(
            what="token_env/token_keyring" if way == "token" else "anonymous = true"))
    if way == "anonymous":
        return way, None
    return way, _secret(config, key, table, "token" if way == "token" else "oauth_token")


def _field_settings(config: Config, key: str, table: dict[str, Any]) -> dict[str, Any]:
    """Custom field ids (positive whole numbers) and the category -> value mapping."""
    fields = {}
    for item in ("category_field", "order_field", "key_field"):
        value = table.get(item)
        if value is not None and value <= 0:
            raise config.fail(f"{key}.{item}", _("must be a Zendesk field id (a whole number "
                                                 "greater than 0)"))
        fields[item] = value
    values = table.get("category_values", {})
    for category, value in values.items():
        if not isinstance(value, str) or not value.strip():
            raise config.fail(f"{key}.category_values",
                              _("'{category}' needs a text value").format(category=category))
    if values and not fields["category_field"]:
        raise config.fail(f"{key}.category_values", _("needs category_field"))
    return {**fields, "category_values": dict(values)}


class ZendeskBackend(Backend):
    """Files Zendesk requests as the configured end user (or anonymously)."""

    kind = "zendesk"

    def __init__(self, name: str, settings: dict[str, Any], secret: str | None) -> None:
        super().__init__(name, settings, secret)
        self._uploads: dict[str, tuple[float, list[str]]] = {}  # key -> (when, tokens)
        if secret and settings["auth"] == "token":
            from tokohelp.redact import register_secret

            register_secret(self._basic())  # the encoded header value is as secret as the token

    @property
    def label(self) -> str:
        """How errors name this backend: never with credentials."""
        return f"backend '{self.name}' (Zendesk at {self.settings['url']})"

    def send(self, ticket: Ticket) -> RemoteRef:
        """Upload the files (or reuse this ticket's fresh tokens), then create the request once."""
        with self._session() as call:
            tokens = self._tokens(call, ticket)
            response = call("POST", self._api("requests"), json=self.payload(ticket, tokens),
                            headers={"Idempotency-Key": ticket.idempotency_key})
        raise_for_status(response, self.label, creating=True)
        data = _unwrap(response, "request", self.label, creating=True)
        self._uploads.pop(ticket.idempotency_key, None)
        return self._ref(data["id"])

    def find_existing(self, ticket: Ticket) -> RemoteRef | None:
        """The user's newest requests, read for our key; anonymous senders cannot list."""
        if self.settings["auth"] == "anonymous":
            return None
        with self._session() as call:
            for page in range(1, LOOKUP_PAGES + 1):
                data = self._get(call, "requests", sort_by="created_at", sort_order="desc",
                                 per_page=PAGE_SIZE, page=page)
                requests = [r for r in data.get("requests") or [] if isinstance(r, dict)]
                found = next((r for r in requests if self._carries_key(r, ticket)), None)
                if found is not None:
                    return self._ref(found["id"])
                if not data.get("next_page"):
                    return None
        return None

    def send_reply(self, ticket: Ticket, reply: Reply) -> RemoteRef:
        """Upload the files, then ``PUT /api/v2/requests/{id}`` with the comment, once."""
        with self._session() as call:
            tokens = self._tokens(call, reply)  # type: ignore[arg-type]
            response = call("PUT", self._api(f"requests/{_path_id(str(ticket.remote_id))}"),
                            json=self.reply_payload(reply, tokens))
        raise_for_status(response, self.label, creating=True)
        _unwrap(response, "request", self.label, creating=True)
        self._uploads.pop(reply.idempotency_key, None)
        return self._ref(ticket.remote_id)

    def find_reply(self, ticket: Ticket, reply: Reply) -> RemoteRef | None:
        """The request's comment carrying the reply's key line, if Zendesk has it."""
        if self.settings["auth"] == "anonymous":
            return None  # an anonymous requester cannot read comments through the API
        line = REPLY_KEY_LINE.format(key=reply.idempotency_key)
        with self._session() as call:
            comments, _users = self._comments(call, f"requests/{_path_id(str(ticket.remote_id))}")
        for comment in comments:
            text = str(comment.get("plain_body") or comment.get("body") or "")
            if any(part.strip() == line for part in text.splitlines()):
                return self._ref(ticket.remote_id)
        return None

    def describe_reply(self, ticket: Ticket, reply: Reply) -> dict[str, Any]:
        """The calls send_reply() makes, token masked and file contents summarised."""
        auth = self._auth_header(masked=True)
        calls: list[dict[str, Any]] = [
            {"method": "POST", "url": self._upload_url(a.name),
             "headers": {**auth, "Content-Type": a.mime}, "body": f"<{a.size} bytes>"}
            for a in reply.attachments]
        tokens = [f"<token from upload {n}>" for n in range(1, len(reply.attachments) + 1)]
        calls.append({"method": "PUT",
                      "url": self._api(f"requests/{_path_id(str(ticket.remote_id))}"),
                      "headers": auth, "json": self.reply_payload(reply, tokens)})
        return {"calls": calls}

    def reply_payload(self, reply: Reply, tokens: list[str]) -> dict[str, Any]:
        """The Update Request body: one comment with the key line and the uploads."""
        comment: dict[str, Any] = {"body": reply.body.rstrip("\n") + "\n\n--\n"
                                   + REPLY_KEY_LINE.format(key=reply.idempotency_key) + "\n"}
        if tokens:
            comment["uploads"] = tokens
        return {"request": {"comment": comment}}

    def remote_status(self, remote_id: str) -> RemoteStatus | None:
        """The request's status (common word and Zendesk's) and the thread after the request."""
        if self.settings["auth"] == "anonymous":
            return None  # an anonymous requester cannot read requests through the API
        path = f"requests/{_path_id(remote_id)}"
        with self._session() as call:
            data = _unwrap(self._raw_get(call, path), "request", self.label)
            comments, users = self._comments(call, path)
        word = str(data.get("status") or "")
        replies = [_reply(c, users, data.get("requester_id")) for c in comments[1:]]
        return RemoteStatus(remote_id=str(data["id"]), status=COMMON_STATUS.get(word, word),
                            replies=replies, desk_status=word)

    def check(self) -> str:
        """``GET /api/v2/users/me``: proves URL, TLS and, when signed in, the credentials."""
        with self._session() as call:
            user = _unwrap(self._raw_get(call, "users/me"), "user", self.label, need_id=False)
        url = self.settings["url"]
        if self.settings["auth"] == "anonymous":
            return _("Zendesk at {url} answers; requests are filed anonymously as {email}").format(
                url=url, email=self.settings["email"])
        if user.get("id") in (None, ""):
            raise BackendError(_("{label}: Zendesk did not accept the credentials "
                                 "(signed in as an anonymous user)").format(label=self.label),
                               _("Check email and the token the config names."),
                               retryable=False)
        from tokohelp.safe import strip_control

        return _("Zendesk at {url}: signed in as {email} ({role})").format(
            url=url, email=strip_control(str(user.get("email") or "?"))[:200],
            role=strip_control(str(user.get("role") or "?"))[:50])

    def describe(self, ticket: Ticket) -> dict[str, Any]:
        """The calls send() makes, in order, token masked and file contents summarised."""
        auth = self._auth_header(masked=True)
        calls: list[dict[str, Any]] = [
            {"method": "POST", "url": self._upload_url(a.name),
             "headers": {**auth, "Content-Type": a.mime}, "body": f"<{a.size} bytes>"}
            for a in ticket.attachments]
        tokens = [f"<token from upload {n}>" for n in range(1, len(ticket.attachments) + 1)]
        calls.append({"method": "POST", "url": self._api("requests"),
                      "headers": {**auth, "Idempotency-Key": ticket.idempotency_key},
                      "json": self.payload(ticket, tokens)})
        return {"calls": calls}

    def payload(self, ticket: Ticket, tokens: list[str]) -> dict[str, Any]:
        """The Create Request body: subject, first comment, uploads, fields, requester."""
        comment: dict[str, Any] = {"body": self._body(ticket)}
        if tokens:
            comment["uploads"] = tokens
        request: dict[str, Any] = {"subject": ticket.subject, "comment": comment}
        fields = self._custom_fields(ticket)
        if fields:
            request["custom_fields"] = fields
        if self.settings["auth"] == "anonymous":
            email = ticket.email or self.settings["email"]
            request["requester"] = {"name": self.settings.get("name") or email.split("@")[0],
                                    "email": email}
        return {"request": request}

    def _comments(self, call: Call, path: str) -> tuple[list[dict[str, Any]], dict[Any, Any]]:
        """Every public comment, oldest first (cursor pagination), and their authors."""
        comments: list[dict[str, Any]] = []
        users: dict[Any, dict[str, Any]] = {}
        params: dict[str, Any] = {"page[size]": PAGE_SIZE, "include": "users"}
        for _page in range(COMMENT_PAGES):
            data = self._get(call, f"{path}/comments", **params)
            comments += [c for c in data.get("comments") or [] if isinstance(c, dict)]
            users.update({u["id"]: u for u in data.get("users") or []
                          if isinstance(u, dict) and "id" in u})
            meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
            if not meta.get("has_more") or not meta.get("after_cursor"):
                break
            params["page[after]"] = str(meta["after_cursor"])  # our URL, not links.next's host
        return comments, users

    # -- pieces of a send ----------------------------------------------------------------

    def _tokens(self, call: Call, ticket: Ticket) -> list[str]:
        """Fresh tokens from an earlier attempt of this ticket, else upload every file."""
        cached = self._uploads.get(ticket.idempotency_key)
        if cached and clock() - cached[0] < TOKEN_REUSE:
            return cached[1]
        self._uploads.pop(ticket.idempotency_key, None)
        started = clock()
        tokens = [self._upload(call, a) for a in ticket.attachments]
        if tokens:
            self._uploads[ticket.idempotency_key] = (started, tokens)
        return tokens

    def _upload(self, call: Call, attachment: Any) -> str:
        """One file, raw bytes with its detected type; a failure here never created a request."""
        data = web.read_attachment(attachment.stored_path)
        try:
            response = call("POST", self._upload_url(attachment.name), content=data,
                            headers={"Content-Type": attachment.mime})
            raise_for_status(response, self.label)
            upload = _unwrap(response, "upload", self.label, need_id=False)
        except BackendError as exc:
            exc.maybe_sent = False  # only a file is in doubt; an orphan upload expires unused
            raise
        token = upload.get("token")
        if not isinstance(token, str) or not token:
            raise BackendError(_("{label}: the upload of {name} was answered without a "
                                 "token").format(label=self.label, name=attachment.name),
                               _("tokohelp uploads it again on the next attempt."))
        return token

    def _body(self, ticket: Ticket) -> str:
        """The first comment: the text plus a footer the agent can read and we can find."""
        footer = []
        if ticket.category:
            footer.append(f"Category: {ticket.category}")
        if ticket.order_id:
            footer.append(f"Order ID: {ticket.order_id}")
        anonymous = self.settings["auth"] == "anonymous"  # the requester carries the address
        if ticket.email and ticket.email != self.settings.get("email") and not anonymous:
            footer.append(f"Contact: {ticket.email}")
        footer.append(KEY_LINE.format(key=ticket.idempotency_key))
        return ticket.body.rstrip("\n") + "\n\n--\n" + "\n".join(footer) + "\n"

    def _custom_fields(self, ticket: Ticket) -> list[dict[str, Any]]:
        settings = self.settings
        category = settings["category_values"].get(ticket.category or "", ticket.category)
        wanted = ((settings["category_field"], category),
                  (settings["order_field"], ticket.order_id),
                  (settings["key_field"], ticket.idempotency_key))
        return [{"id": field, "value": value} for field, value in wanted if field and value]

    def _carries_key(self, request: dict[str, Any], ticket: Ticket) -> bool:
        """Our key in a custom field we set, or as a line of the first comment."""
        field = self.settings["key_field"]
        if field and any(isinstance(f, dict) and f.get("id") == field
                         and f.get("value") == ticket.idempotency_key
                         for f in request.get("custom_fields") or []):
            return True
        line = KEY_LINE.format(key=ticket.idempotency_key)
        description = request.get("description")
        return isinstance(description, str) and any(
            text.strip() == line for text in description.splitlines())

    # -- HTTP ------------------------------------------------------------------------------

    @contextmanager
    def _session(self) -> Iterator[Call]:
        """One client per backend call; ``call(method, url, **kwargs)`` makes one request."""
        headers = {"Accept": "application/json", **self._auth_header()}
        with web.Session(self.settings, self.label, headers=headers) as http:
            yield http.request

    def _auth_header(self, *, masked: bool = False) -> dict[str, str]:
        """Basic ``{email}/token:{token}``, or Bearer for OAuth; none for anonymous requests."""
        if self.settings["auth"] == "token":
            return {"Authorization": "Basic " + (MASK if masked else self._basic())}
        if self.settings["auth"] == "oauth":
            return {"Authorization": "Bearer " + (MASK if masked else str(self._secret))}
        return {}

    def _basic(self) -> str:
        import base64

        pair = f"{self.settings['email']}/token:{self._secret}".encode()
        return base64.b64encode(pair).decode("ascii")

    def _api(self, path: str) -> str:
        return f"{self.settings['url']}/api/v2/{path}"

    def _upload_url(self, filename: str) -> str:
        from urllib.parse import quote

        return self._api(f"uploads?filename={quote(filename, safe='')}")

    def _ref(self, remote_id: Any) -> RemoteRef:
        return RemoteRef(remote_id=str(remote_id),
                         url=f"{self.settings['url']}/hc/requests/{remote_id}")

    def _raw_get(self, call: Call, path: str, **params: Any) -> httpx.Response:
        response = call("GET", self._api(path), params=params)
        raise_for_status(response, self.label)
        return response

    def _get(self, call: Call, path: str, **params: Any) -> dict[str, Any]:
        response = self._raw_get(call, path, **params)
        data = _json(response)
        if data is None:
            raise BackendError(_("{label}: unexpected answer to GET {path}").format(
                                   label=self.label, path=path),
                               _("Is url the account's base URL, e.g. "
                                 "https://example.zendesk.com?"), retryable=False)
        return data


def raise_for_status(response: httpx.Response, label: str, *, creating: bool = False) -> None:
    """Zendesk's 400/422 validation errors as one clear, final message; the rest as usual."""
    if response.status_code == 400 and (_json(response) or {}).get("error") == \
            "IdempotentRequestError":
        # The key is known with another body: an earlier attempt arrived (its upload tokens
        # have since been replaced).  Filing again would be the duplicate the key prevents.
        raise BackendError(_("{label}: Zendesk already has this request from an earlier "
                             "attempt but did not say its number").format(label=label),
                           _("It is not filed again; find it in the help center under "
                             "'My requests'."), retryable=False)
    if response.status_code in (400, 422):
        raise BackendError(_("{label}: Zendesk refused the request (HTTP {code}): "
                             "{reason}").format(label=label, code=response.status_code,
                                                reason=validation_message(response)),
                           _("Change what Zendesk names (see the zendesk section of "
                             "docs/backends.md), then send the ticket again."),
                           retryable=False)
    web.raise_for_status(response, label, creating=creating)


def validation_message(response: httpx.Response) -> str:
    """``details`` descriptions joined, else ``description`` or ``error``; printable, short."""
    from tokohelp.redact import redact
    from tokohelp.safe import strip_control

    data = _json(response) or {}
    details = data.get("details")
    texts: list[str] = []
    if isinstance(details, dict):
        for problems in details.values():
            texts += [str(p.get("description") or p.get("error") or "")
                      for p in (problems if isinstance(problems, list) else [])
                      if isinstance(p, dict)]
    texts = [t for t in texts if t.strip()] or [str(data.get("description") or
                                                    data.get("error") or "")]
    text = redact(strip_control("; ".join(texts))).replace("\n", " ").strip()[:300]
    return text or _("no reason given")


def _json(response: httpx.Response) -> dict[str, Any] | None:
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _unwrap(response: httpx.Response, name: str, label: str, *, creating: bool = False,
            need_id: bool = True) -> dict[str, Any]:
    """The ``{"name": {...}}`` object of an answer; without it a create is of unknown outcome."""
    data = _json(response) or {}
    item = data.get(name)
    if isinstance(item, dict) and (not need_id or item.get("id") not in (None, "")):
        return item
    err = BackendError(_("{label}: HTTP {code} without a {name} in the answer").format(
                           label=label, code=response.status_code, name=name),
                       _("tokohelp checks whether the request arrived before sending again.")
                       if creating else _("Is url the account's base URL, e.g. "
                                          "https://example.zendesk.com?"))
    err.maybe_sent = creating
    raise err


def _reply(comment: dict[str, Any], users: dict[Any, dict[str, Any]],
           requester: Any) -> RemoteReply:
    """One comment as a reply: who (you, or the name Zendesk gives), when, text, files."""
    from tokohelp.tickets.htmltext import html_to_text

    author = comment.get("author_id")
    name = _("you") if author == requester and author is not None else \
        str((users.get(author) or {}).get("name") or _("agent"))
    markup = comment.get("html_body")
    text = html_to_text(markup) if isinstance(markup, str) and markup else \
        html_to_text(_plain_as_html(str(comment.get("body") or "")))
    files = [str(a.get("file_name") or "") for a in comment.get("attachments") or []
             if isinstance(a, dict)]
    return RemoteReply(author=name, created=str(comment.get("created_at") or ""), text=text,
                       attachments=[f for f in files if f])


def _plain_as_html(text: str) -> str:
    import html

    return "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines())


def _path_id(remote_id: str) -> str:
    """A stored remote id as one path segment (Zendesk ids are numbers)."""
    from urllib.parse import quote

    return quote(str(remote_id), safe="")
