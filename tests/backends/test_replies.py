"""Replies end to end: the real RT 5 and the Zendesk model, the CLI, the store and the sender.

The conversation is the one a shopper has: a ticket is filed, the agent asks for
something, the shopper answers with an attachment, the agent answers, the ticket
is solved.  Every test counts the shopper's reply at the desk by its key line:
exactly one, whatever fault came in between.  Faults are made by the proxy, and a
retry waits until the desk has the reply (an outcome, never a timing).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from tests.backends.builders import png_bytes, rt_config, write_config
from tests.backends.zendesk_builders import zendesk_config
from tests.helpers import make_library
from tests.zendesk_fixtures import END_USER_TOKEN
from tokohelp.cli import app
from tokohelp.tickets.backends import load_backend
from tokohelp.tickets.reply_sender import ReplySender
from tokohelp.tickets.reply_store import ReplyStore
from tokohelp.tickets.sender import SendPolicy
from tokohelp.tickets.store import CheckedFile, Store

KEY = "tokohelp-reply-id: "
WAIT = 180  # seconds a busy RT may take to answer


@pytest.fixture(autouse=True)
def library(tmp_path, monkeypatch):
    monkeypatch.setenv("TOKOHELP_ARTICLES", str(make_library(tmp_path / "lib")))
    monkeypatch.setenv("ZD_TOKEN", END_USER_TOKEN)


def run(*args: str):
    result = CliRunner().invoke(app, list(args))
    return result


def run_json(*args: str):
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def file_ticket(subject: str) -> dict:
    return run_json("ticket", "new", "-s", subject, "-c", "refund", "-m",
                    "My refund for order INV/7 has not arrived.")


def receipt(tmp_path):
    path = tmp_path / "receipt.png"
    path.write_bytes(png_bytes())
    return path


def wait_until(condition, what: str, seconds: float = WAIT) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.1)


# -- RT ---------------------------------------------------------------------------------


def rt_texts(rt, remote_id: str) -> list[str]:
    """Every plain-text message of the ticket, oldest first, read as root."""
    data = rt.api("POST", f"ticket/{remote_id}/attachments",
                  json=[{"field": "ContentType", "value": "text/plain"}],
                  params={"fields": "Content,Filename,TransactionId", "per_page": 100}).json()
    return [str(item.get("Content") or "") for item in data["items"]
            if not item.get("Filename")]


def rt_files(rt, remote_id: str) -> list[str]:
    data = rt.api("GET", f"ticket/{remote_id}/attachments",
                  params={"fields": "Filename", "per_page": 100}).json()
    return [item["Filename"] for item in data["items"] if item.get("Filename")]


def rt_replies_with(rt, remote_id: str, key: str) -> int:
    return sum(KEY + key in text for text in rt_texts(rt, remote_id))


@pytest.mark.rt
def test_rt_conversation_new_ask_reply_answer_solved(rt_server, monkeypatch, tmp_path):
    monkeypatch.setenv("RT_PASSWORD", rt_server.password)
    write_config(rt_config(rt_server.url, extra=f"timeout = {WAIT}\n"))
    ticket = file_ticket("RT conversation")
    remote = ticket["remote_id"]
    rt_server.correspond(remote, "Please send the order receipt.")
    reply = run_json("ticket", "reply", str(ticket["id"]), "-m", "Here is the receipt.",
                     "--attach", str(receipt(tmp_path)))
    assert (reply["status"], reply["result"]) == ("sent", "sent")
    rt_server.correspond(remote, "Thanks, the refund is on its way.")
    rt_server.api("PUT", f"ticket/{remote}", json={"Status": "resolved"}).raise_for_status()
    shown = run_json("ticket", "show", str(ticket["id"]))
    texts = [r["text"] for r in shown["remote"]["replies"]]
    assert [t.splitlines()[0] for t in texts] == [
        "Please send the order receipt.", "Here is the receipt.",
        "Thanks, the refund is on its way."]
    assert (shown["remote"]["status"], shown["remote"]["desk_status"]) == ("solved", "resolved")
    assert rt_replies_with(rt_server, remote, reply["idempotency_key"]) == 1
    assert rt_files(rt_server, remote) == ["receipt.png"]
    assert shown["replies"][0]["status"] == "sent"


@pytest.mark.rt
def test_rt_list_marks_a_new_agent_reply_until_shown(rt_server, monkeypatch):
    monkeypatch.setenv("RT_PASSWORD", rt_server.password)
    write_config(rt_config(rt_server.url, extra=f"timeout = {WAIT}\n"))
    ticket = file_ticket("RT new reply mark")
    assert [t["new_reply"] for t in run_json("ticket", "list")] == [False]
    rt_server.correspond(ticket["remote_id"], "Could you send a screenshot?")
    assert [t["new_reply"] for t in run_json("ticket", "list")] == [False]  # offline: cache
    assert [t["new_reply"] for t in run_json("ticket", "list", "--refresh")] == [True]
    assert "new reply" in run("ticket", "list").stdout
    run_json("ticket", "show", str(ticket["id"]))
    assert [t["new_reply"] for t in run_json("ticket", "list")] == [False]


@pytest.mark.rt
def test_rt_timeout_after_the_reply_arrived_still_one_reply(rt_server, monkeypatch,
                                                           fault_proxy, tmp_path):
    monkeypatch.setenv("RT_PASSWORD", rt_server.password)
    write_config(rt_config(rt_server.url, extra=f"timeout = {WAIT}\n"))
    ticket = file_ticket("RT reply timeout")
    proxy = fault_proxy(rt_server.url, hold=60)
    proxy.plan = ["hold"]
    write_config(rt_config(proxy.url, extra="timeout = 5\n"))
    store = Store()
    replies = ReplyStore(store)
    stored = replies.create(ticket["id"], "Receipt attached.",
                            [CheckedFile(receipt(tmp_path), "receipt.png", "image/png",
                                         len(png_bytes()))])
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        assert proxy.upstream_answered.wait(WAIT)

    backend = load_backend(write_config(rt_config(proxy.url, extra="timeout = 5\n")), None)
    outcome = ReplySender(replies, backend, SendPolicy(attempts=3, backoff=0.1), sleep).send(
        stored.id)
    assert outcome.result == "sent", outcome.message
    again = replies.get(stored.id)
    assert (again.status, again.attempts, len(sleeps)) == ("sent", 2, 1)
    assert proxy.faults_done == ["hold"] and proxy.forwarded.count("POST") >= 1
    assert rt_replies_with(rt_server, ticket["remote_id"], stored.idempotency_key) == 1
    assert rt_files(rt_server, ticket["remote_id"]) == ["receipt.png"]
    store.close()


@pytest.mark.rt
def test_rt_sigkill_during_a_reply_send_then_exactly_one_reply(rt_server, monkeypatch,
                                                               fault_proxy):
    """Killed while RT's answer to the correspond POST is held: the next send finds it."""
    monkeypatch.setenv("RT_PASSWORD", rt_server.password)
    write_config(rt_config(rt_server.url, extra=f"timeout = {WAIT}\n"))
    ticket = file_ticket("RT killed reply")
    proxy = fault_proxy(rt_server.url, hold=WAIT)
    proxy.plan = ["hold"]
    write_config(rt_config(proxy.url, extra=f"timeout = {WAIT}\n"))
    command = [sys.executable, "-m", "tokohelp", "ticket", "reply", str(ticket["id"]), "-m",
               "Receipt number R-8.", "--yes"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               stdin=subprocess.DEVNULL, env=os.environ.copy())
    wait_until(lambda: proxy.upstream_answered.is_set() or process.poll() is not None,
               "RT's answer to the reply")
    assert process.poll() is None, "tokohelp ended before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(30)
    store = Store()
    [stored] = ReplyStore(store).for_ticket(ticket["id"])
    assert stored.status == "queued"  # killed before it could record the answer
    store.close()
    write_config(rt_config(rt_server.url, extra=f"timeout = {WAIT}\n"))
    again = subprocess.run([sys.executable, "-m", "tokohelp", "ticket", "send",
                            str(ticket["id"])], capture_output=True, text=True, timeout=WAIT * 2)
    assert again.returncode == 0, again.stderr
    store = Store()
    assert ReplyStore(store).get(stored.id).status == "sent"
    store.close()
    assert rt_replies_with(rt_server, ticket["remote_id"], stored.idempotency_key) == 1


