"""What an agent does to a ticket: reply, note, change, consult (MISSION A4, A12, A14).

Plain functions the console and the API share. The caller has already found the ticket through
`tickets_visible_to(agent)`; these functions check what is left (a valid assignee, a real queue)
and write the audit trail, so the rule is the same whichever door the agent came through.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from dapjang.agents.models import Agent
from dapjang.agents.services import is_desk_admin
from dapjang.mail.blobs import blob_get, blob_put
from dapjang.mail.compose import FileToSend, PersonalMail, personal_mail_bytes
from dapjang.mail.ids import message_id_make
from dapjang.mail.outbox import outbox_enqueue
from dapjang.mail.render import template_render
from dapjang.mail.tasks import outbox_dispatch
from dapjang.routing.corrections import queue_corrected
from dapjang.sla.clock import ticket_clock_update
from dapjang.sla.requeue import sla_requeue
from dapjang.tickets.models import Article, Attachment, Consultation, Queue, Snippet, Ticket, TicketEvent
from dapjang.tickets.queues import queue_from_address
from dapjang.tickets.search import search_index_article

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


class ActionRefused(ValueError):
    """The change cannot be made as asked; the message (Korean and English) says why."""


@dataclass(frozen=True)
class Change:
    status: str | None = None
    priority: int | None = None
    queue: Queue | None = None
    assignee: Agent | None = None
    unassign: bool = False


def _event(ticket: Ticket, actor: Agent | None, field: str, old: object, new: object) -> None:
    TicketEvent.objects.create(
        ticket=ticket, actor=actor, field=field, old=str(old)[:300], new=str(new)[:300]
    )


def _thread_of(ticket: Ticket) -> tuple[str, tuple[str, ...], str]:
    """(In-Reply-To, References, the customer's address) from the latest customer mail of the ticket."""
    last_in = ticket.articles.filter(direction=Article.Direction.IN).exclude(message_id="").last()
    if last_in is None:
        email = ticket.customer.email if ticket.customer else ""
        return "", (), email
    refs = tuple(r for r in [*last_in.references, last_in.message_id] if r)
    return last_in.message_id, refs, last_in.from_email


def signature_of(agent: Agent, queue: Queue) -> str:
    company = queue.sender_name or settings.DAPJANG_COMPANY_NAME
    return (agent.signature.strip() or agent.name) + "\n" + company


def snippet_render(snippet: Snippet, *, ticket: Ticket, agent: Agent) -> str:
    customer = ticket.customer
    values = {
        "customer_name": (customer.name if customer and customer.name else "고객"),
        "ticket_number": ticket.number,
        "agent_name": agent.name,
        "company": settings.DAPJANG_COMPANY_NAME,
    }
    return template_render(snippet.body, values)


def _check_files(files: Sequence[FileToSend]) -> None:
    total = sum(len(f.data) for f in files)
    if total > MAX_ATTACHMENT_BYTES:
        raise ActionRefused(
            f"attachments total {total // 1024 // 1024} MB, more than {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB "
            "/ 첨부 파일이 너무 큽니다"
        )


def _store_files(article: Article, files: Sequence[FileToSend]) -> None:
    Attachment.objects.bulk_create(
        Attachment(
            article=article,
            filename=f.filename[:255],
            content_type=f.content_type[:255],
            size=len(f.data),
            sha256=blob_put(f.data),
        )
        for f in files
    )


@transaction.atomic
def ticket_reply(
    ticket: Ticket,
    agent: Agent,
    body: str,
    *,
    files: Sequence[FileToSend] = (),
    cc: Sequence[str] = (),
    status_after: str = Ticket.Status.WAITING,
) -> Article:
    """Answers the customer in the company's name; the mail leaves through the outbox, threaded."""
    body = body.strip()
    if not body:
        raise ActionRefused("the reply is empty / 답장 내용이 비어 있습니다")
    _check_files(files)
    in_reply_to, references, to_email = _thread_of(ticket)
    if not to_email:
        raise ActionRefused("this ticket has no customer address to answer / 답장할 고객 주소가 없습니다")
    queue = ticket.queue
    text = f"{body}\n\n-- \n{signature_of(agent, queue)}"
    message_id = message_id_make()
    subject = ticket.subject if ticket.subject.lower().startswith("re:") else f"Re: {ticket.subject}"
    subject = f"{subject} [#{ticket.number}]"
    from_email = queue_from_address(queue)
    from_name = queue.sender_name or settings.DAPJANG_COMPANY_NAME
    customer_name = ticket.customer.name if ticket.customer else ""
    data = personal_mail_bytes(
        PersonalMail(
            from_name=from_name,
            from_email=from_email,
            to=((customer_name, to_email),),
            cc=tuple(cc),
            subject=subject,
            body=text,
            message_id=message_id,
            in_reply_to=in_reply_to,
            references=references,
            language=ticket.language,
            attachments=tuple(files),
        )
    )
    article = Article.objects.create(
        ticket=ticket,
        direction=Article.Direction.OUT,
        kind="reply",
        author=agent,
        from_email=from_email,
        from_name=from_name,
        to=[to_email],
        cc=list(cc),
        subject=subject,
        text=text,
        new_text=text,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=list(references),
        language=ticket.language,
    )
    _store_files(article, files)
    search_index_article(article, ticket=ticket)
    outbox_enqueue(
        idempotency_key=f"reply:{article.id}",
        kind="reply",
        ticket_id=ticket.id,
        to_email=to_email,
        envelope_from=settings.DAPJANG_BOUNCE_ADDRESS or from_email,
        subject=subject,
        message_id=message_id,
        data=data,
    )
    _event(ticket, agent, "reply", "", article.id)
    now = timezone.now()
    fields: dict[str, object] = {"updated_at": now, "last_agent_action_at": now}
    if ticket.first_response_at is None:
        fields["first_response_at"] = ticket.first_response_at = now
    if status_after and status_after != ticket.status:
        _event(ticket, agent, "status", ticket.status, status_after)
        ticket.status = status_after
        fields["status"] = status_after
    if ticket.assignee_id is None:
        _event(ticket, agent, "assignee", "", agent.user.email)
        ticket.assignee = agent.user
        fields["assignee"] = agent.user
        fields["assigned_at"] = now
    Ticket.objects.filter(pk=ticket.pk).update(**fields)
    ticket.last_agent_action_at = now
    ticket_clock_update(ticket, now=now)
    outbox_dispatch()
    return article


@transaction.atomic
def ticket_note(ticket: Ticket, agent: Agent, body: str, *, files: Sequence[FileToSend] = ()) -> Article:
    """An internal note: seen by agents, never sent to the customer."""
    body = body.strip()
    if not body:
        raise ActionRefused("the note is empty / 메모 내용이 비어 있습니다")
    _check_files(files)
    article = Article.objects.create(
        ticket=ticket,
        direction=Article.Direction.NOTE,
        kind="note",
        author=agent,
        from_email=agent.user.email,
        from_name=agent.name,
        text=body,
        new_text=body,
        language=ticket.language,
    )
    _store_files(article, files)
    search_index_article(article, ticket=ticket)
    _event(ticket, agent, "note", "", article.id)
    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=now, last_agent_action_at=now)
    return article


