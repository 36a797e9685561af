"""A desk seen through the API: two queues, an agent in each, an admin, and tickets made from real mail."""

from __future__ import annotations

import json
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

import pytest
from django.test import Client

from dapjang.agents.models import Agent
from dapjang.agents.services import token_issue
from dapjang.tickets.models import Ticket
from tests.builders import build_mail
from tests.factories import agent_make


@dataclass
class Api:
    """The Django test client with a bearer token, speaking JSON."""

    client: Client
    token: str | None

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(path, params or {}, headers=self._headers())

    def post(self, path: str, data: Any) -> Any:
        return self.client.post(
            path, json.dumps(data), content_type="application/json", headers=self._headers()
        )

    def patch(self, path: str, data: Any) -> Any:
        return self.client.patch(
            path, json.dumps(data), content_type="application/json", headers=self._headers()
        )

    def delete(self, path: str) -> Any:
        return self.client.delete(path, headers=self._headers())


def mail_with_attachment(
    *,
    to: str,
    filename: str,
    content_type: str,
    data: bytes,
    subject: str = "영수증 첨부",
    from_: str = "김민수 <minsu@customer.example>",
    message_id: str = "<att1@customer.example>",
) -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = from_
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = "Mon, 23 Nov 2026 10:00:00 +0900"
    msg["Message-ID"] = message_id
    msg.set_content("영수증을 첨부합니다.")
    maintype, _, subtype = content_type.partition("/")
    msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


@pytest.fixture
def people(desk: dict[str, Any]) -> dict[str, Agent]:
    return {
        "shipping": agent_make("minji@shop.example", desk["shipping"], name="김민지"),
        "general": agent_make("jun@shop.example", desk["general"], name="이준"),
        "admin": agent_make("boss@shop.example", role=Agent.Role.ADMIN, name="대표"),
    }


@pytest.fixture
def tokens(people: dict[str, Agent]) -> dict[str, str]:
    return {who: token_issue(agent) for who, agent in people.items()}


@pytest.fixture
def as_shipping(client: Client, tokens: dict[str, str]) -> Api:
    return Api(client, tokens["shipping"])


@pytest.fixture
def as_general(client: Client, tokens: dict[str, str]) -> Api:
    return Api(client, tokens["general"])


@pytest.fixture
def as_admin(client: Client, tokens: dict[str, str]) -> Api:
    return Api(client, tokens["admin"])


@pytest.fixture
def anonymous(client: Client) -> Api:
    return Api(client, None)


@pytest.fixture
def tickets(feed: Any) -> dict[str, Ticket]:
    """One ticket in each queue, from real mail through the pipeline; the shipping one has a file."""
    shipping = feed(
        mail_with_attachment(
            to="shipping@shop.example",
            filename="영수증.pdf",
            content_type="application/pdf",
            data=b"%PDF-1.4 receipt",
        ),
        envelope_from="minsu@customer.example",
    )
    general = feed(
        build_mail(
            subject="회원 탈퇴 문의",
            to="help@shop.example",
            from_="박서연 <seoyeon@other.example>",
            message_id="<g1@other.example>",
        ),
        envelope_from="seoyeon@other.example",
    )
    return {
        "shipping": Ticket.objects.get(number=shipping.ticket),
        "general": Ticket.objects.get(number=general.ticket),
    }


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    """Agents are made with a password; the real hasher would spend most of a test's time on it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
