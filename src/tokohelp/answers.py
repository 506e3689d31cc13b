"""Find-answers use cases: ``(session, inputs) -> result``, for every face to call.

Each function takes the run's :class:`~tokohelp.session.Session` (which opens the index
and reads the category data once) and returns a result object.  Results are plain slotted
classes, not dataclasses: building a dataclass costs about half a millisecond at import,
and this module is on the path of every search.  A result knows its
JSON document (:meth:`to_json`, English keys pinned by ``tests/cli/test_json_contract``)
and whether it is a "no match" (``no_match``); the CLI's renderer
(``tokohelp.cli.render``) picks the human view and the exit status.  Nothing here prints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tokohelp.errors import NotFoundError
from tokohelp.i18n import _

if TYPE_CHECKING:
    from tokohelp.articles import ArticleProblem, Category
    from tokohelp.catalog import (
        ArticleItem,
        CategoryInfo,
        IndexInfo,
        ResolvedRef,
        SearchResult,
        ShownArticle,
    )
    from tokohelp.contacts import Channel
    from tokohelp.ranking import Hit
    from tokohelp.session import Session


class CategoryList:
    """``tokohelp categories``: every category with its topic count, numbered from 1."""

    __slots__ = ("categories", "lang")

    def __init__(self, lang: str, categories: list[CategoryInfo]) -> None:
        self.lang, self.categories = lang, categories

    def to_json(self) -> list[dict[str, Any]]:
        """A list of ``{id, name, articles}``."""
        return [{"id": c.id, "name": c.name, "articles": c.articles} for c in self.categories]


class ArticleList:
    """``tokohelp list``: one item per topic."""

    __slots__ = ("items", "lang")

    def __init__(self, lang: str, items: list[ArticleItem]) -> None:
        self.lang, self.items = lang, items

    def to_json(self) -> list[dict[str, Any]]:
        """A list of ``{slug, title, category, lang, path, fallback}``."""
        return [{"slug": i.slug, "title": i.title, "category": i.category, "lang": i.lang,
                 "path": str(i.path), "fallback": i.fallback} for i in self.items]


class ArticlePage:
    """``tokohelp show``: one article, the contact channels it names, its cross-references."""

    __slots__ = ("channels", "raw", "refs", "shown", "source", "warnings")

    def __init__(self, shown: ShownArticle, raw: bool = False,
                 warnings: list[str] | None = None) -> None:
        self.shown, self.raw = shown, raw
        self.source = ""  # the file's text, read for --raw
        self.channels: list[Channel] = []
        self.refs: list[ResolvedRef] = []
        self.warnings: list[str] = warnings or []

    def reading_body(self) -> str:
        """The body with each ``[text](tokohelp:SLUG)`` as "text (tokohelp show SLUG)".

        A link to a topic that no longer exists keeps only its text; one to an older slug
        names the topic's current slug.
        """
        body, parts, last = self.shown.article.body, [], 0
        for link in self.refs:
            ref = link.ref
            shown = ref.text if link.dead else _("{text} (tokohelp show {slug})").format(
                text=ref.text, slug=link.slug)
            parts += [body[last:ref.start], shown]
            last = ref.end
        return "".join(parts) + body[last:]

    def to_json(self) -> dict[str, Any]:
        """The article's fields, its language facts, its sources, channels and body."""
        from tokohelp.reach import channel_json

        a = self.shown.article
        return {"slug": a.slug, "title": a.title, "category": a.category, "lang": a.lang,
                "tags": a.tags, "summary": a.summary, "updated": a.updated,
                "path": str(a.path), "channels": a.channels, "fallback": self.shown.fallback,
                "other_langs": self.shown.other_langs, "body": a.body,
                "reviewed": a.reviewed or None, "alias": self.shown.alias or None,
                "sources": [{"url": s.url, "read": s.read, "about": s.about}
                            for s in a.sources],
                "contact_channels": [channel_json(c, a.lang) for c in self.channels],
                "links": [{"text": r.ref.text, "slug": r.slug or None} for r in self.refs]}


class SearchAnswer:
    """``tokohelp search``: ranked hits, or suggestions of what to try instead."""

    __slots__ = ("category_ids", "found", "lang")

    def __init__(self, lang: str, found: SearchResult, category_ids: list[str]) -> None:
        self.lang, self.found, self.category_ids = lang, found, category_ids

    @property
    def no_match(self) -> bool:
        """True when no article confidently fits (the human view then exits with NO_MATCH).

        Weak matches may still be shown, under a "no article seems to fit" heading.
        """
        return not self.found.confident

    @property
    def problems(self) -> list[ArticleProblem]:
        """Article files the index had to skip."""
        return self.found.problems

    @property
    def warnings(self) -> list[str]:
        """What the reader should know beside the hits (a damaged index was rebuilt)."""
        return self.found.notices

    def to_json(self) -> list[dict[str, Any]]:
        """A list of hits; ``[]`` when nothing matched."""
        return [hit_json(h) for h in self.found.hits]


