"""Commands that find answers: ``categories``, ``list``, ``show``, ``search``.

Each command imports the search core and the Rich views only when it runs, so
``tokohelp --help`` and the other commands do not pay for them at start-up.
"""

from __future__ import annotations

import typer

from tokohelp.cli.common import CategoryOpt, JsonOpt, LimitOpt, current_lang, env, warn_problems
from tokohelp.errors import ExitStatus


def categories_cmd(json_out: JsonOpt = False) -> None:
    """List the article categories (payment, refund, shipping, ...) with topic counts."""
    from tokohelp import catalog
    from tokohelp.cli import article_views as views
    from tokohelp.cli.output import emit_json

    cats = catalog.categories(current_lang())
    if json_out:
        return emit_json(env(), cats)
    views.show_categories(env(), cats)


def list_cmd(category: CategoryOpt = None, json_out: JsonOpt = False) -> None:
    """List articles, one per topic, optionally in one category.

    Example: tokohelp list --category refund
    """
    from tokohelp import catalog
    from tokohelp.cli import article_views as views
    from tokohelp.cli.output import emit_json

    lang = current_lang()
    items = catalog.list_articles(lang, category)
    if json_out:
        return emit_json(env(), [views.item_json(i) for i in items])
    views.show_list(env(), items, lang)


def show_cmd(
    slug: str = typer.Argument(..., help="Article slug, as shown by 'list' or 'search'."),
    raw: bool = typer.Option(False, "--raw", help="Print the Markdown source instead."),
    json_out: JsonOpt = False,
) -> None:
    """Show one article, rendered (paged on a terminal when long).

    Example: tokohelp show refund-not-received
    """
    from tokohelp import catalog
    from tokohelp.cli import article_views as views
    from tokohelp.cli.output import emit_json

    shown = catalog.find_article(slug, current_lang())
    if json_out:
        return emit_json(env(), views.article_json(shown))
    views.show_article(env(), shown, raw)
    if not raw:
        from tokohelp.cli.contact import show_article_channels

        show_article_channels(env(), shown.article)


def search_cmd(
    words: list[str] = typer.Argument(None, help="What you look for, Indonesian or English."),
    category: CategoryOpt = None,
    limit: LimitOpt = 5,
    json_out: JsonOpt = False,
) -> None:
    """Search the help articles, best answer first.

    Typos, slang (gmn, blm, udh) and either language are fine.
    Examples: tokohelp search refund ; tokohelp search "dana refund belum masuk"
    """
    from tokohelp import catalog
    from tokohelp.cli import article_views as views
    from tokohelp.cli.output import emit_json

    lang = current_lang()
    result = catalog.search(" ".join(words or []), lang, category, limit)
    warn_problems(result.problems)
    if json_out:
        return emit_json(env(), [views.hit_json(h) for h in result.hits])
    if not result.hits:
        views.show_no_match(env(), result, [c.id for c in catalog.categories(lang)])
        raise typer.Exit(int(ExitStatus.NO_MATCH))
    views.show_hits(env(), result, lang)


def index_cmd(
    rebuild: bool = typer.Option(False, "--rebuild", help="Rebuild even if nothing changed."),
    json_out: JsonOpt = False,
) -> None:
    """Show where the search index is and what it holds; --rebuild forces a rebuild.

    The index rebuilds by itself when articles change; in very large libraries an
    in-place edit is noticed within ten minutes, or at once with --rebuild.
    """
    from tokohelp import catalog
    from tokohelp.cli import article_views as views
    from tokohelp.cli.output import emit_json

    info = catalog.index_info(rebuild)
    warn_problems(info.problems)
    if json_out:
        return emit_json(env(), info)
    views.show_index(env(), info)
