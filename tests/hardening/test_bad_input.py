"""No tracebacks, ever: every command with bad input fails with one clear message.

Each case runs ``tokohelp`` with one bad input and asserts: the documented exit
status (docs/exit-codes.md), exactly one error line on stderr naming the problem,
no "Traceback" anywhere, and the user's input still there afterwards: the
attached and body files are untouched, no half-stored ticket is left behind,
and a ticket that was stored keeps its body (queued, failed or draft), or the
message names where the text was rescued.  Most cases run in-process with the
CLI's production error path; a subset, the full-disk and the unreadable-file
cases run ``python -m tokohelp`` as a real process.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.backends.builders import png_bytes
from tests.backends.servers import free_port
from tests.hardening.tools import (
    Outcome,
    can_drop_file_override,
    documented_codes,
    drop_file_override,
    error_lines,
    file_size_limit,
    run,
    run_process,
)
from tokohelp.cli.output import Env
from tokohelp.errors import ExitStatus, StorageError
from tokohelp.tickets.store import NewTicket, Store

USAGE, NOT_FOUND, CONFIG = ExitStatus.USAGE, ExitStatus.NOT_FOUND, ExitStatus.CONFIG
BAD_INPUT, BACKEND, STORAGE, ABORTED = (ExitStatus.BAD_INPUT, ExitStatus.BACKEND,
                                        ExitStatus.STORAGE, ExitStatus.ABORTED)
BODY = "My refund for order INV/123 has not arrived after 14 days."
OFFERED = "money back refund cancelled order balance"  # matches an article: the offer shows
NEW = ["ticket", "new", "-s", "Refund not received", "-c", "refund"]
PNG = png_bytes()
MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
DIR, FIFO, LOOP, DANGLING = "<dir>", "<fifo>", "<loop>", "<dangling>"
BROKEN_TOML = "lang = \n"
HOOK_TABLE = ('[backends.hook]\ntype = "http"\nurl = "http://127.0.0.1:{port}/tickets"\n'
              'timeout = 2\n')
HOOK = 'default_backend = "hook"\n' + HOOK_TABLE  # {port}: a free port, nobody listening
QUICK_SEND = "[send]\nattempts = 1\n"


@dataclass
class Case:
    """One bad input: the command, what it finds on disk, and how it must end.

    Arguments and environment values starting with ``@`` are paths in the test's
    user directory; ``files`` maps such names to content (bytes, a marker, or
    ``(head, size)`` for a sparse file).  ``keeps`` says how the input survives:
    ``nothing-stored`` (the caller still has it; no half-stored ticket), ``queued``,
    ``failed`` or ``draft`` (ticket 1 holds ``body``), ``rescued`` (the message
    names a file holding the body, or shows it), ``store-intact``.
    """

    id: str
    args: list[str]
    code: int
    says: str
    files: dict[str, Any] = field(default_factory=dict)
    config: str | bytes | None = None
    env: dict[str, str] = field(default_factory=dict)
    input: bytes | None = None
    keeps: str = "nothing-stored"
    body: str = BODY
    given: str = ""
    prints: str = ""  # also expected on stdout (``config check`` reports there)


CASES = [
    # -- usage errors (2): bad option values, missing values, unknown options -----------
    Case("bad-lang", ["--lang", "xx", "search", "refund"], USAGE, "unknown language 'xx'"),
    Case("limit-0", ["search", "--limit", "0", "refund"], USAGE, "0 is not in the range"),
    Case("limit-text", ["search", "-n", "many", "refund"], USAGE, "'many' is not a valid"),
    Case("bad-platform", ["contact", "-C", "email", "--platform", "bad"], USAGE,
         "'bad' is not one of"),
    Case("bad-tier", ["contact", "--tier", "bad"], USAGE, "'bad' is not one of"),
    Case("negative-days", ["contact", "--waited-days", "-1"], USAGE, "not in the range"),
    Case("platform-alone", ["contact", "--platform", "ios"], USAGE, "--platform needs --channel"),
    Case("bad-status", ["ticket", "list", "--status", "bad"], USAGE, "unknown status 'bad'"),
    Case("ticket-id-text", ["ticket", "show", "abc"], USAGE, "'abc' is not a valid int"),
    Case("send-nothing", ["ticket", "send"], USAGE, "say which tickets to send"),
    Case("send-both", ["ticket", "send", "1", "--all"], USAGE, "give ticket ids or --all"),
    Case("bad-email", [*NEW, "-m", BODY, "--email", "not-an-address"], USAGE,
         "cannot be used as an email address"),
    Case("no-subject", ["ticket", "new", "-c", "refund", "-m", BODY], USAGE, "missing --subject"),
    Case("no-category", ["ticket", "new", "-s", "Refund", "-m", BODY], USAGE,
         "missing --category"),
    Case("blank-message", [*NEW, "-m", "  \x1b[2J "], USAGE, "--message is empty"),
    Case("empty-stdin", NEW, USAGE, "the message on stdin is empty", input=b"\n\n"),
    Case("message-and-file", [*NEW, "-m", BODY, "-F", "@body.txt"], USAGE, "not both",
         files={"body.txt": BODY.encode()}),
    Case("unknown-option", ["list", "--colour"], USAGE, "No such option"),
    Case("unknown-command", ["config", "frobnicate"], USAGE, "No such command"),
    Case("missing-slug", ["show"], USAGE, "Missing argument"),
    Case("config-path-extra", ["config", "path", "extra"], USAGE, "unexpected extra argument"),
    Case("index-rebuild-value", ["index", "--rebuild=yes"], USAGE, "does not take a value"),
    # -- not found (3) ------------------------------------------------------------------
    Case("unknown-slug", ["show", "no-such-article"], NOT_FOUND, "no article 'no-such-article'"),
    Case("list-category", ["list", "--category", "nope"], NOT_FOUND, "unknown category 'nope'"),
    Case("search-category", ["search", "-c", "nope", "refund"], NOT_FOUND,
         "unknown category 'nope'"),
    Case("unknown-channel", ["contact", "--channel", "nope"], NOT_FOUND,
         "unknown channel 'nope'"),
    Case("unknown-ticket", ["ticket", "show", "99"], NOT_FOUND, "no ticket 99"),
    Case("send-unknown-ticket", ["ticket", "send", "99"], NOT_FOUND, "no ticket 99"),
    Case("ticket-category", ["ticket", "new", "-s", "x", "-c", "nope", "-m", BODY], NOT_FOUND,
         "unknown category 'nope'"),
    Case("unknown-backend", [*NEW, "-m", BODY, "--backend", "nope"], NOT_FOUND,
         "no backend named 'nope'"),
    Case("default-backend-missing", [*NEW, "-m", BODY], NOT_FOUND, "no backend named 'b'",
         config='default_backend = "b"\n' + HOOK_TABLE),
    # -- bad input data (5): attachments, bodies, articles ------------------------------
    Case("attach-missing", [*NEW, "-m", BODY, "-a", "@gone.png"], BAD_INPUT, "no such file"),
    Case("attach-dangling-link", [*NEW, "-m", BODY, "-a", "@link.png"], BAD_INPUT,
         "no such file", files={"link.png": DANGLING}),
    Case("attach-directory", [*NEW, "-m", BODY, "-a", "@photos"], BAD_INPUT,
         "not a regular file", files={"photos": DIR}),
    Case("attach-fifo", [*NEW, "-m", BODY, "-a", "@pipe.png"], BAD_INPUT, "not a regular file",
         files={"pipe.png": FIFO}),
    Case("attach-device", [*NEW, "-m", BODY, "-a", "/dev/zero"], BAD_INPUT,
         "not a regular file"),
    Case("attach-symlink-loop", [*NEW, "-m", BODY, "-a", "@loop.png"], BAD_INPUT,
         "cannot read", files={"loop.png": LOOP}),
    Case("attach-empty", [*NEW, "-m", BODY, "-a", "@empty.png"], BAD_INPUT, "the file is empty",
         files={"empty.png": b""}),
    Case("attach-huge-image", [*NEW, "-m", BODY, "-a", "@huge.png"], BAD_INPUT,
         "larger than the 10.0 MB limit", files={"huge.png": (PNG, 11 * 2**20)}),
    Case("attach-huge-video", [*NEW, "-m", BODY, "-a", "@huge.mp4"], BAD_INPUT,
         "larger than the 25.0 MB limit", files={"huge.mp4": (MP4_HEAD, 26 * 2**20)}),
    Case("attach-zip-as-png", [*NEW, "-m", BODY, "-a", "@shot.png"], BAD_INPUT,
         "not allowed (application/zip)", files={"shot.png": b"PK\x03\x04" + b"\0" * 64}),
    Case("attach-elf-as-png", [*NEW, "-m", BODY, "-a", "@shot.png"], BAD_INPUT,
         "not allowed (application/x-executable)",
         files={"shot.png": b"\x7fELF\x02\x01\x01" + b"\0" * 64}),
    Case("attach-binary-as-txt", [*NEW, "-m", BODY, "-a", "@notes.txt"], BAD_INPUT,
         "binary data of unknown type", files={"notes.txt": bytes(range(256)) * 4}),
    Case("attach-latin1-as-txt", [*NEW, "-m", BODY, "-a", "@notes.txt"], BAD_INPUT,
         "binary data of unknown type", files={"notes.txt": "caf\xe9 au lait\n".encode("latin-1")}),
    Case("too-many-attachments", [*NEW, "-m", BODY, *["-a", "@shot.png"] * 6], BAD_INPUT,
         "at most 5 allowed", files={"shot.png": PNG}),
    Case("stdin-not-utf8", NEW, BAD_INPUT, "stdin is not valid UTF-8",
         input=b"Pesanan saya caf\xe9 \xff\xfe belum sampai"),
    Case("stdin-too-long", NEW, BAD_INPUT, "too long", input=b"x" * 100_001),
    Case("body-file-not-utf8", [*NEW, "-F", "@body.txt"], BAD_INPUT, "is not valid UTF-8",
         files={"body.txt": b"\xff\xfe\x00b\x00o\x00d\x00y"}),
    Case("body-file-missing", [*NEW, "-F", "@gone.txt"], BAD_INPUT, "cannot read the body file"),
    Case("body-file-directory", [*NEW, "-F", "@notes"], BAD_INPUT, "cannot read the body file",
         files={"notes": DIR}),
    Case("article-broken-after-indexing", ["show", "money-back"], BAD_INPUT,
         "money-back.en.md: bad front matter", given="break-indexed-article"),
    Case("categories-broken", ["categories"], BAD_INPUT, "cannot read categories",
         given="break-categories"),
    Case("categories-broken-search", ["search", "refund"], BAD_INPUT, "cannot read categories",
         given="break-categories"),
    # -- config (4): broken TOML, wrong types, missing secrets ---------------------------
    *[Case(f"broken-toml-{'-'.join(args[:2])}", args, CONFIG, "invalid TOML", config=BROKEN_TOML)
      for args in (["contact"], ["config", "show"], ["config", "check"],
                   [*NEW, "-m", BODY])],
    Case("config-not-utf8", ["contact"], CONFIG, "config is not valid UTF-8",
         config=b'lang = "caf\xe9"\n'),
    Case("config-is-directory", ["contact"], CONFIG, "cannot read config",
         files={"conf": DIR}, env={"TOKOHELP_CONFIG": "@conf"}),
    Case("lang-wrong-type", ["config", "check"], CONFIG, "key 'lang': expected str",
         config="lang = 5\n"),
    Case("lang-unknown-check", ["config", "check"], CONFIG, "key 'lang': must be one of",
         config='lang = "xx"\n'),
    Case("max-count-zero-check", ["config", "check"], CONFIG, "must be a number above 0",
         config="[attachments]\nmax_count = 0\n"),
    Case("max-size-text", [*NEW, "-m", BODY, "-a", "@shot.png"], CONFIG,
         "key 'attachments.max_size_mb': expected", config='[attachments]\nmax_size_mb = "ten"\n',
         files={"shot.png": PNG}),
    Case("send-attempts-text", [*NEW, "-m", BODY], CONFIG, "key 'send.attempts'",
         config=HOOK + '[send]\nattempts = "many"\n'),
    Case("backend-url-number", [*NEW, "-m", BODY], CONFIG, "key 'backends.desk.url'",
         config='[backends.desk]\ntype = "rt"\nurl = 5\n'),
    Case("backend-type-unknown", ["config", "check"], CONFIG, "backends failed the check",
         config='[backends.desk]\ntype = "fax"\n'),
    Case("channels-not-table", ["contact"], CONFIG, "key 'channels': expected dict",
         config="channels = 5\n"),
    Case("secret-variable-unset", [*NEW, "-m", BODY], CONFIG,
         "environment variable TKH_UNSET_TOKEN is not set",
         config=HOOK + 'token_env = "TKH_UNSET_TOKEN"\n', keeps="queued"),
    # -- storage (7): unwritable or damaged user directories ----------------------------
    Case("data-dir-under-file-new", [*NEW, "-m", BODY], STORAGE, "Not a directory",
         files={"afile": b"x"}, env={"TOKOHELP_DATA_DIR": "@afile/data"}, keeps="rescued"),
    Case("data-dir-under-file-stdin", NEW, STORAGE, "Not a directory", input=BODY.encode(),
         files={"afile": b"x"}, env={"TOKOHELP_DATA_DIR": "@afile/data"}, keeps="rescued"),
    *[Case(f"data-dir-under-file-{'-'.join(args[1:])}", args, STORAGE, "Not a directory",
           files={"afile": b"x"}, env={"TOKOHELP_DATA_DIR": "@afile/data"})
      for args in (["ticket", "list"], ["ticket", "show", "1"], ["ticket", "send", "--all"])],
    *[Case(f"cache-dir-under-file-{args[0]}", args, STORAGE, "cannot write the search index",
           files={"afile": b"x"}, env={"TOKOHELP_CACHE_DIR": "@afile/cache"})
      for args in (["search", "refund"], ["list"], ["show", "money-back"], ["categories"],
                   ["index"])],
    Case("config-dir-under-file", ["config", "init"], STORAGE, "afile: File exists",
         files={"afile": b"x"}, env={"TOKOHELP_CONFIG": "@afile/config.toml"}),
    Case("store-corrupt-list", ["ticket", "list"], STORAGE, "file is not a database",
         files={"data/tickets.db": b"not sqlite " * 500}, env={"TOKOHELP_DATA_DIR": "@data"}),
    Case("store-corrupt-new", [*NEW, "-m", BODY], STORAGE, "file is not a database",
         files={"data/tickets.db": b"not sqlite " * 500}, env={"TOKOHELP_DATA_DIR": "@data"},
         keeps="rescued"),
    # -- aborted (8): the user said no -------------------------------------------------
    Case("eof-at-file-anyway", [*NEW, "-m", OFFERED], ABORTED, "Kept as draft ticket 1",
         input=b"", keeps="draft", body=OFFERED, given="terminal"),
    Case("no-at-file-anyway", [*NEW, "-m", OFFERED], ABORTED, "Kept as draft ticket 1",
         input=b"n\n", keeps="draft", body=OFFERED, given="terminal"),
    # the answers: file anyway, then no order id, e-mail or attachments; then the editor
    Case("empty-editor-message", NEW, ABORTED, "Empty message", keeps="nothing-stored",
         input=b"\n\n\n\n", given="terminal+editor-empty"),
    Case("editor-fails", NEW, ABORTED, "exited with status 3", input=b"\n\n\n\n",
         given="terminal+editor-fails"),
    # -- backend (6): stored, not sent, kept -------------------------------------------
    Case("backend-down-new", [*NEW, "-m", BODY], BACKEND, "was stored but not sent",
         config=HOOK + QUICK_SEND, keeps="queued"),
    Case("backend-down-send", ["ticket", "send", "1"], BACKEND, "1 of 1 ticket not sent",
         config=HOOK + QUICK_SEND, keeps="queued", given="stored-ticket"),
    Case("backend-down-send-all", ["ticket", "send", "--all"], BACKEND, "not sent",
         config=HOOK + QUICK_SEND, keeps="queued", given="stored-ticket"),
]

# Issue 13: values that used to pass ``config check`` and crash later, special files as the
# config or the body, and addresses a backend would rewrite or drop.
HOOK_BARE = ('default_backend = "hook"\n[backends.hook]\ntype = "http"\n'
             'url = "http://127.0.0.1:{port}/tickets"\n')
CHECK_FAILED = "1 of 1 backends failed the check"
DEEP = "a = " + "[" * 5000 + "]" * 5000 + "\n"
BAD_ADDRESSES = {"angle": "<x@example.com>", "quoted": '"q"@example.com',
                 "comma": "a,b@example.com", "trailing-dot": "x@example.com.",
                 "non-ascii-local": "\u00fcser@example.com", "two-reply-to": "evil,a@b.c",
                 "no-domain-dot": "x@localhost", "double-dot": "a..b@example.com"}
ISSUE_13 = [
    *[Case(f"timeout-{value}-check", ["config", "check"], CONFIG, CHECK_FAILED,
           prints="key 'backends.hook.timeout': must be a number greater than 0",
           config=HOOK_BARE + f"timeout = {value}\n") for value in ("nan", "inf", "-inf")],
    *[Case(f"timeout-{value}-ticket-new", [*NEW, "-m", BODY], CONFIG,
           "key 'backends.hook.timeout': must be a number greater than 0",
           config=HOOK_BARE + f"timeout = {value}\n") for value in ("nan", "inf", "-inf")],
    Case("timeout-huge", ["config", "check"], CONFIG, CHECK_FAILED,
         prints="must be at most 300 seconds", config=HOOK_BARE + "timeout = 1e9\n"),
    *[Case(f"{key}-{value}-check", ["config", "check"], CONFIG,
           f"key 'attachments.{key}': must be a number above 0",
           config=f"[attachments]\n{key} = {value}\n")
      for key in ("max_size_mb", "max_video_mb") for value in ("inf", "nan")],
    Case("max-count-inf-check", ["config", "check"], CONFIG, "key 'attachments.max_count'",
         config="[attachments]\nmax_count = inf\n"),
    Case("max-count-inf-new", [*NEW, "-m", BODY, "-a", "@shot.png"], CONFIG,
         "key 'attachments.max_count'", config="[attachments]\nmax_count = inf\n",
         files={"shot.png": PNG}),
    *[Case(f"{key}-{value}-{'-'.join(args[:2])}", args, CONFIG,
           f"key 'send.{key}': must be a number of seconds",
           config=HOOK_BARE + f"[send]\n{key} = {value}\n")
      for key in ("max_backoff_seconds", "backoff_seconds", "retry_after_max_seconds")
      for value in ("nan", "inf") for args in (["config", "check"], [*NEW, "-m", BODY])],
    Case("config-deeply-nested", ["config", "check"], CONFIG, "nested too deeply", config=DEEP),
    Case("config-deeply-nested-contact", ["contact"], CONFIG, "nested too deeply",
         config=DEEP),
    Case("config-fifo", ["contact"], CONFIG, "not a regular file", files={"conf": FIFO},
         env={"TOKOHELP_CONFIG": "@conf"}),
    Case("config-dev-zero", ["config", "check"], CONFIG, "not a regular file",
         env={"TOKOHELP_CONFIG": "/dev/zero"}),
    Case("config-world-writable", ["config", "check"], CONFIG, "writable by every user",
         config="", given="config-world-writable"),
    Case("config-dir-world-writable", [*NEW, "-m", BODY], CONFIG,
         "directory", config="", given="config-dir-world-writable"),
    Case("header-non-ascii", [*NEW, "-m", BODY], CONFIG, "printable ASCII",
         config=HOOK_BARE + 'headers = { "X-Team" = "t\u00e9am" }\n'),
    Case("header-bad-name", ["config", "check"], CONFIG, CHECK_FAILED,
         prints="not a valid header name", config=HOOK_BARE + 'headers = { "X Team" = "a" }\n'),
    Case("ca-file-missing", [*NEW, "-m", BODY], CONFIG, "ca_file",
         config=HOOK_BARE + 'ca_file = "/nonexistent/ca.pem"\n'),
    Case("ca-file-not-pem", ["config", "check"], CONFIG, CHECK_FAILED, prints="cannot be used",
         config=HOOK_BARE + 'ca_file = "@notes.txt"\n', files={"notes.txt": b"not a cert\n"}),
    *[Case(f"email-{name}", [*NEW, "-m", BODY, "--email", value], USAGE,
           "cannot be used as an email address") for name, value in BAD_ADDRESSES.items()],
    Case("body-file-dev-zero", [*NEW, "-F", "/dev/zero"], BAD_INPUT, "too long"),
    Case("body-file-fifo-empty", [*NEW, "-F", "@pipe"], USAGE, "--body-file is empty",
         files={"pipe": FIFO}, given="fifo-writer"),
    Case("attach-script-as-png", [*NEW, "-m", BODY, "-a", "@shot.png"], BAD_INPUT,
         "the content is text, not what the name .png says",
         files={"shot.png": b"#!/bin/sh\nrm -rf ~\n"}),
]
CASES += ISSUE_13

SUBPROCESS = ["bad-lang", "limit-0", "bad-platform", "ticket-id-text", "unknown-slug",
              "attach-directory", "attach-elf-as-png", "stdin-not-utf8",
              "broken-toml-contact", "data-dir-under-file-new", "store-corrupt-list",
              "backend-down-new", "config-fifo", "config-dev-zero", "body-file-dev-zero",
              "timeout-nan-ticket-new", "config-deeply-nested"]


# -- arranging a case --------------------------------------------------------------------


def make_file(path: Path, content: Any) -> None:
    """Create one user file: bytes, a directory, a FIFO, a bad symlink or a sparse file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if content == DIR:
        path.mkdir()
    elif content == FIFO:
        os.mkfifo(path)
    elif content == LOOP:
        path.symlink_to(path.name)
    elif content == DANGLING:
        path.symlink_to("nowhere.png")
    elif isinstance(content, tuple):
        head, size = content
        path.write_bytes(head)
        os.truncate(path, size)
    else:
        path.write_bytes(content)


