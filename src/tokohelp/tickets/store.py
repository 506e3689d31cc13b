"""The local ticket store: one SQLite database in the user data dir.

A ticket must never be lost or sent twice, so every change is one transaction
(``BEGIN IMMEDIATE``, WAL journal, a busy timeout for concurrent processes),
attachments are private copies made before the row is committed, and sending
is guarded by a *claim*: only the process holding a ticket's claim may send
it.  A claim whose process died (same host) or that is older than
``CLAIM_STALE_SECONDS`` may be taken over.  Two flags remember attempts whose
outcome is unknown (``in_flight`` while a send runs, ``maybe_sent`` after a
timeout) so the next sender first asks the backend whether the ticket landed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import sqlite3
import stat
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from tokohelp import config
from tokohelp.errors import BadInputError, NotFoundError, StorageError
from tokohelp.i18n import _
from tokohelp.record import Record
from tokohelp.tickets.model import Attachment, RemoteRef, Ticket

DB_NAME = "tickets.db"
SCHEMA_VERSION = 1
CLAIM_STALE_SECONDS = 15 * 60
BUSY_TIMEOUT_MS = 15_000
COPY_CHUNK = 1 << 20
MAX_NAME_BYTES = 255

SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    category TEXT,
    backend TEXT,
    status TEXT NOT NULL CHECK (status IN ('draft', 'queued', 'sent', 'failed')),
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    order_id TEXT,
    email TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    remote_id TEXT,
    remote_url TEXT,
    in_flight INTEGER NOT NULL DEFAULT 0,
    maybe_sent INTEGER NOT NULL DEFAULT 0,
    claimed_by TEXT,
    claimed_host TEXT,
    claimed_pid INTEGER,
    claimed_at REAL
);
CREATE TABLE IF NOT EXISTS attachments (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    stored_path TEXT NOT NULL,
    PRIMARY KEY (ticket_id, position)
);
CREATE INDEX IF NOT EXISTS tickets_status ON tickets(status);
"""

TICKET_FIELDS = ("id", "subject", "body", "category", "backend", "status", "created",
                 "idempotency_key", "order_id", "email", "attempts", "last_error", "remote_id",
                 "remote_url", "updated")
TICKET_COLUMNS = ", ".join(TICKET_FIELDS)


class NewTicket(Record):
    """What the user wrote, before it has an id."""

    __slots__ = ("backend", "body", "category", "email", "order_id", "subject")

    def __init__(self, subject: str, body: str, category: str | None = None,
                 order_id: str | None = None, email: str | None = None,
                 backend: str | None = None) -> None:
        self.subject, self.body, self.category = subject, body, category
        self.order_id, self.email, self.backend = order_id, email, backend


class CheckedFile(Record):
    """An attachment that passed validation and may be copied into the store."""

    __slots__ = ("mime", "name", "path", "size")

    def __init__(self, path: Path, name: str, mime: str, size: int) -> None:
        self.path, self.name, self.mime, self.size = path, name, mime, size


class Claim(Record):
    """A ticket held for sending, and whether an earlier attempt may have landed."""

    __slots__ = ("maybe_sent", "owner", "ticket")

    def __init__(self, ticket: Ticket, owner: str, maybe_sent: bool) -> None:
        self.ticket, self.owner, self.maybe_sent = ticket, owner, maybe_sent


def hostname() -> str:
    """This host's name, as claims record it (``socket`` is imported only to claim)."""
    import socket

    return socket.gethostname()


def now_iso() -> str:
    """UTC timestamp with seconds, as stored and shown."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def new_owner() -> str:
    """A claim token unique to this process and call."""
    return f"{hostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


@contextlib.contextmanager
def storage_errors(path: Path) -> Iterator[None]:
    """Turn SQLite and OS failures into a StorageError naming ``path``."""
    try:
        yield
    except sqlite3.Error as exc:
        raise StorageError(_("{path}: ticket store error: {detail}").format(path=path, detail=exc),
                           _("Check the disk and permissions; the file may be locked "
                             "by another program.")) from None
    except OSError as exc:
        where = exc.filename or path
        raise StorageError(
            _("{path}: {reason}").format(path=where, reason=exc.strerror or exc),
            _("Check free space and permissions of the tokohelp data dir.")) from None


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) with mode 0700; tickets hold personal data."""
    if not path.is_dir():
        path.mkdir(parents=True, mode=0o700, exist_ok=True)
        os.chmod(path, 0o700)
    return path


