"""Training the verifier from files: an FAQ (faq.json format) and labelled mails (train.jsonl format).

Training reads files, not the database, so the weights shipped in `data/verifier.json`, the
benchmark and a site retraining on its own exported mail all go through the same steps. A mail's
label is 1 only when retrieval put the right entry first: the verifier learns "send this entry",
not "some entry would answer this".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dapjang.knowledge.decision import refused_whatever_the_score
from dapjang.knowledge.features import Candidate, mail_candidate
from dapjang.knowledge.importer import parse_faq_text
from dapjang.knowledge.index import FaqDoc, FaqIndex
from dapjang.knowledge.synonyms import SynonymTable, synonyms_parse
from dapjang.knowledge.synthetic import TRAINING_ADDONS, AddOns, compose_negatives
from dapjang.knowledge.verifier import REGULARISATION, SYNTHETIC_WEIGHT, Verifier, verifier_fit


@dataclass
class FileKnowledge:
    """FAQ indexes per language built from files, as `search.faq_index` builds them from rows."""

    indexes: dict[str, FaqIndex]
    topics: dict[str, str]

    @classmethod
    def load(cls, faq_path: Path, synonyms_path: Path | None) -> FileKnowledge:
        records = parse_faq_text(faq_path.read_text(encoding="utf-8-sig"), source=str(faq_path))
        pairs = (
            synonyms_parse(synonyms_path.read_text(encoding="utf-8-sig").splitlines())
            if synonyms_path
            else []
        )
        return cls.from_records(records, SynonymTable(tuple(pairs)))

    @classmethod
    def from_records(
        cls, records: Iterable[Any], synonyms: SynonymTable, *, use_paraphrases: bool = True
    ) -> FileKnowledge:
        by_language: dict[str, list[FaqDoc]] = {"ko": [], "en": []}
        topics: dict[str, str] = {}
        for number, r in enumerate(records):
            by_language.setdefault(r.language, []).append(
                FaqDoc(number, r.faq_id, r.language, r.question, tuple(r.paraphrases), r.answer)
            )
            topics[r.faq_id] = r.topic
        indexes = {
            language: FaqIndex(docs, synonyms, language=language, use_paraphrases=use_paraphrases)
            for language, docs in by_language.items()
        }
        return cls(indexes, topics)

    def lookup(self, language: str) -> tuple[FaqIndex, dict[str, str]]:
        return self.indexes.get(language) or self.indexes["ko"], self.topics


def mails_read(path: Path) -> list[dict[str, Any]]:
    """Labelled mails, one JSON object a line: `id`, `subject`, `body`, `lang`, `faq_id` (null: a person)."""
    mails: list[dict[str, Any]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{number}: invalid JSON: {exc.msg}") from exc
        if not isinstance(row, dict) or "body" not in row:
            raise ValueError(f"{path}:{number}: expected an object with subject, body and faq_id")
        row.setdefault("id", f"line-{number}")
        row.setdefault("subject", "")
        row.setdefault("faq_id", None)
        mails.append(row)
    return mails


def label(mail: Mapping[str, Any], found: Candidate) -> int:
    return int(mail.get("faq_id") is not None and found.faq_id == mail["faq_id"])


def examples(
    mails: Sequence[Mapping[str, Any]],
    knowledge: FileKnowledge,
    *,
    addons: AddOns | None = TRAINING_ADDONS,
    per_base: int = 2,
    seed: int = 7,
) -> tuple[list[dict[str, float]], list[int], list[float]]:
    """Features, labels and weights of the mails and of hard negatives composed from the answerable ones.

    Mails the decision refuses whatever the score (anger, threats) are left out: the verifier models
    the probability among mails it may send, and angry mails labelled answerable would otherwise
    teach it that anger is a good sign.
    """
    rows: list[dict[str, float]] = []
    labels: list[int] = []
    weights: list[float] = []
    for mail in mails:
        found = mail_candidate(str(mail.get("subject") or ""), str(mail["body"]), knowledge.lookup)
        if refused_whatever_the_score(found):
            continue
        rows.append(found.features)
        labels.append(label(mail, found))
        weights.append(1.0)
    if addons:
        bases = [
            {
                "id": str(m["id"]),
                "subject": str(m.get("subject") or ""),
                "body": str(m["body"]),
                "lang": _lang(m),
            }
            for m in mails
            if m.get("faq_id")
        ]
        for composed in compose_negatives(bases, addons=addons, per_base=per_base, seed=seed):
            found = mail_candidate(composed.subject, composed.body, knowledge.lookup)
            if refused_whatever_the_score(found):
                continue
            rows.append(found.features)
            labels.append(0)
            weights.append(SYNTHETIC_WEIGHT)
    return rows, labels, weights


def verifier_train(
    mails: Sequence[Mapping[str, Any]],
    knowledge: FileKnowledge,
    *,
    synthetic: bool = True,
    names: Sequence[str] | None = None,
) -> Verifier:
    """`names`: the features to weigh; by default with the sentence encoder's when it is installed."""
    rows, labels, weights = examples(mails, knowledge, addons=TRAINING_ADDONS if synthetic else None)
    real = sum(1 for w in weights if w == 1.0)
    meta = {
        "trained_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "mails": len(mails),
        "mails_used": real,
        "positives": sum(labels[:real]),
        "synthetic_negatives": len(rows) - real,
        "synthetic_weight": SYNTHETIC_WEIGHT,
        "C": REGULARISATION,
    }
    return verifier_fit(rows, labels, weights, meta=meta, names=names)


def _lang(mail: Mapping[str, Any]) -> str:
    from dapjang.knowledge.normalise import language_of

    return str(mail.get("lang") or language_of(str(mail.get("subject") or "") + "\n" + str(mail["body"])))
