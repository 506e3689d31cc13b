"""Fixtures for the hardening tests: a small article library, a private temp dir, servers."""

from __future__ import annotations

import tempfile

import pytest

from tests.helpers import make_library


@pytest.fixture(autouse=True)
def library(tmp_path, monkeypatch):
    """A tiny article library, so searches and article offers are fast and predictable."""
    root = make_library(tmp_path / "lib")
    monkeypatch.setenv("TOKOHELP_ARTICLES", str(root))
    return root


@pytest.fixture(autouse=True)
def temp_dir(tmp_path, monkeypatch):
    """TMPDIR (and Python's cached temp dir) inside tmp_path: rescued drafts land here."""
    path = tmp_path / "tmp"
    path.mkdir()
    monkeypatch.setenv("TMPDIR", str(path))
    monkeypatch.setattr(tempfile, "tempdir", str(path))
    return path



_BOOKKEEPING = ("test_every_subprocess_case_exists_and_ids_are_unique",
                "test_summary_counts_the_bad_inputs")


def pytest_terminal_summary(terminalreporter):
    """Print how many bad inputs were tried and how they ended (issue 6 asks for the count)."""
    outcomes: dict[str, str] = {}
    for key in ("passed", "skipped", "failed", "error"):  # the worst outcome of a test wins
        for report in terminalreporter.stats.get(key, []):
            nodeid = getattr(report, "nodeid", "")
            if "test_bad_input.py::" in nodeid and not nodeid.endswith(_BOOKKEEPING):
                outcomes[nodeid] = key
    if outcomes:
        count = list(outcomes.values()).count
        terminalreporter.write_line(
            f"hardening: {len(outcomes)} bad inputs tried: {count('passed')} handled cleanly "
            f"(documented exit, one message, no traceback, input kept), "
            f"{count('failed') + count('error')} not, {count('skipped')} skipped")
