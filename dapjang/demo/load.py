"""Loading and removing the demo desk, through the services and the pipeline real use goes through.

`demo_load()` is what `dapjang demo` and `dapjang serve --demo` call. It runs in one transaction,
so a desk has the whole demo or none of it; a second call finds the demo and changes nothing.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from dapjang.agents.models import Agent
from dapjang.agents.services import agent_add
from dapjang.customers.models import Customer
from dapjang.customers.services import customer_for_email
from dapjang.demo import cast
from dapjang.knowledge.models import FaqEntry
from dapjang.knowledge.services import knowledge_import
from dapjang.mail.models import Outbox, RawMessage
from dapjang.routing import classifier
from dapjang.routing.data import shipped_faq_questions, shipped_mails
from dapjang.seed import seed_path
from dapjang.sla.clock import ticket_clock_start, ticket_clock_update
from dapjang.tickets.context import PipelineContext
from dapjang.tickets.models import Article, Queue, QueueAddress, Snippet, Ticket, TicketEvent
from dapjang.tickets.pipeline import ingest
from dapjang.tickets.queues import queue_create, queue_default
from dapjang.tickets.services import Change, ticket_change, ticket_note, ticket_reply

# Queues that answer FAQ questions by themselves in the demo: a desk turns automation on queue by
# queue, where its FAQ is strongest, so the demo shows both kinds side by side (and agents' replies).
AUTOANSWER_QUEUES = frozenset({"returns", "account", "subscription"})
MESSAGE_ID_PREFIX = "demo-"  # Message-IDs of the demo's customer mail: <demo-tr-0001@hanbit.example>


class DemoError(RuntimeError):
    """The demo cannot be loaded here; the message (Korean and English) says why."""


@dataclass(frozen=True)
class DemoLogin:
    email: str
    name: str
    role: str
    queues: tuple[str, ...]
    password: str | None  # None when the demo already existed: passwords are only kept hashed


@dataclass
class DemoReport:
    company: str
    created: bool  # False: the demo was already there and nothing changed
    queues: list[tuple[str, str, str]] = field(default_factory=list)  # slug, name, address
    logins: list[DemoLogin] = field(default_factory=list)
    tickets: int = 0
    articles: int = 0
    snippets: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    triage: int = 0  # waiting in the general queue for an agent to pick their queue

    def lines(self) -> list[str]:
        """What the demo holds and how to log in, for this command and for `dapjang serve --demo`."""
        if self.created:
            lines = [f"demo desk loaded / 데모 고객센터를 만들었습니다: {self.company}"]
        else:
            lines = [f"the demo desk is already here; nothing changed / 데모가 이미 있습니다: {self.company}"]
        statuses = ", ".join(f"{n} {s}" for s, n in sorted(self.statuses.items()))
        if self.triage:
            statuses += f"; {self.triage} in triage / 분류 대기"
        lines.append(
            f"  {len(self.queues)} queues / 큐, {self.tickets} tickets / 티켓 ({statuses}), "
            f"{self.articles} messages / 메시지, {self.snippets} snippets / 상용구"
        )
        for slug, name, address in self.queues:
            lines.append(f"  {slug:<13}{_pad(name, 22)}{address}")
        lines.append("  logins / 로그인:")
        for login in self.logins:
            password = login.password or "(set when the demo was made / 처음 만들 때 표시됨)"
            queues = (
                "all queues / 모든 큐" if len(login.queues) == len(self.queues) else " ".join(login.queues)
            )
            lines.append(f"    {login.email} / {password}   {login.name}, {login.role}: {queues}")
        if self.created:
            lines.append(
                "  passwords are shown once / 비밀번호는 한 번만 표시됩니다 (`dapjang demo --reset` makes new ones)"
            )
        return lines


def _pad(text: str, width: int) -> str:
    """Pads to a width on a terminal, where a Hangul syllable takes two columns."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(1, width - used)


def _agent_email(agent: cast.DemoAgent) -> str:
    return f"{agent.local}@{settings.DAPJANG_MAIL_DOMAIN}".lower()


def _address(slug: str) -> str:
    return f"{slug}@{settings.DAPJANG_MAIL_DOMAIN}".lower()


def _slugs() -> list[str]:
    return [t["id"] for t in cast.topics()]


def demo_exists() -> bool:
    """The demo's lead login is its mark: the demo makes it, a real desk would not have it."""
    return get_user_model().objects.filter(username=_agent_email(cast.AGENTS[0])).exists()


