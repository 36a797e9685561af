from __future__ import annotations

import json

import pytest
from django.test import override_settings

from dapjang.routing import classifier, scores
from dapjang.routing.data import (
    BOUNDARY_WEIGHT,
    CLAUSE_WEIGHT,
    DESCRIPTION_WEIGHT,
    KEYWORD_WEIGHT,
    Example,
    Topic,
    description_clauses,
    shipped_mails,
    shipped_topics,
    topic_documents,
)
from dapjang.routing.models import RoutingModel, RoutingThreshold
from dapjang.seed import seed_text
from tests.routing.conftest import FastOptions


def korean(mails: list[tuple[str, str]]) -> list[Example]:
    """One-line Korean examples (text, topic), each an intent of its own."""
    return [Example("", text, topic, "ko", group=f"g{i}") for i, (text, topic) in enumerate(mails)]


# Written for these tests, not taken from the seed data.
CLEAR = [
    ("", "택배가 아직 안 왔어요", "shipping"),
    ("배송 언제 와요", "주문한 지 닷새째인데 아직 출발도 안 했대요", "shipping"),
    ("", "I was charged twice", "billing"),
    ("", "비밀번호를 잊어버려서 로그인이 안 돼요", "account"),
    ("Refund", "I sent the jacket back last week, when do I get my money back?", "returns"),
    ("", "한빛클래스 구독 해지하고 싶어요", "subscription"),
]


@pytest.mark.parametrize(("subject", "body", "topic"), CLEAR)
def test_clear_mail_gets_its_topic(
    small_model: classifier.TrainedModel, subject: str, body: str, topic: str
) -> None:
    prediction = small_model.classify(subject, body)
    assert prediction.topic == topic
    assert 0.0 <= prediction.confidence <= 1.0
    assert prediction.top3[0] == (prediction.topic, prediction.confidence)
    assert [p for _t, p in prediction.top3] == sorted((p for _t, p in prediction.top3), reverse=True)


def test_empty_mail_still_gets_an_answer(small_model: classifier.TrainedModel) -> None:
    prediction = small_model.classify("", "")
    assert prediction.topic in small_model.topics
    assert 0.0 <= prediction.confidence <= 1.0


def test_cross_validation_reports_held_out_scores_and_calibrates() -> None:
    examples = korean(
        [
            ("택배 언제 와요", "shipping"),
            ("배송이 너무 늦어요", "shipping"),
            ("운송장 번호 알려주세요", "shipping"),
            ("환불 해주세요", "returns"),
            ("반품하고 싶어요", "returns"),
            ("교환 신청합니다", "returns"),
        ]
    )
    model = classifier.classifier_train(examples, topics=[], options=FastOptions(), folds=3)
    cv = model.metrics["cv"]
    assert cv["folds"] == 3 and cv["n"] == 6
    assert 0.0 <= cv["accuracy"] <= 1.0
    assert model.temperature > 0
    assert set(cv["by_language"]) == {"ko"}


def test_training_needs_examples() -> None:
    with pytest.raises(ValueError):
        classifier.classifier_train([], options=FastOptions(), folds=0)


def test_coverage_at_precision() -> None:
    import numpy as np

    confidence = np.array([0.99, 0.9, 0.8, 0.7])
    correct = np.array([True, True, False, True])
    assert scores.coverage_at(confidence, correct, 0.95) == {"coverage": 0.5, "threshold": 0.9}


# --- the stored model ---------------------------------------------------------------------------------


