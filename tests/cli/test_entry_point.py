"""The entry point pauses the cyclic collector while start-up imports run (issue 14).

What is checked is structural, so it holds on a busy machine: how many collections a run
makes, whether the collector is back on for the command, and where the script starts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Counts the collections of one run and reports the collector's state after it.
_PROBE = """
import gc, json, sys
entry, args = sys.argv[1], sys.argv[2:]
sys.argv = ["tokohelp", *args]
runs, during_imports = [], []


def count(phase, info):
    # From Typer's first import until tokohelp.cli defines main, its last line. (Compiling
    # the entry module itself, where no .pyc is written, comes before it can pause.)
    if phase == "start":
        runs.append(info["generation"])
        during_imports.append("typer" in sys.modules
                              and not hasattr(sys.modules.get("tokohelp.cli"), "main"))


gc.callbacks.append(count)
if entry == "entry":
    from tokohelp.__main__ import main
else:
    from tokohelp.cli import main
try:
    main()
except SystemExit:
    pass
gc.callbacks.clear()
state = {"runs": runs, "imports": sum(during_imports), "enabled": gc.isenabled(),
         "frozen": gc.get_freeze_count()}
sys.stderr.write("\\nGC " + json.dumps(state) + "\\n")
"""


def collector(entry: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", _PROBE, entry, *args], capture_output=True,
                          text=True, check=False, timeout=60)
    assert "Traceback" not in done.stderr, done.stderr
    return json.loads(done.stderr.rsplit("GC ", 1)[1])


@pytest.mark.parametrize("args", [("--help",), ("search", "refund"), ("contact",)])
def test_start_up_imports_run_without_collections(args):
    direct = collector("direct", *args)  # also builds the index for a search
    through_entry = collector("entry", *args)
    # Importing Typer and the CLI makes dozens of collections when nothing pauses them.
    assert direct["imports"] >= 20
    assert through_entry["imports"] == 0
    assert 2 not in through_entry["runs"]  # no full pass over everything start-up made


def test_the_collector_is_on_again_for_the_command_and_start_up_is_frozen():
    state = collector("entry", "--version")
    assert state["enabled"]
    assert state["frozen"] > 10_000  # Typer, Click and tokohelp's objects, out of its sight


def test_console_script_and_python_m_start_at_the_entry_point():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"]["tokohelp"] == "tokohelp.__main__:main"
    done = subprocess.run([sys.executable, "-m", "tokohelp", "--version"], capture_output=True,
                          text=True, check=False, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("tokohelp "), done.stderr