def demo_load(*, reset: bool = False) -> DemoReport:
    """Loads the demo desk once (or anew with `reset`) and says what is in it, with the logins."""
    with transaction.atomic():
        if reset:
            demo_remove()
        if demo_exists():
            return _report(created=False, passwords={})
        _refuse_conflicts()
        passwords = _build()
        return _report(created=True, passwords=passwords)


def _refuse_conflicts() -> None:
    slugs = list(Queue.objects.filter(slug__in=_slugs()).values_list("slug", flat=True))
    addresses = list(
        QueueAddress.objects.filter(email__in=[_address(s) for s in _slugs()]).values_list("email", flat=True)
    )
    if slugs or addresses:
        taken = ", ".join(slugs + addresses)
        raise DemoError(
            f"this desk already has {taken}, which the demo would make; load the demo on a new desk "
            f"(another DAPJANG_HOME) / 데모가 만들 큐나 주소가 이미 있습니다: {taken}. "
            "새 데이터 폴더(DAPJANG_HOME)에서 실행하세요"
        )


def _build() -> dict[str, str]:
    queues = {}
    for topic in cast.topics():
        queues[topic["id"]] = queue_create(
            slug=topic["id"],
            name=topic["name_ko"],
            addresses=[_address(topic["id"])],
            sender_name=cast.COMPANY,
        )
        if topic["id"] not in AUTOANSWER_QUEUES:
            Queue.objects.filter(pk=queues[topic["id"]].pk).update(autoanswer_enabled=False)
        for language, title, body in cast.snippets_for(topic["id"]):
            Snippet.objects.create(queue=queues[topic["id"]], language=language, title=title, body=body)
    passwords = {}
    agents = {}
    # The general address's queue: mail the rules and the model cannot place waits there in triage,
    # and the lead is a member so that somebody sees it.
    general = queue_default()
    Queue.objects.filter(pk=general.pk, sender_name="").update(sender_name=cast.COMPANY)
    for spec in cast.AGENTS:
        password = secrets.token_urlsafe(9)
        agents[spec.local] = agent_add(
            email=_agent_email(spec),
            name=spec.name,
            queues=(*spec.queues, general.slug) if spec.role == "lead" else spec.queues,
            role=spec.role,
            password=password,
            languages=spec.languages,
        )
        passwords[_agent_email(spec)] = password
    _knowledge_load()
    _routing_model()
    _feed_mail(agents)
    _feed_general_mail()
    return passwords


def _knowledge_load() -> None:
    """The shop's FAQ and dictionary, published: the contact page, the agents' suggestions and the
    automatic answers all draw on them (unless the desk has its own already)."""
    if not FaqEntry.objects.exists():
        knowledge_import([seed_path("faq.json"), seed_path("synonyms.tsv")])


def _routing_model() -> None:
    """A quick topic model, so mail to the general address is routed from the first minute.

    Without the sentence encoder it trains in seconds, not minutes; it routes less well (English
    most), so the scheduler has the slow-jobs worker train the full model in the background at
    once (retrain.retrain_on_start), and mail is routed by it a few minutes after the first start.
    """
    if classifier.stored_model() is None:
        model = classifier.classifier_train(
            shipped_mails(), extra=shipped_faq_questions(), options=classifier.Options(encoder=False), folds=0
        )
        model.metrics["quick"] = True  # the scheduler has the slow worker train the full one at once
        classifier.save_model(model, source="demo: seed mail, quick model without the sentence encoder")


def _mail_bytes(mail: cast.DemoMail, *, when: datetime, in_reply_to: str = "", body: str = "") -> bytes:
    row = mail.row
    return _message(
        sender=(mail.name, mail.email),
        to=_address(row["topic"]),
        subject=f"Re: {row['subject']}" if in_reply_to else row["subject"],
        body=body or row["body"],
        when=when,
        local_id=row["id"] + ("-again" if in_reply_to else ""),
        in_reply_to=in_reply_to,
    )


