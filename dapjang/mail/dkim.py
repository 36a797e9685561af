"""DKIM signatures on the mail we send, so receivers that check DMARC trust our acks and answers.

Without a signature, a mail in the company's name from a help desk is what a phishing mail looks
like to Gmail or Naver: it lands in spam or is refused. The key is read from a file the operator
controls (DAPJANG_DKIM_KEY_FILE); its contents never reach an error message, a log or a repr, so a
traceback or an agent's screen cannot leak it (RELIABILITY 36). Signing is dkimpy's; this module only
decides what is signed and how the key is accepted.
"""

from __future__ import annotations

import base64
import binascii
import importlib.util
import logging
import os
import re
import stat
from dataclasses import dataclass, field
from typing import Literal

import dkim
import dkim.crypto
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger("dapjang.mail.dkim")

Algorithm = Literal["rsa-sha256", "ed25519-sha256"]

DEFAULT_SELECTOR = "dapjang"
MIN_RSA_BITS = 1024  # receivers (and dkimpy's verifier) treat shorter keys as no signature at all
MAX_KEY_FILE_BYTES = 64 * 1024  # a 16384-bit RSA key is ~13 KB; anything larger is not a key file

# The headers a reader trusts or a client threads on. Each is signed once more than it occurs, so
# nobody can add a second From or Subject (or an In-Reply-To we never sent) without breaking the
# signature; trace headers a relay adds (Received, Return-Path) stay unsigned, so relaying keeps it.
SIGNED_HEADERS = (
    "from",
    "reply-to",
    "to",
    "cc",
    "subject",
    "date",
    "message-id",
    "in-reply-to",
    "references",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "auto-submitted",
)

# RFC 8410 PKCS#8 for Ed25519: version 0 (or 1 with the public key after), the id-Ed25519 OID, and
# the 32-byte seed wrapped in an OCTET STRING inside the privateKey OCTET STRING.
_ED25519_ALGORITHM = bytes.fromhex("300506032b6570")
_ED25519_SEED = bytes.fromhex("04220420")
_RSA_ALGORITHM = bytes.fromhex("300d06092a864886f70d0101010500")  # rsaEncryption, NULL parameters
_DNS_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)


class DkimConfigError(ImproperlyConfigured):
    """The DKIM settings point at something we cannot sign with; the message names the file, never its bytes."""


class DkimSignError(Exception):
    """A message could not be signed; the caller decides whether to send it unsigned or retry."""


@dataclass(frozen=True)
class DkimKey:
    """A signing identity: d= and s= of the signature, and the key in the form dkimpy takes.

    `private_key` is PEM for RSA and the base64 seed for Ed25519; it is left out of repr so a key in
    a traceback or a debug log shows as a name, not as its secret.
    """

    domain: str
    selector: str
    private_key: bytes = field(repr=False)
    algorithm: Algorithm = "rsa-sha256"


def _error(en: str, ko: str) -> DkimConfigError:
    return DkimConfigError(f"{en} / {ko}")


def dkim_dns_label(value: str, setting: str) -> str:
    """A selector or domain as it will appear in DNS: ASCII, lower case, IDNs in punycode."""
    name = value.strip().rstrip(".").lower()
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError:
        raise _error(
            f"{setting}: {value!r} is not a valid DNS name", f"{setting}: DNS 이름으로 쓸 수 없습니다"
        ) from None
    if not name or not all(_DNS_LABEL.match(label) for label in name.split(".")):
        raise _error(
            f"{setting}: {value!r} is not a valid DNS name", f"{setting}: DNS 이름으로 쓸 수 없습니다"
        )
    return name


def _der_length(der: bytes, at: int) -> tuple[int, int]:
    """(length, offset of the contents) of the DER element whose length octets start at `at`."""
    first = der[at]
    if first < 0x80:
        return first, at + 1
    count = first & 0x7F
    if not 0 < count <= 4 or at + 1 + count > len(der):
        raise ValueError("bad DER length")
    return int.from_bytes(der[at + 1 : at + 1 + count], "big"), at + 1 + count


def _ed25519_seed(der: bytes) -> bytes | None:
    """The 32-byte seed of a PKCS#8 Ed25519 key, or None when the DER holds some other key."""
    if len(der) < 48 or der[0] != 0x30:
        return None
    try:
        _, at = _der_length(der, 1)
    except (ValueError, IndexError):
        return None
    if der[at : at + 2] != b"\x02\x01" or der[at + 2] not in (0, 1):
        return None
    at += 3
    if der[at : at + len(_ED25519_ALGORITHM)] != _ED25519_ALGORITHM:
        return None
    at += len(_ED25519_ALGORITHM)
    if der[at : at + len(_ED25519_SEED)] != _ED25519_SEED:
        return None
    seed = der[at + len(_ED25519_SEED) : at + len(_ED25519_SEED) + 32]
    return seed if len(seed) == 32 else None