def expand(value: str, user: Path) -> str:
    """``@name`` is a path in the user directory."""
    return str(user / value[1:]) if value.startswith("@") else value


def arrange(case: Case, tmp_path: Path, monkeypatch) -> list[str]:
    """Create the files, config and environment of ``case``; return its arguments."""
    user = tmp_path / "user"
    user.mkdir(exist_ok=True)
    for name, content in case.files.items():
        make_file(user / name, content)
    if case.config is not None:
        write_config(case.config)
    for name, value in case.env.items():
        monkeypatch.setenv(name, expand(value, user))
    for step in filter(None, case.given.split("+")):
        GIVEN[step](tmp_path, monkeypatch)
    return [expand(arg, user) for arg in case.args]


def write_config(text: str | bytes) -> None:
    path = Path(os.environ["TOKOHELP_CONFIG"])
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = text if isinstance(text, bytes) else text.replace("{port}", str(free_port()))
    path.write_bytes(raw if isinstance(raw, bytes) else raw.encode())


def _terminal(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(Env, "stdin_isatty", property(lambda self: True))


def _editor(code: int) -> Any:
    def install(tmp_path: Path, monkeypatch) -> None:
        script = tmp_path / "editor.py"
        script.write_text(f"import sys\nsys.exit({code})\n")
        monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    return install


def _break_indexed_article(tmp_path: Path, monkeypatch) -> None:
    """Index the library, then break an article without changing its size or mtime."""
    assert run("index").code == 0
    path = tmp_path / "lib" / "refund" / "money-back.en.md"
    before = path.stat()
    text = path.read_bytes()
    path.write_bytes(b"+++\ntitle = \n" + text[len(b"+++\ntitle = \n"):])
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def _break_categories(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "lib" / "categories.toml").write_text("[[category]\nid = \n")


def _stored_ticket(tmp_path: Path, monkeypatch) -> None:
    store = Store()
    store.create(NewTicket(subject="Refund not received", body=BODY, category="refund",
                           backend="hook"), [], "queued")
    store.close()


def _world_writable(which: str) -> Any:
    def loosen(tmp_path: Path, monkeypatch) -> None:
        path = Path(os.environ["TOKOHELP_CONFIG"])
        target = path if which == "file" else path.parent
        target.chmod(target.stat().st_mode | 0o002)
    return loosen


def _fifo_writer(tmp_path: Path, monkeypatch) -> None:
    """Someone opens the FIFO for writing and closes it: the reader sees end of file."""
    import threading

    def write() -> None:
        with open(tmp_path / "user" / "pipe", "wb"):
            pass

    threading.Thread(target=write, daemon=True).start()


GIVEN = {"terminal": _terminal, "editor-empty": _editor(0), "editor-fails": _editor(3),
         "break-indexed-article": _break_indexed_article, "break-categories": _break_categories,
         "stored-ticket": _stored_ticket, "config-world-writable": _world_writable("file"),
         "config-dir-world-writable": _world_writable("dir"), "fifo-writer": _fifo_writer}


# -- judging the outcome -----------------------------------------------------------------


def fingerprint(root: Path) -> dict[str, tuple]:
    """Every user file's type, mode and content hash, to prove nothing was touched."""
    prints: dict[str, tuple] = {}
    for path in sorted(root.rglob("*")) if root.exists() else []:
        info = path.lstat()
        digest = ""
        if path.is_file() and not path.is_symlink():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        prints[str(path)] = (info.st_mode, info.st_size, digest)
    return prints


def stored_tickets() -> list | None:
    """The tickets in the configured store; None when the store cannot be opened."""
    data = Path(os.environ["TOKOHELP_DATA_DIR"])
    if not (data / "tickets.db").is_file():
        return []
    try:
        store = Store(data)
    except StorageError:
        return None
    try:
        return store.tickets()
    finally:
        store.close()


def assert_failed_cleanly(out: Outcome, code: int, says: str) -> None:
    """Documented status, one error line naming the problem, no traceback."""
    assert out.exception is None, f"escaped the CLI: {out.exception!r}"
    assert out.code == code, f"exit {out.code}, wanted {code}:\n{out.output}"
    assert code in documented_codes() and code != ExitStatus.INTERNAL
    assert "Traceback" not in out.output, out.output
    assert len(error_lines(out.stderr)) == 1, out.stderr
    assert says in out.stderr, out.stderr


def assert_input_kept(case: Case, out: Outcome) -> None:
    """The text and files the user gave are still somewhere they can get them."""
    tickets = stored_tickets()
    if case.keeps in ("nothing-stored", "rescued"):
        assert tickets in ([], None), f"half-stored ticket: {tickets}"
        assert not list(Path(os.environ["TOKOHELP_DATA_DIR"]).glob("attachments/.new-*"))
    if case.keeps == "rescued":
        assert_rescued(out.stderr, case.body)
    if case.keeps in ("queued", "failed", "draft"):
        assert tickets, "the ticket was not kept"
        assert (tickets[0].status, tickets[0].body) == (case.keeps, case.body)


def assert_rescued(stderr: str, body: str) -> None:
    """The message names a private file holding the body, or shows the body itself."""
    saved = re.search(r"Your message is saved in (\S+)", stderr)
    if saved is None:
        assert "here it is:" in stderr and body in stderr, stderr
        return
    path = Path(saved.group(1))
    assert body in path.read_text(encoding="utf-8")
    assert path.stat().st_mode & 0o077 == 0


def check_case(case: Case, tmp_path: Path, monkeypatch, runner) -> None:
    args = arrange(case, tmp_path, monkeypatch)
    before = fingerprint(tmp_path / "user")
    out = runner(*args, input=case.input)
    assert_failed_cleanly(out, case.code, case.says)
    assert case.prints in out.stdout, out.stdout
    assert fingerprint(tmp_path / "user") == before, "a user file was changed"
    assert_input_kept(case, out)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_fails_cleanly(case, tmp_path, monkeypatch):
    check_case(case, tmp_path, monkeypatch, run)


@pytest.mark.parametrize("case", [c for c in CASES if c.id in SUBPROCESS], ids=SUBPROCESS)
def test_bad_input_fails_cleanly_in_a_real_process(case, tmp_path, monkeypatch):
    check_case(case, tmp_path, monkeypatch, run_process)


def test_a_non_ascii_smtp_password_is_refused_cleanly_and_the_ticket_kept(smtp_server,
                                                                         isolated_home,
                                                                         monkeypatch):
    from aiosmtpd.smtp import AuthResult

    controller, handler = smtp_server(auth_require_tls=False,
                                      authenticator=lambda *a: AuthResult(success=True))
    monkeypatch.setenv("TKH_SMTP_PW", "p\u00e4ssw\u00f6rd")
    write_config(f'[backends.mail]\ntype = "email"\nhost = "127.0.0.1"\n'
                 f'port = {controller.port}\nsecurity = "none"\nfrom = "a@b.co"\n'
                 f'to = "c@d.co"\nusername = "me"\npassword_env = "TKH_SMTP_PW"\n')
    out = run(*NEW, "-m", BODY)
    assert_failed_cleanly(out, BACKEND, "not plain ASCII")
    assert "p\u00e4ssw\u00f6rd" not in out.output and not handler.messages
    assert [(t.status, t.body) for t in stored_tickets()] == [("failed", BODY)]


def test_every_subprocess_case_exists_and_ids_are_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)) and set(SUBPROCESS) <= set(ids)


