"""The http backend against a real server implementing the documented contract."""

from __future__ import annotations

import pytest

from tests.backends.builders import http_config, make_ticket, png_bytes, write_config
from tokohelp.errors import BackendError, ConfigError
from tokohelp.tickets.backends import load_backend

FILES = {"shot.png": ("image/png", png_bytes()), "log.txt": ("text/plain", b"error 42\n")}


@pytest.fixture
def token(monkeypatch):
    monkeypatch.setenv("DESK_TOKEN", "desk-token")


def backend_for(url, mode="base64", extra=""):
    return load_backend(write_config(http_config(url, mode=mode, extra=extra)), None)


@pytest.mark.parametrize("mode", ["base64", "multipart"])
def test_send_delivers_ticket_and_files(desk_server, token, tmp_path, mode):
    ticket = make_ticket(tmp_path, email="buyer@example.com", files=FILES)
    ref = backend_for(desk_server.url, mode).send(ticket)
    stored = desk_server.state.tickets[ref.remote_id]
    assert ref.url == f"{desk_server.base}/desk/{ref.remote_id}"
    assert (stored["subject"], stored["body"], stored["email"], stored["order_id"]) == (
        ticket.subject, ticket.body, "buyer@example.com", "INV/123")
    assert [(f["name"], f["mime"], f["data"]) for f in stored["files"]] == [
        (name, mime, data) for name, (mime, data) in FILES.items()]
    assert [a["size"] for a in stored["attachments"]] == [len(d) for _, d in FILES.values()]


def test_headers_carry_key_token_and_custom_headers(desk_server, token, tmp_path):
    ticket = make_ticket(tmp_path)
    backend_for(desk_server.url, extra='headers = { X-Shop = "toko-42" }\n').send(ticket)
    headers = desk_server.state.requests[-1]["headers"]
    assert headers["Idempotency-Key"] == ticket.idempotency_key
    assert headers["Authorization"] == "Bearer desk-token"
    assert headers["X-Shop"] == "toko-42"


def test_repeated_send_returns_the_same_ticket(desk_server, token, tmp_path):
    backend = backend_for(desk_server.url)
    ticket = make_ticket(tmp_path)
    assert backend.send(ticket) == backend.send(ticket)
    assert len(desk_server.state.tickets) == 1


def test_find_existing_by_key(desk_server, token, tmp_path):
    backend = backend_for(desk_server.url)
    ticket = make_ticket(tmp_path)
    assert backend.find_existing(ticket) is None
    ref = backend.send(ticket)
    assert backend.find_existing(ticket) == ref


def test_remote_status_and_replies(desk_server, token, tmp_path):
    backend = backend_for(desk_server.url)
    ref = backend.send(make_ticket(tmp_path))
    stored = desk_server.state.tickets[ref.remote_id]
    stored["status"] = "answered"
    stored["replies"].append({"author": "cs", "created": "2025-01-02", "text": "Refunded."})
    status = backend.remote_status(ref.remote_id)
    assert (status.status, [(r.author, r.text) for r in status.replies]) == (
        "answered", [("cs", "Refunded.")])


def test_wrong_token_is_final_and_never_shown(desk_server, monkeypatch, tmp_path):
    monkeypatch.setenv("DESK_TOKEN", "not-the-token")
    with pytest.raises(BackendError) as caught:
        backend_for(desk_server.url).send(make_ticket(tmp_path))
    assert (caught.value.retryable, "401" in caught.value.message) == (False, True)
    assert "not-the-token" not in str(caught.value)


def test_check_and_describe(desk_server, token, tmp_path):
    backend = backend_for(desk_server.url, "multipart")
    assert backend.check() == f"webhook at {desk_server.url} answers with a bearer token"
    described = backend.describe(make_ticket(tmp_path, files=FILES))
    assert described["headers"]["Authorization"] == "****"
    assert described["multipart"]["attachment"] == ["shot.png", "log.txt"]
    assert "desk-token" not in repr(described)
    assert desk_server.state.tickets == {}


def test_unset_token_variable_is_named(desk_server, monkeypatch):
    monkeypatch.delenv("DESK_TOKEN", raising=False)
    with pytest.raises(ConfigError) as caught:
        backend_for(desk_server.url)
    assert "DESK_TOKEN" in caught.value.message
    assert ":5: key 'backends.desk.token_env'" in caught.value.message


def test_plain_http_elsewhere_needs_explicit_permission(token):
    with pytest.raises(ConfigError) as caught:
        backend_for("http://desk.example.com/tickets")
    assert "allow_insecure_http" in caught.value.message
    backend = backend_for("http://desk.example.com/tickets", extra="allow_insecure_http = true\n")
    assert backend.settings["url"] == "http://desk.example.com/tickets"
