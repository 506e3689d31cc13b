"""RT rewrites what it stores; look-ups, names and addresses must survive that (issue 13).

Against a real Request Tracker 5: RT cuts ``Subject`` to 200 bytes, rewrites or
drops requestor addresses it cannot parse, and answers HTTP 500 to attachment
names outside ASCII.  Each test shows the ticket is found by its key, filed
once, and carries what the user gave.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from tests.backends.builders import make_ticket, png_bytes, rt_config, write_config
from tokohelp.errors import BackendError
from tokohelp.tickets.backends import load_backend, rt
from tokohelp.tickets.backends.rt import KEY_LINE, byte_prefix, rt_file_name

pytestmark = pytest.mark.rt

EMOJI_SUBJECT = "\U0001f600\U0001f4e6\U0001f69a" * 20 + " paket belum sampai"


@pytest.fixture
def rt_backend(rt_server, monkeypatch):
    monkeypatch.setenv("RT_PASSWORD", rt_server.password)
    return load_backend(write_config(rt_config(rt_server.url)), None)


def file_rt_ticket(rt_server, ticket, **fields) -> str:
    """Create an RT ticket the way tokohelp would, but with fields RT then rewrites."""
    body = {"Queue": "General", "Subject": ticket.subject, "ContentType": "text/plain",
            "Content": rt.content(ticket), **fields}
    response = rt_server.api("POST", "ticket", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_a_subject_rt_cuts_by_bytes_is_still_found(rt_backend, rt_server, tmp_path):
    ticket = make_ticket(tmp_path, subject=EMOJI_SUBJECT)
    assert len(ticket.subject[:60].encode()) > 200  # the old 60-character prefix
    ref = rt_backend.send(ticket)
    stored = rt_server.api("GET", f"ticket/{ref.remote_id}").json()["Subject"]
    assert len(stored.encode()) <= 200 and stored != ticket.subject  # RT did cut it
    assert rt_backend.find_existing(ticket) == ref


@pytest.mark.parametrize("given", ["<x@example.com>", '"q"@example.com', "a,b@example.com",
                                   "x@example.com.", "\u00fcser@example.com"])
def test_a_ticket_whose_requestor_rt_rewrote_or_dropped_is_found(rt_backend, rt_server,
                                                                 tmp_path, given):
    """An older tokohelp sent such addresses; the look-up no longer depends on them."""
    ticket = make_ticket(tmp_path, email=given)
    remote_id = file_rt_ticket(rt_server, ticket, Requestor=given)
    requestors = [r["id"] for r in rt_server.api("GET", f"ticket/{remote_id}").json()
                  ["Requestor"]]
    assert requestors != [given]  # RT rewrote or dropped it
    assert rt_backend.find_existing(ticket).remote_id == remote_id


def test_an_address_no_backend_can_carry_fails_the_ticket_at_once(rt_backend, rt_server,
                                                                  tmp_path):
    ticket = make_ticket(tmp_path, email="a,b@example.com")  # stored by an older version
    with pytest.raises(BackendError) as caught:
        rt_backend.send(ticket)
    assert caught.value.retryable is False and "email address" in caught.value.message
    assert rt_server.tickets_with_subject(ticket.subject) == []


def test_an_idn_address_arrives_as_its_ascii_form(rt_backend, rt_server, tmp_path):
    ticket = make_ticket(tmp_path, email="pembeli@b\u00fccher.de")
    ref = rt_backend.send(ticket)
    data = rt_server.api("GET", f"ticket/{ref.remote_id}").json()
    assert [r["id"] for r in data["Requestor"]] == ["pembeli@xn--bcher-kva.de"]
    assert rt_backend.find_existing(ticket) == ref


def test_the_look_up_is_bounded_by_the_time_the_ticket_was_stored(rt_backend, tmp_path):
    ticket = make_ticket(tmp_path)
    ticket.created = dt.datetime.now(dt.timezone.utc).isoformat()
    ref = rt_backend.send(ticket)
    assert rt_backend.find_existing(ticket) == ref
    later = dataclasses.replace(
        ticket, created=(dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3)).isoformat())
    assert rt_backend.find_existing(later) is None  # created long before that: not a candidate


def test_the_look_up_reads_past_the_first_page_of_candidates(rt_backend, rt_server, tmp_path,
                                                            monkeypatch):
    ticket = make_ticket(tmp_path, subject=f"Paged look-up {tmp_path.name}")
    ref = rt_backend.send(ticket)
    for _ in range(3):  # newer tickets with the same subject push ours to a later page
        file_rt_ticket(rt_server, make_ticket(tmp_path, subject=ticket.subject))
    monkeypatch.setattr(rt, "PAGE", 2)
    assert rt_backend.find_existing(ticket) == ref


NAMES = ["Screenshot 2025-01-20 at 10.15.00\u202fAM.png", "\u00fcn\u00ef\U0001f600.png",
         "\U0001f600.png"]


def test_attachment_names_rt_refuses_are_sent_in_ascii_with_the_original_in_the_body(
        rt_backend, rt_server, tmp_path):
    image = png_bytes()
    ticket = make_ticket(tmp_path, files={name: ("image/png", image) for name in NAMES})
    ref = rt_backend.send(ticket)
    parts = rt_server.api("GET", f"ticket/{ref.remote_id}/attachments",
                          params={"fields": "Filename,Content,ContentType",
                                  "per_page": 100}).json()["items"]
    names = sorted(p["Filename"] for p in parts if p["Filename"])
    assert names == sorted(rt_file_name(n) for n in NAMES)
    assert names == sorted(["Screenshot 2025-01-20 at 10.15.00 AM.png", "uni_.png", "_.png"])
    text = next(p["Content"] for p in parts if not p["Filename"]
                and p["ContentType"] == "text/plain")
    text = text.encode("latin-1").decode("utf-8") if "\u00c3" in text else text
    for name in NAMES:
        assert f"(original name: {name})" in text
    assert KEY_LINE.format(key=ticket.idempotency_key) in text


def test_replies_past_the_first_page_of_history_are_shown(rt_backend, rt_server, tmp_path,
                                                          monkeypatch):
    ref = rt_backend.send(make_ticket(tmp_path))
    for n in range(5):
        rt_server.correspond(ref.remote_id, f"Reply {n}")
    monkeypatch.setattr(rt, "HISTORY_PAGE", 2)
    replies = rt_backend.remote_status(ref.remote_id).replies
    assert [r.text for r in replies] == [f"Reply {n}" for n in range(5)]


def test_byte_prefix_keeps_whole_characters():
    assert byte_prefix("\U0001f600" * 30, 10) == "\U0001f600" * 2
    assert byte_prefix("abc", 60) == "abc"
    assert len(byte_prefix(EMOJI_SUBJECT, rt.SUBJECT_PREFIX_BYTES).encode()) <= 150


@pytest.mark.parametrize(("name", "sent"), [
    ("shot.png", "shot.png"), ("\u00e9t\u00e9.txt", "ete.txt"),
    ("\U0001f600\U0001f600", "attachment"), ("\U0001f600.png", "_.png"),
])
def test_rt_file_name(name, sent):
    assert rt_file_name(name) == sent