# -- a full disk: writes fail with EFBIG past a tiny file-size limit ---------------------

FULL_DISK = [
    Case("full-disk-new", [*NEW, "-m", BODY], STORAGE, "ticket store error", keeps="rescued",
         given="store"),
    Case("full-disk-new-long-stdin", NEW, STORAGE, "ticket store error", keeps="rescued",
         input=("A long story. " * 300).encode(), body=("A long story. " * 300).strip(),
         given="store"),
    Case("full-disk-attachment", [*NEW, "-m", BODY, "-a", "@shot.png"], STORAGE,
         "File too large", keeps="rescued", files={"shot.png": PNG + b"\0" * 256 * 1024},
         given="store"),
    Case("full-disk-config-init", ["config", "init"], STORAGE, "File too large"),
    Case("full-disk-search-index", ["search", "refund"], STORAGE,
         "cannot write the search index"),
]


# Most cases fill the disk at once (even SQLite's shared-memory file cannot grow); the
# attachment case leaves room for the database so that copying the file is what fails.
FULL_DISK_LIMITS = {"full-disk-attachment": 128 * 1024}


def _store(tmp_path: Path, monkeypatch) -> None:
    Store().close()  # the database exists; the disk fills up afterwards


GIVEN["store"] = _store


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
@pytest.mark.parametrize("case", FULL_DISK, ids=[c.id for c in FULL_DISK])
def test_full_disk_fails_cleanly_and_keeps_the_text(case, tmp_path, monkeypatch):
    limit = FULL_DISK_LIMITS.get(case.id, 1024)

    def full(*args: str, input: bytes | None = None) -> Outcome:
        return run_process(*args, input=input, preexec_fn=file_size_limit(limit))

    check_case(case, tmp_path, monkeypatch, full)