def _message(
    *,
    sender: tuple[str, str],
    to: str,
    subject: str,
    body: str,
    when: datetime,
    local_id: str,
    in_reply_to: str = "",
) -> bytes:
    """A customer's mail as it would arrive, with a demo Message-ID (demo_remove finds them by it)."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = formataddr(sender)
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<{MESSAGE_ID_PREFIX}{local_id}@hanbit.example>"
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
        msg["References"] = f"<{in_reply_to}>"
    msg.set_content(body)
    return msg.as_bytes()


def _feed_mail(agents: dict[str, Agent]) -> None:
    """Every demo mail through the pipeline, then what agents did with some of them."""
    mails = cast.demo_mails()
    for mail in mails:
        customer, _ = customer_for_email(email=mail.email, name=mail.name, language=mail.row["lang"])
        if customer.segment != mail.segment:
            customer.segment = mail.segment
            customer.save(update_fields=["segment"])
    ctx = PipelineContext()  # after the queues exist: its address book routes to them
    now = timezone.now().replace(microsecond=0)
    start = now - timedelta(hours=3 + len(mails) * 80 // 60)
    for index, mail in enumerate(mails):
        when = start + timedelta(minutes=80 * index)
        result = ingest(
            _mail_bytes(mail, when=when), channel="smtp", ctx=ctx, envelope_from=mail.email, source="demo"
        )
        if result.ticket is None:  # the pipeline said why; the demo must not hide it
            raise DemoError(f"demo mail {mail.row['id']} became no ticket: {result.outcome} {result.reason}")
        ticket = Ticket.objects.select_related("customer").get(number=result.ticket)
        if ticket.auto_answered_at is None:  # the FAQ answered it: it waits on the customer
            _work_on(ticket, mail, index, agents, ctx)
        _backdate(ticket, when)


def _feed_general_mail() -> None:
    """Two mails to support@ in the last hour: one the topic model routes, one left in triage."""
    ctx = PipelineContext()
    now = timezone.now().replace(microsecond=0)
    for index, (name, email, subject, body) in enumerate(cast.GENERAL_MAILS):
        when = now - timedelta(minutes=40 - 20 * index)
        data = _message(
            sender=(name, email),
            to=f"support@{settings.DAPJANG_MAIL_DOMAIN}",
            subject=subject,
            body=body,
            when=when,
            local_id=f"general-{index}",
        )
        result = ingest(data, channel="smtp", ctx=ctx, envelope_from=email, source="demo")
        if result.ticket is None:
            raise DemoError(f"demo mail to support@ became no ticket: {result.outcome} {result.reason}")
        _backdate(Ticket.objects.get(number=result.ticket), when)


def _demo_tickets() -> QuerySet[Ticket]:
    return Ticket.objects.filter(Q(queue__slug__in=_slugs()) | Q(customer__email__in=cast.GENERAL_EMAILS))


def _agent_for(queue: str, agents: dict[str, Agent]) -> Agent:
    for spec in cast.AGENTS[1:]:
        if queue in spec.queues:
            return agents[spec.local]
    return agents[cast.AGENTS[0].local]


def _work_on(
    ticket: Ticket, mail: cast.DemoMail, index: int, agents: dict[str, Agent], ctx: PipelineContext
) -> None:
    """Varied states by rule: a third untouched; the rest taken, noted, answered, solved or closed."""
    row = mail.row
    agent = _agent_for(row["topic"], agents)
    lead = agents[cast.AGENTS[0].local]
    priority = {"complaint": Ticket.Priority.HIGH, "opinion": Ticket.Priority.LOW}.get(
        row["topic"], Ticket.Priority.NORMAL
    )
    if mail.segment == "vip" or (row["topic"] == "shipping" and row["faq_id"] is None):
        priority = Ticket.Priority.HIGH if mail.segment == "vip" else Ticket.Priority.URGENT
    if mail.segment == "vip":
        ticket_note(ticket, lead, cast.VIP_NOTE)
    if mail.segment == "abusive":
        ticket_note(ticket, lead, cast.ABUSIVE_NOTE)
    step = index % 6
    if step in (0, 1) and mail.segment == "ordinary":
        if priority != Ticket.Priority.NORMAL:
            ticket_change(ticket, None, Change(priority=priority))
        return  # new: nobody has looked yet
    ticket_change(ticket, lead, Change(priority=priority, assignee=agent, status=Ticket.Status.OPEN))
    answer = cast.faq().get(row["faq_id"] or "")
    if answer is None or step == 2 or mail.segment == "abusive":  # the abusive: the lead reviews first
        ticket_note(ticket, agent, cast.CHECK_NOTE)
        return
    language = "en" if row["lang"] == "en" else "ko"
    greeting = (
        f"{mail.name or '고객'}님, 안녕하세요." if language == "ko" else f"Dear {mail.name or 'customer'},"
    )
    reply = ticket_reply(ticket, agent, f"{greeting}\n\n{answer['answer_' + language]}")  # waiting
    if mail.segment == "vip" or index % 12 == 3:  # the customer writes back: open again
        again = _mail_bytes(
            mail, when=timezone.now(), in_reply_to=reply.message_id, body=cast.FOLLOW_UPS[language]
        )
        ingest(again, channel="smtp", ctx=ctx, envelope_from=mail.email, source="demo")
    elif step == 4:
        ticket_change(ticket, agent, Change(status=Ticket.Status.SOLVED))
    elif index % 12 == 5:
        ticket_change(ticket, agent, Change(status=Ticket.Status.CLOSED))


def _backdate(ticket: Ticket, when: datetime) -> None:
    """Spreads the demo over the last days, as a desk in use looks; each article a little later."""
    Ticket.objects.filter(pk=ticket.pk).update(created_at=when, updated_at=when)
    # The customer's first contact is their oldest demo mail, not the moment the demo was loaded.
    if ticket.customer_id is not None:
        Customer.objects.filter(pk=ticket.customer_id, created_at__gt=when).update(created_at=when)
    articles = ticket.articles.order_by("id").values_list("id", "kind")
    for offset, (article_id, kind) in enumerate(articles):
        # An acknowledgement leaves within the minute; people answer later.
        delay = timedelta(minutes=1) if kind == "ack" else timedelta(minutes=offset * 25)
        Article.objects.filter(pk=article_id).update(created_at=when + delay)
    for offset, event_id in enumerate(ticket.events.order_by("id").values_list("id", flat=True)):
        TicketEvent.objects.filter(pk=event_id).update(created_at=when + timedelta(minutes=20 + offset))
    last = ticket.articles.order_by("-created_at").values_list("created_at", flat=True).first()
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=last or when)
    _clock_from(ticket, when)


def _clock_from(ticket: Ticket, when: datetime) -> None:
    """The reply promise as if the mail had come at `when`: some demo tickets are due soon, some late."""
    answers = ticket.articles.filter(kind__in=("reply", "auto-answer"))
    first = answers.order_by("created_at").values_list("created_at", flat=True).first()
    auto = ticket.articles.filter(kind="auto-answer").values_list("created_at", flat=True).first()
    Ticket.objects.filter(pk=ticket.pk).update(
        first_response_due_at=None,
        resolution_due_at=None,
        due_at=None,
        first_response_at=first,
        auto_answered_at=auto,
        assigned_at=when if ticket.assignee_id else None,
        last_agent_action_at=last_action if (last_action := _last_agent_action(ticket)) else None,
    )
    ticket.refresh_from_db()
    ticket_clock_start(ticket, now=when)
    ticket_clock_update(ticket, now=timezone.now())


def _last_agent_action(ticket: Ticket) -> datetime | None:
    return (
        ticket.articles.filter(author__isnull=False)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )


def demo_remove() -> int:
    """Removes the demo's queues (and every ticket in them), agents, customers and mail; returns tickets."""
    with transaction.atomic():
        tickets = _demo_tickets()
        ids = list(tickets.values_list("id", flat=True))
        RawMessage.objects.filter(Q(ticket_id__in=ids) | Q(message_id__startswith=MESSAGE_ID_PREFIX)).delete()
        Outbox.objects.filter(ticket_id__in=ids).delete()
        emails = {m.email for m in cast.demo_mails()} | set(cast.GENERAL_EMAILS)
        Ticket.objects.filter(id__in=ids).delete()
        Customer.objects.filter(email__in=emails, tickets__isnull=True).delete()
        get_user_model().objects.filter(username__in=[_agent_email(a) for a in cast.AGENTS]).delete()
        Queue.objects.filter(slug__in=_slugs()).delete()
        return len(ids)


def _report(*, created: bool, passwords: dict[str, str]) -> DemoReport:
    report = DemoReport(company=cast.COMPANY, created=created)
    for queue in Queue.objects.filter(slug__in=_slugs()).prefetch_related("addresses").order_by("id"):
        address = next((a.email for a in queue.addresses.all()), "")
        report.queues.append((queue.slug, queue.name, address))
    for spec in cast.AGENTS:
        email = _agent_email(spec)
        report.logins.append(DemoLogin(email, spec.name, spec.role, spec.queues, passwords.get(email)))
    tickets = _demo_tickets()
    report.tickets = tickets.count()
    report.triage = tickets.filter(triage=True).count()
    report.articles = Article.objects.filter(ticket__in=tickets).count()
    report.snippets = Snippet.objects.filter(queue__slug__in=_slugs()).count()
    for status in tickets.values_list("status", flat=True):
        report.statuses[status] = report.statuses.get(status, 0) + 1
    return report
