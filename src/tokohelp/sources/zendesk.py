"""Zendesk Guide (Help Center) over its REST API, as a knowledge-base source.

By default every configured locale is listed with offset pagination
(``GET /api/v2/help_center/{locale}/articles?per_page=100``, following ``next_page``):
that sees new, changed, unpublished (draft) and archived articles alike, and anonymous
access is enough for a public help center.  With agent credentials and
``incremental = true``, later syncs ask the incremental export
(``GET /api/v2/help_center/incremental/articles?start_time=...``) what changed since the
previous ``end_time`` and re-read only those translations; archived articles then
disappear at the next full listing (``tokohelp sync --full``).  A translation shares its
article's id, so both languages of one article get one slug.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tokohelp.errors import BackendError
from tokohelp.i18n import _
from tokohelp.sources.model import Fetched, SourceArticle
from tokohelp.sources.web import Fetcher, get_json

if TYPE_CHECKING:
    from tokohelp.sources.library import State

PER_PAGE = 100
MAX_PAGES = 10_000


@dataclass
class ZendeskSource:
    """Settings of one ``type = "zendesk"`` source (already validated)."""

    name: str
    url: str
    locales: dict[str, str]
    headers: dict[str, str]
    settings: dict[str, Any]
    incremental: bool = False
    full: bool = False
    categories: dict[str, str] = field(default_factory=dict)
    default_category: str = "general"
    known_categories: frozenset[str] = frozenset()

    @property
    def label(self) -> str:
        """How messages name this source (never with credentials)."""
        return f"source {self.name} (Zendesk at {self.url})"

    def fetch(self, state: State) -> Fetched:
        """Full listing, or the incremental export when allowed and a previous end exists."""

        with Fetcher(self.settings, self.headers) as client:
            start = state.cursor.get("end_time")
            if self.incremental and start and not self.full:
                return self._incremental(client, int(start), state)
            fetched = self._full(client, state)
            if self.incremental:
                fetched.cursor["end_time"] = self._export_end(client, start=0)
            return fetched

    def _full(self, client: Fetcher, state: State) -> Fetched:
        fetched = Fetched()
        for locale, lang in self.locales.items():
            url: str | None = f"{self.url}/api/v2/help_center/{locale}/articles.json"
            params: dict[str, Any] | None = {"per_page": PER_PAGE, "sort_by": "updated_at"}
            for _page in range(MAX_PAGES):
                if not url:
                    break
                data = get_json(client, self.label, url, params=params)
                for record in _records(data, self.label):
                    self._take(record, lang, state, fetched)
                url, params = _next_page(data, self.url), None
        return fetched

    def _take(self, record: dict[str, Any], lang: str, state: State, fetched: Fetched) -> None:
        source_id = f"{record.get('id')}:{lang}"
        if record.get("draft"):
            fetched.removed.add(source_id)
            return
        fetched.present.add(source_id)  # a bad record keeps its last good copy
        try:
            article = self._article(record, lang)
        except ValueError as exc:
            fetched.problems.append((_("Zendesk article {id} ({lang})").format(
                id=record.get("id"), lang=lang), str(exc)))
            return
        known = state.articles.get(source_id)
        if not known or known.get("updated") != article.updated:
            fetched.changed.append(article)

    def _article(self, record: dict[str, Any], lang: str) -> SourceArticle:
        article_id = record.get("id")
        title, body = record.get("title"), record.get("body")
        if not isinstance(article_id, int) or not isinstance(title, str) or not title.strip():
            raise ValueError(_("it has no id or no title"))
        if not isinstance(body, str) or not body.strip():
            raise ValueError(_("it has no body"))
        labels = record.get("label_names") or []
        return SourceArticle(
            source_id=f"{article_id}:{lang}", slug_key=str(article_id), lang=lang,
            title=title.strip(), html=body, category=self._category(record),
            updated=str(record.get("updated_at") or ""), url=str(record.get("html_url") or ""),
            tags=[str(label) for label in labels if isinstance(label, str)][:20])

    def _category(self, record: dict[str, Any]) -> str:
        for key in ("section_id", "category_id"):
            mapped = self.categories.get(str(record.get(key)))
            if mapped in self.known_categories:
                return mapped
        return self.default_category

    def _incremental(self, client: Fetcher, start: int, state: State) -> Fetched:
        fetched = Fetched(complete=False)
        changed_ids: set[int] = set()
        end = start
        url: str | None = f"{self.url}/api/v2/help_center/incremental/articles.json"
        params: dict[str, Any] | None = {"start_time": start}
        for _page in range(MAX_PAGES):
            if not url:
                break
            data = get_json(client, self.label, url, params=params)
            changed_ids |= {r["id"] for r in _records(data, self.label)
                            if isinstance(r.get("id"), int)}
            end = max(end, int(data.get("end_time") or end))
            url, params = _next_export_page(data, self.url, len(data.get("articles") or [])), None
        for article_id in sorted(changed_ids):
            self._reread(client, article_id, state, fetched)
        fetched.cursor["end_time"] = end
        return fetched

    def _reread(self, client: Fetcher, article_id: int, state: State,
                fetched: Fetched) -> None:
        for locale, lang in self.locales.items():
            url = f"{self.url}/api/v2/help_center/{locale}/articles/{article_id}.json"
            data = get_json(client, self.label, url, missing_ok=True)
            record = data.get("article") if isinstance(data, dict) else None
            if not isinstance(record, dict):
                fetched.removed.add(f"{article_id}:{lang}")
                continue
            self._take(record, lang, state, fetched)

    def _export_end(self, client: Fetcher, start: int) -> int:
        """Walk the export once to learn where the next incremental sync starts."""
        url: str | None = f"{self.url}/api/v2/help_center/incremental/articles.json"
        params: dict[str, Any] | None = {"start_time": start}
        end = start
        for _page in range(MAX_PAGES):
            if not url:
                break
            data = get_json(client, self.label, url, params=params)
            end = max(end, int(data.get("end_time") or end))
            url, params = _next_export_page(data, self.url, len(data.get("articles") or [])), None
        return end


def _records(data: Any, label: str) -> list[dict[str, Any]]:
    records = data.get("articles") if isinstance(data, dict) else None
    if not isinstance(records, list):
        raise BackendError(_("{source}: the answer has no 'articles' list").format(source=label),
                           _("Check that the URL is the help center's base URL."),
                           retryable=False)
    return [r for r in records if isinstance(r, dict)]


def _next_page(data: dict[str, Any], base: str) -> str | None:
    """The next offset page, only when it points back at the same host."""
    nxt = data.get("next_page")
    return nxt if isinstance(nxt, str) and nxt.startswith(base + "/") else None


def _next_export_page(data: dict[str, Any], base: str, count: int) -> str | None:
    """The export's next page; Zendesk ends the stream with a short page (under 1,000)."""
    if count < 1000 or data.get("end_of_stream"):
        return None
    return _next_page(data, base)
