"""Mail → topic (queue) with a calibrated confidence: the "automation coefficient" of MISSION B3.

The model is a multinomial logistic regression over three views of the customer's own words
(features.py): character n-grams, words (stemmed English, Korean as spaced or, optionally, kiwipiepy
morphemes; domain synonyms; a shared token for words of anger and of praise) and, when the package is
installed, a multilingual sentence vector (encoder.py) with, per topic, the mail's similarity to that
topic's nearest short ask (an FAQ question, a clause or keyword of the topic's description). A linear
model on these is small enough to train in seconds on a desk's own tickets, to store in a database row,
and to explain.

Confidence must mean what it says — `0.9` should be right nine times in ten — because the desk sets
one threshold above which mail is routed without a person. Raw logistic-regression probabilities
are not that (they come out too timid with TF-IDF features), so training also predicts each example
from a model that did not see it (k-fold, with mails of one intent kept in one fold) and fits a
single temperature to those held-out predictions. The same held-out predictions give the accuracy
the `train` command prints, so the number an operator sees is never a score on the training data.

The trained model lives in the database (models.RoutingModel): every worker on every machine uses
the newest row, checks for a newer one at most once a minute, and a desk with no model trains one
from the shipped seed data on first use.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import pickle
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import sklearn
from django.conf import settings
from scipy.optimize import minimize_scalar
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from threadpoolctl import threadpool_limits

from dapjang.routing import encoder
from dapjang.routing.data import (
    Example,
    Topic,
    shipped_faq_questions,
    shipped_mails,
    shipped_synonyms,
    shipped_topics,
    topic_documents,
)
from dapjang.routing.features import WordAnalyzer, language_of, mail_text
from dapjang.routing.scores import summarise

log = logging.getLogger(__name__)

# Bump when features.py or encoder.py change what a stored model computes, or when the shipped training
# data change enough that every desk should retrain (a stored model of another format is retrained by
# retrain.py): 2, subject and body embedded apart; 3, topic descriptions' clauses and keywords as examples
# and the similarity to each topic's nearest short ask (encoder.IntentSimilarity); 4, tone tokens among the
# words (features.tone_tokens); 5, each topic's typical asks as examples (data.topic_documents); 6, each
# topic's border mails (data.BOUNDARY_WEIGHT).
FORMAT_VERSION = "routing-6"
# Chosen from the reliability table of cross-validation (bench/README.md): at 0.85 the calibrated
# model's auto-routed mail is right ~95 % of the time. A desk overrides it per topic
# (RoutingThreshold) or for all topics (settings.DAPJANG_ROUTING_THRESHOLD).
DEFAULT_THRESHOLD = 0.85
RELOAD_SECONDS = 60.0  # how stale a worker's model may be after a new one is trained elsewhere
KEEP_MODELS = 5  # older rows are deleted; a few are kept to go back to by hand
_FLOOR_LOGIT = -30.0  # a topic a fold never saw gets (almost) no probability


@dataclass(frozen=True)
class Prediction:
    topic: str
    confidence: float
    top3: list[tuple[str, float]]


@dataclass(frozen=True)
class Routing:
    """A prediction and whether it is sure enough to route without a person."""

    prediction: Prediction
    threshold: float
    auto: bool

    @property
    def topic(self) -> str:
        return self.prediction.topic

    @property
    def confidence(self) -> float:
        return self.prediction.confidence


@dataclass(frozen=True)
class Options:
    """What the model looks at. Tests switch the slow parts off; a desk never needs to."""

    # kiwipiepy morphemes: measured no better than spaced words once character n-grams and the
    # encoder are in (bench/README.md), and they cost ~330 MB and seconds to load in every worker.
    morphemes: bool = False
    encoder: bool | None = None  # None: use the sentence encoder when its package is installed
    C: float = 10.0  # weak regularisation: TF-IDF rows are unit length and the data are few


@dataclass
class TrainedModel:
    pipeline: Pipeline
    temperature: float
    topics: list[str]
    trained_on: int
    options: Options
    metrics: dict[str, Any] = field(default_factory=dict)

    def probabilities(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """Calibrated topic probabilities of already cleaned texts (features.mail_text), in `topics` order."""
        logits = _two_columns(np.asarray(self.pipeline.decision_function(list(texts)), dtype=np.float64))
        return _softmax(logits / self.temperature)

    def classify(self, subject: str, body: str) -> Prediction:
        probs = self.probabilities([mail_text(subject, body)])[0]
        return _prediction(self.topics, probs)


class ModelUnusable(Exception):
    """A stored model this process cannot or must not load (other code version, bad signature)."""


def _softmax(logits: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    result: npt.NDArray[np.float64] = exp / exp.sum(axis=1, keepdims=True)
    return result


def _two_columns(logits: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """One logit column per topic; with two topics scikit-learn returns a single column."""
    if logits.ndim == 1:
        return np.stack([-logits / 2, logits / 2], axis=1)
    return logits


def _prediction(topics: list[str], probs: npt.NDArray[np.float64]) -> Prediction:
    order = np.argsort(-probs)[:3]
    top3 = [(topics[i], round(float(probs[i]), 4)) for i in order]
    return Prediction(topic=top3[0][0], confidence=top3[0][1], top3=top3)


# --- training -----------------------------------------------------------------------------------------


def _pipeline(options: Options, use_encoder: bool, asks: Sequence[Example] = ()) -> Pipeline:
    views: list[tuple[str, Any]] = [
        # char_wb: n-grams inside word boundaries, so 환불 in 환불해주세요 and 환불은 share features.
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, min_df=1)),
        (
            "words",
            TfidfVectorizer(
                analyzer=WordAnalyzer(shipped_synonyms(), morphemes=options.morphemes),
                sublinear_tf=True,
                min_df=1,
            ),
        ),
    ]
    if use_encoder:
        views.append(("meaning", encoder.SentenceEmbedding()))
        if asks:
            prototypes = [mail_text(e.subject, e.body) for e in asks]
            views.append(("intents", encoder.IntentSimilarity(prototypes, [e.topic for e in asks])))
    classifier = LogisticRegression(
        C=options.C, class_weight="balanced", solver="newton-cg", max_iter=1000, tol=1e-4
    )
    return Pipeline([("features", FeatureUnion(views)), ("model", classifier)])


def _short_asks(examples: Sequence[Example]) -> list[Example]:
    """The one-line asks among the always-trained examples (FAQ questions, description clauses, keywords):
    the prototypes of encoder.IntentSimilarity. Whole-description pseudo-mails carry the topic's name
    as their subject and are left out."""
    return [e for e in examples if not e.subject.strip() and e.body.strip()]


def _fit(
    options: Options,
    use_encoder: bool,
    texts: list[str],
    labels: list[str],
    weights: list[float],
    asks: Sequence[Example] = (),
) -> Pipeline:
    pipeline = _pipeline(options, use_encoder, asks)
    pipeline.fit(texts, labels, model__sample_weight=np.asarray(weights))
    return pipeline


def _logits_for(pipeline: Pipeline, texts: list[str], topics: list[str]) -> npt.NDArray[np.float64]:
    """Logits in the global topic order; a topic missing from this fold's training gets the floor."""
    raw = _two_columns(np.asarray(pipeline.decision_function(texts), dtype=np.float64))
    out = np.full((len(texts), len(topics)), _FLOOR_LOGIT)
    index = {topic: i for i, topic in enumerate(topics)}
    for column, topic in enumerate(pipeline.classes_):
        out[:, index[str(topic)]] = raw[:, column]
    return out


