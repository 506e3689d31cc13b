"""The rt backend against a real Request Tracker 5 on 127.0.0.1."""

from __future__ import annotations

import pytest

from tests.backends.builders import make_ticket, png_bytes, rt_config, write_config
from tokohelp.errors import BackendError
from tokohelp.tickets.backends import load_backend

pytestmark = pytest.mark.rt


@pytest.fixture
def rt_backend(rt_server, monkeypatch):
    monkeypatch.setenv("RT_PASSWORD", rt_server.password)
    return load_backend(write_config(rt_config(rt_server.url)), None)


def attachment_parts(rt_server, remote_id):
    fields = "Content,ContentType,Filename"
    data = rt_server.api("GET", f"ticket/{remote_id}/attachments",
                         params={"fields": fields, "per_page": 100}).json()
    return {p["Filename"]: p for p in data["items"] if p["Filename"]}


def test_send_creates_ticket_with_attachments(rt_backend, rt_server, tmp_path):
    image = png_bytes()
    ticket = make_ticket(tmp_path, email="buyer@example.com",
                         files={"shot.png": ("image/png", image),
                                "notes.txt": ("text/plain", b"order INV/123\n")})
    ref = rt_backend.send(ticket)
    data = rt_server.api("GET", f"ticket/{ref.remote_id}").json()
    assert data["Subject"] == ticket.subject
    assert [r["id"] for r in data["Requestor"]] == ["buyer@example.com"]
    assert ref.url == f"{rt_server.url}/Ticket/Display.html?id={ref.remote_id}"
    parts = attachment_parts(rt_server, ref.remote_id)
    assert parts["shot.png"]["ContentType"] == "image/png"
    assert parts["shot.png"]["Content"].encode("latin-1") == image  # REST2 sends raw bytes
    assert parts["notes.txt"]["Content"] == "order INV/123\n"


def test_status_and_replies(rt_backend, rt_server, tmp_path):
    ref = rt_backend.send(make_ticket(tmp_path))
    status = rt_backend.remote_status(ref.remote_id)
    assert (status.status, status.desk_status) == ("open", "new")
    rt_server.correspond(ref.remote_id, "We have refunded your order.")
    status = rt_backend.remote_status(ref.remote_id)
    assert status.status == "open"
    assert [(r.author, r.text) for r in status.replies] == [
        ("root", "We have refunded your order.")]


def test_find_existing_finds_only_the_ticket_with_our_key(rt_backend, tmp_path):
    ticket = make_ticket(tmp_path, email="buyer@example.com")
    twin = make_ticket(tmp_path, subject=ticket.subject, email="buyer@example.com")
    assert rt_backend.find_existing(ticket) is None
    ref = rt_backend.send(ticket)
    assert rt_backend.find_existing(ticket) == ref
    assert rt_backend.find_existing(twin) is None


def test_find_existing_with_quotes_and_no_requestor(rt_backend, tmp_path):
    ticket = make_ticket(tmp_path, subject="It's 100% _broken_ \\ again")
    ref = rt_backend.send(ticket)
    assert rt_backend.find_existing(ticket) == ref


def test_bad_password_is_final_and_never_shown(rt_server, monkeypatch, tmp_path):
    monkeypatch.setenv("RT_PASSWORD", "s3cret-wrong-pw")
    backend = load_backend(write_config(rt_config(rt_server.url)), None)
    with pytest.raises(BackendError) as caught:
        backend.send(make_ticket(tmp_path))
    assert caught.value.retryable is False
    assert "401" in caught.value.message
    assert "s3cret-wrong-pw" not in str(caught.value)


def test_check_reports_queue_and_user(rt_backend, rt_server):
    assert rt_backend.check() == (f"RT at {rt_server.url}: queue 'General' reachable as root")


def test_check_unknown_queue_fails(rt_server, monkeypatch):
    monkeypatch.setenv("RT_PASSWORD", rt_server.password)
    config = write_config(rt_config(rt_server.url).replace('"General"', '"Nope"'))
    with pytest.raises(BackendError) as caught:
        load_backend(config, None).check()
    assert caught.value.retryable is False


def test_describe_masks_the_password(rt_backend, tmp_path):
    ticket = make_ticket(tmp_path, files={"shot.png": ("image/png", png_bytes())})
    described = rt_backend.describe(ticket)
    assert described["headers"]["Authorization"] == "****"
    assert "password" not in repr(described)
    assert described["json"]["Attachments"][0]["FileContent"].startswith("<")
    assert f"tokohelp-id: {ticket.idempotency_key}" in described["json"]["Content"]
