"""Bearer tokens only: the API never reads the session cookie.

A browser that is logged in to the console therefore cannot be made to call the API by another
site, so there is no CSRF to defend here (RELIABILITY 35); a script needs a token from
`dapjang agent add … --token`.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from dapjang.agents.models import Agent
from dapjang.agents.services import token_agent


class AgentToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Agent | None:
        return token_agent(token.strip())


def agent_from(request: HttpRequest) -> Agent:
    """The agent ninja authenticated; every handler starts here, then from `tickets_visible_to`."""
    agent = request.auth  # type: ignore[attr-defined]
    assert isinstance(agent, Agent)
    return agent
