"""STARTTLS for the SMTP listener, from a certificate and key the operator names in the settings.

Sending servers encrypt opportunistically: they use TLS when we offer it and fall back to plain text
when we do not, so a customer's mail crosses the internet in clear unless we offer it. A broken
setting must therefore stop the listener at start-up with a message that says which file is wrong;
quietly listening without TLS would hide the mistake. Messages name files, never their contents
(RELIABILITY 36).
"""

from __future__ import annotations

import ssl

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MAX_PEM_BYTES = 1024 * 1024  # a long chain is a few tens of KB


class TlsConfigError(ImproperlyConfigured):
    """DAPJANG_SMTP_TLS_CERT / _KEY cannot be used; the message names the setting and the file."""


def _error(en: str, ko: str) -> TlsConfigError:
    return TlsConfigError(f"{en} / {ko}")


def _pem_read(setting: str, path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_PEM_BYTES + 1)
    except OSError as exc:
        raise _error(
            f"{setting}: cannot read {path} ({exc.strerror or type(exc).__name__})",
            f"{setting}: 파일을 읽을 수 없습니다",
        ) from None
    if len(data) > MAX_PEM_BYTES:
        raise _error(f"{setting}: {path} is too large to be a PEM file", f"{setting}: PEM 파일이 아닙니다")
    return data


def _no_passphrase() -> bytes:
    """Called by OpenSSL for an encrypted key; refusing beats a server waiting for a typed passphrase."""
    raise _error(
        "DAPJANG_SMTP_TLS_KEY: the key is encrypted; a server cannot type its passphrase "
        "(openssl pkey -in KEY -out PLAIN)",
        "DAPJANG_SMTP_TLS_KEY: 암호가 걸린 키는 쓸 수 없습니다",
    )


def tls_context_build(cert_path: str, key_path: str) -> ssl.SSLContext:
    """A server context for STARTTLS: TLS 1.2 or newer, no client certificates asked for."""
    cert = _pem_read("DAPJANG_SMTP_TLS_CERT", cert_path)
    key = _pem_read("DAPJANG_SMTP_TLS_KEY", key_path)
    if b"-----BEGIN CERTIFICATE-----" not in cert:
        raise _error(
            f"DAPJANG_SMTP_TLS_CERT: {cert_path} holds no PEM certificate",
            "DAPJANG_SMTP_TLS_CERT: PEM 인증서가 없습니다",
        )
    if b"PRIVATE KEY-----" not in key:
        raise _error(
            f"DAPJANG_SMTP_TLS_KEY: {key_path} holds no PEM private key",
            "DAPJANG_SMTP_TLS_KEY: PEM 개인 키가 없습니다",
        )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE
    try:
        context.load_cert_chain(cert_path, key_path, password=_no_passphrase)
    except ssl.SSLError as exc:
        # A key of another type than the certificate's is "no certificate assigned" to OpenSSL.
        if exc.reason in {"KEY_VALUES_MISMATCH", "KEY_TYPE_MISMATCH", "NO_CERTIFICATE_ASSIGNED"}:
            raise _error(
                f"DAPJANG_SMTP_TLS_KEY: {key_path} is not the key of {cert_path}",
                "DAPJANG_SMTP_TLS_KEY: 인증서와 짝이 맞는 키가 아닙니다",
            ) from None
        raise _error(
            f"DAPJANG_SMTP_TLS_CERT/_KEY: {cert_path} or {key_path} is not a valid PEM certificate or key",
            "DAPJANG_SMTP_TLS_CERT/_KEY: 올바른 PEM 인증서나 키가 아닙니다",
        ) from None
    except OSError as exc:  # the file changed between our read and OpenSSL's
        raise _error(
            f"DAPJANG_SMTP_TLS_CERT/_KEY: cannot read the files ({exc.strerror or type(exc).__name__})",
            "DAPJANG_SMTP_TLS_CERT/_KEY: 파일을 읽을 수 없습니다",
        ) from None
    return context


def smtp_tls_context() -> ssl.SSLContext | None:
    """The STARTTLS context from the settings, or None when neither file is set (STARTTLS not offered)."""
    cert_path = str(getattr(settings, "DAPJANG_SMTP_TLS_CERT", "") or "").strip()
    key_path = str(getattr(settings, "DAPJANG_SMTP_TLS_KEY", "") or "").strip()
    if not cert_path and not key_path:
        return None
    if not cert_path or not key_path:
        missing, given = (
            ("DAPJANG_SMTP_TLS_KEY", "DAPJANG_SMTP_TLS_CERT")
            if cert_path
            else ("DAPJANG_SMTP_TLS_CERT", "DAPJANG_SMTP_TLS_KEY")
        )
        raise _error(
            f"{given} is set but {missing} is not; STARTTLS needs both",
            f"STARTTLS에는 {given}와 {missing}가 모두 필요합니다",
        )
    return tls_context_build(cert_path, key_path)
