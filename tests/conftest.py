"""Shared fixtures: a small desk, the pipeline as a channel would call it, a real SMTP relay sink and a
real IMAP server (Dovecot)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from dapjang.faults import fault_calls_reset
from dapjang.tickets.context import PipelineContext
from dapjang.tickets.pipeline import IngestResult, ingest
from tests.factories import QueueFactory
from tests.mail.dovecot import Account, Dovecot, dovecot_start
from tests.processes import free_port


@dataclass
class Delivered:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes


@dataclass
class SinkHandler:
    """A relay that records what it accepts and can be told to answer with an error first."""

    messages: list[Delivered] = field(default_factory=list)
    fail_next: list[str] = field(default_factory=list)  # e.g. ["451 4.3.0 try later"]
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.fail_next:
                return self.fail_next.pop(0)
            self.messages.append(Delivered(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 2.0.0 OK"


@pytest.fixture
def smtp_sink(settings: Any) -> Iterator[SinkHandler]:
    """A real SMTP server on a loopback port, configured as our outbound relay."""
    handler = SinkHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.DAPJANG_OUTBOUND_SMTP = f"smtp://127.0.0.1:{controller.port}"
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def desk(db: None, settings: Any) -> dict[str, Any]:
    """A small desk: a default queue and a shipping queue with their support addresses."""
    settings.DAPJANG_SUPPORT_ADDRESSES = ["info@shop.example"]
    general = QueueFactory(slug="general", name="일반 문의", addresses=["help@shop.example"], is_default=True)
    shipping = QueueFactory(slug="shipping", name="배송", addresses=["shipping@shop.example"])
    return {"general": general, "shipping": shipping}


@pytest.fixture
def feed(desk: dict[str, Any]) -> Any:
    """Hands mail to the pipeline as the live SMTP channel would."""

    def _feed(
        raw: bytes, *, channel: str = "smtp", envelope_from: str | None = None, **kw: Any
    ) -> IngestResult:
        return ingest(raw, channel=channel, ctx=PipelineContext(), envelope_from=envelope_from, **kw)

    return _feed


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


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Debian Chromium per test module (tests/browser.py)."""
    from tests.browser import ARGS, CHROMIUM

    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()
