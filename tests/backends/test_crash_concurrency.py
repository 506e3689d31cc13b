"""Crash safety, concurrency and load of ``tokohelp ticket send`` against a real RT 5.

Every test runs real ``python -m tokohelp`` processes over a store in tmp_path
and then counts on the RT server, by idempotency key (the ``tokohelp-id`` line
of each ticket's Create transaction), so a lost or doubled ticket fails the
test whatever the local store believes.

Kills are SIGKILL, so no cleanup code runs (plus one Ctrl-C, where it does).
A proxy in front of RT makes the dangerous points deterministic: it holds a
POST mid-upload or after RT has created the ticket until the process is dead,
and the test holds the store's write lock so a process that already has RT's
answer cannot record it.  Ten more kills come at seeded random delays.

Before the recovery run the proxy must be idle.  A request that reached the
server is still processed after its client died, and no client can know about
a ticket the server has not finished creating; "exactly once" is defined for a
recovery that starts after the server has answered what it received.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.backends.builders import rt_config
from tests.backends.servers import FaultHandler, FaultProxy, RTServer
from tokohelp.tickets.model import Ticket
from tokohelp.tickets.sender import SendPolicy
from tokohelp.tickets.store import CheckedFile, NewTicket, Store

pytestmark = pytest.mark.rt

ROOT = Path(__file__).resolve().parents[2]
LOAD_RESULT = ROOT / "bench" / "out" / "load-500.json"
GATES = ("upload", "answer")   # where a planned POST stops until the test says go
PEEK = 64 * 1024               # bytes of the body read before the upload gate
KEY_LINE = re.compile(r"^tokohelp-id: (\S+)$", re.MULTILINE)
SUBJECTS = ("Refund not received", "It's 100% \"paid\" twice_ again",
            "Pesanan belum sampai \u2014 d\u00fcn\u00ffa", "Refund not received")
# Issue 13: subjects RT cuts by bytes or that look encoded, and the addresses RT used to
# rewrite, as ``ticket new`` stores them now (IDN domains in ASCII form).
EMOJI_SUBJECTS = ("\U0001f600\U0001f4e6\U0001f69a" * 20 + " paket belum sampai",
                  "Screenshot 2025-01-20 at 10.15.00\u202fAM \u2014 refund \U0001f62d",
                  "=?utf-8?q?Refund_not_received?= \u00fcn\u00ef",
                  "  \U0001f4b8 dana refund blm masuk  ")
PROBLEM_EMAILS = ("pembeli.{tag}@b\u00fccher.de", "Buyer.{tag}@Example.COM",
                  "o'brien+{tag}@toko.co.id", "{tag}@sub.xn--bcher-kva.de")
INPUTS = {"ascii": (SUBJECTS, ("Buyer.{tag}@Example.COM",)),
          "emoji": (EMOJI_SUBJECTS, PROBLEM_EMAILS)}


# -- a proxy that stops a POST where the test wants to kill ----------------------------------


class GateHandler(FaultHandler):
    """Planned gates stop the POST there; any other plan entry behaves as in FaultHandler."""

    server: GateProxy

    def do_POST(self) -> None:
        gate = self.server.next_fault()
        if gate not in GATES:
            self._forward(gate)
            return
        body = self._receive(gate)
        if body is None:
            self.server.truncated += 1
            return
        status, headers, data = self._upstream(body)
        if gate == "answer":
            self.server.pause(gate)
        self._answer(status, headers, data)
        self.server.answered.set()

    def _receive(self, gate: str) -> bytes | None:
        """The whole body, or None when the client died mid-upload (a server drops that)."""
        length = int(self.headers.get("Content-Length", 0))
        try:
            body = self.rfile.read(min(length, PEEK))
            if gate == "upload":
                self.server.pause(gate)
            body += self.rfile.read(length - len(body))
        except OSError:
            return None
        return body if len(body) == length else None


class GateProxy(FaultProxy):
    """A FaultProxy with gates that also knows when no connection is open any more."""

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self.RequestHandlerClass = GateHandler
        self.reached = {gate: threading.Event() for gate in GATES}
        self.go = threading.Event()
        self.answered = threading.Event()
        self.truncated = 0
        self.open = 0
        self._count = threading.Lock()

    def pause(self, gate: str) -> None:
        self.reached[gate].set()
        self.go.wait(60)

    def wait_for(self, gate: str) -> None:
        assert self.reached[gate].wait(60), f"no POST reached the {gate} gate"

    def posts(self) -> int:
        """POSTs that reached RT."""
        return self.forwarded.count("POST")

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._count:
            self.open += 1
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._count:
                self.open -= 1

    def settle(self, quiet: float = 0.5, timeout: float = 90) -> None:
        """Wait until no connection was open for ``quiet`` seconds: RT answered all it got."""
        deadline = time.monotonic() + timeout
        calm = time.monotonic()
        while time.monotonic() < deadline:
            if self.open:
                calm = time.monotonic()
            elif time.monotonic() - calm >= quiet:
                return
            time.sleep(0.05)
        raise AssertionError(f"the proxy still has {self.open} open connection(s)")


@pytest.fixture
def gate_proxy(rt_server):
    proxy = GateProxy(rt_server.url).start()
    yield proxy
    proxy.go.set()
    proxy.stop()


# -- counting on RT ------------------------------------------------------------------------


def rt_search(rt: RTServer, collection: str, query: list[dict], fields: str) -> list[dict]:
    """Every item of a REST2 JSON search, all pages."""
    items: list[dict] = []
    page = 1
    while True:
        response = rt.api("POST", collection, json=query,
                          params={"fields": fields, "per_page": 100, "page": page})
        response.raise_for_status()
        data = response.json()
        items += data["items"]
        if not data["items"] or len(items) >= int(data.get("total") or 0):
            return items
        page += 1


def latest_ticket_id(rt: RTServer) -> int:
    data = rt.api("GET", "tickets", params={"query": "id > 0", "orderby": "id",
                                            "order": "DESC", "per_page": 1}).json()
    return int(data["items"][0]["id"]) if data["items"] else 0


def rt_tickets_by_key(rt: RTServer, since: int) -> tuple[dict[str, set[str]], set[str]]:
    """(key -> RT tickets whose Create transaction carries it, every RT ticket after ``since``)."""
    creates = {str(t["id"]): str(t["ObjectId"]) for t in rt_search(
        rt, "transactions", [{"field": "Type", "value": "Create"},
                             {"field": "ObjectType", "value": "RT::Ticket"},
                             {"field": "ObjectId", "operator": ">", "value": since}], "ObjectId")}
    found: dict[str, set[str]] = defaultdict(set)
    if not creates:
        return found, set()
    parts = rt_search(rt, "attachments", [
        {"field": "ContentType", "value": "text/plain"},
        {"field": "TransactionId", "operator": ">=", "value": min(int(t) for t in creates)}],
        "TransactionId,Filename,Content")
    for part in parts:
        ticket = creates.get(str(part["TransactionId"]))
        if ticket and not part.get("Filename"):
            for key in KEY_LINE.findall(part.get("Content") or ""):
                found[key].add(ticket)
    return found, set(creates.values())


# -- the local side --------------------------------------------------------------------------


@dataclass
class Tally:
    """What the RT server holds for the local tickets."""

    tickets: int
    found: dict[str, set[str]]
    lost: list[int] = field(default_factory=list)
    duplicates: int = 0
    strays: int = 0
    attempts: Counter = field(default_factory=Counter)


@dataclass
class Desk:
    """One local store, a config pointing at RT (directly or via a proxy) and RT counting."""

    rt: RTServer
    since: int
    tag: str
    subjects: tuple[str, ...] = SUBJECTS
    emails: tuple[str, ...] = ("Buyer.{tag}@Example.COM",)
    attachment_name: str = "trace.txt"

    def use(self, inputs: str) -> None:
        """Switch to the plain or the issue-13 subjects, addresses and file names."""
        self.subjects, self.emails = INPUTS[inputs]
        if inputs == "emoji":
            self.attachment_name = "\u00fcn\u00ef\U0001f600 trace\u202f.txt"

    @property
    def db(self) -> Path:
        return Path(os.environ["TOKOHELP_DATA_DIR"]) / "tickets.db"

    def configure(self, url: str) -> None:
        config = Path(os.environ["TOKOHELP_CONFIG"])
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(rt_config(url, extra="timeout = 60\n"), encoding="utf-8")

    def queue(self, count: int, files: list[CheckedFile] | None = None) -> list[Ticket]:
        """``count`` queued tickets, as ``ticket new`` without a backend leaves them."""
        store = Store()
        try:
            return [store.create(self._new(n), files or []) for n in range(count)]
        finally:
            store.close()

    def _new(self, n: int) -> NewTicket:
        from tokohelp.tickets.addresses import normalise_email

        email = self.emails[n % len(self.emails)].format(tag=self.tag)
        return NewTicket(subject=f"{self.subjects[n % len(self.subjects)]} [{self.tag}]",
                         body=f"Ticket {n} of run {self.tag}.\nOrder INV/{n} was paid.",
                         category="refund", order_id=f"INV/{n}",
                         email=normalise_email(email))

    def start(self, *args: str, **env: str) -> subprocess.Popen:
        """A ``tokohelp`` process; its output goes nowhere (it may be killed)."""
        return subprocess.Popen([sys.executable, "-m", "tokohelp", *args],
                                env={**os.environ, **env}, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def send_all(self, timeout: float = 600, **env: str) -> tuple[list[dict], str]:
        """``ticket send --all --json`` to the end: (outcomes, stderr); it must succeed."""
        done = subprocess.run([sys.executable, "-m", "tokohelp", "ticket", "send", "--all",
                               "--json"], env={**os.environ, **env}, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout, check=False)
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        return json.loads(done.stdout), done.stderr

    def rows(self) -> list[tuple]:
        """The store's own columns, claims and flags included."""
        with contextlib.closing(sqlite3.connect(self.db)) as db:
            return db.execute("SELECT id, status, remote_id, idempotency_key, attempts,"
                              " in_flight, maybe_sent, claimed_by FROM tickets ORDER BY id"
                              ).fetchall()

    def tally(self) -> Tally:
        """Compare every local ticket with what RT holds, by key."""
        found, created = rt_tickets_by_key(self.rt, self.since)
        rows = self.rows()
        tally = Tally(len(rows), found)
        ours: set[str] = set()
        for ticket_id, _status, _remote, key, attempts, *_ in rows:
            tally.attempts[attempts] += 1
            ours |= found.get(key, set())
            if not found.get(key):
                tally.lost.append(ticket_id)
            tally.duplicates += max(0, len(found.get(key, ())) - 1)
        tally.strays = len(created - ours)
        return tally

    def assert_exactly_once(self, max_attempts: int | None = None) -> Tally:
        """Each local ticket sent once, recorded as the one RT ticket with its key, no claim."""
        tally = self.tally()
        print(f"tickets {tally.tickets}, lost {len(tally.lost)}, duplicates "
              f"{tally.duplicates}, strays {tally.strays}, attempts {dict(tally.attempts)}")
        assert (tally.lost, tally.duplicates, tally.strays) == ([], 0, 0)
        for ticket_id, status, remote_id, key, attempts, in_flight, maybe, owner in self.rows():
            assert (status, tally.found[key]) == ("sent", {remote_id}), ticket_id
            assert (in_flight, maybe, owner) == (0, 0, None), ticket_id
            assert 1 <= attempts <= (max_attempts or attempts), ticket_id
        return tally


