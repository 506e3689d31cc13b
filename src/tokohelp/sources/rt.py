"""Request Tracker 5 Articles over REST2, as a knowledge-base source.

One cheap search per class lists every article with its ``LastUpdated`` and
``Disabled`` flag (deleted articles are disabled in RT); only articles whose
``LastUpdated`` differs from the last sync are read in full (``GET /article/:id``).
The body is the ``body_field`` custom field (RT's ``Content``, HTML); language,
category and a translation-sharing slug come from custom fields when the class has
them, else from defaults (language guessed, category ``general``, slug from the id).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tokohelp.errors import BackendError
from tokohelp.i18n import _
from tokohelp.sources.model import Fetched, SourceArticle, guess_lang, slugify
from tokohelp.sources.web import Fetcher, get_json

if TYPE_CHECKING:
    from tokohelp.sources.library import State

PER_PAGE = 100


@dataclass
class RTSource:
    """Settings of one ``type = "rt"`` source (already validated)."""

    name: str
    url: str
    classes: list[str]
    headers: dict[str, str]
    settings: dict[str, Any]
    fields: dict[str, str] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)
    default_category: str = "general"
    known_categories: frozenset[str] = frozenset()

    @property
    def label(self) -> str:
        """How messages name this source (never with credentials)."""
        return f"source {self.name} (RT at {self.url})"

    def fetch(self, state: State) -> Fetched:
        """Every class's article list; full records only for what changed."""

        fetched = Fetched()
        with Fetcher(self.settings, self.headers) as client:
            for name in self.classes:
                class_id = self._class_id(client, name)
                for item in self._list(client, class_id):
                    self._consider(client, item, state, fetched)
        return fetched

    def _api(self, path: str) -> str:
        return f"{self.url}/REST/2.0/{path}"

    def _class_id(self, client: Fetcher, name: str) -> str:
        data = get_json(client, self.label, self._api(f"class/{name}"), missing_ok=True)
        if not isinstance(data, dict) or not data.get("id"):
            raise BackendError(_("{label}: no article class named '{name}'").format(
                                   label=self.label, name=name),
                               _("Check 'classes' in the source's config table."),
                               retryable=False)
        return str(data["id"])

    def _list(self, client: Fetcher, class_id: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            data = get_json(client, self.label, self._api("articles"), method="POST",
                            json=[{"field": "Class", "value": class_id}],
                            params={"page": page, "per_page": PER_PAGE,
                                    "fields": "LastUpdated,Disabled", "find_disabled_rows": 1})
            batch = data.get("items") if isinstance(data, dict) else None
            if not isinstance(batch, list):
                raise BackendError(
                    _("{label}: the article search answered no list").format(label=self.label),
                    _("Check that the URL is an RT 5 server."), retryable=False)
            items += [i for i in batch if isinstance(i, dict) and i.get("id")]
            if page >= int(data.get("pages") or 1):
                return items
            page += 1

    def _consider(self, client: Fetcher, item: dict[str, Any], state: State,
                  fetched: Fetched) -> None:
        source_id = str(item["id"])
        if str(item.get("Disabled", "0")) != "0":
            fetched.removed.add(source_id)
            return
        fetched.present.add(source_id)
        known = state.articles.get(source_id)
        if known and known.get("updated") == item.get("LastUpdated"):
            return
        record = get_json(client, self.label, self._api(f"article/{source_id}"),
                          missing_ok=True)
        try:
            fetched.changed.append(self._article(record))
        except ValueError as exc:
            fetched.problems.append((_("RT article {id}").format(id=source_id), str(exc)))

    def _article(self, record: Any) -> SourceArticle:
        if not isinstance(record, dict) or not record.get("id"):
            raise ValueError(_("the record is missing or malformed"))
        values = _custom_fields(record)
        body = values.get(self.fields["body"], "")
        title = str(record.get("Name") or "").strip()
        if not title or not body.strip():
            raise ValueError(_("it has no name or no body"))
        lang = values.get(self.fields["lang"], "").strip().lower()[:2]
        return SourceArticle(
            source_id=str(record["id"]),
            slug_key=slugify(values.get(self.fields["slug"], "")) or str(record["id"]),
            lang=lang if lang in ("id", "en") else guess_lang(title + " " + body),
            title=title, html=body, category=self._category(values),
            updated=str(record.get("LastUpdated") or ""),
            url=f"{self.url}/Articles/Article/Display.html?id={record['id']}",
            summary=str(record.get("Summary") or ""))

    def _category(self, values: dict[str, str]) -> str:
        raw = values.get(self.fields["category"], "").strip()
        mapped = self.categories.get(raw) or raw.lower()
        return mapped if mapped in self.known_categories else self.default_category


def _custom_fields(record: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for entry in record.get("CustomFields") or []:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            values = [str(v) for v in entry.get("values") or [] if v is not None]
            out[entry["name"]] = "\n".join(values)
    return out
