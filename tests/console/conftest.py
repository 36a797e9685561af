"""Personas for the console tests: an agent in each of two queues, an admin, and their mail.

민지 works shipping, 준호 works general (RELIABILITY 34: one agent inside the queue, one outside).
Tickets come from real mail through the pipeline, as they would in production.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

import pytest
from django.test import Client

from dapjang.agents.models import Agent
from dapjang.tickets.models import Ticket
from tests.builders import build_mail
from tests.factories import agent_make


@dataclass
class Desk:
    minji: Agent  # shipping
    junho: Agent  # general
    boss: Agent  # admin: every queue
    shipping: Any
    general: Any


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """Real hashing costs a third of a second per agent; these tests are not about hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people(desk: dict[str, Any]) -> Desk:
    return Desk(
        minji=agent_make("minji@shop.example", desk["shipping"], name="김민지"),
        junho=agent_make("junho@shop.example", desk["general"], name="이준호"),
        boss=agent_make("boss@shop.example", role=Agent.Role.ADMIN, name="박대표"),
        shipping=desk["shipping"],
        general=desk["general"],
    )


def client_of(agent: Agent, **kw: Any) -> Client:
    client = Client(**kw)
    client.force_login(agent.user)
    return client


def html_mail(
    *,
    html: str,
    text: str = "본문",
    subject: str = "HTML 메일",
    to: str = "shipping@shop.example",
    from_: str = "고객 <customer@example.com>",
    attachments: list[tuple[str, str, bytes, str]] = (),  # type: ignore[assignment]
) -> bytes:
    """A multipart/alternative mail (text and HTML), with attachments (name, type, bytes, content-id)."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = from_
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = "Mon, 23 Nov 2026 10:00:00 +0900"
    msg["Message-ID"] = f"<{abs(hash((html, subject)))}.html@customer.example>"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    for name, ctype, data, cid in attachments:
        maintype, subtype = ctype.split("/")
        if cid:
            msg.get_payload()[1].add_related(
                data, maintype=maintype, subtype=subtype, cid=f"<{cid}>", filename=name
            )
        else:
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


@pytest.fixture
def shipping_ticket(feed: Any, people: Desk) -> Ticket:
    """A customer's mail to the shipping queue, with a Korean-named attachment, not taken by anyone yet.

    The pipeline assigns it to the queue's one member (routing/assign.py); the tests here start from
    a ticket nobody holds, so that an agent's own assignment is the change they look at.
    """
    raw = html_mail(
        subject="환불 문의",
        text="주문을 취소하고 환불해주세요.",
        html="<p>주문을 취소하고 <b>환불해주세요</b>.</p>",
        attachments=[("영수증.pdf", "application/pdf", b"%PDF-1.4 receipt", "")],
    )
    result = feed(raw)
    Ticket.objects.filter(number=result.ticket).update(assignee=None, assigned_at=None)
    return Ticket.objects.get(number=result.ticket)


@pytest.fixture
def general_ticket(feed: Any, people: Desk) -> Ticket:
    result = feed(
        build_mail(
            subject="일반 문의", body="회원 탈퇴는 어떻게 하나요? 환불도 궁금합니다.", to="help@shop.example"
        )
    )
    return Ticket.objects.get(number=result.ticket)
