"""``tokohelp sync`` through the CLI: output, exit statuses, and synced articles in search."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tests.sources.test_sync_zendesk import config_text, seed
from tokohelp.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_sync_json_then_search_and_show_find_synced_articles(zendesk, write_config):
    ids = seed(zendesk.model)
    write_config(config_text(zendesk.url))
    result = run("sync", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["ok"] is True and set(doc["sources"][0]) == {
        "name", "ok", "added", "updated", "removed", "failed", "error"}
    assert len(doc["sources"][0]["added"]) == 9
    hits = json.loads(run("--lang", "id", "search", "resi", "tidak", "valid", "--json").stdout)
    assert f"kb-{ids['resi']}" in [h["slug"] for h in hits]
    shown = run("--lang", "en", "show", f"kb-{ids['resi']}")
    assert shown.exit_code == 0 and "Invalid tracking number" in shown.stdout


def test_sync_human_view_lists_changes_and_dry_run_writes_nothing(zendesk, write_config):
    seed(zendesk.model)
    write_config(config_text(zendesk.url))
    dry = run("sync", "--dry-run")
    assert dry.exit_code == 0 and "kb (dry run): 9 to add" in dry.stdout
    assert run("--lang", "id", "search", "resi", "tidak", "valid", "--json").stdout.count(
        '"slug": "kb-') == 0
    done = run("sync")
    assert done.exit_code == 0 and "kb: 9 added, 0 updated, 0 removed" in done.stdout
    assert "  + refund/kb-" in done.stdout


def test_a_failing_source_exits_6_after_the_report(zendesk, write_config):
    from tests.backends.servers import free_port

    seed(zendesk.model)
    write_config(config_text(zendesk.url) +
                 f'\n[sources.down]\ntype = "zendesk"\nurl = "http://127.0.0.1:{free_port()}"\n')
    result = run("sync")
    assert result.exit_code == 6
    assert "kb: 9 added" in result.stdout and "down: failed: " in result.stdout
    assert "could not sync: down" in result.stderr and "Traceback" not in result.output


def test_no_source_configured_is_one_clear_line(write_config):
    write_config("")
    result = run("sync")
    assert result.exit_code == 3
    assert "no knowledge-base source is configured" in result.stderr
    assert result.stdout == ""


def test_unknown_source_name_is_not_found(zendesk, write_config):
    write_config(config_text(zendesk.url))
    result = run("sync", "nope")
    assert result.exit_code == 3 and "no source named 'nope'" in result.stderr
