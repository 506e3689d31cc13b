"""Test-wide fixtures: every user directory points into tmp_path."""

from __future__ import annotations

import pytest

from tests.server_fixtures import (  # noqa: F401 - fixtures for every folder
    desk_factory,
    desk_server,
    fault_proxy,
    rt_server,
    smtp_server,
    tls_cert,
)
from tests.zendesk_fixtures import zendesk  # noqa: F401 - the Zendesk model for every folder


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Keep tests away from the real config, data and cache dirs and from each other."""
    home = tmp_path / "home"
    monkeypatch.setenv("TOKOHELP_HOME", str(home))
    monkeypatch.setenv("TOKOHELP_CONFIG", str(home / "config" / "config.toml"))
    monkeypatch.setenv("TOKOHELP_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("TOKOHELP_CACHE_DIR", str(home / "cache"))
    for name in ("TOKOHELP_ARTICLES", "TOKOHELP_LANG", "TOKOHELP_DEBUG", "VISUAL", "EDITOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    from tokohelp import redact

    monkeypatch.setattr(redact, "_SECRETS", set())  # one test's secrets never mask another's
    return home
