"""tickets_search: Korean inflections and spacing, English words, AND, access never widened, upkeep."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from dapjang.agents.services import tickets_visible_to
from dapjang.seed import seed_text
from dapjang.tickets.models import Article, Ticket, TicketSearch
from dapjang.tickets.search import search_reindex, tickets_search
from dapjang.tickets.search_terms import Terms, document_terms, query_terms
from dapjang.tickets.services import ticket_consult, ticket_note, ticket_reply
from tests.builders import build_mail
from tests.factories import CustomerFactory, QueueFactory, TicketFactory, agent_make

Mail = Callable[..., Ticket]


@pytest.fixture
def mail(feed: Any) -> Mail:
    """A customer mail through the pipeline, as SMTP delivers it; returns its ticket."""

    def _mail(
        subject: str, body: str = "", *, to: str = "help@shop.example", sender: str = "minsu@customer.example"
    ) -> Ticket:
        result = feed(build_mail(subject=subject, body=body or subject, to=to, from_=sender))
        assert result.outcome == "created", result
        return Ticket.objects.get(number=result.ticket)

    return _mail


def numbers(tickets: Any) -> set[str]:
    return {t.number for t in tickets}


def search(query: str) -> set[str]:
    return numbers(tickets_search(Ticket.objects.all(), query))


def test_a_korean_word_finds_its_inflected_forms(mail: Mail) -> None:
    please = mail("문의", "환불해주세요")
    object_ = mail("문의", "환불을 원합니다.")
    subject_ = mail("문의", "환불이 아직 안 됐어요")
    mail("문의", "배송이 늦어요")
    assert search("환불") == {please.number, object_.number, subject_.number}
    assert search("환불해") == {please.number}


def test_spacing_does_not_matter_either_way(mail: Mail) -> None:
    spaced = mail("조회 문의", "배송 조회가 안 돼요")
    joined = mail("조회 문의", "배송조회 어디서 해요?")
    mail("다른 문의", "배송은 빨랐고 조회수는 몰라요")  # 배송 and 조회, never next to each other
    assert search("배송조회") == {spaced.number, joined.number}
    assert search("배송 조회") >= {spaced.number, joined.number}


def test_english_words_match_by_prefix_and_case_free(mail: Mail) -> None:
    refunds = mail("Refunds", "Where are my REFUNDS?")
    refunded = mail("Order", "It was never refunded.")
    mail("Shipping", "Where is my parcel?")
    assert search("refund") == {refunds.number, refunded.number}
    assert search("Refunded") == {refunded.number}


def test_several_words_must_all_be_there(mail: Mail) -> None:
    both = mail("환불 요청", "parcel came broken, 환불 부탁드립니다")
    mail("환불 요청", "환불만 해주세요")
    mail("파손", "parcel came broken")
    assert search("환불 parcel") == {both.number}
    assert search("broken 환불 부탁") == {both.number}


def test_one_character_and_mixed_scripts(mail: Mail) -> None:
    book = mail("책 문의", "주문한 책이 안 왔어요")
    sku = mail("문의", "SKU123번 상품 문의")
    assert book.number in search("책")
    assert search("sku123번") == {sku.number}


def test_number_and_customer_address_are_searchable(mail: Mail) -> None:
    ticket = mail("배송 문의", sender="김민수 <minsu@customer.example>")
    mail("배송 문의", sender="other@customer.example")
    assert search(ticket.number) == {ticket.number}
    assert search("minsu@customer.example") == {ticket.number}
    assert search("김민수") == {ticket.number}


def test_the_acknowledgement_is_not_what_makes_a_ticket_match(mail: Mail) -> None:
    mail("배송 문의", "주문한 상품이 아직 오지 않았습니다.")
    ack = Article.objects.get(kind="ack")
    assert "접수" in ack.text
    assert search("접수") == set()


def test_replies_notes_and_later_mail_are_found(mail: Mail, desk: dict[str, Any], feed: Any) -> None:
    ticket = mail("문의", "주문 확인 부탁드립니다", to="shipping@shop.example")
    agent = agent_make("minji@shop.example", desk["shipping"])
    ticket_reply(ticket, agent, "교환 접수해 드렸습니다.")
    ticket_note(ticket, agent, "창고에 재고 확인 요청함")
    ticket_consult(ticket, agent, expert_email="expert@shop.example", question="파손 보상 기준이 궁금합니다")
    last_in = ticket.articles.filter(direction="in").last()
    assert last_in is not None
    feed(
        build_mail(
            subject="Re: 문의", body="감사합니다, 택배 잘 받았어요", in_reply_to=f"<{last_in.message_id}>"
        )
    )
    for word in ("교환", "재고", "보상", "택배"):
        assert search(word) == {ticket.number}, word


def test_an_agent_restricted_queryset_stays_restricted(mail: Mail, desk: dict[str, Any]) -> None:
    shipping = mail("환불 요청", to="shipping@shop.example")
    general = mail("환불 요청", to="help@shop.example")
    agent = agent_make("minji@shop.example", desk["shipping"])
    visible = tickets_visible_to(agent)
    assert numbers(tickets_search(visible, "환불")) == {shipping.number}
    assert numbers(tickets_search(visible.filter(status=Ticket.Status.SOLVED), "환불")) == set()
    assert numbers(tickets_search(tickets_visible_to(None), "환불")) == set()
    assert general.number in search("환불")


def test_subject_hits_come_first_then_the_newest(mail: Mail) -> None:
    old_body = mail("주문 문의", "환불 가능할까요")
    subject = mail("환불 요청", "주문 취소하고 싶어요")
    new_body = mail("주문 문의", "환불 되나요")
    found = [t.number for t in tickets_search(Ticket.objects.all(), "환불")]
    assert found == [subject.number, new_body.number, old_body.number]
    by_caller = tickets_search(Ticket.objects.all(), "환불").order_by("created_at", "id")
    assert [t.number for t in by_caller] == [old_body.number, subject.number, new_body.number]


def test_blank_and_punctuation_queries(mail: Mail) -> None:
    mail("문의")
    everything = Ticket.objects.all()
    assert tickets_search(everything, "  ").count() == 1
    assert tickets_search(everything, "?!#").count() == 0


def test_reindex_rebuilds_what_was_lost(mail: Mail, capsys: Any) -> None:
    ticket = mail("배송 지연", "택배가 일주일째 안 와요")
    TicketSearch.objects.all().delete()
    assert search("택배") == set()
    call_command("search", "reindex", "--no-progress")
    assert search("택배") == {ticket.number}
    assert "1 tickets indexed" in capsys.readouterr().err


def test_mail_onto_a_ticket_from_before_the_index_indexes_the_whole_ticket(mail: Mail, feed: Any) -> None:
    ticket = mail("배송 지연", "택배가 안 와요")
    TicketSearch.objects.all().delete()
    first = ticket.articles.get(direction="in")
    feed(build_mail(subject="Re: 배송 지연", body="아직도요", in_reply_to=f"<{first.message_id}>"))
    assert search("택배") == {ticket.number}


@pytest.mark.django_db
def test_every_labelled_mail_with_a_keyword_is_found() -> None:
    """Recall on the labelled demo mails: each topic keyword finds every mail containing it."""
    rows = [json.loads(line) for line in seed_text("train.jsonl").splitlines()]
    topics = json.loads(seed_text("topics.json"))
    customer, queue = CustomerFactory(), QueueFactory()
    ids = {}
    for row in rows:
        ticket = TicketFactory(subject=row["subject"], customer=customer, queue=queue)
        Article.objects.create(ticket=ticket, direction="in", kind="customer", text=row["body"])
        ids[ticket.id] = row
    search_reindex()

    def squash(text: str) -> str:
        return "".join(text.lower().split())

    for keyword in [k for topic in topics for k in topic["keywords_ko"]]:
        words = [squash(w) for w in keyword.split()]
        expected = {
            tid
            for tid, row in ids.items()
            if all(w in squash(row["subject"]) or w in squash(row["body"]) for w in words)
        }
        found = set(tickets_search(Ticket.objects.all(), keyword).values_list("id", flat=True))
        assert expected <= found, keyword


def _has(terms: Terms, document: set[str]) -> bool:
    return all(
        any(d.startswith(t.text) for d in document) if t.prefix else t.text in document for t in terms.items
    )


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet="환불해주세요배송조회 .\n", min_size=1, max_size=40),
    data=st.data(),
)
def test_any_piece_of_a_text_finds_it(text: str, data: st.DataObject) -> None:
    """Whatever a person copies out of Korean text (its spaces kept or dropped) finds that text."""
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    piece = text[start:end]
    if not piece.strip():
        return
    for query in (piece, "".join(piece.split())):
        assert _has(query_terms(query), document_terms([text])), (text, query)
