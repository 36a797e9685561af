"""Rules match what an admin means: Korean keywords across particles and spacing, senders by address
or domain, segments, contact-form fields; they run in order and the first firing rule stops the run
unless it says to continue; a rule that could never be meant is refused with a message."""

from __future__ import annotations

import pytest

from dapjang.routing.models import Rule
from dapjang.routing.rules import Facts, Text, rule_problems, rules_evaluate, sender_matches
from tests.factories import QueueFactory


def facts(
    subject: str = "",
    body: str = "",
    *,
    sender: str = "kim@customer.example",
    recipients: tuple[str, ...] = ("help@shop.example",),
    segment: str = "ordinary",
    form: dict[str, str] | None = None,
) -> Facts:
    return Facts(sender, recipients, subject, body, segment, form or {})


@pytest.mark.parametrize(
    ("keyword", "text"),
    [
        ("소포", "소포가 아직 안 왔어요"),
        ("상자", "상자를 열어 보니 깨져 있었어요"),
        ("추적", "배송추적이 안 됩니다"),
        ("배송 추적", "배송추적이 안 됩니다"),
        ("배송추적", "배송 추적 번호를 알려주세요"),
        ("환불", "환불해주세요"),
        ("refund", "I would like a REFUND please"),
        ("refund", "Has it been refunded?"),
        ("track order", "I want to Track  Order 123"),
    ],
)
def test_keywords_match_across_particles_spacing_and_endings(keyword: str, text: str) -> None:
    assert Text(text).has(keyword)


@pytest.mark.parametrize(
    ("keyword", "text"),
    [
        ("소포", "택배가 아직 안 왔어요"),
        ("art", "when does the delivery start"),  # English keywords start a word
        ("배송 추적", "배송이 늦어요. 추가로 문의"),
        ("", "anything"),
    ],
)
def test_keywords_do_not_match_elsewhere(keyword: str, text: str) -> None:
    assert not Text(text).has(keyword)


def test_full_width_and_decomposed_text_is_normalised() -> None:
    decomposed = "\u1109\u1169\u1111\u1169"  # 소포 as conjoining jamo (macOS mail clients)
    assert Text(f"{decomposed}가 왔나요").has("소포")
    assert Text("ＲＥＦＵＮＤ please").has("refund")


def test_senders_by_address_and_domain() -> None:
    assert sender_matches(["kim@customer.example"], "KIM@customer.example")
    assert sender_matches(["customer.example"], "lee@customer.example")
    assert sender_matches(["@customer.example"], "lee@mail.customer.example")  # subdomains too
    assert not sender_matches(["customer.example"], "lee@notcustomer.example")
    assert not sender_matches(["kim@customer.example"], "lee@customer.example")


def rule(db_position: int = 10, **fields: object) -> Rule:
    """An unsaved rule: evaluation needs no database."""
    defaults: dict[str, object] = {"name": f"rule {db_position}", "position": db_position}
    defaults.update(fields)
    return Rule(**defaults)


def test_all_given_conditions_must_hold_and_any_keyword_of_a_list_will_do() -> None:
    parcel = rule(subject_keywords="소포, 상자", senders="customer.example", tags="parcel")
    outcome, verdicts = rules_evaluate([parcel], facts("상자가 찌그러졌어요"))
    assert outcome.tags == ["parcel"] and verdicts[0].fired
    outcome, verdicts = rules_evaluate([parcel], facts("상자가 찌그러졌어요", sender="x@other.example"))
    assert outcome.fired == [] and [c.held for c in verdicts[0].checks] == [False, True]


def test_body_keywords_look_at_the_subject_and_the_text() -> None:
    tracking = rule(body_keywords="배송 추적", tags="tracking")
    assert rules_evaluate([tracking], facts("문의", "배송추적 번호가 없어요"))[0].tags == ["tracking"]
    assert rules_evaluate([tracking], facts("배송 추적", ""))[0].tags == ["tracking"]
    assert rules_evaluate([rule(subject_keywords="추적", tags="x")], facts("문의", "배송추적"))[0].tags == []


def test_recipient_segment_and_form_conditions() -> None:
    vip = rule(segments=["vip"], priority=3)
    assert rules_evaluate([vip], facts(segment="vip"))[0].priority == 3
    assert rules_evaluate([vip], facts(segment="ordinary"))[0].priority is None

    sales = rule(recipients="sales@shop.example", tags="sales")
    assert rules_evaluate([sales], facts(recipients=("SALES@shop.example",)))[0].tags == ["sales"]
    assert rules_evaluate([sales], facts())[0].tags == []

    form = rule(form_fields="topic=shipping\nproduct=TV", tags="form")
    assert rules_evaluate([form], facts(form={"topic": "Shipping", "product": "tv"}))[0].tags == ["form"]
    assert rules_evaluate([form], facts(form={"topic": "shipping"}))[0].tags == []
    assert rules_evaluate([form], facts())[0].tags == []


@pytest.mark.django_db
def test_the_first_firing_rule_wins_unless_it_continues() -> None:
    shipping, lead = QueueFactory(slug="shipping"), QueueFactory(slug="lead")
    first = rule(10, body_keywords="소포", queue=shipping, tags="parcel")
    second = rule(20, body_keywords="소포", queue=lead, tags="late")
    outcome, verdicts = rules_evaluate([first, second], facts("소포가 늦어요"))
    assert outcome.queue == shipping and outcome.tags == ["parcel"] and outcome.fired == [first]
    assert verdicts[1].matched and not verdicts[1].fired  # matched, but the first stopped the run

    first.stop = False
    outcome, _verdicts = rules_evaluate([first, second], facts("소포가 늦어요"))
    assert outcome.queue == lead and outcome.tags == ["parcel", "late"] and outcome.fired == [first, second]


def test_a_disabled_rule_is_skipped_and_a_set_segment_is_seen_by_later_rules() -> None:
    off = rule(5, body_keywords="소포", tags="off", enabled=False)
    mark = rule(10, senders="troll.example", set_segment="abusive", stop=False)
    abusive = rule(20, segments=["abusive"], tags="abusive")
    outcome, _verdicts = rules_evaluate([off, mark, abusive], facts("소포", sender="a@troll.example"))
    assert outcome.segment == "abusive" and outcome.tags == ["abusive"]


def test_bad_rules_are_refused_with_a_message_per_field() -> None:
    problems = rule_problems(rule(tags="x"))
    assert "at least one condition" in problems["__all__"][0]
    problems = rule_problems(rule(subject_keywords="소포"))
    assert "at least one action" in problems["__all__"][0]
    problems = rule_problems(
        rule(senders="not an address", recipients="shop", segments=["gold"], form_fields="topic", tags="x")
    )
    assert set(problems) == {"senders", "recipients", "segments", "form_fields"}
    assert "gold" in problems["segments"][0]
    assert rule_problems(rule(subject_keywords="소포", tags="x", senders="kim@a.example, b.example")) == {}


@pytest.mark.django_db
def test_full_clean_raises_the_problems() -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as raised:
        rule(subject_keywords="", tags="").full_clean()
    assert "condition" in str(raised.value)
