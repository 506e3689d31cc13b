"""``tokohelp ticket``: the CLI surface, against a real webhook server on 127.0.0.1.

``Webhook`` is a small help desk speaking the ``http`` backend contract
(docs/backends.md) with the standard library's HTTP server; it counts every
create request per idempotency key, so a ticket sent twice would show.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

from tests.backends.servers import json_reply
from tests.helpers import make_library
from tokohelp.cli import app

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
SECRET = "tok-3xq-very-secret"
ARGS = ["ticket", "new", "-s", "Refund not received", "-c", "refund"]


class Webhook:
    """An in-process help desk: tickets by idempotency key, replies per ticket."""

    def __init__(self) -> None:
        self.posts: list[str] = []
        self.arrived: list[str] = []  # keys of POSTs received, before any delay
        self.bodies: list[dict] = []
        self.auth: list[str | None] = []
        self.keys: dict[str, str] = {}
        self.delay = 0.0
        self.lock = threading.Lock()
        self.replies = [{"author": "CS Agent", "created": "2026-11-26",
                         "text": "\x1b]0;pwned\x07Hello [red]fake[/red] \x1b[2Jthere"}]
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tickets"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        desk = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                """Quiet."""

            def _answer(self, code: int, data: dict) -> None:
                json_reply(self, code, data)

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers["Idempotency-Key"]
                desk.arrived.append(key)
                time.sleep(desk.delay)
                with desk.lock:
                    desk.posts.append(key)
                    desk.bodies.append(body)
                    desk.auth.append(self.headers.get("Authorization"))
                    known = key in desk.keys
                    number = desk.keys.setdefault(key, str(len(desk.keys) + 1))
                self._answer(200 if known else 201, {"id": number,
                                                     "url": f"{desk.url}/{number}"})

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                key = parse_qs(parts.query).get("idempotency_key", [None])[0]
                if key is not None:
                    number = desk.keys.get(key)
                    return self._answer(200 if number else 404, {"id": number} if number else {})
                number = parts.path.rsplit("/", 1)[-1]
                return self._answer(200, {"id": number, "status": "open",
                                          "replies": desk.replies})

        return Handler

    def __enter__(self) -> Webhook:
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def library(tmp_path, monkeypatch):
    monkeypatch.setenv("TOKOHELP_ARTICLES", str(make_library(tmp_path / "lib")))


def write_config(isolated_home: Path, text: str) -> Path:
    path = isolated_home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def hook_config(isolated_home: Path, url: str, monkeypatch, extra: str = "") -> Path:
    monkeypatch.setenv("HOOK_TOKEN", SECRET)
    return write_config(isolated_home, f'default_backend = "hook"\n[backends.hook]\n'
                        f'type = "http"\nurl = "{url}"\ntoken_env = "HOOK_TOKEN"\n'
                        f"timeout = 5\n[send]\nattempts = 2\nbackoff_seconds = 0.01\n{extra}")


def run(*args: str, input: str | bytes | None = None):
    return CliRunner().invoke(app, list(args), input=input)


def run_json(*args: str, input: str | bytes | None = None):
    """Run with --json; CliRunner echoes typed answers to stdout, so skip to the JSON."""
    result = run(*args, "--json", input=input)
    lines = result.stdout.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line[:1] in "{["), None)
    return result, json.loads("".join(lines[start:])) if start is not None else None


def editor(tmp_path: Path, monkeypatch, text: str) -> None:
    """$EDITOR is a real program that appends ``text`` to the file it is given."""
    script = tmp_path / "editor.py"
    script.write_text("import sys\nwith open(sys.argv[1], 'a', encoding='utf-8') as f:\n"
                      f"    f.write({text!r})\n")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")


# -- no backend configured -------------------------------------------------------------


def test_new_without_backend_is_stored_queued_and_explains_what_next(isolated_home):
    result, ticket = run_json(*ARGS, "-m", "Where is my money?", "--order-id", "INV/1")
    assert result.exit_code == 0, result.output
    assert {"id", "status", "backend", "remote_id", "attachments"} <= set(ticket)
    assert (ticket["id"], ticket["status"], ticket["backend"], ticket["remote_id"],
            ticket["order_id"]) == (1, "queued", None, None, "INV/1")
    for text in (str(isolated_home / "data" / "tickets.db"), "tokohelp docs backends",
                 "tokohelp config init", "tokohelp contact --channel help-center",
                 "--channel email", "tokohelp ticket send 1"):
        assert text in " ".join(result.stderr.split()), text


def test_attachment_is_copied_and_named_by_its_base_name(tmp_path):
    shot = tmp_path / "shots" / "shot.png"
    shot.parent.mkdir()
    shot.write_bytes(PNG)
    result, ticket = run_json(*ARGS, "-m", "see screenshot", "--attach", str(shot))
    assert result.exit_code == 0, result.output
    [attached] = ticket["attachments"]
    assert (attached["name"], attached["mime"], attached["size"]) == ("shot.png", "image/png",
                                                                      len(PNG))
    shot.unlink()
    _, shown = run_json("ticket", "show", "1")
    assert Path(shown["attachments"][0]["path"]).read_bytes() == PNG


def test_refused_attachment_stores_nothing(tmp_path):
    archive = tmp_path / "shot.png"
    archive.write_bytes(b"PK\x03\x04" + b"\0" * 64)
    result = run(*ARGS, "-m", "x", "--attach", str(archive))
    assert result.exit_code == 5 and "application/zip" in result.stderr
    assert run_json("ticket", "list")[1] == []


@pytest.mark.parametrize(("args", "missing"), [
    (["ticket", "new", "-c", "refund", "-m", "body"], "--subject"),
    (["ticket", "new", "-s", "subject", "-m", "body"], "--category"),
    (["ticket", "new", "-s", "subject", "-c", "refund"], "stdin is empty"),
    ([*ARGS, "-m", "  "], "--message is empty"),
])
def test_missing_required_value_without_terminal_is_exit_2(args, missing):
    result = run(*args, input="")
    assert result.exit_code == 2 and missing in result.stderr
    assert run_json("ticket", "list")[1] == []


def test_body_from_stdin():
    result, ticket = run_json(*ARGS, input="Dana belum masuk.\nTolong dicek.\n")
    assert result.exit_code == 0 and ticket["body"] == "Dana belum masuk.\nTolong dicek."


def test_non_utf8_stdin_is_a_clear_error():
    result = run(*ARGS, input=b"caf\xe9 au lait")
    assert result.exit_code == 5 and "stdin is not valid UTF-8" in result.stderr


def test_body_file_and_not_both(tmp_path):
    body = tmp_path / "body.txt"
    body.write_text("From a file.\n", encoding="utf-8")
    result, ticket = run_json(*ARGS, "--body-file", str(body))
    assert result.exit_code == 0 and ticket["body"] == "From a file."
    both = run(*ARGS, "--body-file", str(body), "-m", "x")
    assert both.exit_code == 2 and "not both" in both.stderr


def test_bad_email_and_unknown_category():
    assert run(*ARGS, "-m", "x", "--email", "not-an-address").exit_code == 2
    unknown = run("ticket", "new", "-s", "s", "-c", "nosuch", "-m", "x")
    assert unknown.exit_code == 3 and "refund" in unknown.stderr


def test_control_characters_in_fields_are_removed():
    _, ticket = run_json("ticket", "new", "-s", "Refund\x1b[31m late\x07", "-c", "refund",
                         "-m", "body\x1b]0;title\x07 text")
    assert ticket["subject"] == "Refund late" and "\x1b" not in ticket["body"]


def test_ci_with_a_terminal_on_stdin_fails_fast_instead_of_waiting():
    import pty

    controller, terminal_side = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "tokohelp", *ARGS], stdin=terminal_side,
                              capture_output=True, text=True, timeout=60,
                              env={**os.environ, "CI": "true"})
    finally:
        os.close(controller)
        os.close(terminal_side)
    assert proc.returncode == 2 and "missing message" in proc.stderr


# -- dry run ------------------------------------------------------------------------


def test_dry_run_without_backend_stores_nothing():
    result = run(*ARGS, "-m", "x", "--dry-run")
    assert result.exit_code == 0 and "no backend is configured" in result.stdout
    assert run_json("ticket", "list")[1] == []


def test_dry_run_shows_the_request_with_secrets_masked(isolated_home, monkeypatch, webhook,
                                                       tmp_path):
    hook_config(isolated_home, webhook.url, monkeypatch)
    shot = tmp_path / "shot.png"
    shot.write_bytes(PNG)
    result, shown = run_json(*ARGS, "-m", "x", "--attach", str(shot), "--dry-run")
    assert result.exit_code == 0, result.output
    assert shown["backend"] == "hook" and shown["request"]["url"] == webhook.url
    assert SECRET not in result.output and "****" in result.stdout
    assert webhook.posts == [] and run_json("ticket", "list")[1] == []


# -- sending ------------------------------------------------------------------------


def test_new_sends_to_the_backend_once_with_key_and_attachment(isolated_home, monkeypatch,
                                                               webhook, tmp_path):
    hook_config(isolated_home, webhook.url, monkeypatch)
    shot = tmp_path / "shot.png"
    shot.write_bytes(PNG)
    result, ticket = run_json(*ARGS, "-m", "x", "--attach", str(shot))
    assert result.exit_code == 0, result.output
    assert (ticket["status"], ticket["backend"], ticket["remote_id"]) == ("sent", "hook", "1")
    assert webhook.posts == [ticket["idempotency_key"]]
    assert webhook.auth == [f"Bearer {SECRET}"] and SECRET not in result.output
    sent = webhook.bodies[0]["attachments"][0]
    assert (sent["name"], base64.b64decode(sent["content_base64"])) == ("shot.png", PNG)


def test_server_down_keeps_the_ticket_queued_then_send_retries(isolated_home, monkeypatch,
                                                               webhook):
    with Webhook() as gone:
        dead_url = gone.url
    hook_config(isolated_home, dead_url, monkeypatch)
    result = run(*ARGS, "-m", "x")
    assert result.exit_code == 6
    assert "tokohelp ticket send 1" in " ".join(result.stderr.split())
    _, ticket = run_json("ticket", "show", "1")
    assert (ticket["status"], ticket["attempts"]) == ("queued", 2)
    assert "cannot connect" in ticket["last_error"]
    hook_config(isolated_home, webhook.url, monkeypatch)
    retry, outcomes = run_json("ticket", "send", "1")
    assert retry.exit_code == 0, retry.output
    assert outcomes[0]["result"] == "sent" and outcomes[0]["ticket"]["attempts"] == 3
    assert len(webhook.posts) == 1


def test_show_includes_remote_status_and_replies_made_inert(isolated_home, monkeypatch,
                                                            webhook):
    hook_config(isolated_home, webhook.url, monkeypatch)
    assert run(*ARGS, "-m", "x").exit_code == 0
    shown = run("ticket", "show", "1")
    assert shown.exit_code == 0, shown.output
    assert "Remote status: open" in shown.stdout and "CS Agent" in shown.stdout
    assert "\x1b" not in shown.stdout and "\x07" not in shown.stdout
    assert "[red]fake[/red]" in shown.stdout
    _, data = run_json("ticket", "show", "1")
    assert data["remote"]["status"] == "open" and data["remote"]["replies"][0]["author"] == \
        "CS Agent"


def test_send_all_sends_every_queued_ticket_with_progress(isolated_home, monkeypatch, webhook):
    for n in range(3):
        assert run(*ARGS, "-m", f"body {n}").exit_code == 0
    hook_config(isolated_home, webhook.url, monkeypatch)
    result, outcomes = run_json("ticket", "send", "--all")
    assert result.exit_code == 0, result.output
    assert [o["result"] for o in outcomes] == ["sent"] * 3 and len(webhook.posts) == 3
    again, nothing = run_json("ticket", "send", "--all")
    assert again.exit_code == 0 and nothing == [] and len(webhook.posts) == 3


def test_two_processes_sending_all_never_send_a_ticket_twice(isolated_home, monkeypatch,
                                                             webhook):
    for n in range(10):
        assert run(*ARGS, "-m", f"body {n}").exit_code == 0
    hook_config(isolated_home, webhook.url, monkeypatch)
    webhook.delay = 0.05
    procs = [subprocess.Popen([sys.executable, "-m", "tokohelp", "ticket", "send", "--all"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert len(webhook.posts) == 10 and len(set(webhook.posts)) == 10
    assert {t["status"] for t in run_json("ticket", "list")[1]} == {"sent"}


def test_send_needs_ids_or_all_and_known_ids():
    assert run("ticket", "send").exit_code == 2
    assert run("ticket", "send", "1", "--all").exit_code == 2
    missing = run("ticket", "send", "42")
    assert missing.exit_code == 3 and "no ticket 42" in missing.stderr


def test_list_and_show_without_tickets():
    result, tickets = run_json("ticket", "list", "--status", "queued")
    assert result.exit_code == 0 and tickets == []
    assert run("ticket", "list", "--status", "lost").exit_code == 2
    assert run("ticket", "show", "7").exit_code == 3


def test_list_table(isolated_home):
    run(*ARGS, "-m", "x")
    result = run("ticket", "list")
    assert result.exit_code == 0 and "Refund not received" in result.stdout
    assert "queued" in result.stdout


# -- on a terminal ------------------------------------------------------------------


def test_terminal_asks_for_subject_category_and_body(terminal, tmp_path, monkeypatch):
    editor(tmp_path, monkeypatch, "Paid on Monday, still nothing.\n")
    result, ticket = run_json("ticket", "new", "--yes", input="Parcel missing\nshipping\n")
    assert result.exit_code == 0, result.output
    assert (ticket["subject"], ticket["category"], ticket["body"]) == (
        "Parcel missing", "shipping", "Paid on Monday, still nothing.")


def test_editor_template_comment_lines_are_removed(terminal, tmp_path, monkeypatch):
    editor(tmp_path, monkeypatch, "# my own comment\nThe body.\n")
    result, ticket = run_json(*ARGS, "--yes")
    assert result.exit_code == 0 and ticket["body"] == "The body."


def test_empty_editor_message_files_nothing_and_stores_no_empty_draft(terminal, tmp_path,
                                                                     monkeypatch):
    editor(tmp_path, monkeypatch, "\n# nothing written\n")
    for _ in range(2):
        result = run(*ARGS, "--yes")
        assert result.exit_code == 8 and "nothing was filed" in result.stderr
    assert run_json("ticket", "list")[1] == []


def test_editor_that_cannot_start(terminal, monkeypatch):
    monkeypatch.setenv("EDITOR", "/nonexistent/editor")
    result = run(*ARGS, "--yes")
    assert result.exit_code == 2 and "cannot start the editor" in result.stderr


def test_matching_articles_are_offered_before_filing(terminal):
    result = run(*ARGS, "-m", "money back refund cancelled order balance", input="n\n")
    assert "Money back after a cancelled order" in result.stderr
    assert result.exit_code == 8 and "Not filed" in result.stderr
    assert run_json("ticket", "list", "--status", "queued")[1] == []
    filed = run(*ARGS, "-m", "money back refund cancelled order balance",
                input="y\n\n\n\n")  # yes, then no order id, e-mail or attachments
    assert filed.exit_code == 0 and run_json("ticket", "list", "--status", "queued")[1]


def test_yes_skips_the_articles(terminal):
    result = run(*ARGS, "-m", "money back refund cancelled order balance", "--yes")
    assert result.exit_code == 0 and "may already answer" not in result.stderr


def test_end_of_input_at_the_question_keeps_a_draft(terminal):
    result = run(*ARGS, "-m", "money back refund cancelled order balance", input="")
    assert result.exit_code == 8 and "draft ticket 1" in result.stderr
    assert run_json("ticket", "show", "1")[1]["status"] == "draft"


def test_whole_flow_over_email_to_a_real_smtp_server(isolated_home, tmp_path):
    import socket
    from email import message_from_bytes

    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self) -> None:
            self.messages: list[bytes] = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope.content)
            return "250 OK"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        write_config(isolated_home, f'[backends.mail]\ntype = "email"\nhost = "127.0.0.1"\n'
                                    f'port = {port}\nsecurity = "none"\n'
                                    f'from = "me@example.com"\nto = "cs@example.com"\n')
        shot = tmp_path / "shot.png"
        shot.write_bytes(PNG)
        result, ticket = run_json(*ARGS, "-m", "Refund missing", "--attach", str(shot))
        resend = run("ticket", "send", "1")
        listed, shown = run("ticket", "list"), run("ticket", "show", "1")
    finally:
        controller.stop()
    assert result.exit_code == 0, result.output
    assert (ticket["status"], ticket["backend"]) == ("sent", "mail")
    assert "no Reply-To address" in result.stderr and "[profile] email" in result.stderr
    assert resend.exit_code == 0 and "already sent" in resend.stdout
    assert "email" in listed.stdout and ticket["remote_id"] not in listed.stdout
    assert f"Message-ID: {ticket['remote_id']}" in shown.stdout and "remote id" not in shown.stdout
    [raw] = inbox.messages
    mail = message_from_bytes(raw)
    assert mail["Message-ID"] == ticket["remote_id"] and mail["Subject"] == "Refund not received"
    [part] = [p for p in mail.walk() if p.get_filename()]
    assert (part.get_filename(), part.get_payload(decode=True)) == ("shot.png", PNG)


def test_the_interactive_flow_speaks_indonesian(terminal, tmp_path, monkeypatch):
    """Prompts, the article offer, the editor template and the result, all in Indonesian."""
    from tests.cli.test_lang_id import english_in

    template = tmp_path / "template.txt"
    script = tmp_path / "editor.sh"
    script.write_text(f'#!/bin/sh\ncp "$1" {template}\nprintf "Sudah dibayar Senin.\\n" > "$1"\n')
    script.chmod(0o755)
    monkeypatch.setenv("VISUAL", str(script))
    result = run("--lang", "id", "ticket", "new",
                 input="Dana refund belum masuk\nPengembalian Dana\ntidak\n\n\n\n")
    assert result.exit_code == 0, result.output
    assert english_in(result.stdout + result.stderr + template.read_text()) == []
    assert "Subjek" in result.output
