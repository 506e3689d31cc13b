"""Fixtures for the backend tests."""

from __future__ import annotations

import signal

import pytest


@pytest.fixture(autouse=True, scope="session")
def ctrl_c_reaches_child_processes():
    """Let the Ctrl-C tests' child processes take SIGINT however the suite was started.

    A shell without job control starts background commands with SIGINT ignored, and
    an ignored signal stays ignored across exec: a ``tokohelp`` child would never see
    the test's Ctrl-C.  A handled signal is reset to the default on exec, so handling
    it here gives every child Python its KeyboardInterrupt back.
    """
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
