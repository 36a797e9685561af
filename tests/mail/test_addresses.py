"""RELIABILITY 29: the identity is the real addr-spec; ambiguous From values pick no one."""

from __future__ import annotations

import time

import pytest

from dapjang.mail.addresses import parse_addresses
from dapjang.mail.parse import Address, parse_mail
from tests.mail.mailgen import ew_b, mail


def test_display_name_that_looks_like_an_address_is_flagged_and_ignored() -> None:
    parsed = parse_mail(mail("x", sender='"ceo@shop.example" <attacker@evil.example>'))
    assert parsed.from_ == [Address("attacker@evil.example", "ceo@shop.example")]
    assert "display_name_address" in parsed.sender_flags


def test_encoded_display_name_containing_an_address_is_flagged() -> None:
    parsed = parse_mail(mail("x", sender=f"{ew_b('대표 ceo@shop.example', 'utf-8')} <attacker@evil.example>"))
    assert parsed.from_[0].email == "attacker@evil.example"
    assert parsed.from_[0].name == "대표 ceo@shop.example"
    assert "display_name_address" in parsed.sender_flags


def test_display_name_equal_to_the_address_is_not_suspicious() -> None:
    parsed = parse_mail(mail("x", sender='"kim@example.com" <kim@example.com>'))
    assert parsed.sender_flags == []


def test_domain_is_lower_cased_and_local_part_kept() -> None:
    parsed = parse_mail(mail("x", sender="Kim <Kim.Minsu@Example.COM>"))
    assert parsed.from_ == [Address("Kim.Minsu@example.com", "Kim")]


def test_two_addresses_in_from_are_both_kept_and_flagged() -> None:
    parsed = parse_mail(mail("x", sender="a@one.example, B <b@two.example>"))
    assert [a.email for a in parsed.from_] == ["a@one.example", "b@two.example"]
    assert "multiple_from" in parsed.sender_flags


def test_two_from_headers_are_flagged() -> None:
    parsed = parse_mail(mail("x", headers=[("From", "other@evil.example")]))
    assert [a.email for a in parsed.from_] == ["kim@example.com", "other@evil.example"]
    assert "multiple_from" in parsed.sender_flags


def test_group_syntax_in_from() -> None:
    parsed = parse_mail(mail("x", sender="Team: a@one.example, b@two.example;"))
    assert [a.email for a in parsed.from_] == ["a@one.example", "b@two.example"]
    assert {"group_from", "multiple_from"} <= set(parsed.sender_flags)


def test_empty_group_is_no_from() -> None:
    parsed = parse_mail(mail("x", sender="undisclosed-recipients:;"))
    assert parsed.from_ == []
    assert "no_from" in parsed.sender_flags


@pytest.mark.parametrize(
    "value",
    [
        "alice@example.org)<bob@example.org>",
        '"a@b"@c.example',
        "<<a@b.example>>",
        "<a@b.example <c@d.example>>",
        "alice@example.org <bob@example.org>",
        "a@b.example c@d.example",
        '"unterminated <a@b.example>',
        "Name <a@b.example> trailing@c.example",
        "(unbalanced <a@b.example>",
        "x@y@z.example",
    ],
)
def test_cve_2023_27043_ambiguous_forms_pick_no_identity(value: str) -> None:
    parsed = parse_mail(mail("x", sender=value))
    assert parsed.from_ == []
    assert "ambiguous_from" in parsed.sender_flags


def test_no_from_header() -> None:
    raw = b"To: help@desk.example\r\nSubject: hi\r\n\r\nbody\r\n"
    parsed = parse_mail(raw)
    assert parsed.from_ == []
    assert parsed.sender_flags == ["no_from"]


def test_idn_domain_is_kept_lower_cased() -> None:
    parsed = parse_mail(mail("x", sender="고객 <고객@한국.테스트>".encode()))
    assert parsed.from_ == [Address("고객@한국.테스트", "고객")]


def test_legacy_comment_name_is_used() -> None:
    assert parse_addresses("kim@example.com (Kim Minsu)").addresses == [("Kim Minsu", "kim@example.com")]


def test_quoted_name_with_comma_is_one_mailbox() -> None:
    result = parse_addresses('"Kim, Minsu" <kim@example.com>, lee@example.com')
    assert result.addresses == [("Kim, Minsu", "kim@example.com"), ("", "lee@example.com")]
    assert not result.ambiguous


def test_lenient_lists_salvage_addresses_for_routing() -> None:
    result = parse_addresses("help@desk.example)<other@desk.example>, c@d.example", strict=False)
    assert [a for _, a in result.addresses] == ["help@desk.example", "other@desk.example", "c@d.example"]


def test_name_with_encoded_newline_stays_one_line() -> None:
    parsed = parse_mail(
        mail(
            "x",
            sender=f"{ew_b('Kim' + chr(13) + chr(10) + 'Bcc: x@evil.example', 'utf-8')} <kim@example.com>",
        )
    )
    assert "\n" not in parsed.from_[0].name and "\r" not in parsed.from_[0].name
    assert parsed.from_[0].email == "kim@example.com"


def test_huge_comment_run_is_linear() -> None:
    start = time.process_time()
    result = parse_addresses("(" * 200_000 + " <a@b.example>")
    assert time.process_time() - start < 1.0
    assert result.ambiguous
