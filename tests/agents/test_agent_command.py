"""`dapjang agent add` sets up a desk from a script; the token is alone on the last line."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from dapjang.agents.models import Agent
from dapjang.agents.services import token_agent


def test_agent_add_with_a_token_prints_it_alone_on_the_last_line(desk: dict[str, Any]) -> None:
    out = StringIO()
    call_command(
        "agent", "add", "minji@shop.example", "--name", "김민지", "--queue", "shipping", "--token", stdout=out
    )
    lines = out.getvalue().strip().splitlines()
    agent = token_agent(lines[-1])
    assert agent is not None and agent.name == "김민지"
    assert "password" not in lines[-1]
    assert any("minji@shop.example /" in line for line in lines)  # the one-time login password


def test_a_lead_and_an_admin(desk: dict[str, Any]) -> None:
    call_command(
        "agent",
        "add",
        "lead@shop.example",
        "--name",
        "팀장",
        "--queue",
        "general",
        "--lead",
        stdout=StringIO(),
    )
    call_command("agent", "add", "boss@shop.example", "--name", "관리자", "--admin", stdout=StringIO())
    roles = dict(Agent.objects.values_list("user__email", "role"))
    assert roles == {"lead@shop.example": "lead", "boss@shop.example": "admin"}
    assert Agent.objects.get(role="lead").memberships.get().is_lead


def test_bad_input_is_a_clear_error(desk: dict[str, Any]) -> None:
    with pytest.raises(CommandError, match="no queue refunds"):
        call_command("agent", "add", "a@shop.example", "--name", "A", "--queue", "refunds", stdout=StringIO())
    with pytest.raises(CommandError, match="--queue"):
        call_command("agent", "add", "a@shop.example", "--name", "A", stdout=StringIO())
    assert Agent.objects.count() == 0
