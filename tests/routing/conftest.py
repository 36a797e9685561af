"""One small model for the whole session: the shipped seed data without the sentence encoder.

Embedding the 700 training texts takes most of a minute, so the routing tests leave the encoder out
and take seconds; test_encoder.py checks the encoder on its own, and bench/routing_eval.py measures
the full model.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from dapjang.routing import classifier
from dapjang.routing.data import shipped_faq_questions, shipped_mails


@dataclass(frozen=True)
class FastOptions(classifier.Options):
    encoder: bool | None = False


@pytest.fixture(scope="session")
def small_model() -> classifier.TrainedModel:
    return classifier.classifier_train(
        shipped_mails(), extra=shipped_faq_questions(), options=FastOptions(), folds=0
    )


@pytest.fixture
def fast_training(monkeypatch: pytest.MonkeyPatch, small_model: classifier.TrainedModel) -> None:
    """Code that trains with default options (the command, first use) trains the fast model instead."""
    monkeypatch.setattr(classifier, "Options", FastOptions)
    monkeypatch.setattr(classifier, "train_default", lambda **_kw: small_model)


@pytest.fixture
def fresh_process() -> Iterator[None]:
    """Each test starts, and leaves, like a new worker process: nothing cached."""
    classifier.clear_cache()
    yield
    classifier.clear_cache()


@pytest.fixture
def stored_model(
    db: None, fresh_process: None, small_model: classifier.TrainedModel
) -> classifier.TrainedModel:
    classifier.save_model(small_model, source="test")
    classifier.clear_cache()
    return small_model
