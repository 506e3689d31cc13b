"""The find-answers commands through the real CLI surface."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from tests.helpers import make_library, write_article
from tokohelp import __version__
from tokohelp.cli import app

runner = CliRunner()


def run(*args: str, **kw):
    return runner.invoke(app, list(args), **kw)


@pytest.fixture
def library(tmp_path, monkeypatch):
    root = make_library(tmp_path / "lib")
    monkeypatch.setenv("TOKOHELP_ARTICLES", str(root))
    return root


def test_search_bundled_refund_shows_refund_articles():
    result = run("--lang", "en", "search", "refund")
    assert result.exit_code == 0
    assert "refund" in result.stdout.lower()
    assert "tokohelp show" in result.stdout


def test_search_json_shape_is_pinned():
    result = run("--lang", "id", "search", "dana", "refund", "belum", "masuk", "--json")
    hits = json.loads(result.stdout)
    assert result.exit_code == 0 and hits
    assert set(hits[0]) == {"slug", "title", "category", "lang", "score", "snippet", "path",
                            "fallback", "confident"}
    assert hits[0]["slug"] == "refund-not-received" and hits[0]["lang"] == "id"
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


def test_no_match_json_is_empty_list_exit_0(library):
    result = run("search", "qqqq", "--json")
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])


def test_no_match_rich_view_helps_and_exits_1(library):
    result = run("search", "qqqq")
    assert result.exit_code == 1
    assert "No article matches" in result.stderr
    assert "Category ids: refund, shipping" in result.stderr
    assert "Traceback" not in result.output


def test_search_warns_about_broken_articles(library):
    (library / "refund" / "bad.en.md").write_text("broken")
    result = run("search", "refund")
    assert result.exit_code == 0
    assert "skipped article" in result.stderr and "bad.en.md" in result.stderr


def test_list_json_and_category_filter(library):
    items = json.loads(run("list", "--category", "shipping", "--json").stdout)
    assert items == [{"slug": "parcel-late", "title": "Parcel is late", "category": "shipping",
                      "lang": "en", "path": str(library / "shipping" / "parcel-late.en.md"),
                      "fallback": False}]


def test_unknown_category_exits_3_and_lists_ids(library):
    result = run("list", "--category", "nope")
    assert result.exit_code == 3
    assert "unknown category 'nope'" in result.stderr and "refund, shipping" in result.stderr


def test_categories_json(library):
    cats = json.loads(run("--lang", "id", "categories", "--json").stdout)
    assert cats[0] == {"id": "refund", "name": "Pengembalian Dana", "articles": 1}


def test_show_renders_raw_and_json(library):
    shown = run("show", "money-back")
    assert shown.exit_code == 0 and "Money back after a cancelled order" in shown.stdout
    raw = run("show", "money-back", "--raw")
    assert raw.stdout.startswith("+++\n")
    data = json.loads(run("--lang", "id", "show", "money-back", "--json").stdout)
    assert (data["lang"], data["fallback"], data["other_langs"]) == ("id", False, ["en"])


def test_show_fallback_is_marked(library):
    result = run("--lang", "id", "show", "parcel-late")
    assert result.exit_code == 0
    assert "Ditampilkan dalam 'en': tidak tersedia dalam bahasa Indonesia" in result.stderr
    english = run("--lang", "en", "show", "money-back")
    assert "Shown in" not in english.stderr


def test_show_unknown_slug_exits_3_with_suggestion(library):
    result = run("show", "parcel-lat")
    assert result.exit_code == 3
    assert "no article 'parcel-lat'" in result.stderr and "parcel-late" in result.stderr


def test_hostile_article_text_is_inert(tmp_path, monkeypatch):
    root = make_library(tmp_path / "lib")
    write_article(root, "evil", title="Refund [bold red]X[/] \x1b]0;pwned\x07 \x1b[31mred",
                  body="Refund \x1b[2J body [link=http://x]y[/link]")
    monkeypatch.setenv("TOKOHELP_ARTICLES", str(root))
    for args in (["search", "refund"], ["list"], ["show", "evil"], ["show", "evil", "--raw"]):
        result = run(*args)
        assert result.exit_code == 0, args
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "[bold red]X[/]" in run("search", "refund").stdout


def test_bad_lang_is_a_usage_error():
    result = run("--lang", "fr", "search", "x")
    assert result.exit_code == 2 and "Use 'id' or 'en'" in result.stderr


def test_bad_limit_is_a_usage_error():
    assert run("search", "x", "--limit", "0").exit_code == 2


def test_version_and_help():
    assert run("--version").stdout.strip() == f"tokohelp {__version__}"
    help_text = run("--help").stdout
    for command in ("search", "show", "list", "categories"):
        assert command in help_text


def test_lang_env_and_config_pick_default_language(library, monkeypatch, isolated_home):
    monkeypatch.setenv("TOKOHELP_LANG", "id")
    assert json.loads(run("show", "money-back", "--json").stdout)["lang"] == "id"
    monkeypatch.delenv("TOKOHELP_LANG")
    config = isolated_home / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('lang = "id"\n')
    assert json.loads(run("show", "money-back", "--json").stdout)["lang"] == "id"
    config.write_text('lang = "xx"\n')
    result = run("show", "money-back")
    assert result.exit_code == 0, "a wrong config never stops reading articles"
    assert "warning" in result.stderr and "config.toml:1" in result.stderr


def test_python_dash_m_runs(library):
    out = subprocess.run([sys.executable, "-m", "tokohelp", "search", "refund", "--json"],
                         capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)[0]["slug"] == "money-back"


def test_index_command_reports_and_rebuilds(library):
    first = json.loads(run("index", "--json").stdout)
    assert (first["topics"], first["articles"], first["rebuilt"]) == (2, 3, True)
    assert json.loads(run("index", "--json").stdout)["rebuilt"] is False
    assert json.loads(run("index", "--rebuild", "--json").stdout)["rebuilt"] is True
    text = run("index").stdout
    assert "topics" in text and "2" in text


@pytest.mark.parametrize("args", [["search", "refund"], ["categories"], ["list"],
                                  ["show", "money-back"]])
def test_a_broken_config_never_stops_reading_articles(library, isolated_home, args):
    path = isolated_home / "config" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text("lang = [\n")
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert f"tokohelp: warning: {path}: invalid TOML" in result.stderr
