"""Who sees what: an agent sees the tickets of their queues and nothing else (MISSION A6, RELIABILITY 34)."""

from __future__ import annotations

from typing import Any

import pytest

from dapjang.agents.models import Agent, ApiToken
from dapjang.agents.services import (
    AgentError,
    agent_add,
    agent_of,
    tickets_visible_to,
    token_agent,
    token_issue,
)
from tests.factories import TicketFactory, agent_make


def test_an_agent_sees_only_the_tickets_of_their_queues(desk: dict[str, Any]) -> None:
    general, shipping = desk["general"], desk["shipping"]
    mine = TicketFactory(queue=shipping)
    TicketFactory(queue=general)
    agent = agent_make("minji@shop.example", shipping)
    assert list(tickets_visible_to(agent)) == [mine]


def test_an_agent_in_two_queues_sees_each_ticket_once(desk: dict[str, Any]) -> None:
    TicketFactory(queue=desk["general"])
    TicketFactory(queue=desk["shipping"])
    agent = agent_make("minji@shop.example", desk["general"], desk["shipping"])
    assert tickets_visible_to(agent).count() == 2


def test_an_admin_sees_every_queue_and_nobody_sees_anything(desk: dict[str, Any]) -> None:
    TicketFactory(queue=desk["general"])
    admin = agent_make("boss@shop.example", role=Agent.Role.ADMIN)
    assert tickets_visible_to(admin).count() == 1
    assert tickets_visible_to(None).count() == 0


def test_a_login_without_an_agent_profile_is_nobody(desk: dict[str, Any], django_user_model: Any) -> None:
    user = django_user_model.objects.create_user("stranger", password="x")
    assert agent_of(user) is None
    inactive = agent_make("gone@shop.example", desk["general"])
    inactive.user.is_active = False
    inactive.user.save()
    assert agent_of(inactive.user) is None


def test_adding_an_agent_twice_updates_them_and_unknown_queues_are_refused(desk: dict[str, Any]) -> None:
    first = agent_add(email="Minji@Shop.example", name="김민지", queues=["general"])
    again = agent_add(email="minji@shop.example", name="김민지", queues=["shipping"], role=Agent.Role.LEAD)
    assert first.pk == again.pk and again.role == Agent.Role.LEAD
    assert sorted(m.queue.slug for m in again.memberships.all()) == ["general", "shipping"]
    with pytest.raises(AgentError, match="refunds"):
        agent_add(email="x@shop.example", name="x", queues=["refunds"])
    with pytest.raises(AgentError, match="e-mail"):
        agent_add(email="not-an-address", name="x", queues=["general"])


def test_a_token_is_shown_once_stored_hashed_and_can_be_revoked(desk: dict[str, Any]) -> None:
    agent = agent_make("minji@shop.example", desk["general"])
    token = token_issue(agent)
    row = ApiToken.objects.get()
    assert token not in (row.digest, row.prefix) and token.startswith(row.prefix)
    assert token_agent(token) == agent
    assert token_agent(token + "x") is None
    assert token_agent("Bearer " + token) is None
    row.revoked = True
    row.save()
    assert token_agent(token) is None