# -- unreadable files: root obeys file modes once it drops CAP_DAC_OVERRIDE --------------

UNREADABLE = [
    Case("unreadable-attachment", [*NEW, "-m", BODY, "-a", "@shot.png"], BAD_INPUT,
         "not readable", files={"shot.png": PNG}, given="mode:shot.png:000"),
    Case("attachment-in-closed-dir", [*NEW, "-m", BODY, "-a", "@closed/shot.png"], BAD_INPUT,
         "Permission denied", files={"closed/shot.png": PNG}, given="mode:closed:000"),
    Case("unreadable-body-file", [*NEW, "-F", "@body.txt"], BAD_INPUT,
         "cannot read the body file: Permission denied", files={"body.txt": BODY.encode()},
         given="mode:body.txt:000"),
    Case("unreadable-config", ["contact"], CONFIG, "cannot read config",
         files={"config.toml": b'lang = "en"\n'}, env={"TOKOHELP_CONFIG": "@config.toml"},
         given="mode:config.toml:000"),
    Case("read-only-data-dir", [*NEW, "-m", BODY], STORAGE, "Permission denied",
         files={"data": DIR}, env={"TOKOHELP_DATA_DIR": "@data"}, keeps="rescued",
         given="mode:data:500"),
    Case("read-only-cache-dir", ["search", "refund"], STORAGE, "cannot write the search index",
         files={"cache": DIR}, env={"TOKOHELP_CACHE_DIR": "@cache"}, given="mode:cache:500"),
]