def fit_temperature(logits: npt.NDArray[np.float64], labels: npt.NDArray[np.int_]) -> float:
    """The single temperature that makes held-out probabilities honest (lowest log loss)."""

    def loss(log_t: float) -> float:
        probs = _softmax(logits / np.exp(log_t))
        return float(-np.mean(np.log(probs[np.arange(len(labels)), labels] + 1e-12)))

    result = minimize_scalar(loss, bounds=(-3.0, 3.0), method="bounded")
    return float(np.exp(result.x))


@dataclass
class CrossValidation:
    """Held-out predictions: every mail scored by a model that was trained without its group."""

    topics: list[str]
    logits: npt.NDArray[np.float64]
    labels: list[str]
    languages: list[str]
    folds: int
    temperature: float = 1.0

    def probabilities(self) -> npt.NDArray[np.float64]:
        return _softmax(self.logits / self.temperature)

    def summary(self) -> dict[str, Any]:
        return {
            "folds": self.folds,
            "temperature": round(self.temperature, 4),
            **summarise(self.topics, self.probabilities(), self.labels, self.languages),
        }


@dataclass
class _Prepared:
    mails: list[Example]
    texts: list[str]
    always: list[Example]
    always_texts: list[str]
    topics: list[str]
    use_encoder: bool


