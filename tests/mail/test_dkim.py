"""Outbound DKIM: our acks verify against the published key, tampering does not, keys never leak.

There is no DNS here: dkimpy's `dnsfunc` is given a stub that answers only for the exact name a
receiver would look up (RELIABILITY, harness notes), so a wrong d= or s= fails like a wrong key.
"""

from __future__ import annotations

import base64
import io
import logging
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dkim
import pytest
from django.core.management import CommandError, call_command

from dapjang.mail.dkim import (
    DkimConfigError,
    DkimKey,
    DkimSignError,
    dkim_dns_value,
    dkim_key_load,
    dkim_sign,
    dkim_zone_line,
    private_key_parse,
)
from dapjang.mail.render import AutomaticMail, automatic_mail_bytes
from tests.builders import build_mail

DnsFunc = Callable[..., bytes | None]


def _openssl(*args: str) -> bytes:
    return subprocess.run(["openssl", *args], check=True, capture_output=True).stdout


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Key files as an operator makes them with openssl: PKCS#8 and PKCS#1 RSA, PKCS#8 Ed25519."""
    folder = tmp_path_factory.mktemp("dkim-keys")
    made = {
        "rsa": ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        "rsa_pkcs1": ["genrsa", "-traditional", "2048"],
        "other_rsa": ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        "ed25519": ["genpkey", "-algorithm", "ed25519"],
        "small_rsa": ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:512"],
    }
    paths = {}
    for name, args in made.items():
        path = folder / f"{name}.pem"
        path.write_bytes(_openssl(*args))
        path.chmod(0o600)
        paths[name] = path
    return paths


def _key(path: Path, *, domain: str = "shop.example", selector: str = "s2026") -> DkimKey:
    private_key, algorithm = private_key_parse(path.read_bytes())
    return DkimKey(domain=domain, selector=selector, private_key=private_key, algorithm=algorithm)


def _dns(key: DkimKey, record: str | None = None) -> DnsFunc:
    """A resolver that knows one TXT record, at the name the signature points receivers to."""
    expected = f"{key.selector}._domainkey.{key.domain}.".encode()
    text = (record or dkim_dns_value(key)).encode()

    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        return text if name == expected else None

    return lookup


def _ack(**overrides: Any) -> bytes:
    """An acknowledgement exactly as the pipeline renders it: RFC 2047 Korean, base64 body, threading."""
    fields: dict[str, Any] = {
        "from_name": "답장 고객센터",
        "from_email": "help@shop.example",
        "to_email": "minsu@customer.example",
        "to_name": "김민수",
        "subject": "[2026-000123] 배송 문의 접수되었습니다",
        "body": "김민수 고객님, 문의가 접수되었습니다.\n접수 번호: 2026-000123\n\n답장 고객센터 드림",
        "message_id": "a1b2c3.0123456789abcdef.dj@shop.example",
        "in_reply_to": "m1.test@customer.example",
        "references": ("m0.test@customer.example", "m1.test@customer.example"),
        "language": "ko",
    }
    fields.update(overrides)
    return automatic_mail_bytes(AutomaticMail(**fields))


def _signature_tags(signed: bytes) -> dict[str, str]:
    header = re.match(rb"DKIM-Signature:(.*?)\r?\n(?![ \t])", signed, re.DOTALL)
    assert header, signed[:200]
    unfolded = re.sub(r"\s+", "", header.group(1).decode("ascii"))
    return dict(tag.split("=", 1) for tag in unfolded.split(";") if tag)


# --- signing and verifying -------------------------------------------------------------------------


def test_a_rendered_ack_is_signed_and_verifies_against_the_published_key(keys: dict[str, Path]) -> None:
    key = _key(keys["rsa"])
    ack = _ack()
    signed = dkim_sign(ack, key)

    assert signed.startswith(b"DKIM-Signature: ") and signed.endswith(ack)  # prepended; the mail untouched
    assert dkim.verify(signed, dnsfunc=_dns(key)) is True
    tags = _signature_tags(signed)
    assert (tags["d"], tags["s"], tags["a"], tags["c"]) == (
        "shop.example",
        "s2026",
        "rsa-sha256",
        "relaxed/relaxed",
    )
    signed_headers = tags["h"].split(":")
    for name in (
        "from",
        "to",
        "subject",
        "date",
        "message-id",
        "in-reply-to",
        "references",
        "mime-version",
        "content-type",
        "auto-submitted",
    ):
        assert name in signed_headers, name
    assert signed_headers.count("from") == 2  # over-signed: a second From cannot be added
    for name in ("received", "return-path", "x-dapjang-loop"):
        assert name not in signed_headers


