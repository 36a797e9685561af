"""The knowledge card on the ticket page (MISSION A11, A12, A14): what was answered automatically and the
agents' verdict on it, suggested answers inserted into the reply, replies kept as model answers.

Every action is checked against the agent's queues: outside them it is a 404, like the ticket page.
"""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest

from dapjang.knowledge.models import FaqEntry, SavedAnswer
from dapjang.knowledge.suggestions import saved_index_reset
from dapjang.tickets.models import Article, Ticket, TicketEvent
from dapjang.tickets.services import ticket_reply
from tests.builders import build_mail
from tests.console.conftest import Desk, client_of

FAQ_QUESTION = {"subject": "비번", "body": "비밀번호를 잊어버렸어요. 어떻게 찾나요?"}


@pytest.fixture(autouse=True)
def _fresh_saved_index() -> None:
    saved_index_reset()  # each test's rows are rolled back; the process cache must not outlive them


@pytest.fixture
def answered(kb: None, feed: Any, people: Desk) -> Ticket:
    """A shipping ticket the FAQ answered by itself."""
    result = feed(build_mail(**FAQ_QUESTION, to="shipping@shop.example"))
    ticket = Ticket.objects.get(number=result.ticket)
    assert ticket.auto_answer_faq == "faq-018"
    return ticket


def test_the_page_says_which_faq_answered_and_at_what_confidence(answered: Ticket, people: Desk) -> None:
    page = client_of(people.minji).get(f"/t/{answered.number}/").content.decode()
    confidence = f"{answered.auto_answer_confidence:.2f}"
    assert "FAQ faq-018" in page and confidence in page
    assert 'action="/knowledge/t/' in page and 'name="verdict" value="wrong"' in page


def test_an_agent_rates_the_automatic_answer_and_the_trail_says_so(answered: Ticket, people: Desk) -> None:
    client = client_of(people.minji)
    response = client.post(f"/knowledge/t/{answered.number}/rate/", {"verdict": "wrong"})
    assert response.status_code == 302
    answered.refresh_from_db()
    assert answered.auto_answer_rating == -1
    event = TicketEvent.objects.get(ticket=answered, field="auto-answer rating")
    assert (event.actor, event.old, event.new) == (people.minji, "", "wrong")

    card = client.post(
        f"/knowledge/t/{answered.number}/rate/", {"verdict": "good"}, headers={"HX-Request": "true"}
    )
    assert card.status_code == 200 and 'id="knowledge"' in card.content.decode()
    answered.refresh_from_db()
    assert answered.auto_answer_rating == 1
    assert TicketEvent.objects.filter(ticket=answered, field="auto-answer rating").count() == 2


def test_rating_outside_the_agents_queues_is_a_404_and_changes_nothing(
    answered: Ticket, people: Desk
) -> None:
    response = client_of(people.junho).post(f"/knowledge/t/{answered.number}/rate/", {"verdict": "good"})
    assert response.status_code == 404
    answered.refresh_from_db()
    assert answered.auto_answer_rating is None


