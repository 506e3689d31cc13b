"""The "find answers" core: categories, listing, showing and searching articles.

Functions here take plain values and return value classes; they know nothing of
the terminal, so the CLI, tests and benchmarks all call the same code.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from tokohelp import config
from tokohelp.errors import BadInputError, NotFoundError, StorageError
from tokohelp.i18n import _
from tokohelp.index import Index, open_index
from tokohelp.ranking import Hit, parse_query, rank
from tokohelp.record import Record

if TYPE_CHECKING:  # the article parser: only ``show`` and the category list need it
    from tokohelp.articles import Article, ArticleProblem, Category, CrossRef

T = TypeVar("T")


class CategoryInfo(Record):
    """A category with its name in the reader's language and how many topics it has."""

    __slots__ = ("articles", "id", "name")

    def __init__(self, id: str, name: str, articles: int) -> None:
        self.id, self.name, self.articles = id, name, articles


class ArticleItem(Record):
    """A row of ``tokohelp list``."""

    __slots__ = ("category", "fallback", "lang", "path", "slug", "title")

    def __init__(self, slug: str, title: str, category: str, lang: str, path: Path,
                 fallback: bool = False) -> None:
        self.slug, self.title, self.category, self.lang = slug, title, category, lang
        self.path, self.fallback = path, fallback


class ShownArticle(Record):
    """An article to display, with whether it is in the other language than asked.

    ``alias`` is the older slug that was asked for, when it led here.  The file is parsed
    when :attr:`article` is first read: ``show --raw`` prints the file as it is and needs
    neither the TOML parser nor the category data (a sixth of its start-up).
    """

    __slots__ = ("_article", "_index", "alias", "lang", "other_langs", "path",
                 "requested_lang")

    def __init__(self, path: Path, lang: str, requested_lang: str, other_langs: list[str],
                 alias: str = "", index: Index | None = None) -> None:
        self.path, self.lang, self.requested_lang = path, lang, requested_lang
        self.other_langs, self.alias = other_langs, alias
        self._index, self._article = index, None

    @property
    def article(self) -> Article:
        """The parsed article (BadInputError naming the file if it broke since indexing)."""
        if self._article is None:
            self._article = _read_indexed(self.path, self._index)
        return self._article

    def source(self) -> str:
        """The file's text, as it is (BadInputError when it cannot be read any more)."""
        try:
            return self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else _("not valid UTF-8 text")
            raise BadInputError(f"{self.path}: {reason}", _(
                "Fix the file, or run 'tokohelp index --rebuild' to skip it.")) from None

    @property
    def via_alias(self) -> bool:
        """True when the topic was found through one of its older slugs."""
        return bool(self.alias)

    @property
    def fallback(self) -> bool:
        """True when the requested language version does not exist."""
        return self.lang != self.requested_lang


class SearchResult(Record):
    """Ranked hits, plus suggestions when nothing matched and any broken articles.

    ``lang`` is the language the hits are shown in, ``query_lang`` the language
    the query looks written in ("" when its words do not tell), and
    ``other_lang`` a language worth offering as a switch ("" when none would help).
    ``notices`` are said once to the reader (e.g. the index was rebuilt).
    """

    __slots__ = (
        "hits",
        "lang",
        "notices",
        "other_lang",
        "problems",
        "query",
        "query_lang",
        "suggestions",
    )

    def __init__(self, query: str, hits: list[Hit], suggestions: list[str] | None = None,
                 problems: list[ArticleProblem] | None = None, lang: str = "",
                 query_lang: str = "", other_lang: str = "",
                 notices: list[str] | None = None) -> None:
        self.query, self.hits, self.suggestions = query, hits, suggestions or []
        self.problems, self.lang, self.query_lang = problems or [], lang, query_lang
        self.other_lang, self.notices = other_lang, notices or []

    @property
    def confident(self) -> bool:
        """True when at least one hit is a confident answer; False means "no article fits"."""
        return any(hit.confident for hit in self.hits)

    def confident_hits(self) -> list[Hit]:
        """Only the hits that are confident answers."""
        return [hit for hit in self.hits if hit.confident]


class IndexInfo(Record):
    """What ``tokohelp index`` reports about the search index."""

    __slots__ = (
        "article_dirs",
        "articles",
        "built",
        "files",
        "path",
        "problems",
        "rebuilt",
        "topics",
    )

    def __init__(self, path: Path, article_dirs: list[Path], files: int, articles: int,
                 topics: int, built: int, rebuilt: bool, problems: list[ArticleProblem]) -> None:
        self.path, self.article_dirs, self.files = path, article_dirs, files
        self.articles, self.topics, self.built = articles, topics, built
        self.rebuilt, self.problems = rebuilt, problems


