"""The pager: which one, its environment, and when it runs, checked in a real terminal (pty)."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.helpers import make_library, write_article
from tokohelp.cli.pager import pager_command, pager_environment

WAIT = 60.0
RECORDER = """
import json, os, sys
data = sys.stdin.buffer.read()
with open(os.environ["PAGER_LOG"], "w") as log:
    json.dump({"argv": sys.argv[1:], "LESS": os.environ.get("LESS"),
               "LV": os.environ.get("LV"), "text": data.decode("utf-8", "replace")}, log)
"""


def test_tokohelp_pager_then_pager_then_less():
    assert pager_command({"TOKOHELP_PAGER": "most -s", "PAGER": "more"}) == ["most", "-s"]
    assert pager_command({"PAGER": "less -S"}) == ["less", "-S"]
    assert pager_command({"TOKOHELP_PAGER": "", "PAGER": "less"}) is None
    assert pager_command({"PAGER": "cat"}) is None
    assert pager_command({"PAGER": "'unbalanced"}) is None
    assert pager_command({}) in (["less"], ["more"], None)


def test_less_gets_frx_and_lv_only_when_unset():
    assert pager_environment({})["LESS"] == "FRX" and pager_environment({})["LV"] == "-c"
    assert pager_environment({"LESS": "-M", "LV": ""}) == {"LESS": "-M", "LV": ""}


@pytest.fixture
def library(tmp_path, monkeypatch):
    root = make_library(tmp_path / "lib")
    long_paragraph = " ".join(["The refund goes back to the balance you paid with."] * 60)
    write_article(root, "one-long-line", title="One long paragraph", body=long_paragraph)
    write_article(root, "short-one", title="Short", body="Two words.")
    monkeypatch.setenv("TOKOHELP_ARTICLES", str(root))
    for name in ("COLUMNS", "LINES", "PAGER", "TOKOHELP_PAGER", "LESS", "LV", "CI"):
        monkeypatch.delenv(name, raising=False)
    return root


def show_in_terminal(tmp_path: Path, args: list[str], rows: int, cols: int,
                     env: dict[str, str]) -> tuple[str, dict | None]:
    """Run tokohelp on a ``rows`` x ``cols`` pty; return the screen's text and the pager log."""
    recorder = tmp_path / "pager.py"
    recorder.write_text(RECORDER)
    log = tmp_path / "pager.json"
    log.unlink(missing_ok=True)
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    full_env = {**os.environ, "PAGER": f"{sys.executable} {recorder}",
                "PAGER_LOG": str(log), "TERM": "xterm-256color", **env}
    proc = subprocess.Popen([sys.executable, "-m", "tokohelp", *args], stdin=terminal,
                            stdout=terminal, stderr=terminal, env=full_env)
    os.close(terminal)
    screen = b""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(controller, 65536)
            except OSError:
                break
            if not chunk:
                break
            screen += chunk
        elif proc.poll() is not None:
            break
    proc.wait(timeout=WAIT)
    os.close(controller)
    return screen.decode("utf-8", "replace"), (json.loads(log.read_text())
                                               if log.exists() else None)


def test_a_long_render_is_paged_with_frx_and_colours(library, tmp_path):
    screen, paged = show_in_terminal(tmp_path, ["show", "one-long-line"], rows=30, cols=40,
                                     env={})
    assert paged is not None, screen
    assert (paged["LESS"], paged["LV"]) == ("FRX", "-c")
    assert "\x1b[" in paged["text"]  # styles reach the pager, which shows them (-R)
    assert "One long paragraph" in paged["text"] and "unofficial" in paged["text"]


def test_paging_follows_the_rendered_height_not_the_source_lines(library, tmp_path):
    _, wide = show_in_terminal(tmp_path, ["show", "one-long-line"], rows=60, cols=200, env={})
    assert wide is None  # 60 source words per line fit a wide, tall terminal
    _, narrow = show_in_terminal(tmp_path, ["show", "one-long-line"], rows=60, cols=40, env={})
    assert narrow is not None  # the same article wraps to more than 60 rows at 40 columns


def test_short_text_no_pager_and_tokohelp_pager(library, tmp_path):
    screen, paged = show_in_terminal(tmp_path, ["show", "short-one"], rows=30, cols=80, env={})
    assert paged is None and "Two words." in screen
    for args in (["--no-pager", "show", "one-long-line"], ["show", "one-long-line", "--no-pager"]):
        screen, paged = show_in_terminal(tmp_path, args, rows=30, cols=40, env={})
        assert paged is None and "One long paragraph" in screen
    _, paged = show_in_terminal(tmp_path, ["show", "one-long-line"], rows=30, cols=40,
                                env={"TOKOHELP_PAGER": "", "LESS": "-M"})
    assert paged is None


def test_user_less_settings_are_kept(library, tmp_path):
    _, paged = show_in_terminal(tmp_path, ["show", "one-long-line"], rows=30, cols=40,
                                env={"LESS": "-R -M"})
    assert paged is not None and paged["LESS"] == "-R -M"