def test_a_ticket_not_answered_automatically_cannot_be_rated(feed: Any, people: Desk) -> None:
    ticket = Ticket.objects.get(number=feed(build_mail(to="shipping@shop.example")).ticket)
    client = client_of(people.minji)
    response = client.post(
        f"/knowledge/t/{ticket.number}/rate/", {"verdict": "good"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert "자동 답변이 나가지 않은 문의입니다" in response.content.decode()
    bad = client.post(f"/knowledge/t/{ticket.number}/rate/", {"verdict": "maybe"}, follow=True)
    assert "good 또는 wrong" in bad.content.decode()
    ticket.refresh_from_db()
    assert ticket.auto_answer_rating is None


def test_the_page_suggests_the_faq_entry_and_inserting_it_appends_it_to_the_draft(
    kb: None,
    feed: Any,
    people: Desk,
) -> None:
    raw = build_mail(
        subject="비밀번호",
        body="비밀번호를 잊어버렸어요. 그리고 주문한 상품은 언제 오나요?",
        to="shipping@shop.example",
    )
    ticket = Ticket.objects.get(number=feed(raw).ticket)
    assert ticket.auto_answered_at is None  # two questions: a person answers, with suggestions
    client = client_of(people.minji)
    page = client.get(f"/t/{ticket.number}/").content.decode()
    entry = FaqEntry.objects.get(faq_id="faq-018", language="ko")
    assert f'hx-vals=\'{{"faq": "{entry.pk}"}}\'' in page

    response = client.post(
        f"/knowledge/t/{ticket.number}/insert/", {"faq": str(entry.pk), "body": "안녕하세요."}
    )
    html = unescape(response.content.decode())
    assert response.status_code == 200 and 'id="reply_body"' in html
    assert "안녕하세요." in html and entry.answer.split(".")[0] in html
    assert html.index("안녕하세요.") < html.index(entry.answer.split(".")[0])


def test_an_unpublished_entry_or_someone_elses_model_answer_inserts_nothing(
    kb: None,
    feed: Any,
    people: Desk,
    desk: dict[str, Any],
) -> None:
    ticket = Ticket.objects.get(number=feed(build_mail(to="shipping@shop.example")).ticket)
    draft = FaqEntry.objects.create(faq_id="faq-x", topic="shipping", question="q", answer="초안 답변")
    general = Ticket.objects.get(number=feed(build_mail(subject="일반", to="help@shop.example")).ticket)
    article = Article.objects.filter(ticket=general).first()
    secret = SavedAnswer.objects.create(text="다른 큐 고객의 주소: 서울시…", article=article)
    client = client_of(people.minji)
    for data in ({"faq": str(draft.pk)}, {"saved": str(secret.pk)}, {"faq": "x' or 1=1"}):
        html = client.post(f"/knowledge/t/{ticket.number}/insert/", {**data, "body": "초고"}).content.decode()
        assert "초안 답변" not in html and "서울시" not in html and "초고" in html


def test_an_agent_keeps_a_reply_as_a_model_answer_and_it_is_suggested_later(
    kb: None,
    feed: Any,
    people: Desk,
) -> None:
    first = Ticket.objects.get(
        number=feed(
            build_mail(subject="포장 문의", body="선물 포장이 되나요?", to="shipping@shop.example")
        ).ticket
    )
    reply = ticket_reply(first, people.minji, "네, 선물 포장은 주문서에서 2,000원에 선택하실 수 있습니다.")
    client = client_of(people.minji)
    page = client.get(f"/t/{first.number}/").content.decode()
    assert f'name="article" value="{reply.pk}"' in page
    response = client.post(
        f"/knowledge/t/{first.number}/keep/",
        {"article": str(reply.pk), "title": "선물 포장", "suggest_for_faq": "1"},
    )
    assert response.status_code == 302
    saved = SavedAnswer.objects.get(article=reply)
    assert saved.text == "네, 선물 포장은 주문서에서 2,000원에 선택하실 수 있습니다."  # no signature
    assert (saved.title, saved.suggested_for_faq, saved.saved_by) == ("선물 포장", True, people.minji)
    client.post(f"/knowledge/t/{first.number}/keep/", {"article": str(reply.pk)})
    assert SavedAnswer.objects.filter(article=reply).count() == 1

    second = Ticket.objects.get(
        number=feed(
            build_mail(subject="선물 포장", body="선물 포장 가능한가요?", to="shipping@shop.example")
        ).ticket
    )
    page = client.get(f"/t/{second.number}/").content.decode()
    assert f'hx-vals=\'{{"saved": "{saved.pk}"}}\'' in page
    # 준호 works another queue: the model answer quotes a shipping ticket, so he is not shown it.
    other = Ticket.objects.get(
        number=feed(
            build_mail(subject="선물 포장", body="선물 포장 가능한가요?", to="help@shop.example")
        ).ticket
    )
    page = client_of(people.junho).get(f"/t/{other.number}/").content.decode()
    assert f'"saved": "{saved.pk}"' not in page


def test_keeping_a_reply_of_another_ticket_or_outside_the_queues_is_refused(
    feed: Any,
    people: Desk,
) -> None:
    mine = Ticket.objects.get(number=feed(build_mail(to="shipping@shop.example")).ticket)
    theirs = Ticket.objects.get(number=feed(build_mail(subject="다른", to="help@shop.example")).ticket)
    reply = ticket_reply(theirs, people.junho, "답변")
    response = client_of(people.minji).post(f"/knowledge/t/{mine.number}/keep/", {"article": str(reply.pk)})
    assert response.status_code == 302 and not SavedAnswer.objects.exists()
    response = client_of(people.minji).post(f"/knowledge/t/{theirs.number}/keep/", {"article": str(reply.pk)})
    assert response.status_code == 404 and not SavedAnswer.objects.exists()
