"""Reach-a-person use cases: ``(session, inputs) -> result`` for ``tokohelp contact``.

The channel data and the rules (who may use what, the 3-day rule, links) live in
:mod:`tokohelp.contacts`; these functions feed it the run's channels and index, so a
``contact --for`` run reads the config once and opens the index once.  Results own their
JSON (keys pinned by ``tests/cli/test_json_contract.py``) and are plain slotted classes,
cheap to define at start-up (see :mod:`tokohelp.answers`); nothing here prints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tokohelp.errors import NotFoundError
from tokohelp.i18n import _

if TYPE_CHECKING:
    from tokohelp.contacts import Advice, Card, Channel, Opened, Recommendation
    from tokohelp.session import Session


def channel_json(channel: Channel, lang: str) -> dict[str, Any]:
    """The JSON object of one channel (also listed in full by ``show --json``)."""
    from tokohelp.config import LANGS
    from tokohelp.contacts import pick

    def opt(value: dict[str, str]) -> str | None:
        return pick(value, lang) or None

    return {
        "id": channel.id, "name": pick(channel.name, lang),
        "names": {code: pick(channel.name, code) for code in LANGS},
        "kind": channel.kind, "address": channel.address, "also": channel.also,
        "url": channel.url, "hours": opt(channel.hours), "who": opt(channel.who),
        "tiers": channel.tiers(), "response": opt(channel.response),
        "notes": pick(channel.notes, lang, []), "source": channel.source,
        "seed_ref": channel.seed_ref, "added": channel.added, "sources": channel.sources,
        "overridden": channel.overridden,
    }


class ChannelTable:
    """``tokohelp contact``: every channel (or those a tier may use), numbered from 1."""

    __slots__ = ("channels", "lang", "numbers")

    def __init__(self, lang: str, channels: list[Channel], numbers: dict[str, int]) -> None:
        self.lang, self.channels = lang, channels
        self.numbers = numbers  # id -> its number for --channel

    def to_json(self) -> list[dict[str, Any]]:
        """A list of channel objects."""
        return [channel_json(c, self.lang) for c in self.channels]


class ChannelCard:
    """``contact --channel ID``: one channel with its steps for a platform (None: all)."""

    __slots__ = ("card", "lang", "verbose", "warnings")

    def __init__(self, lang: str, card: Card, verbose: bool = False) -> None:
        self.lang, self.card, self.verbose = lang, card, verbose  # verbose: show provenance
        self.warnings: list[str] = []

    def to_json(self) -> dict[str, Any]:
        """The channel object plus ``platform`` and its ``steps`` sets."""
        from tokohelp.contacts import PLATFORMS, pick

        steps = [{"platforms": s.platforms or list(PLATFORMS),
                  "steps": pick(s.steps, self.lang, [])} for s in self.card.steps]
        return {**channel_json(self.card.channel, self.lang), "platform": self.card.platform,
                "steps": steps}


class ChannelAdvice:
    """``contact --for TOPIC``: the channels that fit, best first, each with its reason."""

    __slots__ = ("advice", "lang")

    def __init__(self, lang: str, advice: Advice) -> None:
        self.lang, self.advice = lang, advice

    @property
    def no_match(self) -> bool:
        """True when no channel fits (the human view then exits with NO_MATCH)."""
        return not self.advice.picks

    def to_json(self) -> list[dict[str, Any]]:
        """A ranked list; ``[]`` when no channel fits."""
        return [self._pick_json(r) for r in self.advice.picks]

    def _pick_json(self, rec: Recommendation) -> dict[str, Any]:
        from tokohelp.contacts import pick

        return {"rank": rec.rank, "id": rec.channel.id, "name": pick(rec.channel.name, self.lang),
                "kind": rec.channel.kind, "address": rec.channel.address, "action": rec.action,
                "reason": rec.reason, "category": self.advice.category,
                "matched": self.advice.matched}


class LinkOpened:
    """``contact --open``: the link of a channel and whether a program took it."""

    __slots__ = ("channel", "opened")

    def __init__(self, channel: Channel, opened: Opened) -> None:
        self.channel, self.opened = channel, opened

    def to_json(self) -> dict[str, Any]:
        """``{id, link, opened, problem}``; ``problem`` is null when it opened."""
        return {"id": self.channel.id, "link": self.opened.link, "opened": self.opened.opened,
                "problem": self.opened.problem or None}


# --- use cases ------------------------------------------------------------------

def table(session: Session, tier: str | None = None) -> ChannelTable:
    """Every channel, or only those a member of ``tier`` may use."""
    from tokohelp.contacts import list_channels

    numbers = {c.id: n for n, c in enumerate(session.channels, start=1)}
    return ChannelTable(session.lang, list_channels(tier, session.channels), numbers)


def card(session: Session, channel: str, platform: str | None = None,
         tier: str | None = None, verbose: bool = False) -> ChannelCard:
    """One channel in full, named by id, name or number; warns when ``tier`` may not use it."""
    from tokohelp.contacts import card as build_card
    from tokohelp.contacts import check_tier

    found = build_card(resolve_channel(session, channel), platform, session.channels)
    result = ChannelCard(session.lang, found, verbose)
    if not found.channel.eligible(check_tier(tier)):
        result.warnings.append(gate_warning(session, found.channel, tier))
    return result


def gate_warning(session: Session, channel: Channel, tier: str | None) -> str:
    """Say the tier gate is the seed's (about 2020) and name the chat open to everyone."""
    from tokohelp.contacts import open_chat

    needed = (channel.min_tier or "").capitalize()
    if channel.source == "seed":
        gate = _("'{channel}' is described (about 2020) as for {tier} members and above.")
    else:
        gate = _("'{channel}' is for {tier} members and above.")
    gate = gate.format(channel=channel.id, tier=needed)
    chat = open_chat(session.channels, tier)
    if chat is not None:
        gate += " " + _("Chat open to every member: tokohelp contact --channel {chat}").format(
            chat=chat.id)
    return gate