def hit_json(hit: Hit) -> dict[str, Any]:
    """The JSON object of one search hit."""
    return {"slug": hit.slug, "title": hit.title, "category": hit.category, "lang": hit.lang,
            "score": hit.score, "snippet": hit.snippet, "path": str(hit.path),
            "fallback": hit.fallback, "confident": hit.confident}


class IndexReport:
    """``tokohelp index``: where the index is and what it holds."""

    __slots__ = ("info",)

    def __init__(self, info: IndexInfo) -> None:
        self.info = info

    @property
    def problems(self) -> list[ArticleProblem]:
        """Article files the index had to skip."""
        return self.info.problems

    def to_json(self) -> dict[str, Any]:
        """The index facts; ``problems`` lists ``{path, reason}``."""
        i = self.info
        return {"path": str(i.path), "article_dirs": [str(d) for d in i.article_dirs],
                "files": i.files, "articles": i.articles, "topics": i.topics,
                "built": i.built, "rebuilt": i.rebuilt,
                "problems": [{"path": str(p.path), "reason": p.reason} for p in i.problems]}


# --- use cases ------------------------------------------------------------------

def categories(session: Session) -> CategoryList:
    """Every category in display order, named in the reader's language."""
    from tokohelp import catalog

    lang = session.article_lang
    return CategoryList(lang, catalog.categories(lang, session.index))


def list_articles(session: Session, category: str | None = None) -> ArticleList:
    """One item per topic, optionally in one category (id, name or number)."""
    from tokohelp import catalog

    lang = session.article_lang
    chosen = resolve_category(session, category)
    return ArticleList(lang, catalog.list_articles(lang, chosen, session.index))


def show(session: Session, slug: str, *, raw: bool = False) -> ArticlePage:
    """The article ``slug`` in the reader's language (or the other one), with its channels."""
    from tokohelp import catalog

    shown = catalog.find_article(slug.strip(), session.article_lang, session.index)
    page = ArticlePage(shown, raw, warnings=list(session.index.notices))
    if raw:
        page.source = shown.source()
        return page
    article = shown.article
    known = {c.id: c for c in session.channels} if article.channels else {}
    page.channels = [known[c] for c in article.channels if c in known]
    page.warnings += [_("article '{slug}' names unknown channel '{channel}'").format(
        slug=article.slug, channel=c) for c in article.channels if c not in known]
    page.refs = catalog.resolve_cross_references(article, session.index)
    return page


def search(session: Session, query: str, category: str | None = None,
           limit: int = 5) -> SearchAnswer:
    """Ranked search over the library; on no match the answer carries suggestions."""
    from tokohelp import catalog

    if not query.strip():
        from tokohelp.errors import UsageError
        from tokohelp.i18n import _

        raise UsageError(_("give the words to search for"),
                         _("Example: tokohelp search refund belum masuk"))
    lang = session.article_lang
    chosen = resolve_category(session, category)
    found = catalog.search(query, lang, chosen, limit, session.index,
                           lang_explicit=session.article_lang_chosen)
    ids = [c.id for c in session.categories] if not found.hits else []
    return SearchAnswer(found.lang or lang, found, ids)


def index_report(session: Session, rebuild: bool = False) -> IndexReport:
    """Open (or rebuild) the index and describe it."""
    from tokohelp.catalog import IndexInfo

    index = session.open_index(rebuild=True) if rebuild else session.index
    meta = dict(index.db.execute("SELECT key, value FROM meta"))
    docs, topics = index.db.execute("SELECT COUNT(*), COUNT(DISTINCT slug) FROM docs").fetchone()
    return IndexReport(IndexInfo(index.path, session.article_dirs, int(meta.get("files", 0)),
                                 docs, topics, int(meta.get("built", 0)), index.rebuilt,
                                 index.problems))


# --- inputs in either language --------------------------------------------------

def resolve_category(session: Session, text: str | None) -> str | None:
    """A category given by id, Indonesian or English name (any case) or list number."""
    if text is None:
        return None
    wanted = " ".join(text.split()).casefold()
    cats = session.categories
    found = _by_number(cats, wanted) or _by_name(cats, wanted)
    if found is None:
        raise NotFoundError(
            _("unknown category '{category}'").format(category=text),
            _("Choose one of: {choices}.").format(choices=", ".join(c.id for c in cats)))
    return found.id


def _by_number(cats: list[Category], wanted: str) -> Category | None:
    """The category at 1-based position ``wanted`` of ``tokohelp categories``."""
    if wanted.isdigit() and 1 <= int(wanted) <= len(cats):
        return cats[int(wanted) - 1]
    return None


def _by_name(cats: list[Category], wanted: str) -> Category | None:
    for cat in cats:
        if wanted in {cat.id.casefold(), *(n.casefold() for n in cat.names.values() if n)}:
            return cat
    return None