def open_library_index(rebuild: bool = False) -> Index:
    """The index over the configured article directories, fresh."""
    return open_index(config.article_dirs(), config.cache_dir(), rebuild=rebuild)


def index_info(rebuild: bool = False) -> IndexInfo:
    """Open (or rebuild) the index and describe it."""
    index = open_library_index(rebuild)
    meta = dict(index.db.execute("SELECT key, value FROM meta"))
    counts = index.db.execute("SELECT COUNT(*), COUNT(DISTINCT slug) FROM docs").fetchone()
    return IndexInfo(index.path, config.article_dirs(), int(meta.get("files", 0)), *counts,
                     int(meta.get("built", 0)), index.rebuilt, index.problems)


def categories(lang: str, index: Index | None = None) -> list[CategoryInfo]:
    """Every category in display order, with topic counts."""
    index = index or open_library_index()
    counts = dict(index.db.execute("SELECT category, COUNT(DISTINCT slug) FROM docs GROUP BY 1"))
    return [CategoryInfo(c.id, c.name(lang), counts.get(c.id, 0)) for c in _categories(index)]


def _categories(index: Index | None = None) -> list[Category]:
    """The categories of the library the index covers (no second config read)."""
    from tokohelp.articles import load_categories

    return load_categories(index.dirs if index is not None else config.article_dirs())


def check_category(category: str | None, index: Index | None = None) -> str | None:
    """Validate a ``--category`` value against the category data."""
    if category is None:
        return None
    ids = [c.id for c in _categories(index)]
    if category not in ids:
        raise NotFoundError(_("unknown category '{category}'").format(category=category),
                            _("Choose one of: {choices}.").format(choices=", ".join(ids)))
    return category


def list_articles(lang: str, category: str | None = None,
                  index: Index | None = None) -> list[ArticleItem]:
    """One item per topic (in ``lang`` where it exists), ordered by category then title."""
    index = index or open_library_index()
    check_category(category, index)
    sql = "SELECT slug, title, category, lang, path FROM docs"
    rows = guarded(index, lambda: index.db.execute(
        sql + (" WHERE category = ?" if category else ""),
        (category,) if category else ()).fetchall())
    chosen: dict[str, tuple] = {}
    for row in rows:
        if row[0] not in chosen or row[3] == lang:
            chosen[row[0]] = row
    order = {c.id: i for i, c in enumerate(_categories(index))}
    items = [ArticleItem(r[0], r[1], r[2], r[3], Path(r[4]), r[3] != lang) for r in chosen.values()]
    return sorted(items, key=lambda i: (order.get(i.category, 99), i.title.lower()))


class ResolvedRef(Record):
    """A cross-reference and the topic it lands on ("" when the target does not exist)."""

    __slots__ = ("ref", "slug")

    def __init__(self, ref: CrossRef, slug: str) -> None:
        self.ref, self.slug = ref, slug

    @property
    def dead(self) -> bool:
        """True when no topic and no alias has the link's slug."""
        return not self.slug


def resolve_slug(slug: str, index: Index | None = None) -> tuple[str, str]:
    """The live topic for ``slug`` and the alias used to reach it ("" when none).

    A live slug always wins over an alias of the same name, so a rename can
    never hide a topic. Raise NotFoundError (with close slugs) when neither exists.
    """
    index = index or open_library_index()
    db = index.db
    if db.execute("SELECT 1 FROM docs WHERE slug = ? LIMIT 1", (slug,)).fetchone():
        return slug, ""
    row = db.execute("SELECT slug FROM aliases WHERE alias = ? ORDER BY slug LIMIT 1",
                     (slug,)).fetchone()
    if row is None:
        raise NotFoundError(_("no article '{slug}'").format(slug=slug), _slug_hint(index, slug))
    return row[0], slug


def find_article(slug: str, lang: str, index: Index | None = None) -> ShownArticle:
    """The article ``slug`` (or the topic an older slug now names) in ``lang``.

    When ``lang`` does not exist the other language is shown, marked as fallback.
    """
    index = index or open_library_index()
    return guarded(index, lambda: _find_article(slug, lang, index))


def _find_article(slug: str, lang: str, index: Index) -> ShownArticle:
    topic, alias = resolve_slug(slug, index)
    rows = dict(index.db.execute("SELECT lang, path FROM docs WHERE slug = ?", (topic,)))
    chosen = lang if lang in rows else sorted(rows)[0]
    return ShownArticle(Path(rows[chosen]), chosen, lang, sorted(set(rows) - {chosen}), alias,
                        index)


