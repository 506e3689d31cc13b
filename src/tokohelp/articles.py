"""The article library: Markdown files with TOML front matter between ``+++`` lines.

Loading never stops at a broken file: each problem is collected as an
:class:`ArticleProblem` (path and reason) and every other article still loads.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from tokohelp.config import LANGS
from tokohelp.errors import BadInputError
from tokohelp.i18n import _
from tokohelp.record import FrozenRecord, Record
from tokohelp.walking import walk


def _toml():  # type: ignore[no-untyped-def]
    """The TOML parser, imported when a file is parsed (a warm search parses none)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    return tomllib

FENCE = "+++"
REQUIRED = ("title", "category", "lang", "slug")
# Optional keys that must be lists of strings when present.
STRING_LISTS = ("tags", "channels", "questions", "aliases")
# What a cross-reference looks like in a body: [text](tokohelp:SLUG).
XREF_PREFIX = "](tokohelp:"


class Category(Record):
    """An article category with its display names."""

    __slots__ = ("id", "names")

    def __init__(self, id: str, names: dict[str, str]) -> None:
        self.id, self.names = id, names

    def name(self, lang: str) -> str:
        """The category name in ``lang``, falling back to the id."""
        return self.names.get(lang) or self.id


class Source(NamedTuple):
    """Where a fact of an article comes from: a page (or ``seed``), when it was read, what for."""

    url: str
    read: str = ""
    about: str = ""


class CrossRef(NamedTuple):
    """A ``[text](tokohelp:SLUG)`` link in a body, with its span so a renderer can replace it."""

    text: str
    slug: str
    start: int
    end: int


class Article(Record):
    """One article in one language.

    ``synced_from`` is the ``[sources.NAME]`` it was synced from (``source`` in front matter).
    """

    __slots__ = (
        "aliases",
        "body",
        "category",
        "channels",
        "lang",
        "path",
        "questions",
        "reviewed",
        "slug",
        "source_url",
        "sources",
        "summary",
        "synced_from",
        "tags",
        "title",
        "updated",
    )

    def __init__(self, slug: str, lang: str, title: str, category: str, body: str, path: Path,
                 tags: list[str] | None = None, summary: str = "", updated: str = "",
                 channels: list[str] | None = None, reviewed: str = "",
                 sources: list[Source] | None = None, questions: list[str] | None = None,
                 aliases: list[str] | None = None, synced_from: str = "",
                 source_url: str = "") -> None:
        self.slug, self.lang, self.title, self.category = slug, lang, title, category
        self.body, self.path, self.tags, self.summary = body, path, tags or [], summary
        self.updated, self.channels, self.reviewed = updated, channels or [], reviewed
        self.sources, self.questions, self.aliases = sources or [], questions or [], aliases or []
        self.synced_from, self.source_url = synced_from, source_url

    def cross_references(self) -> list[CrossRef]:
        """The body's links to other topics, in order."""
        return cross_references(self.body)


class ArticleProblem(FrozenRecord):
    """A file that could not be loaded, and why."""

    __slots__ = ("path", "reason")

    def __init__(self, path: Path, reason: str) -> None:
        self.path, self.reason = path, reason


def split_front_matter(text: str) -> tuple[str, str]:
    """Return (front matter, body); raise BadInputError when the fences are missing."""
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    if not lines or lines[0].strip() != FENCE:
        raise BadInputError(_("no front matter: the file must start with a '+++' line"))
    for index, line in enumerate(lines[1:], start=1):
        if line.strip() == FENCE:
            return "".join(lines[1:index]), "".join(lines[index + 1:]).strip("\n")
    raise BadInputError(_("front matter is not closed by a '+++' line"))