@pytest.mark.rt
@pytest.mark.parametrize("plan", [["500"], ["reset"]])
def test_rt_reply_after_a_server_fault_is_sent_once(rt_server, monkeypatch, fault_proxy, plan):
    monkeypatch.setenv("RT_PASSWORD", rt_server.password)
    write_config(rt_config(rt_server.url, extra=f"timeout = {WAIT}\n"))
    ticket = file_ticket(f"RT reply {plan[0]}")
    proxy = fault_proxy(rt_server.url)
    proxy.plan = list(plan)
    write_config(rt_config(proxy.url, extra=f"timeout = {WAIT}\n[send]\nbackoff_seconds = 0.1\n"))
    reply = run("ticket", "reply", str(ticket["id"]), "-m", "Receipt R-9.", "--yes", "--json")
    assert reply.exit_code == 0, reply.output
    key = json.loads(reply.stdout)["idempotency_key"]
    assert proxy.faults_done == plan
    assert rt_replies_with(rt_server, ticket["remote_id"], key) == 1


# -- Zendesk ----------------------------------------------------------------------------


def zd_replies_with(zendesk, request_id: int, key: str) -> int:
    return sum(KEY + key in c["body"] for c in zendesk.state.comments[request_id])


def test_zendesk_conversation_new_ask_reply_answer_solved(zendesk, tmp_path):
    write_config(zendesk_config(zendesk.url))
    ticket = file_ticket("Zendesk conversation")
    request_id = int(ticket["remote_id"])
    zendesk.state.agent_comment(request_id, "<p>Please send the <b>order receipt</b>.</p>",
                                agent=zendesk.agent_id)
    assert run_json("ticket", "show", str(ticket["id"]))["remote"]["status"] == "pending"
    reply = run_json("ticket", "reply", str(ticket["id"]), "-m", "Here is the receipt.",
                     "--attach", str(receipt(tmp_path)))
    assert (reply["status"], reply["result"]) == ("sent", "sent")
    assert zendesk.state.requests[request_id]["status"] == "open"  # our comment reopened it
    zendesk.state.agent_comment(request_id, "<p>Refund issued.</p>", agent=zendesk.agent_id,
                                status="solved")
    shown = run_json("ticket", "show", str(ticket["id"]))
    thread = [(r["author"], r["text"]) for r in shown["remote"]["replies"]]
    assert [author for author, _ in thread] == ["Rina (CS)", "you", "Rina (CS)"]
    assert thread[0][1] == "Please send the order receipt."
    assert thread[1][1].startswith("Here is the receipt.")
    assert thread[2][1] == "Refund issued."
    assert shown["remote"]["replies"][1]["attachments"] == ["receipt.png"]
    assert (shown["remote"]["status"], shown["remote"]["desk_status"]) == ("solved", "solved")
    assert zd_replies_with(zendesk, request_id, reply["idempotency_key"]) == 1
    assert zendesk.state.received("PUT", f"/api/v2/requests/{request_id}") == 1
    human = run("ticket", "show", str(ticket["id"])).stdout
    assert "Here is the receipt." in human and KEY not in human  # our footer is not shown
    assert "solved" in human