@transaction.atomic
def ticket_change(ticket: Ticket, agent: Agent | None, change: Change) -> list[TicketEvent]:
    """Status, priority, queue and assignee, each change recorded; an assignee must work the queue.

    A move to another queue counts the reply promise again with that queue's policy (sla/requeue.py).
    """
    before = TicketEvent.objects.filter(ticket=ticket).count()
    fields: dict[str, object] = {}
    old_queue = ticket.queue
    if change.status is not None and change.status != ticket.status:
        if change.status not in Ticket.Status.values:
            raise ActionRefused(f"unknown status '{change.status}' / 알 수 없는 상태입니다")
        _event(ticket, agent, "status", ticket.status, change.status)
        fields["status"] = ticket.status = change.status
    if change.priority is not None and change.priority != ticket.priority:
        if change.priority not in Ticket.Priority.values:
            raise ActionRefused(f"unknown priority '{change.priority}' / 알 수 없는 우선순위입니다")
        _event(ticket, agent, "priority", ticket.priority, change.priority)
        fields["priority"] = ticket.priority = change.priority
    if change.queue is not None and change.queue.pk != ticket.queue_id:
        _event(ticket, agent, "queue", ticket.queue.slug, change.queue.slug)
        fields["queue"] = ticket.queue = change.queue
        if ticket.assignee_id and not _works_queue(ticket.assignee_id, change.queue):
            _event(ticket, agent, "assignee", ticket.assignee.email if ticket.assignee else "", "")
            fields["assignee"] = ticket.assignee = None
    if change.unassign and ticket.assignee_id:
        _event(ticket, agent, "assignee", ticket.assignee.email if ticket.assignee else "", "")
        fields["assignee"] = ticket.assignee = None
    elif change.assignee is not None and change.assignee.user_id != ticket.assignee_id:
        if not (is_desk_admin(change.assignee) or _works_queue(change.assignee.user_id, ticket.queue)):
            raise ActionRefused(
                f"{change.assignee.name} does not work the queue {ticket.queue.name} "
                f"/ {change.assignee.name} 님은 {ticket.queue.name} 큐 담당이 아닙니다"
            )
        _event(
            ticket,
            agent,
            "assignee",
            ticket.assignee.email if ticket.assignee else "",
            change.assignee.user.email,
        )
        fields["assignee"] = ticket.assignee = change.assignee.user
    if fields:
        now = timezone.now()
        if "assignee" in fields:
            fields["assigned_at"] = ticket.assigned_at = now if ticket.assignee_id else None
        fields["updated_at"] = now
        if agent is not None:
            fields["last_agent_action_at"] = ticket.last_agent_action_at = now
        Ticket.objects.filter(pk=ticket.pk).update(**fields)
        if "queue" in fields and agent is not None:
            queue_corrected(ticket, old_queue=old_queue, agent=agent)
        if "status" in fields or "queue" in fields:
            ticket_clock_update(ticket, now=now)
        if "queue" in fields:
            # After the status's own effect on the clock (a reopen may restart it), so the new
            # queue's policy counts from the restart too.
            sla_requeue(ticket, now=now, actor=agent)
    return list(TicketEvent.objects.filter(ticket=ticket).order_by("id")[before:])