@pytest.fixture
def desk(rt_server, monkeypatch):
    monkeypatch.setenv("RT_PASSWORD", rt_server.password)
    desk = Desk(rt_server, latest_ticket_id(rt_server), uuid.uuid4().hex[:8])
    desk.configure(rt_server.url)
    return desk


@contextlib.contextmanager
def store_write_lock(path: Path) -> Iterator[None]:
    """Hold the store's write lock: a tokohelp process waits at its next write."""
    db = sqlite3.connect(path, isolation_level=None, timeout=30)
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        db.execute("ROLLBACK")
        db.close()


def kill(process: subprocess.Popen) -> bool:
    """SIGKILL and reap (a zombie would still look alive); True when it was still running."""
    process.send_signal(signal.SIGKILL)
    return process.wait(30) == -signal.SIGKILL


def status_of(desk: Desk) -> list[tuple[str, int, int]]:
    """(status, in_flight, maybe_sent) of each local ticket."""
    return [(row[1], row[5], row[6]) for row in desk.rows()]


# -- crash safety: deterministic kill points ------------------------------------------------


def kill_waiting_for_store(desk: Desk, proxy: GateProxy) -> None:
    """Before the claim: the process waits for the store's write lock and dies there."""
    desk.queue(1)
    with store_write_lock(desk.db):
        process = desk.start("ticket", "send", "--all")
        time.sleep(1.0)
        assert kill(process)
    assert (proxy.forwarded, status_of(desk)) == ([], [("queued", 0, 0)])


