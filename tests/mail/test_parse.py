"""parse_mail: RELIABILITY 23 (RFC 2047), 24 (malformed MIME), 25 (structural DoS), 27, bodies, headers."""

from __future__ import annotations

import base64
import gzip
import time
import zipfile
from io import BytesIO

import pytest

from dapjang.mail.parse import MAX_DEPTH, MAX_PARTS, parse_mail
from tests.mail.mailgen import (
    deep_nesting,
    ew_b,
    ew_q,
    mail,
    many_headers,
    many_parts,
    multipart,
    part,
    quadratic_headers,
    wrap,
)

CPU_BUDGET = 5.0


def _timed(raw: bytes) -> tuple[float, object]:
    start = time.process_time()
    parsed = parse_mail(raw)
    return time.process_time() - start, parsed


# --- RFC 2047 (RELIABILITY 23) ---------------------------------------------------------------


@pytest.mark.parametrize("encoder", [ew_b, ew_q])
def test_encoded_crlf_in_subject_never_reaches_a_header_value(encoder: object) -> None:
    word = encoder("Hello\r\nBcc: victim@example.com\n\rX", "utf-8")  # type: ignore[operator]
    parsed = parse_mail(mail("x", subject=word, headers=[("X-Custom", word)]))
    assert parsed.subject == "Hello Bcc: victim@example.com X"
    for value in [parsed.subject, *parsed.headers.values()]:
        assert "\r" not in value and "\n" not in value


def test_multibyte_character_split_across_two_encoded_words() -> None:
    data = "한국어".encode()
    subject = f"{ew_b(data[:4], 'utf-8')} {ew_b(data[4:], 'utf-8')}"
    assert parse_mail(mail("x", subject=subject)).subject == "한국어"


def test_mixed_charset_words_and_plain_text() -> None:
    subject = f"Re: {ew_b('주문', 'euc-kr')} {ew_q('Straße', 'iso-8859-1')} [#12]"
    assert parse_mail(mail("x", subject=subject)).subject == "Re: 주문Straße [#12]"


def test_over_long_encoded_word_is_decoded() -> None:
    text = "가" * 500
    assert parse_mail(mail("x", subject=ew_b(text, "utf-8"))).subject == text


def test_broken_encoded_word_is_kept_and_does_not_raise() -> None:
    parsed = parse_mail(mail("x", subject="=?utf-8?B?###?= =?x-bogus?Q?a=ZZ?= =?utf-8?q?unterminated"))
    assert parsed.subject.endswith("unterminated")


def test_header_values_are_capped_and_one_line() -> None:
    parsed = parse_mail(mail("x", headers=[("X-Long", "a" * 10_000)]))
    assert len(parsed.headers["x-long"]) == 2000


# --- malformed MIME (RELIABILITY 24) ------------------------------------------------------------


def test_missing_final_boundary_keeps_the_text() -> None:
    raw = wrap(multipart("mixed", [part("first"), part("second")], close=False))
    parsed = parse_mail(raw)
    assert "first" in parsed.text and "second" in parsed.text
    assert "CloseBoundaryNotFoundDefect" in parsed.defects


def test_boundary_that_never_occurs() -> None:
    raw = wrap(b'Content-Type: multipart/mixed; boundary="nope"\r\n\r\njust text\r\n')
    parsed = parse_mail(raw)
    assert "StartBoundaryNotFoundDefect" in parsed.defects


def test_no_content_type_is_plain_text() -> None:
    parsed = parse_mail(mail("plain words", ctype=""))
    assert parsed.text == "plain words"
    assert parsed.content_type == "text/plain"


def test_broken_base64_body_is_recovered_with_a_defect() -> None:
    body = base64.b64encode("주문 번호 123".encode()).decode()[:-3] + "!!"
    parsed = parse_mail(mail(body, cte="base64"))
    assert parsed.text.startswith("주문")
    assert any("base64" in d for d in parsed.defects)


def test_broken_quoted_printable_does_not_raise() -> None:
    parsed = parse_mail(mail("abc=ZZ=\r\n=4", cte="quoted-printable"))
    assert parsed.text.startswith("abc")


def test_unknown_transfer_encoding_keeps_bytes_and_records_defect() -> None:
    parsed = parse_mail(mail("hello", cte="x-weird"))
    assert parsed.text == "hello"
    assert "unknown Content-Transfer-Encoding x-weird" in parsed.defects


def test_duplicate_from_and_subject_headers() -> None:
    parsed = parse_mail(mail("x", headers=[("Subject", "second"), ("From", "b@example.com")]))
    assert parsed.subject == "Question"
    assert "duplicate subject header" in parsed.defects and "duplicate from header" in parsed.defects


