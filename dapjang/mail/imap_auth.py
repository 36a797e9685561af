"""Connecting and logging in to a mailbox's IMAP server, and describing what went wrong without secrets.

Every error text that leaves this module (to the mailbox row, the log, the terminal) has passed
through `error_text`, which removes the password or token in every form the login could have
carried it (RELIABILITY 36).
"""

from __future__ import annotations

import base64
import contextlib
import re
import socket
import ssl

from django.db import DatabaseError
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError
from imapclient.imapclient import SocketTimeout

from dapjang.env import SettingError, env_secret
from dapjang.mail.models import Mailbox

CONNECT_TIMEOUT = 20.0
READ_TIMEOUT = 120.0  # per read, not per message: a 25 MB fetch on a slow link is many reads
_BYTES_REPR = re.compile(r"""^b(['"])(.*)\1$""", re.DOTALL)


class MailboxConfigError(ValueError):
    """The mailbox cannot be used as configured (no secret, an unset variable); the text says why."""


def mailbox_secret(mailbox: Mailbox) -> str:
    """The password or token, read now: a token written to NAME_FILE by a refresher is always fresh."""
    if mailbox.secret_env:
        try:
            value = env_secret(mailbox.secret_env)
        except SettingError as exc:
            raise MailboxConfigError(str(exc)) from None
        if not value:
            name = mailbox.secret_env
            raise MailboxConfigError(
                f"the environment variable {name} (or {name}_FILE) is not set in this process"
                f" / 환경 변수 {name}(또는 {name}_FILE)가 없습니다"
            )
        return value
    if mailbox.secret:
        return mailbox.secret
    raise MailboxConfigError("no password or token is configured / 비밀번호나 토큰이 설정되지 않았습니다")


def mailbox_connect(mailbox: Mailbox) -> IMAPClient:
    """A logged-in client, over TLS unless the mailbox says `none`; the caller logs out."""
    secret = mailbox_secret(mailbox)
    context = ssl.create_default_context()  # verifies the certificate and the host name
    client = IMAPClient(
        mailbox.host,
        port=mailbox.port,
        ssl=mailbox.tls == Mailbox.Tls.SSL,
        ssl_context=context,
        timeout=SocketTimeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT),
    )
    try:
        if mailbox.tls == Mailbox.Tls.STARTTLS:
            # Never fall back to plain text: a server that stops offering STARTTLS is an attack or a fault.
            client.starttls(context)
        if mailbox.auth == Mailbox.Auth.XOAUTH2:
            client.oauth2_login(mailbox.username, secret)
        elif secret.isascii():
            client.login(mailbox.username, secret)
        else:
            # LOGIN can only carry ASCII; AUTHENTICATE PLAIN carries UTF-8 (a Korean password works).
            client.plain_login(mailbox.username, secret)
    except BaseException:
        client_close(client)
        raise
    return client


def client_close(client: IMAPClient) -> None:
    """Logs out, or at least drops the socket; a connection already gone is not an error here."""
    try:
        client.logout()
    except Exception:  # noqa: BLE001 - a connection that is already gone cannot say goodbye
        with contextlib.suppress(Exception):
            client.shutdown()


def secret_forms(mailbox: Mailbox) -> list[str]:
    """The secret as text and in the encodings a login sends it (LOGIN, PLAIN, XOAUTH2)."""
    try:
        secret = mailbox_secret(mailbox)
    except MailboxConfigError:
        return []
    user = mailbox.username
    wire = [
        secret.encode(),
        f"user={user}\1auth=Bearer {secret}\1\1".encode(),
        f"\0{user}\0{secret}".encode(),
    ]
    return [secret, *(base64.b64encode(w).decode() for w in wire)]


def redact(text: str, secrets: list[str]) -> str:
    for value in sorted(secrets, key=len, reverse=True):
        if value:
            text = text.replace(value, "[secret]")
    return text


def error_text(exc: BaseException, mailbox: Mailbox) -> str:
    """A short, two-language account of a failure for the mailbox row and the log, without secrets."""
    where = f"{mailbox.host}:{mailbox.port}"
    detail = _detail(exc)
    if isinstance(exc, MailboxConfigError):
        text = detail
    elif isinstance(exc, LoginError):
        text = f"login refused by the server / 로그인이 거부되었습니다: {detail}"
    elif isinstance(exc, ssl.SSLCertVerificationError):
        text = f"TLS certificate of {where} not trusted / 인증서를 신뢰할 수 없습니다: {exc.verify_message}"
    elif isinstance(exc, ssl.SSLError):
        text = f"TLS failed with {where} / TLS 오류: {exc.reason or detail}"
    elif isinstance(exc, socket.gaierror):
        text = f"cannot find the host {mailbox.host} / 호스트를 찾을 수 없습니다"
    elif isinstance(exc, TimeoutError):
        text = f"{where} did not answer in time / 서버 응답 시간 초과"
    elif isinstance(exc, OSError):
        text = f"connection to {where} failed / 연결 실패: {exc.strerror or detail}"
    elif isinstance(exc, IMAPClientError):
        text = f"IMAP error / IMAP 오류: {detail}"
    elif isinstance(exc, DatabaseError):
        # SQL and driver text stay in the log; the row says what happened and what did not.
        text = f"database error ({type(exc).__name__}); the message stays on the server / DB 오류"
    else:
        text = f"{type(exc).__name__}: {detail}"
    return redact(text, secret_forms(mailbox))[:1000]


def _detail(exc: BaseException) -> str:
    """imapclient wraps server text as a bytes repr (`b'[AUTHENTICATIONFAILED] …'`); show the text."""
    text = str(exc)
    match = _BYTES_REPR.match(text)
    return match.group(2) if match else text