def _rsa_bits(der: bytes) -> int:
    """Modulus size of a PKCS#1 or PKCS#8 RSA private key; ValueError when it is not one."""
    try:
        parsed = dkim.crypto.parse_private_key(der)
    except Exception:  # noqa: BLE001 - dkimpy's ASN.1 parser raises several types on bad input
        raise ValueError("not an RSA private key") from None
    return int(parsed["modulus"]).bit_length()


def private_key_parse(data: bytes) -> tuple[bytes, Algorithm]:
    """Key-file bytes → (what dkimpy signs with, algorithm); ValueError with a reason, never the bytes.

    Accepts PEM RSA (PKCS#1 or PKCS#8) and PEM Ed25519 (PKCS#8, as `openssl genpkey` writes), plus the
    bare base64 Ed25519 seed that dkimpy's own `dknewkey` writes.
    """
    text = data.replace(b"\r\n", b"\n").strip()
    blocks = _PEM_BLOCK.findall(text)
    if not blocks:
        try:
            seed = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            seed = b""
        if len(seed) == 32:
            return _ed25519_checked(base64.b64encode(seed))
        raise ValueError("not a PEM private key")
    kinds = [kind.decode("ascii") for kind, _ in blocks]
    private = [(kind, body) for kind, body in blocks if kind.endswith(b"PRIVATE KEY")]
    if not private:
        raise ValueError(f"holds {', '.join(kinds)}, not a private key")
    kind, body = private[0]
    if kind == b"ENCRYPTED PRIVATE KEY" or b"Proc-Type:" in body:
        raise ValueError(
            "the key is encrypted; a server cannot type its passphrase (openssl pkey -in KEY -out PLAIN)"
        )
    if kind not in (b"PRIVATE KEY", b"RSA PRIVATE KEY"):
        raise ValueError(f"{kind.decode('ascii')} is not supported; use RSA or Ed25519")
    try:
        der = base64.b64decode(body, validate=False)
    except (binascii.Error, ValueError):
        raise ValueError("the PEM body is not base64") from None
    ed25519 = _ed25519_seed(der) if kind == b"PRIVATE KEY" else None
    if ed25519 is not None:
        return _ed25519_checked(base64.b64encode(ed25519))
    bits = _rsa_bits(der)
    if bits < MIN_RSA_BITS:
        raise ValueError(f"the RSA key has {bits} bits; receivers ignore DKIM keys under {MIN_RSA_BITS}")
    # One canonical PEM: dkimpy finds the body by "--\n…\n--", which CRLF files or extra blocks defeat.
    pem = b"-----BEGIN %s-----\n%s-----END %s-----\n" % (kind, base64.encodebytes(der), kind)
    return pem, "rsa-sha256"


def _ed25519_checked(seed_b64: bytes) -> tuple[bytes, Algorithm]:
    if importlib.util.find_spec("nacl") is None:
        raise ValueError("Ed25519 keys need PyNaCl (pip install 'dkimpy[ed25519]')")
    return seed_b64, "ed25519-sha256"


