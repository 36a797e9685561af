"""What the auto-answer verifier sees of a mail and its best FAQ match.

Retrieval alone cannot tell "this FAQ answers it" from "this only resembles an FAQ": a refund
question with a broken item on top still retrieves the refund entry with a high score. The features
therefore measure what the entry does *not* explain: words of the mail the entry never uses,
sentences that match another entry better, questions beyond the first, facts of one particular order,
and cues of anger, exception pleas or things already tried. Scores are divided by the entry's score
against its own question, so the features mean the same for a site's own FAQ as for the shipped one.
Where the sentence encoder is installed, it gives a second opinion that does not depend on shared
words: how close the mail is to the entry's questions, and whether it would have chosen that entry.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dapjang.knowledge.cues import (
    asks_something,
    cue_counts,
    fact_counts,
    is_question,
    sentences,
    shouting,
    wh_kinds,
)
from dapjang.knowledge.index import WORD_PREFIXES, FaqIndex
from dapjang.knowledge.normalise import language_of, mail_query, own_lines

CUE_NAMES = ("already", "tried", "exception", "anger", "threat", "defect", "more", "urgent")
FACT_NAMES = ("order", "date", "amount", "duration")

FEATURE_NAMES: tuple[str, ...] = (
    "rel1",  # top score / the entry's score against its own question
    "rel2",
    "margin",  # (top - second) / top
    "log_s1",
    "log_rel1",  # logs, so that a weak match or a near tie weighs more than a linear term lets it
    "log_margin",
    "covered",  # share of the mail's content words the entry (question, paraphrases, answer) uses
    "covered_q",  # share the entry's question side uses
    "uncovered",  # content words the entry does not use (log)
    "n_sentences",
    "n_questions",
    "asks_nothing",  # no question and no request at all: a thank-you, an "OK, I'll wait"
    "wh_unmatched",  # kinds of question (when, where, how much, why…) the entry's questions never ask
    "min_cover",  # the least-explained sentence: share of its content words the entry uses
    "uncovered_sentences",  # sentences of 3+ content words of which the entry uses under a fifth
    "uncovered_questions",  # questions of which the entry uses under a third
    "other_sentences",  # sentences that match another entry clearly better than the top one
    "other_topics",  # distinct other topics among those sentences
    "other_strength",  # the best such sentence's relative score
    "weak_parts",  # sentences of 2+ content words that barely match the entry (relative score < 0.1)
    "min_part_rel",  # the weakest such sentence's relative score against the entry
    "body_rel",  # the body's own lines alone against the entry: a subject can carry a whole question
    "body_asks_nothing",  # the body asks nothing (a thank-you under the original question's subject)
    "log_chars",
    "n_lines",
    "shouting",
    "caps",
    *(f"cue_{n}" for n in CUE_NAMES),
    *(f"unexplained_{n}" for n in CUE_NAMES),
    *(f"fact_{n}" for n in FACT_NAMES),
    "english",
)
# From the sentence encoder (multilingual-e5-small, `dapjang.routing.encoder`), when it is installed:
# a second, independent opinion on which entry the mail asks, that does not depend on shared words.
MEANING_NAMES = (
    "meaning_sim",  # cosine of the mail and the entry's closest question or paraphrase
    "meaning_gap",  # that cosine minus the best other entry's: negative when another entry is closer
    "meaning_agree",  # the encoder's closest entry is the one retrieval chose
)
BASE_FEATURE_NAMES = FEATURE_NAMES
FEATURE_NAMES = (*BASE_FEATURE_NAMES, *MEANING_NAMES)


IndexLookup = Callable[[str], tuple[FaqIndex, dict[str, str]]]


@dataclass(frozen=True)
class Candidate:
    """The best entry for a mail and the features the verifier judges it by."""

    faq_id: str | None
    topic: str
    score: float
    features: dict[str, float]


def mail_candidate(subject: str, body: str, index_for: IndexLookup) -> Candidate:
    """`index_for(language)` gives the index and each entry's topic."""
    text = mail_query(subject, body)
    language = language_of(text)
    index, topics = index_for(language)
    from dapjang.routing.features import mail_text

    # The encoder reads the very string routing embeds, so in the pipeline its vector is cached already.
    return candidate(
        text, language, index, topics, body="\n".join(own_lines(body)), meaning=mail_text(subject, body)
    )