def _unprivileged_runner() -> Any:
    """Run the real process so file modes bind: as root, without the override capabilities."""
    if os.geteuid() != 0:
        return run_process
    if not can_drop_file_override():
        pytest.skip("root cannot drop CAP_DAC_OVERRIDE here (no CAP_SETPCAP)")

    def unprivileged(*args: str, input: bytes | None = None) -> Outcome:
        return run_process(*args, input=input, preexec_fn=drop_file_override)
    return unprivileged


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
@pytest.mark.parametrize("case", UNREADABLE, ids=[c.id for c in UNREADABLE])
def test_unreadable_input_fails_cleanly(case, tmp_path, monkeypatch):
    runner = _unprivileged_runner()
    _, name, mode = case.given.split(":")
    case = Case(**{**case.__dict__, "given": ""})
    args = arrange(case, tmp_path, monkeypatch)
    target = tmp_path / "user" / name
    target.chmod(int(mode, 8))
    try:
        before = fingerprint(tmp_path / "user")
        out = runner(*args, input=case.input)
        assert_failed_cleanly(out, case.code, case.says)
        assert fingerprint(tmp_path / "user") == before
        assert_input_kept(case, out)
    finally:
        target.chmod(0o700)


# -- broken articles are skipped with one warning, the rest still works -------------------

