"""The long-running IMAP watcher for `dapjang serve` and `dapjang scheduler`: one thread a mailbox.

Each thread keeps its connection, polls, then waits in IDLE (RFC 2177) where the server offers it,
so new mail is fetched within a second or so; elsewhere it polls every DAPJANG_IMAP_POLL_SECONDS.
IDLE is renewed every 25 minutes, before servers drop it. A failure is recorded on the mailbox and
the thread reconnects after a doubling delay. The Celery beat task `dapjang.mailboxes_poll` stays
the safety net: a message announced in the instant between a poll and the next IDLE waits for it.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

from dapjang.mail.imap import PollReport, mailbox_error_record, mailbox_poll_session
from dapjang.mail.imap_auth import client_close, mailbox_connect
from dapjang.mail.models import Mailbox

log = logging.getLogger("dapjang.mail.imap")

IDLE_SECONDS = 25 * 60  # a server may end an IDLE after 29 minutes (RFC 2177): renew it before
IDLE_TICK = 1.0  # how often an IDLE looks at the stop event
BACKOFF_SECONDS = (5.0, 300.0)  # reconnect delay after a failure: the first, and the most it doubles to
JOIN_SECONDS = 10.0


@dataclass
class _Watcher:
    version: datetime  # the mailbox's updated_at: a person's edit restarts its watcher
    stop: threading.Event
    thread: threading.Thread


def mailboxes_watch(stop: threading.Event, *, refresh_seconds: float = 60.0) -> None:
    """Watches every enabled mailbox until `stop` is set, re-reading the table every `refresh_seconds`,
    so mailboxes added, edited, disabled or removed are picked up without a restart.
    """
    watchers: dict[int, _Watcher] = {}
    try:
        while not stop.is_set():
            try:
                wanted = dict(Mailbox.objects.filter(enabled=True).values_list("pk", "updated_at"))
            except DatabaseError:
                log.warning("cannot read the mailboxes; trying again in %.0f s", refresh_seconds)
                wanted = {pk: w.version for pk, w in watchers.items()}
            finally:
                close_old_connections()
            for pk, watcher in list(watchers.items()):
                if wanted.get(pk) != watcher.version or not watcher.thread.is_alive():
                    watcher.stop.set()
                    watcher.thread.join(JOIN_SECONDS)
                    del watchers[pk]
            for pk, version in wanted.items():
                if pk not in watchers:
                    own = threading.Event()
                    thread = threading.Thread(
                        target=_watch_one, args=(pk, own), name=f"dapjang-imap-{pk}", daemon=True
                    )
                    thread.start()
                    watchers[pk] = _Watcher(version, own, thread)
            stop.wait(refresh_seconds)
    finally:
        for watcher in watchers.values():
            watcher.stop.set()
        for watcher in watchers.values():
            watcher.thread.join(JOIN_SECONDS)
        connection.close()


def _watch_one(mailbox_id: int, stop: threading.Event) -> None:
    """Keeps one mailbox connected: poll, IDLE (or sleep), poll again; reconnects with backoff."""
    backoff = BACKOFF_SECONDS[0]
    try:
        while not stop.is_set():
            mailbox = Mailbox.objects.filter(pk=mailbox_id).first()
            if mailbox is None:
                return
            try:
                client = mailbox_connect(mailbox)
            except Exception as exc:  # noqa: BLE001 - recorded on the mailbox; reconnect after backoff
                mailbox_error_record(mailbox, PollReport(mailbox.name), exc)
            else:
                try:
                    if _watch_session(client, mailbox, stop):
                        backoff = BACKOFF_SECONDS[0]
                finally:
                    client_close(client)
            close_old_connections()
            stop.wait(backoff)
            backoff = min(backoff * 2, BACKOFF_SECONDS[1])
    except Exception:
        log.exception("IMAP watcher for mailbox %s stopped; it is restarted at the next refresh", mailbox_id)
    finally:
        connection.close()


def _watch_session(client: IMAPClient, mailbox: Mailbox, stop: threading.Event) -> bool:
    """Polls on one connection until `stop` is set or the connection drops (True), or a poll
    fails (False: the error is recorded, and the caller waits longer before the next try).
    """
    idle = client.has_capability("IDLE")
    while not stop.is_set():
        report = mailbox_poll_session(client, mailbox, PollReport(mailbox.name))
        close_old_connections()
        if report.error:
            return False
        if report.fetched:
            continue  # more may have come while we worked: wait only after a look that found nothing
        if not idle:
            stop.wait(settings.DAPJANG_IMAP_POLL_SECONDS)
            continue
        try:
            _idle(client, stop)
        except (IMAPClientError, OSError) as exc:
            # Servers and NAT boxes drop idle connections as a matter of course: reconnect, no alarm.
            log.info("mailbox %s: connection ended during IDLE (%s); reconnecting", mailbox.name, exc)
            return True
    return True


def _idle(client: IMAPClient, stop: threading.Event) -> None:
    """Waits in IDLE until the server announces new mail, IDLE_SECONDS pass, or `stop` is set."""
    client.idle()
    deadline = time.monotonic() + IDLE_SECONDS
    while not stop.is_set() and time.monotonic() < deadline:
        started = time.monotonic()
        responses = client.idle_check(timeout=IDLE_TICK)
        if any(len(r) > 1 and r[1] == b"EXISTS" for r in responses):
            break
        if any(r[:1] == (b"BYE",) for r in responses):
            raise IMAPClientAbortError("the server said BYE")
        if not responses and time.monotonic() - started < IDLE_TICK / 2:
            # A readable socket without a line on it is a closed one (imapclient swallows the EOF).
            raise IMAPClientAbortError("connection closed")
    client.idle_done()
