"""One run of a ticket command reads the config once and opens the store at most once."""

from __future__ import annotations

from tests.cli.counting import count_opens
from tests.helpers import make_library
from tests.tickets.test_ticket_cli import ARGS, hook_config, run


def test_ticket_send_reads_config_once_and_opens_the_store_once(isolated_home, monkeypatch,
                                                                 webhook, tmp_path):
    monkeypatch.setenv("TOKOHELP_ARTICLES", str(make_library(tmp_path / "lib")))
    assert run(*ARGS, "-m", "first").exit_code == 0
    hook_config(isolated_home, webhook.url, monkeypatch)
    counts = count_opens(monkeypatch)
    result = run("ticket", "send", "1")
    assert result.exit_code == 0, result.output
    assert (counts["config"], counts["store"]) == (1, 1) and counts["index"] == 0


def test_ticket_new_reads_config_once_and_opens_store_and_index_at_most_once(
        isolated_home, monkeypatch, webhook, tmp_path, terminal):
    monkeypatch.setenv("TOKOHELP_ARTICLES", str(make_library(tmp_path / "lib")))
    hook_config(isolated_home, webhook.url, monkeypatch)
    counts = count_opens(monkeypatch)
    result = run(*ARGS, "-m", "money back cancelled order", input="y\n\n\n\n")
    assert result.exit_code == 0, result.output
    assert counts["config"] == 1 and counts["store"] == 1 and counts["index"] <= 1