def advise(session: Session, topic: str | None, tier: str | None = None,
           waited_days: int | None = None) -> ChannelAdvice:
    """The channels for a problem, best first (``topic``: a category or free words)."""
    from tokohelp.contacts import recommend

    category, matched = topic_category(session, topic) if topic else (None, None)
    advice = recommend(category, tier, waited_days=waited_days, lang=session.lang,
                       categories=session.categories,
                       channels=session.channels)
    advice.topic, advice.matched = topic, matched
    return ChannelAdvice(session.lang, advice)


def open_channel(session: Session, channel: str | None, topic: str | None = None,
                 tier: str | None = None, waited_days: int | None = None) -> LinkOpened:
    """Open the named channel, or the best one for ``topic``, with the system's opener."""
    from tokohelp.contacts import channel_to_open, link_for, open_link

    picks = [] if channel else advise(session, topic, tier, waited_days).advice.picks
    chosen = channel_to_open(session.channels, resolve_channel(session, channel)
                             if channel else None, picks)
    return LinkOpened(chosen, open_link(link_for(chosen, session.lang, topic)))


# --- inputs in either language --------------------------------------------------

def topic_category(session: Session, topic: str) -> tuple[str | None, str | None]:
    """A category named by the topic, else the category of the best search hit (and its slug).

    Uses the run's index: the search that reads a free-text topic does not open another.
    """
    from tokohelp import catalog
    from tokohelp.answers import resolve_category

    try:
        return resolve_category(session, topic), None
    except NotFoundError:
        pass
    hits = catalog.search(" ".join(topic.split()), session.article_lang, limit=3,
                          index=session.index).hits
    return (hits[0].category, hits[0].slug) if hits else (None, None)


def resolve_channel(session: Session, text: str) -> str:
    """A channel given by id, Indonesian or English name (any case) or number in the table."""
    wanted = " ".join(text.split()).casefold()
    channels = session.channels
    if wanted.isdigit() and 1 <= int(wanted) <= len(channels):
        return channels[int(wanted) - 1].id
    for channel in channels:
        if wanted in {channel.id, *(n.casefold() for n in channel.name.values() if n)}:
            return channel.id
    raise NotFoundError(_("unknown channel '{channel}'").format(channel=text),
                        _("Valid ids: {ids}.").format(ids=", ".join(c.id for c in channels)))
