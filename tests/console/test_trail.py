"""Trail notes stored as codes read in the agent's words; what is not recognised is shown as stored."""

from __future__ import annotations

from django.utils import translation

from dapjang.console.trail import sla_shown


def test_a_suppressed_holding_reply_says_why_and_what_it_would_have_promised() -> None:
    note = "holding reply until 2026-11-24T08:00:00+00:00 (suppressed: bounced)"
    with translation.override("en"):
        assert sla_shown(note, {}) == (
            "holding reply not sent (bounced); it would have promised an answer by 2026-11-24 17:00"
        )
    with translation.override("ko"):
        assert (
            sla_shown(note, {}) == "보류 안내 메일 보내지 않음(bounced): 2026-11-24 17:00까지 답변 예정이었음"
        )


def test_an_escalation_with_nobody_to_tell_says_so_and_unknown_addresses_stay_addresses() -> None:
    with translation.override("en"):
        assert sla_shown("escalated (resolution target missed) to nobody: no lead or admin", {}) == (
            "resolution target missed; nobody to tell: no team lead or admin"
        )
        assert sla_shown(
            "escalated (first target missed) to a@x.example, b@x.example", {"a@x.example": "Kim"}
        ) == ("first response target missed; told Kim, b@x.example")


def test_notes_it_does_not_know_are_shown_as_stored() -> None:
    for note in (
        "Counted again for the queue 배송: resolution by …",
        "holding reply until tomorrow",
        "escalated",
    ):
        assert sla_shown(note, {}) == note
