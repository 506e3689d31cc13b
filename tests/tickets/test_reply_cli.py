"""``tokohelp ticket reply``: the CLI surface, against the webhook contract server.

The desk (tests/backends/servers.py) keeps replies per ticket by idempotency key,
so a reply sent twice would show as two.
"""

from __future__ import annotations

import json
import sys

import pytest
from typer.testing import CliRunner

from tests.backends.builders import http_config, png_bytes, write_config
from tests.backends.servers import free_port
from tests.helpers import make_library
from tokohelp.cli import app

NEW = ["ticket", "new", "-s", "Refund not received", "-c", "refund", "-m", "Where is it?"]


@pytest.fixture(autouse=True)
def desk(desk_server, tmp_path, monkeypatch):
    monkeypatch.setenv("TOKOHELP_ARTICLES", str(make_library(tmp_path / "lib")))
    monkeypatch.setenv("DESK_TOKEN", "desk-token")
    write_config(http_config(desk_server.url, extra="[send]\nattempts = 2\n"
                             "backoff_seconds = 0\n"))
    return desk_server


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input)


def run_json(*args: str, input: str | None = None):
    result = run(*args, "--json", input=input)
    return result, json.loads(result.stdout) if result.stdout.strip() else None


def user_replies(desk) -> list[dict]:
    return [r for t in desk.state.tickets.values() for r in t.get("user_replies", [])]


def test_reply_with_an_attachment_reaches_the_desk_once(desk, tmp_path):
    assert run(*NEW).exit_code == 0
    receipt = tmp_path / "receipt.png"
    receipt.write_bytes(png_bytes())
    result, reply = run_json("ticket", "reply", "1", "-m", "Receipt attached.",
                             "--attach", str(receipt))
    assert result.exit_code == 0, result.output
    assert (reply["ticket_id"], reply["status"], reply["result"]) == (1, "sent", "sent")
    assert reply["attachments"][0]["name"] == "receipt.png"
    [stored] = user_replies(desk)
    assert stored["body"] == "Receipt attached." and stored["idempotency_key"] == \
        reply["idempotency_key"]
    assert [f["name"] for f in stored["files"]] == ["receipt.png"]
    assert stored["files"][0]["data"] == png_bytes()
    again, _ = run_json("ticket", "send", "1")
    assert again.exit_code == 0 and len(user_replies(desk)) == 1


def test_a_ticket_not_sent_yet_cannot_be_replied_to(desk, monkeypatch):
    write_config(http_config(f"http://127.0.0.1:{free_port()}/tickets",
                             extra="[send]\nattempts = 1\n"))
    run(*NEW)
    result = run("ticket", "reply", "1", "-m", "More details.")
    assert result.exit_code == 2
    assert "ticket 1 is queued, not sent yet: there is nothing to reply to" in result.stderr
    assert "tokohelp ticket send 1" in result.stderr and "Traceback" not in result.output


def test_unknown_ticket_is_not_found(desk):
    result = run("ticket", "reply", "7", "-m", "Hello?")
    assert result.exit_code == 3 and "no ticket 7" in result.stderr


def test_dry_run_shows_the_request_and_stores_nothing(desk):
    run(*NEW)
    result, shown = run_json("ticket", "reply", "1", "-m", "Receipt attached.", "--dry-run")
    assert result.exit_code == 0, result.output
    assert shown["request"]["url"] == f"{desk.url}/T1/replies"
    assert shown["request"]["headers"]["Authorization"] != "Bearer desk-token"
    assert shown["reply"]["body"] == "Receipt attached."
    assert user_replies(desk) == [] and run_json("ticket", "show", "1")[1]["replies"] == []


def test_a_bad_attachment_is_refused_before_anything_is_stored(desk, tmp_path):
    run(*NEW)
    result = run("ticket", "reply", "1", "-m", "x", "--attach", str(tmp_path / "nope.png"))
    assert result.exit_code == 5 and user_replies(desk) == []


def test_the_reply_can_come_from_stdin(desk):
    run(*NEW)
    result, reply = run_json("ticket", "reply", "1", input="Piped reply.\n")
    assert result.exit_code == 0, result.output
    assert reply["body"] == "Piped reply." and len(user_replies(desk)) == 1


