"""What an agent does with knowledge on a ticket: rate the automatic answer, keep a reply as a model.

The caller found the ticket through `tickets_visible_to(agent)`; these functions check the rest and
write the audit trail. The ratings are the desk's measure of the automatic answers (automation view):
a "wrong" is a customer who got a canned text that did not fit.
"""

from __future__ import annotations

from django.db import transaction

from dapjang.agents.models import Agent
from dapjang.knowledge.models import SavedAnswer
from dapjang.knowledge.services import saved_answer_create
from dapjang.tickets.models import Article, Ticket, TicketEvent

RATING_FIELD = "auto-answer rating"
RATINGS = {"good": 1, "wrong": -1}
RATING_NAMES = {1: "good", -1: "wrong"}


class KnowledgeActionRefused(ValueError):
    """The action does not apply to this ticket; the message (English / 한국어) says why."""


@transaction.atomic
def autoanswer_rate(ticket: Ticket, agent: Agent, verdict: str) -> None:
    """Records an agent's verdict ("good" or "wrong") on the ticket's automatic answer; the last one counts."""
    if verdict not in RATINGS:
        raise KnowledgeActionRefused("the verdict is good or wrong / 평가는 good 또는 wrong입니다")
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if locked.auto_answered_at is None:
        raise KnowledgeActionRefused(
            "this ticket was not answered automatically / 자동 답변이 나가지 않은 문의입니다"
        )
    value = RATINGS[verdict]
    old = RATING_NAMES.get(locked.auto_answer_rating or 0, "")
    if locked.auto_answer_rating == value:
        ticket.auto_answer_rating = value
        return
    Ticket.objects.filter(pk=ticket.pk).update(auto_answer_rating=value)
    ticket.auto_answer_rating = value
    TicketEvent.objects.create(ticket=ticket, actor=agent, field=RATING_FIELD, old=old, new=verdict)


def agent_replies(ticket: Ticket) -> list[Article]:
    """The agents' replies on the ticket, newest first: the candidates for model answers."""
    rows = Article.objects.filter(ticket=ticket, direction=Article.Direction.OUT, kind="reply")
    return list(
        rows.select_related("author").prefetch_related("saved_answers").order_by("-created_at", "-id")[:5]
    )


def without_signature(text: str) -> str:
    """A reply as the agent wrote it: the signature under the last "-- " line is theirs, not the answer's."""
    head, sep, _signature = text.rpartition("\n-- \n")
    return (head if sep else text).strip()


@transaction.atomic
def reply_keep(
    ticket: Ticket, agent: Agent, article_id: int, *, title: str = "", suggest_for_faq: bool = False
) -> tuple[SavedAnswer, bool]:
    """Keeps one of the ticket's agent replies as a model answer; (row, created). Once per reply."""
    article = Article.objects.filter(
        pk=article_id, ticket=ticket, direction=Article.Direction.OUT, kind="reply"
    ).first()
    if article is None:
        raise KnowledgeActionRefused("no such reply on this ticket / 이 문의에 그런 답장이 없습니다")
    existing = SavedAnswer.objects.filter(article=article).first()
    if existing is not None:
        if suggest_for_faq and not existing.suggested_for_faq and existing.promoted_to_id is None:
            existing.suggested_for_faq = True
            existing.save(update_fields=["suggested_for_faq", "updated_at"])
        return existing, False
    saved = saved_answer_create(
        text=without_signature(article.new_text or article.text),
        article_id=article.pk,
        agent_id=agent.pk,
        title=(title.strip() or ticket.subject)[:300],
        language=article.language if article.language in ("ko", "en") else ticket.language,
        suggest_for_faq=suggest_for_faq,
    )
    TicketEvent.objects.create(ticket=ticket, actor=agent, field="model-answer", new=str(saved.pk))
    return saved, True
