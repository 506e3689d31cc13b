"""Progress and interruption of sends, seen from a real process."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time

from tests.helpers import make_library
from tests.tickets.test_ticket_cli import ARGS, Webhook, hook_config, run
from tokohelp.tickets.store import Store

WAIT = 60.0


def read_until(fd: int, text: bytes, proc: subprocess.Popen) -> bytes:
    seen = b""
    deadline = time.monotonic() + WAIT
    while text not in seen:
        assert time.monotonic() < deadline, seen
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the pty closed: the process ended
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    return seen


def dead_desk(isolated_home, monkeypatch, tmp_path) -> None:
    """A config whose webhook nobody answers, over a small library."""
    monkeypatch.setenv("TOKOHELP_ARTICLES", str(make_library(tmp_path / "lib")))
    with Webhook() as gone:
        dead = gone.url
    hook_config(isolated_home, dead, monkeypatch)


def stderr_on_a_pty(*args: str) -> tuple[bytes, int]:
    """Run tokohelp with stderr on a terminal until the retry line shows; (seen, status)."""
    controller, terminal = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "tokohelp", *args],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=terminal)
    os.close(terminal)
    try:
        seen = read_until(controller, b"sending... attempt 2 of 2, retrying in", proc)
    finally:
        proc.wait(timeout=WAIT)
        os.close(controller)
    return seen, proc.returncode


def test_retries_show_progress_on_a_terminal(isolated_home, monkeypatch, tmp_path):
    dead_desk(isolated_home, monkeypatch, tmp_path)
    seen, status = stderr_on_a_pty(*ARGS, "-m", "x", "--yes")
    assert b"sending... attempt 2 of 2, retrying in 0.0 s" in seen, seen
    assert status == 6


def test_ticket_send_shows_retry_progress_on_a_terminal(isolated_home, monkeypatch, tmp_path):
    """The same progress for a retried ticket send as for ticket new (issue 12 item 5)."""
    dead_desk(isolated_home, monkeypatch, tmp_path)
    assert run(*ARGS, "-m", "x").exit_code == 6  # stored, queued
    seen, status = stderr_on_a_pty("ticket", "send", "1")
    assert b"sending... attempt 2 of 2, retrying in" in seen, seen
    assert status == 6


def test_no_progress_lines_when_stderr_is_not_a_terminal(isolated_home, monkeypatch, tmp_path):
    dead_desk(isolated_home, monkeypatch, tmp_path)
    result = run(*ARGS, "-m", "x")
    assert result.exit_code == 6 and "sending..." not in result.stderr


def test_ctrl_c_during_send_says_which_tickets_stay_queued(isolated_home, monkeypatch,
                                                           tmp_path):
    monkeypatch.setenv("TOKOHELP_ARTICLES", str(make_library(tmp_path / "lib")))
    for n in range(3):
        assert run(*ARGS, "-m", f"body {n}").exit_code == 0
    with Webhook() as desk:
        desk.delay = 3.0
        hook_config(isolated_home, desk.url, monkeypatch)
        proc = subprocess.Popen([sys.executable, "-m", "tokohelp", "ticket", "send", "--all"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + WAIT
        while len(desk.arrived) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)  # ticket 2 is sent only once ticket 1 is recorded as sent
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 130, err
    assert "interrupted: tickets 2 3 stay queued" in err
    assert "Resume with: tokohelp ticket send 2 3" in err
    assert "Traceback" not in err
    statuses = [t.status for t in Store().tickets()]
    assert statuses == ["sent", "queued", "queued"]


def test_send_all_shows_a_progress_bar_on_a_terminal(isolated_home, monkeypatch, tmp_path):
    monkeypatch.setenv("TOKOHELP_ARTICLES", str(make_library(tmp_path / "lib")))
    for n in range(3):
        assert run(*ARGS, "-m", f"body {n}").exit_code == 0
    with Webhook() as desk:
        hook_config(isolated_home, desk.url, monkeypatch)
        done = subprocess.run([sys.executable, "-m", "tokohelp", "ticket", "send", "--all"],
                              capture_output=True, text=True, timeout=WAIT,
                              stdin=subprocess.DEVNULL,
                              env={**os.environ, "TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1",
                                   "COLUMNS": "100"})
    assert done.returncode == 0, done.stderr
    assert "Sending tickets" in done.stderr and "100%" in done.stderr
    assert len(desk.posts) == 3
