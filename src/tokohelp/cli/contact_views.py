"""Rich views and JSON shapes for ``tokohelp contact`` and the channels after ``show``.

Channel text can come from the user's config file, so every piece of it goes
through ``safe()`` before Rich sees it; JSON is plain ``json.dumps`` output,
where control characters are escaped anyway.
"""

from __future__ import annotations

from typing import Any

from tokohelp.cli.output import Env, safe
from tokohelp.config import LANGS
from tokohelp.contacts import PLATFORMS, Advice, Card, Channel, Opened, Recommendation, pick
from tokohelp.i18n import _
from tokohelp.safe import strip_control

PLATFORM_NAMES = {"desktop": "Desktop", "mobile": "Mobile web", "android": "Android app",
                  "ios": "iOS app"}
NOT_STATED = "-"


def _opt(value: dict[str, str], lang: str) -> str | None:
    return pick(value, lang) or None


def channel_json(channel: Channel, lang: str) -> dict[str, Any]:
    """The JSON object of one channel (shape pinned by tests)."""
    return {
        "id": channel.id, "name": pick(channel.name, lang),
        "names": {code: pick(channel.name, code) for code in LANGS},
        "kind": channel.kind, "address": channel.address, "also": channel.also,
        "url": channel.url, "hours": _opt(channel.hours, lang), "who": _opt(channel.who, lang),
        "tiers": channel.tiers(), "response": _opt(channel.response, lang),
        "notes": pick(channel.notes, lang, []), "source": channel.source,
        "seed_ref": channel.seed_ref, "added": channel.added, "sources": channel.sources,
        "overridden": channel.overridden,
    }


def card_json(card: Card, lang: str) -> dict[str, Any]:
    """The JSON object of ``contact --channel ID``: the channel plus its steps."""
    steps = [{"platforms": s.platforms or list(PLATFORMS), "steps": pick(s.steps, lang, [])}
             for s in card.steps]
    return {**channel_json(card.channel, lang), "platform": card.platform, "steps": steps}


def recommendation_json(rec: Recommendation, advice: Advice, lang: str) -> dict[str, Any]:
    """One entry of ``contact --for TOPIC --json``."""
    return {"rank": rec.rank, "id": rec.channel.id, "name": pick(rec.channel.name, lang),
            "kind": rec.channel.kind, "address": rec.channel.address, "action": rec.action,
            "reason": rec.reason, "category": advice.category, "matched": advice.matched}


def opened_json(channel: Channel, opened: Opened) -> dict[str, Any]:
    """The JSON object of ``--open``."""
    return {"id": channel.id, "link": opened.link, "opened": opened.opened,
            "problem": opened.problem or None}


def _reach(channel: Channel) -> str:
    return " / ".join(safe(a) for a in [channel.address, *channel.also])


def _who(channel: Channel, lang: str) -> str:
    who = pick(channel.who, lang)
    if not who and channel.min_tier:
        who = f"{channel.min_tier.capitalize()} members and up"
    return safe(who) or NOT_STATED


def show_table(env: Env, channels: list[Channel], lang: str) -> None:
    """All channels at a glance: name, how to reach it, hours, who may use it."""
    from rich.table import Table

    table = Table("channel", "how to reach it", "hours", "who", box=None, header_style="bold")
    for ch in channels:
        table.add_row(f"{safe(pick(ch.name, lang))}\n[dim]{safe(ch.id)}[/dim]", _reach(ch),
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
    if channel.sources:
        parts.append(_("sources: {urls}").format(urls=", ".join(safe(u) for u in channel.sources)))
    if channel.overridden:
        parts.append("from your config: " + ", ".join(safe(f) for f in channel.overridden))
    return "; ".join(parts)


def show_card(env: Env, card: Card, lang: str) -> None:
    """One channel in full: facts, steps for the platform(s), notes, provenance."""
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


def show_advice(env: Env, advice: Advice, lang: str) -> None:
    """Channels for a problem, best first, each with its reason."""
    _show_understood(env, advice)
    for rec in advice.picks:
        ch = rec.channel
        env.out.print(f"[bold]{rec.rank}. {safe(pick(ch.name, lang))}[/bold] "
                      f"[dim]({safe(ch.id)})[/dim] {_reach(ch)}")
        env.out.print(f"   {safe(rec.reason)}")
    if advice.note:
        env.err.print(f"[dim]{safe(advice.note)}[/dim]")
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


def show_opened(env: Env, channel: Channel, opened: Opened) -> None:
    """Say what was opened; with no opener, print the link itself on stdout."""
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
