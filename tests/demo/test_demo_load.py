"""demo_load: a living desk from one call — queues, agents, snippets, tickets — loaded once."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.utils import timezone

from dapjang.agents.models import Agent
from dapjang.agents.services import tickets_visible_to
from dapjang.customers.models import Customer
from dapjang.demo import cast
from dapjang.demo.load import AUTOANSWER_QUEUES, DemoError, DemoReport, demo_load
from dapjang.mail.models import Outbox, RawMessage
from dapjang.routing import classifier
from dapjang.tickets.models import Article, Queue, Snippet, Ticket
from dapjang.tickets.search import tickets_search
from tests.factories import QueueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _desk(settings: Any) -> None:
    settings.DAPJANG_MAIL_DOMAIN = "hanbit.example"
    # The demo's three logins are hashed for real; the slow default hasher would be most of a test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo() -> DemoReport:
    return demo_load()


def _counts() -> dict[str, int]:
    return {
        "queues": Queue.objects.count(),
        "tickets": Ticket.objects.count(),
        "articles": Article.objects.count(),
        "raw": RawMessage.objects.count(),
        "outbox": Outbox.objects.count(),
        "customers": Customer.objects.count(),
        "agents": Agent.objects.count(),
        "snippets": Snippet.objects.count(),
    }


def test_it_loads_a_living_desk(demo: DemoReport) -> None:
    assert demo.created and demo.company == "한빛몰 고객센터"
    assert [slug for slug, _, _ in demo.queues] == [t["id"] for t in cast.topics()]
    assert ("returns", "반품/교환/환불", "returns@hanbit.example") in demo.queues
    assert all(q.sender_name == "한빛몰 고객센터" for q in Queue.objects.all())
    assert 30 <= demo.tickets <= 50 and demo.tickets == Ticket.objects.count()
    assert len(demo.statuses) >= 4 and demo.statuses["new"] >= 5
    assert Article.objects.filter(kind="reply").count() >= 8
    assert Article.objects.filter(kind="note").count() >= 8
    assert Ticket.objects.filter(language="en").count() >= 8
    assert Ticket.objects.filter(priority=Ticket.Priority.URGENT).exists()
    assert Snippet.objects.filter(language="en").count() >= 2 and demo.snippets >= 20
    vip = Customer.objects.get(segment="vip")
    abusive = Customer.objects.get(segment="abusive")
    assert vip.tickets.count() == 1 and abusive.tickets.count() == 2
    assert Outbox.objects.filter(kind="ack").count() >= 25  # acks wait in the outbox without a relay
    # The FAQ answered some by itself, in the queues the demo automates; those wait on the customer.
    answered = Ticket.objects.exclude(auto_answered_at=None)
    assert answered.exists() and set(answered.values_list("queue__slug", flat=True)) <= AUTOANSWER_QUEUES
    assert not answered.exclude(status=Ticket.Status.WAITING).exists()
    # The reply promise runs from each mail's own (back-dated) arrival: some are already late.
    assert Ticket.objects.filter(due_at__lt=timezone.now()).exists()
    assert Ticket.objects.filter(due_at__gt=timezone.now()).exists()
    assert classifier.stored_model() is not None  # mail to the general address is routed at once
    assert {r.outcome for r in RawMessage.objects.all()} <= {"created", "appended"}


def test_the_logins_work_and_are_shown_once(demo: DemoReport) -> None:
    assert [(lg.role, len(lg.queues)) for lg in demo.logins] == [("lead", 10), ("agent", 3), ("agent", 4)]
    for login in demo.logins:
        assert login.password and authenticate(username=login.email, password=login.password)
    again = demo_load()
    assert not again.created and all(lg.password is None for lg in again.logins)


def test_loading_twice_changes_nothing(demo: DemoReport) -> None:
    before = _counts()
    report = demo_load()
    assert _counts() == before
    assert (report.tickets, report.articles, report.statuses) == (demo.tickets, demo.articles, demo.statuses)


def test_each_mail_lands_in_its_topics_queue(demo: DemoReport) -> None:
    topic_of = {row["id"]: row["topic"] for row in cast.train_rows()}
    firsts = Article.objects.filter(direction="in", message_id__startswith="demo-tr-").exclude(
        message_id__endswith="-again@hanbit.example"
    )
    assert firsts.count() == demo.tickets - len(cast.GENERAL_MAILS)
    for article in firsts.select_related("ticket__queue"):
        row_id = article.message_id.removeprefix("demo-").split("@")[0]
        assert article.ticket.queue.slug == topic_of[row_id], row_id
        assert article.to == [f"{topic_of[row_id]}@hanbit.example"]


def test_mail_to_the_general_address_is_routed_or_waits_in_triage_for_the_lead(demo: DemoReport) -> None:
    routed, vague = (Ticket.objects.get(customer__email=mail[1]) for mail in cast.GENERAL_MAILS)
    assert routed.queue.slug == "shipping" and not routed.triage and routed.topic == "shipping"
    assert vague.queue.is_default and vague.triage and len(vague.suggestions) == 3
    assert demo.triage == 1
    lead = Agent.objects.get(user__username=demo.logins[0].email)
    assert tickets_visible_to(lead).filter(pk=vague.pk).exists()  # somebody can pick its queue
    assert not tickets_visible_to(Agent.objects.get(user__username=demo.logins[1].email)).filter(pk=vague.pk)


def test_customers_first_contact_is_their_oldest_mail(demo: DemoReport) -> None:
    for customer in Customer.objects.filter(tickets__isnull=False).distinct():
        oldest = customer.tickets.order_by("created_at").first()
        assert oldest is not None and customer.created_at == oldest.created_at


def test_agents_see_only_their_queues(demo: DemoReport) -> None:
    lead, minji, junho = (Agent.objects.get(user__username=lg.email) for lg in demo.logins)
    assert tickets_visible_to(lead).count() == demo.tickets
    for agent, spec in ((minji, cast.AGENTS[1]), (junho, cast.AGENTS[2])):
        visible = tickets_visible_to(agent)
        assert set(visible.values_list("queue__slug", flat=True)) == set(spec.queues)
        assert visible.count() == Ticket.objects.filter(queue__slug__in=spec.queues).count()
    returns = set(tickets_search(tickets_visible_to(minji), "환불").values_list("queue__slug", flat=True))
    assert "returns" in returns and returns <= set(cast.AGENTS[1].queues)
    assert not tickets_search(tickets_visible_to(junho), "환불").filter(queue__slug="returns").exists()


def test_reset_loads_it_anew_with_new_passwords(demo: DemoReport) -> None:
    before = _counts()
    report = demo_load(reset=True)
    assert report.created and _counts() == before
    assert [lg.password for lg in report.logins] != [lg.password for lg in demo.logins]


def test_it_refuses_a_desk_that_has_its_queues_already(db: None) -> None:
    QueueFactory(slug="shipping", name="배송")
    with pytest.raises(DemoError, match="shipping"):
        demo_load()
    assert Ticket.objects.count() == 0


def test_the_command_prints_what_it_made_and_the_logins(capsys: Any) -> None:
    call_command("demo")
    out = capsys.readouterr().out
    assert "demo desk loaded / 데모 고객센터를 만들었습니다" in out
    assert "seoyeon.lee@hanbit.example / " in out and "shown once" in out
    call_command("demo")
    assert "already here" in capsys.readouterr().out
