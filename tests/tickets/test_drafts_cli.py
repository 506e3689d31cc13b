"""``ticket edit``, ``ticket send`` for drafts and ``ticket delete``, through the CLI."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.helpers import make_library
from tests.tickets.test_ticket_cli import (
    ARGS,
    PNG,
    editor,
    hook_config,
    run,
    run_json,
)
from tokohelp.tickets.service import save_draft
from tokohelp.tickets.store import CheckedFile, NewTicket


@pytest.fixture(autouse=True)
def library(tmp_path, monkeypatch):
    monkeypatch.setenv("TOKOHELP_ARTICLES", str(make_library(tmp_path / "lib")))


def make_draft(body: str = "", subject: str = "Refund late", category: str | None = "refund",
               files: list[CheckedFile] | None = None) -> int:
    created = save_draft(NewTicket(subject, body, category), files or [])
    return created.ticket.id


def show(ticket_id: int) -> dict:
    result, data = run_json("ticket", "show", str(ticket_id))
    assert result.exit_code == 0, result.output
    return data


def test_edit_with_options_changes_the_draft(tmp_path):
    draft = make_draft("old words")
    shot = tmp_path / "shot.png"
    shot.write_bytes(PNG)
    result = run("ticket", "edit", str(draft), "-s", "New subject", "-m", "new words",
                 "--attach", str(shot), "--order-id", "INV/7", "--email", "a@example.com",
                 "-c", "Pengiriman")
    assert result.exit_code == 0, result.output
    assert f"tokohelp ticket send {draft}" in result.stderr
    data = show(draft)
    assert (data["subject"], data["body"], data["order_id"], data["email"], data["category"]) \
        == ("New subject", "new words", "INV/7", "a@example.com", "shipping")
    [attached] = data["attachments"]
    assert attached["name"] == "shot.png" and Path(attached["path"]).read_bytes() == PNG
    detached = run("ticket", "edit", str(draft), "--detach", "shot.png")
    assert detached.exit_code == 0 and show(draft)["attachments"] == []
    assert not Path(attached["path"]).exists()


def test_edit_rejects_what_new_rejects():
    draft = make_draft("words")
    assert run("ticket", "edit", str(draft), "--email", "a,b@example.com").exit_code == 2
    assert run("ticket", "edit", str(draft), "-m", "  ").exit_code == 2
    unknown = run("ticket", "edit", str(draft), "--detach", "nothing.png")
    assert unknown.exit_code == 2 and "no attachment" in unknown.stderr
    assert run("ticket", "edit", str(draft)).exit_code == 2  # nothing to change, no terminal
    assert show(draft)["body"] == "words"


def test_only_drafts_can_be_edited():
    assert run(*ARGS, "-m", "queued one").exit_code == 0
    result = run("ticket", "edit", "1", "-m", "changed")
    assert result.exit_code == 2 and "only drafts can be edited" in result.stderr


def test_edit_in_the_editor_keeps_the_message(terminal, tmp_path, monkeypatch):
    draft = make_draft("first line")
    editor(tmp_path, monkeypatch, "second line\n")
    result = run("ticket", "edit", str(draft))
    assert result.exit_code == 0, result.output
    body = show(draft)["body"]
    assert body.startswith("first line\n") and body.endswith("\nsecond line") and "#" not in body


def test_an_empty_edit_leaves_the_draft_unchanged(terminal, tmp_path, monkeypatch):
    draft = make_draft("keep me")
    script = tmp_path / "blank.py"
    script.write_text("import sys\nopen(sys.argv[1], 'w').write('# nothing\\n')\n")
    monkeypatch.setenv("VISUAL", f"{sys.executable} {script}")
    result = run("ticket", "edit", str(draft))
    assert result.exit_code == 8 and "unchanged" in result.stderr
    assert show(draft)["body"] == "keep me"


def test_send_a_complete_draft(isolated_home, monkeypatch, webhook):
    hook_config(isolated_home, webhook.url, monkeypatch)
    draft = make_draft("The story.")
    result, outcomes = run_json("ticket", "send", str(draft))
    assert result.exit_code == 0, result.output
    assert outcomes[0]["result"] == "sent" and len(webhook.posts) == 1
    assert show(draft)["status"] == "sent"


def test_a_draft_without_a_message_says_how_to_complete_it(isolated_home, monkeypatch,
                                                          webhook):
    hook_config(isolated_home, webhook.url, monkeypatch)
    draft = make_draft("")
    result = run("ticket", "send", str(draft))
    assert result.exit_code == 5 and webhook.posts == []
    assert f"draft {draft} is not complete yet" in result.stderr
    assert f"tokohelp ticket edit {draft}" in result.stdout
    assert "retry with" not in result.output
    assert show(draft)["status"] == "draft"
    assert run("ticket", "edit", str(draft), "-m", "Now complete.").exit_code == 0
    assert run("ticket", "send", str(draft)).exit_code == 0 and len(webhook.posts) == 1


def test_send_all_leaves_drafts_alone(isolated_home, monkeypatch, webhook):
    hook_config(isolated_home, webhook.url, monkeypatch)
    make_draft("not yet")
    result, outcomes = run_json("ticket", "send", "--all")
    assert result.exit_code == 0 and outcomes == [] and webhook.posts == []


def test_send_without_arguments_says_what_there_is():
    make_draft("a draft")
    assert run(*ARGS, "-m", "queued").exit_code == 0
    result = run("ticket", "send")
    assert result.exit_code == 2 and "say which tickets to send" in result.stderr
    assert "Queued: 2; drafts: 1." in result.stderr and "ticket send --all" in result.stderr


def test_delete_a_draft_with_yes_and_its_attachment_copies(tmp_path):
    shot = tmp_path / "shot.png"
    shot.write_bytes(PNG)
    draft = make_draft("x", files=[CheckedFile(shot, "shot.png", "image/png", len(PNG))])
    copy = Path(show(draft)["attachments"][0]["path"])
    result = run("ticket", "delete", str(draft), "--yes")
    assert result.exit_code == 0 and f"Deleted ticket {draft}" in result.stderr
    assert run("ticket", "show", str(draft)).exit_code == 3 and not copy.exists()


def test_delete_asks_on_a_terminal(terminal):
    draft = make_draft("x")
    refused = run("ticket", "delete", str(draft), input="n\n")
    assert refused.exit_code == 8 and "Nothing was deleted" in refused.stderr
    assert "Delete draft ticket 1 (Refund late)?" in refused.stderr
    accepted = run("ticket", "delete", str(draft), input="ya\n")
    assert accepted.exit_code == 0 and run("ticket", "list", "--json").stdout.strip() == "[]"


def test_delete_without_terminal_needs_yes():
    draft = make_draft("x")
    result = run("ticket", "delete", str(draft))
    assert result.exit_code == 2 and "--yes" in result.stderr


def test_sent_tickets_are_never_deleted(isolated_home, monkeypatch, webhook):
    hook_config(isolated_home, webhook.url, monkeypatch)
    assert run(*ARGS, "-m", "sent one").exit_code == 0
    result = run("ticket", "delete", "1", "--yes")
    assert result.exit_code == 2 and "record of what was sent" in result.stderr
    assert show(1)["status"] == "sent"


def test_a_queued_ticket_that_was_tried_is_not_deleted(isolated_home, monkeypatch):
    with_dead = "http://127.0.0.1:9/tickets"
    assert run(*ARGS, "-m", "never tried").exit_code == 0
    assert run("ticket", "delete", "1", "--yes").exit_code == 0
    hook_config(isolated_home, with_dead, monkeypatch)
    assert run(*ARGS, "-m", "tried").exit_code == 6
    result = run("ticket", "delete", "2", "--yes")
    assert result.exit_code == 2 and "may already have reached" in result.stderr


@pytest.mark.parametrize("command", ["show", "send", "edit", "delete"])
def test_a_huge_ticket_id_is_simply_not_found(command):
    result = run("ticket", command, "99999999999999999999")
    assert result.exit_code == 3 and "no ticket 99999999999999999999" in result.stderr


def test_unbalanced_visual_is_one_clear_message_and_keeps_the_subject(terminal, monkeypatch):
    monkeypatch.setenv("VISUAL", "'unbalanced")
    result = run("ticket", "new", "--yes", input="Parcel missing\nshipping\n")
    assert result.exit_code == 2, result.output
    assert "cannot use the editor command" in result.stderr and "Traceback" not in result.output
    assert "tokohelp ticket new --recover" in result.stderr


def test_recover_through_the_cli(terminal, monkeypatch, tmp_path):
    monkeypatch.setenv("VISUAL", "'unbalanced")
    result = run("ticket", "new", "--yes", input="Parcel missing\nshipping\n")
    saved = result.stderr.split("--recover ")[1].split()[0]
    editor(tmp_path, monkeypatch, "Where is it?\n")
    monkeypatch.delenv("VISUAL")
    again, ticket = run_json("ticket", "new", "--recover", saved, "--yes")
    assert again.exit_code == 0, again.output
    assert (ticket["subject"], ticket["category"], ticket["body"]) == (
        "Parcel missing", "shipping", "Where is it?")
    assert not Path(saved).exists()


@pytest.mark.parametrize("flag", ["-s", "-m"])
def test_non_utf8_bytes_in_argv_are_one_clear_message(flag):
    import os
    import subprocess

    args = {"-s": b"Refund", "-m": b"body"}
    args[flag] = b"caf\xe9 " + args[flag]
    argv = [sys.executable.encode(), b"-m", b"tokohelp", b"ticket", b"new", b"-c", b"refund",
            b"-s", args["-s"], b"-m", args["-m"]]
    done = subprocess.run(argv, capture_output=True, timeout=60, stdin=subprocess.DEVNULL,
                          env={**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"})
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 5, err
    assert f"{'--subject' if flag == '-s' else '--message'} is not valid UTF-8" in err
    assert err.count("tokohelp: error:") == 1 and "Traceback" not in err


def test_edit_keeps_the_attachment_count_limit(tmp_path, isolated_home):
    config = isolated_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[attachments]\nmax_count = 1\n")
    shots = []
    for name in ("a.png", "b.png"):
        shots.append(tmp_path / name)
        shots[-1].write_bytes(PNG)
    draft = make_draft("x")
    assert run("ticket", "edit", str(draft), "--attach", str(shots[0])).exit_code == 0
    refused = run("ticket", "edit", str(draft), "--attach", str(shots[1]))
    assert refused.exit_code == 5 and "at most 1" in refused.stderr
    swapped = run("ticket", "edit", str(draft), "--attach", str(shots[1]), "--detach", "a.png")
    assert swapped.exit_code == 0, swapped.output
    assert [a["name"] for a in show(draft)["attachments"]] == ["b.png"]


def test_a_bad_profile_email_is_a_config_error_named_by_config_check(isolated_home):
    config = isolated_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[profile]\nemail = "me at example"\n')
    checked = run("config", "check")
    assert checked.exit_code == 4 and "profile.email" in checked.stderr
    assert ":2:" in checked.stderr  # file and line
    filed = run(*ARGS, "-m", "x")
    assert filed.exit_code == 4 and run_json("ticket", "list")[1] == []
