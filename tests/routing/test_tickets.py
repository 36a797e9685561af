from __future__ import annotations

from dapjang.routing.data import examples_from_tickets
from dapjang.tickets.models import Article, Ticket, TicketEvent
from tests.factories import QueueFactory, TicketFactory, agent_make


def _mail(ticket: Ticket, subject: str, text: str, *, direction: str = "in") -> Article:
    return Article.objects.create(
        ticket=ticket, direction=direction, kind="human", subject=subject, text=text, new_text=text
    )


def test_examples_from_resolved_and_corrected_tickets(db: None) -> None:
    general = QueueFactory(slug="general", is_default=True)
    shipping = QueueFactory(slug="shipping")
    billing = QueueFactory(slug="billing")

    solved = TicketFactory(queue=shipping, status=Ticket.Status.SOLVED, subject="배송", language="ko")
    _mail(solved, "배송 문의", "택배가 아직 안 왔어요")
    Article.objects.create(ticket=solved, direction="out", kind="reply", text="곧 도착합니다")
    _mail(solved, "Re: 배송 문의", "감사합니다")  # a later customer mail is not the question

    moved = TicketFactory(queue=billing, status=Ticket.Status.OPEN, subject="charged twice", language="en")
    _mail(moved, "charged twice", "I was charged twice")
    TicketEvent.objects.create(
        ticket=moved,
        actor=agent_make("lead@shop.example", billing),
        field="queue",
        old="general",
        new="billing",
    )

    still_open = TicketFactory(queue=shipping, status=Ticket.Status.OPEN)
    _mail(still_open, "?", "open and not corrected")
    in_default = TicketFactory(queue=general, status=Ticket.Status.CLOSED)
    _mail(in_default, "?", "closed where nothing routed it")
    bulk = TicketFactory(queue=shipping, status=Ticket.Status.SOLVED, kind="bulk")
    _mail(bulk, "newsletter", "a newsletter")

    examples = {e.body: e for e in examples_from_tickets()}
    assert set(examples) == {"택배가 아직 안 왔어요", "I was charged twice"}
    assert examples["택배가 아직 안 왔어요"].topic == "shipping"
    assert examples["택배가 아직 안 왔어요"].subject == "배송 문의"
    assert examples["택배가 아직 안 왔어요"].lang == "ko"
    assert examples["I was charged twice"].topic == "billing"
    assert "closed where nothing routed it" in {
        e.body for e in examples_from_tickets(include_default_queue=True)
    }
    assert len(examples_from_tickets(limit=1)) == 1