def resolve_cross_references(article: Article, index: Index | None = None) -> list[ResolvedRef]:
    """Every ``tokohelp:SLUG`` link of ``article`` with the topic it reaches (through aliases)."""
    index = index or open_library_index()
    resolved = []
    for ref in article.cross_references():
        try:
            slug, _ = resolve_slug(ref.slug, index)
        except NotFoundError:
            slug = ""
        resolved.append(ResolvedRef(ref, slug))
    return resolved


def _read_indexed(path: Path, index: Index | None) -> Article:
    """Read an article the index knows; if it broke since, say which file."""
    from tokohelp.articles import read_article

    try:
        return read_article(path, [c.id for c in _categories(index)])
    except BadInputError as exc:
        raise BadInputError(f"{path}: {exc.message}",
                            _("Fix the file, or run 'tokohelp index --rebuild' to skip it.")) \
            from None


def _slug_hint(index: Index, slug: str) -> str:
    import difflib

    slugs = [r[0] for r in index.db.execute(
        "SELECT DISTINCT slug FROM docs UNION SELECT alias FROM aliases")]
    close = difflib.get_close_matches(slug, slugs, n=3)
    if close:
        return _("Did you mean: {slugs}?").format(slugs=", ".join(close))
    return _("Run 'tokohelp list' or 'tokohelp search WORDS' to find one.")


def search(query: str, lang: str, category: str | None = None, limit: int = 10,
           index: Index | None = None, *, lang_explicit: bool = True) -> SearchResult:
    """Ranked search; on no match, suggest close titles and categories.

    ``lang`` is the reader's language; unless ``lang_explicit`` (the user chose
    it), a query written in the other language is answered in that language.
    """
    if limit < 1:
        raise BadInputError(_("--limit must be at least 1"))
    index = index or open_library_index()
    check_category(category, index)
    result = guarded(index, lambda: _search(index, query, lang, category, limit, lang_explicit))
    result.notices = list(index.notices)
    return result


def _search(index: Index, query: str, lang: str, category: str | None, limit: int,
            lang_explicit: bool) -> SearchResult:
    parsed = parse_query(index.db, query)
    shown = lang if lang_explicit or not parsed.language else parsed.language
    hits = rank(index, parsed, lang=shown, category=category, limit=limit)
    result = SearchResult(query, hits, problems=index.problems, lang=shown,
                          query_lang=parsed.language)
    result.other_lang = _other_lang(result, lang)
    if not hits:
        result.suggestions = _suggest(index, query, shown)
    return result


def guarded(index: Index, work: Callable[[], T]) -> T:
    """Run ``work`` on the index; if the index turns out damaged, rebuild it and run it again.

    SQLite reports a damaged page only when a query reads it, so this is where a
    corrupt index is found. A second failure is a StorageError with what to do.
    """
    import sqlite3

    from tokohelp.index import is_busy

    try:
        return work()
    except sqlite3.DatabaseError as exc:
        if is_busy(exc):
            raise StorageError(_("the search index is busy: {reason}").format(reason=exc),
                               _("Try again in a moment.")) from None
    index.repair()
    try:
        return work()
    except sqlite3.DatabaseError as exc:
        raise StorageError(_("the search index cannot be read: {reason}").format(reason=exc),
                           _("Delete the cache directory shown by 'tokohelp index' and retry."),
                           ) from None


def _other_lang(result: SearchResult, reader_lang: str) -> str:
    """The language worth offering: the reader's or the query's, whichever is not shown.

    Only when the two differ and a hit exists in that language too.
    """
    if not result.query_lang or result.query_lang == reader_lang or not result.hits:
        return ""
    return reader_lang if result.lang != reader_lang else result.query_lang


def confident_articles(text: str, lang: str, limit: int = 3,
                       index: Index | None = None) -> list[Hit]:
    """The articles that confidently answer ``text``: what ``contact --for`` and the ticket
    flow offer before a person is contacted. Empty when no article seems to fit."""
    return search(text, lang, limit=limit, index=index, lang_explicit=False).confident_hits()


def _suggest(index: Index, query: str, lang: str) -> list[str]:
    import difflib

    titles = [r[0] for r in index.db.execute(
        "SELECT title FROM docs WHERE lang = ? LIMIT 20000", (lang,))]
    return difflib.get_close_matches(query[:200], titles, n=3, cutoff=0.3)
