"""The console in a real browser (Debian's Chromium through Playwright) against a live server.

The main flows an agent goes through, and the hostile-mail corpus of RELIABILITY 30 and 32 with a
probe HTTP server that must never be reached. Playwright's own browsers are never downloaded: the
tests use /usr/bin/chromium and skip, saying so, where it is missing.

Set DAPJANG_SCREENSHOTS=/some/dir to have the flows test save screenshots of the inbox and a ticket.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from dapjang.mail.models import Outbox
from dapjang.tickets.models import Article, Snippet, Ticket
from tests.browser import needs_chromium
from tests.builders import build_mail
from tests.console.conftest import Desk, html_mail
from tests.factories import agent_make

pytestmark = needs_chromium

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def live(live_server: Any, settings: Any) -> str:
    settings.DAPJANG_INBOX_POLL_SECONDS = 1  # the inbox asks for new tickets every second here
    return str(live_server.url)


def _page(browser: Any, base: str) -> Any:
    context = browser.new_context(
        locale="ko-KR", timezone_id="Asia/Seoul", viewport={"width": 1360, "height": 900}
    )
    context.set_default_timeout(8000)
    page = context.new_page()
    page.base = base
    return page


def _login(page: Any, email: str) -> None:
    page.goto(page.base + "/")
    page.fill("#id_username", email)
    page.fill("#id_password", "pw-12345678")
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox/")


def _shot(page: Any, name: str) -> None:
    folder = os.environ.get("DAPJANG_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def test_an_agent_works_the_inbox_with_the_keyboard_and_sees_new_mail_arrive(
    browser: Any, live: str, people: Desk, shipping_ticket: Ticket, feed: Any
) -> None:
    other = Ticket.objects.get(
        number=feed(build_mail(subject="배송 지연", to="shipping@shop.example")).ticket
    )
    Ticket.objects.filter(pk=other.pk).update(priority=Ticket.Priority.URGENT)
    page = _page(browser, live)
    _login(page, "minji@shop.example")
    rows = page.locator("#rows tr[data-href]")
    assert rows.count() == 2
    assert rows.nth(0).get_attribute("data-number") == other.number  # urgent first
    _shot(page, "inbox.png")

    page.keyboard.press("j")
    page.keyboard.press("j")
    assert "is-current" in (rows.nth(1).get_attribute("class") or "")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/t/{shipping_ticket.number}/")
    page.keyboard.press("u")
    page.wait_for_url("**/inbox/")

    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search"
    page.keyboard.type("환불")
    page.keyboard.press("Enter")
    page.wait_for_url("**/inbox/?q=*")
    assert [r.get_attribute("data-number") for r in page.locator("#rows tr[data-href]").all()] == [
        shipping_ticket.number
    ]

    page.goto(live + "/inbox/")
    page.keyboard.press("?")
    assert page.locator("#help").is_visible()
    page.keyboard.press("Escape")
    fresh = feed(build_mail(subject="방금 온 문의", to="shipping@shop.example")).ticket
    page.locator(f'#rows tr[data-number="{fresh}"]').wait_for(timeout=6000)  # no reload
    assert page.locator("#queue-counts").inner_text().count("3") >= 1
    page.context.close()


def test_an_agent_replies_notes_inserts_a_snippet_and_reassigns(
    browser: Any, live: str, people: Desk, shipping_ticket: Ticket
) -> None:
    sora = agent_make("sora@shop.example", people.shipping, name="정소라")
    Snippet.objects.create(
        queue=people.shipping,
        language="ko",
        title="환불 안내",
        body="{{ customer_name }}님, 환불이 접수되었습니다.",
    )
    n = shipping_ticket.number
    # 소라 has the ticket open first; 민지 is told when she opens it.
    colleague = _page(browser, live)
    _login(colleague, "sora@shop.example")
    colleague.goto(f"{live}/t/{n}/")
    colleague.locator("#presence").wait_for(state="attached")

    page = _page(browser, live)
    _login(page, "minji@shop.example")
    page.goto(f"{live}/t/{n}/")
    page.locator("#presence .viewing").wait_for()
    assert "정소라" in page.locator("#presence").inner_text()
    frame = page.frame_locator("iframe.mail, .frame iframe")
    assert frame.locator("b").inner_text() == "환불해주세요"
    _shot(page, "ticket.png")

    page.select_option("select[name=snippet]", label="환불 안내")
    # expect() polls from Playwright's own world; wait_for_function would eval, which our CSP forbids.
    sync_api.expect(page.locator("#reply_body")).to_have_value(re.compile("고객님, 환불이 접수되었습니다"))
    page.fill("#reply_body", "고객님, 환불 처리해 드렸습니다.")
    page.click("#reply button[type=submit]")
    page.wait_for_url(f"**/t/{n}/#a*")
    assert page.locator("article.dir-out.kind-reply").inner_text().count("환불 처리해 드렸습니다") == 1
    reply = Article.objects.get(ticket=shipping_ticket, kind="reply")
    assert Outbox.objects.get(kind="reply").message_id == reply.message_id

    page.fill("#note_body", "전화로도 안내함")
    page.click("#note button[type=submit]")
    page.wait_for_url(f"**/t/{n}/#a*")
    assert "전화로도 안내함" in page.locator("article.dir-note").inner_text()

    page.select_option("#id_assignee", label="정소라")  # htmx posts the change at once
    page.locator("#trail", has_text="정소라").wait_for()
    assert "정소라" in page.locator("#ticket-head").inner_text()
    shipping_ticket.refresh_from_db()
    assert shipping_ticket.assignee == sora.user
    _shot(page, "ticket-after.png")
    page.context.close()
    colleague.context.close()


class _Probe(BaseHTTPRequestHandler):
    hits: list[str]

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    do_POST = do_GET

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def probe() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server that records every request: no mail may make the browser call it."""
    hits: list[str] = []
    handler = type("Probe", (_Probe,), {"hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()


def _corpus(origin: str) -> list[str]:
    pwn = "top.__pwned=1;parent.document.title='pwned';console.log('pwned');alert('pwned')"
    return [
        f"<script>{pwn}</script><ScRiPt>{pwn}</sCrIpT>",
        f'<img src=x onerror="{pwn}"><body onload="{pwn}">',
        f'<a id=js href="javascript:{pwn}">click</a><a href="&#106;avascript:{pwn}">e</a><a href="vbscript:msgbox(1)">v</a>',
        f'<a href="data:text/html,&lt;script&gt;{pwn}&lt;/script&gt;">data</a><base href="{origin}/base/">',
        f'<svg onload="{pwn}"><animate onbegin="{pwn}" attributeName=x dur=1s></svg>',
        f'<iframe src="javascript:{pwn}"></iframe><iframe srcdoc="<script>{pwn}</script>"></iframe>',
        f'<object data="{origin}/object"></object><embed src="{origin}/embed">',
        f'<div style="background:url({origin}/style-url.png);width:expression(alert(1))">css</div>'
        f"<style>@import url({origin}/import.css); body{{background:url({origin}/bg.png)}}</style>",
        f'<meta http-equiv="refresh" content="0;url={origin}/refresh">',
        f'<img src="{origin}/track.png" width=1 height=1><link rel=stylesheet href="{origin}/x.css">',
        f'<form action="{origin}/form" method=post><input name=q value=1><button id=go>go</button></form>',
        f'<math><mtext><table><mglyph><style><img src=x onerror="{pwn}">',
        f'<noscript><p title="</noscript><img src=x onerror={pwn}>"></noscript>',
    ]


def _assert_harmless(page: Any, dialogs: list[str], console: list[str]) -> None:
    page.wait_for_timeout(150)  # room for a late onerror or a meta refresh
    assert dialogs == []
    assert page.evaluate("window.__pwned") is None
    assert page.title() != "pwned"
    assert not [m for m in console if "pwned" in m or "alert" in m]
    for frame in page.locator("iframe").all():
        assert frame.get_attribute("sandbox") == ""


def test_hostile_html_mail_runs_nothing_and_loads_nothing_remote(
    browser: Any, live: str, people: Desk, feed: Any, probe: tuple[str, list[str]]
) -> None:
    origin, hits = probe
    numbers = []
    corpus = _corpus(origin)
    # Four mails of a few payloads each keep the page loads few; the sanitiser's own tests
    # (tests/mail/test_htmltext.py) take payloads one at a time.
    for i in range(4):
        payload = "".join(corpus[i::4])
        raw = html_mail(
            html=f"<p>공격 {i}</p>{payload}",
            text=f"<script>top.__pwned=1</script> 공격 {i}",
            subject=f"<script>top.__pwned=1</script><img src=x onerror=top.__pwned=1> 공격 {i}",
            from_='"<img src=x onerror=top.__pwned=1>" <evil@example.com>',
        )
        numbers.append(feed(raw).ticket)
    # As if the sanitiser had let everything through: the frame's sandbox and CSP must still hold.
    raw_bypass = "<p>unsanitised</p>" + "".join(_corpus(origin))
    Article.objects.filter(ticket__number=numbers[0], direction="in").update(html=raw_bypass)

    page = _page(browser, live)
    dialogs: list[str] = []
    console: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("console", lambda m: console.append(m.text))
    _login(page, "minji@shop.example")
    _assert_harmless(page, dialogs, console)  # the inbox lists the hostile subjects and names
    page.goto(f"{live}/inbox/?q=공격")
    _assert_harmless(page, dialogs, console)
    for number in numbers:
        page.goto(f"{live}/t/{number}/")
        page.frame_locator(".frame iframe").locator("body").wait_for(state="attached")
        _assert_harmless(page, dialogs, console)
    # Clicking the mail's links and buttons inside the frame runs nothing either.
    page.goto(f"{live}/t/{numbers[0]}/")
    frame = page.frame_locator(".frame iframe")
    frame.locator("#js").click()
    frame.locator("#go").click()
    _assert_harmless(page, dialogs, console)
    page.goto(f"{live}/t/{numbers[0]}/?view=text")
    _assert_harmless(page, dialogs, console)
    assert (
        "&lt;script&gt;" in page.content()
        or "<script>top.__pwned" in page.locator("pre.text").first.inner_text()
    )
    page.context.close()
    assert hits == []
