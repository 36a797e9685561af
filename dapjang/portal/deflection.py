"""Deflection (MISSION A10): a customer says an FAQ answer solved it, so no mail is written.

Counted in knowledge.Deflection, which the knowledge base's reports read. The portal records at
most one per FAQ entry per visit, so reloading the page or clicking twice does not inflate the count.
"""

from __future__ import annotations

from dapjang.knowledge.models import Deflection, FaqEntry


def published_entry(faq_id: str, language: str) -> FaqEntry | None:
    """The published entry in the visitor's language, else in the other one (ids are shared)."""
    rows = FaqEntry.objects.filter(faq_id=faq_id, status=FaqEntry.Status.PUBLISHED)
    return rows.filter(language=language).first() or rows.first()


def deflection_record(entry: FaqEntry, *, query: str) -> Deflection:
    return Deflection.objects.create(
        faq_id=entry.faq_id, topic=entry.topic, language=entry.language, query=query.strip()[:500]
    )