def test_ten_thousand_character_header_line() -> None:
    parsed = parse_mail(mail("x", subject="s" * 10_000))
    assert parsed.subject == "s" * 2000


def test_bare_lf_crlf_mix_nul_and_998_character_lines() -> None:
    body = b"line one\nline two\r\nnul\x00byte\r\n" + b"z" * 998 + b"\n"
    parsed = parse_mail(mail(body, eol=b"\n"))
    assert parsed.text.startswith("line one\nline two\nnulbyte\n")
    assert "\x00" not in parsed.text and "\r" not in parsed.text


def test_missing_header_body_separator() -> None:
    parsed = parse_mail(b"From: a@example.com\r\nSubject: x\r\nthis is not a header\r\n\r\nbody")
    assert "MissingHeaderBodySeparatorDefect" in parsed.defects


@pytest.mark.parametrize("raw", [b"", b"\x00" * 100, b"\r\n\r\n", b"From:\r\n\r\n", bytes(range(256)) * 20])
def test_garbage_never_raises(raw: bytes) -> None:
    assert parse_mail(raw).defects is not None


# --- structural denial of service (RELIABILITY 25) ---------------------------------------------


def test_nesting_3000_deep_is_bounded() -> None:
    raw = deep_nesting(3000)
    assert 100_000 < len(raw) < 300_000
    seconds, parsed = _timed(raw)
    assert seconds < CPU_BUDGET
    assert f"depth limit {MAX_DEPTH} exceeded" in parsed.defects  # type: ignore[attr-defined]


def test_nesting_just_beyond_the_limit_is_cut_at_the_limit() -> None:
    parsed = parse_mail(deep_nesting(MAX_DEPTH + 5))
    assert f"depth limit {MAX_DEPTH} exceeded" in parsed.defects
    assert "innermost" not in parsed.text


def test_nesting_within_the_limit_is_read() -> None:
    assert parse_mail(deep_nesting(MAX_DEPTH - 2)).text == "innermost"


def test_twenty_thousand_parts_stop_at_the_part_limit() -> None:
    seconds, parsed = _timed(many_parts(20_000))
    assert seconds < CPU_BUDGET
    assert f"part limit {MAX_PARTS} exceeded" in parsed.defects  # type: ignore[attr-defined]
    assert "part 0" in parsed.text and "part 5000" not in parsed.text  # type: ignore[attr-defined]


def test_fifty_thousand_header_lines() -> None:
    seconds, parsed = _timed(many_headers(50_000))
    assert seconds < CPU_BUDGET
    assert parsed.subject == "many headers"  # type: ignore[attr-defined]


def test_quadratic_header_shapes_from_cpython_136063() -> None:
    seconds, parsed = _timed(quadratic_headers())
    assert seconds < CPU_BUDGET
    assert "\n" not in parsed.subject  # type: ignore[attr-defined]


# --- bodies -------------------------------------------------------------------------------------


def test_alternative_prefers_plain_and_keeps_sanitised_html() -> None:
    html = (
        '<p onclick="x()">Hi <script>alert(1)</script>'
        '<a href="javascript:evil()">x</a><img src="cid:logo"></p>'
    )
    raw = wrap(multipart("alternative", [part("plain words"), part(html, "text/html; charset=utf-8")]))
    parsed = parse_mail(raw)
    assert parsed.text == "plain words"
    assert "script" not in parsed.html and "onclick" not in parsed.html and "javascript" not in parsed.html
    assert 'src="cid:logo"' in parsed.html


def test_html_only_mail_is_rendered_as_readable_text() -> None:
    html = "<p>Hello <a href='https://shop.example/o/1'>order</a></p><ul><li>one</li><li>two</li></ul>"
    parsed = parse_mail(mail(html, ctype="text/html; charset=utf-8"))
    assert "[order](https://shop.example/o/1)" in parsed.text
    assert "* one" in parsed.text and "<" not in parsed.text


def test_mixed_with_several_inline_text_parts_concatenates_them() -> None:
    raw = wrap(multipart("mixed", [part("first"), part(b"\x89PNG", "image/png"), part("second")]))
    assert parse_mail(raw).text == "first\n\nsecond"


def test_text_attachment_with_filename_is_not_body() -> None:
    att = part("a,b\n1,2", "text/csv", headers=[("Content-Disposition", 'attachment; filename="data.csv"')])
    txt = part("log", "text/plain", headers=[("Content-Disposition", 'attachment; filename="log.txt"')])
    parsed = parse_mail(wrap(multipart("mixed", [part("body"), att, txt])))
    assert parsed.text == "body"
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        ("data.csv", "text/csv"),
        ("log.txt", "text/plain"),
    ]