def dkim_key_load() -> DkimKey | None:
    """The configured signing key, or None when DKIM is not set up (mail then goes out unsigned).

    Raises DkimConfigError when a key file is named but cannot be used: a typo in the path must stop
    the sender at start-up, not silently send every mail unsigned.
    """
    path = str(getattr(settings, "DAPJANG_DKIM_KEY_FILE", "") or "").strip()
    if not path:
        return None
    selector = dkim_dns_label(
        str(getattr(settings, "DAPJANG_DKIM_SELECTOR", "") or DEFAULT_SELECTOR), "DAPJANG_DKIM_SELECTOR"
    )
    domain = dkim_dns_label(
        str(getattr(settings, "DAPJANG_DKIM_DOMAIN", "") or settings.DAPJANG_MAIL_DOMAIN),
        "DAPJANG_DKIM_DOMAIN",
    )
    try:
        with open(path, "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            data = handle.read(MAX_KEY_FILE_BYTES + 1)
    except OSError as exc:
        raise _error(
            f"DAPJANG_DKIM_KEY_FILE: cannot read {path} ({exc.strerror or type(exc).__name__})",
            "DKIM 키 파일을 읽을 수 없습니다",
        ) from None
    if not stat.S_ISREG(mode) or len(data) > MAX_KEY_FILE_BYTES:
        raise _error(f"DAPJANG_DKIM_KEY_FILE: {path} is not a key file", "DKIM 키 파일이 아닙니다")
    try:
        private_key, algorithm = private_key_parse(data)
    except ValueError as exc:
        raise _error(
            f"DAPJANG_DKIM_KEY_FILE: {path} cannot be used: {exc}", "DKIM 개인 키로 쓸 수 없는 파일입니다"
        ) from None
    if mode & 0o077:
        log.warning("DKIM key file %s is readable by other users; chmod 600 it", path)
    return DkimKey(domain=domain, selector=selector, private_key=private_key, algorithm=algorithm)


def _header_names(data: bytes) -> list[str]:
    head = re.split(rb"\r?\n\r?\n", data, maxsplit=1)[0]
    names = []
    for line in re.split(rb"\r?\n", head):
        if line[:1] in (b" ", b"\t"):
            continue
        name, colon, _ = line.partition(b":")
        if colon:
            names.append(name.strip().decode("ascii", "replace").lower())
    return names


def dkim_sign(data: bytes, key: DkimKey) -> bytes:
    """The message with a DKIM-Signature header on top, relaxed/relaxed so relays may refold headers.

    Works on bytes as sent: RFC 2047 words, raw UTF-8 (RFC 6532) headers and 8-bit or base64 bodies
    are hashed exactly as they leave, so nothing is re-encoded after signing.
    """
    names = _header_names(data)
    if "from" not in names:
        raise DkimSignError("the message has no From header; DKIM signs From by definition")
    include = [name for name in SIGNED_HEADERS for _ in range(names.count(name) + 1)]
    linesep = b"\r\n" if data.split(b"\n", 1)[0].endswith(b"\r") else b"\n"
    try:
        signature = dkim.sign(
            data,
            key.selector.encode("ascii"),
            key.domain.encode("ascii"),
            key.private_key,
            canonicalize=(b"relaxed", b"relaxed"),
            signature_algorithm=key.algorithm.encode("ascii"),
            include_headers=[name.encode("ascii") for name in include],
            linesep=linesep,
        )
    except dkim.KeyFormatError:
        raise DkimSignError("the DKIM key was refused by the signer") from None
    except dkim.DKIMException as exc:
        raise DkimSignError(f"DKIM signing failed: {type(exc).__name__}: {str(exc)[:200]}") from None
    return bytes(signature) + data


def _der(tag: int, contents: bytes) -> bytes:
    size = len(contents)
    if size < 0x80:
        return bytes([tag, size]) + contents
    octets = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(octets)]) + octets + contents


def _der_integer(value: int) -> bytes:
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def dkim_public_key(key: DkimKey) -> str:
    """The p= value of the key's DNS record: base64 SubjectPublicKeyInfo (RSA) or raw key (Ed25519)."""
    if key.algorithm == "ed25519-sha256":
        import nacl.signing

        verify_key = nacl.signing.SigningKey(base64.b64decode(key.private_key)).verify_key
        return base64.b64encode(bytes(verify_key)).decode("ascii")
    parsed = dkim.crypto.parse_pem_private_key(key.private_key)
    rsa_public = _der(0x30, _der_integer(parsed["modulus"]) + _der_integer(parsed["publicExponent"]))
    spki = _der(0x30, _RSA_ALGORITHM + _der(0x03, b"\x00" + rsa_public))
    return base64.b64encode(spki).decode("ascii")


def dkim_dns_value(key: DkimKey) -> str:
    """The TXT record's text, as a receiver reads it at <selector>._domainkey.<domain>."""
    kind = "ed25519" if key.algorithm == "ed25519-sha256" else "rsa"
    return f"v=DKIM1; k={kind}; p={dkim_public_key(key)}"


def dkim_dns_name(key: DkimKey) -> str:
    return f"{key.selector}._domainkey.{key.domain}"


def dkim_zone_line(key: DkimKey) -> str:
    """A zone-file line; the text is cut into 255-byte strings, the most one TXT string may hold."""
    value = dkim_dns_value(key)
    strings = " ".join(f'"{value[i : i + 255]}"' for i in range(0, len(value), 255))
    return f"{dkim_dns_name(key)}. IN TXT {strings}"
