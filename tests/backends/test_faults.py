"""Network faults through the real backends and the real sender and store.

Each test ends with the ticket sent exactly once (counted on the server) or
still kept in the store unsent, never lost and never doubled.  The sender's
sleep is recorded instead of slept so backoff costs no test time.

The tests hold on a busy machine: every fault is made by the proxy (or a
server that misbehaves on purpose), never by racing a real server's speed.
Timeouts are generous except where a timeout *is* the fault; there the retry
waits until the real server has answered the proxy, so the look-up cannot run
before the ticket exists.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from tests.backends.builders import http_config, rt_config, write_config
from tests.backends.servers import FaultProxy, PlainGreeter, RecordingHandler, free_port
from tokohelp.errors import BackendError
from tokohelp.tickets.backends import load_backend
from tokohelp.tickets.sender import Sender, SendPolicy
from tokohelp.tickets.store import CheckedFile, NewTicket, Store


@dataclass
class Target:
    """One kind of server under test: where it is and how to count tickets on it."""

    kind: str
    upstream: str
    timeout: float
    hold: float
    server: Any

    def config(self, url: str, extra: str = "", timeout: float | None = None) -> str:
        extra = f"timeout = {timeout or self.timeout}\n{extra}"
        if self.kind == "rt":
            return rt_config(url, extra=extra)
        return http_config(url, extra=extra)

    def count(self, subject: str) -> int:
        """How many tickets with this subject the server holds."""
        if self.kind == "rt":
            return len(self.server.tickets_with_subject(subject))
        return sum(t["subject"] == subject for t in self.server.state.tickets.values())


GENEROUS = 60     # seconds: a real server under load answers well within this
SHORT = 5         # seconds: the client timeout where the timeout is the fault
HOLD = 60         # seconds the proxy sits on an answer: always past SHORT


@pytest.fixture(params=[pytest.param("rt", marks=pytest.mark.rt), "http"])
def target(request, monkeypatch):
    if request.param == "rt":
        rt = request.getfixturevalue("rt_server")
        monkeypatch.setenv("RT_PASSWORD", rt.password)
        return Target("rt", rt.url, timeout=GENEROUS, hold=HOLD, server=rt)
    desk = request.getfixturevalue("desk_server")
    monkeypatch.setenv("DESK_TOKEN", "desk-token")
    return Target("http", desk.url, timeout=GENEROUS, hold=HOLD, server=desk)


@dataclass
class Run:
    """A stored ticket plus the sleeps the sender asked for."""

    store: Store
    ticket_id: int
    subject: str
    sleeps: list[float]

    def send(self, url_config: str, attempts: int = 4, before_retry: Any = None):
        """Send with the sleeps recorded; ``before_retry()`` runs where the sender waits."""
        backend = load_backend(write_config(url_config), None)

        def sleep(seconds: float) -> None:
            self.sleeps.append(seconds)
            if before_retry:
                before_retry()

        sender = Sender(self.store, backend, SendPolicy(attempts=attempts, backoff=0.5),
                        sleep=sleep)
        return sender.send(self.ticket_id)


@pytest.fixture
def run(tmp_path):
    """A queued ticket in a real store, with a 2 MB text attachment (for upload faults)."""
    upload = tmp_path / "trace.txt"
    upload.write_bytes(b"trace line with details\n" * 90_000)
    store = Store(tmp_path / "store")
    subject = f"Fault test {uuid.uuid4().hex[:10]}"
    ticket = store.create(NewTicket(subject=subject, body="Where is my refund?",
                                    category="refund", email="buyer@example.com"),
                          [CheckedFile(upload, "trace.txt", "text/plain", upload.stat().st_size)])
    yield Run(store, ticket.id, subject, [])
    store.close()


def assert_sent_once(run: Run, target: Target, outcome) -> None:
    assert outcome.result == "sent", outcome.message
    ticket = run.store.get(run.ticket_id)
    assert ticket.status == "sent" and ticket.remote_id
    assert target.count(run.subject) == 1


def assert_kept_unsent(run: Run, target: Target, outcome, status: str) -> None:
    assert outcome.result == status, outcome.message
    ticket = run.store.get(run.ticket_id)
    assert (ticket.status, ticket.remote_id) == (status, None)
    assert ticket.last_error
    assert target.count(run.subject) == 0


def test_server_down_stays_queued_then_sends_once(target, run):
    port = free_port()
    url = f"http://127.0.0.1:{port}" + ("/tickets" if target.kind == "http" else "")
    assert_kept_unsent(run, target, run.send(target.config(url)), "queued")
    assert "cannot connect" in run.store.get(run.ticket_id).last_error
    proxy = FaultProxy(target.upstream, port).start()
    try:
        assert_sent_once(run, target, run.send(target.config(url)))
    finally:
        proxy.stop()


def wait_for_upstream(proxy: FaultProxy) -> Any:
    """A ``before_retry`` that waits until the real server has answered the held POST."""
    return lambda: proxy.upstream_answered.wait(120)


def test_timeout_after_request_received_sends_once(target, run, fault_proxy):
    proxy = fault_proxy(target.upstream, hold=target.hold)
    proxy.plan = ["hold"]
    outcome = run.send(target.config(proxy.url, timeout=SHORT),
                       before_retry=wait_for_upstream(proxy))
    assert_sent_once(run, target, outcome)
    assert proxy.faults_done == ["hold"]
    assert proxy.forwarded.count("POST") == 1  # the retry found the ticket, it did not re-POST
    assert run.store.get(run.ticket_id).attempts == 2


def test_429_retry_after_is_honoured(target, run, fault_proxy):
    proxy = fault_proxy(target.upstream)
    proxy.plan = ["429"]
    assert_sent_once(run, target, run.send(target.config(proxy.url)))
    assert run.sleeps == [1.0]


def test_500_once_then_sent_once(target, run, fault_proxy):
    proxy = fault_proxy(target.upstream)
    proxy.plan = ["500"]
    assert_sent_once(run, target, run.send(target.config(proxy.url)))
    assert proxy.faults_done == ["500"]


def test_500_every_time_stays_queued_then_sends_once(target, run, fault_proxy):
    proxy = fault_proxy(target.upstream)
    proxy.plan = ["500"] * 3
    assert_kept_unsent(run, target, run.send(target.config(proxy.url), attempts=3), "queued")
    assert "HTTP 500" in run.store.get(run.ticket_id).last_error
    assert_sent_once(run, target, run.send(target.config(proxy.url)))


def test_connection_reset_during_upload_sends_once(target, run, fault_proxy):
    proxy = fault_proxy(target.upstream)
    proxy.plan = ["reset"]
    assert_sent_once(run, target, run.send(target.config(proxy.url)))
    assert proxy.faults_done == ["reset"]
    assert run.store.get(run.ticket_id).attempts == 2


def test_https_to_plain_http_server_is_kept_failed(target, run):
    greeter = PlainGreeter().start()
    try:
        path = "/tickets" if target.kind == "http" else ""
        outcome = run.send(target.config(f"https://127.0.0.1:{greeter.port}{path}"))
    finally:
        greeter.stop()
    assert_kept_unsent(run, target, outcome, "failed")
    assert "does not speak TLS" in run.store.get(run.ticket_id).last_error
    assert run.store.get(run.ticket_id).attempts == 1
    assert_sent_once(run, target, run.send(target.config(target.upstream)))


def test_self_signed_certificate_is_kept_failed_until_trusted(target, run, fault_proxy,
                                                             tls_cert):
    proxy = fault_proxy(target.upstream, tls=tls_cert)
    assert_kept_unsent(run, target, run.send(target.config(proxy.url)), "failed")
    assert "certificate not trusted" in run.store.get(run.ticket_id).last_error
    assert proxy.forwarded == []
    trusted = target.config(proxy.url, f'ca_file = "{tls_cert[0]}"\n')
    assert_sent_once(run, target, run.send(trusted))


@pytest.mark.parametrize(("fault", "words", "maybe_sent", "retry_after"), [
    ("hold", "timed out", True, None),
    ("reset", "connection was cut", True, None),
    ("429", "HTTP 429", False, 1.0),
    ("500", "HTTP 500", True, 1.0),
])
def test_backend_classifies_each_fault(target, run, fault_proxy, fault, words, maybe_sent,
                                       retry_after):
    proxy = fault_proxy(target.upstream, hold=target.hold)
    proxy.plan = [fault]
    timeout = SHORT if fault == "hold" else None
    backend = load_backend(write_config(target.config(proxy.url, timeout=timeout)), None)
    with pytest.raises(BackendError) as caught:
        backend.send(run.store.get(run.ticket_id))
    error = caught.value
    assert words in error.message
    assert (error.retryable, getattr(error, "maybe_sent", False), error.retry_after) == (
        True, maybe_sent, retry_after)


def test_email_timeout_after_data_resends_with_the_same_message_id(smtp_server, run):
    controller, handler = smtp_server(RecordingHandler(delays=[4 * SHORT + 4]))
    outcome = run.send(f'default_backend = "mail"\n[backends.mail]\ntype = "email"\n'
                       f'host = "127.0.0.1"\nport = {controller.port}\nsecurity = "none"\n'
                       'from = "me@example.com"\nto = "cs@example.com"\n'
                       f'timeout = {2 * SHORT}\n')
    assert outcome.result == "sent", outcome.message
    ids = {m["Message-ID"] for m in handler.messages}
    assert len(handler.messages) == 2 and len(ids) == 1  # the receiver dedupes by Message-ID
    assert run.store.get(run.ticket_id).remote_id == ids.pop()