def _works_queue(user_id: int, queue: Queue) -> bool:
    return Agent.objects.filter(user_id=user_id, memberships__queue=queue).exists()


@transaction.atomic
def ticket_consult(ticket: Ticket, agent: Agent, *, expert_email: str, question: str) -> Consultation:
    """Sends a side question to an expert; their answer comes back as an internal note (A12)."""
    expert = expert_email.strip().lower()
    try:
        validate_email(expert)
    except ValidationError:
        raise ActionRefused(
            f"'{expert_email}' is not an e-mail address / 올바른 메일 주소가 아닙니다"
        ) from None
    question = question.strip()
    if not question:
        raise ActionRefused("the question is empty / 질문 내용이 비어 있습니다")
    queue = ticket.queue
    message_id = message_id_make()
    subject = f"[#{ticket.number}] {ticket.subject} — 문의 / question"
    from_email = queue_from_address(queue)
    body = (
        f"{question}\n\n"
        f"-- \n{agent.name} ({queue.name})\n"
        "이 메일에 답장하시면 담당자에게 전달됩니다. / Reply to this mail to answer."
    )
    data = personal_mail_bytes(
        PersonalMail(
            from_name=f"{agent.name} · {settings.DAPJANG_COMPANY_NAME}",
            from_email=from_email,
            to=(("", expert),),
            subject=subject,
            body=body,
            message_id=message_id,
            language=ticket.language,
        )
    )
    consultation = Consultation.objects.create(
        ticket=ticket, asked_by=agent, expert_email=expert, message_id=message_id, question=question
    )
    question_note = Article.objects.create(
        ticket=ticket,
        direction=Article.Direction.NOTE,
        kind="consult",
        author=agent,
        from_email=from_email,
        from_name=agent.name,
        to=[expert],
        subject=subject,
        text=question,
        new_text=question,
        message_id=message_id,
        language=ticket.language,
    )
    search_index_article(question_note, ticket=ticket)
    outbox_enqueue(
        idempotency_key=f"consult:{consultation.id}",
        kind="consult",
        ticket_id=ticket.id,
        to_email=expert,
        envelope_from=settings.DAPJANG_BOUNCE_ADDRESS or from_email,
        subject=subject,
        message_id=message_id,
        data=data,
    )
    _event(ticket, agent, "consult", "", expert)
    outbox_dispatch()
    return consultation


def attachment_bytes(attachment: Attachment) -> bytes | None:
    """The stored bytes of an attachment (None if its blob is gone), for the console and API downloads."""
    return blob_get(attachment.sha256)
