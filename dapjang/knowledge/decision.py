"""The decision rule of the auto-answer, apart from the database, so benchmarks and training use it too."""

from __future__ import annotations

from dataclasses import dataclass

from dapjang.knowledge.features import Candidate
from dapjang.knowledge.verifier import Verifier, verifier_load

# The coefficient a queue starts with. Cross-validated on the seed mail (bench/README.md,
# "autoanswer_eval"): 100 % precision at 53 % coverage, and 0.4 % of composed look-alikes sent;
# 0.80 reaches 58 % coverage at 97 % but lets four times as many look-alikes through.
DEFAULT_THRESHOLD = 0.85


@dataclass(frozen=True)
class Decision:
    """Whether to answer automatically, with which entry, and why (shown to agents as is)."""

    faq_id: str | None
    confidence: float
    send: bool
    reason: str
    language: str = "ko"


def decision_of(
    found: Candidate, *, queue_threshold: float, topic: str | None = None, verifier: Verifier | None = None
) -> Decision:
    """`topic`: the slug of the queue the ticket was routed to, when the FAQ's topics are queue slugs."""
    language = "en" if found.features.get("english") else "ko"
    if found.faq_id is None:
        return Decision(None, 0.0, False, "no FAQ entry resembles this mail", language)
    confidence = round((verifier or verifier_load()).probability(found.features), 4)
    if topic and found.topic and topic != found.topic:
        # Routing and retrieval disagree about what the mail is about: one of them is wrong.
        reason = f"the entry is about {found.topic}, the ticket was routed to {topic}"
        return Decision(found.faq_id, confidence, False, reason, language)
    cue = refused_whatever_the_score(found)
    if cue:
        return Decision(found.faq_id, confidence, False, f"{REASONS[cue]}: a person answers", language)
    if confidence < queue_threshold:
        reason = f"confidence {confidence:.2f} is below the queue's {queue_threshold:.2f}"
        return Decision(found.faq_id, confidence, False, reason, language)
    return Decision(found.faq_id, confidence, True, f"{found.faq_id} answers it ({confidence:.2f})", language)


# Cues that the matched entry's own questions do not speak of, and that make its answer the wrong
# reply whatever else the mail says: anger or threats (a canned text makes it worse), a defect (a
# different procedure and often a different entry), an exception plea (the entry can only repeat
# the rule), or steps already tried (the entry can only repeat them).
REFUSING_CUES = ("anger", "threat", "defect", "exception", "tried")
REASONS = {
    "anger": "the customer is angry",
    "threat": "the customer threatens to escalate",
    "defect": "the mail describes a defect the entry does not cover",
    "exception": "the customer asks for an exception",
    "tried": "the customer already tried what the entry says",
}


def refused_whatever_the_score(found: Candidate) -> str | None:
    """The cue that rules an automatic answer out, if any."""
    return next((cue for cue in REFUSING_CUES if found.features.get(f"unexplained_{cue}")), None)