def kill_mid_upload(desk: Desk, proxy: GateProxy) -> None:
    """While the body (a 3 MB attachment) is being uploaded: RT never gets all of it."""
    trace = Path(os.environ["TOKOHELP_HOME"]) / "trace.txt"
    trace.write_bytes(b"app trace line with details\n" * 110_000)
    desk.queue(1, [CheckedFile(trace, desk.attachment_name, "text/plain",
                               trace.stat().st_size)])
    proxy.plan = ["upload"]
    process = desk.start("ticket", "send", "--all")
    proxy.wait_for("upload")
    assert kill(process)
    proxy.go.set()
    proxy.settle()
    assert (proxy.truncated, proxy.posts(), status_of(desk)) == (1, 0, [("queued", 1, 0)])


def kill_after_rt_created(desk: Desk, proxy: GateProxy) -> None:
    """RT created the ticket; its answer is held at the proxy when the process dies."""
    desk.queue(1)
    proxy.plan = ["answer"]
    process = desk.start("ticket", "send", "--all")
    proxy.wait_for("answer")
    assert kill(process)
    proxy.go.set()
    proxy.settle()
    assert (proxy.posts(), status_of(desk)) == (1, [("queued", 1, 0)])


def kill_before_store_update(desk: Desk, proxy: GateProxy) -> None:
    """The process has RT's answer but waits for the store lock to record it, and dies."""
    desk.queue(1)
    proxy.plan = ["answer"]
    process = desk.start("ticket", "send", "--all")
    proxy.wait_for("answer")
    with store_write_lock(desk.db):
        proxy.go.set()
        assert proxy.answered.wait(30)
        time.sleep(0.5)
        assert kill(process)
    proxy.settle()
    assert (proxy.posts(), status_of(desk)) == (1, [("queued", 1, 0)])


