"""Quoted history is split off in the styles Korean and English customers' clients write."""

from __future__ import annotations

import time

import pytest

from dapjang.mail.parse import parse_mail
from dapjang.mail.quotes import split_quoted
from tests.mail.mailgen import mail

NEW = "주문한 상품이 아직 안 왔습니다.\n확인 부탁드립니다."

QUOTES = {
    "outlook_original_message": (
        "-----Original Message-----\n"
        "From: Help <help@desk.example>\n"
        "Sent: Tuesday\n"
        "To: kim@example.com\n"
        "Subject: RE: 주문\n"
        "\n"
        "old"
    ),
    "korean_outlook_original": (
        "-----원본 메시지-----\n"
        "보낸 사람: 상담원 <help@desk.example>\n"
        "보낸 날짜: 2026년 11월 3일 화요일 오후 2:14\n"
        "받는 사람: kim@example.com\n"
        "제목: 주문\n"
        "\n"
        "old"
    ),
    "outlook_header_block": (
        "________________________________\n"
        "From: Help <help@desk.example>\n"
        "Sent: Tuesday, November 3, 2026 2:14 PM\n"
        "To: Kim <kim@example.com>\n"
        "Subject: RE: order\n"
        "\n"
        "old"
    ),
    "korean_outlook_header_block": (
        "________________________________\n"
        "보낸 사람: 상담원 <help@desk.example>\n"
        "보낸 날짜: 2026년 11월 3일 화요일 오후 2:14\n"
        "받는 사람: 김민수 <kim@example.com>\n"
        "제목: RE: 주문\n"
        "\n"
        "old"
    ),
    "gmail": ("On Tue, Nov 3, 2026 at 2:14 PM, Help <help@desk.example> wrote:\n> old"),
    "gmail_wrapped": (
        "On Tue, Nov 3, 2026 at 2:14 PM, Help Desk of a Long Name <\nhelp@desk.example> wrote:\n> old"
    ),
    "korean_gmail": ("2026년 11월 3일 (화) 오후 2:14, 상담원 <help@desk.example>님이 작성:\n> old"),
    "korean_gmail_new_format": ("2026. 11. 3. 오후 2:14, 상담원 <help@desk.example>님이 작성:\n> old"),
    "korean_gmail_short": ("2026년 11월 3일 (화) 오후 2:14, help@desk.example 작성:\n> old"),
    "korean_gmail_wrapped": ("2026년 11월 3일 (화) 오후 2:14, 상담원 <\nhelp@desk.example>님이 작성:\n> old"),
    "naver": (
        "-----Original Message-----\n"
        'From: "상담원"<help@desk.example>\n'
        'To: "김민수"<kim@naver.com>;\n'
        "Cc:\n"
        "Sent: 2026-11-03 (화) 14:14:00\n"
        "Subject: 주문\n"
        "\n"
        "old"
    ),
    "angle_run": ("> line one\n> old"),
}


@pytest.mark.parametrize("style", sorted(QUOTES))
def test_quote_styles_are_split_from_new_words(style: str) -> None:
    new, quoted = split_quoted(NEW + "\n\n" + QUOTES[style])
    assert new == NEW
    assert quoted.endswith("old")


def test_parse_mail_keeps_everything_in_text() -> None:
    body = NEW + "\n\n" + QUOTES["korean_gmail"]
    parsed = parse_mail(mail(body))
    assert (parsed.text, parsed.new_text) == (body, NEW)
    assert parsed.quoted_text.startswith("2026년")


def test_mail_without_quote_has_new_text_equal_to_text() -> None:
    parsed = parse_mail(mail("그냥 질문입니다.\n감사합니다.\n-- \n김민수"))
    assert parsed.new_text == parsed.text
    assert parsed.quoted_text == ""


def test_signature_stays_in_new_text() -> None:
    new, _ = split_quoted(
        "Please help.\n\nBest regards,\nKim\n\nOn Mon, Nov 2, 2026, Help <h@x> wrote:\n> old"
    )
    assert new == "Please help.\n\nBest regards,\nKim"


def test_customer_text_mentioning_subject_is_not_a_header_block() -> None:
    text = "From: my home address\nthe parcel never arrived."
    assert split_quoted(text) == (text, "")


def test_bare_forward_keeps_the_forwarded_mail_as_new_text() -> None:
    text = QUOTES["outlook_original_message"]
    assert split_quoted(text) == (text, "")


def test_interleaved_quotes_are_moved_to_quoted() -> None:
    new, quoted = split_quoted("> question one?\nanswer one\n> question two?\nanswer two")
    assert new == "answer one\nanswer two"
    assert quoted == "> question one?\n> question two?"


def test_long_bodies_split_in_linear_time() -> None:
    text = ("1234567890 " * 30 + "\n") * 20_000
    start = time.process_time()
    split_quoted(text + "On Mon, Help <h@x> wrote:\n> x")
    assert time.process_time() - start < 2.0
