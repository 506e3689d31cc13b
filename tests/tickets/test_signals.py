"""SIGINT, SIGTERM and SIGHUP during ``ticket new`` / ``ticket edit``, with real processes.

tokohelp runs as ``python -m tokohelp`` with a pseudo-terminal on stdin (so it is
interactive) and a real editor process: a small script given as $VISUAL that writes
what the "user" typed, says it is ready, and waits for a release file, like a GUI
editor started with ``--wait``.  Signals are real, sent to tokohelp alone or to the
whole process group (what a terminal does on Ctrl-C or when it closes).
"""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import make_library

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and ptys")

WAIT = 60.0
EDITOR = """
import os, signal, sys, time
if os.environ.get("EDITOR_IGNORES"):
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        signal.signal(getattr(signal, name), signal.SIG_IGN)
with open(sys.argv[1], "a", encoding="utf-8") as f:
    f.write(os.environ["EDITOR_TYPES"])
marker = os.environ["EDITOR_MARKER"]
open(marker + ".path", "w").write(sys.argv[1])
os.rename(marker + ".path", marker)
deadline = time.time() + 120
try:
    while not os.path.exists(marker + ".release") and time.time() < deadline:
        time.sleep(0.05)
except KeyboardInterrupt:
    sys.exit(130)
"""


@pytest.fixture(autouse=True)
def library(tmp_path, monkeypatch):
    monkeypatch.setenv("TOKOHELP_ARTICLES", str(make_library(tmp_path / "lib")))
    monkeypatch.delenv("CI", raising=False)
    yield
    marker = tmp_path / "editor-ready"  # an editor file tokohelp rightly kept: tidy up
    if marker.exists():
        Path(marker.read_text()).unlink(missing_ok=True)


class Session:
    """One ``tokohelp`` process on a pty, its own process group, a scripted editor."""

    def __init__(self, tmp_path: Path, args: list[str], types: str = "Typed before the signal.\n",
                 editor_ignores: bool = False) -> None:
        script = tmp_path / "editor.py"
        script.write_text(EDITOR)
        self.marker = tmp_path / "editor-ready"
        env = {**os.environ, "VISUAL": f"{sys.executable} {script}", "EDITOR_TYPES": types,
               "EDITOR_MARKER": str(self.marker)}
        if editor_ignores:
            env["EDITOR_IGNORES"] = "1"
        self.controller, terminal = pty.openpty()
        self.proc = subprocess.Popen([sys.executable, "-m", "tokohelp", *args], stdin=terminal,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                     start_new_session=True)
        os.close(terminal)
        self.err = b""

    def type(self, line: str) -> None:
        os.write(self.controller, line.encode() + b"\n")

    def wait_for_stderr(self, text: str) -> None:
        deadline = time.monotonic() + WAIT
        while text.encode() not in self.err:
            assert time.monotonic() < deadline, f"never saw {text!r}: {self.err!r}"
            ready, _, _ = select.select([self.proc.stderr], [], [], 0.2)
            if ready:
                chunk = os.read(self.proc.stderr.fileno(), 4096)
                assert chunk, f"tokohelp ended early: {self.err!r}"
                self.err += chunk

    def wait_for_editor(self) -> Path:
        deadline = time.monotonic() + WAIT
        while not self.marker.exists():
            assert self.proc.poll() is None, self.proc.communicate()
            assert time.monotonic() < deadline, "the editor never started"
            time.sleep(0.05)
        return Path(self.marker.read_text())

    def release_editor(self) -> None:
        Path(f"{self.marker}.release").write_text("")

    def finish(self) -> tuple[int, str]:
        """tokohelp's exit status and stderr; an editor still running is released after."""
        code = self.proc.wait(timeout=WAIT)
        self.release_editor()  # it holds our pipes open until it ends
        _, rest = self.proc.communicate(timeout=WAIT)
        os.close(self.controller)
        return code, (self.err + rest).decode()


def tickets() -> list[dict]:
    proc = subprocess.run([sys.executable, "-m", "tokohelp", "ticket", "list", "--json"],
                          capture_output=True, text=True, timeout=WAIT, stdin=subprocess.DEVNULL)
    return json.loads(proc.stdout)


NEW = ["ticket", "new", "-s", "Refund late", "-c", "refund", "--yes"]


@pytest.mark.parametrize(("signum", "to_group"), [
    (signal.SIGTERM, False), (signal.SIGHUP, True), (signal.SIGINT, True)])
