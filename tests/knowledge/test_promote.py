"""A reviewer promotes an agent's model answer into the FAQ, with edits, from the admin (MISSION A12)."""

from __future__ import annotations

from typing import Any

import pytest

from dapjang.knowledge.models import FaqEntry, SavedAnswer
from tests.factories import QueueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def saved() -> SavedAnswer:
    QueueFactory(slug="returns", name="반품")
    FaqEntry.objects.create(faq_id="faq-007", topic="returns", language="ko", question="q", answer="a")
    return SavedAnswer.objects.create(
        title="반품 기한", text="고객님, 반품은 받으신 날부터 7일 안에 신청하실 수 있습니다.", language="ko"
    )


def test_the_form_offers_the_answer_and_the_next_free_id(admin_client: Any, saved: SavedAnswer) -> None:
    page = admin_client.get(f"/admin/knowledge/savedanswer/{saved.pk}/promote/").content.decode()
    assert "반품은 받으신 날부터 7일 안에" in page and 'value="faq-008"' in page
    change = admin_client.get(f"/admin/knowledge/savedanswer/{saved.pk}/change/").content.decode()
    assert f"/admin/knowledge/savedanswer/{saved.pk}/promote/" in change


def test_promoting_with_edits_makes_a_draft_entry_and_remembers_it(
    admin_client: Any, saved: SavedAnswer
) -> None:
    response = admin_client.post(
        f"/admin/knowledge/savedanswer/{saved.pk}/promote/",
        {
            "faq_id": "faq-101",
            "topic": "returns",
            "question": "반품은 언제까지 할 수 있나요?",
            "answer": "반품은 상품을 받으신 날부터 7일 안에 신청하실 수 있습니다.",
            "paraphrases": "반품 기한이 어떻게 되나요?\n\n환불 신청 언제까지?",
        },
    )
    entry = FaqEntry.objects.get(faq_id="faq-101")
    assert response.status_code == 302 and response["Location"].endswith(f"/faqentry/{entry.pk}/change/")
    assert entry.status == FaqEntry.Status.DRAFT and entry.language == "ko" and entry.topic == "returns"
    assert entry.answer.startswith("반품은 상품을 받으신 날부터")  # the reviewer's edit, not the agent's text
    assert entry.paraphrases == ["반품 기한이 어떻게 되나요?", "환불 신청 언제까지?"]
    saved.refresh_from_db()
    assert saved.promoted_to == entry and not saved.suggested_for_faq


def test_an_id_in_use_or_malformed_is_refused_with_a_message(admin_client: Any, saved: SavedAnswer) -> None:
    for faq_id in ("faq-007", "FAQ 7!"):
        response = admin_client.post(
            f"/admin/knowledge/savedanswer/{saved.pk}/promote/",
            {"faq_id": faq_id, "topic": "returns", "question": "q", "answer": "a"},
        )
        assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert FaqEntry.objects.count() == 1
    saved.refresh_from_db()
    assert saved.promoted_to is None


def test_people_without_admin_rights_cannot_promote(client: Any, saved: SavedAnswer) -> None:
    response = client.post(f"/admin/knowledge/savedanswer/{saved.pk}/promote/", {"faq_id": "faq-102"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not FaqEntry.objects.filter(faq_id="faq-102").exists()
