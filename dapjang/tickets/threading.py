"""Which ticket a mail belongs to: by Message-ID references first, then by the number tag in the subject.

Never by bare subject: two customers writing "배송 문의" are two matters (Zammad, FreeScout learnt this).
"""

from __future__ import annotations

import re

from dapjang.tickets.hotpath import KnownArticle, articles_with_message_ids
from dapjang.tickets.models import Ticket

TAG = re.compile(r"\[#(\d{4}-\d{6,9})\]")


def ticket_from_articles(known: list[KnownArticle], referenced: set[str]) -> Ticket | None:
    """The ticket of the most recent of these articles whose Message-ID (ours or the customer's) is referenced."""
    matches = [k for k in known if k.message_id in referenced]
    if not matches:
        return None
    latest = max(matches, key=lambda k: k.id)
    return Ticket.objects.select_related("customer").get(id=latest.ticket_id)


def ticket_by_references(ids: list[str]) -> Ticket | None:
    ids = list(dict.fromkeys(i for i in ids[-50:] if i))
    return ticket_from_articles(articles_with_message_ids(ids), set(ids))


def ticket_by_subject_tag(subject: str) -> Ticket | None:
    match = TAG.search(subject)
    if match is None:
        return None
    return Ticket.objects.filter(number=match.group(1)).first()
