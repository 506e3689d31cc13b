"""Shell completion: the scripts for bash, zsh and fish, and the dynamic values they get."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_startup import imported


def tokohelp(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tokohelp", *args], capture_output=True,
                          text=True, timeout=60, env={**os.environ, **(env or {})},
                          stdin=subprocess.DEVNULL)


def bash(line: str) -> list[str]:
    words = line.split(" ")
    done = tokohelp(env={"_TOKOHELP_COMPLETE": "complete_bash", "COMP_WORDS": line,
                         "COMP_CWORD": str(len(words) - 1)})
    assert done.returncode == 0 and not done.stderr, done.stderr
    return done.stdout.split()


@pytest.mark.parametrize(("shell", "marker"), [("bash", "complete -o default -F"),
                                               ("zsh", "compdef"),
                                               ("fish", "complete --command tokohelp")])
def test_completion_scripts_are_generated(shell, marker):
    # Typer detects the user's shell from the parent process; its own test switch lets
    # the shell be named instead, as a user of another shell would get it.
    done = tokohelp("--show-completion", shell,
                    env={"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"})
    assert done.returncode == 0, done.stderr
    assert "_TOKOHELP_COMPLETE" in done.stdout and marker in done.stdout


def test_commands_and_sub_commands_complete():
    assert "ticket" in bash("tokohelp ti")
    assert set(bash("tokohelp ticket s")) == {"show", "send"}


def test_slugs_categories_channels_and_topics_complete():
    assert {"refund-status", "refund-not-received"} <= set(bash("tokohelp show refund-"))
    assert bash("tokohelp search --category shi") == ["shipping"]
    assert "email" in bash("tokohelp contact --channel e")
    assert bash("tokohelp docs exit") == ["exit-codes"]


def test_ticket_ids_and_backends_complete_without_creating_a_store(isolated_home):
    assert bash("tokohelp ticket show ") == []
    assert not (isolated_home / "data").exists()
    done = tokohelp("ticket", "new", "-s", "Refund late", "-c", "refund", "-m", "x")
    assert done.returncode == 0, done.stderr
    assert bash("tokohelp ticket show ") == ["1"]
    config = isolated_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[backends.desk]\ntype = "rt"\nurl = "http://127.0.0.1:9"\n'
                      '[backends.mail]\ntype = "email"\nhost = "h"\nfrom = "a@b.c"\n'
                      'to = "c@d.e"\n')
    assert bash("tokohelp ticket new --backend ") == ["desk", "mail"]


def test_zsh_and_fish_get_values_with_descriptions():
    zsh = tokohelp(env={"_TOKOHELP_COMPLETE": "complete_zsh",
                        "_TYPER_COMPLETE_ARGS": "tokohelp search --category refu"})
    assert '"refund":"Refunds / Pengembalian Dana"' in zsh.stdout \
        or '"refund":"Pengembalian Dana / Refunds"' in zsh.stdout, zsh.stdout
    fish = tokohelp(env={"_TOKOHELP_COMPLETE": "complete_fish",
                         "_TYPER_COMPLETE_ARGS": "tokohelp docs tick",
                         "_TYPER_COMPLETE_FISH_ACTION": "get-args"})
    assert fish.stdout.startswith("tickets\t")


def test_a_normal_run_loads_no_completion_data():
    modules = imported("--version")
    assert not {"sqlite3", "tokohelp.articles", "tokohelp.contacts", "tokohelp.manual"} & modules
    assert Path(sys.executable).exists()
