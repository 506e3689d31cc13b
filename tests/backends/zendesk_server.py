"""A loopback model of Zendesk Support's end-user Requests API, for the zendesk backend tests.

There is no Zendesk to run here, so this follows Zendesk's documentation, page by page:

- Requests (create, list, show, list comments, the request JSON format, anonymous
  requests, "admins and agents are treated as end users"):
  https://developer.zendesk.com/api-reference/ticketing/tickets/ticket-requests/
  https://developer.zendesk.com/documentation/ticketing/managing-tickets/creating-and-managing-requests/
- Uploads (``POST /api/v2/uploads?filename=``, raw bytes, ``Content-Type`` of the file,
  201 ``{"upload": {"token": ..., "attachment": ..., "attachments": [...]}}``, the token is
  valid for 60 minutes, the optional ``token`` parameter adds a file to an upload):
  https://developer.zendesk.com/api-reference/ticketing/tickets/ticket-attachments/#upload-files
  https://developer.zendesk.com/documentation/ticketing/managing-tickets/adding-ticket-attachments-with-the-api
- Idempotency (``Idempotency-Key``; ``x-idempotency-lookup: miss`` on first use and ``hit``
  on a replay, which returns the original answer; the same key with a different body is a
  400 ``IdempotentRequestError``; keys are kept for 2 hours):
  https://developer.zendesk.com/api-reference/ticketing/introduction/#idempotency
- Rate limits (``X-Rate-Limit`` / ``X-Rate-Limit-Remaining`` on every answer; 429 with
  ``Retry-After`` in seconds and the text/plain body "Number of allowed API requests per
  minute exceeded"; anonymous requests limited to 5 per hour on trial accounts):
  https://developer.zendesk.com/api-reference/introduction/rate-limits/
  https://developer.zendesk.com/documentation/api-basics/best-practices/best-practices-for-avoiding-rate-limiting
- Pagination (cursor: ``page[size]`` up to 100, ``page[after]``, ``meta.has_more``,
  ``meta.after_cursor``, ``links.next``; offset: ``page``, ``per_page``, ``next_page``):
  https://developer.zendesk.com/api-reference/introduction/pagination/
- Request/response format and errors (401 "Couldn't authenticate you", 404
  ``RecordNotFound``, 422 ``RecordInvalid`` with ``details`` per field):
  https://developer.zendesk.com/api-reference/introduction/requests/
- Authentication (Basic ``{email}/token:{api_token}``, OAuth ``Bearer``) and Show Self
  (``GET /api/v2/users/me``; an unauthenticated caller gets the anonymous user, id null):
  https://developer.zendesk.com/api-reference/introduction/security-and-auth/
  https://developer.zendesk.com/api-reference/ticketing/users/users/#show-self

What the model does NOT cover (tests must not rely on it being Zendesk):

- The agent side (Tickets API, triggers, automations, views, SLAs, e-mail notifications).
  Agents answer through ``ZendeskState.agent_comment`` and ``set_status`` instead.
- ``PUT /api/v2/requests/{id}`` is modelled only for a comment (with uploads) from the
  requester and ``solved: true`` (Update Request, same Requests page): the comment reopens
  a pending or solved request, a closed request refuses comments with 422, ``solved`` is
  honoured only where ``can_be_solved_by_me``.  No ``Idempotency-Key`` on updates (the
  docs describe keys for creation only), collaborators / CCs, follow-ups of
  closed requests, ticket forms, custom statuses, brands (multibrand), organizations,
  ``GET /api/v2/requests/search`` and the search index delay, sideloads other than
  ``include=users``, the ``since`` and ``role`` filters on comments.
- Whether Zendesk honours ``Idempotency-Key`` on ``POST /api/v2/requests``: the docs
  describe it for ticket creation.  ``honour_idempotency = False`` models a Zendesk that
  ignores it; the backend must stay duplicate-free through its own look-up.
- What Zendesk does with an expired or unknown upload token in ``comment.uploads`` is not
  documented; the model drops it silently (the worse case: the file is missing).
- Whether anonymous callers may upload files (the model allows it when anonymous
  requests are allowed), and what a disabled anonymous request answers (modelled as 401).
- Exact error texts other than the ones quoted above; the validation rules beyond a
  blank first comment and an unusable anonymous requester; per-endpoint limits other
  than the account limit and the anonymous one; HTML sanitising of comments.
- Cursor pagination ignoring ``sort_by`` on List Requests (a reported Zendesk bug); the
  model sorts as documented.
"""