def test_zendesk_timeout_after_the_reply_arrived_still_one_reply(zendesk, fault_proxy,
                                                                 tmp_path):
    write_config(zendesk_config(zendesk.url))
    ticket = file_ticket("Zendesk reply timeout")
    request_id = int(ticket["remote_id"])
    proxy = fault_proxy(zendesk.url, hold=1.5)
    proxy.plan = ["", "hold"]  # the upload passes, the PUT's answer is held past the timeout
    backend = load_backend(write_config(zendesk_config(proxy.url, extra="timeout = 1\n")), None)
    store = Store()
    replies = ReplyStore(store)
    stored = replies.create(ticket["id"], "Receipt attached.",
                            [CheckedFile(receipt(tmp_path), "receipt.png", "image/png",
                                         len(png_bytes()))])

    def sleep(seconds):
        wait_until(lambda: len(zendesk.state.comments[request_id]) == 2, "the reply at Zendesk")

    outcome = ReplySender(replies, backend, SendPolicy(attempts=3, backoff=0.1), sleep).send(
        stored.id)
    assert outcome.result == "sent", outcome.message
    assert replies.get(stored.id).attempts == 2 and proxy.faults_done == ["hold"]
    assert zd_replies_with(zendesk, request_id, stored.idempotency_key) == 1
    assert zendesk.state.received("PUT", f"/api/v2/requests/{request_id}") == 1
    assert [f["file_name"] for f in zendesk.state.files_of(request_id)] == ["receipt.png"]
    store.close()


def test_zendesk_refuses_a_reply_to_a_closed_request_clearly(zendesk):
    write_config(zendesk_config(zendesk.url, extra="[send]\nattempts = 2\n"))
    ticket = file_ticket("Zendesk closed")
    zendesk.state.set_status(int(ticket["remote_id"]), "closed")
    result = run("ticket", "reply", str(ticket["id"]), "-m", "One more thing.")
    assert result.exit_code == 6
    assert "Status: closed prevents ticket update" in result.output
    assert run_json("ticket", "show", str(ticket["id"]))["replies"][0]["status"] == "failed"


