"""The JSON contract: every ``--json`` document keeps its keys and their types.

Scripts read these documents, so keys stay English and stable: a release may add a
field, never rename or drop one, never change a value's type.  The shapes below were
taken from the output before the result layer existed and must keep holding.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from tokohelp.cli import app

runner = CliRunner()
NUM = (int, float)
OPT_STR = (str, type(None))

HIT = {"slug": str, "title": str, "category": str, "lang": str, "score": NUM, "snippet": str,
       "path": str, "fallback": bool, "confident": bool}
ITEM = {"slug": str, "title": str, "category": str, "lang": str, "path": str, "fallback": bool}
CATEGORY = {"id": str, "name": str, "articles": int}
ARTICLE = {"slug": str, "title": str, "category": str, "lang": str, "tags": list,
           "summary": str, "updated": str, "path": str, "channels": list, "fallback": bool,
           "other_langs": list, "body": str, "reviewed": OPT_STR, "alias": OPT_STR,
           "sources": list, "contact_channels": list, "links": list}
INDEX = {"path": str, "article_dirs": list, "files": int, "articles": int, "topics": int,
         "built": int, "rebuilt": bool, "problems": list}
CHANNEL = {"id": str, "name": str, "names": dict, "kind": str, "address": str, "also": list,
           "url": OPT_STR, "hours": OPT_STR, "who": OPT_STR, "tiers": list,
           "response": OPT_STR, "notes": list, "source": str, "seed_ref": OPT_STR,
           "added": list, "overridden": list}
CARD = {**CHANNEL, "platform": OPT_STR, "steps": list}
STEP_SET = {"platforms": list, "steps": list}
PICK = {"rank": int, "id": str, "name": str, "kind": str, "address": str, "action": str,
        "reason": str, "category": OPT_STR, "matched": OPT_STR}
OPENED = {"id": str, "link": str, "opened": bool, "problem": OPT_STR}
CONFIG_SHOW = {"path": str, "exists": bool, "config": dict}
CONFIG_CHECK = {"path": str, "backends": list}


def run_json(*args: str, status: int = 0) -> Any:
    """Run a command with --json and return the parsed document."""
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == status, result.output
    return json.loads(result.stdout)


def assert_shape(doc: Any, shape: dict[str, Any]) -> None:
    """Every pinned key is there with its pinned type (new keys are allowed)."""
    assert isinstance(doc, dict)
    missing = set(shape) - set(doc)
    assert not missing, f"keys dropped or renamed: {sorted(missing)}"
    for key, kind in shape.items():
        assert isinstance(doc[key], kind), f"{key}: {type(doc[key]).__name__}"


def test_search_is_a_list_of_hits():
    hits = run_json("--lang", "en", "search", "refund")
    assert isinstance(hits, list) and hits
    for hit in hits:
        assert_shape(hit, HIT)


def test_search_without_match_is_an_empty_list_and_exit_0():
    assert run_json("search", "qqqqzzzz") == []


def test_list_is_a_list_of_items():
    items = run_json("list", "--category", "refund")
    assert items and all(i["category"] == "refund" for i in items)
    for item in items:
        assert_shape(item, ITEM)


def test_categories_is_a_list():
    cats = run_json("categories")
    assert cats
    for cat in cats:
        assert_shape(cat, CATEGORY)


def test_show_is_one_article():
    doc = run_json("--lang", "en", "show", "refund-status")
    assert_shape(doc, ARTICLE)
    assert doc["slug"] == "refund-status" and doc["lang"] == "en"
    assert all(isinstance(c, str) for c in doc["channels"])
    for channel in doc["contact_channels"]:
        assert_shape(channel, CHANNEL)


def test_index_describes_the_index():
    assert_shape(run_json("index"), INDEX)


def test_contact_is_a_list_of_channels():
    channels = run_json("contact")
    assert channels
    for channel in channels:
        assert_shape(channel, CHANNEL)


def test_contact_channel_is_a_card_with_step_sets():
    card = run_json("contact", "--channel", "email")
    assert_shape(card, CARD)
    for step_set in card["steps"]:
        assert_shape(step_set, STEP_SET)


def test_contact_for_is_a_ranked_list():
    picks = run_json("contact", "--for", "refund")
    assert [p["rank"] for p in picks] == list(range(1, len(picks) + 1))
    for pick in picks:
        assert_shape(pick, PICK)


def test_contact_open_says_what_happened(monkeypatch):
    monkeypatch.setenv("TOKOHELP_OPENER", "true")
    assert_shape(run_json("contact", "--channel", "email", "--open"), OPENED)


@pytest.mark.parametrize(("command", "shape"), [("show", CONFIG_SHOW), ("check", CONFIG_CHECK)])
def test_config_documents(command, shape):
    assert_shape(run_json("config", command), shape)