def test_inline_image_carries_content_id() -> None:
    img = part(
        base64.b64encode(b"\x89PNGdata"), "image/png", cte="base64", headers=[("Content-ID", "<logo@x>")]
    )
    related = multipart("related", [part("<img src='cid:logo@x'>", "text/html"), img], "rel")
    parsed = parse_mail(wrap(related))
    (att,) = parsed.attachments
    assert (att.content_id, att.inline, att.payload) == ("logo@x", True, b"\x89PNGdata")


def test_attachment_names_lose_paths_and_control_characters() -> None:
    disp = "attachment; filename*=utf-8''..%5C..%5Cevil%0D%0A%00name.exe"
    exe = part(b"MZ", "Application/X-Msdownload", headers=[("Content-Disposition", disp)])
    parsed = parse_mail(wrap(multipart("mixed", [part("b"), exe])))
    assert parsed.attachments[0].filename == "evil name.exe"  # CR LF become one space, NUL goes
    assert parsed.attachments[0].content_type == "application/x-msdownload"


def test_encoded_word_filename() -> None:
    att = part(b"x", f'application/pdf; name="{ew_b("견적서.pdf", "euc-kr")}"')
    assert parse_mail(wrap(multipart("mixed", [part("b"), att]))).attachments[0].filename == "견적서.pdf"


def test_archives_stay_opaque_bytes() -> None:
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("big.txt", b"0" * 5_000_000)
    bomb = gzip.compress(b"\0" * 5_000_000)
    zpart = part(
        base64.encodebytes(buf.getvalue()),
        "application/zip",
        cte="base64",
        headers=[("Content-Disposition", "attachment; filename=a.zip")],
    )
    gpart = part(
        base64.encodebytes(bomb),
        "application/gzip",
        cte="base64",
        headers=[("Content-Disposition", "attachment; filename=b.gz")],
    )
    parsed = parse_mail(wrap(multipart("mixed", [part("b"), zpart, gpart])))
    assert [a.payload for a in parsed.attachments] == [buf.getvalue(), bomb]


def test_pathological_html_is_bounded() -> None:
    shapes = [
        "<div>" * 10_000 + "deep text" + "</div>" * 10_000,
        "<p>" + "word " * 1_000_000 + "</p>",
        '<img src="data:image/png;base64,' + "A" * 20_000_000 + '"><p>after image</p>',
        "".join(f'<a href="https://x.example/{i}">link {i}</a><br>' for i in range(5000)),
    ]
    for html in shapes:
        seconds, parsed = _timed(mail(html, ctype="text/html; charset=utf-8"))
        assert seconds < CPU_BUDGET
        assert parsed.text  # type: ignore[attr-defined]
    assert "html too large to display" in parsed_defects(shapes[2])


def parsed_defects(html: str) -> list[str]:
    parsed = parse_mail(mail(html, ctype="text/html; charset=utf-8"))
    assert parsed.html == "" and "after image" in parsed.text
    return parsed.defects


# --- headers --------------------------------------------------------------------------------------


def test_ids_are_normalised() -> None:
    raw = mail("x", headers=[("In-Reply-To", "<a@x>"), ("References", "<r1@x>\r\n <r2@x> <a@x>")])
    parsed = parse_mail(raw)
    assert (parsed.message_id, parsed.in_reply_to, parsed.references) == (
        "m1@example.com",
        ["a@x"],
        ["r1@x", "r2@x", "a@x"],
    )


def test_null_return_path_and_loop_headers() -> None:
    raw = mail(
        "x",
        headers=[
            ("Return-Path", "<>"),
            ("Auto-Submitted", "auto-replied"),
            ("Delivered-To", "Help@Desk.Example"),
        ],
    )
    parsed = parse_mail(raw)
    assert parsed.return_path == ""
    assert parsed.headers["auto-submitted"] == "auto-replied"
    assert parsed.delivered_to == ["Help@desk.example"]


def test_return_path_absent_is_none() -> None:
    assert parse_mail(mail("x")).return_path is None


def test_date_is_timezone_aware() -> None:
    date = parse_mail(mail("x")).date
    assert date is not None and date.utcoffset() is not None


def test_language_from_subject_and_new_text() -> None:
    assert parse_mail(mail("배송이 아직 안 왔어요", subject="문의")).language == "ko"
    assert parse_mail(mail("Where is my parcel?")).language == "en"


def test_eight_bit_bytes_in_a_message_id_never_reach_the_database_as_surrogates() -> None:
    raw = b"From: a@b.example\r\nMessage-ID: <\xed\x97\xa4\xeb\x8d\x94\xff@b.example>\r\nSubject: x\r\n\r\nbody\r\n"
    mail = parse_mail(raw)
    mail.message_id.encode("utf-8")  # raises on a surrogate
    assert mail.message_id == "헤더\ufffd@b.example"
