"""Fixtures for the knowledge-base sync tests: a Zendesk model server and config files."""

from __future__ import annotations

import pytest

from tests.sources.zendesk_model import ZendeskModel, ZendeskServer


@pytest.fixture
def zendesk():
    """A running Zendesk Help Center model: ``.url`` and ``.model``."""
    with ZendeskServer(ZendeskModel()) as server:
        yield server


@pytest.fixture
def write_config(isolated_home):
    """Write the config file (TOML text) and return the loaded Config."""
    from tokohelp.config import config_path, load_config

    def write(text: str):
        path = config_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return load_config()

    return write
