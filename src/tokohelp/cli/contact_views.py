"""Human views of ``tokohelp contact`` results and of the channels after ``show``.

Their JSON is in :mod:`tokohelp.reach`.  Channel text can come from the user's config
file, so every piece of it goes through ``safe()`` before Rich sees it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tokohelp.cli.output import Env, safe
from tokohelp.contacts import Advice, Channel, pick
from tokohelp.safe import strip_control

if TYPE_CHECKING:
    from tokohelp.reach import ChannelAdvice, ChannelCard, ChannelTable, LinkOpened

PLATFORM_NAMES = {"desktop": "Desktop", "mobile": "Mobile web", "android": "Android app",
                  "ios": "iOS app"}
NOT_STATED = "-"


def _reach(channel: Channel) -> str:
    return " / ".join(safe(a) for a in [channel.address, *channel.also])


def _who(channel: Channel, lang: str) -> str:
    who = pick(channel.who, lang)
    if not who and channel.min_tier:
        who = f"{channel.min_tier.capitalize()} members and up"
    return safe(who) or NOT_STATED


def show_table(env: Env, result: ChannelTable) -> None:
    """All channels at a glance: number, name, how to reach it, hours, who may use it."""
    from rich.table import Table

    lang = result.lang
    table = Table("#", "channel", "how to reach it", "hours", "who", box=None,
                  header_style="bold")
    for ch in result.channels:
        table.add_row(str(result.numbers.get(ch.id, "")),
                      f"{safe(pick(ch.name, lang))}\n[dim]{safe(ch.id)}[/dim]", _reach(ch),
                      safe(pick(ch.hours, lang)) or NOT_STATED, _who(ch, lang))
    env.out.print(table)
    env.out.print("[dim]One channel in full: tokohelp contact --channel ID · "
                  "Which one for my problem: tokohelp contact --for TOPIC[/dim]")


def _facts(channel: Channel, lang: str) -> list[tuple[str, str]]:
    rows = [("Reach", _reach(channel)), ("Link", safe(channel.url or "")),
            ("Hours", safe(pick(channel.hours, lang))), ("Who", _who(channel, lang)),
            ("Response", safe(pick(channel.response, lang)))]
    return [(label, value) for label, value in rows if value]


def _provenance(channel: Channel) -> str:
    parts = [f"source: {safe(channel.source)}"]
    if channel.seed_ref:
        parts.append(f"seed section '{safe(channel.seed_ref)}'")
    if channel.added:
        parts.append("added by tokohelp: " + ", ".join(safe(f) for f in channel.added))
    if channel.overridden:
        parts.append("from your config: " + ", ".join(safe(f) for f in channel.overridden))
    return "; ".join(parts)


def show_card(env: Env, result: ChannelCard) -> None:
    """One channel in full: facts, steps for the platform(s), notes, provenance."""
    card, lang = result.card, result.lang
    ch = card.channel
    env.out.print(f"[bold]{safe(pick(ch.name, lang))}[/bold] [dim]({safe(ch.id)}, {ch.kind})[/dim]")
    for label, value in _facts(ch, lang):
        env.out.print(f"  [bold]{label}:[/bold] {value}")
    for step_set in card.steps:
        shown = step_set.platforms if card.platform is None else [card.platform]
        where = ", ".join(PLATFORM_NAMES[p] for p in shown) or "Every platform"
        env.out.print(f"\n[bold]Steps[/bold] [dim]({where})[/dim]")
        for number, step in enumerate(pick(step_set.steps, lang, []), start=1):
            env.out.print(f"  {number}. {safe(step)}")
    notes = pick(ch.notes, lang, [])
    if notes:
        env.out.print("\n[bold]Good to know[/bold]")
        for note in notes:
            env.out.print(f"  • {safe(note)}")
    env.out.print(f"\n[dim]{_provenance(ch)}[/dim]")
    env.out.print(f"[dim]Open it: tokohelp contact --channel {safe(ch.id)} --open[/dim]")


def show_advice(env: Env, result: ChannelAdvice) -> None:
    """Channels for a problem, best first, each with its reason."""
    advice, lang = result.advice, result.lang
    _show_understood(env, advice)
    if not advice.picks:
        env.error("no channel fits", "Run 'tokohelp contact' to see them all.")
    for rec in advice.picks:
        ch = rec.channel
        env.out.print(f"[bold]{rec.rank}. {safe(pick(ch.name, lang))}[/bold] "
                      f"[dim]({safe(ch.id)})[/dim] {_reach(ch)}")
        env.out.print(f"   {safe(rec.reason)}")
    if advice.not_eligible:
        names = ", ".join(safe(pick(c.name, lang)) for c in advice.not_eligible)
        env.err.print(f"[dim]Not open to {safe(advice.tier or '')} members: {names}.[/dim]")
    if advice.picks:
        top = safe(advice.picks[0].channel.id)
        env.out.print(f"[dim]Steps: tokohelp contact --channel {top} · "
                      f"open it: tokohelp contact --channel {top} --open[/dim]")


def _show_understood(env: Env, advice: Advice) -> None:
    """Say on stderr what the topic was taken to mean, so a wrong guess is visible."""
    if advice.topic is None:
        return
    if advice.category is None:
        env.err.print("[dim]No article matches that topic; these channels take any question."
                      "[/dim]")
    elif advice.matched:
        env.err.print(f"[dim]Topic read as category '{safe(advice.category)}' "
                      f"(closest article: {safe(advice.matched)}).[/dim]")


def show_opened(env: Env, result: LinkOpened) -> None:
    """Say what was opened; with no opener, print the link itself on stdout."""
    opened = result.opened
    if opened.opened:
        env.err.print(f"Opened {safe(opened.link)}")
        return
    env.stdout.write(strip_control(opened.link) + "\n")
    env.err.print(f"[dim]Not opened ({safe(opened.problem)}); use the link above.[/dim]")


def show_article_channels(env: Env, channels: list[Channel], lang: str) -> None:
    """The short "reach a person" list printed after an article."""
    if not channels:
        return
    heading = "Hubungi customer service" if lang == "id" else "Contact customer service"
    env.out.print(f"\n[bold]{heading}[/bold]")
    for ch in channels:
        hours = pick(ch.hours, lang)
        extra = f" · {safe(hours)}" if hours else ""
        env.out.print(f"  • {safe(pick(ch.name, lang))}: {_reach(ch)}{extra} · {_who(ch, lang)}")
    env.out.print(f"[dim]Steps for one: tokohelp contact --channel {safe(channels[0].id)}[/dim]")
