"""Fixtures for the mail tests (the Dovecot server and accounts are in tests/conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest

from dapjang.mail.models import Mailbox
from tests.mail.dovecot import Account


@pytest.fixture
def mailbox_of(transactional_db: None) -> Any:
    """Makes a Mailbox row for an account: plain text on loopback, the password stored."""

    def make(account: Account, **fields: Any) -> Mailbox:
        values: dict[str, Any] = {
            "name": account.user,
            "host": "127.0.0.1",
            "port": account.server.port,
            "tls": Mailbox.Tls.NONE,
            "username": account.user,
            "secret": account.password,
        }
        values.update(fields)
        return Mailbox.objects.create(**values)

    return make
