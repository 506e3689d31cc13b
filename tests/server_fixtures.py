"""Server fixtures shared by every test folder: real servers on 127.0.0.1, started by tests.

RT starts once per session (a copy of the installed database, its own site
config); in CI (``CI=true``) a missing RT fails the run instead of skipping.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.backends.servers import (
    DeskHTTPServer,
    FaultProxy,
    RecordingHandler,
    RTServer,
    free_port,
    make_cert,
    rt_missing_reason,
)


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def rt_server(tmp_path_factory):
    """A real Request Tracker 5: ``.url``, ``.username``, ``.password``, REST helpers."""
    reason = rt_missing_reason()
    if reason:
        if _in_ci():
            pytest.fail(f"Request Tracker is required in CI: {reason}")
        pytest.skip(reason)
    server = RTServer(tmp_path_factory.mktemp("rt"))
    try:
        server.start()
    except RuntimeError as exc:
        server.stop()
        pytest.fail(str(exc))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory) -> tuple[Path, Path]:
    """(cert, key) of a self-signed certificate for 127.0.0.1."""
    return make_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def desk_server():
    """The documented http contract, with bearer token ``desk-token``."""
    server = DeskHTTPServer(token="desk-token").start()
    yield server
    server.stop()


def _starter(make: Callable[..., Any]) -> Iterator[Callable[..., Any]]:
    """Yield ``start(*args, **kwargs)`` that starts servers made by ``make``; stop them after."""
    started: list[Any] = []

    def start(*args: Any, **kwargs: Any) -> Any:
        server = make(*args, **kwargs).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def desk_factory():
    """``desk_factory(token=...)`` -> another started desk server, stopped after the test."""
    yield from _starter(DeskHTTPServer)


@pytest.fixture
def fault_proxy():
    """``fault_proxy(upstream_url, **options)`` -> a started FaultProxy, stopped after."""
    yield from _starter(FaultProxy)


@pytest.fixture
def smtp_server():
    """``smtp_server(**controller_options)`` -> (controller, handler); plain SMTP by default."""
    from aiosmtpd.controller import Controller

    started = []

    def start(handler: RecordingHandler | None = None, **options):
        handler = handler or RecordingHandler()
        controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **options)
        controller.start()
        started.append(controller)
        return controller, handler

    yield start
    for controller in started:
        controller.stop()