def _process_alive(pid: int) -> bool:
    """Whether ``pid`` runs on this host (see :func:`tokohelp.processes.alive`)."""
    from tokohelp.processes import alive

    return alive(pid)


def _not_the_holder(pid: int, at: float | None) -> bool:
    """``pid`` is a zombie, or a process that started after the claim was last refreshed
    (the holder died and its pid was reused).  Linux only; elsewhere False."""
    proc = Path(f"/proc/{pid}")
    try:
        state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        started = proc.stat().st_ctime
    except (OSError, IndexError):
        return False
    return state == "Z" or (at is not None and started > at + 1)


def claim_is_stale(host: str | None, pid: int | None, at: float | None,
                   in_flight: bool = False) -> bool:
    """A claim may be taken over when its process is gone or it is too old.

    On this host a live process keeps a claim whose request is still pending however
    long that takes: taking it over could send the ticket a second time.  A zombie
    or a process that reused the holder's pid is not the holder.
    """
    here = host == hostname() and pid is not None
    if here and (not _process_alive(pid) or _not_the_holder(pid, at)):
        return True
    if here and in_flight:
        return False
    return at is None or time.time() - at > CLAIM_STALE_SECONDS


class OutboxRows:
    """Claiming and recording the attempts of rows in an outbox table: tickets, replies.

    Both are sent, exactly once, by the one :class:`~tokohelp.tickets.sender.Sender`
    through the same columns (``claimed_by/host/pid/at``, ``in_flight``, ``maybe_sent``,
    ``attempts``, ``last_error``, ``status``, ``remote_id``, ``remote_url``).  A store names
    its ``TABLE`` and provides ``get``, ``_tx``, ``path``, ``db``, and what a missing row
    and a lost claim are called; ``_attempt_sets`` adds columns set with each attempt.
    """

    TABLE = ""
    db: sqlite3.Connection
    path: Path

    def claim(self, row_id: int, owner: str) -> Claim | None:
        """Take the right to send ``row_id``; None when sent or held by a live process."""
        with self._tx() as db:
            row = db.execute(
                "SELECT status, claimed_by, claimed_host, claimed_pid, claimed_at, in_flight,"
                f" maybe_sent FROM {self.TABLE} WHERE id = ?", (row_id,)).fetchone()
            if row is None:
                raise self._missing(row_id)
            status, holder, host, pid, at, in_flight, maybe_sent = row
            if status not in ("queued", "failed"):
                return None
            if holder is not None and not claim_is_stale(host, pid, at, bool(in_flight)):
                return None
            db.execute(
                f"UPDATE {self.TABLE} SET claimed_by = ?, claimed_host = ?, claimed_pid = ?,"
                " claimed_at = ?, maybe_sent = ?, in_flight = 0 WHERE id = ?",
                (owner, hostname(), os.getpid(), time.time(),
                 int(bool(maybe_sent or in_flight)), row_id))
        return Claim(self.get(row_id), owner, bool(maybe_sent or in_flight))

    def holder(self, row_id: int) -> tuple[str | None, int | None]:
        """Who holds the claim (host, pid), for telling the user."""
        with storage_errors(self.path):
            row = self.db.execute(
                f"SELECT claimed_host, claimed_pid FROM {self.TABLE} WHERE id = ?",
                (row_id,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def begin_attempt(self, row_id: int, owner: str, backend: str) -> int:
        """Count an attempt and mark it in flight; StorageError if the claim was lost."""
        extra, extra_args = self._attempt_sets(backend)
        with self._tx() as db:
            cur = db.execute(
                f"UPDATE {self.TABLE} SET attempts = attempts + 1, in_flight = 1{extra},"
                " claimed_at = ?, updated = ? WHERE id = ? AND claimed_by = ?",
                (*extra_args, time.time(), now_iso(), row_id, owner))
            if cur.rowcount != 1:
                raise self._taken_over(row_id)
            return int(db.execute(f"SELECT attempts FROM {self.TABLE} WHERE id = ?",
                                  (row_id,)).fetchone()[0])

    def attempt_failed(self, row_id: int, owner: str, error: str, maybe_sent: bool) -> None:
        """Record why an attempt failed; an unknown outcome is remembered for good."""
        self._owned_update(row_id, owner,
                           "last_error = ?, in_flight = 0, maybe_sent = MAX(maybe_sent, ?)",
                           (error, int(maybe_sent)))

    def mark_sent(self, row_id: int, ref: RemoteRef) -> None:
        """The desk has it: keep its id and URL and drop any claim.

        Recorded even if the claim was lost meanwhile: the remote copy exists.
        """
        with self._tx() as db:
            db.execute(
                f"UPDATE {self.TABLE} SET status = 'sent', remote_id = ?, remote_url = ?,"
                " last_error = NULL, in_flight = 0, maybe_sent = 0, claimed_by = NULL,"
                " updated = ? WHERE id = ?", (ref.remote_id, ref.url, now_iso(), row_id))

    def release(self, row_id: int, owner: str, status: str | None = None) -> None:
        """Give the claim back, optionally setting 'queued' or 'failed'.

        An attempt still in flight here was cut short without an outcome (Ctrl-C, an
        unexpected error) after it may have reached the desk: keep that as ``maybe_sent``.
        """
        sets = ("claimed_by = NULL, maybe_sent = MAX(maybe_sent, in_flight), in_flight = 0"
                + (", status = ?" if status else ""))
        self._owned_update(row_id, owner, sets, (status,) if status else ())

    def _owned_update(self, row_id: int, owner: str, sets: str, args: tuple) -> None:
        with self._tx() as db:
            db.execute(f"UPDATE {self.TABLE} SET {sets}, updated = ? WHERE id = ?"
                       " AND claimed_by = ?", (*args, now_iso(), row_id, owner))

    def _attempt_sets(self, backend: str) -> tuple[str, tuple]:
        """Columns (SQL, values) set with each attempt besides the count; none by default."""
        return "", ()


def insert_with_files(staging: Path, files: list[CheckedFile], stage: Callable[[], None],
                      insert: Callable[[], int]) -> int:
    """Copy the files to ``staging`` (``stage``), then ``insert`` the row; all or nothing.

    The copies are made outside the transaction; whatever stops the insert (an error, a
    signal) removes the staging directory, so no half-stored files stay behind.
    """
    try:
        if files:
            stage()
        return insert()
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(staging)
        raise


def place_attachments(db: sqlite3.Connection, staging: Path, final: Path,
                      files: list[CheckedFile], insert: str, owner_id: int) -> None:
    """Inside the row's transaction: move the staged copies to ``final`` and record them.

    ``insert`` takes (owner id, position, name, mime, size, stored path).  A ``final``
    directory left by a crash before a commit that never happened is removed first.
    """
    if final.exists():
        shutil.rmtree(final)
    if files:
        os.replace(staging, final)
    db.executemany(insert, [(owner_id, pos, f.name, f.mime, f.size,
                             str(final / _stored_name(pos, f.name)))
                            for pos, f in enumerate(files)])


class Store(OutboxRows):
    """The ticket database plus the private attachment copies next to it."""

    TABLE = "tickets"

    def __init__(self, root: Path | None = None, *, read_only: bool = False) -> None:
        """``read_only``: for listing; opens even where nothing can be written (full disk)."""
        self.root = root or config.data_dir()
        self.path = self.root / DB_NAME
        self.attachments_dir = self.root / "attachments"
        with storage_errors(self.path):
            private_dir(self.root)
            self.db = self._open(read_only)

    def _open(self, read_only: bool) -> sqlite3.Connection:
        try:
            return self._connect()
        except sqlite3.OperationalError:
            if not read_only or not self.path.exists():
                raise
            return self._connect_frozen()

    def _connect(self) -> sqlite3.Connection:
        if not self.path.exists():
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        self._repair_journal_modes()
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA foreign_keys = ON")
            if db.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                with _transaction(db):
                    db.executescript(f"BEGIN IMMEDIATE; {SCHEMA}"
                                     f" PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
        except BaseException:
            db.close()
            raise
        return db

    def _repair_journal_modes(self) -> None:
        """Give our ``-wal``/``-shm`` files back mode 0600.

        SQLite creates them with the database's mode: made while the store was read-only
        they stay read-only after it is writable again, and every later write fails.
        """
        if os.name == "nt":
            return
        for suffix in ("-wal", "-shm"):
            journal = self.path.with_name(self.path.name + suffix)
            with contextlib.suppress(OSError):
                info = journal.stat()
                if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) != 0o600:
                    os.chmod(journal, 0o600)

    def _connect_frozen(self) -> sqlite3.Connection:
        """A read-only view that writes nothing, not even SQLite's shared-memory file.

        Only exact while no write-ahead log holds changes (``immutable`` ignores it);
        with one, the store cannot be read without writing and the error stands.
        """
        wal = self.path.with_name(self.path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise sqlite3.OperationalError("the store's journal cannot be read without writing")
        uri = self.path.resolve().as_uri() + "?mode=ro&immutable=1"
        return sqlite3.connect(uri, uri=True, isolation_level=None)

    def close(self) -> None:
        """Close the connection (tests and worker processes)."""
        self.db.close()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: BEGIN IMMEDIATE takes the write lock up front."""
        with storage_errors(self.path):
            self.db.execute("BEGIN IMMEDIATE")
            with _transaction(self.db):
                yield self.db

    # -- creating and reading ------------------------------------------------

    def create(self, new: NewTicket, files: list[CheckedFile], status: str = "queued") -> Ticket:
        """Store a ticket and private copies of its files, all or nothing."""
        key = str(uuid.uuid4())
        staging = self.attachments_dir / f".new-{key}"
        ticket_id = insert_with_files(staging, files, lambda: self._stage_files(staging, files),
                                      lambda: self._insert(new, key, status, staging, files))
        return self.get(ticket_id)

    def _stage_files(self, staging: Path, files: list[CheckedFile]) -> None:
        """Copy the files into a private staging dir, outside any transaction."""
        with storage_errors(self.attachments_dir):
            private_dir(self.attachments_dir)
            private_dir(staging)
            for position, checked in enumerate(files):
                _copy_private(checked, staging / _stored_name(position, checked.name))

    def _insert(self, new: NewTicket, key: str, status: str, staging: Path,
                files: list[CheckedFile]) -> int:
        stamp = now_iso()
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO tickets (subject, body, category, backend, status, created, updated,"
                " idempotency_key, order_id, email) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (new.subject, new.body, new.category, new.backend, status, stamp, stamp, key,
                 new.order_id, new.email))
            ticket_id = int(cur.lastrowid or 0)
            place_attachments(db, staging, self.attachments_dir / str(ticket_id), files,
                              "INSERT INTO attachments (ticket_id, position, name, mime, size,"
                              " stored_path) VALUES (?, ?, ?, ?, ?, ?)", ticket_id)
        return ticket_id

    def get(self, ticket_id: int) -> Ticket:
        """One ticket with its attachments; NotFoundError when there is none."""
        with storage_errors(self.path):
            row = self.db.execute(f"SELECT {TICKET_COLUMNS} FROM tickets WHERE id = ?",
                                  (ticket_id,)).fetchone()
            if row is None:
                raise self._missing(ticket_id)
            return self._ticket(row)

    def tickets(self, status: str | None = None) -> list[Ticket]:
        """Every ticket, oldest first, optionally only those with ``status``."""
        sql = f"SELECT {TICKET_COLUMNS} FROM tickets"
        args: tuple = ()
        if status:
            sql, args = sql + " WHERE status = ?", (status,)
        with storage_errors(self.path):
            rows = self.db.execute(sql + " ORDER BY id", args).fetchall()
            return [self._ticket(r) for r in rows]

    def ids_with_status(self, status: str) -> list[int]:
        """Ids of tickets in ``status``, oldest first (``send --all`` uses 'queued')."""
        with storage_errors(self.path):
            rows = self.db.execute("SELECT id FROM tickets WHERE status = ? ORDER BY id",
                                   (status,)).fetchall()
        return [r[0] for r in rows]

    def _ticket(self, row: tuple) -> Ticket:
        ticket = Ticket(**{name: _as_text(value) for name, value
                           in zip(TICKET_FIELDS, row, strict=True)})
        rows = self.db.execute(
            "SELECT name, mime, size, stored_path FROM attachments WHERE ticket_id = ?"
            " ORDER BY position", (ticket.id,)).fetchall()
        ticket.attachments = [Attachment(n, m, s, Path(p)) for n, m, s, p in rows]
        return ticket

    # -- claiming and sending: OutboxRows, with what differs for tickets --------

    def _missing(self, ticket_id: int) -> NotFoundError:
        return NotFoundError(_("no ticket {id}").format(id=ticket_id),
                             _("List your tickets with: tokohelp ticket list"))

    def _taken_over(self, ticket_id: int) -> StorageError:
        return StorageError(
            _("ticket {id}: another tokohelp process took it over").format(id=ticket_id),
            _("Check it with 'tokohelp ticket show {id}' before sending it again.").format(
                id=ticket_id))

    def _attempt_sets(self, backend: str) -> tuple[str, tuple]:
        """A ticket remembers the backend each attempt went to."""
        return ", backend = ?", (backend,)


def _as_text(value: object) -> object:
    """A column another program wrote as a blob is read as text (bad bytes replaced)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    """Commit what the block did, or roll all of it back."""
    try:
        yield
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    if db.in_transaction:
        db.execute("COMMIT")


def _stored_name(position: int, name: str) -> str:
    """Numbered so two attachments with the same base name cannot collide.

    The copy's name only has to be unique and recognisable; the original name is kept
    in the database.  It is cut so that the number prefix never makes it longer than
    a file system allows (255 bytes).
    """
    prefix = f"{position + 1}-"
    budget = MAX_NAME_BYTES - len(prefix)
    stem, dot, ext = name.rpartition(".")
    ext = f".{ext}" if dot and stem and len(ext.encode()) <= 16 else ""
    stem = name[: len(name) - len(ext)] if ext else name
    cut = stem.encode("utf-8")[: budget - len(ext.encode())].decode("utf-8", errors="ignore")
    return prefix + cut + ext


def _copy_private(checked: CheckedFile, target: Path) -> None:
    """Copy with mode 0600 and fsync; refuse a file that changed since it was checked."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    copied = 0
    with os.fdopen(fd, "wb") as out, open(checked.path, "rb") as src:
        while chunk := src.read(COPY_CHUNK):
            copied += len(chunk)
            if copied > checked.size:
                break
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    if copied != checked.size or _copied_type(target) != checked.mime:
        raise BadInputError(
            _("{path}: the file changed while it was being attached").format(path=checked.path),
            _("Attach it again once it is no longer being written."))


def _copied_type(copy: Path) -> str | None:
    """The type of what was actually copied: a file swapped after its check is refused."""
    from tokohelp.tickets.attachments import detect_type

    try:
        return detect_type(copy)
    except BadInputError:
        return None


def open_store(*, read_only: bool = False) -> Store:
    """The store in the configured data dir."""
    return Store(read_only=read_only)
