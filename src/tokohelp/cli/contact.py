"""The ``contact`` command: every way to reach a person, one channel in full, or advice.

The core and the views are imported inside the functions: this module is
loaded at every start-up, the channel code only when a command needs it.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

from tokohelp.cli.common import JsonOpt, current_lang, env
from tokohelp.cli.output import emit_json
from tokohelp.errors import NoMatchError, UsageError

if TYPE_CHECKING:
    from tokohelp.contacts import Channel


class Platform(str, Enum):
    """Where the steps are followed (mobile web and the Android app share theirs)."""

    desktop = "desktop"
    mobile = "mobile"
    android = "android"
    ios = "ios"


class Tier(str, Enum):
    """Tokopedia membership tiers, lowest first."""

    silver = "silver"
    gold = "gold"
    platinum = "platinum"


ChannelOpt = Annotated[str | None, typer.Option(
    "--channel", "-C", metavar="ID", help="Show one channel in full (e.g. email, phone).")]
PlatformOpt = Annotated[Platform | None, typer.Option(
    "--platform", help="Steps for this platform only (with --channel).")]
TopicOpt = Annotated[str | None, typer.Option(
    "--for", metavar="TOPIC", help="Recommend channels for a problem: a category id or words.")]
TierOpt = Annotated[Tier | None, typer.Option(
    "--tier", help="Your membership tier; channels you may not use are left out.")]
WaitedOpt = Annotated[int | None, typer.Option(
    "--waited-days", min=0, metavar="N",
    help="Days your complaint has had no answer or solution (3 or more: Minta Bantuan).")]
OpenOpt = Annotated[bool, typer.Option(
    "--open", help="Open the channel (phone, mail or web link); prints the link over SSH.")]
WordsArg = Annotated[list[str] | None, typer.Argument(
    metavar="[WORDS]...", help="More words of the --for topic (no quotes needed).",
    show_default=False)]


def contact_cmd(channel: ChannelOpt = None, platform: PlatformOpt = None, topic: TopicOpt = None,
                words: WordsArg = None, tier: TierOpt = None, waited_days: WaitedOpt = None,
                open_: OpenOpt = False, json_out: JsonOpt = False) -> None:
    """Reach a person at Tokopedia: all channels, one channel's steps, or the best one for you.

    Examples: tokohelp contact ; tokohelp contact --channel email ;
    tokohelp contact --channel resolution-center --platform ios ;
    tokohelp contact --for seller not answering my complaint --waited-days 4 --tier silver
    """
    text = " ".join([topic or "", *(words or [])]).strip() or None
    _check_options(channel, platform, text, waited_days, open_)
    tier_id, platform_id = tier.value if tier else None, platform.value if platform else None
    if open_:
        return _open(channel, text, tier_id, waited_days, json_out)
    if channel:
        return _card(channel, platform_id, tier_id, json_out)
    if text or waited_days is not None:
        return _advise(text, tier_id, waited_days, json_out)
    _table(tier_id, json_out)


def _check_options(channel: str | None, platform: Platform | None, topic: str | None,
                   waited_days: int | None, open_: bool) -> None:
    """Reject combinations that have no single meaning."""
    asks_advice = topic is not None or waited_days is not None
    if channel and asks_advice and not (open_ and waited_days is None):
        raise UsageError("--channel does not go with --for/--waited-days",
                         "Use --channel ID for one channel, or --for TOPIC for advice "
                         "(with --open, --for gives the e-mail subject).")
    if platform and not channel:
        raise UsageError("--platform needs --channel", "Example: tokohelp contact "
                         "--channel resolution-center --platform android")
    if open_ and not (channel or asks_advice):
        raise UsageError("--open needs --channel or --for", "Example: tokohelp contact "
                         "--channel email --open")


def _table(tier: str | None, json_out: bool) -> None:
    from tokohelp import contacts
    from tokohelp.cli import contact_views as views

    lang, channels = current_lang(), contacts.list_channels(tier)
    if json_out:
        return emit_json(env(), [views.channel_json(c, lang) for c in channels])
    views.show_table(env(), channels, lang)


def _card(channel_id: str, platform: str | None, tier: str | None, json_out: bool) -> None:
    from tokohelp import contacts
    from tokohelp.cli import contact_views as views

    lang, card = current_lang(), contacts.card(channel_id, platform)
    if not card.channel.eligible(tier):
        env().warn(f"'{card.channel.id}' is not open to {tier} members")
    if json_out:
        return emit_json(env(), views.card_json(card, lang))
    views.show_card(env(), card, lang)


def _advise(topic: str | None, tier: str | None, waited_days: int | None,
            json_out: bool) -> None:
    from tokohelp import contacts
    from tokohelp.cli import contact_views as views

    lang = current_lang()
    advice = contacts.recommend(topic, tier, waited_days=waited_days, lang=lang)
    if json_out:
        return emit_json(env(), [views.recommendation_json(r, advice, lang) for r in advice.picks])
    views.show_advice(env(), advice, lang)
    if not advice.picks:
        raise NoMatchError("no channel fits", "Run 'tokohelp contact' to see them all.")


def _target(channel_id: str | None, topic: str | None, tier: str | None,
            waited_days: int | None, lang: str) -> Channel:
    """The channel to open: the one named, or the best recommendation."""
    from tokohelp import contacts

    if channel_id:
        return contacts.get_channel(channel_id, contacts.load_channels())
    picks = contacts.recommend(topic, tier, waited_days=waited_days, lang=lang).picks
    if not picks:
        raise NoMatchError("no channel fits", "Run 'tokohelp contact' to see them all.")
    return picks[0].channel


def _open(channel_id: str | None, topic: str | None, tier: str | None,
          waited_days: int | None, json_out: bool) -> None:
    from tokohelp import contacts
    from tokohelp.cli import contact_views as views

    lang = current_lang()
    channel = _target(channel_id, topic, tier, waited_days, lang)
    opened = contacts.open_link(contacts.link_for(channel, lang, topic))
    if json_out:
        return emit_json(env(), views.opened_json(channel, opened))
    views.show_opened(env(), channel, opened)