def test_the_signature_only_verifies_with_our_key_at_our_selector(keys: dict[str, Path]) -> None:
    key = _key(keys["rsa"])
    signed = dkim_sign(_ack(), key)
    stranger = _key(keys["other_rsa"])

    assert dkim.verify(signed, dnsfunc=_dns(key, dkim_dns_value(stranger))) is False
    moved = DkimKey(key.domain, "other", key.private_key, key.algorithm)
    assert dkim.verify(signed, dnsfunc=_dns(moved)) is False  # published under another selector: no key found


def test_korean_subject_names_and_an_eight_bit_body_are_signed_as_sent(keys: dict[str, Path]) -> None:
    key = _key(keys["rsa"])
    raw_utf8 = (
        "From: =?utf-8?b?64u17J6lIOqzoOqwneyEvO2EsA==?= <help@shop.example>\r\n"
        "To: 고객 <민수@고객.한국>\r\n"  # RFC 6532: UTF-8 in the header itself, sent with SMTPUTF8
        "Subject: =?utf-8?b?67Cw7IahIOusuOydmA==?=\r\n"
        "Date: Mon, 23 Nov 2026 10:00:00 +0900\r\n"
        "Message-ID: <x1.dj@shop.example>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        "주문하신 상품은 내일 도착합니다.\r\n똠방각하 뷁\r\n"
    ).encode()
    for message in (_ack(subject="환불 요청 — 주문번호 12345 🙏", to_name="홍길동"), raw_utf8, build_mail()):
        signed = dkim_sign(message, key)
        assert dkim.verify(signed, dnsfunc=_dns(key)) is True, message[:120]


@pytest.mark.parametrize(
    ("change", "still_valid"),
    [
        (lambda m: m.replace("문의가 접수되었습니다".encode(), "환불해 드립니다".encode()), False),
        (lambda m: m.replace(b"\r\n\r\n", b"\r\n\r\nP.S. send your card number\r\n", 1), False),
        (lambda m: m + b"one more line\r\n", False),
        (lambda m: m.replace(b"Subject: ", b"Subject: Re: ", 1), False),
        # Clients show the first From/Subject, verifiers hash the last: over-signing makes any verifier
        # see the addition (dkimpy re-checks From on its own; others need the signature to say so).
        (lambda m: b"From: ceo@shop.example\r\n" + m, False),
        (lambda m: b"Subject: =?utf-8?b?7ZmY67aI?=\r\n" + m, False),
        (lambda m: m.replace(b"To: ", b"To: attacker@evil.example, ", 1), False),
        (lambda m: m.replace(b"Auto-Submitted: auto-replied", b"Auto-Submitted: no", 1), False),
        # What relays do must not break it: a trace header on top, refolded headers, trailing space.
        (lambda m: b"Received: from dapjang by mx.shop.example; Mon, 23 Nov 2026\r\n" + m, True),
        (lambda m: m.replace(b"Content-Type: ", b"Content-Type:\r\n\t ", 1), True),
        (lambda m: m + b"\r\n\r\n", True),
        (lambda m: m.replace("감사합니다.".encode(), "감사합니다.  \t".encode()), True),
    ],
    ids=[
        "body-text",
        "body-prepended",
        "body-appended",
        "subject",
        "second-from-on-top",
        "second-subject-on-top",
        "added-recipient",
        "auto-submitted",
        "relay-received",
        "refolded-header",
        "trailing-blank-lines",
        "trailing-spaces",
    ],
)
def test_changes_after_signing(
    keys: dict[str, Path], change: Callable[[bytes], bytes], still_valid: bool
) -> None:
    key = _key(keys["rsa"])
    # The same ack with an 8-bit body, so a change to the text is a change to the signed bytes.
    head = _ack().split(b"\r\n\r\n", 1)[0].replace(b"Transfer-Encoding: base64", b"Transfer-Encoding: 8bit")
    ack = head + b"\r\n\r\n" + "문의가 접수되었습니다.\r\n감사합니다.\r\n".encode()
    signed = dkim_sign(ack, key)
    assert dkim.verify(signed, dnsfunc=_dns(key)) is True
    changed = change(signed)
    assert changed != signed
    assert dkim.verify(changed, dnsfunc=_dns(key)) is still_valid