from __future__ import annotations

import base64
import html
import json
import math
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

TOO_MANY = "Number of allowed API requests per minute exceeded"
UPLOAD_LIFETIME = 60 * 60     # seconds an upload token is valid
IDEMPOTENCY_LIFETIME = 2 * 60 * 60
ANONYMOUS_USER = {"id": None, "url": None, "name": "Anonymous user",
                  "email": "invalid@example.com", "role": "end-user"}


class Answer(Exception):
    """An HTTP answer raised from deep inside a route (errors, mostly)."""

    def __init__(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.data, self.headers = status, data, headers or {}


def not_authenticated() -> Answer:
    return Answer(401, {"error": "Couldn't authenticate you"})


def record_invalid(field_name: str, description: str, error: str) -> Answer:
    return Answer(422, {"error": "RecordInvalid", "description": "Record validation errors",
                        "details": {field_name: [{"description": description,
                                                  "error": error}]}})


@dataclass
class ZendeskState:
    """Everything the model account holds; tests read and change it directly."""

    base: str = ""
    anonymous_allowed: bool = True
    honour_idempotency: bool = True
    rate_limit: int = 700            # requests per minute, the account limit
    anonymous_limit: int | None = None  # anonymous creates per hour (5 on trial accounts)
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    api_tokens: dict[str, str] = field(default_factory=dict)    # email -> token
    oauth_tokens: dict[str, int] = field(default_factory=dict)  # token -> user id
    requests: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    uploads: dict[str, dict[str, Any]] = field(default_factory=dict)
    idempotency: dict[str, dict[str, Any]] = field(default_factory=dict)
    log: list[tuple[str, str]] = field(default_factory=list)   # (method, path) received
    offset: float = 0.0
    window: list[float] = field(default_factory=lambda: [0.0, 0])
    anonymous_creates: list[float] = field(default_factory=list)
    next_id: int = 100
    lock: threading.RLock = field(default_factory=threading.RLock)

    # -- clock and ids -------------------------------------------------------------------

    def now(self) -> float:
        """The model's clock: real time plus whatever a test advanced it by."""
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def stamp(self) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.now()))

    def new_id(self) -> int:
        with self.lock:
            self.next_id += 1
            return self.next_id

    # -- people --------------------------------------------------------------------------

    def add_user(self, email: str, name: str, *, role: str = "end-user",
                 api_token: str | None = None, oauth_token: str | None = None) -> int:
        """An end user (or agent) who may sign in with the given API or OAuth token."""
        user_id = self.new_id()
        self.users[user_id] = {"id": user_id, "url": f"{self.base}/api/v2/users/{user_id}.json",
                               "name": name, "email": email, "role": role,
                               "created_at": self.stamp()}
        if api_token:
            self.api_tokens[email.lower()] = api_token
        if oauth_token:
            self.oauth_tokens[oauth_token] = user_id
        return user_id

    def user_by_email(self, email: str) -> dict[str, Any] | None:
        return next((u for u in self.users.values() if u["email"].lower() == email.lower()),
                    None)

    # -- the agent side (not HTTP: the Tickets API is not modelled) ----------------------

    def agent_comment(self, request_id: int, html_body: str, *, agent: int,
                      status: str | None = "pending", public: bool = True,
                      files: list[tuple[str, str]] | None = None) -> dict[str, Any]:
        """An agent answers; by default the request then waits for the requester."""
        text = html.unescape(_strip_tags(html_body))
        attachments = [self._attachment(name, mime, 0, "agent") for name, mime in files or []]
        comment = self._comment(request_id, agent, text, html_body, attachments, public)
        request = self.requests[request_id]
        request["assignee_id"] = agent
        request["can_be_solved_by_me"] = True
        if status:
            self.set_status(request_id, status)
        return comment

    def set_status(self, request_id: int, status: str) -> None:
        request = self.requests[request_id]
        request["status"], request["updated_at"] = status, self.stamp()
        request["solved"] = status in ("solved", "closed")

    def _comment(self, request_id: int, author: int, text: str, html_body: str,
                 attachments: list[dict[str, Any]], public: bool = True) -> dict[str, Any]:
        comment = {"id": self.new_id(), "type": "Comment", "request_id": request_id,
                   "author_id": author, "body": text, "plain_body": text,
                   "html_body": html_body, "public": public, "attachments": attachments,
                   "created_at": self.stamp()}
        self.comments.setdefault(request_id, []).append(comment)
        return comment

    def _attachment(self, name: str, mime: str, size: int, token: str) -> dict[str, Any]:
        attachment_id = self.new_id()
        return {"id": attachment_id, "file_name": name, "content_type": mime, "size": size,
                "content_url": f"{self.base}/attachments/token/{token}/?name={name}",
                "url": f"{self.base}/api/v2/attachments/{attachment_id}.json",
                "inline": False, "deleted": False, "thumbnails": []}

    # -- what tests count ----------------------------------------------------------------

    def with_subject(self, subject: str) -> list[dict[str, Any]]:
        return [r for r in self.requests.values() if r["subject"] == subject]

    def files_of(self, request_id: int) -> list[dict[str, Any]]:
        return [a for c in self.comments.get(request_id, []) for a in c["attachments"]]

    def received(self, method: str, path: str) -> int:
        return sum(1 for m, p in self.log if m == method and p == path)

    # -- rate limit ----------------------------------------------------------------------

    def count_call(self) -> dict[str, str]:
        """Count one call in the current minute; 429 past the limit, headers otherwise."""
        with self.lock:
            now = self.now()
            if now - self.window[0] >= 60:
                self.window[:] = [now, 0]
            self.window[1] += 1
            remaining = self.rate_limit - self.window[1]
            headers = {"X-Rate-Limit": str(self.rate_limit),
                       "X-Rate-Limit-Remaining": str(max(remaining, 0))}
            if remaining < 0:
                wait = math.ceil(60 - (now - self.window[0]))
                raise Answer(429, TOO_MANY, {**headers, "Retry-After": str(max(wait, 1))})
            return headers

    def count_anonymous_create(self) -> None:
        if self.anonymous_limit is None:
            return
        now = self.now()
        self.anonymous_creates[:] = [t for t in self.anonymous_creates if now - t < 3600]
        if len(self.anonymous_creates) >= self.anonymous_limit:
            wait = math.ceil(3600 - (now - self.anonymous_creates[0]))
            raise Answer(429, TOO_MANY, {"Retry-After": str(max(wait, 1))})
        self.anonymous_creates.append(now)


