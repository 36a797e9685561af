"""The portal in a real browser (Debian's Chromium through Playwright) against a live server.

One customer types a question, sees an FAQ answer appear while typing and says it answered them; another
sends the form and sees their ticket number. Playwright's own browsers are never downloaded: the tests
use /usr/bin/chromium and skip, saying so, where it is missing.

Set DAPJANG_SCREENSHOTS=/some/dir to save screenshots of the contact page and the thank-you page.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from dapjang.knowledge.models import Deflection
from dapjang.knowledge.search import faq_index_warm
from dapjang.tickets.models import Ticket
from tests.browser import needs_chromium
from tests.portal.conftest import Shop

pytestmark = needs_chromium

sync_api = pytest.importorskip("playwright.sync_api")


def _page(browser: Any) -> Any:
    context = browser.new_context(
        locale="ko-KR", timezone_id="Asia/Seoul", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(8000)
    return context.new_page()


def _shot(page: Any, name: str) -> None:
    folder = os.environ.get("DAPJANG_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def test_a_customer_finds_the_answer_while_typing_and_says_so(
    browser: Any, live_server: Any, shop: Shop, faq: None
) -> None:
    faq_index_warm()  # as a web process has after its first search: kiwipiepy loads once (2-4 s)
    page = _page(browser)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live_server.url + "/help/")

    page.fill("#id_subject", "배송 조회")
    page.locator("#id_message").press_sequentially("택배 어디쯤 왔는지 어디서 봐요?", delay=20)

    answer = page.locator("#faq-faq-001")
    answer.wait_for(timeout=15000)
    assert "주문한 상품의 배송 조회는 어떻게 하나요?" in answer.inner_text()
    assert "마이페이지" in answer.inner_text()  # the first answer is open
    _shot(page, "portal-contact.png")
    answer.get_by_role("button", name="궁금증이 해결되었어요").click()
    page.get_by_text("도움이 되었다니 다행입니다").wait_for()

    row = Deflection.objects.get()
    assert (row.faq_id, row.language) == ("faq-001", "ko")
    assert row.query.startswith("배송 조회 택배")  # what was typed when the answer was fetched
    assert not Ticket.objects.exists()
    assert errors == []  # no CSP violation, no failed request
    page.context.close()


def test_a_customer_sends_the_form_and_sees_the_ticket_number(
    browser: Any, live_server: Any, shop: Shop, faq: None
) -> None:
    page = _page(browser)
    page.goto(live_server.url + "/help/contact/")
    page.fill("#id_name", "김민수")
    page.fill("#id_email", "minsu@customer.example")
    page.select_option("#id_topic", "complaint")
    page.fill("#id_product", "무선 이어폰 X2")
    page.fill("#id_subject", "불량품이 왔어요")
    page.fill("#id_message", "받은 이어폰 한쪽이 들리지 않습니다. 교환 부탁드립니다.")
    page.get_by_role("button", name="보내기").click()

    number = page.locator("#ticket-number")
    number.wait_for()
    ticket = Ticket.objects.get()
    assert number.inner_text() == ticket.number
    assert ticket.channel == "form" and ticket.subject == "불량품이 왔어요"
    _shot(page, "portal-sent.png")
    page.context.close()


def test_a_mistake_is_shown_in_english_with_the_text_kept(browser: Any, live_server: Any, shop: Shop) -> None:
    page = _page(browser)
    page.goto(live_server.url + "/help/")
    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="Contact us").wait_for()
    page.fill("#id_name", "Jo")
    page.fill("#id_email", "jo-at-example")
    page.fill("#id_message", "My parcel is late.")
    page.get_by_role("button", name="Send").click()

    page.get_by_text("Enter an e-mail address such as name@example.com.").wait_for()
    assert page.input_value("#id_message") == "My parcel is late."
    assert page.input_value("#id_name") == "Jo"
    assert not Ticket.objects.exists()
    page.context.close()


def test_a_customer_follows_the_link_reads_our_reply_and_adds_to_the_ticket(
    browser: Any, live_server: Any, shop: Shop, faq: None, feed: Any
) -> None:
    from dapjang.portal.links import ticket_path
    from dapjang.tickets.services import ticket_note, ticket_reply
    from tests.builders import build_mail
    from tests.factories import agent_make

    ticket = Ticket.objects.get(number=feed(build_mail(to="shipping@shop.example")).ticket)
    agent = agent_make("minji@shop.example", shop.shipping, name="김민지")
    ticket_note(ticket, agent, "내부 메모입니다")
    ticket_reply(ticket, agent, "내일 도착 예정입니다.")
    page = _page(browser)
    page.goto(live_server.url + ticket_path(ticket.id, ticket.customer_id))

    conversation = page.locator(".conversation")
    assert "내일 도착 예정입니다." in conversation.inner_text()
    assert "내부 메모" not in page.content()
    page.fill("#id_message", "감사합니다. 경비실에 맡겨 주세요.")
    page.get_by_role("button", name="보내기").click()
    page.get_by_text("문의에 내용이 추가되었습니다").wait_for()
    assert "경비실에 맡겨 주세요." in page.locator(".conversation").inner_text()
    _shot(page, "portal-ticket.png")

    page.goto(live_server.url + "/help/faq/?topic=shipping")
    page.get_by_role("link", name="주문한 상품의 배송 조회는 어떻게 하나요?").click()
    page.get_by_text("마이페이지 > 주문내역 > 배송 조회").wait_for()
    _shot(page, "portal-faq-entry.png")
    page.context.close()
