"""Human views of the find-answers results (their JSON is in :mod:`tokohelp.answers`).

Each ``show_*(session, result)`` is registered in :data:`tokohelp.cli.render.VIEWS`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tokohelp.cli.output import Env, safe
from tokohelp.i18n import _, format_date
from tokohelp.safe import strip_control

if TYPE_CHECKING:
    from tokohelp.answers import ArticleList, ArticlePage, CategoryList, IndexReport, SearchAnswer
    from tokohelp.catalog import SearchResult, ShownArticle
    from tokohelp.ranking import Hit

FALLBACK_NOTE = {"id": "tidak tersedia dalam bahasa Indonesia", "en": "not available in English"}


def show_categories(env: Env, result: CategoryList) -> None:
    """A table of categories."""
    from rich.table import Table

    table = Table("id", "name", "topics", box=None, header_style="bold")
    for cat in result.categories:
        table.add_row(safe(cat.id), safe(cat.name), str(cat.articles))
    env.out.print(table)


def show_list(env: Env, result: ArticleList) -> None:
    """A table of articles grouped by category order."""
    from rich.table import Table

    table = Table("slug", "title", "category", box=None, header_style="bold")
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


def show_search(env: Env, answer: SearchAnswer) -> None:
    """The hits, or on no match what to try next."""
    if answer.no_match:
        return show_no_match(env, answer.found, answer.category_ids)
    show_hits(env, answer.found, answer.lang)


def show_hits(env: Env, result: SearchResult, lang: str) -> None:
    """Numbered hits: title, slug and category, then a highlighted snippet.

    Piped output has no styles to show, so it is written as plain lines without
    loading Rich at all: the most common command stays fast in scripts too.
    """
    if not env.stdout_isatty:
        return _plain_hits(env, result, lang)
    for number, hit in enumerate(result.hits, start=1):
        note = f" [dim]({FALLBACK_NOTE[lang]})[/dim]" if hit.fallback else ""
        env.out.print(f"[bold]{number}. {safe(hit.title)}[/bold]{note}")
        env.out.print(f"   [cyan]{safe(hit.slug)}[/cyan] · {safe(hit.category)}")
        if hit.snippet:
            env.out.print("   ", _highlighted(hit), sep="")
    env.out.print(f"[dim]Read one: tokohelp show {safe(result.hits[0].slug)}[/dim]")


def _plain_hits(env: Env, result: SearchResult, lang: str) -> None:
    lines = []
    for number, hit in enumerate(result.hits, start=1):
        note = f" ({FALLBACK_NOTE[lang]})" if hit.fallback else ""
        lines += [f"{number}. {hit.title}{note}", f"   {hit.slug} · {hit.category}"]
        lines += [f"   {hit.snippet}"] if hit.snippet else []
    lines.append(f"Read one: tokohelp show {result.hits[0].slug}")
    env.stdout.write("".join(strip_control(line) + "\n" for line in lines))


def show_no_match(env: Env, result: SearchResult, category_ids: list[str]) -> None:
    """Say nothing matched and what to try next."""
    env.err.print(f"No article matches [bold]{safe(result.query[:80])}[/bold].")
    if result.suggestions:
        env.err.print("Closest titles: " + "; ".join(safe(s) for s in result.suggestions))
    env.err.print("Browse a category with: tokohelp list --category ID")
    env.err.print("Category ids: " + ", ".join(safe(c) for c in category_ids))
    env.err.print("Or reach a person: tokohelp contact")


def show_page(env: Env, page: ArticlePage) -> None:
    """The article, when it was checked, the channels it names, then the unofficial note."""
    if page.raw:
        return show_raw(env, page.shown)
    from rich.markdown import Markdown

    _show_notes(env, page.shown)
    a = page.shown.article
    text = f"# {strip_control(a.title)}\n\n{strip_control(page.reading_body())}"
    if a.reviewed:
        text += "\n\n*" + _("Checked against Tokopedia's pages on {date}.").format(
            date=format_date(a.reviewed, a.lang)) + "*"
    body = Markdown(text)
    long_article = text.count("\n") + 4 > env.out.size.height
    if env.stdout_isatty and long_article:
        with env.out.pager(styles=True):
            env.out.print(body)
    else:
        env.out.print(body)
    if page.channels:
        from tokohelp.cli.contact_views import show_article_channels

        show_article_channels(env, page.channels, a.lang)
    env.out.print("\n[dim]" + safe(unofficial_note()) + "[/dim]")


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
        env.err.print(f"[dim]Shown in '{a.lang}': {FALLBACK_NOTE[shown.requested_lang]}.[/dim]")


def show_raw(env: Env, shown: ShownArticle) -> None:
    """The article file's Markdown source, control characters removed."""
    text = shown.article.path.read_text(encoding="utf-8")
    env.stdout.write(strip_control(text).rstrip("\n") + "\n")


def show_index(env: Env, report: IndexReport) -> None:
    """Index facts as aligned lines."""
    import time

    info = report.info
    built = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.built))
    if info.rebuilt:
        built += " (just now)"
    rows = [("index", info.path), ("articles from", ", ".join(map(str, info.article_dirs))),
            ("files", info.files), ("articles", info.articles), ("topics", info.topics),
            ("built", built), ("skipped", len(info.problems))]
    for key, value in rows:
        env.out.print(f"[bold]{key:>13}[/bold]  {safe(str(value))}")
