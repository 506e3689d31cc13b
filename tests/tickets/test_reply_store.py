"""Replies in the store and through the outbox: stored first, claimed, sent exactly once."""

from __future__ import annotations

import sqlite3
import stat

import pytest

from tokohelp.errors import BackendError, NotFoundError
from tokohelp.tickets.backends.base import Backend
from tokohelp.tickets.model import RemoteRef
from tokohelp.tickets.reply_sender import ReplySender
from tokohelp.tickets.reply_store import ReplyStore, unseen_tickets
from tokohelp.tickets.sender import SendPolicy
from tokohelp.tickets.store import CheckedFile, NewTicket, Store, new_owner

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def replies(tmp_path):
    store = Store(tmp_path / "data")
    ticket = store.create(NewTicket("Refund late", "It is late.", "refund"), [])
    store.mark_sent(ticket.id, RemoteRef("41"))
    yield ReplyStore(store)
    store.close()


def _png(tmp_path, name="receipt.png") -> CheckedFile:
    path = tmp_path / name
    path.write_bytes(PNG)
    return CheckedFile(path=path, name=name, mime="image/png", size=len(PNG))


class Desk(Backend):
    """A desk that keeps replies by key; ``faults`` are raised by the next attempts."""

    kind = "fake"

    def __init__(self, faults=()):
        super().__init__("desk", {}, None)
        self.replies: dict[str, str] = {}
        self.faults = list(faults)
        self.looked_up = 0

    def send(self, ticket):  # pragma: no cover - tickets are not sent here
        raise AssertionError

    def find_existing(self, ticket):  # pragma: no cover
        raise AssertionError

    def check(self):  # pragma: no cover
        return "ok"

    def describe(self, ticket):  # pragma: no cover
        return {}

    def send_reply(self, ticket, reply):
        fault = self.faults.pop(0) if self.faults else None
        if fault in ("lost-answer", None):
            self.replies.setdefault(reply.idempotency_key, reply.body)
        if fault == "lost-answer":
            err = BackendError("timed out after sending")
            err.maybe_sent = True
            raise err
        if fault == "refused":
            raise BackendError("refused", retryable=False)
        return RemoteRef(f"{ticket.remote_id}/{len(self.replies)}")

    def find_reply(self, ticket, reply):
        self.looked_up += 1
        return RemoteRef(f"{ticket.remote_id}/found") if reply.idempotency_key in \
            self.replies else None


def _sender(replies, desk):
    return ReplySender(replies, desk, SendPolicy(attempts=3, backoff=0), sleep=lambda s: None)


def test_a_reply_is_stored_queued_with_private_attachment_copies(replies, tmp_path):
    reply = replies.create(1, "Here is the receipt.", [_png(tmp_path)])
    again = replies.get(reply.id)
    assert (again.ticket_id, again.body, again.status, again.attempts) == (
        1, "Here is the receipt.", "queued", 0)
    assert again.idempotency_key.startswith("reply-")
    [copy] = again.attachments
    assert copy.name == "receipt.png" and copy.stored_path.read_bytes() == PNG
    assert copy.stored_path != tmp_path / "receipt.png"
    assert stat.S_IMODE(copy.stored_path.stat().st_mode) == 0o600
    assert replies.ids_with_status("queued") == [reply.id]


def test_an_older_store_gains_the_reply_tables_and_keeps_its_tickets(tmp_path):
    store = Store(tmp_path / "old")
    store.create(NewTicket("s", "b"), [])
    store.close()
    store = Store(tmp_path / "old")
    ReplyStore(store)
    ReplyStore(store)  # twice: the migration is idempotent
    names = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master")}
    assert {"replies", "reply_attachments", "thread_seen"} <= names
    assert [t.subject for t in store.tickets()] == ["s"]
    store.close()


def test_unknown_reply_is_not_found(replies):
    with pytest.raises(NotFoundError):
        replies.get(99)


