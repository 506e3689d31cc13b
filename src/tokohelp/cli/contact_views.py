"""Human views of ``tokohelp contact`` results and of the channels after ``show``.

Their JSON is in :mod:`tokohelp.reach`.  Channel text can come from the user's config
file, so every piece of it goes through ``safe()`` before Rich sees it.

Piped output has no styles to show, so the ``contact`` views write it as plain lines
without loading Rich at all (like a piped ``search``): the text Rich would print, wrapped
at the same width, and every untrusted piece through ``strip_control``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tokohelp.cli.output import Env, plain_width, print_hanging, safe
from tokohelp.contacts import Advice, Channel, pick
from tokohelp.i18n import N_, _
from tokohelp.safe import strip_control

if TYPE_CHECKING:
    from tokohelp.contacts import Card, StepSet
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
    return safe(_who_text(channel, lang)) or NOT_STATED


def _who_text(channel: Channel, lang: str) -> str:
    """Who may use it, as stated, else the lowest tier it is open to ("" when neither)."""
    who = pick(channel.who, lang)
    if not who and channel.min_tier:
        who = _("{tier} members and up").format(tier=channel.min_tier.capitalize())
    return who


def show_table(env: Env, result: ChannelTable) -> None:
    """All channels at a glance: number, name, how to reach it, hours, who may use it."""
    if not env.stdout_isatty:
        return _plain_table(env, result)
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
    return safe(_provenance_text(channel))


def _provenance_text(channel: Channel) -> str:
    """Where the channel's facts come from: the seed, tokohelp's additions, the config."""
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
    return "; ".join(parts)


def show_card(env: Env, result: ChannelCard) -> None:
    """One channel in full: facts, steps for the platform(s), notes, provenance."""
    if not env.stdout_isatty:
        return _plain_card(env, result)
    card, lang = result.card, result.lang
    ch = card.channel
    labels = [ch.id] + ([ch.kind] if ch.kind != ch.id else [])  # "Email (email)", not twice
    env.out.print(f"{_bold(pick(ch.name, lang))} [dim]({safe(', '.join(labels))})[/dim]")
    for label, value in _facts(ch, lang):
        env.out.print(f"  [bold]{safe(label)}:[/bold] {value}")
    for step_set in card.steps:
        heading = _bold(_("Steps"))
        env.out.print(f"\n{heading} [dim]({safe(_where(card, step_set))})[/dim]")
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


def _where(card: Card, step_set: StepSet) -> str:
    """The platforms a step set is shown for: the chosen one, else those it lists."""
    shown = step_set.platforms if card.platform is None else [card.platform]
    return ", ".join(_(PLATFORM_NAMES[p]) for p in shown) or _("Every platform")


def show_advice(env: Env, result: ChannelAdvice) -> None:
    """Channels for a problem, best first, each with its reason."""
    if not env.stdout_isatty:
        return _plain_advice(env, result)
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
    if not env.stdout_isatty:
        return _plain_opened(env, result)
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


# --- piped: plain lines, no Rich ------------------------------------------------------

_WORD = re.compile(r"\s*\S+\s*")  # a word and the blanks after it, as Rich splits text


def wrap(text: str, width: int) -> list[str]:
    """``text`` broken before words to fit ``width``, each of its lines on its own, as Rich
    prints it; a word longer than a line keeps a line of its own, whole (never cut)."""
    lines = []
    for paragraph in text.split("\n"):
        line, used = "", 0
        for word in _WORD.findall(paragraph):
            if used and used + len(word.rstrip()) > width:
                lines.append(line.rstrip(" "))
                line, used = "", 0
            line, used = line + word, used + len(word)
        lines.append(line.rstrip(" "))
    return lines


def hanging(marker: str, body: str, width: int, indent: int = 2) -> list[str]:
    """``marker`` then ``body`` wrapped, later lines under the body (``print_hanging``)."""
    lead = " " * indent + marker + " "
    lines = wrap(body, max(width - len(lead), 1))
    pad = " " * len(lead)
    return [(lead if n == 0 else pad) + line for n, line in enumerate(lines)]


def _plain_reach(channel: Channel) -> str:
    """:func:`_reach` for plain lines: every address, `` / ``-separated."""
    return " / ".join(strip_control(a) for a in [channel.address, *channel.also])


def _plain_who(channel: Channel, lang: str) -> str:
    """:func:`_who` for plain lines."""
    return strip_control(_who_text(channel, lang)) or NOT_STATED


def _write(env: Env, lines: list[str]) -> None:
    """Lines (untrusted parts already stripped) on stdout, in one write."""
    env.stdout.write("".join(line + "\n" for line in lines))


def _note(env: Env, text: str) -> None:
    """A line for stderr (what the topic was read as, a tier note), unwrapped like a warning."""
    env.stderr.write(strip_control(text) + "\n")


def _aligned(rows: list[list[list[str]]], width: int) -> list[str]:
    """Rows of cells (each a list of lines) as columns padded like Rich's ``box=None`` table:
    one space either side of every cell, no padding at the end of a line.  Columns too wide
    for ``width`` are narrowed, widest first, and their cells wrapped at spaces, but never
    below their longest word: an id or an address is never cut."""
    columns = range(len(rows[0]))
    cells = [[line for row in rows for line in row[col]] for col in columns]
    widths = _fit([max(map(len, lines)) for lines in cells],
                  [max(len(word) for line in lines for word in line.split() or [""])
                   for lines in cells], width - 2 * len(rows[0]))
    lines = []
    for row in rows:
        wrapped = [[part for line in cell for part in wrap(line, w)]
                   for cell, w in zip(row, widths, strict=True)]
        for n in range(max(map(len, wrapped))):
            texts = [cell[n] if n < len(cell) else "" for cell in wrapped]
            padded = (f" {text:<{w}} " for text, w in zip(texts, widths, strict=True))
            lines.append("".join(padded).rstrip())
    return lines


def _fit(widths: list[int], floors: list[int], room: int) -> list[int]:
    """Column widths that add up to ``room`` if they can.

    First as Rich does it: the widest column gives up a place at a time (the last of
    equals, like Rich's rounding).  A column left below its floor (its longest word) then
    gets its places back from the columns above theirs, the one that needed the least room
    first: a short text (the hours) loses least by wrapping.
    """
    narrowed = list(widths)
    while sum(narrowed) > room and max(narrowed) > 1:
        widest = max(narrowed)
        narrowed[len(narrowed) - 1 - narrowed[::-1].index(widest)] -= 1
    fitted = [max(w, floor) for w, floor in zip(narrowed, floors, strict=True)]
    while sum(fitted) > room:
        above = [col for col, w in enumerate(fitted) if w > floors[col]]
        if not above:
            break
        fitted[min(above, key=lambda col: (widths[col], -col))] -= 1
    return fitted


def _plain_table(env: Env, result: ChannelTable) -> None:
    """The table for a pipe: a row per channel, its id under its name; cards below NARROW
    columns, as on a terminal."""
    from tokohelp.cli.narrow import NARROW

    width, lang = plain_width(), result.lang
    if width < NARROW:
        return _plain_cards(env, result, width)
    rows = [[["#"], [_("channel")], [_("how to reach it")], [_("hours")], [_("who")]]]
    for ch in result.channels:
        rows.append([[str(result.numbers.get(ch.id, ""))],
                     [*strip_control(pick(ch.name, lang)).split("\n"), strip_control(ch.id)],
                     [_plain_reach(ch)], [strip_control(pick(ch.hours, lang)) or NOT_STATED],
                     [_plain_who(ch, lang)]])
    footer = _("One channel in full: tokohelp contact --channel ID or # · "
               "Which one for my problem: tokohelp contact --for TOPIC")
    _write(env, _aligned(rows, width) + wrap(footer, width))


def _plain_cards(env: Env, result: ChannelTable, width: int) -> None:
    """``narrow.show_channel_cards`` as plain lines: a card per channel, then the commands."""
    lang, lines = result.lang, []
    for ch in result.channels:
        title = f"{result.numbers.get(ch.id, '')}. {strip_control(pick(ch.name, lang))}"
        lines += _plain_card_lines(title, strip_control(ch.id), width, [
            (_("how to reach it"), _plain_reach(ch)),
            (_("hours"), strip_control(pick(ch.hours, lang)) or NOT_STATED),
            (_("who"), _plain_who(ch, lang))])
    for label, command in ((_("One channel in full:"), "tokohelp contact --channel ID"),
                           (_("Which one for my problem:"), "tokohelp contact --for TOPIC")):
        lines += [label, f"  {command}"]
    _write(env, lines)


def _plain_card_lines(title: str, tag: str, width: int, rows: list[tuple[str, str]]
                      ) -> list[str]:
    """One card of :func:`narrow.show_card`: the title and its tag (on a line of its own when
    they do not fit), ``label: value`` lines, a value too long going below its label one
    `` / ``-part at a time, wrapped at spaces only; then a blank line."""
    from tokohelp.cli.narrow import _wrap_words

    fits = len(title) + len(tag) + 3 <= width
    lines = [f"{title} ({tag})"] if fits else [title, f"  {tag}"]
    for label, value in rows:
        if len(label) + len(value) + 4 <= width:
            lines.append(f"  {label}: {value}")
            continue
        lines.append(f"  {label}:")
        lines += [f"    {line}" for part in value.split(" / ")
                  for line in _wrap_words(part, width - 4)]
    return [*lines, ""]


def _plain_card(env: Env, result: ChannelCard) -> None:
    """``show_card`` as plain lines, wrapped where Rich wraps them."""
    card, lang, width = result.card, result.lang, plain_width()
    ch = card.channel
    labels = strip_control(", ".join([ch.id] + ([ch.kind] if ch.kind != ch.id else [])))
    lines = wrap(f"{strip_control(pick(ch.name, lang))} ({labels})", width)
    for label, value in _plain_facts(ch, lang):
        lines += wrap(f"  {label}: {value}", width)
    for step_set in card.steps:
        lines += ["", *wrap(f"{_('Steps')} ({_where(card, step_set)})", width)]
        for number, step in enumerate(pick(step_set.steps, lang, []), start=1):
            lines += hanging(f"{number}.", strip_control(step), width)
    notes = pick(ch.notes, lang, [])
    if notes:
        lines += ["", *wrap(_("Good to know"), width)]
        for note in notes:
            lines += hanging("•", strip_control(note), width)
    if result.verbose:
        lines += ["", *wrap(strip_control(_provenance_text(ch)), width)]
    _write(env, lines + wrap(_("Open it: tokohelp contact --channel {id} --open").format(
        id=strip_control(ch.id)), width))


def _plain_facts(channel: Channel, lang: str) -> list[tuple[str, str]]:
    """:func:`_facts` for plain lines: the card's ``label: value`` rows that have a value."""
    rows = [(_("Reach"), _plain_reach(channel)), (_("Link"), strip_control(channel.url or "")),
            (_("Hours"), strip_control(pick(channel.hours, lang))),
            (_("Who"), _plain_who(channel, lang)),
            (_("Response"), strip_control(pick(channel.response, lang)))]
    return [(label, value) for label, value in rows if value]


def _plain_advice(env: Env, result: ChannelAdvice) -> None:
    """``show_advice`` as plain lines; what the topic was read as goes to stderr."""
    advice, lang, width = result.advice, result.lang, plain_width()
    _plain_understood(env, advice)
    if not advice.picks:
        env.error(_("no channel fits"), _("Run 'tokohelp contact' to see them all."))
    lines = []
    for rec in advice.picks:
        ch = rec.channel
        lines += wrap(f"{rec.rank}. {strip_control(pick(ch.name, lang))} ({strip_control(ch.id)}) "
                      f"{_plain_reach(ch)}", width)
        lines += hanging("", strip_control(rec.reason), width)
    if advice.note:
        _note(env, advice.note)
    if advice.picks:
        top = strip_control(advice.picks[0].channel.id)
        lines += wrap(_("Steps: tokohelp contact --channel {id} · open it: tokohelp contact "
                        "--channel {id} --open").format(id=top), width)
    _write(env, lines)


def _plain_understood(env: Env, advice: Advice) -> None:
    """``_show_understood`` as a plain line on stderr."""
    if advice.topic is None:
        return
    if advice.category is None:
        _note(env, _("No article matches that topic; these channels take any question."))
    elif advice.matched:
        _note(env, _("Topic read as category '{category}' (closest article: {slug}).").format(
            category=advice.category, slug=advice.matched))


def _plain_opened(env: Env, result: LinkOpened) -> None:
    """``show_opened`` without Rich: the link on stdout when nothing opened it."""
    opened = result.opened
    if opened.opened:
        return _note(env, _("Opened {link}").format(link=opened.link))
    env.stdout.write(strip_control(opened.link) + "\n")
    _note(env, _("Not opened ({problem}); use the link above.").format(problem=opened.problem))
