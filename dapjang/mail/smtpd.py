"""The SMTP listener: mail for our addresses is stored, byte for byte, before we say 250.

The database work runs in one worker thread beside the event loop (the ORM is synchronous, and one
writer suits SQLite). Storing is awaited before the reply; processing is queued after it, so a slow
pipeline never keeps a sending server waiting, and a crash in between leaves a `received` row that
is processed at the next start (RELIABILITY 11, 19, 26, 36).
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import close_old_connections, connections, transaction

from dapjang.faults import fault_point
from dapjang.mail.models import RawMessage
from dapjang.tickets.context import PipelineContext
from dapjang.tickets.pipeline import raw_process, raw_store

log = logging.getLogger("dapjang.mail.smtpd")

TEMPFAIL = "451 4.3.0 Temporary failure, please try again later / 잠시 후 다시 보내 주세요"
CONTEXT_TTL = 30.0


class DapjangHandler:
    """aiosmtpd handler: RCPT accepts only our addresses; DATA stores, answers, then processes."""

    def __init__(self) -> None:
        self.db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dapjang-smtpd-db")
        self._ctx: PipelineContext | None = None
        self._ctx_at = 0.0

    def close(self) -> None:
        """Finishes queued processing and closes the worker thread's database connection."""
        self.db.submit(connections.close_all).result()
        self.db.shutdown(wait=True)

    def _context(self) -> PipelineContext:
        """Addresses, queues, templates and known customers; renewed so admin changes arrive within the TTL.

        Used only from the one DB thread, by the RCPT check and by processing alike.
        """
        if self._ctx is None or time.monotonic() - self._ctx_at > CONTEXT_TTL:
            close_old_connections()
            self._ctx, self._ctx_at = PipelineContext(), time.monotonic()
        return self._ctx

    async def _db(self, func: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.db, func, *args)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        try:
            book = (await self._db(self._context)).book
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
        self.db.submit(self._process, raw_id)
        return f"250 2.0.0 OK: stored as {raw_id} / 접수되었습니다"

    @staticmethod
    def _store(data: bytes, sender: str, recipients: list[str]) -> int:
        close_old_connections()
        with transaction.atomic():
            fault_point("smtp-store", data)
            raw, _ = raw_store(data, channel="smtp", envelope_from=sender, envelope_to=recipients)
        return raw.id

    def _process(self, raw_id: int) -> None:
        try:
            close_old_connections()
            raw = RawMessage.objects.filter(id=raw_id, state=RawMessage.State.RECEIVED).first()
            if raw is not None:
                raw_process(raw, ctx=self._context())
        except Exception:
            log.exception("processing raw message %s failed; it stays received for a retry", raw_id)


def process_pending() -> int:
    """Processes mail stored but not yet processed (a stop between 250 and processing)."""
    ctx = PipelineContext()
    done = 0
    for raw in RawMessage.objects.filter(state=RawMessage.State.RECEIVED, channel="smtp").order_by("id"):
        raw_process(raw, ctx=ctx)
        done += 1
    return done


def smtpd_controller(host: str, port: int) -> Controller:
    return Controller(
        DapjangHandler(),
        hostname=host,
        port=port,
        data_size_limit=settings.DAPJANG_MAX_MESSAGE_BYTES,
        enable_SMTPUTF8=True,
        decode_data=False,
        ident="Dapjang ESMTP",
    )
