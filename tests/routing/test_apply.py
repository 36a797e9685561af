"""Routing in the real pipeline: rules first, then the contact form's topic, then the classifier for
mail to the general address — routed when sure, in triage with three suggestions when not — and the
trail says why."""

from __future__ import annotations

from typing import Any

import pytest

from dapjang.customers.models import Customer
from dapjang.routing import classifier
from dapjang.routing.models import RoutingModel, Rule
from dapjang.tickets.models import Ticket, TicketEvent
from tests.builders import build_mail
from tests.factories import QueueFactory

LATE_PARCEL = ("배송 문의", "주문한 택배가 일주일째 안 와요. 배송 조회도 안 됩니다.")


@pytest.fixture
def topics(desk: dict[str, Any]) -> dict[str, Any]:
    """The small desk plus three more topic queues, so triage has three suggestions to offer."""
    return {
        **desk,
        "billing": QueueFactory(slug="billing", name="결제"),
        "returns": QueueFactory(slug="returns", name="반품"),
        "account": QueueFactory(slug="account", name="계정"),
        "lead": QueueFactory(slug="lead", name="팀장"),
    }


def ticket_of(feed: Any, raw: bytes, **kw: Any) -> Ticket:
    return Ticket.objects.select_related("queue", "customer").get(number=feed(raw, **kw).ticket)


def trail(ticket: Ticket) -> list[tuple[str, str, str]]:
    return list(TicketEvent.objects.filter(ticket=ticket).values_list("field", "old", "new"))


def test_a_clear_mail_to_the_general_address_is_routed_to_its_topic(
    stored_model: classifier.TrainedModel, topics: dict[str, Any], feed: Any, settings: Any
) -> None:
    settings.DAPJANG_ROUTING_THRESHOLD = 0.3
    ticket = ticket_of(feed, build_mail(subject=LATE_PARCEL[0], body=LATE_PARCEL[1], to="help@shop.example"))
    assert ticket.queue.slug == "shipping"
    assert ticket.topic == "shipping" and ticket.confidence is not None and ticket.confidence >= 0.3
    assert not ticket.triage and ticket.suggestions == []
    events = trail(ticket)
    assert ("queue", "general", "shipping") in events
    assert any(f == "routing" and new.startswith("classifier: shipping") for f, _o, new in events)


def test_an_unsure_mail_waits_in_triage_with_three_suggestions(
    stored_model: classifier.TrainedModel, topics: dict[str, Any], feed: Any, settings: Any
) -> None:
    settings.DAPJANG_ROUTING_THRESHOLD = 0.999  # nothing is sure enough
    ticket = ticket_of(feed, build_mail(subject=LATE_PARCEL[0], body=LATE_PARCEL[1], to="help@shop.example"))
    assert ticket.queue.slug == "general" and ticket.triage
    assert ticket.suggestions[0]["topic"] == "shipping"
    assert len(ticket.suggestions) == 3
    assert {s["topic"] for s in ticket.suggestions} <= {"shipping", "billing", "returns", "account"}
    confidences = [s["confidence"] for s in ticket.suggestions]
    assert confidences == sorted(confidences, reverse=True) and all(0 <= c <= 1 for c in confidences)
    assert any(f == "routing" and new.startswith("triage: shipping") for f, _o, new in trail(ticket))
    assert Ticket.objects.filter(triage=True).count() == 1  # the inbox's triage filter finds it


def test_a_topics_own_threshold_decides(
    stored_model: classifier.TrainedModel, topics: dict[str, Any], feed: Any, settings: Any
) -> None:
    from dapjang.routing.models import RoutingThreshold

    settings.DAPJANG_ROUTING_THRESHOLD = 0.3
    RoutingThreshold.objects.create(topic="shipping", threshold=0.999)
    ticket = ticket_of(feed, build_mail(subject=LATE_PARCEL[0], body=LATE_PARCEL[1], to="help@shop.example"))
    assert ticket.triage and ticket.queue.slug == "general"


def test_mail_to_a_queues_own_address_is_not_reclassified_unless_the_desk_says_so(
    stored_model: classifier.TrainedModel, topics: dict[str, Any], feed: Any, settings: Any
) -> None:
    settings.DAPJANG_ROUTING_THRESHOLD = 0.3
    raw = build_mail(subject=LATE_PARCEL[0], body=LATE_PARCEL[1], to="billing@shop.example")
    topics["billing"].addresses.create(email="billing@shop.example")
    ticket = ticket_of(feed, raw)
    assert ticket.queue.slug == "billing" and ticket.topic == "" and not ticket.triage

    settings.DAPJANG_ROUTING_CLASSIFY_ALL = True
    raw = build_mail(subject=LATE_PARCEL[0], body=LATE_PARCEL[1], to="billing@shop.example")
    assert ticket_of(feed, raw).queue.slug == "shipping"


