"""tokohelp.startup: large imports with the collector paused, only in a process we own."""

from __future__ import annotations

import gc
import json
import subprocess
import sys

from tokohelp import startup


def test_in_a_process_tokohelp_does_not_own_nothing_changes():
    """A test (or a program importing tokohelp) keeps its collector exactly as it was."""
    assert not startup._Process.owned
    frozen = gc.get_freeze_count()
    with startup.paused_collector():
        assert gc.isenabled()
    assert gc.isenabled() and gc.get_freeze_count() == frozen


# In a fresh interpreter: own the process, then make the Rich console as a terminal
# command does, counting the collections that run meanwhile.
_PROBE = """
import gc, io, json, sys
from tokohelp import startup
from tokohelp.session import _console
startup.own_process()
runs = []
gc.callbacks.append(lambda phase, info: runs.append(1) if phase == "start" else None)
frozen = gc.get_freeze_count()
_console(io.StringIO())
gc.callbacks.clear()
state = {"runs": len(runs), "enabled": gc.isenabled(), "rich": "rich.console" in sys.modules,
         "newly_frozen": gc.get_freeze_count() - frozen}
sys.stdout.write(json.dumps(state))
"""


def test_an_owned_process_imports_rich_without_collections_and_freezes_it():
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                          check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    state = json.loads(done.stdout)
    assert state["rich"] and state["runs"] == 0 and state["enabled"]
    assert state["newly_frozen"] > 5_000  # Rich's modules, out of the collector's sight


def test_a_paused_collector_comes_back_on_after_an_error(monkeypatch):
    monkeypatch.setattr(startup._Process, "owned", True)
    monkeypatch.setattr(gc, "freeze", lambda: None)  # keep this test process's objects
    try:
        with startup.paused_collector():
            assert not gc.isenabled()
            raise ImportError("broken install")
    except ImportError:
        pass
    assert gc.isenabled()
