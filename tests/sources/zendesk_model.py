"""A small loopback model of Zendesk Guide's Help Center API, for the sync tests.

There is no Zendesk server to run here, so this follows Zendesk's documentation of the
endpoints tokohelp uses, and nothing more:

- Articles, "JSON format" and "List Articles"
  (https://developer.zendesk.com/api-reference/help_center/help-center-api/articles/):
  ``GET /api/v2/help_center/{locale}/articles`` with offset pagination (``page``,
  ``per_page`` up to 100; the answer carries ``articles``, ``page``, ``per_page``,
  ``page_count``, ``count``, ``next_page``, ``previous_page``, ``sort_by``,
  ``sort_order``); ``GET /api/v2/help_center/{locale}/articles/{id}``; an article has
  ``id``, ``url``, ``html_url``, ``title``, ``body`` (HTML), ``locale``, ``source_locale``,
  ``draft`` ("true if the translation for the current locale is a draft"), ``section_id``,
  ``label_names``, ``created_at``, ``updated_at``, ``edited_at``. Anonymous requests see
  only what end users may see: published translations.
- "Understanding incremental article exports"
  (https://developer.zendesk.com/documentation/help_center/help-center-api/understanding-incremental-article-exports/):
  ``GET /api/v2/help_center/incremental/articles?start_time={epoch}`` returns every
  article whose metadata changed after the start time, up to 1,000 a page; ``next_page``
  holds a new ``start_time`` (the last change of the page's last item), also given as
  ``end_time``; agents or admins only.
- Rate limits ("Catching errors caused by rate limiting"): HTTP 429 with ``Retry-After``
  in seconds.
- Archived articles (Zendesk's way of deleting) no longer appear in lists and answer 404.

Not modelled: content blocks, translations' own endpoints, cursor pagination, sections
and categories endpoints, search, votes, comments, attachments, user segments.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Translation:
    title: str
    body: str
    draft: bool = False
    updated: float = field(default_factory=time.time)


@dataclass
class ZArticle:
    id: int
    section_id: int
    translations: dict[str, Translation]
    labels: list[str] = field(default_factory=list)
    archived: bool = False
    created: float = field(default_factory=time.time)
    changed: float = field(default_factory=time.time)


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


class ZendeskModel:
    """The help center's data, the faults to inject, and a request log."""

    def __init__(self, email: str = "agent@example.com", token: str = "zd-secret-token"):
        self.articles: dict[int, ZArticle] = {}
        self.email, self.token = email, token
        self.requests: list[tuple[str, str]] = []
        self.rate_limit_next = 0      # answer 429 to this many next requests
        self.hold_after = 0           # block requests after this many (0: never)
        self.release = threading.Event()
        self.release.set()
        self._next_id = 360000000001
        self._clock = time.time()
        self.lock = threading.Lock()

    def tick(self) -> float:
        """A strictly increasing change time (whole seconds, like Zendesk's timestamps)."""
        self._clock = max(self._clock + 1, float(int(time.time())))
        return self._clock

    def add(self, section_id: int, translations: dict[str, tuple[str, str]],
            labels: list[str] | None = None, draft: bool = False) -> int:
        now = self.tick()
        article = ZArticle(self._next_id, section_id,
                           {loc: Translation(t, b, draft, now) for loc, (t, b) in
                            translations.items()}, labels or [], created=now, changed=now)
        self.articles[article.id] = article
        self._next_id += 1
        return article.id

    def edit(self, article_id: int, locale: str, *, title: str | None = None,
             body: str | None = None, draft: bool | None = None) -> None:
        now = self.tick()
        tr = self.articles[article_id].translations[locale]
        tr.title = title if title is not None else tr.title
        tr.body = body if body is not None else tr.body
        tr.draft = draft if draft is not None else tr.draft
        tr.updated = now
        self.articles[article_id].changed = now

    def archive(self, article_id: int) -> None:
        self.articles[article_id].archived = True
        self.articles[article_id].changed = self.tick()

    def authenticated(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return user == f"{self.email}/token" and secret == self.token

    def record(self, article: ZArticle, locale: str, base: str) -> dict[str, Any]:
        tr = article.translations[locale]
        return {"id": article.id, "url": f"{base}/api/v2/help_center/{locale}/articles/"
                                         f"{article.id}.json",
                "html_url": f"{base}/hc/{locale}/articles/{article.id}",
                "title": tr.title, "body": tr.body, "locale": locale,
                "source_locale": next(iter(article.translations)), "draft": tr.draft,
                "section_id": article.section_id, "label_names": article.labels,
                "created_at": _iso(article.created), "updated_at": _iso(tr.updated),
                "edited_at": _iso(tr.updated), "author_id": 1, "outdated": False,
                "position": 0, "promoted": False, "comments_disabled": False}


class _Handler(BaseHTTPRequestHandler):
    model: ZendeskModel
    base: str

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        model = self.model
        with model.lock:
            model.requests.append(("GET", self.path))
            count = len(model.requests)
            if model.rate_limit_next > 0:
                model.rate_limit_next -= 1
                return self._send(429, {"error": "TooManyRequests"}, {"Retry-After": "1"})
        if model.hold_after and count > model.hold_after:
            model.release.wait(600)
        self._route()

    def _route(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        segments = [s for s in parts.path.split("/") if s]
        agent = self.model.authenticated(self.headers.get("Authorization"))
        if self.headers.get("Authorization") and not agent:
            return self._send(401, {"error": "Couldn't authenticate you"})
        if segments[:3] != ["api", "v2", "help_center"]:
            return self._send(404, {"error": "InvalidEndpoint"})
        rest = segments[3:]
        if rest[:2] == ["incremental", "articles.json"]:
            return self._incremental(query, agent)
        if len(rest) == 2 and rest[1] == "articles.json":
            return self._list(rest[0], query, agent)
        if len(rest) == 3 and rest[1] == "articles" and rest[2].endswith(".json"):
            return self._show(rest[0], rest[2][:-5], agent)
        return self._send(404, {"error": "InvalidEndpoint"})

    def _visible(self, locale: str, agent: bool) -> list[ZArticle]:
        return [a for a in self.model.articles.values() if not a.archived
                and locale in a.translations and (agent or not a.translations[locale].draft)]

    def _list(self, locale: str, query: dict[str, str], agent: bool) -> None:
        per_page = max(1, min(100, int(query.get("per_page", 30))))
        page = max(1, int(query.get("page", 1)))
        items = sorted(self._visible(locale, agent),
                       key=lambda a: (a.translations[locale].updated, a.id))
        page_count = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page: page * per_page]
        url = f"{self.base}/api/v2/help_center/{locale}/articles.json?page={{}}&per_page=" \
              f"{per_page}&sort_by=updated_at&sort_order=asc"
        self._send(200, {
            "articles": [self.model.record(a, locale, self.base) for a in chunk],
            "page": page, "per_page": per_page, "page_count": page_count, "count": len(items),
            "next_page": url.format(page + 1) if page < page_count else None,
            "previous_page": url.format(page - 1) if page > 1 else None,
            "sort_by": "updated_at", "sort_order": "asc"})

    def _show(self, locale: str, raw_id: str, agent: bool) -> None:
        article = self.model.articles.get(int(raw_id)) if raw_id.isdigit() else None
        if not article or article not in self._visible(locale, agent):
            return self._send(404, {"error": "RecordNotFound", "description": "Not found"})
        self._send(200, {"article": self.model.record(article, locale, self.base)})

    def _incremental(self, query: dict[str, str], agent: bool) -> None:
        if not agent:
            return self._send(403, {"error": "Forbidden",
                                    "description": "You do not have access to this page."})
        start = int(query.get("start_time", 0))
        changed = sorted((a for a in self.model.articles.values()
                          if a.changed > start and not a.archived), key=lambda a: a.changed)
        page = changed[:1000]
        end = int(page[-1].changed) if page else start
        records = [self.model.record(a, next(iter(a.translations)), self.base) for a in page]
        nxt = (f"{self.base}/api/v2/help_center/incremental/articles.json?start_time={end}"
               if len(page) == 1000 else None)
        self._send(200, {"articles": records, "next_page": nxt, "end_time": end,
                         "count": len(records)})

    def _send(self, code: int, payload: dict[str, Any],
              headers: dict[str, str] | None = None) -> None:
        body = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class ZendeskServer:
    """The model served on a free 127.0.0.1 port until ``stop``."""

    def __init__(self, model: ZendeskModel) -> None:
        self.model = model
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        handler = type("Handler", (_Handler,), {"model": model, "base": self.url})
        self.httpd.RequestHandlerClass = handler
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> ZendeskServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.model.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