class ZendeskHandler(BaseHTTPRequestHandler):
    """Routes the modelled endpoints; every answer carries the rate-limit headers."""

    server: ZendeskHTTPServer

    def log_message(self, *args: Any) -> None:
        """Quiet: pytest shows failures, not access logs."""

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def _handle(self) -> None:
        state = self.server.state
        parts = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
        state.log.append((self.command, parts.path))
        headers: dict[str, str] = {}
        try:
            headers = state.count_call()
            user = self._user()
            status, data, extra = self._route(parts.path, parse_qs(parts.query), body, user)
            self._send(status, data, {**headers, **extra})
        except Answer as answer:
            self._send(answer.status, answer.data, {**headers, **answer.headers})

    def _user(self) -> dict[str, Any] | None:
        """The signed-in user, None for an anonymous caller; 401 for wrong credentials."""
        state = self.server.state
        value = self.headers.get("Authorization", "")
        scheme, _, credential = value.partition(" ")
        if not value:
            return None
        if scheme == "Bearer" and credential in state.oauth_tokens:
            return state.users[state.oauth_tokens[credential]]
        if scheme == "Basic":
            try:
                decoded = base64.b64decode(credential, validate=True).decode("utf-8", "replace")
            except ValueError:
                raise not_authenticated() from None
            login, _, secret = decoded.partition(":")
            email, marker, _rest = login.partition("/token")
            user = state.user_by_email(email) if marker else None
            if user and state.api_tokens.get(email.lower()) == secret:
                return user
        raise not_authenticated()

    def _route(self, path: str, query: dict[str, list[str]], body: bytes,
               user: dict[str, Any] | None) -> tuple[int, Any, dict[str, str]]:
        api = self.server.api
        segments = path.removesuffix(".json").strip("/").split("/")[2:]  # after api/v2
        if self.command == "POST" and segments == ["uploads"]:
            return api.upload(query, body, self.headers.get("Content-Type", ""), user)
        if self.command == "POST" and segments == ["requests"]:
            return api.create(body, self.headers.get("Idempotency-Key"), user)
        if self.command == "PUT" and segments[:1] == ["requests"] and len(segments) == 2:
            if user is None:
                raise not_authenticated()
            return api.update(segments[1], body, user)
        if self.command == "GET" and segments == ["users", "me"]:
            return 200, {"user": user or ANONYMOUS_USER}, {}
        if self.command == "GET" and segments[:1] == ["requests"]:
            return 200, self._read(segments[1:], query, user), {}
        raise Answer(404, {"error": "InvalidEndpoint", "description": "Not found"})

    def _read(self, segments: list[str], query: dict[str, list[str]],
              user: dict[str, Any] | None) -> dict[str, Any]:
        """GET /requests, /requests/{id} and /requests/{id}/comments: signed-in users only."""
        api = self.server.api
        if user is None:
            raise not_authenticated()
        if not segments:
            return api.list_requests(query, user)
        request = api.own_request(segments[0], user)
        if segments[1:] == []:
            return {"request": request}
        if segments[1:] == ["comments"]:
            return api.list_comments(request, query)
        raise Answer(404, {"error": "InvalidEndpoint", "description": "Not found"})

    def _send(self, status: int, data: Any, headers: dict[str, str]) -> None:
        if isinstance(data, str):
            payload, kind = data.encode(), "text/plain; charset=utf-8"
        else:
            payload, kind = json.dumps(data).encode(), "application/json; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


