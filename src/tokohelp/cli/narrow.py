"""Stacked cards for narrow terminals (a phone's Termux is 40 columns).

A table squeezed below :data:`NARROW` columns cuts ids and addresses with an ellipsis
and wraps words one per line.  Cards put one item per block: a title line, then one
``label: value`` line each, printed with ``soft_wrap`` so a long id, address or command
runs on as one piece the terminal wraps, and is never cut.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tokohelp.cli.output import Env, safe

if TYPE_CHECKING:
    from tokohelp.reach import ChannelTable

NARROW = 60


def is_narrow(env: Env) -> bool:
    """Whether stdout is narrower than a table can be read at."""
    return env.out.width < NARROW


def show_card(env: Env, title: str, rows: list[tuple[str, str]]) -> None:
    """One card: ``title`` (markup), then ``label: value`` lines (values are markup too)."""
    env.out.print(title, soft_wrap=True)
    for label, value in rows:
        if value:
            env.out.print(f"  [dim]{safe(label)}:[/dim] {value}", soft_wrap=True)
    env.out.print()


def show_channel_cards(env: Env, result: ChannelTable) -> None:
    """``tokohelp contact`` as cards: number, name and id, then reach, hours and who."""
    from tokohelp.cli.contact_views import NOT_STATED, _reach, _who
    from tokohelp.contacts import pick
    from tokohelp.i18n import _

    lang = result.lang
    for ch in result.channels:
        number = result.numbers.get(ch.id, "")
        title = f"[bold]{number}. {safe(pick(ch.name, lang))}[/bold] [dim]({safe(ch.id)})[/dim]"
        show_card(env, title, [(_("how to reach it"), _reach(ch)),
                               (_("hours"), safe(pick(ch.hours, lang)) or NOT_STATED),
                               (_("who"), _who(ch, lang))])
    env.out.print("[dim]" + safe(_("One channel in full: tokohelp contact --channel ID or #"))
                  + "[/dim]", soft_wrap=True)
    env.out.print("[dim]" + safe(_("Which one for my problem: tokohelp contact --for TOPIC"))
                  + "[/dim]", soft_wrap=True)
