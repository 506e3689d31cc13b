"""What a source client hands the sync: articles in one language, and what changed."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from tokohelp.sources.library import State

_SLUG_CHARS = re.compile(r"[^a-z0-9]+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ID_WORDS = frozenset({
    "yang", "dan", "di", "ke", "dari", "untuk", "dengan", "tidak", "ini", "itu", "anda",
    "kamu", "atau", "jika", "sudah", "belum", "akan", "bisa", "cara", "pesanan", "saldo"})


@dataclass
class SourceArticle:
    """One article in one language, as the source has it (body still HTML)."""

    source_id: str
    slug_key: str
    lang: str
    title: str
    html: str
    category: str
    updated: str
    url: str = ""
    tags: list[str] = field(default_factory=list)
    summary: str = ""


@dataclass
class Fetched:
    """A client's answer: changed articles, what exists now, what is gone, bad records.

    ``complete`` says that ``present`` lists everything at the source, so an article
    the last sync had and ``present`` lacks is gone; an incremental answer is not
    complete, and only ``removed`` removes.
    """

    changed: list[SourceArticle] = field(default_factory=list)
    present: set[str] = field(default_factory=set)
    complete: bool = True
    removed: set[str] = field(default_factory=set)
    cursor: dict[str, Any] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)


class Client(Protocol):
    """A knowledge-base source: fetch what changed since ``state``."""

    def fetch(self, state: State) -> Fetched:
        """Changed articles and the ids that exist now."""


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by dashes (empty input gives '')."""
    import unicodedata

    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _SLUG_CHARS.sub("-", folded.lower()).strip("-")[:80]


def guess_lang(text: str) -> str:
    """'id' when common Indonesian function words dominate, else 'en'."""
    words = re.findall(r"[a-z]+", text.lower())[:400]
    hits = sum(w in _ID_WORDS for w in words)
    return "id" if words and hits / len(words) > 0.06 else "en"


def toml_string(value: str) -> str:
    """A TOML basic string (JSON string escapes are valid TOML)."""
    return json.dumps(value, ensure_ascii=False)


def render(source: str, article: SourceArticle, slug: str, body: str) -> str:
    """The Markdown file for one synced article, front matter first."""
    tags = ", ".join(toml_string(t) for t in article.tags)
    lines = [
        "+++",
        f"title = {toml_string(article.title)}",
        f"category = {toml_string(article.category)}",
        f"lang = {toml_string(article.lang)}",
        f"slug = {toml_string(slug)}",
        f"tags = [{tags}]",
        f"summary = {toml_string(article.summary)}",
        *([f"updated = {article.updated[:10]}"] if _DATE.match(article.updated) else []),
        f"source = {toml_string(source)}",
        f"source_id = {toml_string(article.source_id)}",
        f"source_url = {toml_string(article.url)}",
        "+++",
        "",
    ]
    return "\n".join(lines) + body
