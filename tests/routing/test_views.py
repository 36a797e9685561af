"""The ticket page's routing panel: a triage ticket's suggestions are one click each, the move is a
correction the classifier learns from, an agent outside the queue gets a 404, and agents set the
customer's segment by hand."""

from __future__ import annotations

from typing import Any

import pytest

from dapjang.customers.models import Customer
from dapjang.routing import classifier
from dapjang.routing.models import TrainingExample
from dapjang.sla.calendar import add_business_minutes
from dapjang.sla.models import SlaPolicy
from dapjang.tickets.models import Queue, Ticket, TicketEvent
from dapjang.tickets.services import Change, ticket_change
from tests.builders import build_mail
from tests.console.conftest import Desk, client_of, fast_passwords, people  # noqa: F401 - fixtures
from tests.factories import QueueFactory, agent_make


@pytest.fixture
def triaged(stored_model: classifier.TrainedModel, people: Desk, feed: Any, settings: Any) -> Ticket:  # noqa: F811
    """A mail to the general address the classifier was not sure about."""
    QueueFactory(slug="billing", name="결제")
    QueueFactory(slug="returns", name="반품")
    settings.DAPJANG_ROUTING_THRESHOLD = 0.999
    raw = build_mail(subject="배송 문의", body="주문한 택배가 일주일째 안 와요.", to="help@shop.example")
    ticket = Ticket.objects.get(number=feed(raw).ticket)
    assert ticket.triage and ticket.suggestions[0]["topic"] == "shipping"
    return ticket


def test_the_panel_offers_the_suggestions_as_buttons(triaged: Ticket, people: Desk) -> None:  # noqa: F811
    page = client_of(people.junho).get(f"/t/{triaged.number}/").content.decode()
    assert 'id="routing"' in page
    assert f'action="/routing/t/{triaged.number}/pick/"' in page
    assert page.count('class="pick"') == 3
    assert 'data-queue="shipping"' in page and "csrfmiddlewaretoken" in page


def test_picking_a_suggestion_moves_the_ticket_clears_triage_and_stores_a_correction(
    triaged: Ticket,
    people: Desk,  # noqa: F811
) -> None:
    response = client_of(people.junho).post(f"/routing/t/{triaged.number}/pick/", {"queue": "shipping"})
    assert response.status_code == 302 and response["Location"] == "/inbox/"  # junho does not work shipping
    ticket = Ticket.objects.get(pk=triaged.pk)
    assert ticket.queue.slug == "shipping" and not ticket.triage
    assert TicketEvent.objects.filter(
        ticket=ticket, field="queue", actor=people.junho, new="shipping"
    ).exists()
    example = TrainingExample.objects.get(ticket=ticket)
    assert (example.topic, example.source) == ("shipping", "correction")
    assert example.subject == "배송 문의" and "택배" in example.body


def test_a_pick_counts_the_reply_promise_again_with_the_picked_queues_policy(
    triaged: Ticket,
    people: Desk,  # noqa: F811
) -> None:
    policy = SlaPolicy.objects.create(
        queue=people.shipping, first_response_minutes=60, resolution_minutes=240
    )
    client_of(people.junho).post(f"/routing/t/{triaged.number}/pick/", {"queue": "shipping"})
    ticket = Ticket.objects.get(pk=triaged.pk)
    start = triaged.clock_started_at
    assert start is not None
    assert ticket.first_response_due_at == add_business_minutes(start, 60, policy.calendar())
    assert ticket.resolution_due_at == add_business_minutes(start, 240, policy.calendar())
    assert ticket.due_at == ticket.first_response_due_at
    assert TicketEvent.objects.filter(ticket=ticket, field="sla", actor=people.junho).exists()


def test_an_agent_outside_the_queue_gets_a_404_and_nothing_moves(triaged: Ticket, people: Desk) -> None:  # noqa: F811
    response = client_of(people.minji).post(f"/routing/t/{triaged.number}/pick/", {"queue": "shipping"})
    assert response.status_code == 404
    assert Ticket.objects.get(pk=triaged.pk).triage
    assert not TrainingExample.objects.exists()


def test_an_unknown_or_forbidden_target_queue_is_a_404(triaged: Ticket, people: Desk, feed: Any) -> None:  # noqa: F811
    assert (
        client_of(people.junho).post(f"/routing/t/{triaged.number}/pick/", {"queue": "nope"}).status_code
        == 404
    )
    # An agent of another queue cannot see the ticket, even when asking to move it to their own queue.
    outsider = agent_make("out@shop.example", QueueFactory(slug="account", name="계정"))
    assert (
        client_of(outsider).post(f"/routing/t/{triaged.number}/pick/", {"queue": "account"}).status_code
        == 404
    )
    assert Ticket.objects.get(pk=triaged.pk).queue.slug == "general"


def test_the_pick_needs_a_post_and_csrf(triaged: Ticket, people: Desk) -> None:  # noqa: F811
    assert client_of(people.junho).get(f"/routing/t/{triaged.number}/pick/").status_code == 405
    strict = client_of(people.junho, enforce_csrf_checks=True)
    assert strict.post(f"/routing/t/{triaged.number}/pick/", {"queue": "shipping"}).status_code == 403


def test_any_agent_move_is_a_correction_and_takes_the_ticket_out_of_triage(
    triaged: Ticket,
    people: Desk,  # noqa: F811
) -> None:
    ticket_change(triaged, people.boss, Change(queue=people.shipping))
    ticket_change(triaged, people.boss, Change(queue=Queue.objects.get(slug="billing")))
    assert not Ticket.objects.get(pk=triaged.pk).triage
    assert list(TrainingExample.objects.values_list("topic", flat=True)) == ["billing"]  # relabelled, one row


def test_a_routed_ticket_shows_its_topic_and_confidence(
    stored_model: classifier.TrainedModel,
    people: Desk,  # noqa: F811
    feed: Any,
    settings: Any,
) -> None:
    settings.DAPJANG_ROUTING_THRESHOLD = 0.3
    raw = build_mail(subject="배송 문의", body="주문한 택배가 일주일째 안 와요.", to="help@shop.example")
    ticket = Ticket.objects.get(number=feed(raw).ticket)
    page = client_of(people.minji).get(f"/t/{ticket.number}/").content.decode()
    assert "<b>shipping</b>" in page and "%" in page and 'class="pick"' not in page


def test_an_agent_sets_the_customers_segment_by_hand(triaged: Ticket, people: Desk) -> None:  # noqa: F811
    client = client_of(people.junho)
    response = client.post(f"/routing/t/{triaged.number}/segment/", {"segment": "vip"})
    assert response.status_code == 302 and response["Location"] == f"/t/{triaged.number}/"
    customer = Customer.objects.get(pk=triaged.customer_id)
    assert (customer.segment, customer.segment_set_by) == ("vip", "hand")
    assert TicketEvent.objects.filter(ticket=triaged, field="segment", actor=people.junho, new="vip").exists()
    page = client.get(f"/t/{triaged.number}/").content.decode()
    assert 'value="vip" selected' in page and "seg-vip" in page

    response = client.post(f"/routing/t/{triaged.number}/segment/", {"segment": "platinum"}, follow=True)
    assert "platinum" in response.content.decode()  # the error names the bad value
    assert Customer.objects.get(pk=triaged.customer_id).segment == "vip"
    assert (
        client_of(people.minji)
        .post(f"/routing/t/{triaged.number}/segment/", {"segment": "abusive"})
        .status_code
        == 404
    )
    assert Customer.objects.get(pk=triaged.customer_id).segment == "vip"
