"""Fixtures for the mail tests: a real Dovecot for the session, an account of its own for each test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from dapjang.faults import fault_calls_reset
from dapjang.mail.models import Mailbox
from tests.mail.dovecot import Account, Dovecot, dovecot_start


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    server = dovecot_start()
    if server is None:
        pytest.skip("Dovecot is not installed (Debian: apt-get install dovecot-imapd)")
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture
def imap(dovecot: Dovecot) -> Iterator[Account]:
    """A fresh IMAP account; fault-point counts start from zero, as in a new process."""
    fault_calls_reset()
    account = dovecot.account()
    try:
        yield account
    finally:
        account.close()
        fault_calls_reset()


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