def _prepare(
    examples: Sequence[Example], extra: Sequence[Example], topics: list[Topic] | None, options: Options
) -> _Prepared:
    mails = [e for e in examples if e.topic]
    if not mails:
        raise ValueError("no training examples / 학습할 예시가 없습니다")
    known = {e.topic for e in mails} | {e.topic for e in extra}
    if len(known) < 2:
        raise ValueError("routing needs at least two topics / 주제가 두 개 이상 필요합니다")
    docs = [d for d in topic_documents(shipped_topics() if topics is None else topics) if d.topic in known]
    always = [*extra, *docs]
    use_encoder = encoder.encoder_available() if options.encoder is None else options.encoder
    return _Prepared(
        mails,
        [mail_text(e.subject, e.body) for e in mails],
        always,
        [mail_text(e.subject, e.body) for e in always],
        sorted(known),
        use_encoder,
    )


def _cross_validate(
    data: _Prepared, options: Options, folds: int, seed: int, say: Callable[[str], None]
) -> CrossValidation | None:
    labels = [e.topic for e in data.mails]
    counts = np.unique(labels, return_counts=True)[1]
    k = min(folds, int(counts.min()))
    if k < 2:
        return None
    groups = np.array([e.group or f"#{i}" for i, e in enumerate(data.mails)])
    logits = np.zeros((len(data.mails), len(data.topics)))
    splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    for fold, (train, test) in enumerate(splitter.split(data.texts, labels, groups), 1):
        say(f"cross-validation fold {fold}/{k} / 교차 검증 {fold}/{k}")
        # FAQ questions of an intent under test would hand the model the answer: leave them out too.
        held = set(groups[test])
        keep = [i for i, e in enumerate(data.always) if e.group not in held]
        pipeline = _fit(
            options,
            data.use_encoder,
            [data.texts[i] for i in train] + [data.always_texts[i] for i in keep],
            [labels[i] for i in train] + [data.always[i].topic for i in keep],
            [data.mails[i].weight for i in train] + [data.always[i].weight for i in keep],
            _short_asks([data.always[i] for i in keep]),
        )
        logits[test] = _logits_for(pipeline, [data.texts[i] for i in test], data.topics)
    truth = np.array([data.topics.index(label) for label in labels])
    languages = [e.lang or language_of(t) for e, t in zip(data.mails, data.texts, strict=True)]
    return CrossValidation(data.topics, logits, labels, languages, k, fit_temperature(logits, truth))


