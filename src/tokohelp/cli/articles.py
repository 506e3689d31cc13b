"""Commands that find answers: ``categories``, ``list``, ``show``, ``search``."""

from __future__ import annotations

import typer

from tokohelp import catalog
from tokohelp.cli import article_views as views
from tokohelp.cli.common import CategoryOpt, JsonOpt, LimitOpt, current_lang, env, warn_problems
from tokohelp.cli.output import emit_json
from tokohelp.errors import NoMatchError


def categories_cmd(json_out: JsonOpt = False) -> None:
    """List the article categories (payment, refund, shipping, ...) with topic counts."""
    cats = catalog.categories(current_lang())
    if json_out:
        return emit_json(env(), cats)
    views.show_categories(env(), cats)


def list_cmd(category: CategoryOpt = None, json_out: JsonOpt = False) -> None:
    """List articles, one per topic, optionally in one category.

    Example: tokohelp list --category refund
    """
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
    shown = catalog.show(slug, current_lang())
    if json_out:
        return emit_json(env(), views.article_json(shown))
    views.show_article(env(), shown, raw)
    if not raw:
        from tokohelp.cli.contact import show_article_channels

        show_article_channels(env(), shown.article)


def search_cmd(
    words: list[str] = typer.Argument(None, help="What you are looking for, in Indonesian or English."),
    category: CategoryOpt = None,
    limit: LimitOpt = 5,
    json_out: JsonOpt = False,
) -> None:
    """Search the help articles, best answer first.

    Typos, slang (gmn, blm, udh) and either language are fine.
    Examples: tokohelp search refund ; tokohelp search "dana refund belum masuk"
    """
    lang = current_lang()
    result = catalog.search(" ".join(words or []), lang, category, limit)
    warn_problems(result.problems)
    if json_out:
        return emit_json(env(), [views.hit_json(h) for h in result.hits])
    if not result.hits:
        views.show_no_match(env(), result, [c.id for c in catalog.categories(lang)])
        raise NoMatchError("no matching article")
    views.show_hits(env(), result, lang)
