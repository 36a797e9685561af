"""The listener's sessions over real sockets: STARTTLS when configured, a cap on open sessions.

A trivial recording handler stands in for Dapjang's, so these tests are about the session layer
alone (no database). The certificate is made by openssl for this run and trusted by the client the
way a sending MTA that verifies would trust ours.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from dapjang.mail.smtp_session import TOO_MANY, DapjangController, smtp_max_sessions
from dapjang.mail.tls import TlsConfigError, smtp_tls_context, tls_context_build
from tests.builders import build_mail

HOST = "127.0.0.1"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    over_tls: bool


@dataclass
class Recorder:
    """Accepts everything and remembers it, including whether the session had switched to TLS."""

    mails: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.mails.append(
                Received(
                    envelope.mail_from, list(envelope.rcpt_tos), envelope.content, session.ssl is not None
                )
            )
        return "250 2.0.0 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _smtp(port: int) -> smtplib.SMTP:
    return smtplib.SMTP(HOST, port, timeout=10)


def _wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@contextmanager
def _listening(handler: Recorder, **kwargs: Any) -> Iterator[DapjangController]:
    kwargs.setdefault("data_size_limit", 1_000_000)
    controller = DapjangController(
        handler, HOST, _free_port(), ident="Test ESMTP", server_hostname="mx.test", **kwargs
    )
    controller.start()
    try:
        _wait_for(lambda: controller.sessions.open == 0)  # start()'s own probe connection has gone
        yield controller
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
            "-days", "1", "-addext", f"subjectAltName=DNS:localhost,IP:{HOST}",
            "-keyout", str(key_path), "-out", str(cert_path),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert_path, key_path


def _client_context(cert_path: Path) -> ssl.SSLContext:
    """Verifies the server as a strict sender would: the chain and the name (our IP)."""
    return ssl.create_default_context(cafile=str(cert_path))


# --- STARTTLS ---------------------------------------------------------------------------------------


def test_starttls_is_offered_and_mail_arrives_over_tls(cert: tuple[Path, Path]) -> None:
    handler = Recorder()
    raw = (
        b"From: a@customer.example\r\nTo: help@shop.example\r\nSubject: 8bit\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + "8비트 본문도 그대로 옵니다\r\n".encode()
    )
    context = tls_context_build(str(cert[0]), str(cert[1]))
    with (
        _listening(handler, tls_context=context) as controller,
        _smtp(controller.port) as client,
    ):
        client.ehlo("client.test")
        assert client.has_extn("starttls")
        code, _ = client.starttls(context=_client_context(cert[0]))
        assert code == 220
        assert isinstance(client.sock, ssl.SSLSocket)
        assert client.sock.version() in {"TLSv1.2", "TLSv1.3"}
        client.ehlo("client.test")
        assert not client.has_extn("starttls")  # not offered twice
        client.sendmail("minsu@customer.example", ["help@shop.example"], raw, mail_options=["BODY=8BITMIME"])
        assert controller.sessions.open == 1  # STARTTLS re-enters connection_made; still one session
    _wait_for(lambda: len(handler.mails) == 1)
    got = handler.mails[0]
    assert got.over_tls is True
    assert got.rcpt_tos == ["help@shop.example"] and got.mail_from == "minsu@customer.example"
    assert got.data == raw  # bytes, undecoded: decode_data=False


def test_tls_is_offered_but_never_required(cert: tuple[Path, Path]) -> None:
    """A sender without TLS must still be able to deliver: refusing it would lose customer mail."""
    handler = Recorder()
    context = tls_context_build(str(cert[0]), str(cert[1]))
    with (
        _listening(handler, tls_context=context) as controller,
        _smtp(controller.port) as client,
    ):
        client.sendmail("a@customer.example", ["help@shop.example"], build_mail())
    _wait_for(lambda: len(handler.mails) == 1)
    assert handler.mails[0].over_tls is False


def test_without_a_context_starttls_is_not_offered() -> None:
    handler = Recorder()
    with _listening(handler) as controller, _smtp(controller.port) as client:
        code, _ = client.ehlo("client.test")
        assert code == 250
        assert not client.has_extn("starttls")
        assert client.has_extn("8bitmime") and client.has_extn("smtputf8")
        with pytest.raises(smtplib.SMTPNotSupportedError):
            client.starttls()
        assert client.docmd("STARTTLS")[0] == 454  # asked anyway: "TLS not available" (RFC 3207)


def test_a_failed_tls_handshake_frees_its_session(cert: tuple[Path, Path]) -> None:
    handler = Recorder()
    with (
        _listening(
            handler, tls_context=tls_context_build(str(cert[0]), str(cert[1])), max_sessions=2
        ) as controller,
        _smtp(controller.port) as bystander,
    ):
        with socket.create_connection((HOST, controller.port), timeout=10) as sock:
            reader = sock.makefile("rb")
            assert reader.readline().startswith(b"220")
            sock.sendall(b"EHLO client.test\r\n")
            while not reader.readline().startswith(b"250 "):
                pass
            sock.sendall(b"STARTTLS\r\n")
            assert reader.readline().startswith(b"220")
            sock.sendall(b"this is not a TLS ClientHello\r\n" * 4)
            _wait_for(lambda: sock.recv(4096) == b"")  # the server hangs up
        _wait_for(lambda: controller.sessions.open == 1)
        time.sleep(0.2)  # a second release of the same session would show up as 0 here
        assert controller.sessions.open == 1
        assert bystander.noop()[0] == 250


class Broken(Recorder):
    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        raise RuntimeError("could not connect to postgresql://dapjang:hunter2@db.internal/dapjang")


@pytest.mark.parametrize("smtputf8", [True, False])
def test_a_fault_in_a_hook_is_a_temporary_451_without_internals(smtputf8: bool) -> None:
    """aiosmtpd's default would answer "500 Error: (RuntimeError) …": a bounce, and a leak (RELIABILITY 36)."""
    handler = Broken()
    with _listening(handler, enable_SMTPUTF8=smtputf8) as controller, _smtp(controller.port) as client:
        client.ehlo("client.test")
        client.mail("a@customer.example")
        code, text = client.rcpt("help@shop.example")
        assert code == 451 and text.startswith(b"4.3.0 ")
        for secret in (b"hunter2", b"db.internal", b"postgresql", b"RuntimeError", b"Error:"):
            assert secret not in text
        assert client.noop()[0] == 250  # the session goes on; the sender may retry now or later
    assert handler.mails == []


