"""The FAQ for customers (MISSION C3): by topic, searchable, one page per entry, published only."""

from __future__ import annotations

import pytest
from django.test import Client

from dapjang.knowledge.models import FaqEntry
from tests.portal.conftest import Shop

pytestmark = pytest.mark.django_db


def test_the_faq_lists_every_published_entry_under_its_topic(shop: Shop, faq: None, visitor: Client) -> None:
    page = visitor.get("/help/faq/").content.decode()
    assert "<h2>배송</h2>" in page and "<h2>반품/교환/환불</h2>" in page
    assert page.count('href="/help/faq/faq-') == FaqEntry.objects.filter(language="ko").count()


def test_a_topic_narrows_the_list(shop: Shop, faq: None, visitor: Client) -> None:
    page = visitor.get("/help/faq/", {"topic": "returns"}).content.decode()
    shipping = FaqEntry.objects.get(faq_id="faq-001", language="ko")
    assert shipping.question not in page
    returns = FaqEntry.objects.filter(topic="returns", language="ko")
    assert returns.exists() and all(e.question in page for e in returns)


def test_a_search_finds_the_entry_in_the_visitors_words(shop: Shop, faq: None, visitor: Client) -> None:
    page = visitor.get("/help/faq/", {"q": "운송장 번호는 어디서 확인할 수 있습니까"}).content.decode()
    assert 'href="/help/faq/faq-001/"' in page


def test_an_entry_has_its_own_page_in_the_visitors_language(shop: Shop, faq: None, visitor: Client) -> None:
    korean = visitor.get("/help/faq/faq-001/").content.decode()
    english = visitor.get("/help/faq/faq-001/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "주문한 상품의 배송 조회는 어떻게 하나요?" in korean
    assert "How do I track my order?" in english and "주문한 상품" not in english


def test_drafts_are_not_shown_anywhere(shop: Shop, faq: None, visitor: Client) -> None:
    entry = FaqEntry.objects.get(faq_id="faq-001", language="ko")
    FaqEntry.objects.filter(faq_id="faq-001").update(status=FaqEntry.Status.DRAFT)
    assert visitor.get("/help/faq/faq-001/").status_code == 404
    assert entry.question not in visitor.get("/help/faq/").content.decode()


def test_an_faq_title_with_markup_is_escaped(shop: Shop, faq: None, visitor: Client) -> None:
    """RELIABILITY 31."""
    FaqEntry.objects.create(
        faq_id="faq-x",
        topic="shipping",
        language="ko",
        status="published",
        question="<img src=x onerror=alert(1)> 질문",
        answer="<script>alert(2)</script> 답",
    )
    for url in ("/help/faq/", "/help/faq/faq-x/"):
        page = visitor.get(url).content.decode()
        assert "<img src=x" not in page and "<script>alert" not in page
    assert "&lt;script&gt;alert(2)" in visitor.get("/help/faq/faq-x/").content.decode()


def test_a_search_query_is_shown_escaped(shop: Shop, faq: None, visitor: Client) -> None:
    page = visitor.get("/help/faq/", {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)" not in page
