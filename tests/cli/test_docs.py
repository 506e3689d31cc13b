"""``tokohelp docs [TOPIC]``: the shipped documentation, and hints that name commands."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from tests.helpers import tomllib
from tokohelp import manual
from tokohelp.cli import app

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_topics_are_every_docs_file():
    result = run("docs")
    assert result.exit_code == 0, result.output
    for path in (ROOT / "docs").glob("*.md"):
        assert path.stem in result.stdout
    assert "tokohelp docs TOPIC" in result.stdout


def test_a_topic_is_rendered_with_links_as_commands():
    result = run("docs", "tickets")
    assert result.exit_code == 0, result.output
    shown = " ".join(result.stdout.split())
    assert "Help requests" in shown and "tokohelp ticket new --recover FILE" in shown
    assert "tokohelp docs backends" in shown and ".md" not in shown


def test_prefix_close_spelling_and_unknown_topics():
    assert manual.page("exit").topic.name == "exit-codes"
    typo = run("docs", "bakends")
    assert typo.exit_code == 3 and "Did you mean: backends?" in typo.stderr
    assert run("docs", "zzz").exit_code == 3


def test_docs_json():
    result = run("docs", "config", "--json")
    data = json.loads(result.stdout)
    assert data["topic"] == "config" and data["markdown"].startswith("# Configuration")


def test_the_wheel_ships_the_docs():
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]
    assert build["targets"]["wheel"]["force-include"]["docs"] == "tokohelp/docs"
    assert manual.docs_dir().is_dir()


def test_hints_in_ticket_messages_name_commands_not_files():
    sources = "\n".join(p.read_text() for p in (ROOT / "src/tokohelp/tickets").glob("*.py"))
    sources += (ROOT / "src/tokohelp/cli/ticket_views.py").read_text()
    in_strings = re.findall(r"_\(\s*\"[^\"]*docs/[a-z-]+\.md", sources)
    assert in_strings == []