def test_sigkill_during_a_reply_send_then_exactly_one_reply(zendesk, fault_proxy):
    """A process killed while Zendesk's answer to the PUT is on its way: the next send finds it."""
    write_config(zendesk_config(zendesk.url))
    ticket = file_ticket("Zendesk killed reply")
    request_id = int(ticket["remote_id"])
    proxy = fault_proxy(zendesk.url, hold=60)
    proxy.plan = ["hold"]
    write_config(zendesk_config(proxy.url, extra="timeout = 50\n"))
    command = [sys.executable, "-m", "tokohelp", "ticket", "reply", str(ticket["id"]), "-m",
               "Receipt number R-7.", "--yes"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               stdin=subprocess.DEVNULL, env=os.environ.copy())
    wait_until(lambda: len(zendesk.state.comments[request_id]) == 2 or
               process.poll() is not None, "the reply at Zendesk")
    assert process.poll() is None, "tokohelp ended before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(30)
    store = Store()
    [stored] = ReplyStore(store).for_ticket(ticket["id"])
    assert stored.status == "queued"  # killed before it could record the answer
    store.close()
    write_config(zendesk_config(zendesk.url))
    again = subprocess.run([sys.executable, "-m", "tokohelp", "ticket", "send",
                            str(ticket["id"])], capture_output=True, text=True, timeout=WAIT)
    assert again.returncode == 0, again.stderr
    store = Store()
    assert ReplyStore(store).get(stored.id).status == "sent"
    store.close()
    assert zd_replies_with(zendesk, request_id, stored.idempotency_key) == 1
    assert zendesk.state.received("PUT", f"/api/v2/requests/{request_id}") == 1  # found


# -- webhook and email -------------------------------------------------------------------


def test_webhook_timeout_after_the_reply_arrived_still_one_reply(desk_server, fault_proxy,
                                                                 monkeypatch):
    from tests.backends.builders import http_config

    monkeypatch.setenv("DESK_TOKEN", "desk-token")
    write_config(http_config(desk_server.url))
    ticket = file_ticket("Webhook reply timeout")
    proxy = fault_proxy(desk_server.base, hold=3)
    proxy.plan = ["hold"]
    backend = load_backend(write_config(http_config(proxy.url + "/tickets",
                                                    extra="timeout = 1\n")), None)
    store = Store()
    replies = ReplyStore(store)
    stored = replies.create(ticket["id"], "Receipt attached.", [])
    outcome = ReplySender(replies, backend, SendPolicy(attempts=3, backoff=0.1),
                          lambda s: proxy.upstream_answered.wait(WAIT)).send(stored.id)
    assert outcome.result == "sent", outcome.message
    user = desk_server.state.tickets[ticket["remote_id"]]["user_replies"]
    assert [r["idempotency_key"] for r in user] == [stored.idempotency_key]
    store.close()


def test_email_reply_is_threaded_to_the_ticket_and_resent_with_the_same_id(smtp_server):
    controller, handler = smtp_server()
    write_config('default_backend = "mail"\n[backends.mail]\ntype = "email"\n'
                 f'host = "127.0.0.1"\nport = {controller.port}\nsecurity = "none"\n'
                 'from = "buyer@example.com"\nto = "cs@example.com"\n')
    ticket = file_ticket("Email thread")
    reply = run_json("ticket", "reply", str(ticket["id"]), "-m", "Receipt attached.")
    assert reply["status"] == "sent"
    original, answer = handler.messages
    assert answer["In-Reply-To"] == original["Message-ID"] == answer["References"]
    assert answer["Subject"] == "Re: Email thread"
    assert answer["Message-ID"].strip() == reply["remote_id"] != original["Message-ID"].strip()
    assert KEY + reply["idempotency_key"] in answer.get_content()