BROKEN_ARTICLES = {
    "bad-toml": b'+++\ntitle = \n+++\nbody\n',
    "no-front-matter": b"# Just markdown\n",
    "unclosed": b'+++\ntitle = "x"\n',
    "not-utf8": b'+++\ntitle = "caf\xe9"\n+++\n',
    "unknown-category": b'+++\ntitle = "t"\ncategory = "nope"\nlang = "en"\nslug = "s"\n+++\nb\n',
    "bad-lang": b'+++\ntitle = "t"\ncategory = "refund"\nlang = "fr"\nslug = "s"\n+++\nb\n',
    "tags-not-list": (b'+++\ntitle = "t"\ncategory = "refund"\nlang = "en"\nslug = "s"\n'
                      b'tags = "x"\n+++\nb\n'),
    "binary": bytes(range(256)),
    "directory-named-md": DIR,
}


@pytest.mark.parametrize("kind", sorted(BROKEN_ARTICLES))
@pytest.mark.parametrize("command", [["search", "refund"], ["index"]], ids=["search", "index"])
def test_a_broken_article_is_skipped_with_one_warning(library, kind, command):
    make_file(library / "refund" / f"broken-{kind}.en.md", BROKEN_ARTICLES[kind])
    out = run(*command)
    assert out.exception is None and out.code == 0, out.output
    assert "Traceback" not in out.output
    warnings = [line for line in out.stderr.splitlines() if line.startswith("tokohelp: warning")]
    if kind == "directory-named-md":
        assert warnings == []  # not a file: not an article
        return
    assert len(warnings) == 1 and f"broken-{kind}.en.md" in warnings[0], out.stderr
    if command[0] == "search":
        assert "Money back" in out.stdout


def bad_input_counts() -> dict[str, int]:
    """How many bad inputs each group of cases tries (the conftest prints the total)."""
    return {"in-process": len(CASES), "real process": len(SUBPROCESS),
            "full disk": len(FULL_DISK), "unreadable": len(UNREADABLE),
            "broken articles": 2 * len(BROKEN_ARTICLES), "non-ASCII SMTP password": 1}


def test_summary_counts_the_bad_inputs():
    counts = bad_input_counts()
    assert sum(counts.values()) >= 100, counts