def kill_second_of_three(desk: Desk, proxy: GateProxy) -> None:
    """``send --all`` over three tickets dies after RT created the second one."""
    desk.queue(3)
    proxy.plan = ["pass", "answer"]
    process = desk.start("ticket", "send", "--all")
    proxy.wait_for("answer")
    assert kill(process)
    proxy.go.set()
    proxy.settle()
    assert proxy.posts() == 2
    assert status_of(desk) == [("sent", 0, 0), ("queued", 1, 0), ("queued", 0, 0)]


def interrupt_after_rt_created(desk: Desk, proxy: GateProxy) -> None:
    """Ctrl-C (SIGINT, so Python unwinds) while RT's answer is held: the outcome is unknown."""
    desk.queue(1)
    proxy.plan = ["answer"]
    process = desk.start("ticket", "send", "--all")
    proxy.wait_for("answer")
    process.send_signal(signal.SIGINT)
    assert process.wait(30) != 0
    proxy.go.set()
    proxy.settle()
    assert (proxy.posts(), status_of(desk)) == (1, [("queued", 0, 1)])


KILL_POINTS = {"waiting-for-store": kill_waiting_for_store, "mid-upload": kill_mid_upload,
               "rt-created-answer-held": kill_after_rt_created,
               "answered-store-not-updated": kill_before_store_update,
               "second-of-three": kill_second_of_three,
               "ctrl-c-rt-created": interrupt_after_rt_created}


