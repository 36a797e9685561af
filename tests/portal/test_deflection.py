"""FAQ answers while the customer types, and "this answered my question" (MISSION A10)."""

from __future__ import annotations

import pytest
from django.test import Client

from dapjang.knowledge.models import Deflection, FaqEntry
from dapjang.tickets.models import Ticket
from tests.portal.conftest import Shop

pytestmark = pytest.mark.django_db


def test_typing_a_question_brings_up_the_matching_faq_answer(shop: Shop, faq: None, visitor: Client) -> None:
    response = visitor.get(
        "/help/contact/suggest/", {"subject": "배송 조회", "message": "택배 어디쯤 왔는지 어디서 봐요?"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="faq-faq-001"' in page  # 주문한 상품의 배송 조회는 어떻게 하나요?
    assert "마이페이지 &gt; 주문내역 &gt; 배송 조회" in page
    assert page.count('class="suggestion"') <= 3


def test_english_questions_get_english_answers(shop: Shop, faq: None, visitor: Client) -> None:
    page = visitor.get("/help/contact/suggest/", {"message": "How do I track my order?"}).content.decode()
    assert "How do I track my order?" in page and "My Page &gt; Order History" in page


def test_a_draft_entry_is_never_suggested(shop: Shop, faq: None, visitor: Client) -> None:
    FaqEntry.objects.filter(faq_id="faq-001").update(status=FaqEntry.Status.DRAFT)
    from dapjang.knowledge.search import faq_index_reset

    faq_index_reset()
    page = visitor.get(
        "/help/contact/suggest/", {"message": "택배 어디쯤 왔는지 어디서 봐요?"}
    ).content.decode()
    assert "faq-faq-001" not in page


def test_nothing_typed_yet_suggests_nothing(shop: Shop, faq: None, visitor: Client) -> None:
    page = visitor.get("/help/contact/suggest/", {"subject": "", "message": " "}).content.decode()
    assert 'class="suggestion"' not in page


@pytest.mark.parametrize("text", ["안녕하세요", "asdf qwer"])
def test_a_greeting_or_gibberish_brings_up_no_unrelated_answers(
    shop: Shop, faq: None, visitor: Client, text: str
) -> None:
    page = visitor.get("/help/contact/suggest/", {"message": text}).content.decode()
    assert 'class="suggestion"' not in page
    assert "아직 맞는 답변이 없습니다" in page


def test_a_search_query_with_markup_is_shown_as_text(shop: Shop, faq: None, visitor: Client) -> None:
    """RELIABILITY 31: what the customer typed comes back escaped, in the deflection form too."""
    page = visitor.get(
        "/help/contact/suggest/", {"message": '배송 조회 "><script>alert(1)</script>'}
    ).content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)" in page


def test_this_answered_my_question_counts_a_deflection_once_and_thanks(
    shop: Shop, faq: None, visitor: Client
) -> None:
    data = {"faq_id": "faq-001", "query": "택배 어디쯤 왔는지"}
    first = visitor.post("/help/contact/answered/", data, HTTP_HX_REQUEST="true")
    visitor.post("/help/contact/answered/", data, HTTP_HX_REQUEST="true")  # a second click

    assert first.status_code == 200
    assert "도움이 되었다니 다행입니다" in first.content.decode()
    row = Deflection.objects.get()
    assert (row.faq_id, row.topic, row.language, row.query) == (
        "faq-001",
        "shipping",
        "ko",
        "택배 어디쯤 왔는지",
    )
    assert not Ticket.objects.exists()


def test_a_deflection_without_htmx_gets_a_whole_page(shop: Shop, faq: None, visitor: Client) -> None:
    response = visitor.post("/help/contact/answered/", {"faq_id": "faq-002"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "<html" in response.content.decode()
    assert Deflection.objects.get().language == "en"


def test_an_unknown_or_unpublished_entry_is_not_counted(shop: Shop, faq: None, visitor: Client) -> None:
    FaqEntry.objects.filter(faq_id="faq-003").update(status=FaqEntry.Status.DRAFT)
    for faq_id in ("faq-999", "faq-003"):
        assert visitor.post("/help/contact/answered/", {"faq_id": faq_id}).status_code == 404
    assert not Deflection.objects.exists()