def test_without_a_stored_model_the_pipeline_neither_classifies_nor_trains(
    db: None, fresh_process: None, topics: dict[str, Any], feed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_training(**_kw: Any) -> Any:
        raise AssertionError("the pipeline must never train")

    monkeypatch.setattr(classifier, "train_default", no_training)
    ticket = ticket_of(feed, build_mail(subject=LATE_PARCEL[0], body=LATE_PARCEL[1], to="help@shop.example"))
    assert ticket.queue.slug == "general" and ticket.topic == "" and not ticket.triage
    assert not RoutingModel.objects.exists()


def test_a_contact_form_ticket_goes_by_the_chosen_topic(
    stored_model: classifier.TrainedModel, topics: dict[str, Any], feed: Any, settings: Any
) -> None:
    settings.DAPJANG_ROUTING_THRESHOLD = 0.999
    headers = {"X-Dapjang-Form-Topic": "billing"}
    raw = build_mail(subject=LATE_PARCEL[0], body=LATE_PARCEL[1], to="help@shop.example", headers=headers)
    ticket = ticket_of(feed, raw, channel="form")
    assert ticket.queue.slug == "billing" and ticket.topic == "billing" and not ticket.triage
    assert ("routing", "", "contact form: billing") in trail(ticket)

    # The same header in an e-mail is not trusted: the classifier decides (here: triage).
    raw = build_mail(subject=LATE_PARCEL[0], body=LATE_PARCEL[1], to="help@shop.example", headers=headers)
    assert ticket_of(feed, raw).triage


def test_a_rule_routes_before_the_classifier_and_sets_priority_tags_and_segment(
    stored_model: classifier.TrainedModel, topics: dict[str, Any], feed: Any, settings: Any
) -> None:
    settings.DAPJANG_ROUTING_THRESHOLD = 0.3
    Rule.objects.create(
        name="부서진 상자",
        position=10,
        body_keywords="상자, 파손",
        queue=topics["returns"],
        priority=Ticket.Priority.HIGH,
        tags="damaged, parcel",
        set_segment="vip",
    )
    raw = build_mail(
        subject="배송 문의", body="택배 상자를 열어 보니 물건이 깨져 있었어요.", to="help@shop.example"
    )
    ticket = ticket_of(feed, raw)
    assert ticket.queue.slug == "returns" and ticket.priority == Ticket.Priority.HIGH
    assert ticket.tags == ["damaged", "parcel"] and ticket.topic == "" and not ticket.triage
    assert ticket.customer is not None
    assert (ticket.customer.segment, ticket.customer.segment_set_by) == ("vip", "rule")
    events = trail(ticket)
    assert ("routing", "", "rule: 부서진 상자") in events and ("queue", "general", "returns") in events
    assert ("segment", "ordinary", "vip") in events


def test_a_rule_that_only_tags_leaves_the_queue_to_the_classifier(
    stored_model: classifier.TrainedModel, topics: dict[str, Any], feed: Any, settings: Any
) -> None:
    settings.DAPJANG_ROUTING_THRESHOLD = 0.3
    Rule.objects.create(name="tag", body_keywords="택배", tags="parcel")
    ticket = ticket_of(feed, build_mail(subject=LATE_PARCEL[0], body=LATE_PARCEL[1], to="help@shop.example"))
    assert ticket.tags == ["parcel"] and ticket.queue.slug == "shipping"


def test_abusive_customers_go_to_the_leads_queue_and_a_hand_set_segment_is_kept(
    stored_model: classifier.TrainedModel, topics: dict[str, Any], feed: Any
) -> None:
    Rule.objects.create(name="abusive → lead", position=1, segments=["abusive"], queue=topics["lead"])
    Rule.objects.create(
        name="troll domain", position=0, senders="troll.example", set_segment="abusive", stop=False
    )
    ticket = ticket_of(feed, build_mail(from_="Troll <t@troll.example>", to="shipping@shop.example"))
    assert ticket.queue.slug == "lead" and ticket.customer is not None
    assert ticket.customer.segment == "abusive"

    Customer.objects.filter(pk=ticket.customer.pk).update(segment="vip", segment_set_by="hand")
    again = ticket_of(
        feed, build_mail(from_="Troll <t@troll.example>", subject="새 문의", to="shipping@shop.example")
    )
    assert again.customer is not None and again.customer.segment == "vip"  # the agent's word stands
    assert again.queue.slug == "shipping"  # and so the abusive rule no longer fires


def test_a_broken_classifier_leaves_the_ticket_for_a_person_and_the_mail_processed(
    stored_model: classifier.TrainedModel,
    topics: dict[str, Any],
    feed: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_a: Any, **_kw: Any) -> Any:
        raise FloatingPointError("a model from a broken install")

    monkeypatch.setattr(classifier.TrainedModel, "probabilities", broken)
    result = feed(build_mail(subject=LATE_PARCEL[0], body=LATE_PARCEL[1], to="help@shop.example"))
    assert result.outcome == "created"
    ticket = Ticket.objects.get(number=result.ticket)
    assert ticket.queue.slug == "general" and ticket.topic == "" and not ticket.triage
    assert not TicketEvent.objects.filter(ticket=ticket, field="routing").exists()