def test_a_message_with_bare_lf_line_ends_is_signed_too(keys: dict[str, Path]) -> None:
    key = _key(keys["rsa"])
    message = _ack().replace(b"\r\n", b"\n")
    signed = dkim_sign(message, key)
    assert b"\r" not in signed  # the signature is folded with the message's own line ends
    assert dkim.verify(signed, dnsfunc=_dns(key)) is True


def test_a_mail_without_from_is_refused_not_signed(keys: dict[str, Path]) -> None:
    key = _key(keys["rsa"])
    with pytest.raises(DkimSignError, match="From"):
        dkim_sign(b"To: a@b.example\r\nSubject: x\r\n\r\nbody\r\n", key)


def test_ed25519_keys_sign_and_verify(keys: dict[str, Path]) -> None:
    key = _key(keys["ed25519"])
    assert key.algorithm == "ed25519-sha256"
    signed = dkim_sign(_ack(), key)
    assert _signature_tags(signed)["a"] == "ed25519-sha256"
    assert dkim.verify(signed, dnsfunc=_dns(key)) is True
    forged = signed.replace(b"<a1b2c3.", b"<a1b2c4.")
    assert forged != signed and dkim.verify(forged, dnsfunc=_dns(key)) is False
    # The public key we publish is the one openssl derives from the same private key.
    der = base64.b64decode(
        b"".join(_openssl("pkey", "-in", str(keys["ed25519"]), "-pubout").splitlines()[1:-1])
    )
    assert dkim_dns_value(key) == f"v=DKIM1; k=ed25519; p={base64.b64encode(der[-32:]).decode()}"


def test_dkimpys_own_ed25519_seed_format_is_accepted(keys: dict[str, Path]) -> None:
    """dkimpy's `dknewkey --ktype ed25519` writes the bare base64 seed, not PEM."""
    pem_key = _key(keys["ed25519"])
    seed_key = DkimKey("shop.example", "s2026", *private_key_parse(pem_key.private_key + b"\n"))
    assert seed_key.algorithm == "ed25519-sha256"
    assert dkim_dns_value(seed_key) == dkim_dns_value(pem_key)


def test_the_rsa_public_key_we_publish_is_the_one_openssl_derives(keys: dict[str, Path]) -> None:
    for name in ("rsa", "rsa_pkcs1"):
        key = _key(keys[name])
        spki = b"".join(_openssl("pkey", "-in", str(keys[name]), "-pubout").splitlines()[1:-1]).decode()
        assert dkim_dns_value(key) == f"v=DKIM1; k=rsa; p={spki}"
        assert dkim.verify(dkim_sign(_ack(), key), dnsfunc=_dns(key)) is True


# --- loading from the settings ---------------------------------------------------------------------


def test_no_key_file_means_no_signing(settings: Any) -> None:
    settings.DAPJANG_DKIM_KEY_FILE = ""
    assert dkim_key_load() is None
    del settings.DAPJANG_DKIM_KEY_FILE  # before the setting exists at all
    assert dkim_key_load() is None


def test_the_key_loads_with_default_selector_and_mail_domain(settings: Any, keys: dict[str, Path]) -> None:
    settings.DAPJANG_DKIM_KEY_FILE = str(keys["rsa"])
    settings.DAPJANG_MAIL_DOMAIN = "Shop.Example"
    for name in ("DAPJANG_DKIM_SELECTOR", "DAPJANG_DKIM_DOMAIN"):
        if hasattr(settings, name):
            delattr(settings, name)
    key = dkim_key_load()
    assert key is not None
    assert (key.domain, key.selector, key.algorithm) == ("shop.example", "dapjang", "rsa-sha256")
    assert dkim.verify(dkim_sign(_ack(), key), dnsfunc=_dns(key)) is True

    settings.DAPJANG_DKIM_SELECTOR = "mail2026"
    settings.DAPJANG_DKIM_DOMAIN = "답장.한국"
    key = dkim_key_load()
    assert key is not None
    assert key.selector == "mail2026"
    assert key.domain.isascii() and key.domain.encode().decode("idna") == "답장.한국"  # IDNs as DNS has them