def test_a_claimed_reply_cannot_be_claimed_twice(replies):
    reply = replies.create(1, "x", [])
    assert replies.claim(reply.id, new_owner()) is not None
    assert replies.claim(reply.id, new_owner()) is None  # this process is alive


def test_sent_once_then_skipped(replies):
    desk = Desk()
    reply = replies.create(1, "Here it is.", [])
    first = _sender(replies, desk).send(reply.id)
    second = _sender(replies, desk).send(reply.id)
    assert (first.result, first.ticket_id, second.result) == ("sent", 1, "skipped")
    assert replies.get(reply.id).status == "sent" and len(desk.replies) == 1


def test_an_answer_lost_after_receipt_is_found_not_sent_again(replies):
    desk = Desk(faults=["lost-answer"])
    reply = replies.create(1, "Here it is.", [])
    outcome = _sender(replies, desk).send(reply.id)
    stored = replies.get(reply.id)
    assert outcome.result == "sent" and desk.looked_up == 1
    assert (stored.status, stored.remote_id, stored.attempts) == ("sent", "41/found", 2)
    assert len(desk.replies) == 1


def test_a_refused_reply_is_failed_with_its_error_and_sent_again_later(replies):
    desk = Desk(faults=["refused"])
    reply = replies.create(1, "Here it is.", [])
    outcome = _sender(replies, desk).send(reply.id)
    assert outcome.result == "failed" and "refused" in outcome.message
    assert "tokohelp ticket send 1" in outcome.advice
    assert replies.get(reply.id).last_error == "refused"
    assert _sender(replies, desk).send(reply.id).result == "sent"
    assert len(desk.replies) == 1


def test_an_attempt_cut_short_in_flight_is_looked_up_next_time(replies):
    desk = Desk()
    reply = replies.create(1, "Here it is.", [])
    owner = new_owner()
    replies.claim(reply.id, owner)
    replies.begin_attempt(reply.id, owner, "desk")
    desk.replies[reply.idempotency_key] = "arrived before the crash"
    replies.release(reply.id, owner)  # what Ctrl-C in flight leaves
    outcome = _sender(replies, desk).send(reply.id)
    assert outcome.result == "sent" and desk.looked_up == 1 and len(desk.replies) == 1


def test_new_reply_marks_come_from_what_was_fetched_and_seen(replies):
    store = replies.tickets
    assert unseen_tickets(store) == set()
    replies.record_fetch(1, 2, seen=False)
    assert unseen_tickets(store) == {1}
    replies.record_fetch(1, 2, seen=True)
    assert unseen_tickets(store) == set()
    replies.record_fetch(1, 3, seen=False)
    assert unseen_tickets(store) == {1}


def test_unseen_tickets_of_a_store_without_the_table_is_empty(tmp_path):
    store = Store(tmp_path / "fresh")
    assert unseen_tickets(store) == set()
    store.close()
    with pytest.raises(sqlite3.Error):
        sqlite3.connect(tmp_path / "fresh" / "tickets.db").execute(
            "SELECT * FROM thread_seen")


def test_two_senders_at_once_send_a_reply_once(replies, tmp_path):
    import threading

    class SlowDesk(Desk):
        def send_reply(self, ticket, reply):
            started.set()
            assert release.wait(30)
            return super().send_reply(ticket, reply)

    started, release = threading.Event(), threading.Event()
    desk = SlowDesk()
    reply = replies.create(1, "Only once.", [])
    results = []

    def first_sender():
        own = Store(replies.root)  # its own connection, as a second process has
        results.append(_sender(ReplyStore(own), desk).send(reply.id))
        own.close()

    worker = threading.Thread(target=first_sender)
    worker.start()
    assert started.wait(30)
    second = _sender(replies, desk).send(reply.id)
    release.set()
    worker.join(30)
    assert (results[0].result, second.result) == ("sent", "skipped")
    assert "being sent by another tokohelp process" in second.message
    assert len(desk.replies) == 1
