"""The fault matrix of test_faults.py, against the Zendesk model, through the real sender and store.

Every test ends with the ticket filed exactly once (one request, each file attached once,
counted in the model) or kept in the store unsent: never lost, never doubled.  The
FaultProxy takes one planned fault per POST; a send is one POST per attachment (the
upload) and then the request, so ``["", "hold"]`` holds the answer to the request.
The sender's sleep is recorded (and moves the model's clock) instead of sleeping; one
test SIGKILLs a real `tokohelp ticket send` while Zendesk's answer is on its way.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass

import pytest

from tests.backends.builders import write_config
from tests.backends.servers import FaultProxy, free_port
from tests.backends.zendesk_builders import zendesk_config
from tests.zendesk_fixtures import END_USER_TOKEN
from tokohelp.errors import BackendError
from tokohelp.tickets.backends import load_backend
from tokohelp.tickets.sender import Sender, SendPolicy
from tokohelp.tickets.store import CheckedFile, NewTicket, Store

UPLOAD = b"trace line with details\n" * 90_000  # 2.1 MB, so a reset cuts the upload
HOLD = 1.5      # seconds the proxy sits on an answer ...
TIMEOUT = 1     # ... past the backend's timeout


@pytest.fixture(autouse=True)
def token(monkeypatch):
    monkeypatch.setenv("ZD_TOKEN", END_USER_TOKEN)


@dataclass
class Run:
    """A stored ticket with one 2 MB attachment, the model it goes to, and the sleeps."""

    store: Store
    ticket_id: int
    subject: str
    account: object
    sleeps: list[float]

    def send(self, url: str, auth: str = "token", extra: str = "", attempts: int = 4):
        config = zendesk_config(url, auth, f"timeout = {TIMEOUT}\n{extra}")
        backend = load_backend(write_config(config), None)
        sender = Sender(self.store, backend, SendPolicy(attempts=attempts, backoff=0.5),
                        sleep=self._sleep)
        return sender.send(self.ticket_id)

    def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.account.state.advance(seconds)

    @property
    def requests(self) -> list[dict]:
        return self.account.state.with_subject(self.subject)

    @property
    def ticket(self):
        return self.store.get(self.ticket_id)


@pytest.fixture
def run(tmp_path, zendesk):
    upload = tmp_path / "trace.txt"
    upload.write_bytes(UPLOAD)
    store = Store(tmp_path / "store")
    subject = f"Fault test {uuid.uuid4().hex[:10]}"
    ticket = store.create(NewTicket(subject=subject, body="Where is my refund?",
                                    category="refund", email="buyer@example.com"),
                          [CheckedFile(upload, "trace.txt", "text/plain", len(UPLOAD))])
    yield Run(store, ticket.id, subject, zendesk, [])
    store.close()


def assert_sent_once(run: Run, outcome) -> None:
    assert outcome.result == "sent", outcome.message
    assert run.ticket.status == "sent"
    requests = run.requests
    assert len(requests) == 1 and run.ticket.remote_id == str(requests[0]["id"])
    files = run.account.state.files_of(requests[0]["id"])
    assert [(f["file_name"], f["size"]) for f in files] == [("trace.txt", len(UPLOAD))]


def assert_kept_unsent(run: Run, outcome, status: str) -> None:
    assert outcome.result == status, outcome.message
    assert (run.ticket.status, run.ticket.remote_id) == (status, None)
    assert run.ticket.last_error
    assert run.requests == []


def test_server_down_stays_queued_then_sends_once(run, zendesk):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    assert_kept_unsent(run, run.send(url), "queued")
    assert "cannot connect" in run.ticket.last_error
    proxy = FaultProxy(zendesk.url, port).start()
    try:
        assert_sent_once(run, run.send(url))
    finally:
        proxy.stop()


@pytest.mark.parametrize("honour", [True, False])
def test_timeout_after_the_request_was_received_sends_once(run, zendesk, fault_proxy, honour):
    """The look-up finds the request, whether or not Zendesk honours Idempotency-Key here."""
    zendesk.state.honour_idempotency = honour
    proxy = fault_proxy(zendesk.url, hold=HOLD)
    proxy.plan = ["", "hold"]
    assert_sent_once(run, run.send(proxy.url))
    assert proxy.faults_done == ["hold"]
    assert zendesk.state.received("POST", "/api/v2/requests") == 1  # found, not posted again
    assert zendesk.state.received("GET", "/api/v2/requests") == 1
    assert run.ticket.attempts == 2


def test_anonymous_timeout_is_answered_by_the_idempotency_key(run, zendesk, fault_proxy):
    """Anonymous callers cannot list requests; the same body under the same key replays."""
    proxy = fault_proxy(zendesk.url, hold=HOLD)
    proxy.plan = ["", "hold"]
    assert_sent_once(run, run.send(proxy.url, "anonymous"))
    assert zendesk.state.received("POST", "/api/v2/requests") == 2
    assert zendesk.state.received("POST", "/api/v2/uploads") == 1  # same tokens, same body


def test_timeout_during_the_upload_attaches_the_file_once(run, zendesk, fault_proxy):
    proxy = fault_proxy(zendesk.url, hold=HOLD)
    proxy.plan = ["hold"]
    assert_sent_once(run, run.send(proxy.url))
    assert zendesk.state.received("POST", "/api/v2/uploads") == 2  # the held one is orphaned
    assert zendesk.state.received("GET", "/api/v2/requests") == 0  # no request was in doubt


@pytest.mark.parametrize("plan", [["429"], ["", "429"]], ids=["on-upload", "on-request"])
def test_429_retry_after_is_honoured(run, fault_proxy, zendesk, plan):
    proxy = fault_proxy(zendesk.url)
    proxy.plan = plan
    assert_sent_once(run, run.send(proxy.url))
    assert run.sleeps == [1.0]


def test_the_accounts_own_rate_limit_is_waited_out(run, zendesk):
    zendesk.state.rate_limit = 1  # the upload is allowed; the request hits the limit
    outcome = run.send(zendesk.url)
    assert_sent_once(run, outcome)
    assert len(run.sleeps) == 1 and 1 <= run.sleeps[0] <= 60
    assert zendesk.state.received("POST", "/api/v2/uploads") == 1


def test_500_once_on_the_request_then_sent_once(run, zendesk, fault_proxy):
    proxy = fault_proxy(zendesk.url)
    proxy.plan = ["", "500"]
    assert_sent_once(run, run.send(proxy.url))
    assert proxy.faults_done == ["500"]
    assert zendesk.state.received("GET", "/api/v2/requests") == 1  # looked up before re-posting
    assert zendesk.state.received("POST", "/api/v2/uploads") == 1  # its tokens were reused


def test_500_every_time_stays_queued_then_sends_once(run, zendesk, fault_proxy):
    proxy = fault_proxy(zendesk.url)
    proxy.plan = ["", "500", "500", "500"]
    assert_kept_unsent(run, run.send(proxy.url, attempts=3), "queued")
    assert "HTTP 500" in run.ticket.last_error
    assert_sent_once(run, run.send(proxy.url))


@pytest.mark.parametrize("plan", [["reset"], ["", "reset"]], ids=["mid-upload", "on-request"])
def test_connection_reset_sends_once(run, zendesk, fault_proxy, plan):
    proxy = fault_proxy(zendesk.url)
    proxy.plan = plan
    assert_sent_once(run, run.send(proxy.url))
    assert proxy.faults_done == ["reset"]
    assert run.ticket.attempts == 2


def test_https_to_plain_http_server_is_kept_failed(run, zendesk):
    outcome = run.send(zendesk.url.replace("http://", "https://"))
    assert_kept_unsent(run, outcome, "failed")
    assert "does not speak TLS" in run.ticket.last_error
    assert run.ticket.attempts == 1
    assert_sent_once(run, run.send(zendesk.url))


def test_self_signed_certificate_is_kept_failed_until_trusted(run, zendesk, fault_proxy,
                                                             tls_cert):
    proxy = fault_proxy(zendesk.url, tls=tls_cert)
    assert_kept_unsent(run, run.send(proxy.url), "failed")
    assert "certificate not trusted" in run.ticket.last_error
    assert proxy.forwarded == []
    assert_sent_once(run, run.send(proxy.url, extra=f'ca_file = "{tls_cert[0]}"\n'))


def test_validation_error_is_kept_failed_with_zendesks_words(zendesk, tmp_path):
    store = Store(tmp_path / "store")
    ticket = store.create(NewTicket(subject="Bad requester", body="Where is my refund?",
                                    email="no-at-sign"), [])
    outcome = Run(store, ticket.id, "Bad requester", zendesk, []).send(zendesk.url, "anonymous")
    assert outcome.result == "failed", outcome.message
    stored = store.get(ticket.id)
    assert (stored.status, stored.attempts) == ("failed", 1)
    assert stored.last_error.endswith("Zendesk refused the request (HTTP 422): "
                                      "Requester: Email is invalid")
    assert zendesk.state.requests == {}
    store.close()


def test_sigkill_after_zendesk_created_the_request_then_sends_once(zendesk, fault_proxy,
                                                                   tmp_path):
    """A process killed while Zendesk's answer is on its way: the next send finds it."""
    upload = tmp_path / "trace.txt"
    upload.write_bytes(UPLOAD)
    store = Store()  # where the tokohelp processes below look
    ticket = store.create(NewTicket(subject="Killed mid-send", body="Where is my refund?"),
                          [CheckedFile(upload, "trace.txt", "text/plain", len(UPLOAD))])
    store.close()
    proxy = fault_proxy(zendesk.url, hold=60)
    proxy.plan = ["", "hold"]
    write_config(zendesk_config(proxy.url, extra="timeout = 50\n"))
    command = [sys.executable, "-m", "tokohelp", "ticket", "send", str(ticket.id)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not zendesk.state.requests:
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(30)
    write_config(zendesk_config(zendesk.url))
    again = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    [request] = zendesk.state.requests.values()
    store = Store()
    assert (store.get(ticket.id).status, store.get(ticket.id).remote_id) == (
        "sent", str(request["id"]))
    store.close()
    assert zendesk.state.received("POST", "/api/v2/requests") == 1  # found, not posted again
    assert [f["file_name"] for f in zendesk.state.files_of(request["id"])] == ["trace.txt"]


@pytest.mark.parametrize(("plan", "words", "maybe_sent", "retry_after"), [
    (["", "hold"], "timed out", True, None),
    (["reset"], "connection was cut", False, None),
    (["", "reset"], "connection was cut", True, None),
    (["", "429"], "HTTP 429", False, 1.0),
    (["", "500"], "HTTP 500", True, 1.0),
    (["500"], "HTTP 500", False, 1.0),
])
def test_backend_classifies_each_fault(run, zendesk, fault_proxy, plan, words, maybe_sent,
                                       retry_after):
    """Doubt about a request means a look-up first; doubt about an upload does not."""
    proxy = fault_proxy(zendesk.url, hold=HOLD)
    proxy.plan = plan
    config = zendesk_config(proxy.url, extra=f"timeout = {TIMEOUT}\n")
    with pytest.raises(BackendError) as caught:
        load_backend(write_config(config), None).send(run.ticket)
    error = caught.value
    assert words in error.message
    assert (error.retryable, getattr(error, "maybe_sent", False), error.retry_after) == (
        True, maybe_sent, retry_after)
