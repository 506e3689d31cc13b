"""The ``contact`` command: every way to reach a person, one channel in full, or advice.

The core and the views are imported inside the functions: this module is
loaded at every start-up, the channel code only when a command needs it.
"""

# Annotations are not postponed here (no __future__ import): Typer reads them at every
# start, and from strings it would compile and evaluate each one.
from enum import Enum
from typing import Annotated

import typer

from tokohelp.cli import complete
from tokohelp.cli.common import JsonOpt, session_of
from tokohelp.errors import UsageError
from tokohelp.i18n import N_, _


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
    diamond = "diamond"


ChannelOpt = Annotated[str | None, typer.Option(
    "--channel", "-C", metavar="ID",
    help=N_("Show one channel in full: its id, name or number in the table (e.g. email)."),
    autocompletion=complete.channels)]
PlatformOpt = Annotated[Platform | None, typer.Option(
    "--platform", help=N_("Steps for this platform only (with --channel)."))]
TopicOpt = Annotated[str | None, typer.Option(
    "--for", metavar="TOPIC", help=N_("Recommend channels for a problem: a category or words."))]
TierOpt = Annotated[Tier | None, typer.Option(
    "--tier", help=N_("Your membership tier; channels you may not use are left out."))]
WaitedOpt = Annotated[int | None, typer.Option(
    "--waited-days", min=0, metavar="N",
    help=N_("Days your complaint has had no answer or solution (3 or more: Minta Bantuan)."))]
OpenOpt = Annotated[bool, typer.Option(
    "--open",
    help=N_("Open the channel (phone, mail or web link); prints the link over SSH."))]
VerboseOpt = Annotated[bool, typer.Option(
    "--verbose", "-v", help=N_("With --channel: also say where each fact comes from."))]
WordsArg = Annotated[list[str] | None, typer.Argument(
    metavar="[WORDS]...", help=N_("More words of the --for topic (no quotes needed)."),
    show_default=False)]


app = typer.Typer(add_completion=False, rich_markup_mode=None)  # help text: cli/__init__.py


@app.command("contact")
def contact_cmd(ctx: typer.Context, channel: ChannelOpt = None, platform: PlatformOpt = None,
                topic: TopicOpt = None, words: WordsArg = None, tier: TierOpt = None,
                waited_days: WaitedOpt = None, open_: OpenOpt = False,
                verbose: VerboseOpt = False, json_out: JsonOpt = False) -> None:
    """``tokohelp contact``: parse, call :mod:`tokohelp.reach`, render."""
    from tokohelp import reach
    from tokohelp.cli.render import render

    session = session_of(ctx)
    text = " ".join([topic or "", *(words or [])]).strip() or None
    _check_options(channel, platform, text, waited_days, open_)
    tier_id, platform_id = tier.value if tier else None, platform.value if platform else None
    if open_:
        result = reach.open_channel(session, channel, text, tier_id, waited_days)
    elif channel:
        result = reach.card(session, channel, platform_id, tier_id, verbose)
    elif text or waited_days is not None:
        result = reach.advise(session, text, tier_id, waited_days)
    else:
        result = reach.table(session, tier_id)
    render(session, result, json_out)


def _check_options(channel: str | None, platform: Platform | None, topic: str | None,
                   waited_days: int | None, open_: bool) -> None:
    """Reject combinations that have no single meaning."""
    asks_advice = topic is not None or waited_days is not None
    if channel and asks_advice and not (open_ and waited_days is None):
        raise UsageError(_("--channel does not go with --for/--waited-days"),
                         _("Use --channel ID for one channel, or --for TOPIC for advice "
                           "(with --open, --for gives the email subject)."))
    if platform and not channel:
        raise UsageError(_("--platform needs --channel"),
                         _("Example: tokohelp contact --channel resolution-center "
                           "--platform android"))
    if open_ and not (channel or asks_advice):
        raise UsageError(_("--open needs --channel or --for"),
                         _("Example: tokohelp contact --channel email --open"))
