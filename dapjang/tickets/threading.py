"""Which ticket a mail belongs to: by Message-ID references first, then by the number tag in the subject.

Never by bare subject: two customers writing "배송 문의" are two matters (Zammad, FreeScout learnt this).
"""

from __future__ import annotations

import re

from dapjang.tickets.models import Article, Ticket

TAG = re.compile(r"\[#(\d{4}-\d{6,9})\]")


def subject_tag(number: str) -> str:
    return f"[#{number}]"


def ticket_by_references(ids: list[str]) -> Ticket | None:
    """The ticket of the most recent article whose Message-ID (ours or the customer's) is referenced."""
    ids = [i for i in ids if i]
    if not ids:
        return None
    article = (
        Article.objects.filter(message_id__in=ids[-50:]).select_related("ticket").order_by("-id").first()
    )
    return article.ticket if article else None


def ticket_by_subject_tag(subject: str) -> Ticket | None:
    match = TAG.search(subject)
    if match is None:
        return None
    return Ticket.objects.filter(number=match.group(1)).first()