# --- the session cap -------------------------------------------------------------------------------


def _greeting(port: int) -> tuple[bytes, bytes]:
    """The first reply line of a fresh connection, and whatever follows before the server closes."""
    with socket.create_connection((HOST, port), timeout=10) as sock:
        reader = sock.makefile("rb")
        first = reader.readline()
        rest = reader.read() if first.startswith(b"421") else b""
    return first, rest


def test_over_the_cap_a_new_connection_is_told_to_come_back_later() -> None:
    handler = Recorder()
    with _listening(handler, max_sessions=2) as controller:
        first = _smtp(controller.port)
        second = _smtp(controller.port)
        try:
            assert controller.sessions.open == 2

            greeting, rest = _greeting(controller.port)
            assert greeting == TOO_MANY.encode() + b"\r\n"
            assert greeting.startswith(b"421 4.3.2 ") and "연결이 많습니다".encode() in greeting
            assert rest == b""  # and then it hangs up: nothing else is said or awaited

            with pytest.raises(smtplib.SMTPConnectError) as refused:
                _smtp(controller.port)
            assert refused.value.smtp_code == 421  # how an MTA sees it: temporary, queue and retry
            assert controller.sessions.open == 2  # refused connections never take a slot

            first.quit()
            _wait_for(lambda: controller.sessions.open == 1)
            with _smtp(controller.port) as third:
                third.sendmail("a@customer.example", ["help@shop.example"], build_mail())
            assert second.noop()[0] == 250  # the sessions that were admitted carry on
        finally:
            second.close()
            first.close()
        assert controller.sessions.refused == 2
    assert len(handler.mails) == 1