@pytest.mark.parametrize("plan", [
    ["", "500"],    # the PUT answered 500: looked up, then sent
    ["", "429"],    # rate limited: sent after Retry-After
    ["reset"],      # the upload cut: nothing in doubt
    ["", "reset"],  # the PUT cut mid-body: looked up first
])
def test_zendesk_reply_fault_matrix_ends_with_exactly_one_reply(zendesk, fault_proxy, tmp_path,
                                                                plan):
    write_config(zendesk_config(zendesk.url))
    ticket = file_ticket(f"Zendesk reply fault {plan}")
    request_id = int(ticket["remote_id"])
    proxy = fault_proxy(zendesk.url, hold=1.5)
    proxy.plan = list(plan)
    backend = load_backend(write_config(zendesk_config(proxy.url, extra="timeout = 5\n")), None)
    store = Store()
    replies = ReplyStore(store)
    big = tmp_path / "trace.txt"
    big.write_bytes(b"trace line with details\n" * 90_000)  # so a reset cuts the upload
    stored = replies.create(ticket["id"], "Trace attached.",
                            [CheckedFile(big, "trace.txt", "text/plain", big.stat().st_size)])
    sleeps = []
    outcome = ReplySender(replies, backend, SendPolicy(attempts=3, backoff=0.1),
                          sleeps.append).send(stored.id)
    assert outcome.result == "sent", outcome.message
    assert len(sleeps) == 1 and proxy.faults_done == [f for f in plan if f]
    assert zd_replies_with(zendesk, request_id, stored.idempotency_key) == 1
    assert [f["file_name"] for f in zendesk.state.files_of(request_id)] == ["trace.txt"]
    store.close()


def test_zendesk_reply_kept_queued_while_the_desk_fails_then_sent_once(zendesk, fault_proxy):
    write_config(zendesk_config(zendesk.url))
    ticket = file_ticket("Zendesk reply always 500")
    request_id = int(ticket["remote_id"])
    proxy = fault_proxy(zendesk.url)
    proxy.plan = ["500"] * 3
    write_config(zendesk_config(proxy.url, extra="[send]\nattempts = 3\nbackoff_seconds = 0\n"
                                "retry_after_max_seconds = 0\n"))
    result = run("ticket", "reply", str(ticket["id"]), "-m", "Still waiting.")
    assert result.exit_code == 6 and "tokohelp ticket send" in result.output
    [stored] = run_json("ticket", "show", str(ticket["id"]))["replies"]
    assert (stored["status"], stored["attempts"]) == ("queued", 3) and stored["last_error"]
    assert zd_replies_with(zendesk, request_id, stored["idempotency_key"]) == 0
    outcomes = run_json("ticket", "send", "--all")
    assert [(o["kind"], o["result"]) for o in outcomes] == [("reply", "sent")]
    assert zd_replies_with(zendesk, request_id, stored["idempotency_key"]) == 1


def test_zendesk_reply_with_the_desk_down_stays_queued(zendesk):
    from tests.backends.servers import free_port

    write_config(zendesk_config(zendesk.url))
    ticket = file_ticket("Zendesk reply desk down")
    write_config(zendesk_config(f"http://127.0.0.1:{free_port()}",
                                extra="[send]\nattempts = 1\n"))
    result = run("ticket", "reply", str(ticket["id"]), "-m", "Hello?")
    assert result.exit_code == 6 and "cannot connect" in result.output
    write_config(zendesk_config(zendesk.url))
    assert run("ticket", "send", str(ticket["id"])).exit_code == 0
    assert zendesk.state.received("PUT", f"/api/v2/requests/{ticket['remote_id']}") == 1


def test_email_reply_answered_too_late_is_resent_with_the_same_message_id(smtp_server,
                                                                         tmp_path):
    """SMTP cannot be asked; the resend carries the same Message-ID for the desk to drop."""
    from tests.backends.servers import RecordingHandler

    controller, handler = smtp_server(RecordingHandler(delays=[0, 4]))
    config = write_config('default_backend = "mail"\n[backends.mail]\ntype = "email"\n'
                          f'host = "127.0.0.1"\nport = {controller.port}\nsecurity = "none"\n'
                          'from = "buyer@example.com"\nto = "cs@example.com"\ntimeout = 0.5\n')
    ticket = file_ticket("Email late answer")
    backend = load_backend(config, None)
    store = Store()
    replies = ReplyStore(store)
    stored = replies.create(ticket["id"], "Receipt attached.",
                            [CheckedFile(receipt(tmp_path), "receipt.png", "image/png",
                                         len(png_bytes()))])
    outcome = ReplySender(replies, backend, SendPolicy(attempts=3, backoff=0.1),
                          lambda s: None).send(stored.id)
    assert outcome.result == "sent", outcome.message
    _original, *answers = handler.messages
    ids = {m["Message-ID"].strip() for m in answers}
    assert len(answers) == 2 and ids == {f"<tokohelp-{stored.idempotency_key}@tokohelp.invalid>"}
    store.close()