def test_stored_model_is_used_by_a_new_process(
    stored_model: classifier.TrainedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_training(**_kw: object) -> None:
        raise AssertionError("a stored model exists: nothing should be trained")

    monkeypatch.setattr(classifier, "train_default", no_training)
    first = classifier.classify("", "택배가 아직 안 왔어요")
    classifier.clear_cache()  # a second worker process
    second = classifier.classify("", "택배가 아직 안 왔어요")
    assert first == second
    assert first.topic == "shipping"
    assert RoutingModel.objects.count() == 1


def test_first_use_trains_and_stores_a_model(db: None, fresh_process: None, fast_training: None) -> None:
    assert not RoutingModel.objects.exists()
    assert classifier.classify("", "I was charged twice").topic == "billing"
    row = RoutingModel.objects.get()
    assert row.trained_on == 400 and "shipped" in row.source
    assert row.format == classifier.model_format()


def test_a_newer_model_is_picked_up_after_the_reload_interval(
    stored_model: classifier.TrainedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert classifier.current_model().trained_on == stored_model.trained_on
    newer = classifier.classifier_train(
        [Example("", "택배 언제 와요", "shipping"), Example("", "환불 해주세요", "returns")],
        topics=[],
        options=FastOptions(),
        folds=0,
    )
    row = classifier.save_model(newer, source="elsewhere")
    classifier.clear_cache()
    # Another process still holds the old one: only the reload check brings the new row in.
    monkeypatch.setattr(classifier, "RELOAD_SECONDS", 0.0)
    assert classifier.current_model().trained_on == 2
    assert RoutingModel.objects.order_by("-id").first() == row


def test_a_tampered_model_is_never_unpickled(
    stored_model: classifier.TrainedModel, fast_training: None
) -> None:
    row = RoutingModel.objects.get()
    with pytest.raises(classifier.ModelUnusable):
        classifier.load_model(
            RoutingModel(pk=row.pk, format=row.format, blob=b"x" + bytes(row.blob), signature=row.signature)
        )
    RoutingModel.objects.filter(pk=row.pk).update(signature="0" * 64)
    classifier.clear_cache()
    assert classifier.classify("", "I was charged twice").topic == "billing"  # retrained, not loaded
    assert RoutingModel.objects.count() == 2


def test_a_model_of_another_code_version_is_not_loaded(stored_model: classifier.TrainedModel) -> None:
    row = RoutingModel.objects.get()
    row.format = "routing-0/sklearn-0.1"
    with pytest.raises(classifier.ModelUnusable):
        classifier.load_model(row)


def test_old_models_are_pruned(db: None, fresh_process: None, small_model: classifier.TrainedModel) -> None:
    for _ in range(classifier.KEEP_MODELS + 2):
        classifier.save_model(small_model, source="test")
    assert RoutingModel.objects.count() == classifier.KEEP_MODELS


# --- thresholds -----------------------------------------------------------------------------------------


def test_route_is_auto_only_at_the_topics_threshold(stored_model: classifier.TrainedModel) -> None:
    confidence = classifier.classify("", "택배가 아직 안 왔어요").confidence
    RoutingThreshold.objects.create(topic="shipping", threshold=min(1.0, confidence + 0.01))
    classifier.clear_cache()
    routing = classifier.route("", "택배가 아직 안 왔어요")
    assert routing.topic == "shipping" and not routing.auto
    RoutingThreshold.objects.filter(topic="shipping").update(threshold=confidence - 0.01)
    classifier.clear_cache()
    assert classifier.route("", "택배가 아직 안 왔어요").auto


def test_default_threshold_comes_from_settings(stored_model: classifier.TrainedModel) -> None:
    assert classifier.threshold_for("billing") == classifier.DEFAULT_THRESHOLD
    with override_settings(DAPJANG_ROUTING_THRESHOLD=0.0):
        assert classifier.route("", "I was charged twice").auto
    with override_settings(DAPJANG_ROUTING_THRESHOLD=1.01):
        assert not classifier.route("", "I was charged twice").auto


def test_description_clauses_are_the_listed_intents() -> None:
    assert description_clauses("배송 조회, 운송장 번호, 해외 배송 문의를 담당합니다.") == [
        "배송 조회",
        "운송장 번호",
        "해외 배송 문의",
    ]
    assert description_clauses("Seller applications, advertising proposals, and bulk quotes.") == [
        "Seller applications",
        "advertising proposals",
        "bulk quotes",
    ]
    assert description_clauses("") == []


def test_an_intent_only_the_description_names_is_learned() -> None:
    """No mail asks about a tracking number or a tax invoice; only the topics' descriptions name them."""
    mails = korean(
        [
            ("택배가 아직 안 왔어요", "shipping"),
            ("배송이 너무 늦어요", "shipping"),
            ("카드 결제가 두 번 됐어요", "billing"),
            ("무통장 입금 계좌 알려주세요", "billing"),
        ]
    )
    topics = [
        Topic(
            "shipping",
            "배송",
            "Shipping",
            description_ko="배송 조회, 운송장 번호, 분실·지연 문의를 담당합니다.",
        ),
        Topic(
            "billing",
            "결제",
            "Billing",
            description_ko="결제 수단, 이중 결제, 세금계산서 발급 문의를 담당합니다.",
        ),
    ]
    model = classifier.classifier_train(mails, topics=topics, options=FastOptions(), folds=0)
    assert model.classify("", "운송장 번호 좀 알 수 있을까요").topic == "shipping"
    assert model.classify("", "세금계산서 발급해 주세요").topic == "billing"


def test_each_clause_and_keyword_is_an_example_of_its_topic() -> None:
    topic = Topic(
        "returns", "반품", "Returns", description_en="Returns, refund timing.", keywords_en=["money back"]
    )
    docs = [(d.subject, d.body, d.weight) for d in topic_documents([topic]) if d.lang == "en"]
    assert ("Returns", "Returns, refund timing.\nmoney back", DESCRIPTION_WEIGHT) in docs
    assert ("", "refund timing", CLAUSE_WEIGHT) in docs
    assert ("", "money back", KEYWORD_WEIGHT) in docs
    assert {d.group for d in topic_documents([topic])} == {"topic:returns"}


def test_a_topics_typical_asks_are_examples_of_full_weight_and_short_asks() -> None:
    topic = Topic("returns", "반품", "Returns", asks_ko=["반품 보냈는데 환불은 언제 되나요?", " "])
    docs = [d for d in topic_documents([topic]) if d.body == "반품 보냈는데 환불은 언제 되나요?"]
    assert [(d.subject, d.lang, d.weight, d.group) for d in docs] == [("", "ko", 1.0, "topic:returns")]
    assert not [
        d for d in topic_documents([topic]) if not d.body.strip() and not d.subject.strip()
    ]  # blank: none


def test_every_shipped_topic_lists_its_typical_asks_in_both_languages() -> None:
    for topic in shipped_topics():
        assert len(topic.asks_ko) >= 10 and len(topic.asks_en) >= 8, topic.id
        assert len(set(topic.asks_ko + topic.asks_en)) == len(topic.asks_ko + topic.asks_en), topic.id


def test_a_topics_border_mails_are_whole_examples_of_boundary_weight() -> None:
    rude = Example(
        "기사님 응대", "배송 기사님이 상자를 던지고 가셨어요. 너무 불친절합니다.", "complaint", "ko"
    )
    topic = Topic("complaint", "불만", "Complaints", border_mails=[rude])
    docs = [d for d in topic_documents([topic]) if d.body == rude.body]
    assert [(d.subject, d.lang, d.weight, d.group) for d in docs] == [
        ("기사님 응대", "ko", BOUNDARY_WEIGHT, "topic:complaint")
    ]


def test_border_mails_move_the_line_between_two_topics() -> None:
    """Every mail that names the courier is *shipping*, until the topics' border mails say that a rude
    courier is a complaint about staff."""
    mails = korean(
        [
            ("택배 기사님이 아직 안 오셨어요", "shipping"),
            ("기사님이 배송을 언제 오시나요", "shipping"),
            ("택배 기사님 연락처 알려주세요", "shipping"),
            ("상담원이 전화를 그냥 끊었어요. 사과 받고 싶습니다", "complaint"),
            ("몇 번을 문의해도 답이 없어요. 책임자 연결해 주세요", "complaint"),
        ]
    )
    borders = [
        Example("", "기사님이 너무 불친절하셨어요. 반말에 물건을 던지고 가셨습니다", "complaint", "ko"),
        Example("", "택배 기사 태도가 무례해요. 주의 좀 주세요", "complaint", "ko"),
    ]
    plain = [Topic("shipping", "배송", "Shipping"), Topic("complaint", "불만", "Complaints")]
    taught = [plain[0], Topic("complaint", "불만", "Complaints", border_mails=borders)]
    mail = ("", "오늘 온 기사님이 불친절하고 무례했어요")
    before = classifier.classifier_train(mails, topics=plain, options=FastOptions(), folds=0)
    after = classifier.classifier_train(mails, topics=taught, options=FastOptions(), folds=0)
    assert before.classify(*mail).topic == "shipping"
    assert after.classify(*mail).topic == "complaint"


def test_the_shipped_border_mails_cover_every_topic_and_are_not_seed_mails() -> None:
    topics = shipped_topics()
    seed_bodies = {m.body.strip() for m in shipped_mails()}
    bodies = [m.body.strip() for t in topics for m in t.border_mails]
    assert len(bodies) == len(set(bodies)) >= 200
    assert not seed_bodies & set(bodies)  # written apart from the seed mails, never copied
    for topic in topics:
        langs = [m.lang for m in topic.border_mails]
        assert langs.count("ko") >= 10 and langs.count("en") >= 4, topic.id
        assert {m.topic for m in topic.border_mails} == {topic.id}
    ids = {t.id for t in topics}
    for line in seed_text("topic_boundaries.jsonl").splitlines():
        row = json.loads(line)
        assert row["other"] in ids and row["other"] != row["topic"], line  # the border it sits on
