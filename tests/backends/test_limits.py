"""Nothing hangs and nothing is read without a limit (issue 13, items 10 and 11).

Servers that drip their headers or body, or promise 3 GB, against the real http
backend and sender; a FIFO or /dev/zero as the config file or the body.  Each
call runs in a thread joined with a generous bound: the assertion is that it
*returned* with the right outcome, never how fast.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from typing import Any

import pytest

from tests.backends.builders import http_config, make_ticket, write_config
from tests.backends.servers import DripServer
from tokohelp.errors import BackendError
from tokohelp.tickets.backends import load_backend, transport
from tokohelp.tickets.sender import Sender, SendPolicy
from tokohelp.tickets.store import NewTicket, Store

BOUND = 120  # seconds; only a hang gets near it


def finishes(call: Any) -> Any:
    """Run ``call()`` in a thread; fail if it has not returned within BOUND seconds."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = call()
        except BaseException as exc:
            result["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(BOUND)
    assert not thread.is_alive(), "the call hangs"
    if "error" in result:
        raise result["error"]
    return result.get("value")


@pytest.fixture
def drip(monkeypatch):
    """Start servers that drip; the deadline is 1.5 x timeout here, so the tests stay short
    while each per-read timeout (3 s) stays far above the drip interval (0.2 s)."""
    monkeypatch.setenv("DESK_TOKEN", "desk-token")
    monkeypatch.setattr(transport, "DEADLINE_FACTOR", 1.5)
    servers: list[DripServer] = []

    def start(mode: str) -> DripServer:
        server = DripServer(mode, interval=0.2).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.mark.parametrize("mode", ["headers", "body"])
def test_a_dripping_answer_is_cut_off_by_the_attempt_deadline(drip, tmp_path, mode):
    server = drip(mode)
    backend = load_backend(write_config(http_config(server.url, extra="timeout = 3\n")), None)
    with pytest.raises(BackendError) as caught:
        finishes(lambda: backend.send(make_ticket(tmp_path)))
    assert "no complete answer within" in caught.value.message
    assert caught.value.retryable and caught.value.maybe_sent  # a POST: look it up first


def test_the_sender_keeps_a_dripped_ticket_queued_and_maybe_sent(drip, tmp_path):
    server = drip("headers")
    backend = load_backend(write_config(http_config(server.url, extra="timeout = 3\n")), None)

    def send() -> Any:
        store = Store(tmp_path / "store")  # SQLite objects stay in their thread
        ticket = store.create(NewTicket("Refund", "Where is it?"), [])
        sender = Sender(store, backend, SendPolicy(attempts=1), sleep=lambda _s: None)
        return sender.send(ticket.id)

    outcome = finishes(send)
    store = Store(tmp_path / "store")
    row = store.db.execute("SELECT status, maybe_sent, claimed_by FROM tickets").fetchone()
    assert (outcome.result, row) == ("queued", ("queued", 1, None))


def test_a_huge_answer_is_refused_without_reading_it(drip, tmp_path):
    server = drip("huge")
    backend = load_backend(write_config(http_config(server.url, extra="timeout = 5\n")), None)
    with pytest.raises(BackendError) as caught:
        finishes(lambda: backend.send(make_ticket(tmp_path)))
    assert "larger than 32 MB" in caught.value.message


def test_a_body_without_length_is_capped_while_reading(monkeypatch, drip, tmp_path):
    monkeypatch.setattr(transport, "MAX_RESPONSE", 1024)
    server = drip("body")  # drips spaces past the (patched) cap well before the deadline
    server.interval = 0.0001
    backend = load_backend(write_config(http_config(server.url, extra="timeout = 30\n")), None)
    with pytest.raises(BackendError, match="larger than 0 MB"):
        finishes(lambda: backend.send(make_ticket(tmp_path)))


def run_cli(*args: str, stdin: Any = subprocess.DEVNULL, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tokohelp", *args], stdin=stdin,
                          capture_output=True, text=True, timeout=BOUND,
                          env={**os.environ, **env}, check=False)


def test_dev_zero_on_stdin_is_refused_as_too_long():
    with open("/dev/zero", "rb") as zero:
        done = run_cli("ticket", "new", "-s", "Refund", "-c", "refund", stdin=zero)
    assert done.returncode == 5 and "stdin is too long" in done.stderr, done.stderr


@pytest.mark.parametrize("config", ["fifo", "/dev/zero"])
def test_a_fifo_or_dev_zero_as_config_file_does_not_hang(tmp_path, config):
    path = tmp_path / "config.fifo"
    if config == "fifo":
        os.mkfifo(path)
    done = run_cli("config", "check", TOKOHELP_CONFIG=str(path) if config == "fifo" else config)
    assert done.returncode == 4 and "not a regular file" in done.stderr, done.stderr


def test_the_deadline_thread_never_takes_the_process_s_signals():
    """Ctrl-C must reach the main thread blocked in a read (it waited for the socket
    timeout when the kernel handed SIGINT to the timer thread under load)."""
    import signal

    seen: list[set[int]] = []
    done = threading.Event()

    class Probe(transport.Deadline):
        def _expire(self) -> None:
            seen.append(set(signal.pthread_sigmask(signal.SIG_BLOCK, [])))
            done.set()

    Probe(0.01).start()
    assert done.wait(BOUND)
    assert {signal.SIGINT, signal.SIGTERM, signal.SIGHUP} <= seen[0]
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])  # main unchanged


def test_ctrl_c_during_a_held_request_ends_the_process(drip, tmp_path):
    """A real process, a server that never finishes its answer, a 300 s timeout: SIGINT
    ends it (exit 1 or 130), and the ticket stays queued and marked maybe sent."""
    import signal
    import time

    server = drip("headers")
    write_config(http_config(server.url, extra="timeout = 300\n"))
    store = Store()
    store.create(NewTicket("Refund", "Where is it?"), [])
    store.close()
    process = subprocess.Popen([sys.executable, "-m", "tokohelp", "ticket", "send", "--all"],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    while server.requests == 0 and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    assert process.wait(BOUND) in (1, 130)
    store = Store()
    row = store.db.execute("SELECT status, maybe_sent, claimed_by FROM tickets").fetchone()
    assert row == ("queued", 1, None)


def test_a_dripping_smtp_greeting_is_cut_off_by_the_deadline(drip, tmp_path):
    server = drip("smtp")
    port = server.url.split(":")[2].split("/")[0]
    config = write_config(f'[backends.mail]\ntype = "email"\nhost = "127.0.0.1"\nport = {port}\n'
                          'security = "none"\nfrom = "me@example.com"\nto = "cs@example.com"\n'
                          'timeout = 3\n')
    backend = load_backend(config, "mail")
    with pytest.raises(BackendError) as caught:
        finishes(lambda: backend.send(make_ticket(tmp_path)))
    assert "no complete answer within" in caught.value.message
    assert not getattr(caught.value, "maybe_sent", False)  # nothing was handed over yet


def test_an_answer_that_cannot_be_decoded_is_an_unknown_outcome(drip, tmp_path):
    server = drip("gzip")
    backend = load_backend(write_config(http_config(server.url, extra="timeout = 5\n")), None)
    with pytest.raises(BackendError) as caught:
        finishes(lambda: backend.send(make_ticket(tmp_path)))
    assert caught.value.retryable and caught.value.maybe_sent  # then the look-up decides
