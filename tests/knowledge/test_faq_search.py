"""faq_search on the shipped FAQ, with questions written for this test (not taken from the data set)."""

from __future__ import annotations

import pytest

from dapjang.knowledge.models import FaqEntry
from dapjang.knowledge.search import faq_search, faq_suggest


def _top(query: str, language: str | None = None, k: int = 1) -> list[str]:
    return [entry.faq_id for entry, _score in faq_search(query, language, limit=k)]


@pytest.mark.parametrize(
    ("query", "faq_id"),
    [
        ("배숑 조회", "faq-001"),  # typo, the dictionary maps 배숑 → 배송
        ("비밀번호를잊어버렸어요", "faq-018"),  # no spacing at all
        ("비번 까먹음", "faq-018"),  # slang
        ("택배비 얼마에요 몇 만원부터 공짜?", "faq-003"),
        ("한빛클래스 정기결제 그만하고 싶어요", "faq-029"),
        ("아이디가 생각이 안나요", "faq-019"),
        ("포인트가 안먹혀요 쿠폰도 적용안됨", "faq-017"),
        ("회원탈퇴하려면 어디로 가야하죠", "faq-021"),
        ("주문했는데 확인 문자가 안와요", "faq-026"),
    ],
)
def test_it_finds_the_entry_for_a_korean_question_however_it_is_written(
    kb: None, query: str, faq_id: str
) -> None:
    assert _top(query) == [faq_id]


@pytest.mark.parametrize(
    ("query", "faq_id"),
    [
        ("forgot my pasword", "faq-018"),
        ("where can I track my parcel?", "faq-001"),
        ("how much is delivery, any free shipping threshold?", "faq-003"),
        ("please remove my account", "faq-021"),
        ("I got charged two times for one order", "faq-015"),
    ],
)
def test_it_finds_the_entry_for_an_english_question(kb: None, query: str, faq_id: str) -> None:
    assert faq_id in _top(query, k=3)
    assert _top(query) == [faq_id] or faq_id in _top(query, "en", k=3)


def test_results_are_in_the_query_language_and_ordered_by_score(kb: None) -> None:
    results = faq_search("비밀번호 재설정", limit=5)
    assert all(entry.language == "ko" for entry, _ in results)
    scores = [score for _, score in results]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    assert {entry.language for entry, _ in faq_search("reset password")} == {"en"}


def test_the_index_follows_edits_and_unpublishing(kb: None) -> None:
    assert _top("군부대 배송 되나요") != ["faq-004"]
    entry = FaqEntry.objects.get(faq_id="faq-004", language="ko")
    entry.paraphrases = [*entry.paraphrases, "군부대로도 배송이 가능한가요?"]
    entry.save()
    assert _top("군부대 배송 되나요") == ["faq-004"]
    entry.status = FaqEntry.Status.DRAFT
    entry.save()
    assert "faq-004" not in _top("군부대 배송 되나요", k=5)


def test_an_empty_or_unmatched_query_finds_nothing(kb: None) -> None:
    assert faq_search("") == []
    assert faq_search("zzqxv") == []


def test_suggestions_for_a_mail_ignore_its_quoted_history(kb: None) -> None:
    body = "배송지를 바꾸고 싶은데 아직 가능할까요?\n\n-----Original Message-----\nFrom: 한빛몰\n비밀번호 재설정 안내입니다."
    assert [entry.faq_id for entry, _ in faq_suggest("RE: [한빛몰] 안내", body)][:1] == ["faq-004"]
