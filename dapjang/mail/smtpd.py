"""The SMTP listener: mail for our addresses is stored, byte for byte, before we say 250.

The database work runs in one worker thread beside the event loop (the ORM is synchronous, and one
writer suits SQLite). Storing is awaited before the reply; processing is handed to a worker once the
row is committed, so a slow pipeline never keeps a sending server waiting, and a crash in between
leaves a `received` row that the sweeper hands out again (RELIABILITY 11, 19, 26, 36).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connections, transaction

from dapjang.faults import fault_point
from dapjang.mail.models import RawMessage
from dapjang.mail.smtp_session import DapjangController, smtp_max_sessions
from dapjang.mail.tasks import raw_dispatch
from dapjang.mail.tls import smtp_tls_context
from dapjang.tickets.pipeline import raw_store
from dapjang.tickets.queues import AddressBook

log = logging.getLogger("dapjang.mail.smtpd")

TEMPFAIL = "451 4.3.0 Temporary failure, please try again later / 잠시 후 다시 보내 주세요"
CONTEXT_TTL = 30.0


class DapjangHandler:
    """aiosmtpd handler: RCPT accepts only our addresses; DATA stores, answers, then processes."""

    def __init__(self) -> None:
        self.db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dapjang-smtpd-db")
        self._book: AddressBook | None = None
        self._book_at = 0.0

    def close(self) -> None:
        """Closes the database thread and its connection."""
        self.db.submit(connections.close_all).result()
        self.db.shutdown(wait=True)

    def _address_book(self) -> AddressBook:
        """Our addresses, renewed so that an admin's changes arrive within the TTL (DB thread only)."""
        if self._book is None or time.monotonic() - self._book_at > CONTEXT_TTL:
            close_old_connections()
            self._book, self._book_at = AddressBook.load(), time.monotonic()
        return self._book

    async def _db(self, func: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.db, func, *args)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        try:
            book = await self._db(self._address_book)
        except Exception:
            log.exception("address book unavailable")
            return TEMPFAIL
        if not book.is_ours(address):
            # Never an open relay: mail for anyone else is refused at RCPT.
            return f"550 5.1.1 <{address}>: no such mailbox here / 없는 주소입니다"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        mail_from = envelope.mail_from or ""
        sender = "" if mail_from in ("", "<>") else mail_from
        try:
            raw_id = await self._db(self._store, data, sender, list(envelope.rcpt_tos))
        except Exception:
            # Our fault, never the sender's: a temporary code, and no exception text (RELIABILITY 11, 36).
            log.exception("could not store incoming mail; answered 451")
            return TEMPFAIL
        if os.environ.get("DAPJANG_FAULTS"):
            # Fires once the 250 below has gone out (RELIABILITY 11: a crash right after 250).
            asyncio.get_running_loop().call_later(0.2, fault_point, "after-smtp-250")
        return f"250 2.0.0 OK: stored as {raw_id} / 접수되었습니다"

    @staticmethod
    def _store(data: bytes, sender: str, recipients: list[str]) -> int:
        close_old_connections()
        with transaction.atomic():
            fault_point("smtp-store", data)
            raw, created = raw_store(data, channel="smtp", envelope_from=sender, envelope_to=recipients)
            if created or raw.state == RawMessage.State.RECEIVED:
                raw_dispatch(raw.id)
        return raw.id


def smtpd_controller(host: str, port: int) -> DapjangController:
    """The listener: STARTTLS when a certificate is configured, and a cap on open sessions.

    The settings are read before anything starts, so a bad certificate or cap stops `dapjang smtpd`
    and `dapjang serve` at once with its message, rather than failing every session later.
    """
    return DapjangController(
        DapjangHandler(),
        host,
        port,
        data_size_limit=settings.DAPJANG_MAX_MESSAGE_BYTES,
        enable_SMTPUTF8=True,
        ident="Dapjang ESMTP",
        tls_context=smtp_tls_context(),
        max_sessions=smtp_max_sessions(),
    )