@pytest.mark.parametrize("smtputf8", [True, False])
def test_a_client_that_vanishes_without_quit_frees_its_slot(smtputf8: bool) -> None:
    handler = Recorder()
    with _listening(handler, max_sessions=1, enable_SMTPUTF8=smtputf8) as controller:
        sock = socket.create_connection((HOST, controller.port), timeout=10)
        assert sock.makefile("rb").readline().startswith(b"220")
        assert _greeting(controller.port)[0] == TOO_MANY.encode() + b"\r\n"
        sock.close()
        _wait_for(lambda: controller.sessions.open == 0)
        assert _greeting(controller.port)[0].startswith(b"220 mx.test Test ESMTP")


def test_a_starttls_session_is_counted_once(cert: tuple[Path, Path]) -> None:
    """With a cap of one, a session that switched to TLS must not count itself twice or leak a slot."""
    handler = Recorder()
    context = tls_context_build(str(cert[0]), str(cert[1]))
    with _listening(handler, tls_context=context, max_sessions=1) as controller:
        for _ in range(3):
            with _smtp(controller.port) as client:
                client.starttls(context=_client_context(cert[0]))
                client.sendmail("a@customer.example", ["help@shop.example"], build_mail())
            _wait_for(lambda: controller.sessions.open == 0)
    assert [mail.over_tls for mail in handler.mails] == [True, True, True]


def test_many_concurrent_clients_never_exceed_the_cap() -> None:
    handler = Recorder()
    limit, clients = 3, 12
    outcomes: list[int] = []
    peak = 0
    barrier = threading.Barrier(clients)

    def client() -> None:
        barrier.wait()
        try:
            with _smtp(controller.port) as smtp:
                smtp.noop()
                time.sleep(0.2)
                outcomes.append(220)
        except smtplib.SMTPConnectError as exc:
            outcomes.append(exc.smtp_code)

    with _listening(handler, max_sessions=limit) as controller:
        threads = [threading.Thread(target=client) for _ in range(clients)]
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            peak = max(peak, controller.sessions.open)
            time.sleep(0.005)
        _wait_for(lambda: controller.sessions.open == 0)
    assert peak <= limit
    assert outcomes.count(220) >= limit and set(outcomes) <= {220, 421}
    assert outcomes.count(421) == controller.sessions.refused > 0


def test_the_cap_comes_from_the_settings(settings: Any) -> None:
    if hasattr(settings, "DAPJANG_SMTP_MAX_SESSIONS"):
        del settings.DAPJANG_SMTP_MAX_SESSIONS
    assert smtp_max_sessions() == 50
    settings.DAPJANG_SMTP_MAX_SESSIONS = 7
    assert smtp_max_sessions() == 7
    for bad in (0, -1, "many"):
        settings.DAPJANG_SMTP_MAX_SESSIONS = bad
        with pytest.raises(ImproperlyConfigured, match="DAPJANG_SMTP_MAX_SESSIONS"):
            smtp_max_sessions()
    with pytest.raises(ValueError, match="max_sessions"):
        DapjangController(Recorder(), HOST, _free_port(), data_size_limit=None, ident="x", max_sessions=0)


# --- TLS settings ----------------------------------------------------------------------------------


def test_no_tls_settings_means_no_context(settings: Any) -> None:
    settings.DAPJANG_SMTP_TLS_CERT = ""
    settings.DAPJANG_SMTP_TLS_KEY = ""
    assert smtp_tls_context() is None
    del settings.DAPJANG_SMTP_TLS_CERT
    del settings.DAPJANG_SMTP_TLS_KEY
    assert smtp_tls_context() is None