def parse_article(text: str, path: Path, categories: Iterable[str]) -> Article:
    """Parse one article's text; every failure is a BadInputError with the reason."""
    head, body = split_front_matter(text)
    tomllib = _toml()
    try:
        meta = tomllib.loads(head)
    except tomllib.TOMLDecodeError as exc:
        raise BadInputError(_("bad front matter: {reason}").format(reason=exc)) from None
    except RecursionError:
        raise BadInputError(_("bad front matter: values nested too deeply")) from None
    _validate(meta, set(categories))
    return Article(
        slug=meta["slug"], lang=meta["lang"], title=meta["title"], category=meta["category"],
        body=body, path=path, tags=meta.get("tags", []),
        summary=str(meta.get("summary", "")), updated=_date_text(meta.get("updated")),
        channels=meta.get("channels", []), reviewed=_date_text(meta.get("reviewed")),
        sources=[_source(entry) for entry in meta.get("sources", [])],
        questions=meta.get("questions", []),
        aliases=[a for a in meta.get("aliases", []) if a != meta["slug"]],
        synced_from=str(meta.get("source", "")), source_url=str(meta.get("source_url", "")),
    )


def _validate(meta: dict[str, Any], categories: set[str]) -> None:
    """Check every key's type, so a wrong one skips this file with its reason."""
    for key in REQUIRED:
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            raise BadInputError(_("front matter needs a non-empty string '{key}'").format(key=key))
    if meta["lang"] not in LANGS:
        raise BadInputError(_("lang '{lang}' is not one of {choices}").format(
            lang=meta["lang"], choices=", ".join(LANGS)))
    if categories and meta["category"] not in categories:
        raise BadInputError(_("unknown category '{category}'").format(category=meta["category"]))
    _validate_optional(meta)
    _validate_sources(meta.get("sources", []))


def _validate_optional(meta: dict[str, Any]) -> None:
    """The optional keys: lists of strings and dates."""
    for key in STRING_LISTS:
        value = meta.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise BadInputError(_("'{key}' must be a list of strings").format(key=key))
    for key in ("updated", "reviewed"):
        if key in meta and not isinstance(meta[key], dt.date):
            raise BadInputError(
                _("'{key}' must be a TOML date such as 2026-12-01").format(key=key))


def _validate_sources(sources: Any) -> None:
    """``sources`` is a list of tables, each with a ``url``, a ``read`` date and an ``about``."""
    if not isinstance(sources, list) or not all(isinstance(s, dict) for s in sources):
        raise BadInputError(
            _("'sources' must be a list of tables with url, read and about"))
    for number, source in enumerate(sources, start=1):
        if not isinstance(source.get("url"), str) or not source["url"].strip():
            raise BadInputError(
                _("source {number} needs a non-empty string 'url'").format(number=number))
        if "read" in source and not isinstance(source["read"], dt.date):
            raise BadInputError(
                _("source {number}: 'read' must be a TOML date").format(number=number))
        if not isinstance(source.get("about", ""), str):
            raise BadInputError(
                _("source {number}: 'about' must be a string").format(number=number))


def _source(entry: dict[str, Any]) -> Source:
    return Source(entry["url"], _date_text(entry.get("read")), entry.get("about", ""))


def _date_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value or "")


def cross_references(body: str) -> list[CrossRef]:
    """Every ``[text](tokohelp:SLUG)`` link in ``body``.

    A plain scan rather than a regular expression keeps pattern compilation off
    the show and search paths; the link text may not contain ``[`` or ``]``.
    """
    refs: list[CrossRef] = []
    at = body.find(XREF_PREFIX)
    while at != -1:
        ref = _cross_ref_at(body, at)
        if ref is not None:
            refs.append(ref)
        at = body.find(XREF_PREFIX, at + len(XREF_PREFIX))
    return refs


def link_text_only(body: str, *, keep_text: bool = True) -> str:
    """``body`` with each cross-reference replaced by its text (for snippets), or dropped.

    The index drops them (``keep_text=False``): "read [paket terlambat](...)" in the
    change-address article names another topic, and must not make it match "paket
    terlambat".
    """
    parts, last = [], 0
    for ref in cross_references(body):
        parts += [body[last:ref.start], ref.text if keep_text else ""]
        last = ref.end
    return "".join(parts) + body[last:]


