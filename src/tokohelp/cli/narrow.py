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


def show_card(env: Env, title: str, rows: list[tuple[str, str]], tag: str = "") -> None:
    """One card: ``title`` and a dim ``tag`` (an id), then ``label: value`` lines.

    A value too long for its line goes below its label, one `` / ``-separated part per
    line, so a phone number or an address is never split in the middle by the terminal.
    """
    width = env.out.width
    if tag and _plain(title) and len(_plain(title)) + len(tag) + 3 > width:
        env.out.print(title, soft_wrap=True)
        env.out.print(f"  [dim]{safe(tag)}[/dim]", soft_wrap=True)
    else:
        env.out.print(title + (f" [dim]({safe(tag)})[/dim]" if tag else ""), soft_wrap=True)
    for label, value in rows:
        if not value:
            continue
        if len(label) + len(_plain(value)) + 4 <= width:
            env.out.print(f"  [dim]{safe(label)}:[/dim] {value}", soft_wrap=True)
            continue
        env.out.print(f"  [dim]{safe(label)}:[/dim]", soft_wrap=True)
        for part in value.split(" / "):
            for line in _wrap_words(part, width - 4):
                env.out.print(f"    {line}", soft_wrap=True)
    env.out.print()


def _wrap_words(text: str, width: int) -> list[str]:
    """Wrap at spaces only: a word (an id, an address, a number) is never broken."""
    import textwrap

    return textwrap.wrap(text, max(width, 10), break_long_words=False,
                         break_on_hyphens=False) or [text]


def _plain(markup: str) -> str:
    from rich.text import Text

    return Text.from_markup(markup).plain


def show_channel_cards(env: Env, result: ChannelTable) -> None:
    """``tokohelp contact`` as cards: number, name and id, then reach, hours and who."""
    from tokohelp.cli.contact_views import NOT_STATED, _reach, _who
    from tokohelp.contacts import pick
    from tokohelp.i18n import _

    lang = result.lang
    for ch in result.channels:
        number = result.numbers.get(ch.id, "")
        title = f"[bold]{number}. {safe(pick(ch.name, lang))}[/bold]"
        show_card(env, title, [(_("how to reach it"), _reach(ch)),
                               (_("hours"), safe(pick(ch.hours, lang)) or NOT_STATED),
                               (_("who"), _who(ch, lang))], tag=ch.id)
    for label, command in ((_("One channel in full:"), "tokohelp contact --channel ID"),
                           (_("Which one for my problem:"), "tokohelp contact --for TOPIC")):
        env.out.print(f"[dim]{safe(label)}[/dim]\n  {safe(command)}", soft_wrap=True)
