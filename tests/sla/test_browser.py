"""The reply promise in a real browser (Debian's Chromium through Playwright): an agent opens an
overdue ticket and sees at once that it is late, that the customer was told, and that the lead knows.

Set DAPJANG_SCREENSHOTS=/some/dir to keep a screenshot of the panel.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from dapjang.sla.sweeper import sla_sweep
from tests.browser import needs_chromium
from tests.sla.conftest import Clock, SlaDesk

pytestmark = needs_chromium

sync_api = pytest.importorskip("playwright.sync_api")


def test_an_agent_sees_an_overdue_ticket_with_its_holding_reply_and_escalation(
    browser: Any, live_server: Any, clock: Clock, mail_in: Any, sla_desk: SlaDesk
) -> None:
    ticket = mail_in(subject="주문한 상품이 안 와요")
    clock.set(2026, 11, 23, 16, 30)
    sla_sweep()
    clock.set(2026, 11, 24, 9, 30)
    sla_sweep()
    context = browser.new_context(
        locale="ko-KR", timezone_id="Asia/Seoul", viewport={"width": 1360, "height": 900}
    )
    context.set_default_timeout(8000)
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", "minji@shop.example")
    page.fill("#id_password", "pw-12345678")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/t/{ticket.number}/")
    panel = page.locator("#sla")
    assert panel.locator(".sla-state").inner_text() == "기한 초과"
    assert "영업시간 기준 0시간 30분 초과" in panel.inner_text()
    assert "보류 안내" in panel.inner_text() and "2026-11-23 16:30" in panel.inner_text()
    assert "팀장에게 알림" in panel.inner_text()
    shots = os.environ.get("DAPJANG_SCREENSHOTS")
    if shots:
        panel.screenshot(path=str(Path(shots) / "sla-panel.png"))
    context.close()