def _cross_ref_at(body: str, at: int) -> CrossRef | None:
    """The link whose ``](tokohelp:`` is at ``at``, or None when it is not well formed."""
    open_at = body.rfind("[", 0, at)
    close_at = body.find(")", at)
    if open_at == -1 or close_at == -1 or "]" in body[open_at + 1:at]:
        return None
    slug = body[at + len(XREF_PREFIX):close_at]
    text = body[open_at + 1:at]
    if not slug or any(c.isspace() for c in slug) or "\n" in text:
        return None
    return CrossRef(text, slug, open_at, close_at + 1)


def problem(path: Path, reason: str) -> ArticleProblem:
    """An ArticleProblem whose path can always be printed and stored (undecodable bytes in a
    file name are shown as escapes)."""
    text = str(path)
    safe = os.fsencode(text).decode("utf-8", "backslashreplace")
    return ArticleProblem(path if safe == text else Path(safe), reason)


def iter_article_files(dirs: Iterable[Path],
                       problems: list[ArticleProblem] | None = None) -> Iterator[Path]:
    """Every ``*.md`` file under the given directories, in a stable order."""
    for base in dirs:
        if base.is_dir():
            for entry, is_dir in walk(base, problems):
                if not is_dir and entry is not None and entry.name.endswith(".md"):
                    yield Path(entry.path)


def read_article(path: Path, categories: Iterable[str]) -> Article:
    """Read and parse one file; encoding and I/O problems become BadInputError."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        raise BadInputError(_("the file name is not valid UTF-8; rename the file")) from None
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise BadInputError(_("not valid UTF-8 text")) from None
    except OSError as exc:
        raise BadInputError(_("cannot read: {reason}").format(reason=exc.strerror)) from None
    return parse_article(text, path, categories)


def load_categories(dirs: Iterable[Path]) -> list[Category]:
    """Categories of every library folder's ``categories.toml``, in order; first id wins.

    A library without one uses the bundled categories; a synced source adds its own
    (``general``) after those of the library it joins.
    """
    from tokohelp.config import bundled_articles_dir

    candidates = [d / "categories.toml" for d in dirs]
    found = [p for p in candidates if p.is_file()]
    if not found or found[0] != candidates[0]:
        found.insert(0, bundled_articles_dir() / "categories.toml")
    merged: dict[str, Category] = {}
    for path in found:
        if path.is_file():
            for category in _parse_categories(path):
                merged.setdefault(category.id, category)
    return list(merged.values())


def _parse_categories(path: Path) -> list[Category]:
    try:
        data = _toml().loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, _toml().TOMLDecodeError) as exc:
        raise BadInputError(_("{path}: cannot read categories: {reason}").format(
            path=path, reason=exc)) from None
    return [
        Category(id=entry["id"], names={lang: entry.get(f"{lang}_name", "") for lang in LANGS})
        for entry in data.get("category", [])
        if isinstance(entry, dict) and isinstance(entry.get("id"), str)
    ]


class Library(Record):
    """Every loaded article, the categories, and the files that failed."""

    __slots__ = ("articles", "categories", "problems")

    def __init__(self, articles: list[Article], categories: list[Category],
                 problems: list[ArticleProblem]) -> None:
        self.articles, self.categories, self.problems = articles, categories, problems

    def category_ids(self) -> list[str]:
        """Category ids in display order."""
        return [c.id for c in self.categories]

    def versions(self, slug: str) -> dict[str, Article]:
        """The article ``slug`` in each language it exists in."""
        return {a.lang: a for a in self.articles if a.slug == slug}


def load_library(dirs: list[Path]) -> Library:
    """Load all articles; broken files are reported, not fatal."""
    categories = load_categories(dirs)
    ids = [c.id for c in categories]
    articles: list[Article] = []
    problems: list[ArticleProblem] = []
    for path in iter_article_files(dirs, problems):
        try:
            articles.append(read_article(path, ids))
        except BadInputError as exc:
            problems.append(problem(path, exc.message))
    return Library(articles, categories, problems)