def cross_validate(
    examples: Sequence[Example],
    *,
    topics: list[Topic] | None = None,
    extra: Sequence[Example] = (),
    options: Options | None = None,
    folds: int = 5,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> CrossValidation | None:
    """Held-out predictions for every mail (None when a topic has fewer than two mails)."""
    options = options or Options()
    with threadpool_limits(limits=1):
        data = _prepare(examples, extra, topics, options)
        return _cross_validate(data, options, folds, seed, progress or (lambda _message: None))


def classifier_train(
    examples: Sequence[Example],
    *,
    topics: list[Topic] | None = None,
    extra: Sequence[Example] = (),
    options: Options | None = None,
    folds: int = 5,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> TrainedModel:
    """Train on labelled mail; `extra` examples (FAQ questions, …) and the topics' descriptions are
    always in the training set but never scored.

    With `folds` ≥ 2, every mail is first predicted by a model trained without it (mails of one
    group — one FAQ intent, one ticket — stay together) to fit the temperature and to report
    honest metrics; then the final model is fitted on everything. `folds=0` skips that (tests).
    """
    options = options or Options()
    say = progress or (lambda _message: None)
    started = time.monotonic()
    # Small problems: threads only fight other processes for the cores.
    with threadpool_limits(limits=1):
        data = _prepare(examples, extra, topics, options)
        metrics: dict[str, Any] = {
            "examples": len(data.mails),
            "extra": len(data.always),
            "encoder": data.use_encoder,
        }
        temperature = 1.0
        cv = _cross_validate(data, options, folds, seed, say) if folds >= 2 else None
        if cv is not None:
            temperature = cv.temperature
            metrics["cv"] = cv.summary()
        say(f"training on {len(data.mails) + len(data.always)} examples / {len(data.mails)}건으로 학습 중")
        pipeline = _fit(
            options,
            data.use_encoder,
            data.texts + data.always_texts,
            [e.topic for e in data.mails] + [e.topic for e in data.always],
            [e.weight for e in data.mails] + [e.weight for e in data.always],
            _short_asks(data.always),
        )
    metrics["seconds"] = round(time.monotonic() - started, 1)
    topics_order = [str(t) for t in pipeline.classes_]
    return TrainedModel(pipeline, temperature, topics_order, len(data.mails), options, metrics)


def train_default(*, progress: Callable[[str], None] | None = None, folds: int = 5) -> TrainedModel:
    """The model a new desk starts with: the shipped seed mails, with the FAQ questions as extra signal."""
    return classifier_train(shipped_mails(), extra=shipped_faq_questions(), progress=progress, folds=folds)


# --- storage ------------------------------------------------------------------------------------------


def model_format() -> str:
    return f"{FORMAT_VERSION}/sklearn-{sklearn.__version__}"


def _signature(blob: bytes) -> str:
    key = hashlib.sha256(b"dapjang.routing.model\0" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, blob, hashlib.sha256).hexdigest()


def save_model(model: TrainedModel, *, source: str) -> Any:
    """Store a trained model as the newest row (every worker picks it up within RELOAD_SECONDS)."""
    global _loaded
    from dapjang.routing.models import RoutingModel

    blob = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    row = RoutingModel.objects.create(
        trained_on=model.trained_on,
        source=source[:300],
        topics=model.topics,
        metrics=model.metrics,
        format=model_format(),
        blob=blob,
        signature=_signature(blob),
    )
    stale = RoutingModel.objects.order_by("-created_at", "-id").values_list("id", flat=True)[KEEP_MODELS:]
    RoutingModel.objects.filter(id__in=list(stale)).delete()
    with _lock:
        _loaded = _Loaded(model, row.pk, time.monotonic())
    return row


def load_model(row: Any) -> TrainedModel:
    """Unpickle a stored model after checking it was written by this code under this site's key."""
    if row.format != model_format():
        raise ModelUnusable(f"model {row.pk} was made by {row.format}, this is {model_format()}")
    blob = bytes(row.blob)
    if not hmac.compare_digest(row.signature, _signature(blob)):
        raise ModelUnusable(f"model {row.pk} has a bad signature (another secret key, or not ours)")
    model = pickle.loads(blob)  # noqa: S301 - signed with our secret key above: only our code wrote it
    if not isinstance(model, TrainedModel):
        raise ModelUnusable(f"model {row.pk} is not a TrainedModel")
    return model


# --- the per-process current model --------------------------------------------------------------------


@dataclass
class _Loaded:
    model: TrainedModel
    row_id: int | None
    checked_at: float


_loaded: _Loaded | None = None
_thresholds: tuple[float, dict[str, float]] | None = None
_lock = threading.RLock()


def clear_cache() -> None:
    """Forget the loaded model and thresholds, as a new process would (tests; after a manual change)."""
    global _loaded, _thresholds
    with _lock:
        _loaded = None
        _thresholds = None


def current_model() -> TrainedModel:
    """The newest stored model, loaded once per process and re-checked at most every RELOAD_SECONDS.

    With no usable stored model this trains one from the shipped data and stores it, so a new desk
    routes from its first mail (expect ~10–60 s once; call `warm_up()` when a worker starts).
    """
    model = stored_model()
    if model is not None:
        return model
    with _lock:
        model = stored_model()
        if model is not None:
            return model
        log.warning("no usable routing model: training one from the shipped data")
        model = train_default(folds=3)
        save_model(model, source="shipped (first use)")
        return model


def stored_model() -> TrainedModel | None:
    """The newest usable stored model (cached as current_model), or None; never trains.

    The pipeline uses this: a mail must not wait a minute for a first training, so a desk with no
    model yet skips the classifier until `dapjang routing train` or the scheduled retraining
    (retrain.py) stores one.
    """
    global _loaded
    loaded = _loaded
    now = time.monotonic()
    if loaded is not None and now - loaded.checked_at < RELOAD_SECONDS:
        return loaded.model
    from dapjang.routing.models import RoutingModel

    with _lock:
        loaded = _loaded
        newest = RoutingModel.objects.order_by("-created_at", "-id").values_list("id", flat=True).first()
        if loaded is not None and newest is not None and newest == loaded.row_id:
            loaded.checked_at = now
            return loaded.model
        if newest is not None:
            try:
                model = load_model(RoutingModel.objects.get(pk=newest))
            except (
                ModelUnusable,
                RoutingModel.DoesNotExist,
                pickle.UnpicklingError,
                AttributeError,
                ImportError,
            ) as exc:
                log.warning("routing model not used: %s", exc)
            else:
                _loaded = _Loaded(model, newest, now)
                return model
        if loaded is not None:  # keep what works rather than retrain in every process
            loaded.checked_at = now
            return loaded.model
        return None


def warm_up() -> TrainedModel:
    """Load (or train) the model and its analysers before the first mail needs them."""
    model = current_model()
    model.classify("배송 문의", "택배가 아직 안 왔어요 (warm-up: loads the Korean analyser and the encoder)")
    return model


def classify(subject: str, body: str) -> Prediction:
    """The topic of a mail from its subject and the customer's text (quotes are stripped here too)."""
    return current_model().classify(subject, body)


def threshold_for(topic: str) -> float:
    """The confidence `topic` needs for automatic routing: its RoutingThreshold, else the desk default."""
    global _thresholds
    now = time.monotonic()
    cached = _thresholds
    if cached is None or now - cached[0] >= RELOAD_SECONDS:
        from dapjang.routing.models import RoutingThreshold

        cached = (now, dict(RoutingThreshold.objects.values_list("topic", "threshold")))
        _thresholds = cached
    return cached[1].get(topic, default_threshold())


def default_threshold() -> float:
    """The desk-wide threshold: settings.DAPJANG_ROUTING_THRESHOLD when set, else DEFAULT_THRESHOLD."""
    return float(getattr(settings, "DAPJANG_ROUTING_THRESHOLD", DEFAULT_THRESHOLD))


def route(subject: str, body: str) -> Routing:
    """Classify and decide: `auto` when the confidence reaches the topic's threshold."""
    prediction = classify(subject, body)
    threshold = threshold_for(prediction.topic)
    return Routing(prediction, threshold, prediction.confidence >= threshold)