def candidate(
    text: str,
    language: str,
    index: FaqIndex,
    topics: dict[str, str],
    *,
    body: str | None = None,
    meaning: str | None = None,
) -> Candidate:
    """`body`: the customer's own lines without the subject; `meaning`: the text the sentence encoder
    reads (both default to `text`)."""
    features = dict.fromkeys(FEATURE_NAMES, 0.0)
    features["english"] = float(language == "en")
    tokens = index.query_tokens(text)
    scores = index.scores_of_tokens(tokens)
    if not len(scores) or float(scores.max()) <= 0:
        return Candidate(None, "", 0.0, _surface(text, features))
    order = np.argsort(-scores, kind="stable")
    top = int(order[0])
    s1 = float(scores[top])
    s2 = float(scores[order[1]]) if len(order) > 1 else 0.0
    doc = index.docs[top]
    features["rel1"] = min(s1 / float(index.self_scores[top]), 3.0)
    features["rel2"] = min(s2 / float(index.self_scores[order[1]]), 3.0) if len(order) > 1 else 0.0
    features["margin"] = (s1 - s2) / s1
    features["log_s1"] = math.log1p(s1)
    features["log_rel1"] = math.log(features["rel1"] + 0.05)
    features["log_margin"] = math.log(features["margin"] + 0.05)

    words = {t for t in tokens if t[:2] in WORD_PREFIXES}
    if words:
        features["covered"] = len(words & index.entry_vocab[top]) / len(words)
        features["covered_q"] = len(words & index.question_vocab[top]) / len(words)
        features["uncovered"] = math.log1p(len(words - index.entry_vocab[top]))

    parts = sentences(text)
    features["n_sentences"] = float(len(parts))
    features["n_questions"] = float(sum(is_question(p) for p in parts))
    features["asks_nothing"] = float(not asks_something(text))
    features["min_cover"] = 1.0
    features["min_part_rel"] = 1.0
    other_topics: set[str] = set()
    for part in parts:
        part_tokens = index.query_tokens(part)
        part_words = {t for t in part_tokens if t[:2] in WORD_PREFIXES}
        part_scores = index.scores_of_tokens(part_tokens)
        top_rel = float(part_scores[top]) / float(index.self_scores[top])
        if len(part_words) >= 2:
            features["min_part_rel"] = min(features["min_part_rel"], top_rel)
            features["weak_parts"] += float(top_rel < 0.1)
        if len(part_words) >= 2:
            cover = len(part_words & index.entry_vocab[top]) / len(part_words)
            features["min_cover"] = min(features["min_cover"], cover)
            if len(part_words) >= 3 and cover < 0.2:
                features["uncovered_sentences"] += 1
            if is_question(part) and cover < 0.34:
                features["uncovered_questions"] += 1
        if len(part) < 6:
            continue
        best = int(np.argmax(part_scores))
        best_rel = float(part_scores[best]) / float(index.self_scores[best])
        if best != top and best_rel >= 0.35 and best_rel > 1.5 * top_rel:
            features["other_sentences"] += 1
            features["other_strength"] = max(features["other_strength"], min(best_rel, 3.0))
            other = topics.get(index.docs[best].faq_id, "")
            if other != topics.get(doc.faq_id, ""):
                other_topics.add(other)
    features["other_topics"] = float(len(other_topics))
    own = text if body is None else body
    features["body_rel"] = (
        min(float(index.scores(own)[top]) / float(index.self_scores[top]), 3.0) if own else 0.0
    )
    features["body_asks_nothing"] = float(not asks_something(own))
    vectors = index.meaning_vectors()
    if vectors is not None:
        from dapjang.routing.encoder import embed

        mail = embed([meaning or text])[0]
        sims = np.array([float((v @ mail).max()) for v in vectors])
        others = np.delete(sims, top)
        features["meaning_sim"] = float(sims[top])
        features["meaning_gap"] = float(sims[top] - others.max()) if len(others) else 1.0
        features["meaning_agree"] = float(int(np.argmax(sims)) == top)

    # What the question side mentions is what customers asking this entry say; the answer text
    # itself is full of "안 됩니다" and "already" and would explain every cue away.
    question_side = "\n".join([doc.question, *doc.paraphrases])
    entry_cues = cue_counts(question_side)
    asked = set().union(*(wh_kinds(p) for p in parts if is_question(p))) if parts else set()
    features["wh_unmatched"] = float(len(asked - wh_kinds(question_side) - {"can"}))
    mail_cues = cue_counts(text)
    for name in CUE_NAMES:
        features[f"cue_{name}"] = math.log1p(mail_cues[name])
        if mail_cues[name] and not entry_cues[name]:
            features[f"unexplained_{name}"] = 1.0
    return Candidate(doc.faq_id, topics.get(doc.faq_id, ""), s1, _surface(text, features))


def _surface(text: str, features: dict[str, float]) -> dict[str, float]:
    features["log_chars"] = math.log1p(len(text))
    features["n_lines"] = float(text.count("\n") + 1)
    features["shouting"] = math.log1p(shouting(text))
    letters = [c for c in text if c.isascii() and c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    features["caps"] = upper / len(letters) if len(letters) >= 20 else 0.0
    for name, count in fact_counts(text).items():
        features[f"fact_{name}"] = math.log1p(count)
    return features
