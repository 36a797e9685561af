"""The issue's reference router, run beside Dapjang's on the same splits: plain TF-IDF + a linear SVM.

Issue 6 measures the classifier against "a plain TF-IDF + linear SVM trained on the shared data",
which reaches about 80 % top-1 and 46 % coverage at 98 % precision on mail written apart from the
shared file. Scoring that reference on our own tasks says how hard each task is: a test set on which
the reference scores far above 80 % is easier than the mail the product will be judged on, and one
near 80 % is about as hard. The reference is scikit-learn's defaults — word TF-IDF, `LinearSVC()` —
trained on the seed mails alone (no FAQ questions, no topic descriptions); its confidence for the
coverage curve is the winning class's decision score.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.svm import LinearSVC

from dapjang.routing import scores
from dapjang.routing.data import Example
from dapjang.routing.features import mail_text

NAME = "TF-IDF + LinearSVC (scikit-learn defaults, seed mails only)"


def reference_model() -> Pipeline:
    return make_pipeline(TfidfVectorizer(), LinearSVC())


def _texts(mails: Sequence[Example]) -> list[str]:
    return [mail_text(e.subject, e.body) for e in mails]


def _predict(model: Pipeline, texts: list[str]) -> tuple[list[str], npt.NDArray[np.float64]]:
    decision = np.asarray(model.decision_function(texts), dtype=np.float64)
    classes = list(model.classes_)
    return [classes[i] for i in decision.argmax(axis=1)], decision.max(axis=1)


def reference_cv(mails: Sequence[Example], folds: int, seeds: Sequence[int]) -> dict[str, Any]:
    """Held-out scores on the folds `classifier.cross_validate` uses (same splitter, groups and seed)."""
    texts = _texts(mails)
    labels = np.array([e.topic for e in mails])
    groups = np.array([e.group or f"#{i}" for i, e in enumerate(mails)])
    runs = []
    for seed in seeds:
        predicted = np.empty(len(mails), dtype=object)
        confidence = np.zeros(len(mails))
        splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
        for train, test in splitter.split(texts, labels, groups):
            model = reference_model().fit([texts[i] for i in train], labels[train])
            guess, score = _predict(model, [texts[i] for i in test])
            predicted[test] = guess
            confidence[test] = score
        runs.append(summary(list(predicted), confidence, [e.topic for e in mails], [e.lang for e in mails]))
    return mean_runs(runs)


def reference_on_file(train: Sequence[Example], test: Sequence[Example]) -> dict[str, Any]:
    model = reference_model().fit(_texts(train), [e.topic for e in train])
    predicted, confidence = _predict(model, _texts(test))
    return summary(predicted, confidence, [e.topic for e in test], [e.lang for e in test])


def summary(
    predicted: list[str], confidence: npt.NDArray[np.float64], truth: list[str], languages: list[str]
) -> dict[str, Any]:
    """Top-1 and coverage at 95 % and 98 % precision, overall and per language."""
    correct = np.array(predicted) == np.array(truth)
    langs = np.array(languages)

    def block(mask: npt.NDArray[np.bool_]) -> dict[str, Any]:
        return {
            "n": int(mask.sum()),
            "accuracy": round(float(correct[mask].mean()), 4),
            "at_95_precision": scores.coverage_at(confidence[mask], correct[mask], 0.95),
            "at_98_precision": scores.coverage_at(confidence[mask], correct[mask], 0.98),
        }

    result = block(np.ones(len(truth), dtype=bool))
    result["by_language"] = {lang: block(langs == lang) for lang in sorted(set(languages))}
    return result


def mean_runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    def merge(values: list[Any]) -> Any:
        if isinstance(values[0], dict):
            return {key: merge([v[key] for v in values]) for key in values[0]}
        if isinstance(values[0], int | float) and not isinstance(values[0], bool):
            return round(float(np.mean(values)), 4)
        return values[0]

    merged: dict[str, Any] = merge(runs)
    return merged