class RequestsAPI:
    """The endpoints, over one ZendeskState."""

    def __init__(self, state: ZendeskState) -> None:
        self.state = state

    def upload(self, query: dict[str, list[str]], body: bytes, mime: str,
               user: dict[str, Any] | None) -> tuple[int, Any, dict[str, str]]:
        state = self.state
        if user is None and not state.anonymous_allowed:
            raise not_authenticated()
        name = query.get("filename", [""])[0]
        token = query.get("token", [None])[0] or base64.b32encode(
            state.new_id().to_bytes(8, "big")).decode().strip("=").lower()
        with state.lock:
            upload = state.uploads.setdefault(token, {"created": state.now(), "files": [],
                                                      "used": False})
            attachment = state._attachment(name, mime.split(";")[0] or "application/binary",
                                           len(body), token)
            upload["files"].append({**attachment, "data": body})
        shown = [{k: v for k, v in f.items() if k != "data"} for f in upload["files"]]
        return 201, {"upload": {"token": token, "attachment": shown[-1],
                                "attachments": shown}}, {}

    def create(self, body: bytes, key: str | None,
               user: dict[str, Any] | None) -> tuple[int, Any, dict[str, str]]:
        """Create Request, replayed for a known Idempotency-Key (2 hours)."""
        state = self.state
        try:
            document = json.loads(body or b"{}")
        except ValueError:
            raise Answer(400, {"error": "Unprocessable JSON"}) from None
        if not (key and state.honour_idempotency):
            return (*self._create(document, user), {})
        with state.lock:
            seen = state.idempotency.get(key)
            if seen and state.now() - seen["at"] < IDEMPOTENCY_LIFETIME:
                if seen["body"] != document:
                    raise Answer(400, {"error": "IdempotentRequestError", "description":
                                       "Request parameters don't match the given "
                                       "idempotency key"})
                return seen["status"], seen["data"], {"x-idempotency-lookup": "hit"}
            status, data = self._create(document, user)
            state.idempotency[key] = {"at": state.now(), "body": document, "status": status,
                                      "data": data}
        return status, data, {"x-idempotency-lookup": "miss"}

    def _create(self, document: dict[str, Any],
                user: dict[str, Any] | None) -> tuple[int, dict[str, Any]]:
        state = self.state
        request = document.get("request") if isinstance(document, dict) else None
        request = request if isinstance(request, dict) else {}
        comment = request.get("comment") if isinstance(request.get("comment"), dict) else {}
        text = str(comment.get("body") or "")
        if not text.strip():
            raise record_invalid("description", "Description: cannot be blank", "BlankValue")
        requester = user or self._anonymous_requester(request)
        with state.lock:
            request_id = state.new_id()
            stored = self._request_object(request_id, request, text, requester["id"])
            state.requests[request_id] = stored
            files = self._take_uploads(comment.get("uploads"))
            state._comment(request_id, requester["id"], text,
                           f"<div class=\"zd-comment\"><p>{html.escape(text)}</p></div>", files)
        return 201, {"request": stored}

    def update(self, raw_id: str, body: bytes,
               user: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        """Update Request: the requester comments (reopening it) and/or marks it solved."""
        state = self.state
        try:
            document = json.loads(body or b"{}")
        except ValueError:
            raise Answer(400, {"error": "Unprocessable JSON"}) from None
        change = document.get("request") if isinstance(document, dict) else None
        change = change if isinstance(change, dict) else {}
        with state.lock:
            request = self.own_request(raw_id, user)
            if request["status"] == "closed":
                raise record_invalid("status", "Status: closed prevents ticket update",
                                     "ClosedPreventsUpdate")
            comment = change.get("comment") if isinstance(change.get("comment"), dict) else None
            if comment is not None and str(comment.get("body") or "").strip():
                text = str(comment["body"])
                files = self._take_uploads(comment.get("uploads"))
                state._comment(request["id"], user["id"], text,
                               f"<div class=\"zd-comment\"><p>{html.escape(text)}</p></div>",
                               files)
                if request["status"] in ("pending", "solved"):
                    state.set_status(request["id"], "open")
                request["updated_at"] = state.stamp()
            if change.get("solved") is True and request["can_be_solved_by_me"]:
                state.set_status(request["id"], "solved")
        return 200, {"request": request}, {}

    def _anonymous_requester(self, request: dict[str, Any]) -> dict[str, Any]:
        state = self.state
        if not state.anonymous_allowed:
            raise not_authenticated()
        requester = request.get("requester")
        email = requester.get("email") if isinstance(requester, dict) else None
        if not isinstance(email, str) or "@" not in email:
            raise record_invalid("requester", "Requester: Email is invalid", "InvalidValue")
        state.count_anonymous_create()
        known = state.user_by_email(email)
        if known:
            return known
        return state.users[state.add_user(email, str(requester.get("name") or email))]

    def _request_object(self, request_id: int, request: dict[str, Any], text: str,
                        requester_id: int) -> dict[str, Any]:
        state = self.state
        now = state.stamp()
        subject = str(request.get("subject") or "") or text[:50]
        fields = [f for f in request.get("custom_fields") or []
                  if isinstance(f, dict) and "id" in f]
        return {"id": request_id, "url": f"{state.base}/api/v2/requests/{request_id}.json",
                "subject": subject, "description": text, "status": "new", "priority": None,
                "type": None, "requester_id": requester_id, "assignee_id": None,
                "group_id": None, "organization_id": None, "collaborator_ids": [],
                "email_cc_ids": [], "custom_fields": fields, "fields": fields,
                "via": {"channel": "api", "source": {"from": {}, "to": {}, "rel": None}},
                "is_public": True, "can_be_solved_by_me": False, "solved": False,
                "due_at": None, "recipient": None, "followup_source_id": None,
                "ticket_form_id": None, "created_at": now, "updated_at": now}

    def _take_uploads(self, tokens: Any) -> list[dict[str, Any]]:
        """The files of each valid, unused token; expired or unknown tokens are dropped."""
        state = self.state
        files = []
        for token in tokens if isinstance(tokens, list) else []:
            upload = state.uploads.get(token)
            if not upload or upload["used"] or state.now() - upload["created"] > UPLOAD_LIFETIME:
                continue
            upload["used"] = True
            files += [dict(f) for f in upload["files"]]
        return files

    def own_request(self, raw_id: str, user: dict[str, Any]) -> dict[str, Any]:
        request = self.state.requests.get(int(raw_id)) if raw_id.isdigit() else None
        if request is None or request["requester_id"] != user["id"]:
            raise Answer(404, {"error": "RecordNotFound", "description": "Not found"})
        return request

    def list_requests(self, query: dict[str, list[str]], user: dict[str, Any]) -> dict[str, Any]:
        mine = [r for r in self.state.requests.values() if r["requester_id"] == user["id"]]
        key = _one(query, "sort_by", "created_at")
        key = key if key in ("created_at", "updated_at") else "created_at"
        mine.sort(key=lambda r: (r[key], r["id"]), reverse=_one(query, "sort_order") == "desc")
        return paginate(mine, "requests", query, f"{self.state.base}/api/v2/requests.json")

    def list_comments(self, request: dict[str, Any], query: dict[str, list[str]]
                      ) -> dict[str, Any]:
        shown = [{k: v for k, v in c.items() if k != "attachments"}
                 | {"attachments": [{k: v for k, v in a.items() if k != "data"}
                                    for a in c["attachments"]]}
                 for c in self.state.comments.get(request["id"], []) if c["public"]]
        descending = _one(query, "sort") == "-created_at" or _one(query, "sort_order") == "desc"
        shown.sort(key=lambda c: (c["created_at"], c["id"]), reverse=descending)
        url = f"{self.state.base}/api/v2/requests/{request['id']}/comments.json"
        page = paginate(shown, "comments", query, url)
        if "users" in _one(query, "include", "").split(","):
            authors = {c["author_id"] for c in page["comments"]}
            page["users"] = [{"id": u["id"], "name": u["name"], "agent": u["role"] != "end-user"}
                             for u in self.state.users.values() if u["id"] in authors]
        return page


def paginate(items: list[dict[str, Any]], name: str, query: dict[str, list[str]],
             url: str) -> dict[str, Any]:
    """Cursor pagination with ``page[size]``; offset pagination (``page``, ``per_page``) else."""
    if "page[size]" in query:
        size = min(max(int(_one(query, "page[size]")), 1), 100)
        start = _decode_cursor(_one(query, "page[after]", ""))
        chunk = items[start:start + size]
        more = start + size < len(items)
        after = _encode_cursor(start + len(chunk))
        params = {k: v[0] for k, v in query.items() if k not in ("page[after]", "page[before]")}
        return {name: chunk,
                "meta": {"has_more": more, "after_cursor": after,
                         "before_cursor": _encode_cursor(start)},
                "links": {"next": f"{url}?{urlencode({**params, 'page[after]': after})}"
                          if more else None, "prev": None}}
    per_page = min(max(int(_one(query, "per_page", "100")), 1), 100)
    page = max(int(_one(query, "page", "1")), 1)
    chunk = items[(page - 1) * per_page:page * per_page]
    params = {k: v[0] for k, v in query.items() if k != "page"}
    more = page * per_page < len(items)
    return {name: chunk, "count": len(items),
            "next_page": f"{url}?{urlencode({**params, 'page': page + 1})}" if more else None,
            "previous_page": f"{url}?{urlencode({**params, 'page': page - 1})}"
            if page > 1 else None}


def _encode_cursor(index: int) -> str:
    return base64.urlsafe_b64encode(f"i{index}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        return int(text[1:])
    except ValueError:
        raise Answer(400, {"error": "InvalidPaginationParameter",
                           "description": "invalid cursor"}) from None


def _one(query: dict[str, list[str]], name: str, default: str = "") -> str:
    return query.get(name, [default])[0]


def _strip_tags(markup: str) -> str:
    import re

    return re.sub(r"<[^>]+>", "", markup)


class ZendeskHTTPServer(ThreadingHTTPServer):
    """The model account on a free loopback port; ``url`` is what a config's ``url`` is."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ZendeskHandler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.state = ZendeskState(base=self.url)
        self.api = RequestsAPI(self.state)

    def start(self) -> ZendeskHTTPServer:
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
