"""``tokohelp ticket`` and ``config check`` end to end with a zendesk backend (the model)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.backends.builders import png_bytes, write_config
from tests.backends.zendesk_builders import zendesk_config
from tests.zendesk_fixtures import END_USER, END_USER_TOKEN
from tokohelp.cli import app

ARGS = ["ticket", "new", "-s", "Refund not received", "-c", "refund", "-m",
        "Where is my money?", "--order-id", "INV/1"]


@pytest.fixture(autouse=True)
def configured(zendesk, monkeypatch):
    monkeypatch.setenv("ZD_TOKEN", END_USER_TOKEN)
    write_config(zendesk_config(zendesk.url, extra="[send]\nattempts = 2\n"))


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def run_json(*args: str):
    result = run(*args, "--json")
    return result, json.loads(result.stdout)


def test_new_files_a_request_and_show_gives_both_status_words(zendesk, tmp_path):
    shot = tmp_path / "shot.png"
    shot.write_bytes(png_bytes())
    result, ticket = run_json(*ARGS, "--attach", str(shot))
    assert result.exit_code == 0, result.output
    [request] = zendesk.state.requests.values()
    assert (ticket["status"], ticket["remote_id"]) == ("sent", str(request["id"]))
    assert ticket["remote_url"] == f"{zendesk.url}/hc/requests/{request['id']}"
    assert [f["file_name"] for f in zendesk.state.files_of(request["id"])] == ["shot.png"]
    _, shown = run_json("ticket", "show", "1")
    assert (shown["remote"]["status"], shown["remote"]["desk_status"]) == ("open", "new")
    zendesk.state.set_status(request["id"], "hold")
    text = run("ticket", "show", "1")
    assert text.exit_code == 0 and "Remote status: open (hold)" in text.stdout


def test_dry_run_shows_the_requests_api_calls_with_the_token_masked(zendesk, tmp_path):
    shot = tmp_path / "shot.png"
    shot.write_bytes(png_bytes())
    result, shown = run_json(*ARGS, "--attach", str(shot), "--dry-run")
    assert result.exit_code == 0, result.output
    calls = shown["request"]["calls"]
    assert [c["url"] for c in calls] == [f"{zendesk.url}/api/v2/uploads?filename=shot.png",
                                         f"{zendesk.url}/api/v2/requests"]
    assert calls[1]["headers"]["Authorization"] == "Basic ****"
    assert END_USER_TOKEN not in result.output
    assert zendesk.state.log == [] and run_json("ticket", "list")[1] == []


def test_config_check_signs_in(zendesk):
    result = run("config", "check")
    assert result.exit_code == 0, result.output
    assert f"signed in as {END_USER} (end-user)" in result.stdout
    assert zendesk.state.received("GET", "/api/v2/users/me") == 1


def test_config_check_reports_a_wrong_token_without_showing_it(zendesk, monkeypatch):
    monkeypatch.setenv("ZD_TOKEN", "wrong-token-value")
    result = run("config", "check")
    assert result.exit_code == 6
    assert "HTTP 401" in result.output and "wrong-token-value" not in result.output


def test_show_prints_the_thread_as_text_and_json(zendesk):
    assert run(*ARGS).exit_code == 0
    [request] = zendesk.state.requests.values()
    zendesk.state.agent_comment(request["id"], "<p>Please send the [red]order[/red] receipt"
                                "\x1b[2J.</p>", agent=zendesk.agent_id,
                                files=[("form.pdf", "application/pdf")])
    text = run("ticket", "show", "1")
    assert text.exit_code == 0, text.output
    assert "Remote status: pending" in text.stdout and "Rina (CS)" in text.stdout
    assert "Please send the [red]order[/red] receipt." in text.stdout
    assert "attachment: form.pdf" in text.stdout and "\x1b" not in text.stdout
    _, shown = run_json("ticket", "show", "1")
    [reply] = shown["remote"]["replies"]
    assert (reply["author"], reply["attachments"]) == ("Rina (CS)", ["form.pdf"])
    assert reply["text"] == "Please send the [red]order[/red] receipt."
