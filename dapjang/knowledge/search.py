"""FAQ search for customers (portal, deflection before writing: A10, C2) and agents (suggestions).

The index lives in the process and is rebuilt only when the published FAQ or the dictionary has
changed. Whether they have is one cheap aggregate query per table (row count, newest `updated_at`,
highest id), so every worker and web process notices an editor's change on its next search without
any signal crossing processes. Rows changed by a bulk `update()` bypass `updated_at`; call
`faq_index_reset()` after one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max

from dapjang.knowledge.index import FaqDoc, FaqIndex
from dapjang.knowledge.models import FaqEntry, Synonym
from dapjang.knowledge.normalise import language_of, mail_query
from dapjang.knowledge.synonyms import SynonymPair, SynonymTable


@dataclass
class _Cached:
    fingerprint: tuple[Any, ...]
    index: FaqIndex
    entries: dict[int, FaqEntry]


_cache: dict[str, _Cached] = {}
_lock = threading.Lock()


def _fingerprint(language: str) -> tuple[Any, ...]:
    faq = FaqEntry.objects.filter(language=language, status=FaqEntry.Status.PUBLISHED).aggregate(
        n=Count("id"), t=Max("updated_at"), i=Max("id")
    )
    syn = Synonym.objects.aggregate(n=Count("id"), t=Max("updated_at"), i=Max("id"))
    return (faq["n"], faq["t"], faq["i"], syn["n"], syn["t"], syn["i"])


def synonym_table() -> SynonymTable:
    rows = Synonym.objects.values_list("variant", "canonical", "language")
    return SynonymTable(tuple(SynonymPair(v, c, lang) for v, c, lang in rows))


def faq_index(language: str) -> tuple[FaqIndex, dict[int, FaqEntry]]:
    """The index of the published entries in `language`, rebuilt if anything changed since the last call."""
    fingerprint = _fingerprint(language)
    cached = _cache.get(language)
    if cached is not None and cached.fingerprint == fingerprint:
        return cached.index, cached.entries
    with _lock:
        cached = _cache.get(language)
        if cached is None or cached.fingerprint != fingerprint:
            entries = {
                e.pk: e
                for e in FaqEntry.objects.filter(
                    language=language, status=FaqEntry.Status.PUBLISHED
                ).order_by("faq_id")
            }
            docs = [
                FaqDoc(e.pk, e.faq_id, language, e.question, tuple(_strings(e.paraphrases)), e.answer)
                for e in entries.values()
            ]
            cached = _Cached(fingerprint, FaqIndex(docs, synonym_table(), language=language), entries)
            _cache[language] = cached
    return cached.index, cached.entries


def faq_index_warm() -> None:
    """Builds both indexes now (and loads kiwipiepy, ~2–4 s) with the entries' sentence-encoder vectors
    (~5–15 s for the shipped 40 entries, then cached per text, so an edit re-embeds only what changed):
    call once when a worker starts, so the first mail does not wait for it."""
    for language in ("ko", "en"):
        faq_index(language)[0].meaning_vectors()


def faq_index_reset() -> None:
    with _lock:
        _cache.clear()


def faq_search(query: str, language: str | None = None, limit: int = 5) -> list[tuple[FaqEntry, float]]:
    """Published FAQ entries that answer `query`, best first, with their BM25 scores.

    With no `language`, the query's own language is used (Hangul → `ko`, else `en`): an FAQ entry
    is only shown in the language the customer wrote in. Scores compare within one query only.
    """
    language = language or language_of(query)
    index, entries = faq_index(language)
    return [(entries[hit.doc.key], hit.score) for hit in index.search(query, limit)]


def faq_suggest(subject: str, body: str, limit: int = 3) -> list[tuple[FaqEntry, float]]:
    """Entries for an agent answering a mail: searched with the customer's own words only, so
    quoted history, greetings and signatures do not pull in unrelated entries."""
    query = mail_query(subject, body)
    return faq_search(query, limit=limit) if query.strip() else []


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
