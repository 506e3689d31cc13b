"""Human views of ``tokohelp contact`` results and of the channels after ``show``.

Their JSON is in :mod:`tokohelp.reach`.  Channel text can come from the user's config
file, so every piece of it goes through ``safe()`` before Rich sees it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tokohelp.cli.output import Env, print_hanging, safe
from tokohelp.contacts import Advice, Channel, pick
from tokohelp.i18n import N_, _
from tokohelp.safe import strip_control

if TYPE_CHECKING:
    from tokohelp.reach import ChannelAdvice, ChannelCard, ChannelTable, LinkOpened

PLATFORM_NAMES = {"desktop": N_("Desktop"), "mobile": N_("Mobile web"),
                  "android": N_("Android app"), "ios": N_("iOS app")}
NOT_STATED = "-"


def _bold(text: str) -> str:
    return f"[bold]{safe(text)}[/bold]"


def _dim(text: str) -> str:
    return f"[dim]{safe(text)}[/dim]"


def _reach(channel: Channel) -> str:
    return " / ".join(safe(a) for a in [channel.address, *channel.also])


def _who(channel: Channel, lang: str) -> str:
    who = pick(channel.who, lang)
    if not who and channel.min_tier:
        who = _("{tier} members and up").format(tier=channel.min_tier.capitalize())
    return safe(who) or NOT_STATED


def show_table(env: Env, result: ChannelTable) -> None:
    """All channels at a glance: number, name, how to reach it, hours, who may use it."""
    from tokohelp.cli import narrow

    if narrow.is_narrow(env):
        return narrow.show_channel_cards(env, result)
    from rich.table import Table

    lang = result.lang
    table = Table("#", safe(_("channel")), safe(_("how to reach it")), safe(_("hours")),
                  safe(_("who")), box=None, header_style="bold")
    for ch in result.channels:
        table.add_row(str(result.numbers.get(ch.id, "")),
                      f"{safe(pick(ch.name, lang))}\n[dim]{safe(ch.id)}[/dim]", _reach(ch),
                      safe(pick(ch.hours, lang)) or NOT_STATED, _who(ch, lang))
    for column in table.columns[1:3]:
        column.overflow = "fold"  # ids and addresses are copied: never cut with an ellipsis
    env.out.print(table)
    env.out.print(_dim(_("One channel in full: tokohelp contact --channel ID or # · "
                         "Which one for my problem: tokohelp contact --for TOPIC")))


def _facts(channel: Channel, lang: str) -> list[tuple[str, str]]:
    rows = [(_("Reach"), _reach(channel)), (_("Link"), safe(channel.url or "")),
            (_("Hours"), safe(pick(channel.hours, lang))), (_("Who"), _who(channel, lang)),
            (_("Response"), safe(pick(channel.response, lang)))]
    return [(label, value) for label, value in rows if value]


def _provenance(channel: Channel) -> str:
    parts = [_("source: {source}").format(source=channel.source)]
    if channel.seed_ref:
        parts.append(_("seed section '{section}'").format(section=channel.seed_ref))
    if channel.added:
        parts.append(_("added by tokohelp: {fields}").format(fields=", ".join(channel.added)))
    if channel.sources:
        parts.append(_("sources: {urls}").format(urls=", ".join(channel.sources)))
    if channel.overridden:
        parts.append(_("from your config: {fields}").format(
            fields=", ".join(channel.overridden)))
    return safe("; ".join(parts))


def show_card(env: Env, result: ChannelCard) -> None:
    """One channel in full: facts, steps for the platform(s), notes, provenance."""
    card, lang = result.card, result.lang
    ch = card.channel
    labels = [ch.id] + ([ch.kind] if ch.kind != ch.id else [])  # "Email (email)", not twice
    env.out.print(f"{_bold(pick(ch.name, lang))} [dim]({safe(', '.join(labels))})[/dim]")
    for label, value in _facts(ch, lang):
        env.out.print(f"  [bold]{safe(label)}:[/bold] {value}")
    for step_set in card.steps:
        shown = step_set.platforms if card.platform is None else [card.platform]
        where = ", ".join(_(PLATFORM_NAMES[p]) for p in shown) or _("Every platform")
        heading = _bold(_("Steps"))
        env.out.print(f"\n{heading} [dim]({safe(where)})[/dim]")
        for number, step in enumerate(pick(step_set.steps, lang, []), start=1):
            print_hanging(env, f"{number}.", safe(step))
    notes = pick(ch.notes, lang, [])
    if notes:
        env.out.print("\n" + _bold(_("Good to know")))
        for note in notes:
            print_hanging(env, "•", safe(note))
    if result.verbose:
        env.out.print(f"\n[dim]{_provenance(ch)}[/dim]")
    env.out.print(_dim(_("Open it: tokohelp contact --channel {id} --open").format(id=ch.id)))


def show_advice(env: Env, result: ChannelAdvice) -> None:
    """Channels for a problem, best first, each with its reason."""
    advice, lang = result.advice, result.lang
    _show_understood(env, advice)
    if not advice.picks:
        env.error(_("no channel fits"), _("Run 'tokohelp contact' to see them all."))
    for rec in advice.picks:
        ch = rec.channel
        env.out.print(f"[bold]{rec.rank}. {safe(pick(ch.name, lang))}[/bold] "
                      f"[dim]({safe(ch.id)})[/dim] {_reach(ch)}")
        print_hanging(env, "", safe(rec.reason), indent=2)
    if advice.note:
        env.err.print(_dim(advice.note))
    if advice.picks:
        top = advice.picks[0].channel.id
        env.out.print(_dim(_("Steps: tokohelp contact --channel {id} · "
                             "open it: tokohelp contact --channel {id} --open").format(id=top)))


def _show_understood(env: Env, advice: Advice) -> None:
    """Say on stderr what the topic was taken to mean, so a wrong guess is visible."""
    if advice.topic is None:
        return
    if advice.category is None:
        env.err.print(_dim(_("No article matches that topic; these channels take any "
                             "question.")))
    elif advice.matched:
        env.err.print(_dim(_("Topic read as category '{category}' (closest article: "
                             "{slug}).").format(category=advice.category, slug=advice.matched)))


def show_opened(env: Env, result: LinkOpened) -> None:
    """Say what was opened; with no opener, print the link itself on stdout."""
    opened = result.opened
    if opened.opened:
        env.err.print(safe(_("Opened {link}").format(link=opened.link)))
        return
    env.stdout.write(strip_control(opened.link) + "\n")
    env.err.print(_dim(_("Not opened ({problem}); use the link above.").format(
        problem=opened.problem)))


def show_article_channels(env: Env, channels: list[Channel], lang: str) -> None:
    """The short "reach a person" list printed after an article."""
    if not channels:
        return
    env.out.print("\n" + _bold(_("Contact customer service")))
    for ch in channels:
        hours = pick(ch.hours, lang)
        extra = f" · {safe(hours)}" if hours else ""
        env.out.print(f"  • {safe(pick(ch.name, lang))}: {_reach(ch)}{extra} · {_who(ch, lang)}")
    env.out.print(_dim(_("Steps for one: tokohelp contact --channel {id}").format(
        id=channels[0].id)))