def test_a_signal_while_the_editor_is_open_keeps_a_draft(tmp_path, signum, to_group):
    session = Session(tmp_path, NEW)
    temp = session.wait_for_editor()
    if to_group:
        os.killpg(session.proc.pid, signum)
    else:
        os.kill(session.proc.pid, signum)
    code, err = session.finish()
    assert code == 128 + signum, err
    assert "Kept as draft ticket 1" in err and "tokohelp ticket edit 1" in err
    assert "Traceback" not in err
    [draft] = tickets()
    assert (draft["status"], draft["subject"], draft["body"]) == (
        "draft", "Refund late", "Typed before the signal.")
    if to_group:  # the editor died with us: its file is in the draft and may go
        assert not temp.exists()


def test_an_editor_that_outlives_the_signal_keeps_its_file(tmp_path):
    session = Session(tmp_path, NEW, editor_ignores=True)
    temp = session.wait_for_editor()
    os.killpg(session.proc.pid, signal.SIGTERM)
    code, err = session.finish()
    assert code == 143 and f"Your editor still has {temp} open" in err, err
    assert temp.exists() and "Typed before the signal." in temp.read_text()
    assert tickets()[0]["body"] == "Typed before the signal."


def test_a_signal_with_nothing_typed_in_the_editor_keeps_a_recovery_file(tmp_path):
    session = Session(tmp_path, NEW, types="")
    session.wait_for_editor()
    os.kill(session.proc.pid, signal.SIGTERM)
    code, err = session.finish()
    assert code == 143 and "tokohelp ticket new --recover " in err, err
    saved = Path(err.split("--recover ")[1].split()[0])
    assert "Subject: Refund late" in saved.read_text() and oct(saved.stat().st_mode)[-3:] == "600"
    assert tickets() == []  # no empty draft


def test_sighup_at_a_prompt_keeps_what_was_typed(tmp_path):
    session = Session(tmp_path, ["ticket", "new", "--yes"])
    session.wait_for_stderr("Subject: ")
    session.type("Parcel never arrived")
    session.wait_for_stderr("Category: ")
    os.kill(session.proc.pid, signal.SIGHUP)
    code, err = session.finish()
    assert code == 129, err
    saved = Path(err.split("--recover ")[1].split()[0])
    assert "Subject: Parcel never arrived" in saved.read_text()


def test_sigterm_while_editing_a_draft_keeps_the_new_text(tmp_path):
    first = subprocess.run([sys.executable, "-m", "tokohelp", *NEW[:-1], "-m", "first words"],
                           capture_output=True, text=True, timeout=WAIT,
                           stdin=subprocess.DEVNULL)
    assert first.returncode == 0, first.stderr
    subprocess.run([sys.executable, "-c", "from tokohelp.tickets.store import Store;"
                    "Store().db.execute(\"UPDATE tickets SET status='draft'\")"], check=True)
    session = Session(tmp_path, ["ticket", "edit", "1"], types="more words\n")
    session.wait_for_editor()
    os.kill(session.proc.pid, signal.SIGTERM)
    code, err = session.finish()
    assert code == 143 and "draft ticket 1" in err, err
    body = tickets()[0]["body"]
    assert body.startswith("first words") and body.endswith("more words")


def _sent_ticket() -> None:
    """A ticket the (absent) desk has: reply needs a sent one; its backend is unreachable."""
    from tests.backends.builders import http_config, write_config
    from tests.backends.servers import free_port
    from tokohelp.tickets.model import RemoteRef
    from tokohelp.tickets.store import NewTicket, Store

    write_config(http_config(f"http://127.0.0.1:{free_port()}/tickets",
                             extra="timeout = 5\n[send]\nattempts = 1\n"))
    os.environ["DESK_TOKEN"] = "desk-token"
    store = Store()
    ticket = store.create(NewTicket("Refund late", "Where is it?", "refund", backend="desk"), [])
    store.mark_sent(ticket.id, RemoteRef("T1"))
    store.close()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_while_writing_a_reply_keeps_it_in_a_recovery_file(tmp_path, signum,
                                                                   monkeypatch):
    monkeypatch.setenv("DESK_TOKEN", "desk-token")
    _sent_ticket()
    session = Session(tmp_path, ["ticket", "reply", "1"], types="Receipt number R-7.\n")
    session.wait_for_editor()
    os.kill(session.proc.pid, signum)
    code, err = session.finish()
    assert code == 128 + signum, err
    assert "interrupted: the reply was not sent" in err and "Traceback" not in err
    saved = Path(err.split("--body-file ")[1].split()[0])
    assert saved.read_text().strip() == "Receipt number R-7."
    assert oct(saved.stat().st_mode)[-3:] == "600"
