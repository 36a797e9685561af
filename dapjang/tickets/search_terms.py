"""Text → search terms: the one tokenizer that both the index and the query go through.

Korean attaches endings and particles to its words (환불 → 환불해주세요, 환불을, 환불이) and people
space it freely (배송조회, 배송 조회), so whole words make poor terms. Hangul and CJK text becomes
overlapping two-character grams instead, read over the spaces between Hangul words: a query's grams
are then found in any text that contains it, whatever follows it and however it was spaced, and a
two-syllable query ("환불", the commonest kind) is a single indexed term. Trigram indexes cannot
look such a query up at all, and a morphological analyser (kiwipiepy) costs half a gigabyte of
memory and a millisecond per sentence in every worker, and still misses typos and brand names.

Other scripts (English, numbers, addresses) become lower-cased words without diacritics, looked up
by prefix, so "refund" also finds "refunds" and "refunded".

The index keeps every gram, plus the last character of each Hangul run, so that a one-character
query can be looked up by prefix. Terms are a set: no positions, so a query is an AND of its terms;
all grams present but not next to each other is the rare false positive this costs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

MAX_TERM = 40  # characters of a word kept; a longer query word is looked up by this prefix
MAX_QUERY_TERMS = 32
MAX_TEXT = 20_000  # characters of one text read; the rest of a very long mail is not indexed

# Scripts written without reliable word boundaries: Hangul (syllables, jamo), kana, CJK ideographs.
_CJK = (
    "\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff"
    "\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff\uf900-\ufaff"
)
# A Hangul/CJK run, across the whitespace between its words; or a word of any other script.
_DOC_RUN = re.compile(rf"([{_CJK}]+(?:\s+[{_CJK}]+)*)|([^\W_{_CJK}]+)")
_QUERY_RUN = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")


@dataclass(frozen=True)
class Term:
    text: str
    prefix: bool = False  # matches every indexed term that starts with `text`


@dataclass(frozen=True)
class Terms:
    """The terms of one query; a ticket matches when it has all of them."""

    items: tuple[Term, ...]

    def __bool__(self) -> bool:
        return bool(self.items)


def _normal(text: str) -> str:
    # NFKC folds full-width Latin and composes decomposed Hangul (as some Mac mail clients send it).
    return unicodedata.normalize("NFKC", text[:MAX_TEXT]).lower()


def _word(word: str) -> str:
    if not word.isascii():
        decomposed = unicodedata.normalize("NFKD", word)
        word = "".join(c for c in decomposed if not unicodedata.combining(c))
    return word[:MAX_TERM]


def document_terms(texts: Iterable[str]) -> set[str]:
    """Every term of the texts, for the index."""
    terms: set[str] = set()
    for text in texts:
        if not text:
            continue
        for cjk, word in _DOC_RUN.findall(_normal(text)):
            if word:
                terms.add(_word(word))
                continue
            run = "".join(cjk.split())
            terms.update([run[i : i + 2] for i in range(len(run) - 1)])
            terms.add(run[-1])
    terms.discard("")
    return terms


def query_terms(query: str) -> Terms:
    """The terms a ticket must have to match `query`; each word of the query is looked up alone."""
    terms: dict[Term, None] = {}
    for part in _normal(query).split():
        for cjk, word in _QUERY_RUN.findall(part):
            if word:
                text = _word(word)
                if text:
                    terms[Term(text, prefix=len(text) > 1)] = None
            elif len(cjk) == 1:
                terms[Term(cjk, prefix=True)] = None
            else:
                for i in range(len(cjk) - 1):
                    terms[Term(cjk[i : i + 2])] = None
    return Terms(tuple(terms)[:MAX_QUERY_TERMS])


# --- what the index holds for a ticket ---------------------------------------------------------------

# Mail the desk writes by itself says the same in every ticket; indexing it would make every ticket
# match "접수" or "received". Bounces and read receipts are system notes about delivery.
SKIPPED_KINDS = frozenset({"ack", "holding", "auto-answer", "bounce", "mdn"})
MAX_TERMS = 50_000  # a tsvector holds at most 1 MB; this keeps even a huge thread well below


def header_terms(*, number: str, subject: str, customer_email: str, customer_name: str) -> set[str]:
    return document_terms([subject, number, customer_email, customer_name])


def article_terms(*, kind: str, subject: str, new_text: str, text: str, from_email: str) -> set[str]:
    """The terms of one article; the text without its quoted history, which other articles hold."""
    if kind in SKIPPED_KINDS:
        return set()
    body = new_text or text
    if kind == "reply":  # our signature ("-- ", the agent, the company) is in every reply
        body = body.rsplit("\n-- \n", 1)[0]
    return document_terms([subject, body, from_email])


def terms_value(terms: set[str]) -> str:
    """The stored form: terms in a stable order, separated by spaces (tsvector input on PostgreSQL)."""
    return " ".join(sorted(terms)[:MAX_TERMS])