def test_the_key_never_shows_in_repr(keys: dict[str, Path]) -> None:
    key = _key(keys["rsa"])
    assert "PRIVATE" not in repr(key) and base64.b64encode(key.private_key)[:20].decode() not in repr(key)
    assert "s2026" in repr(key)


def test_a_crlf_pem_file_loads(settings: Any, keys: dict[str, Path], tmp_path: Path) -> None:
    path = tmp_path / "crlf.pem"
    path.write_bytes(keys["rsa"].read_bytes().replace(b"\n", b"\r\n"))
    path.chmod(0o600)
    settings.DAPJANG_DKIM_KEY_FILE = str(path)
    key = dkim_key_load()
    assert key is not None
    assert dkim.verify(dkim_sign(_ack(), key), dnsfunc=_dns(key)) is True


def _secret_fragments(path: Path) -> list[str]:
    """Every 16-character run of the file's base64 lines: none may appear in an error message."""
    lines = [line for line in path.read_text(errors="replace").splitlines() if line and "-----" not in line]
    return [line[i : i + 16] for line in lines for i in range(0, max(1, len(line) - 15), 8)]


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda keys, tmp: tmp / "missing.pem", "cannot read"),
        (lambda keys, tmp: tmp, "cannot read|not a key file"),
        (lambda keys, tmp: _write(tmp / "junk.pem", b"hello, this is not a key\n"), "not a PEM private key"),
        (
            lambda keys, tmp: _write(tmp / "pub.pem", _openssl("pkey", "-in", str(keys["rsa"]), "-pubout")),
            "PUBLIC KEY, not a private key",
        ),
        (
            lambda keys, tmp: _write(
                tmp / "enc.pem",
                _openssl("pkey", "-in", str(keys["rsa"]), "-aes256", "-passout", "pass:secret"),
            ),
            "encrypted",
        ),
        (
            lambda keys, tmp: _write(tmp / "cut.pem", _truncated(keys["rsa"].read_bytes())),
            "not an RSA private key",
        ),
        (lambda keys, tmp: keys["small_rsa"], "512 bits"),
        (
            lambda keys, tmp: _write(tmp / "ec.pem", _openssl("ecparam", "-genkey", "-name", "prime256v1")),
            "EC PRIVATE KEY is not supported",
        ),
    ],
    ids=["missing", "a-folder", "junk", "public-key", "encrypted", "truncated", "too-small", "ec"],
)
def test_an_unusable_key_file_is_a_clear_error_without_key_material(
    settings: Any,
    keys: dict[str, Path],
    tmp_path: Path,
    make: Callable[[dict[str, Path], Path], Path],
    reason: str,
) -> None:
    path = make(keys, tmp_path)
    settings.DAPJANG_DKIM_KEY_FILE = str(path)
    with pytest.raises(DkimConfigError) as caught:
        dkim_key_load()
    message = str(caught.value)
    assert "DAPJANG_DKIM_KEY_FILE" in message and str(path) in message
    assert re.search(reason, message), message
    assert re.search("[가-힣]", message), "the message is in Korean as well"
    if path.is_file():
        leaked = [fragment for fragment in _secret_fragments(path) if fragment in message]
        assert not leaked, leaked


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _truncated(pem: bytes) -> bytes:
    lines = pem.splitlines()
    return b"\n".join([*lines[:6], lines[-1]]) + b"\n"


