"""Safe automatic answers (MISSION A11, B3): send an FAQ answer only when it fully answers the mail.

Two stages. Retrieval (`search.py`) finds the entry that best resembles the mail. The verifier
(`verifier.py`) then estimates the probability that this entry *fully* answers it, from what the
entry leaves unexplained: other questions, facts of one order, things already tried, exception pleas.
The probability is the "automation coefficient"; each queue sets the threshold above which the
answer goes out, and below it the ticket waits for an agent with the entry as a suggestion.

A wrong automatic answer is worse than none, so two cases never go out whatever the score: an angry
or threatening customer (a canned text would pour oil on the fire) and a mail with no entry at all.
"""

from __future__ import annotations

from dapjang.knowledge.decision import DEFAULT_THRESHOLD, Decision, decision_of
from dapjang.knowledge.features import mail_candidate
from dapjang.knowledge.index import FaqIndex
from dapjang.knowledge.models import FaqEntry
from dapjang.knowledge.search import faq_index
from dapjang.knowledge.verifier import Verifier

__all__ = ["DEFAULT_THRESHOLD", "Decision", "autoanswer_decide", "autoanswer_entry"]


def _lookup(language: str) -> tuple[FaqIndex, dict[str, str]]:
    index, entries = faq_index(language)
    return index, {e.faq_id: e.topic for e in entries.values()}


def autoanswer_decide(
    subject: str,
    body: str,
    *,
    queue_threshold: float = DEFAULT_THRESHOLD,
    topic: str | None = None,
    verifier: Verifier | None = None,
) -> Decision:
    """The decision for a new human mail; pass the customer's own text (without quoted history) if known.

    `topic`, the slug of the ticket's queue, vetoes an entry of another topic: where the FAQ's topics
    are the desk's queue slugs, a disagreement between routing and retrieval means one of them erred.
    """
    found = mail_candidate(subject, body, _lookup)
    return decision_of(found, queue_threshold=queue_threshold, topic=topic, verifier=verifier)


def autoanswer_entry(decision: Decision) -> FaqEntry | None:
    """The published entry to send for a decision, in the mail's language (or any, if untranslated)."""
    if decision.faq_id is None:
        return None
    rows = FaqEntry.objects.filter(faq_id=decision.faq_id, status=FaqEntry.Status.PUBLISHED)
    return rows.filter(language=decision.language).first() or rows.first()
