"""Piped ``tokohelp contact`` is written without Rich, and says all that the Rich view says."""

from __future__ import annotations

import io
import json
import re

import pytest
from typer.testing import CliRunner

from tests.helpers import run_piped
from tokohelp import reach
from tokohelp.cli import app
from tokohelp.cli.render import render
from tokohelp.contacts import load_channels, pick
from tokohelp.session import Session

runner = CliRunner()

FORMS = [
    ["contact"],
    ["contact", "--tier", "silver"],
    ["contact", "--channel", "email"],
    ["contact", "--channel", "resolution-center", "--platform", "ios"],
    ["contact", "--channel", "live-chat", "--tier", "silver"],
    ["contact", "--for", "seller not answering", "--waited-days", "4"],
    ["contact", "--for", "qqqzzz"],
]


def rich_imported(*args: str) -> bool:
    return "rich" in run_piped(*args)[1]


@pytest.mark.parametrize("args", [["contact"], ["contact", "--channel", "email"],
                                  ["contact", "--for", "refund"]])
@pytest.mark.parametrize("lang", ["en", "id"])
def test_piped_contact_does_not_import_rich(lang, args):
    assert not rich_imported("--lang", lang, *args)


def test_the_probe_sees_rich_when_a_view_uses_it():
    assert rich_imported("--lang", "en", "show", "refund-status")  # a rendered article


def flat(text: str) -> str:
    """The text without its line breaks, blanks and " / " (narrow cards put each part of an
    address on a line of its own): what survives any wrapping."""
    return "".join(text.replace(" / ", " ").split())


def readable(out: str) -> str:
    """The output, a table read column by column (its cells wrap within their column)."""
    lines = out.splitlines()
    if not lines or lines[0].split()[:1] != ["#"]:
        return out
    starts = [m.start() for m in re.finditer(r"\S+(?: \S+)*", lines[0])]  # labels: 2+ apart
    rows = [line for line in lines[1:] if line.startswith(" ")]
    return "\n".join(line[start:end] for start, end in zip(starts, [*starts[1:], None],
                                                             strict=True) for line in rows)


def expected_facts(args: list[str], lang: str) -> dict[str, list[str]]:
    """Channel id -> the facts its piped output must carry, taken from the data."""
    channels = {c.id: c for c in load_channels()}
    if "--channel" in args:
        shown = [channels[args[args.index("--channel") + 1]]]
    elif "--for" in args:
        as_json = runner.invoke(app, ["--lang", lang, *args, "--json"])
        shown = [channels[rec["id"]] for rec in json.loads(as_json.stdout)]
    else:
        shown = [c for c in channels.values() if "--tier" not in args or c.eligible("silver")]
    facts = {}
    for ch in shown:
        facts[ch.id] = [ch.id, pick(ch.name, lang), ch.address, *ch.also]
        if "--for" not in args and pick(ch.hours, lang):  # the advice names no hours
            facts[ch.id].append(pick(ch.hours, lang))
    return facts


@pytest.mark.parametrize("columns", [40, 80, 200])
@pytest.mark.parametrize("lang", ["en", "id"])
@pytest.mark.parametrize("args", FORMS, ids=" ".join)
def test_piped_output_carries_every_fact_of_the_data(args, lang, columns):
    result = runner.invoke(app, ["--lang", lang, *args], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    out = result.stdout
    facts = expected_facts(args, lang)
    assert facts
    for cid, texts in facts.items():
        for text in texts:
            assert flat(text) in flat(readable(out)), (cid, text)
            if columns == 200:  # wide enough for every fact to stay on one line
                assert text in out, (cid, text)
    assert "…" not in out and "\x1b" not in out
    assert not [line for line in out.splitlines() if line != line.rstrip()]


def test_the_table_numbers_channels_as_the_channel_option_reads_them():
    lines = runner.invoke(app, ["--lang", "en", "contact"], env={"COLUMNS": "200"}).stdout
    rows = [line.split(None, 1) for line in lines.splitlines() if line[:4].strip().isdigit()]
    names = [pick(c.name, "en") for c in load_channels()]
    assert [int(n) for n, _ in rows] == list(range(1, len(names) + 1))
    assert [rest.startswith(name) for (_, rest), name in zip(rows, names, strict=True)] \
        == [True] * len(names)


def test_a_long_address_is_never_folded_in_a_pipe():
    result = runner.invoke(app, ["--lang", "en", "contact", "-C", "resolution-center"],
                           env={"COLUMNS": "40"})
    assert "https://m.tokopedia.com/resolution-center/inbox/buyer" in result.stdout.splitlines()


def rich_and_plain(monkeypatch, columns: int, make) -> tuple[str, str]:
    """The same result shown by the Rich view (a terminal session) and the plain one."""
    monkeypatch.setenv("COLUMNS", str(columns))
    shown = []
    for tty in (True, False):
        out = io.StringIO()
        session = Session(lang="en", stdout=out, stderr=io.StringIO(), stdout_isatty=tty)
        render(session, make(session))
        shown.append(out.getvalue())
    return shown[0], shown[1]


@pytest.mark.parametrize("columns", [60, 80, 120])  # no word longer than a line: Rich folds it
@pytest.mark.parametrize("make", [
    lambda s: reach.card(s, "email"),
    lambda s: reach.card(s, "phone", verbose=True),
    lambda s: reach.card(s, "resolution-center", "ios"),
    lambda s: reach.advise(s, "orders", waited_days=4),
    lambda s: reach.advise(s, None, "silver"),
], ids=["email", "phone-verbose", "resolution-center-ios", "orders-4-days", "silver"])
def test_plain_card_and_advice_are_the_rich_view_without_styles(monkeypatch, columns, make):
    rich, plain = rich_and_plain(monkeypatch, columns, make)
    assert plain == rich


@pytest.mark.parametrize("columns", [40, 100])
def test_plain_table_is_the_rich_table_where_nothing_is_folded(monkeypatch, columns):
    rich, plain = rich_and_plain(monkeypatch, columns, lambda s: reach.table(s))
    assert plain == rich
