"""The in-memory FAQ index: BM25 (bm25s) over one language's entries, without the database.

Each entry is two documents. The question with its paraphrases says what customers ask; the answer
says what we tell them and shares the shop's vocabulary (menu names, fees), but it also mentions
many things nobody asks about, so it counts for less (`ANSWER_WEIGHT`). Scores of both documents are
added per entry. The index knows nothing about Django, so the benchmark and the verifier's training
build it from files exactly as the desk builds it from rows.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import bm25s
import numpy as np

from dapjang.knowledge.analysis import tokens_for
from dapjang.knowledge.synonyms import SynonymTable

ANSWER_WEIGHT = 0.5
WORD_PREFIXES = frozenset({"m:", "w:"})
K1 = 1.2
B = 0.75


@dataclass(frozen=True)
class FaqDoc:
    """What the index needs of one FAQ entry in one language; `key` is the caller's handle."""

    key: int
    faq_id: str
    language: str
    question: str
    paraphrases: tuple[str, ...]
    answer: str


@dataclass(frozen=True)
class Hit:
    doc: FaqDoc
    score: float


class FaqIndex:
    """BM25 over the entries of one language; `search` returns every entry with a positive score."""

    def __init__(
        self,
        docs: Sequence[FaqDoc],
        synonyms: SynonymTable,
        *,
        language: str,
        use_paraphrases: bool = True,
        answer_weight: float = ANSWER_WEIGHT,
    ) -> None:
        self.docs = list(docs)
        self.language = language
        self.synonyms = synonyms
        self.answer_weight = answer_weight
        questions = [
            self._tokens("\n".join([d.question, *(d.paraphrases if use_paraphrases else ())])) for d in docs
        ]
        answers = [self._tokens(d.answer) for d in docs]
        self._questions = _bm25(questions)
        self._answers = _bm25(answers)
        # What each entry is about, for the verifier: its words and how strongly it matches itself.
        self.question_vocab = [frozenset(t for t in q if t[:2] in WORD_PREFIXES) for q in questions]
        self.entry_vocab = [
            frozenset(t for t in q + a if t[:2] in WORD_PREFIXES)
            for q, a in zip(questions, answers, strict=True)
        ]
        self.self_scores = np.array(
            [float(self.scores(d.question)[i]) or 1.0 for i, d in enumerate(docs)], dtype=np.float32
        )
        self._meaning: list[np.ndarray] | None = None
        self._meaning_lock = threading.Lock()

    def meaning_vectors(self) -> list[np.ndarray] | None:
        """Per entry, the sentence-encoder vectors of its question and paraphrases (None without the
        encoder). Built on first use, not with the index: search does not need them, and the ~160
        texts of a 40-entry FAQ take a few seconds to embed."""
        from dapjang.routing.encoder import embed, encoder_available

        if not encoder_available() or not self.docs:
            return None
        if self._meaning is None:
            with self._meaning_lock:
                if self._meaning is None:
                    self._meaning = [embed([d.question, *d.paraphrases]) for d in self.docs]
        return self._meaning

    def _tokens(self, text: str) -> list[str]:
        return tokens_for(self.synonyms.expand(text, self.language), self.language)

    def query_tokens(self, text: str) -> list[str]:
        return self._tokens(text)

    def scores(self, text: str) -> np.ndarray:
        """One score per entry, in `docs` order."""
        return self.scores_of_tokens(self._tokens(text))

    def scores_of_tokens(self, tokens: list[str]) -> np.ndarray:
        if not self.docs:
            return np.zeros(0, dtype=np.float32)
        if not tokens:
            return np.zeros(len(self.docs), dtype=np.float32)
        if self._questions is None or self._answers is None:
            return np.zeros(len(self.docs), dtype=np.float32)
        scores = self._questions.get_scores(tokens)
        if self.answer_weight:
            scores = scores + self.answer_weight * self._answers.get_scores(tokens)
        return np.asarray(scores, dtype=np.float32)

    def search(self, text: str, limit: int = 5) -> list[Hit]:
        scores = self.scores(text)
        order = np.argsort(-scores, kind="stable")[:limit]
        return [Hit(self.docs[i], float(scores[i])) for i in order if scores[i] > 0]


def _bm25(corpus: list[list[str]]) -> bm25s.BM25 | None:
    if not corpus:
        return None  # bm25s cannot index nothing; an empty index scores every query 0
    model = bm25s.BM25(k1=K1, b=B)
    # bm25s wants at least one token per document; an empty entry gets a token nobody types.
    model.index([doc or ["\x00"] for doc in corpus], show_progress=False)
    return model
