"""Index builds that are killed: no orphaned workers, no build files left behind for good."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.helpers import make_library, write_article
from tokohelp import index as index_module
from tokohelp.index import BUILDING, clean_stale_builds, index_path, open_index

SCRIPT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from tokohelp import index

    real = index._analyze

    def slow(path, categories):
        time.sleep(0.05)
        return real(path, categories)

    index._analyze = slow
    index.PARALLEL_FILES = 1
    index.open_index([Path(sys.argv[1])], Path(sys.argv[2]))
""")


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def _wait(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_sigkill_during_a_parallel_build_leaves_no_workers_and_no_lasting_files(tmp_path):
    root = make_library(tmp_path / "lib")
    for n in range(400):
        write_article(root, f"topic-{n}", title=f"Topic {n}", body="refund parcel " * 20)
    cache = tmp_path / "cache"
    build = subprocess.Popen([sys.executable, "-c", SCRIPT, str(root), str(cache)],
                             env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    try:
        assert _wait(lambda: len(_children(build.pid)) >= 1, 60), "no workers started"
        workers = _children(build.pid)
        os.kill(build.pid, signal.SIGKILL)
        build.wait(30)
    finally:
        if build.poll() is None:
            build.kill()
    # generous: the machine may be busy; what matters is that they all go
    assert _wait(lambda: not any(Path(f"/proc/{w}").exists() for w in workers), 60)
    folder = index_path(cache, [root]).parent
    assert list(folder.glob(BUILDING + "*"))  # the killed build's file is still there
    fresh = open_index([root], cache)
    assert fresh.rebuilt and fresh.db.execute("SELECT COUNT(*) FROM docs").fetchone()[0] == 403
    assert list(folder.glob(BUILDING + "*")) == []  # ... and the next build removed it


def test_stale_build_files_are_cleaned_and_live_ones_kept(tmp_path, monkeypatch):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"{BUILDING}{dead.pid}-abc.sqlite"
    live = tmp_path / f"{BUILDING}{os.getpid()}-def.sqlite"
    unnamed = tmp_path / f"{BUILDING}xyz.sqlite"  # the old naming, without a process id
    for path in (stale, live, unnamed):
        path.write_bytes(b"partial")
    old = time.time() - index_module.STALE_BUILD_SECONDS - 10
    os.utime(unnamed, (old, old))
    assert sorted(clean_stale_builds(tmp_path)) == sorted([stale, unnamed])
    assert live.exists()