@pytest.mark.parametrize("inputs", list(INPUTS))
@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_kill_at_point_then_send_all_sends_each_once(point, inputs, desk, gate_proxy):
    desk.use(inputs)
    desk.configure(gate_proxy.url)
    KILL_POINTS[point](desk, gate_proxy)
    at_rt = gate_proxy.posts()
    outcomes, _ = desk.send_all()
    assert all(o["result"] == "sent" for o in outcomes), outcomes
    tally = desk.assert_exactly_once()
    assert gate_proxy.posts() == tally.tickets, "a ticket RT already had was POSTed again"
    print(f"kill point {point}: {at_rt} of {tally.tickets} at RT before recovery")


# -- crash safety: kills at random short delays -----------------------------------------------


RANDOM_KILLS = 10
RANDOM_SEED = 6
RANDOM_TICKETS = 40


@pytest.mark.parametrize("inputs", list(INPUTS))
def test_kills_at_random_delays_then_send_all_sends_each_once(inputs, desk, gate_proxy):
    desk.use(inputs)
    desk.configure(gate_proxy.url)
    desk.queue(RANDOM_TICKETS)  # enough work that most kills land mid-run
    chance = random.Random(RANDOM_SEED)
    landed = []
    for _ in range(RANDOM_KILLS):
        delay = round(chance.uniform(0.05, 2.5), 3)
        process = desk.start("ticket", "send", "--all")
        time.sleep(delay)
        alive = kill(process)
        gate_proxy.settle()
        sent = sum(status == "sent" for status, _, _ in status_of(desk))
        landed.append((delay, alive, gate_proxy.posts(), sent))
    for delay, alive, posts, sent in landed:
        print(f"kill after {delay:.3f} s (running: {alive}): at RT {posts}, sent locally {sent}")
    desk.send_all()
    desk.assert_exactly_once()
    assert sum(alive for _, alive, _, _ in landed) >= RANDOM_KILLS // 2


# -- concurrency -------------------------------------------------------------------------------


def test_two_send_all_processes_send_50_tickets_once(desk):
    tickets = desk.queue(50)
    runs = [subprocess.Popen([sys.executable, "-m", "tokohelp", "ticket", "send", "--all",
                              "--json"], env=dict(os.environ), stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    results = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in results]
    outcomes = [json.loads(out) for out, _ in results]
    sent = [[o["id"] for o in one if o["result"] == "sent"] for one in outcomes]
    print(f"process A sent {len(sent[0])}, process B sent {len(sent[1])}")
    assert sorted(sent[0] + sent[1]) == [t.id for t in tickets]
    assert all(sent), "the two processes did not overlap"
    others = [o for one in outcomes for o in one if o["result"] != "sent"]
    assert all(o["result"] == "skipped" for o in others), others
    tally = desk.assert_exactly_once(max_attempts=SendPolicy().attempts)
    assert tally.tickets == 50


# -- load ----------------------------------------------------------------------------------------


LOAD_TICKETS = 500


@pytest.mark.slow
def test_send_all_500_tickets_with_progress_bar(desk, capsys):
    desk.queue(LOAD_TICKETS)
    started = time.monotonic()
    outcomes, stderr = desk.send_all(timeout=1800, TTY_COMPATIBLE="1", TTY_INTERACTIVE="1",
                                     COLUMNS="120")
    seconds = round(time.monotonic() - started, 1)
    tally = desk.tally()
    record = {"tickets": LOAD_TICKETS, "seconds": seconds, "lost": len(tally.lost),
              "duplicates": tally.duplicates,
              "date": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()}
    LOAD_RESULT.parent.mkdir(parents=True, exist_ok=True)
    LOAD_RESULT.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with capsys.disabled():  # the time belongs in the CI log, passed or not
        print(f"\nload: ticket send --all, {LOAD_TICKETS} tickets to RT in {seconds} s "
              f"({seconds / LOAD_TICKETS:.2f} s each), lost {record['lost']}, duplicates "
              f"{record['duplicates']} -> {LOAD_RESULT}")
    assert "Sending tickets" in stderr and "100%" in stderr
    assert sum(o["result"] == "sent" for o in outcomes) == LOAD_TICKETS
    assert desk.assert_exactly_once(max_attempts=SendPolicy().attempts).tickets == LOAD_TICKETS