def test_the_context_from_the_settings_serves_tls_1_2_or_newer(
    settings: Any, cert: tuple[Path, Path]
) -> None:
    settings.DAPJANG_SMTP_TLS_CERT, settings.DAPJANG_SMTP_TLS_KEY = str(cert[0]), str(cert[1])
    context = smtp_tls_context()
    assert context is not None
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
    assert context.verify_mode == ssl.CERT_NONE  # senders are not asked for client certificates
    # The same context really serves a verifying client.
    handler = Recorder()
    with (
        _listening(handler, tls_context=context) as controller,
        _smtp(controller.port) as client,
    ):
        client.starttls(context=_client_context(cert[0]))
        assert client.noop()[0] == 250


def _key_fragments(path: Path) -> list[str]:
    lines = [line for line in path.read_text().splitlines() if line and "-----" not in line]
    return [line[i : i + 16] for line in lines for i in range(0, len(line) - 15, 8)]


@pytest.mark.parametrize("missing", ["DAPJANG_SMTP_TLS_KEY", "DAPJANG_SMTP_TLS_CERT"])
def test_half_configured_tls_is_a_clear_error(settings: Any, cert: tuple[Path, Path], missing: str) -> None:
    settings.DAPJANG_SMTP_TLS_CERT, settings.DAPJANG_SMTP_TLS_KEY = str(cert[0]), str(cert[1])
    setattr(settings, missing, "")
    with pytest.raises(TlsConfigError) as caught:
        smtp_tls_context()
    message = str(caught.value)
    assert f"{missing} is not" in message and "STARTTLS needs both" in message
    assert "모두 필요합니다" in message


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda c, k, tmp: (str(tmp / "nope.pem"), str(k)), "DAPJANG_SMTP_TLS_CERT: cannot read .*nope.pem"),
        (lambda c, k, tmp: (str(c), str(tmp / "nope.pem")), "DAPJANG_SMTP_TLS_KEY: cannot read .*nope.pem"),
        (lambda c, k, tmp: (str(k), str(k)), "holds no PEM certificate"),
        (lambda c, k, tmp: (str(c), str(c)), "holds no PEM private key"),
        (
            lambda c, k, tmp: (str(c), str(_write(tmp / "other.pem", _other_key()))),
            "is not the key of",
        ),
        (
            lambda c, k, tmp: (str(c), str(_write(tmp / "enc.pem", _encrypted(k)))),
            "encrypted",
        ),
        (
            lambda c, k, tmp: (str(c), str(_write(tmp / "cut.pem", _truncated(k.read_bytes())))),
            "not a valid PEM certificate or key",
        ),
    ],
    ids=[
        "cert-missing",
        "key-missing",
        "cert-is-a-key",
        "key-is-a-cert",
        "wrong-key",
        "encrypted-key",
        "truncated-key",
    ],
)
def test_an_unusable_certificate_or_key_is_a_clear_error_without_key_material(
    settings: Any,
    cert: tuple[Path, Path],
    tmp_path: Path,
    make: Callable[..., tuple[str, str]],
    expected: str,
) -> None:
    settings.DAPJANG_SMTP_TLS_CERT, settings.DAPJANG_SMTP_TLS_KEY = make(cert[0], cert[1], tmp_path)
    with pytest.raises(TlsConfigError) as caught:
        smtp_tls_context()
    message = str(caught.value)
    assert re.search(expected, message), message
    assert any("\uac00" <= ch <= "\ud7a3" for ch in message), "the message is in Korean as well"
    for path in {Path(settings.DAPJANG_SMTP_TLS_KEY), cert[1]}:
        if path.is_file():
            assert not [fragment for fragment in _key_fragments(path) if fragment in message]


def _other_key() -> bytes:
    return subprocess.run(
        ["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1"],
        check=True,
        capture_output=True,
    ).stdout


def _encrypted(key: Path) -> bytes:
    return subprocess.run(
        ["openssl", "pkey", "-in", str(key), "-aes256", "-passout", "pass:secret"],
        check=True,
        capture_output=True,
    ).stdout


def _truncated(pem: bytes) -> bytes:
    lines = pem.splitlines()
    return b"\n".join([*lines[:5], lines[-1]]) + b"\n"