def test_a_reply_the_desk_did_not_take_stays_queued_and_send_all_sends_it(desk):
    run(*NEW)
    write_config(http_config(f"http://127.0.0.1:{free_port()}/tickets",
                             extra="[send]\nattempts = 1\n"))
    result, reply = run_json("ticket", "reply", "1", "-m", "Still waiting.")
    assert result.exit_code == 6 and reply["status"] == "queued"
    assert "tokohelp ticket send 1" in result.stderr
    shown = run_json("ticket", "show", "1")[1]
    assert [(r["status"], r["body"]) for r in shown["replies"]] == [("queued", "Still waiting.")]
    write_config(http_config(desk.url))
    sent, outcomes = run_json("ticket", "send", "--all")
    assert sent.exit_code == 0, sent.output
    assert [(o["kind"], o["result"]) for o in outcomes] == [("reply", "sent")]
    assert len(user_replies(desk)) == 1
    assert run_json("ticket", "show", "1")[1]["replies"][0]["status"] == "sent"


EDITOR = """
import sys
path = sys.argv[1]
template = open(path, encoding="utf-8").read()
open(path + ".seen", "w", encoding="utf-8").write(template)
open(path, "w", encoding="utf-8").write("My receipt is attached.\\n" + template)
"""


def test_the_editor_quotes_the_desks_last_message(desk, tmp_path, monkeypatch):
    from tokohelp.cli.output import Env

    run(*NEW)
    desk.state.tickets["T1"]["replies"].append(
        {"author": "Rina (CS)", "created": "2026-11-30T09:00:00Z",
         "text": "Please send the order receipt.\nThanks!"})
    script = tmp_path / "editor.py"
    script.write_text(EDITOR)
    monkeypatch.setenv("VISUAL", f"{sys.executable} {script}")
    monkeypatch.setattr(Env, "stdin_isatty", property(lambda self: True))
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    result = run("ticket", "reply", "1", "--yes")
    assert result.exit_code == 0, result.output
    [seen] = list(tmp_path.glob("*.seen"))
    template = seen.read_text()
    assert "# Rina (CS)" in template or "Rina (CS) wrote:" in template
    assert "# > Please send the order receipt.\n# > Thanks!" in template
    [stored] = user_replies(desk)
    assert stored["body"] == "My receipt is attached."


def test_no_at_the_question_keeps_the_reply_in_a_recovery_file(desk, tmp_path, monkeypatch):
    from tokohelp.cli.output import Env

    run(*NEW)
    monkeypatch.setattr(Env, "stdin_isatty", property(lambda self: True))
    result = run("ticket", "reply", "1", "-m", "Think again.", input="n\n")
    assert result.exit_code == 8 and user_replies(desk) == []
    line = next(x for x in result.stderr.splitlines() if "--body-file" in x)
    path = line.split("--body-file", 1)[1].strip()
    resumed = run("ticket", "reply", "1", "--body-file", path, "--yes")
    assert resumed.exit_code == 0, resumed.output
    assert [r["body"] for r in user_replies(desk)] == ["Think again."]


OPT_STR = (str, type(None))
REPLY = {"id": int, "ticket_id": int, "status": str, "body": str, "remote_id": OPT_STR,
         "remote_url": OPT_STR, "attachments": list, "attempts": int, "last_error": OPT_STR,
         "idempotency_key": str, "created": str, "updated": str}


def assert_shape(doc, shape) -> None:
    """Every pinned key is there with its pinned type (new keys are allowed)."""
    missing = set(shape) - set(doc)
    assert not missing, f"keys dropped or renamed: {sorted(missing)}"
    for key, kind in shape.items():
        assert isinstance(doc[key], kind), f"{key}: {type(doc[key]).__name__}"


