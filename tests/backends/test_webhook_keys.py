"""A webhook must tie every found record to the key (issue 13, item 2; garbage ids).

A server that answers any GET with ``200 {"id": "LIST"}`` once made tokohelp record
a ticket that was never created, and ``config check`` said ok.  Now the look-up
accepts a record only when it echoes the key or the server answers 404 for a key
nobody used; otherwise the ticket is ``failed`` with the reason, never ``sent``.
"""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.backends.builders import http_config, make_ticket, write_config
from tests.backends.servers import DripServer, json_reply
from tokohelp.errors import BackendError
from tokohelp.tickets import service
from tokohelp.tickets.backends import load_backend
from tokohelp.tickets.sender import Sender, SendPolicy
from tokohelp.tickets.store import NewTicket, Store


@pytest.fixture
def token(monkeypatch):
    monkeypatch.setenv("DESK_TOKEN", "desk-token")


@pytest.fixture
def found_everything():
    server = DripServer("found").start()
    yield server
    server.stop()


def backend_for(url: str):
    return load_backend(write_config(http_config(url)), None)


def test_config_check_fails_when_its_probe_key_is_found(found_everything, token):
    with pytest.raises(BackendError) as caught:
        backend_for(found_everything.url).check()
    assert "ignores the idempotency key" in caught.value.message
    assert caught.value.retryable is False


def test_config_check_cli_fails_for_such_a_server(found_everything, token):
    write_config(http_config(found_everything.url))
    checks = service.check_backends()
    assert [(c.ok, "ignores the idempotency key" in c.detail) for c in checks] == [(False, True)]


def test_find_existing_never_accepts_a_record_it_cannot_tie_to_the_key(found_everything, token,
                                                                        tmp_path):
    with pytest.raises(BackendError) as caught:
        backend_for(found_everything.url).find_existing(make_ticket(tmp_path))
    assert caught.value.retryable is False


def test_a_maybe_sent_ticket_is_failed_not_marked_sent_as_list(found_everything, token,
                                                              tmp_path):
    store = Store(tmp_path / "store")
    ticket = store.create(NewTicket("Refund", "Where is it?"), [])
    store.db.execute("UPDATE tickets SET maybe_sent = 1 WHERE id = ?", (ticket.id,))
    outcome = Sender(store, backend_for(found_everything.url), SendPolicy(),
                     sleep=lambda _s: None).send(ticket.id)
    stored = store.get(ticket.id)
    assert (outcome.result, stored.status, stored.remote_id) == ("failed", "failed", None)
    assert "ignores the idempotency key" in stored.last_error


def test_the_contract_server_passes_the_cross_check(desk_server, token, tmp_path):
    backend = backend_for(desk_server.url)
    ticket = make_ticket(tmp_path)
    assert backend.find_existing(ticket) is None
    ref = backend.send(ticket)
    assert backend.find_existing(ticket) == ref
    assert "answers" in backend.check()


class ScriptedDesk(BaseHTTPRequestHandler):
    """Answers every POST with ``post`` and every look-up with ``lookup`` (class attributes)."""

    post: object = None
    lookup: dict | None = None

    def log_message(self, *args: object) -> None:
        """Quiet."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps(type(self).post).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        key = parse_qs(urlsplit(self.path).query).get("idempotency_key", [""])[0]
        found = type(self).lookup
        if found is None or key.startswith("tokohelp-unused-"):
            json_reply(self, 404, {"error": "no such key"})
        else:
            json_reply(self, 200, {**found, "idempotency_key": found.get("key", key)})


@pytest.fixture
def scripted():
    ScriptedDesk.post, ScriptedDesk.lookup = None, None
    server = ThreadingHTTPServer(("127.0.0.1", 0), ScriptedDesk)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tickets"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("garbage", [[1, 2], True, {"a": 1}, None, "", "  ", 1.5])
def test_garbage_ids_are_not_a_ticket(scripted, token, tmp_path, garbage):
    ScriptedDesk.post = {"id": garbage, "url": "http://x/1"}
    with pytest.raises(BackendError) as caught:
        backend_for(scripted).send(make_ticket(tmp_path))
    assert "without a ticket id" in caught.value.message
    assert getattr(caught.value, "maybe_sent", False)  # then the look-up decides


@pytest.mark.parametrize(("given", "kept"), [("T-7", "T-7"), (42, "42")])
def test_text_and_number_ids_are_kept_as_text(scripted, token, tmp_path, given, kept):
    ScriptedDesk.post = {"id": given}
    assert backend_for(scripted).send(make_ticket(tmp_path)).remote_id == kept


def test_an_echoed_key_must_be_the_ticket_s_key(scripted, token, tmp_path):
    ticket = make_ticket(tmp_path)
    ScriptedDesk.lookup = {"id": "T-9", "key": str(uuid.uuid4())}  # someone else's ticket
    with pytest.raises(BackendError, match="ignores the idempotency key"):
        backend_for(scripted).find_existing(ticket)
    ScriptedDesk.lookup = {"id": "T-9"}  # echoes the key it was asked for
    assert backend_for(scripted).find_existing(ticket).remote_id == "T-9"