def test_a_key_file_others_can_read_is_used_with_a_warning(
    settings: Any, keys: dict[str, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _write(tmp_path / "open.pem", keys["rsa"].read_bytes())
    path.chmod(0o644)
    settings.DAPJANG_DKIM_KEY_FILE = str(path)
    with caplog.at_level(logging.WARNING, logger="dapjang.mail.dkim"):
        assert dkim_key_load() is not None
    assert "readable by other users" in caplog.text

    caplog.clear()
    path.chmod(0o600)
    with caplog.at_level(logging.WARNING, logger="dapjang.mail.dkim"):
        assert dkim_key_load() is not None
    assert caplog.text == ""


def test_a_bad_selector_is_refused(settings: Any, keys: dict[str, Path]) -> None:
    settings.DAPJANG_DKIM_KEY_FILE = str(keys["rsa"])
    settings.DAPJANG_DKIM_SELECTOR = "bad selector; k=rsa"
    with pytest.raises(DkimConfigError, match="DAPJANG_DKIM_SELECTOR"):
        dkim_key_load()


# --- dapjang dkim keygen / record ------------------------------------------------------------------


def _keygen(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("dkim", "keygen", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _record_from_zone_line(line: str) -> tuple[str, str]:
    """(name, TXT text) the way a DNS server reads the line: the quoted strings joined."""
    match = re.fullmatch(r'(\S+)\. IN TXT ((?:"[^"]*" ?)+)', line.strip())
    assert match, line
    strings = re.findall(r'"([^"]*)"', match.group(2))
    assert all(len(s) <= 255 for s in strings)  # the most one TXT string can hold
    return match.group(1), "".join(strings)


def test_keygen_writes_a_private_key_only_we_can_read_and_prints_a_record_that_verifies(
    settings: Any, tmp_path: Path
) -> None:
    path = tmp_path / "keys" / "new.pem"
    old_umask = os.umask(0)  # even a careless umask must not make the key readable by others
    try:
        out, err = _keygen("--selector", "s2026", "--domain", "shop.example", "--out", str(path))
    finally:
        os.umask(old_umask)
    assert path.stat().st_mode & 0o777 == 0o600
    assert b"PRIVATE KEY" in path.read_bytes() and str(path) in err

    name, text = _record_from_zone_line(out)
    assert name == "s2026._domainkey.shop.example"
    assert text.startswith("v=DKIM1; k=rsa; p=")
    assert "PRIVATE" not in out

    settings.DAPJANG_DKIM_KEY_FILE = str(path)
    settings.DAPJANG_DKIM_SELECTOR = "s2026"
    settings.DAPJANG_DKIM_DOMAIN = "shop.example"
    key = dkim_key_load()
    assert key is not None
    assert b"Private-Key: (2048 bit" in _openssl("pkey", "-in", str(path), "-noout", "-text")

    def dns(qname: bytes, timeout: int = 5) -> bytes | None:
        return text.encode() if qname == f"{name}.".encode() else None

    assert dkim.verify(dkim_sign(_ack(), key), dnsfunc=dns) is True

    record = io.StringIO()
    call_command("dkim", "record", stdout=record)
    assert record.getvalue() == out  # the configured key's record, for when the first was lost


def test_keygen_never_replaces_an_existing_key(tmp_path: Path) -> None:
    path = _write(tmp_path / "existing.pem", b"the key that is already published\n")
    with pytest.raises(CommandError, match="already exists"):
        _keygen("--out", str(path))
    assert path.read_bytes() == b"the key that is already published\n"


def test_keygen_defaults_to_the_configured_names_and_can_make_ed25519(settings: Any, tmp_path: Path) -> None:
    path = tmp_path / "ed.pem"
    settings.DAPJANG_DKIM_KEY_FILE = str(path)
    settings.DAPJANG_DKIM_SELECTOR = "ed2026"
    settings.DAPJANG_DKIM_DOMAIN = "shop.example"
    out, _ = _keygen("--algorithm", "ed25519")
    assert path.stat().st_mode & 0o777 == 0o600
    name, text = _record_from_zone_line(out)
    assert name == "ed2026._domainkey.shop.example" and text.startswith("v=DKIM1; k=ed25519; p=")
    key = dkim_key_load()
    assert key is not None and key.algorithm == "ed25519-sha256"
    assert b"ED25519" in _openssl("pkey", "-in", str(path), "-noout", "-text").upper()  # openssl reads it too

    def dns(qname: bytes, timeout: int = 5) -> bytes | None:
        return text.encode() if qname == f"{name}.".encode() else None

    assert dkim.verify(dkim_sign(_ack(), key), dnsfunc=dns) is True


def test_record_without_a_configured_key_says_so(settings: Any) -> None:
    settings.DAPJANG_DKIM_KEY_FILE = ""
    with pytest.raises(CommandError, match="DAPJANG_DKIM_KEY_FILE"):
        call_command("dkim", "record", stdout=io.StringIO())


def test_the_zone_line_splits_long_records_into_dns_strings(keys: dict[str, Path]) -> None:
    line = dkim_zone_line(_key(keys["rsa"]))
    name, text = _record_from_zone_line(line)
    assert len(text) > 255 and line.count('" "') >= 1
    assert name == "s2026._domainkey.shop.example"
