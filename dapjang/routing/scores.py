"""How good held-out predictions are: accuracy, macro-F1, the precision/coverage curve and calibration.

The `train` command prints these for the operator and bench/routing_eval.py reports them; both score
predictions made by models that did not see the mail (classifier.cross_validate), never the
training data. Coverage at a precision answers the desk's real question: how much mail could be
routed without a person if routing may be wrong at most once in twenty.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.metrics import f1_score

PRECISION_TARGET = 0.95


def coverage_at(
    confidence: npt.NDArray[np.float64], correct: npt.NDArray[np.bool_], precision: float
) -> dict[str, float]:
    """The largest share of mail that can be auto-routed (most confident first) at the given precision."""
    if len(confidence) == 0:
        return {"coverage": 0.0, "threshold": 1.0}
    order = np.argsort(-confidence, kind="stable")
    running = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    ok = np.nonzero(running >= precision)[0]
    if len(ok) == 0:
        return {"coverage": 0.0, "threshold": 1.0}
    k = int(ok.max())
    return {"coverage": round((k + 1) / len(order), 4), "threshold": round(float(confidence[order][k]), 4)}


def precision_curve(
    confidence: npt.NDArray[np.float64], correct: npt.NDArray[np.bool_], thresholds: Sequence[float]
) -> list[dict[str, float]]:
    """At each threshold: the share of mail auto-routed and the precision among it."""
    rows = []
    for threshold in thresholds:
        chosen = confidence >= threshold
        n = int(chosen.sum())
        rows.append(
            {
                "threshold": threshold,
                "coverage": round(n / max(len(confidence), 1), 4),
                "precision": round(float(correct[chosen].mean()), 4) if n else 1.0,
            }
        )
    return rows


def reliability(
    confidence: npt.NDArray[np.float64], correct: npt.NDArray[np.bool_], bins: int = 10
) -> list[dict[str, Any]]:
    """Mean confidence against observed accuracy per confidence bin (a reliability table)."""
    rows = []
    edges = np.linspace(0.0, 1.0, bins + 1)
    for low, high in itertools.pairwise(edges):
        chosen = (confidence >= low) & ((confidence < high) | (high == 1.0))
        if chosen.any():
            rows.append(
                {
                    "bin": f"{low:.1f}–{high:.1f}",
                    "n": int(chosen.sum()),
                    "confidence": round(float(confidence[chosen].mean()), 4),
                    "accuracy": round(float(correct[chosen].mean()), 4),
                }
            )
    return rows


def summarise(
    topics: list[str],
    probs: npt.NDArray[np.float64],
    truth: list[str],
    languages: list[str],
) -> dict[str, Any]:
    """Accuracy, macro-F1 and coverage at 95 % precision, overall and per language."""
    predicted = np.array([topics[i] for i in probs.argmax(axis=1)])
    truth_arr = np.array(truth)
    confidence = probs.max(axis=1)
    correct = predicted == truth_arr
    langs = np.array(languages)

    def block(mask: npt.NDArray[np.bool_]) -> dict[str, Any]:
        if not mask.any():
            return {"n": 0}
        return {
            "n": int(mask.sum()),
            "accuracy": round(float(correct[mask].mean()), 4),
            "macro_f1": round(float(f1_score(truth_arr[mask], predicted[mask], average="macro")), 4),
            "at_95_precision": coverage_at(confidence[mask], correct[mask], PRECISION_TARGET),
        }

    result = block(np.ones(len(truth), dtype=bool))
    result["by_language"] = {lang: block(langs == lang) for lang in sorted(set(languages))}
    result["reliability"] = reliability(confidence, correct)
    return result
