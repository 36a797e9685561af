"""RELIABILITY 21 and 22: Korean labels decode with cp949; unknown or lying labels are guessed."""

from __future__ import annotations

import pytest

from dapjang.mail.charsets import codec_for, decode_8bit_header, decode_bytes
from dapjang.mail.parse import parse_mail
from tests.mail.mailgen import KO_CP949_ONLY, ew_b, ew_q, mail, multipart, part, qp, wrap

KOREAN_LABELS = [
    "euc-kr",
    "EUC-KR",
    "euc_kr",
    "ks_c_5601-1987",
    "ks_c_5601",
    "windows-949",
    "x-windows-949",
    "cp949",
    "uhc",
    "korean",
]
TEXT = f"안녕하세요 {KO_CP949_ONLY} 문의드립니다"


@pytest.mark.parametrize("label", KOREAN_LABELS)
def test_every_korean_label_maps_to_cp949(label: str) -> None:
    assert codec_for(label) == "cp949"


@pytest.mark.parametrize("label", KOREAN_LABELS)
def test_euc_kr_label_decodes_cp949_only_syllables_in_body(label: str) -> None:
    parsed = parse_mail(mail(TEXT.encode("cp949"), ctype=f"text/plain; charset={label}", cte="8bit"))
    assert parsed.text == TEXT
    assert "\ufffd" not in parsed.text
    assert parsed.charset_guessed is False


@pytest.mark.parametrize("label", ["euc-kr", "ks_c_5601-1987"])
def test_base64_body_with_korean_label_decodes(label: str) -> None:
    import base64

    body = base64.encodebytes(TEXT.encode("cp949"))
    parsed = parse_mail(mail(body, ctype=f"text/plain; charset={label}", cte="base64"))
    assert parsed.text.strip() == TEXT


def test_quoted_printable_soft_break_inside_a_multibyte_character() -> None:
    body = qp(TEXT.encode("cp949"), width=7)
    parsed = parse_mail(mail(body, ctype="text/plain; charset=euc-kr", cte="quoted-printable"))
    assert parsed.text == TEXT


@pytest.mark.parametrize("encoder", [ew_b, ew_q])
@pytest.mark.parametrize("label", ["euc-kr", "ks_c_5601-1987", "EUC-KR"])
def test_encoded_word_subject_with_cp949_bytes(encoder: object, label: str) -> None:
    word = encoder(TEXT.encode("cp949"), label)  # type: ignore[operator]
    parsed = parse_mail(mail("x", subject=word))
    assert parsed.subject == TEXT


def test_rfc2231_filename_in_ks_c_5601() -> None:
    name = f"견적서_{KO_CP949_ONLY}.pdf".encode("cp949")
    pct = "".join(f"%{c:02X}" for c in name)
    att = part(
        b"%PDF-1.4",
        "application/pdf",
        headers=[("Content-Disposition", f"attachment; filename*=ks_c_5601-1987''{pct}")],
    )
    parsed = parse_mail(wrap(multipart("mixed", [part("본문"), att])))
    assert [a.filename for a in parsed.attachments] == [f"견적서_{KO_CP949_ONLY}.pdf"]


def test_rfc2231_continuations_join_bytes_before_decoding() -> None:
    name = "한글파일이름.txt".encode("euc-kr")
    pct = "".join(f"%{c:02X}" for c in name)
    cut = 7  # inside the second character's %XX sequence boundary
    disp = f"attachment; filename*0*=euc-kr''{pct[: cut * 3]}; filename*1*={pct[cut * 3 :]}"
    att = part(b"data", "application/octet-stream", headers=[("Content-Disposition", disp)])
    parsed = parse_mail(wrap(multipart("mixed", [part("hi"), att])))
    assert parsed.attachments[0].filename == "한글파일이름.txt"


def test_iso_2022_kr_body() -> None:
    parsed = parse_mail(
        mail("안녕하세요 고객님".encode("iso2022_kr"), ctype="text/plain; charset=iso-2022-kr", cte="7bit")
    )
    assert parsed.text == "안녕하세요 고객님"


def test_raw_8bit_cp949_subject_and_display_name_without_charset() -> None:
    raw = mail(
        "x",
        subject=("제목 " + KO_CP949_ONLY).encode("cp949"),
        sender="김민수 <minsu@example.kr>".encode("cp949"),
    )
    parsed = parse_mail(raw)
    assert parsed.subject == "제목 " + KO_CP949_ONLY
    assert parsed.from_[0].name == "김민수"
    assert parsed.from_[0].email == "minsu@example.kr"
    assert parsed.charset_guessed is True


def test_raw_8bit_utf8_subject_is_read_as_utf8() -> None:
    parsed = parse_mail(mail("x", subject="배송 문의 ✓".encode()))
    assert parsed.subject == "배송 문의 ✓"


@pytest.mark.parametrize("label", ["unknown-8bit", "x-bogus", "default", "default_charset"])
def test_unknown_charset_is_guessed_not_fatal(label: str) -> None:
    parsed = parse_mail(mail(TEXT.encode("cp949"), ctype=f"text/plain; charset={label}", cte="8bit"))
    assert parsed.text == TEXT
    assert parsed.charset_guessed is True
    assert any("guessed" in d for d in parsed.defects)


def test_windows_949_is_a_known_korean_label_not_a_guess() -> None:
    parsed = parse_mail(mail(TEXT.encode("cp949"), ctype="text/plain; charset=windows-949", cte="8bit"))
    assert parsed.text == TEXT
    assert parsed.charset_guessed is False


def test_8bit_body_without_charset_is_guessed() -> None:
    parsed = parse_mail(mail(TEXT.encode("cp949"), ctype="text/plain", cte="8bit"))
    assert parsed.text == TEXT
    assert parsed.charset_guessed is True


def test_utf8_label_on_cp949_bytes_is_detected() -> None:
    parsed = parse_mail(mail(TEXT.encode("cp949"), ctype="text/plain; charset=utf-8", cte="8bit"))
    assert parsed.text == TEXT
    assert parsed.charset_guessed is True
    assert "\ufffd" not in parsed.text


def test_latin1_without_label_is_not_mistaken_for_korean() -> None:
    data = "Grüße aus Düsseldorf, wir möchten bestellen.".encode("latin-1")
    assert decode_bytes(data, None).text == "Grüße aus Düsseldorf, wir möchten bestellen."


def test_ascii_label_on_8bit_bytes_is_a_lie() -> None:
    decoded = decode_bytes(TEXT.encode("cp949"), "us-ascii")
    assert decoded.text == TEXT
    assert decoded.guessed


def test_decoding_never_raises_on_random_bytes() -> None:
    import random

    rng = random.Random(7)
    for _ in range(200):
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
        for label in (None, "utf-8", "euc-kr", "x-bogus", "utf-16", "base64"):
            assert isinstance(decode_bytes(data, label).text, str)
        assert isinstance(decode_8bit_header(data).text, str)


def test_transfer_codec_names_are_not_charsets() -> None:
    assert codec_for("base64") is None
    assert codec_for("rot13") is None
