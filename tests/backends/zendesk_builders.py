"""Configs for the zendesk backend tests (the model account is the ``zendesk`` fixture)."""

from __future__ import annotations

from tests.backends.builders import write_config
from tests.zendesk_fixtures import END_USER
from tokohelp.tickets.backends import load_backend

AUTH = {
    "token": f'email = "{END_USER}"\ntoken_env = "ZD_TOKEN"\n',
    "oauth": 'oauth_token_env = "ZD_OAUTH"\n',
    "anonymous": f'email = "{END_USER}"\nname = "Budi Buyer"\nanonymous = true\n',
}


def zendesk_config(url: str, auth: str = "token", extra: str = "") -> str:
    """A config with one zendesk backend ``desk`` as default."""
    return (f'default_backend = "desk"\n[backends.desk]\ntype = "zendesk"\nurl = "{url}"\n'
            f"{AUTH[auth]}{extra}")


def zendesk_backend(url: str, auth: str = "token", extra: str = ""):
    """The loaded backend for :func:`zendesk_config`."""
    return load_backend(write_config(zendesk_config(url, auth, extra)), None)
