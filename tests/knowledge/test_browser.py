"""The knowledge card and the automation view in a real browser (Debian's Chromium, Playwright).

Inserting a suggested answer, rating the automatic answer and reading the automation chart all run
under the console's strict CSP: any violation the browser reports fails the test.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from dapjang.knowledge.models import FaqEntry
from dapjang.knowledge.search import faq_index_reset
from dapjang.knowledge.services import DEFAULT_FILES, knowledge_import
from dapjang.tickets.models import Ticket
from tests.browser import needs_chromium
from tests.builders import build_mail
from tests.console.conftest import Desk
from tests.console.test_browser import _login, _page, _shot, live  # noqa: F401 - fixtures

pytestmark = needs_chromium
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def fresh_kb(live: str) -> None:  # noqa: F811
    """The shipped FAQ, imported for this test: a live server's database is emptied after each test,
    so the module-wide copy the other knowledge tests share would be gone by the second one."""
    knowledge_import(DEFAULT_FILES)
    faq_index_reset()


def _watch_csp(page: Any) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return violations


def test_an_agent_inserts_a_suggested_answer_into_the_reply_and_rates_an_automatic_one(
    browser: Any,
    live: str,  # noqa: F811
    fresh_kb: None,
    feed: Any,
    people: Desk,
) -> None:
    two_questions = build_mail(
        subject="비밀번호",
        body="비밀번호를 잊어버렸어요. 그리고 주문한 상품은 언제 오나요?",
        to="shipping@shop.example",
    )
    ticket = Ticket.objects.get(number=feed(two_questions).ticket)
    entry = FaqEntry.objects.get(faq_id="faq-018", language="ko")
    page = _page(browser, live)
    violations = _watch_csp(page)
    _login(page, "minji@shop.example")
    page.goto(f"{live}/t/{ticket.number}/")
    page.fill("#reply_body", "고객님, 안녕하세요.")
    page.locator(".suggestion[data-source=faq]", has_text="faq-018").locator("button.insert").click()
    first_words = entry.answer.split(".")[0]
    sync_api.expect(page.locator("#reply_body")).to_have_value(
        re.compile("^고객님, 안녕하세요.\n\n" + re.escape(first_words))
    )
    page.click("#reply button[type=submit]")
    page.wait_for_url(f"**/t/{ticket.number}/#a*")
    assert first_words in page.locator("article.dir-out.kind-reply").inner_text()

    answered = Ticket.objects.get(
        number=feed(
            build_mail(
                subject="비번", body="비밀번호를 잊어버렸어요. 어떻게 찾나요?", to="shipping@shop.example"
            )
        ).ticket
    )
    page.goto(f"{live}/t/{answered.number}/")
    assert "faq-018" in page.locator("#autoanswer").inner_text()
    page.locator("#autoanswer button[value=wrong]").click()  # htmx swaps the card in place
    sync_api.expect(page.locator("#rated")).to_have_text("평가: 틀림")
    _shot(page, "ticket-auto-answered.png")
    answered.refresh_from_db()
    assert answered.auto_answer_rating == -1
    assert violations == []
    page.context.close()


def test_the_automation_page_draws_its_chart_and_an_admin_sets_a_coefficient(
    browser: Any,
    live: str,  # noqa: F811
    fresh_kb: None,
    feed: Any,
    people: Desk,
) -> None:
    feed(
        build_mail(subject="비번", body="비밀번호를 잊어버렸어요. 어떻게 찾나요?", to="shipping@shop.example")
    )
    feed(
        build_mail(
            subject="배송", body="주문한 상품이 안 와요. 벌써 일주일째입니다.", to="shipping@shop.example"
        )
    )
    page = _page(browser, live)
    violations = _watch_csp(page)
    _login(page, "boss@shop.example")
    page.click("nav.nav >> text=자동화")
    page.wait_for_url("**/knowledge/automation/")
    chart = page.locator("#automation-chart")
    assert chart.is_visible()
    bar = page.locator("#automation-chart rect.bar-auto").first
    assert float(bar.get_attribute("width") or 0) > 0 and bar.bounding_box()["width"] > 0
    _shot(page, "automation.png")
    row = page.locator('tr[data-queue="shipping"]')
    assert row.locator("td.new").inner_text() == "2" and row.locator("td.auto").inner_text() == "1"
    assert row.locator("td.rate").inner_text() == "50%"

    row.locator("input[name=autoanswer_threshold]").fill("0.93")
    row.locator("button[type=submit]").click()
    page.locator(".messages").wait_for()
    people.shipping.refresh_from_db()
    assert people.shipping.autoanswer_threshold == 0.93
    assert page.locator('tr[data-queue="shipping"] input[name=autoanswer_threshold]').input_value() == "0.93"
    page.click("text=90일")
    page.wait_for_url("**/knowledge/automation/?days=90")
    assert violations == []
    page.context.close()
