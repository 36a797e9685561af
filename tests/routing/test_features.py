from __future__ import annotations

from dapjang.routing.data import shipped_synonyms
from dapjang.routing.features import (
    WordAnalyzer,
    clean_subject,
    language_of,
    mail_text,
    own_words,
    split_mail_text,
)


def test_subject_loses_reply_prefixes_and_tags() -> None:
    assert clean_subject("RE: Fwd: [한빛몰] 주문이 접수되었습니다") == "주문이 접수되었습니다"
    assert clean_subject("답장: 배송 문의") == "배송 문의"


def test_own_words_drop_quote_greeting_and_signature() -> None:
    body = (
        "안녕하세요\n"
        "환불 언제 되나요?\n"
        "감사합니다\n"
        "- 김민수\n"
        "\n"
        "2026년 11월 2일 (월) 오후 3:41, 한빛몰 <noreply@shop.example> 작성:\n"
        "> 주문이 접수되었습니다.\n"
    )
    assert own_words(body) == "환불 언제 되나요?"


def test_numbers_and_addresses_are_masked() -> None:
    text = mail_text("Order HB-2026-1049931", "Mail me at kim@example.com, 12,000 won https://x.example/a")
    assert "1049931" not in text and "kim@" not in text and "https" not in text
    assert "email" in text and "url" in text


def test_language() -> None:
    assert language_of("택배가 안 와요 CJ") == "ko"
    assert language_of("my parcel is late") == "en"


def test_english_words_are_stemmed_and_synonyms_added() -> None:
    analyzer = WordAnalyzer(shipped_synonyms(), morphemes=False)
    tokens = analyzer(mail_text("", "I was charged twice for my refunds"))
    assert "charg" in tokens or "charge" in tokens
    assert "refund" in tokens
    assert "syn:double_charge" in tokens  # charged twice → the canonical term


def test_korean_morphemes_see_through_endings() -> None:
    """The real analyser (kiwipiepy): content words under particles and endings, no spaces needed."""
    analyzer = WordAnalyzer(morphemes=True, bigrams=False)
    assert "환불" in analyzer(mail_text("", "환불해주세요"))
    tokens = analyzer(mail_text("", "택배가아직안왔어요"))
    assert "택배" in tokens


def test_subject_and_body_stay_apart() -> None:
    """One line break separates the subject from the body (the encoder embeds them apart); the rest is spaces."""
    text = mail_text("Re: 배송 문의", "안녕하세요\n택배가\n아직 안 왔어요\n감사합니다")
    assert text == "배송 문의\n택배가 아직 안 왔어요"
    assert split_mail_text(text) == ("배송 문의", "택배가 아직 안 왔어요")
    assert split_mail_text(mail_text("", "환불해주세요")) == ("", "환불해주세요")
    assert split_mail_text("no break at all") == ("", "no break at all")


def test_tone_words_share_a_token_in_both_languages() -> None:
    """Complaint and opinion are queues of stance: anger and praise words each add one shared token."""
    analyzer = WordAnalyzer(morphemes=False)
    assert analyzer(mail_text("정말 최악이네요", "어이없어서 글 남깁니다")).count("tone:anger") == 2
    assert "tone:anger" in analyzer(mail_text("", "This is unacceptable."))
    assert "tone:praise" in analyzer(mail_text("", "기사님이 너무 친절하셨어요"))
    assert "tone:praise" in analyzer(mail_text("Kudos", "The driver was amazing"))
    neutral = analyzer(mail_text("배송 문의", "택배가 아직 안 왔어요. Where is my parcel?"))
    assert not [t for t in neutral if t.startswith("tone:")]
