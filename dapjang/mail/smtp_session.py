"""The SMTP listener's sessions: a cap on how many are open at once, and STARTTLS when configured.

aiosmtpd accepts every connection it is offered, and each open session holds a socket, buffers and,
during DATA, up to the size limit in memory. A sender that opens thousands of idle sessions (or a
spam run) would exhaust the process before any rate rule could see a message. Above the cap a new
connection is greeted with 421, which every MTA understands as "queue it and come back", so no mail
is lost by refusing (RELIABILITY 26, 36).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import threading
import time
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, TLSSetupException
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger("dapjang.mail.smtpd")

FAULT = "451 4.3.0 Temporary failure, please try again later / 잠시 후 다시 보내 주세요"
TOO_MANY = "421 4.3.2 Too many connections, try again later / 연결이 많습니다. 잠시 후 다시 시도해 주세요"
WARN_EVERY_SECONDS = 60.0
DEFAULT_MAX_SESSIONS = 50


def smtp_max_sessions() -> int:
    """DAPJANG_SMTP_MAX_SESSIONS: enough for a busy MX's parallel deliveries, far below what exhausts us."""
    value = getattr(settings, "DAPJANG_SMTP_MAX_SESSIONS", DEFAULT_MAX_SESSIONS)
    try:
        limit = int(value)
    except (TypeError, ValueError):
        limit = 0
    if limit < 1:
        raise ImproperlyConfigured(
            f"DAPJANG_SMTP_MAX_SESSIONS must be a whole number of at least 1, got {value!r} / "
            "DAPJANG_SMTP_MAX_SESSIONS는 1 이상의 정수여야 합니다"
        )
    return limit


class SessionGauge:
    """Open sessions of one listener, shared by all of its protocol objects (one per connection).

    Claims and releases happen on the listener's event loop; the lock makes a gauge shared by
    listeners on different loops safe as well.
    """

    def __init__(self) -> None:
        self.open = 0
        self.refused = 0
        self._lock = threading.Lock()
        self._warned_at = float("-inf")
        self._refused_since_warning = 0

    def claim(self, limit: int) -> bool:
        with self._lock:
            if self.open >= limit:
                self.refused += 1
                self._refused_since_warning += 1
                return False
            self.open += 1
            return True

    def release(self) -> None:
        with self._lock:
            self.open = max(0, self.open - 1)

    def refusals_to_report(self) -> int:
        """How many refusals to log now: at most one warning a minute however hard the flood."""
        with self._lock:
            now = time.monotonic()
            if now - self._warned_at < WARN_EVERY_SECONDS:
                return 0
            count, self._refused_since_warning, self._warned_at = self._refused_since_warning, 0, now
            return count


class CappedSMTP(SMTP):
    """aiosmtpd's SMTP that greets with 421 and hangs up when `max_sessions` are already open.

    Each connection gets its own instance; `gauge` is what they share. A session is counted from
    the TCP connection to its loss, once, whether or not STARTTLS re-enters `connection_made`.
    """

    shared_gauge = SessionGauge()  # used when no listener-wide gauge is given

    def __init__(
        self, handler: Any, *, max_sessions: int, gauge: SessionGauge | None = None, **kwargs: Any
    ) -> None:
        if max_sessions < 1:
            raise ValueError("max_sessions must be at least 1")
        super().__init__(handler, **kwargs)
        self.max_sessions = max_sessions
        self.gauge = gauge if gauge is not None else self.shared_gauge
        self._admitted: bool | None = None  # None until the first connection_made

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self._admitted is None:
            self._admitted = self.gauge.claim(self.max_sessions)
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        if self._admitted:
            self._admitted = False  # released once, however many ways the connection ends
            self.gauge.release()
        super().connection_lost(error)

    async def handle_exception(self, error: Exception) -> str:
        """An exception in a hook is our fault: 451 so the sender retries, and no exception text.

        aiosmtpd's default answers "500 Error: (Type) message", which bounces the mail for good and
        can show internals to a stranger (RELIABILITY 11, 36). A handler's own handle_exception wins.
        """
        if hasattr(self.event_handler, "handle_exception"):
            return str(await self.event_handler.handle_exception(error))
        if isinstance(error, TLSSetupException):
            # A scanner or a client with no common cipher; aiosmtpd closes the session itself.
            log.info("STARTTLS handshake failed: %s", error.__cause__)
        else:
            log.error("SMTP session error (%s); answered 451", type(error).__name__, exc_info=error)
        # push() encodes ASCII-only when SMTPUTF8 is off; the Korean half would crash the session.
        return FAULT if self.enable_SMTPUTF8 else FAULT.split(" / ")[0]

    async def _handle_client(self) -> None:
        if self._admitted is False:
            await self._refuse()
            return
        await super()._handle_client()

    async def _refuse(self) -> None:
        reported = self.gauge.refusals_to_report()
        if reported:
            log.warning(
                "SMTP session cap of %d reached; %d connection(s) answered 421", self.max_sessions, reported
            )
        try:
            # Bytes, not push(): push() would refuse the Korean text when SMTPUTF8 is off.
            self._writer.write(TOO_MANY.encode("utf-8") + b"\r\n")
            await self._writer.drain()
        except (ConnectionError, OSError):
            pass  # the client has gone already; closing is all that is left
        finally:
            if self.transport is not None:
                self.transport.close()


class DapjangController(Controller):
    """aiosmtpd's threaded Controller whose sessions are CappedSMTP sharing one gauge.

    STARTTLS is offered when `tls_context` is given and never required: a sender without TLS must
    still be able to deliver (RFC 3207 §4 forbids requiring it on a public MX).
    """

    def __init__(
        self,
        handler: Any,
        hostname: str,
        port: int,
        *,
        data_size_limit: int | None,
        ident: str,
        tls_context: ssl.SSLContext | None = None,
        max_sessions: int = DEFAULT_MAX_SESSIONS,
        enable_SMTPUTF8: bool = True,
        server_hostname: str | None = None,
        **smtp_kwargs: Any,
    ) -> None:
        if max_sessions < 1:
            raise ValueError("max_sessions must be at least 1")
        super().__init__(
            handler,
            hostname=hostname,
            port=port,
            # aiosmtpd would otherwise look the FQDN up on every connection; once is enough.
            server_hostname=server_hostname or socket.getfqdn(),
            data_size_limit=data_size_limit,
            enable_SMTPUTF8=enable_SMTPUTF8,
            decode_data=False,
            ident=ident,
            tls_context=tls_context,
            require_starttls=False,
            **smtp_kwargs,
        )
        self.max_sessions = max_sessions
        self.sessions = SessionGauge()

    def factory(self) -> CappedSMTP:
        return CappedSMTP(
            self.handler, max_sessions=self.max_sessions, gauge=self.sessions, **self.SMTP_kwargs
        )
