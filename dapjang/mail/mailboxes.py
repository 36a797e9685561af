"""Setting up IMAP mailboxes from a script or a terminal: checked input, clear two-language errors."""

from __future__ import annotations

import re

from django.db import transaction

from dapjang.mail.models import Mailbox
from dapjang.tickets.models import Queue

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,199}$")


class MailboxError(ValueError):
    """A mailbox cannot be set up as asked; the message says why, for the person at the terminal."""


def after_parse(value: str) -> tuple[str, str]:
    """`seen`, `delete` or `move:FOLDER` as (after, move_to)."""
    action, _, folder = value.partition(":")
    if action == Mailbox.After.MOVE and folder.strip():
        return Mailbox.After.MOVE, folder.strip()
    if action in (Mailbox.After.SEEN, Mailbox.After.DELETE) and not folder:
        return action, ""
    raise MailboxError(
        f"--after {value!r}: use seen, delete or move:FOLDER / seen, delete, move:폴더 중 하나를 쓰세요"
    )


@transaction.atomic
def mailbox_create(
    *,
    name: str,
    host: str,
    port: int | None,
    username: str,
    tls: str = Mailbox.Tls.SSL,
    auth: str = Mailbox.Auth.PASSWORD,
    secret_env: str = "",
    secret: str = "",
    folder: str = "INBOX",
    after: str = Mailbox.After.SEEN,
    move_to: str = "",
    queue_slug: str = "",
) -> Mailbox:
    """A mailbox with exactly one source for its secret: an environment variable, or a stored value."""
    if not _NAME.match(name):
        raise MailboxError(
            f"'{name}' is not a usable name: letters, digits, '.', '_' and '-' only"
            " / 이름에는 영문자, 숫자, '.', '_', '-'만 쓸 수 있습니다"
        )
    if Mailbox.objects.filter(name=name).exists():
        raise MailboxError(f"a mailbox named '{name}' already exists / 이미 있는 메일함입니다")
    if not host.strip() or any(c.isspace() for c in host.strip()):
        raise MailboxError(f"'{host}' is not a host name / 올바른 호스트 이름이 아닙니다")
    if port is not None and not 0 < port < 65536:
        raise MailboxError(f"port {port} is out of range (1–65535) / 포트 번호가 범위를 벗어났습니다")
    if not username.strip():
        raise MailboxError("the user name is empty / 사용자 이름이 비어 있습니다")
    if tls not in Mailbox.Tls.values or auth not in Mailbox.Auth.values:
        raise MailboxError(f"unknown TLS mode or login '{tls}/{auth}' / 알 수 없는 TLS·로그인 방식")
    if bool(secret_env) == bool(secret):
        raise MailboxError(
            "give exactly one of --password-env, --password-stdin or --oauth2-token-env"
            " / 비밀번호나 토큰은 한 가지 방법으로만 주세요"
        )
    if secret_env and not _ENV_NAME.match(secret_env):
        raise MailboxError(f"'{secret_env}' is not an environment variable name / 환경 변수 이름이 아닙니다")
    if after == Mailbox.After.MOVE and (not move_to or move_to == folder):
        raise MailboxError(
            "move needs a folder other than the one read / 옮길 폴더는 읽는 폴더와 달라야 합니다"
        )
    queue = None
    if queue_slug:
        queue = Queue.objects.filter(slug=queue_slug).first()
        if queue is None:
            raise MailboxError(f"no queue '{queue_slug}' (dapjang queue list) / 그런 큐가 없습니다")
        if not queue.addresses.exists():  # routing goes by the queue's address
            raise MailboxError(
                f"the queue '{queue_slug}' has no address to route by / 큐 '{queue_slug}'에 주소가 없습니다"
            )
    return Mailbox.objects.create(
        name=name,
        host=host.strip(),
        port=port or (993 if tls == Mailbox.Tls.SSL else 143),
        tls=tls,
        username=username.strip(),
        auth=auth,
        secret_env=secret_env,
        secret=secret,
        folder=folder or "INBOX",
        after=after,
        move_to=move_to,
        queue=queue,
    )


def mailbox_remove(*, name: str) -> None:
    """Forgets a mailbox; mail already stored from it stays (its rows lose only the link)."""
    deleted, _ = Mailbox.objects.filter(name=name).delete()
    if not deleted:
        raise MailboxError(f"no mailbox named '{name}' (dapjang mailbox list) / 그런 메일함이 없습니다")
