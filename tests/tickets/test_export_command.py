"""`dapjang export tickets`, `dapjang queue` and `dapjang outbox list`: the contract of DESIGN.md §5."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from dapjang.tickets.models import Queue
from tests.builders import build_mail


def test_export_writes_one_ticket_a_line_with_its_messages(feed: Any) -> None:
    feed(build_mail(cc="boss@customer.example", message_id="<e1@customer.example>"))
    out = io.StringIO()
    call_command("export", "tickets", stdout=out)
    (row,) = [json.loads(line) for line in out.getvalue().splitlines()]
    assert {"number", "subject", "status", "queue", "priority", "assignee", "customer", "messages"} <= set(
        row
    )
    assert row["customer"] == {"email": "minsu@customer.example", "name": "김민수"}
    assert (row["status"], row["queue"], row["priority"], row["assignee"]) == (
        "new",
        "general",
        "normal",
        None,
    )
    inbound, ack = row["messages"]
    assert inbound["direction"] == "in" and inbound["kind"] == "customer"
    assert inbound["message_id"] == "e1@customer.example"
    assert inbound["cc"] == ["boss@customer.example"]
    assert "아직 오지 않았습니다" in inbound["text"]
    assert ack["direction"] == "out" and ack["kind"] == "ack"


def test_queue_add_sets_up_a_queue_and_refuses_a_taken_address(db: None) -> None:
    call_command(
        "queue", "add", "billing", "--name", "결제", "--address", "pay@shop.example", stdout=io.StringIO()
    )
    assert Queue.objects.get(slug="billing").addresses.get().email == "pay@shop.example"
    with pytest.raises(CommandError, match="already used"):
        call_command("queue", "add", "other", "--name", "x", "--address", "PAY@shop.example")
    with pytest.raises(CommandError, match="not an e-mail"):
        call_command("queue", "add", "bad", "--name", "x", "--address", "nobody")


def test_outbox_list_shows_every_ack_as_json(feed: Any) -> None:
    result = feed(build_mail())
    out = io.StringIO()
    call_command("outbox", "list", "--json", stdout=out)
    (line,) = [json.loads(x) for x in out.getvalue().splitlines()]
    assert line["ticket"] == result.ticket and line["kind"] == "ack" and line["state"] == "queued"
    assert {"id", "to", "subject", "message_id"} <= set(line)
