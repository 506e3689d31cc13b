"""The ticket store: atomic, private, and never hands one ticket to two senders."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tokohelp.errors import BadInputError, NotFoundError, StorageError
from tokohelp.tickets.model import RemoteRef
from tokohelp.tickets.store import (
    CLAIM_STALE_SECONDS,
    CheckedFile,
    NewTicket,
    Store,
    new_owner,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _png(tmp_path: Path, name: str = "shot.png") -> CheckedFile:
    path = tmp_path / name
    path.write_bytes(PNG)
    return CheckedFile(path=path, name=name, mime="image/png", size=len(PNG))


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "data")
    yield store
    store.close()


def test_create_and_get_round_trip(store):
    ticket = store.create(NewTicket("Refund late", "It is late.", "refund", "INV/1",
                                    "me@example.com", "desk"), [])
    again = store.get(ticket.id)
    assert (again.subject, again.body, again.category, again.order_id, again.email,
            again.backend, again.status) == ("Refund late", "It is late.", "refund", "INV/1",
                                             "me@example.com", "desk", "queued")
    assert uuid.UUID(again.idempotency_key).version == 4
    assert again.attempts == 0 and again.remote_id is None and again.created


def test_every_ticket_gets_its_own_idempotency_key(store):
    keys = {store.create(NewTicket("s", "b"), []).idempotency_key for _ in range(5)}
    assert len(keys) == 5


def test_files_and_dirs_are_private(store, tmp_path):
    ticket = store.create(NewTicket("s", "b"), [_png(tmp_path)])
    assert _mode(store.root) == 0o700
    assert _mode(store.path) == 0o600
    copy = ticket.attachments[0].stored_path
    assert _mode(copy.parent) == 0o700 and _mode(copy) == 0o600


def test_attachment_is_a_copy_unaffected_by_the_original(store, tmp_path):
    checked = _png(tmp_path)
    ticket = store.create(NewTicket("s", "b"), [checked])
    checked.path.write_bytes(b"changed")
    checked.path.unlink()
    stored = ticket.attachments[0]
    assert stored.stored_path.read_bytes() == PNG
    assert stored.stored_path.is_relative_to(store.root / "attachments" / str(ticket.id))
    assert (stored.name, stored.mime, stored.size) == ("shot.png", "image/png", len(PNG))


def test_same_base_name_twice_keeps_both_files(store, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _png(tmp_path / "a", "shot.png")
    second = _png(tmp_path / "b", "shot.png")
    ticket = store.create(NewTicket("s", "b"), [first, second])
    paths = {a.stored_path for a in ticket.attachments}
    assert len(paths) == 2 and all(p.exists() for p in paths)


def test_file_changed_after_check_stores_nothing(store, tmp_path):
    checked = _png(tmp_path)
    checked.path.write_bytes(PNG + b"more")
    with pytest.raises(BadInputError, match="changed"):
        store.create(NewTicket("s", "b"), [checked])
    assert store.tickets() == []
    assert list((store.root / "attachments").iterdir()) == []


def test_list_filters_by_status_and_unknown_id_is_not_found(store):
    store.create(NewTicket("one", "b"), [])
    store.create(NewTicket("two", "b"), [], status="draft")
    assert [t.subject for t in store.tickets()] == ["one", "two"]
    assert [t.subject for t in store.tickets("draft")] == ["two"]
    with pytest.raises(NotFoundError, match="no ticket 99"):
        store.get(99)


def test_wal_mode_and_busy_timeout(store):
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_second_claim_fails_while_the_first_holds_it(store):
    ticket = store.create(NewTicket("s", "b"), [])
    first = new_owner()
    assert store.claim(ticket.id, first) is not None
    assert store.claim(ticket.id, new_owner()) is None
    store.release(ticket.id, first)
    assert store.claim(ticket.id, new_owner()) is not None


def test_sent_and_draft_tickets_cannot_be_claimed(store):
    sent = store.create(NewTicket("s", "b"), [])
    owner = new_owner()
    store.claim(sent.id, owner)
    store.mark_sent(sent.id, RemoteRef("R-1", "http://desk/1"))
    draft = store.create(NewTicket("d", "b"), [], status="draft")
    assert store.claim(sent.id, new_owner()) is None
    assert store.claim(draft.id, new_owner()) is None
    assert store.get(sent.id).remote_id == "R-1"


def test_claim_of_a_dead_process_is_taken_over(store):
    ticket = store.create(NewTicket("s", "b"), [])
    store.claim(ticket.id, new_owner())
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    store.db.execute("UPDATE tickets SET claimed_pid = ? WHERE id = ?", (dead.pid, ticket.id))
    assert store.claim(ticket.id, new_owner()) is not None


def test_old_claim_is_taken_over(store):
    ticket = store.create(NewTicket("s", "b"), [])
    store.claim(ticket.id, new_owner())
    store.db.execute("UPDATE tickets SET claimed_at = ? WHERE id = ?",
                     (time.time() - CLAIM_STALE_SECONDS - 1, ticket.id))
    assert store.claim(ticket.id, new_owner()) is not None


def test_attempt_cut_short_by_a_crash_is_treated_as_maybe_sent(store):
    ticket = store.create(NewTicket("s", "b"), [])
    owner = new_owner()
    claim = store.claim(ticket.id, owner)
    assert claim is not None and not claim.maybe_sent
    store.begin_attempt(ticket.id, owner, "desk")
    store.db.execute("UPDATE tickets SET claimed_pid = ? WHERE id = ?",
                     (dead_pid(), ticket.id))
    again = store.claim(ticket.id, new_owner())
    assert again is not None and again.maybe_sent
    assert again.ticket.attempts == 1


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    return dead.pid


def test_old_claim_with_a_pending_request_of_a_live_process_is_never_taken_over(store,
                                                                              monkeypatch):
    """A request still in flight keeps its claim however long it takes (issue 13, item 10)."""
    ticket = store.create(NewTicket("s", "b"), [])
    owner = new_owner()
    store.claim(ticket.id, owner)
    store.begin_attempt(ticket.id, owner, "desk")
    later = time.time() + 10 * CLAIM_STALE_SECONDS
    monkeypatch.setattr(time, "time", lambda: later)  # the request has pended for 2.5 hours
    assert store.claim(ticket.id, new_owner()) is None
    store.attempt_failed(ticket.id, owner, "timed out", maybe_sent=True)
    again = store.claim(ticket.id, new_owner())  # between attempts an old claim may go
    assert again is not None and again.maybe_sent


def test_release_during_an_attempt_keeps_maybe_sent(store):
    """Ctrl-C mid-request releases the claim; the next sender must look the ticket up first."""
    ticket = store.create(NewTicket("s", "b"), [])
    owner = new_owner()
    store.claim(ticket.id, owner)
    store.begin_attempt(ticket.id, owner, "desk")
    store.release(ticket.id, owner, "queued")
    again = store.claim(ticket.id, new_owner())
    assert again is not None and again.maybe_sent


def test_begin_attempt_without_the_claim_is_refused(store):
    ticket = store.create(NewTicket("s", "b"), [])
    store.claim(ticket.id, new_owner())
    with pytest.raises(StorageError, match="took it over"):
        store.begin_attempt(ticket.id, "someone-else", "desk")


def test_store_errors_speak_the_readers_language(store):
    from tokohelp import i18n

    ticket = store.create(NewTicket("s", "b"), [])
    store.claim(ticket.id, new_owner())
    previous = i18n.active_lang()
    i18n.activate("id")
    try:
        with pytest.raises(NotFoundError, match="tidak ada tiket 99") as missing:
            store.get(99)
        assert "tokohelp ticket list" in missing.value.hint
        with pytest.raises(StorageError, match="diambil alih") as taken:
            store.begin_attempt(ticket.id, "someone-else", "desk")
        assert f"tokohelp ticket show {ticket.id}" in taken.value.hint
    finally:
        i18n.activate(previous)


def test_data_dir_that_cannot_be_created_is_a_storage_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError) as err:
        Store(blocker / "data")
    assert str(blocker) in err.value.message


def test_corrupt_database_is_a_storage_error_naming_the_file(tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    (root / "tickets.db").write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StorageError) as err:
        Store(root)
    assert str(root / "tickets.db") in err.value.message


def test_store_defaults_to_the_configured_data_dir(isolated_home):
    store = Store()
    try:
        assert store.path == isolated_home / "data" / "tickets.db"
    finally:
        store.close()


def _claim_worker(root: str, ids: list[int], start, results) -> None:
    """Claim every ticket it can, 'send' it, and report which ones it got."""
    store = Store(Path(root))
    start.wait()
    got = []
    for ticket_id in ids:
        owner = new_owner()
        if store.claim(ticket_id, owner) is None:
            continue
        got.append(ticket_id)
        time.sleep(0.002)  # the "send"
        try:
            store.begin_attempt(ticket_id, owner, "desk")
        except StorageError:
            continue  # the other worker holds it too: the duplicate shows in ``got``
        store.mark_sent(ticket_id, RemoteRef(f"R-{ticket_id}-{os.getpid()}"))
    store.close()
    results.put(got)


def test_two_processes_never_claim_the_same_ticket(tmp_path):
    root = tmp_path / "data"
    store = Store(root)
    ids = [store.create(NewTicket(f"t{i}", "b"), []).id for i in range(50)]
    store.close()
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Barrier(2), ctx.Queue()
    workers = [ctx.Process(target=_claim_worker, args=(str(root), ids, start, results))
               for _ in range(2)]
    for w in workers:
        w.start()
    claimed = [results.get(timeout=60) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    assert sorted(claimed[0] + claimed[1]) == ids
    store = Store(root)
    assert {t.status for t in store.tickets()} == {"sent"}
    store.close()



# -- issue 13: smaller defects ------------------------------------------------------------


def test_a_254_byte_attachment_name_is_stored(store, tmp_path):
    name = "a" * 250 + ".png"
    (tmp_path / "b").mkdir()
    checked = _png(tmp_path, name)
    ticket = store.create(NewTicket("s", "b"), [checked, _png(tmp_path / "b", name)])
    assert [a.name for a in ticket.attachments] == [name, name]
    for attachment in ticket.attachments:
        assert attachment.stored_path.read_bytes() == PNG
        assert len(attachment.stored_path.name.encode()) <= 255
        assert attachment.stored_path.name.endswith(".png")


def test_a_long_multibyte_name_is_cut_on_a_character(store, tmp_path):
    name = "\u00fc" * 125 + ".png"  # 250 + 4 bytes: "1-" makes it 256
    ticket = store.create(NewTicket("s", "b"), [_png(tmp_path, name)])
    stored = ticket.attachments[0].stored_path.name
    assert len(stored.encode()) <= 255 and stored.endswith(".png") and "\ufffd" not in stored


def test_a_same_size_swap_after_the_check_is_refused(store, tmp_path):
    """Checked as a PNG, swapped for an ELF of the same size while the editor was open."""
    checked = _png(tmp_path)
    checked.path.write_bytes(b"\x7fELF\x02\x01\x01" + b"\0" * (len(PNG) - 7))
    assert checked.path.stat().st_size == checked.size
    with pytest.raises(BadInputError, match="changed"):
        store.create(NewTicket("s", "b"), [checked])
    assert store.tickets() == []


def test_a_row_with_a_blob_subject_is_read_as_text(store):
    ticket = store.create(NewTicket("s", "b"), [])
    store.db.execute("UPDATE tickets SET subject = ?, body = ? WHERE id = ?",
                     (b"Refund \xff\xfe", b"body", ticket.id))
    again = store.get(ticket.id)
    assert (again.subject, again.body) == ("Refund \ufffd\ufffd", "body")
    assert [t.subject for t in store.tickets()] == ["Refund \ufffd\ufffd"]


def test_ticket_list_works_on_a_full_disk(isolated_home):
    """Issue 13: with nothing writable, even listing failed (SQLite's -shm file)."""
    from tests.hardening.tools import file_size_limit, run_process

    assert run_process("ticket", "new", "-s", "Refund", "-c", "refund", "-m", "Where?").code == 0
    for wal in (isolated_home / "data").glob("tickets.db-*"):
        wal.unlink()
    out = run_process("ticket", "list", "--json", preexec_fn=file_size_limit(0))
    assert out.code == 0, out.output
    assert '"subject": "Refund"' in out.stdout
    new = run_process("ticket", "new", "-s", "Again", "-c", "refund", "-m", "Where?",
                      preexec_fn=file_size_limit(0))
    assert new.code == 7 and "Traceback" not in new.output  # writing still fails cleanly


def test_a_frozen_view_is_refused_while_the_journal_holds_changes(tmp_path):
    store = Store(tmp_path / "data")
    store.create(NewTicket("s", "b"), [])
    wal = store.path.with_name("tickets.db-wal")
    assert wal.stat().st_size > 0  # the connection is open: changes sit in the journal
    with pytest.raises(sqlite3.OperationalError, match="journal"):
        store._connect_frozen()
    store.close()


def _in_flight_claim(store: Store, pid: int, at: float) -> int:
    ticket = store.create(NewTicket("s", "b"), [])
    owner = new_owner()
    store.claim(ticket.id, owner)
    store.begin_attempt(ticket.id, owner, "desk")
    store.db.execute("UPDATE tickets SET claimed_pid = ?, claimed_at = ? WHERE id = ?",
                     (pid, at, ticket.id))
    return ticket.id


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="Linux /proc")
def test_an_in_flight_claim_of_a_reused_pid_or_a_zombie_is_taken_over(store):
    """Never taking a live holder's claim must not let a reused pid block a ticket."""
    started = Path(f"/proc/{os.getpid()}").stat().st_ctime
    reused = _in_flight_claim(store, os.getpid(), started - 3600)  # claimed before we began
    assert store.claim(reused, new_owner()) is not None
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    while Path(f"/proc/{zombie.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
        time.sleep(0.01)  # ended, not reaped yet
    try:
        held = _in_flight_claim(store, zombie.pid, time.time())
        assert store.claim(held, new_owner()) is not None
    finally:
        zombie.wait()
    live = _in_flight_claim(store, os.getpid(), time.time())
    assert store.claim(live, new_owner()) is None  # our own live, pending request


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_journal_files_left_read_only_are_made_writable_again(tmp_path):
    """Issue 13: after a read-only period tickets.db-shm stayed read-only for good."""
    Store(tmp_path / "data").close()
    for suffix in ("-wal", "-shm"):
        journal = tmp_path / "data" / f"tickets.db{suffix}"
        journal.write_bytes(b"")
        journal.chmod(0o400)
    store = Store(tmp_path / "data")
    store.create(NewTicket("s", "b"), [])
    assert {_mode(p) for p in (tmp_path / "data").glob("tickets.db*")} == {0o600}
    store.close()
