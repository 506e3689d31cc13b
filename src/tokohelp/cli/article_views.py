"""Human views of the find-answers results (their JSON is in :mod:`tokohelp.answers`).

Each ``show_*(session, result)`` is registered in :data:`tokohelp.cli.render.VIEWS`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tokohelp.cli.output import Env, print_hanging, safe
from tokohelp.i18n import N_, _, format_date
from tokohelp.safe import strip_control

if TYPE_CHECKING:
    from tokohelp.answers import ArticleList, ArticlePage, CategoryList, IndexReport, SearchAnswer
    from tokohelp.catalog import SearchResult, ShownArticle
    from tokohelp.ranking import Hit



def fallback_note(requested: str) -> str:
    """Why an article is shown in the other language, in the interface language."""
    if requested == "id":
        return _("not available in Indonesian")
    return _("not available in English")


def show_categories(env: Env, result: CategoryList) -> None:
    """A table of categories."""
    from rich.table import Table

    table = Table("#", safe(_("id")), safe(_("name")), safe(_("topics")), box=None,
                  header_style="bold")
    for number, cat in enumerate(result.categories, start=1):
        table.add_row(str(number), safe(cat.id), safe(cat.name), str(cat.articles))
    env.out.print(table)
    env.out.print("[dim]" + safe(_("One category: tokohelp list --category ID, NAME or #"))
                  + "[/dim]")


def show_list(env: Env, result: ArticleList) -> None:
    """A table of articles grouped by category order."""
    from rich.table import Table

    table = Table(safe(_("slug")), safe(_("title")), safe(_("category")), box=None,
                  header_style="bold")
    for item in result.items:
        marker = f" [dim]({item.lang})[/dim]" if item.fallback else ""
        table.add_row(safe(item.slug), safe(item.title) + marker, safe(item.category))
    env.out.print(table)


def _highlighted(hit: Hit) -> Any:
    from rich.text import Text

    text = Text(strip_control(hit.snippet), style="dim")
    for start, end in hit.highlights:
        text.stylize("bold yellow", start, end)
    return text


# The no-fit view lists at most this many weak matches.
MAX_WEAK = 3
LANGUAGE_NAMES = {"id": N_("Indonesian"), "en": N_("English")}


def show_search(env: Env, answer: SearchAnswer) -> None:
    """Confident hits; else "no article seems to fit" with the weak matches and who helps;
    else (nothing matched at all) what to try next. Then the other-language hint."""
    found = answer.found
    if not found.hits:
        show_no_match(env, found, answer.category_ids)
    elif found.confident:
        show_hits(env, found.hits, answer.lang)
    else:
        show_no_fit(env, found, answer.lang)
    if found.other_lang:  # a plain line: a piped search stays free of Rich
        env.stderr.write(strip_control(other_lang_hint(found)) + "\n")


def other_lang_hint(found: SearchResult) -> str:
    """How to see the articles in the other language (query's or reader's)."""
    return _("In {language}: tokohelp --lang {lang} search {query}").format(
        language=_(LANGUAGE_NAMES[found.other_lang]), lang=found.other_lang,
        query=_quoted(found.query))


# A query repeated in a hint is cut (at a word) past this many characters.
HINT_QUERY_CHARS = 120


def _quoted(query: str) -> str:
    """The query as one shell word, cut at a word past HINT_QUERY_CHARS so a hint stays short
    and never ends in half a word."""
    import shlex

    text = " ".join(query.split())
    if len(text) > HINT_QUERY_CHARS:
        text = text[:HINT_QUERY_CHARS + 1].rsplit(" ", 1)[0]
    return shlex.quote(text)


def show_hits(env: Env, hits: list[Hit], lang: str, *, footer: bool = True) -> None:
    """Numbered hits: title, slug and category, then a highlighted snippet.

    Piped output has no styles to show, so it is written as plain lines without
    loading Rich at all: the most common command stays fast in scripts too.
    """
    if not env.stdout_isatty:
        return _plain_hits(env, hits, lang, footer)
    for number, hit in enumerate(hits, start=1):
        note = f" [dim]({safe(fallback_note(lang))})[/dim]" if hit.fallback else ""
        env.out.print(f"[bold]{number}. {safe(hit.title)}[/bold]{note}")
        env.out.print(f"   [cyan]{safe(hit.slug)}[/cyan] · {safe(hit.category)}")
        if hit.snippet:
            print_hanging(env, "", _highlighted(hit), indent=2)
    if footer:
        env.out.print("[dim]" + safe(read_one(hits[0].slug)) + "[/dim]")


def read_one(slug: str) -> str:
    """The hint that ends a list of hits."""
    return _("Read one: tokohelp show {slug}").format(slug=slug)


def _plain_hits(env: Env, hits: list[Hit], lang: str, footer: bool) -> None:
    lines = []
    for number, hit in enumerate(hits, start=1):
        note = f" ({fallback_note(lang)})" if hit.fallback else ""
        lines += [f"{number}. {hit.title}{note}", f"   {hit.slug} · {hit.category}"]
        lines += [f"   {hit.snippet}"] if hit.snippet else []
    if footer:
        lines.append(read_one(hits[0].slug))
    _write_plain(env, lines)


def _write_plain(env: Env, lines: list[str]) -> None:
    env.stdout.write("".join(strip_control(line) + "\n" for line in lines))


def show_no_fit(env: Env, result: SearchResult, lang: str) -> None:
    """No confident answer: say so plainly, list the weak matches under it, offer people."""
    heading = _("No article seems to fit.")
    weak = _("Weak matches:")
    if env.stdout_isatty:
        env.out.print(f"[bold]{safe(heading)}[/bold]")
        env.out.print(f"[dim]{safe(weak)}[/dim]")
    else:
        _write_plain(env, [heading, weak])
    show_hits(env, result.hits[:MAX_WEAK], lang, footer=False)
    offers = person_offers(result.query)
    if env.stdout_isatty:
        for line in offers:
            env.out.print(safe(line), soft_wrap=True)  # a command must stay on one line
    else:
        _write_plain(env, offers)


def person_offers(query: str) -> list[str]:
    """Where to go when no article answers: a channel chosen for the problem, or a request."""
    return [_("Ask a person: tokohelp contact --for {query}").format(query=_quoted(query)),
            _("Or file a help request: tokohelp ticket new")]


def show_no_match(env: Env, result: SearchResult, category_ids: list[str]) -> None:
    """Say nothing matched and what to try next."""
    env.err.print(safe(_("No article matches {query}.").format(query=result.query[:80])))
    if result.suggestions:
        env.err.print(safe(_("Closest titles: {titles}").format(
            titles="; ".join(result.suggestions))))
    env.err.print(safe(_("Browse a category with: tokohelp list --category ID")))
    env.err.print(safe(_("Category ids: {ids}").format(ids=", ".join(category_ids))))
    if result.query.strip():
        for line in person_offers(result.query):
            env.err.print(safe(line), soft_wrap=True)
    else:
        env.err.print(safe(_("Or reach a person: tokohelp contact")))


def show_page(env: Env, page: ArticlePage) -> None:
    """The article, when it was checked, the channels it names, then the unofficial note."""
    if page.raw:
        return show_raw(env, page)
    from rich.markdown import Markdown

    _show_notes(env, page.shown)
    a = page.shown.article
    text = f"# {strip_control(a.title)}\n\n{strip_control(page.reading_body())}"
    if a.reviewed:
        text += "\n\n*" + _("Checked against Tokopedia's pages on {date}.").format(
            date=format_date(a.reviewed, a.lang)) + "*"
    from tokohelp.cli.pager import show_paged

    body = Markdown(text)

    def draw(console: Any) -> None:
        console.print(body)
        if page.channels:
            from tokohelp.cli.contact_views import show_article_channels

            show_article_channels(env, page.channels, a.lang)
        console.print("\n[dim]" + safe(unofficial_note()) + "[/dim]")

    show_paged(env, draw)  # the whole page, paged by its rendered height


def unofficial_note() -> str:
    """The note that ends every shown article (articles no longer carry it)."""
    return _("tokohelp is unofficial: it is not made or endorsed by Tokopedia. Steps, numbers "
             "and addresses can change; the Tokopedia app has the final word.")


def _show_notes(env: Env, shown: ShownArticle) -> None:
    """On stderr: the older slug that led here, and a language fallback."""
    a = shown.article
    if shown.alias:
        env.err.print("[dim]" + safe(_("'{alias}' is now '{slug}'.").format(
            alias=shown.alias, slug=a.slug)) + "[/dim]")
    if shown.fallback:
        env.err.print("[dim]" + safe(_("Shown in '{lang}': {why}.").format(
            lang=a.lang, why=fallback_note(shown.requested_lang))) + "[/dim]")


def show_raw(env: Env, page: ArticlePage) -> None:
    """The article file's Markdown source, control characters removed."""
    env.stdout.write(strip_control(page.source).rstrip("\n") + "\n")


def show_index(env: Env, report: IndexReport) -> None:
    """Index facts as aligned lines."""
    from tokohelp.i18n import format_datetime

    info = report.info
    built = format_datetime(info.built)
    if info.rebuilt:
        built += " " + _("(just now)")
    rows = [(_("index"), info.path),
            (_("articles from"), ", ".join(map(str, info.article_dirs))),
            (_("files"), info.files), (_("articles"), info.articles), (_("topics"), info.topics),
            (_("built"), built), (_("skipped"), len(info.problems))]
    width = max(len(key) for key, _value in rows)
    for key, value in rows:
        env.out.print(f"[bold]{safe(key):>{width}}[/bold]  {safe(str(value))}")
