"""Suggested answers on the ticket page (MISSION A14): FAQ entries and agents' model answers.

Both are found with the customer's latest own words, by the same BM25 index the FAQ search uses.
Model answers are indexed once per process per language and rebuilt when one is added or edited,
like the FAQ index; which of them an agent may see is decided in the query that loads the hits
(MISSION A6): a model answer from a ticket of another queue may quote that customer.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from dapjang.agents.models import Agent
from dapjang.agents.services import is_desk_admin, tickets_visible_to
from dapjang.knowledge.index import FaqDoc, FaqIndex
from dapjang.knowledge.models import FaqEntry, SavedAnswer
from dapjang.knowledge.normalise import language_of, mail_query
from dapjang.knowledge.search import faq_suggest, synonym_table
from dapjang.tickets.models import Article, Ticket

SAVED_CANDIDATES = 20  # hits loaded before the visibility filter narrows them


@dataclass(frozen=True)
class Suggestion:
    """One text an agent can put into the reply with one click."""

    source: str  # "faq" or "saved"
    pk: int
    title: str
    text: str
    label: str  # the FAQ id, or who saved it


def saved_answers_visible_to(agent: Agent) -> QuerySet[SavedAnswer]:
    """Model answers from tickets the agent may see, and the ones they saved themselves."""
    if is_desk_admin(agent):
        return SavedAnswer.objects.all()
    return SavedAnswer.objects.filter(Q(article__ticket__in=tickets_visible_to(agent)) | Q(saved_by=agent))


def customer_words(ticket: Ticket) -> tuple[str, str]:
    """(subject, body) of the customer's latest mail: what the agent is answering now."""
    latest = (
        Article.objects.filter(ticket=ticket, direction=Article.Direction.IN)
        .order_by("-created_at", "-id")
        .only("subject", "new_text", "text")
        .first()
    )
    if latest is None:
        return ticket.subject, ""
    return latest.subject or ticket.subject, latest.new_text or latest.text


def suggestions_for(ticket: Ticket, agent: Agent, *, limit: int = 3) -> list[Suggestion]:
    """The best FAQ entries, then the best model answers the agent may see."""
    subject, body = customer_words(ticket)
    found = [
        Suggestion("faq", e.pk, e.question, e.answer, e.faq_id)
        for e, _score in faq_suggest(subject, body, limit)
    ]
    query = mail_query(subject, body)
    if query.strip():
        for saved in saved_answer_search(query, agent, limit=limit):
            who = saved.saved_by.name if saved.saved_by else ""
            found.append(Suggestion("saved", saved.pk, saved.title or saved.text[:60], saved.text, who))
    return found


def saved_answer_search(query: str, agent: Agent, *, limit: int = 3) -> list[SavedAnswer]:
    index = _saved_index(language_of(query))
    keys = [hit.doc.key for hit in index.search(query, SAVED_CANDIDATES)]
    if not keys:
        return []
    rows = saved_answers_visible_to(agent).filter(pk__in=keys).select_related("saved_by")
    by_key = {row.pk: row for row in rows}
    return [by_key[k] for k in keys if k in by_key][:limit]


@dataclass
class _Cached:
    fingerprint: tuple[Any, ...]
    index: FaqIndex


_cache: dict[str, _Cached] = {}
_lock = threading.Lock()


def _saved_index(language: str) -> FaqIndex:
    rows = SavedAnswer.objects.filter(language=language)
    stats = rows.aggregate(n=Count("id"), t=Max("updated_at"), i=Max("id"))
    fingerprint = (stats["n"], stats["t"], stats["i"])
    cached = _cache.get(language)
    if cached is not None and cached.fingerprint == fingerprint:
        return cached.index
    with _lock:
        docs = [
            FaqDoc(pk, "", language, title, (), text)
            for pk, title, text in rows.values_list("pk", "title", "text").order_by("pk")
        ]
        # The answer counts fully here: a model answer has no question besides its title.
        index = FaqIndex(docs, synonym_table(), language=language, answer_weight=1.0)
        _cache[language] = _Cached(fingerprint, index)
    return index


def saved_index_reset() -> None:
    with _lock:
        _cache.clear()


def faq_entry_for_insert(pk: int) -> FaqEntry | None:
    return FaqEntry.objects.filter(pk=pk, status=FaqEntry.Status.PUBLISHED).first()
