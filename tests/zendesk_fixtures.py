"""The Zendesk model (tests/backends/zendesk_server.py) as a fixture, in server_fixtures' style."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.backends.zendesk_server import ZendeskHTTPServer

END_USER, END_USER_TOKEN, OAUTH_TOKEN = "buyer@example.com", "zd-api-token", "zd-oauth-token"


@dataclass
class ZendeskAccount:
    """A started model account: the server, its end user and an agent who answers."""

    server: ZendeskHTTPServer
    user_id: int
    agent_id: int

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def state(self):
        return self.server.state


@pytest.fixture
def zendesk():
    """A Zendesk model with end user buyer@example.com (API token and OAuth) and an agent."""
    server = ZendeskHTTPServer().start()
    user_id = server.state.add_user(END_USER, "Budi Buyer", api_token=END_USER_TOKEN,
                                    oauth_token=OAUTH_TOKEN)
    agent_id = server.state.add_user("rina@cs.example.com", "Rina (CS)", role="agent")
    yield ZendeskAccount(server, user_id, agent_id)
    server.stop()
