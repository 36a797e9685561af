"""The reply promise on the ticket page: due times, a clear state, holding reply and escalation."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.utils import translation

import dapjang.sla as sla_app
from dapjang.sla.sweeper import sla_sweep
from dapjang.sla.templatetags.sla_console import business_time_text
from tests.catalogs import catalog_of, po_entries
from tests.sla.conftest import Clock, SlaDesk, seoul


def page(sla_desk: SlaDesk, number: str, language: str) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(sla_desk.agent.user)
    response = client.get(f"/t/{number}/")
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('id="sla"')
    return html[start : html.index("</section>", start)]


def test_a_fresh_ticket_shows_its_targets_in_korean(clock: Clock, mail_in: Any, sla_desk: SlaDesk) -> None:
    ticket = mail_in()  # Monday 10:00
    panel = page(sla_desk, ticket.number, "ko")
    assert "답변 기한" in panel
    assert "sla-on-time" in panel and "기한 내" in panel
    assert "2026-11-23 18:00" in panel  # first response
    assert "2026-11-25 16:00" in panel  # resolution
    assert "영업시간 기준 8시간 0분 남음" in panel
    assert "월요일–금요일 09:00–18:00 (Asia/Seoul)" in panel and "공휴일 휴무 (KR)" in panel


def test_an_overdue_ticket_says_so_with_the_holding_reply_and_escalation(
    clock: Clock, mail_in: Any, sla_desk: SlaDesk
) -> None:
    ticket = mail_in()
    clock.set(2026, 11, 23, 16, 30)
    sla_sweep()
    assert "sla-due-soon" in page(sla_desk, ticket.number, "en")
    clock.set(2026, 11, 24, 10, 0)
    sla_sweep()
    panel = page(sla_desk, ticket.number, "en")
    assert "sla-overdue" in panel and "overdue" in panel
    assert "Holding reply" in panel and "2026-11-23 16:30" in panel
    assert "Escalated" in panel and "2026-11-24 10:00" in panel
    assert "1 h 0 min of business time overdue" in panel
    assert seoul(2026, 11, 24, 10, 0) == clock.now


def trail(sla_desk: SlaDesk, number: str, language: str) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(sla_desk.agent.user)
    html = client.get(f"/t/{number}/").content.decode()
    return html.split('id="trail"', 1)[1].split("</section>", 1)[0]


def test_the_trail_says_in_the_agents_language_which_promise_was_missed_and_who_was_told(
    clock: Clock, mail_in: Any, sla_desk: SlaDesk
) -> None:
    ticket = mail_in()  # Monday 10:00: first response 18:00, resolution Wednesday 16:00
    clock.set(2026, 11, 23, 16, 30)
    sla_sweep()
    clock.set(2026, 11, 26, 10, 0)  # the sweep was down until both targets had passed
    sla_sweep()
    korean = trail(sla_desk, ticket.number, "ko")
    assert "보류 안내 메일 보냄: 2026-11-24 17:00까지 답변 예정" in korean
    assert "첫 답변·해결 기한 초과, 정팀장에게 알림" in korean
    assert "lead@shop.example" not in korean and "escalated (" not in korean
    english = trail(sla_desk, ticket.number, "en")
    assert "first response and resolution target missed; told 정팀장" in english
    assert "holding reply sent: an answer promised by 2026-11-24 17:00" in english


def test_business_time_reads_in_hours_and_minutes() -> None:
    assert business_time_text(None) == ""
    with translation.override("en"):
        assert business_time_text(150.7) == "2 h 30 min of business time left"
        assert business_time_text(-61) == "1 h 1 min of business time overdue"
    with translation.override("ko"):
        assert business_time_text(-61) == "영업시간 기준 1시간 1분 초과"


def test_every_sla_string_has_a_current_korean_translation() -> None:
    pairs = [(msgid, msgstr) for _, msgid, msgstr in po_entries(catalog_of(sla_app))]
    assert len(pairs) > 40
    assert [msgid for msgid, msgstr in pairs if not msgstr] == []
    with translation.override("ko"):
        assert [msgid for msgid, msgstr in pairs if translation.gettext(msgid) != msgstr] == []