def test_the_json_shapes_of_replies_are_pinned(desk):
    """``ticket reply``, ``show``'s ``replies``, ``list``'s ``new_reply``, ``send``'s ``kind``."""
    run(*NEW)
    _, reply = run_json("ticket", "reply", "1", "-m", "Receipt attached.")
    assert_shape(reply, {**REPLY, "result": str, "message": str})
    _, shown = run_json("ticket", "show", "1")
    assert_shape(shown, {"remote": (dict, type(None)), "remote_error": OPT_STR,
                         "replies": list})
    assert_shape(shown["replies"][0], REPLY)
    _, listed = run_json("ticket", "list")
    assert_shape(listed[0], {"id": int, "status": str, "new_reply": bool})
    _, dry = run_json("ticket", "reply", "1", "-m", "x", "--dry-run")
    assert_shape(dry, {"backend": str, "ticket_id": int, "reply": dict, "request": dict})
    run(*NEW[:-1], "Second ticket.")
    _, outcomes = run_json("ticket", "send", "1", "2")
    assert [o["kind"] for o in outcomes] == ["ticket", "ticket"]
    assert all(o["ticket"] is not None for o in outcomes)


def test_list_marks_new_desk_replies_offline_until_shown(desk):
    run(*NEW)
    desk.state.tickets["T1"]["replies"].append(
        {"author": "Rina (CS)", "created": "2026-11-30T09:00:00Z", "text": "Receipt, please."})
    assert [t["new_reply"] for t in run_json("ticket", "list")[1]] == [False]  # not fetched
    assert [t["new_reply"] for t in run_json("ticket", "list", "--refresh")[1]] == [True]
    gets = sum(r["method"] == "GET" for r in desk.state.requests)
    assert [t["new_reply"] for t in run_json("ticket", "list")[1]] == [True]  # from the cache
    assert sum(r["method"] == "GET" for r in desk.state.requests) == gets  # no network
    run_json("ticket", "show", "1")
    assert [t["new_reply"] for t in run_json("ticket", "list")[1]] == [False]  # seen


def test_multipart_reply_carries_the_reply_part_and_the_file(desk, tmp_path):
    write_config(http_config(desk.url, mode="multipart"))
    run(*NEW)
    receipt = tmp_path / "receipt.png"
    receipt.write_bytes(png_bytes())
    result, reply = run_json("ticket", "reply", "1", "-m", "Receipt attached.",
                             "--attach", str(receipt))
    assert result.exit_code == 0, result.output
    [stored] = user_replies(desk)
    assert (stored["body"], stored["idempotency_key"]) == ("Receipt attached.",
                                                          reply["idempotency_key"])
    assert [(f["name"], f["data"]) for f in stored["files"]] == [("receipt.png", png_bytes())]


def test_show_lists_a_reply_not_delivered_with_its_status_and_error(desk):
    run(*NEW)
    write_config(http_config(f"http://127.0.0.1:{free_port()}/tickets",
                             extra="[send]\nattempts = 1\n"))
    run("ticket", "reply", "1", "-m", "Still waiting.")
    shown = run("ticket", "show", "1")
    assert shown.exit_code == 0, shown.output
    assert "you · reply 1 queued" in shown.stdout and "Still waiting." in shown.stdout
    assert "cannot connect" in shown.stdout


@pytest.mark.parametrize(("text", "shown"), [
    ("Here it is.\n\n--\ntokohelp-reply-id: reply-1\n", "Here it is."),
    ("Here it is. -- tokohelp-reply-id: reply-1", "Here it is."),  # flattened by the desk
    ("Prices -- as agreed", "Prices -- as agreed"),                # not our footer
])
def test_our_key_footer_is_left_out_of_the_thread_view(text, shown):
    from tokohelp.tickets.replying import without_footer

    assert without_footer(text) == shown


def test_ctrl_c_while_sending_queued_replies_names_their_ticket(desk, monkeypatch):
    run(*NEW)
    write_config(http_config(f"http://127.0.0.1:{free_port()}/tickets",
                             extra="[send]\nattempts = 1\n"))
    run("ticket", "reply", "1", "-m", "Still waiting.")

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr("tokohelp.tickets.replying.send_reply_id", interrupted)
    result = run("ticket", "send", "--all")
    assert result.exit_code == 130, result.output
    assert "interrupted: ticket 1 stays queued" in result.stderr
    assert "Resume with: tokohelp ticket send 1" in result.stderr


def test_the_human_view_names_the_reply_and_where_it_went(desk):
    run(*NEW)
    result = run("ticket", "reply", "1", "-m", "Hi again.")
    assert result.exit_code == 0, result.output
    assert "Reply 1 sent to ticket 1 (T1 at desk)" in result.stdout
