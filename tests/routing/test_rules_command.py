"""`dapjang routing rules list | dry-run | add` and the admin's dry-run page: which rule would fire on a
ticket we have, condition by condition, without changing anything."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from dapjang.routing.models import Rule
from dapjang.tickets.models import Ticket, TicketEvent
from tests.builders import build_mail


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("routing", "rules", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def parcel_ticket(desk: dict[str, Any], feed: Any) -> Ticket:
    raw = build_mail(
        subject="배송 문의", body="소포가 아직 안 왔어요. 상자 추적이 안 돼요.", to="help@shop.example"
    )
    return Ticket.objects.get(number=feed(raw).ticket)


def test_add_list_and_dry_run(parcel_ticket: Ticket) -> None:
    assert "no rules yet" in run("list")
    assert "added at position 10" in run(
        "add", "택배 키워드", "--body", "소포, 상자", "--queue", "shipping", "--tags", "parcel"
    )
    run("add", "VIP", "--segment", "vip", "--priority", "3", "--continue")
    run("add", "Off", "--subject", "배송", "--tags", "never")
    Rule.objects.filter(name="Off").update(enabled=False)
    listing = run("list").splitlines()
    assert listing[0].split("\t")[:3] == ["10", "on", "택배 키워드"] and "queue=shipping" in listing[0]
    assert "continue" in listing[1] and listing[2].split("\t")[1] == "off"

    events = TicketEvent.objects.count()
    lines = run("dry-run", parcel_ticket.number).splitlines()
    assert lines[0].startswith("10\t택배 키워드\tFIRES\tbody ✓")
    assert lines[1].startswith("20\tVIP\tno\tsegment ✗")
    assert lines[-1] == "would apply / 적용 결과: queue=shipping tags=parcel"
    assert Ticket.objects.get(pk=parcel_ticket.pk).queue.slug == "general"  # nothing changed
    assert TicketEvent.objects.count() == events


def test_dry_run_of_an_unknown_ticket(db: None) -> None:
    with pytest.raises(CommandError, match="no ticket 2026-999999"):
        run("dry-run", "2026-999999")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x", "--queue", "shipping"], "at least one condition"),
        (["x", "--body", "소포"], "at least one action"),
        (["x", "--body", "소포", "--queue", "nowhere"], "unknown queue 'nowhere'"),
        (["x", "--segment", "gold", "--tags", "t"], "unknown segment 'gold'"),
        (["x", "--sender", "not an address", "--tags", "t"], "senders: 'not an address'"),
        (["x", "--form", "topic", "--tags", "t"], "name=value"),
    ],
)
def test_bad_rules_are_refused_with_a_clear_message(
    desk: dict[str, Any], args: list[str], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        run("add", *args)
    assert not Rule.objects.exists()


def test_the_admin_dry_run_page(parcel_ticket: Ticket, admin_client: Client) -> None:
    Rule.objects.create(name="택배 키워드", body_keywords="소포", tags="parcel")
    listing = admin_client.get("/admin/routing/rule/").content.decode()
    assert "/admin/routing/rule/dry-run/" in listing
    page = admin_client.get("/admin/routing/rule/dry-run/", {"ticket": parcel_ticket.number}).content.decode()
    assert 'id="verdicts"' in page and "택배 키워드" in page and "parcel" in page
    missing = admin_client.get("/admin/routing/rule/dry-run/", {"ticket": "2026-999999"}).content.decode()
    assert "2026-999999" in missing and 'id="verdicts"' not in missing


def test_the_admin_refuses_a_rule_without_conditions(desk: dict[str, Any], admin_client: Client) -> None:
    response = admin_client.post(
        "/admin/routing/rule/add/",
        {"name": "empty", "position": 10, "enabled": "on", "tags": "x", "stop": "on"},
    )
    assert response.status_code == 200 and "at least one condition" in response.content.decode()
    assert not Rule.objects.exists()
    response = admin_client.post(
        "/admin/routing/rule/add/",
        {
            "name": "VIP 우선",
            "position": 10,
            "enabled": "on",
            "segments": ["vip"],
            "priority": 3,
            "stop": "on",
        },
    )
    assert response.status_code == 302
    assert Rule.objects.get().segments == ["vip"]
