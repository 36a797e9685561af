"""The IMAP poller: fetch with BODY.PEEK[], store and commit, and only then flag, move or delete.

The order is the guarantee (RELIABILITY 12–15, 17, 26). Each message is stored, handed to the
pipeline and the mailbox's UID cursor moved past it in one transaction; the server is touched only
after that commit. So a crash or a lost connection anywhere leaves every message either stored (and
at worst not yet flagged: the next poll finishes that, see `_finish_pending`) or untouched on the
server, and a message fetched twice is stored once (raw_store is unique by sha256, the pipeline
dedupes by Message-ID). The cursor never passes a UID that is not committed: a batch stops at the
first message it cannot store.
"""

from __future__ import annotations

import logging
import re
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

from dapjang.faults import fault_point
from dapjang.mail.imap_auth import (
    MailboxConfigError,
    client_close,
    error_text,
    mailbox_connect,
    redact,
    secret_forms,
)
from dapjang.mail.models import Mailbox, RawMessage
from dapjang.mail.tasks import raw_dispatch
from dapjang.tickets.pipeline import raw_store
from dapjang.tickets.queues import queue_from_address

log = logging.getLogger("dapjang.mail.imap")

BATCH_BYTES = 8 * 1024 * 1024  # one FETCH brings at most this much (or one message) into memory
BATCH_COUNT = 50
HEADER_BYTES = 65536  # what is kept of an over-size message
TOO_LARGE = b"$DapjangTooLarge"  # keyword on over-size messages, where the server allows keywords
_CONTENT_HEADER = re.compile(rb"^content-[a-z-]*\s*:", re.IGNORECASE)


@dataclass
class PollReport:
    """What one poll of one mailbox did; `error` is empty when it went through to the end."""

    mailbox: str
    fetched: int = 0
    stored: int = 0  # bytes we did not have before
    duplicates: int = 0  # bytes already stored (a re-fetch, another poller, another channel)
    oversize: int = 0
    acted: int = 0  # flagged, moved or deleted on the server after commit
    uidvalidity_reset: bool = False
    error: str = ""

    def summary(self) -> str:
        line = (
            f"{self.mailbox}: fetched {self.fetched}, new {self.stored}, already stored {self.duplicates}, "
            f"over size {self.oversize}, done on the server {self.acted}"
            f" / 가져옴 {self.fetched}, 새 메일 {self.stored}, 이미 있음 {self.duplicates}"
        )
        if self.uidvalidity_reset:
            line += "; UIDVALIDITY reset / UIDVALIDITY 초기화"
        if self.error:
            line += f"; error / 오류: {self.error}"
        return line


@dataclass
class _Session:
    """One logged-in connection polling one mailbox's folder."""

    client: IMAPClient
    mailbox: Mailbox
    report: PollReport
    uidvalidity: int = 0
    keywords: bool = False  # the server keeps keywords of our own (PERMANENTFLAGS has \*)
    envelope_to: tuple[str, ...] = ()
    refused: IMAPClientError | None = None  # the server said NO to a flag, move or delete
    folder_ready: bool = False  # the move-to folder exists


# --- polling -----------------------------------------------------------------------------------------


def mailboxes_poll() -> list[PollReport]:
    """Polls every enabled mailbox once; one mailbox failing never keeps the others from their turn."""
    return [mailbox_poll(mailbox) for mailbox in Mailbox.objects.filter(enabled=True)]


def mailbox_poll(mailbox: Mailbox) -> PollReport:
    """Connects, polls once and logs out. Failures are recorded on the mailbox and reported, not raised."""
    report = PollReport(mailbox.name)
    try:
        client = mailbox_connect(mailbox)
    except Exception as exc:  # noqa: BLE001 - the contract: record it on the mailbox, never raise
        mailbox_error_record(mailbox, report, exc)
        return report
    try:
        mailbox_poll_session(client, mailbox, report)
    finally:
        client_close(client)
    return report


def mailbox_poll_session(client: IMAPClient, mailbox: Mailbox, report: PollReport) -> PollReport:
    """One poll on a connection that is logged in (the watcher keeps one open between polls)."""
    session = _Session(client, mailbox, report)
    try:
        mailbox.refresh_from_db(fields=["uidvalidity", "last_uid"])  # another poller may have moved on
        selected = client.select_folder(mailbox.folder)
        session.uidvalidity = int(selected[b"UIDVALIDITY"])
        session.keywords = b"\\*" in selected.get(b"PERMANENTFLAGS", ())
        session.envelope_to = _queue_address(mailbox)
        cursor = _cursor(session)
        _finish_pending(session, cursor)
        _fetch_new(session, cursor)
        if session.refused is not None:
            raise session.refused
    except Exception as exc:  # noqa: BLE001 - recorded and logged; the poller lives on
        mailbox_error_record(mailbox, report, exc)
    else:
        Mailbox.objects.filter(pk=mailbox.pk).update(last_success_at=timezone.now())
    return report


def _cursor(session: _Session) -> int:
    """The highest committed UID; a new UIDVALIDITY makes every UID we knew meaningless (RELIABILITY 17).

    After a reset the folder is read again from the start. Known mail is recognised by its bytes or
    its Message-ID, so it is neither imported nor acknowledged a second time.
    """
    mailbox = session.mailbox
    if mailbox.uidvalidity == session.uidvalidity:
        return mailbox.last_uid
    if mailbox.uidvalidity is not None:
        log.warning(
            "mailbox %s: UIDVALIDITY reset (%s → %s): reading folder %s again; mail already stored is "
            "recognised and not imported twice",
            mailbox.name,
            mailbox.uidvalidity,
            session.uidvalidity,
            mailbox.folder,
        )
        session.report.uidvalidity_reset = True
    Mailbox.objects.filter(pk=mailbox.pk, uidvalidity=mailbox.uidvalidity).update(
        uidvalidity=session.uidvalidity, last_uid=0
    )
    mailbox.uidvalidity, mailbox.last_uid = session.uidvalidity, 0
    return 0


def _fetch_new(session: _Session, cursor: int) -> None:
    client = session.client
    # "UID n:*" also matches the highest UID when n is past it (RFC 3501 §6.4.8): filter by hand.
    uids = sorted(uid for uid in client.search(["UID", f"{cursor + 1}:*"]) if uid > cursor)
    if uids:
        _fetch_uids(session, uids)


def _fetch_uids(session: _Session, uids: list[int]) -> None:
    """Stores and then acts on each UID in order, stopping at the first that cannot be stored."""
    client = session.client
    sizes: dict[int, int] = {}
    for chunk in _chunks(uids):  # a command line of 50,000 UIDs would be too long for most servers
        sizes.update(
            (uid, int(item.get(b"RFC822.SIZE", 0)))
            for uid, item in client.fetch(chunk, ["RFC822.SIZE"]).items()
        )
    limit = settings.DAPJANG_MAX_MESSAGE_BYTES
    for batch, too_large in _batches(uids, sizes, limit):
        # PEEK: fetching must never set \Seen; only a commit earns that (RELIABILITY 12).
        part, keys = (
            (f"BODY.PEEK[HEADER]<0.{HEADER_BYTES}>", (b"BODY[HEADER]<0>", b"BODY[HEADER]"))
            if too_large
            else ("BODY.PEEK[]", (b"BODY[]",))
        )
        response = client.fetch(batch, [part])
        for uid in batch:
            item = response.get(uid, {})
            data = next((item[key] for key in keys if item.get(key) is not None), None)
            if data is None:
                # Expunged meanwhile, or a connection that returned nothing: the cursor must not pass it.
                raise IMAPClientAbortError(f"the server returned no data for UID {uid}; trying again later")
            session.report.fetched += 1
            fault_point("after-fetch", data)
            oversize = too_large or len(data) > limit
            _store(session, uid, data, oversize_of=max(sizes.get(uid, 0), len(data)) if oversize else 0)
            fault_point("after-commit-before-flag", data)
            _act(session, [uid], oversize=oversize)


def _chunks(uids: list[int], size: int = 500) -> Iterator[list[int]]:
    for start in range(0, len(uids), size):
        yield uids[start : start + size]


def _batches(uids: list[int], sizes: dict[int, int], limit: int) -> Iterator[tuple[list[int], bool]]:
    """UIDs in order, in FETCH-sized groups; an over-size message goes alone, for its headers only."""
    batch: list[int] = []
    total = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if size > limit or (batch and (total + size > BATCH_BYTES or len(batch) >= BATCH_COUNT)):
            if batch:
                yield batch, False
            batch, total = [], 0
        if size > limit:
            yield [uid], True
            continue
        batch.append(uid)
        total += size
    if batch:
        yield batch, False


def _store(session: _Session, uid: int, data: bytes, *, oversize_of: int) -> None:
    """Stores one message and moves the cursor past it, in one transaction."""
    mailbox, report = session.mailbox, session.report
    source = f"{mailbox.name}/{session.uidvalidity}/{uid}"
    with transaction.atomic():
        if oversize_of:
            data = _placeholder(data, oversize_of, mailbox)
        raw, created = raw_store(data, channel="imap", source=source, envelope_to=list(session.envelope_to))
        if created:
            position: dict[str, object] = {"mailbox": mailbox, "uidvalidity": session.uidvalidity, "uid": uid}
            if oversize_of:
                position.update(
                    state=RawMessage.State.HELD, outcome="held", reason=_oversize_reason(oversize_of)
                )
            RawMessage.objects.filter(pk=raw.pk).update(**position)
        if not oversize_of and (created or raw.state == RawMessage.State.RECEIVED):
            raw_dispatch(raw.id)  # processing starts once this transaction has committed
        Mailbox.objects.filter(pk=mailbox.pk, uidvalidity=session.uidvalidity, last_uid__lt=uid).update(
            last_uid=uid
        )
        fault_point("before-commit", data)
    report.stored += created
    report.duplicates += not created
    report.oversize += bool(oversize_of)


def _act(session: _Session, uids: list[int], *, oversize: bool = False) -> None:
    """What the mailbox asks for once the messages are committed; over-size ones are only flagged.

    A refusal (NO: a read-only folder, a folder we may not create) does not stop the batch: the mail
    is stored, which matters more. It is reported when the poll ends, and retried at the next one.
    A lost connection does stop it.
    """
    try:
        _act_now(session, uids, oversize=oversize)
    except IMAPClientAbortError:
        raise
    except IMAPClientError as exc:
        session.refused = exc


def _act_now(session: _Session, uids: list[int], *, oversize: bool) -> None:
    client, mailbox = session.client, session.mailbox
    if oversize:
        # Kept on the server for a person, never deleted: we hold only its headers (RELIABILITY 26).
        client.add_flags(uids, [b"\\Flagged", *([TOO_LARGE] if session.keywords else [])], silent=True)
        return
    if mailbox.after == Mailbox.After.SEEN:
        client.add_flags(uids, [b"\\Seen"], silent=True)
    elif mailbox.after == Mailbox.After.MOVE:
        if not session.folder_ready and not client.folder_exists(mailbox.move_to):
            client.create_folder(mailbox.move_to)
        session.folder_ready = True
        if client.has_capability("MOVE"):
            client.move(uids, mailbox.move_to)
        else:
            client.copy(uids, mailbox.move_to)
            _delete(client, uids)
    else:
        _delete(client, uids)
    session.report.acted += len(uids)


def _delete(client: IMAPClient, uids: list[int]) -> None:
    client.delete_messages(uids, silent=True)
    if client.has_capability("UIDPLUS"):
        client.uid_expunge(uids)
    else:  # plain EXPUNGE also removes what others marked \Deleted in this folder
        client.expunge()


def _finish_pending(session: _Session, cursor: int) -> None:
    """Flags, moves or deletes what is stored but was not acted on: the connection dropped in between.

    Every UID up to the cursor is committed, so acting on it is safe. Flagged messages are left
    alone (over-size ones, anything a person flagged). An over-size message that lost its flag is
    recognised by its size and flagged again: only its headers are stored, so it is never deleted.
    """
    if cursor == 0:
        return
    client = session.client
    criteria = ["UID", f"1:{cursor}", "NOT", "FLAGGED"]
    if session.mailbox.after == Mailbox.After.SEEN:
        criteria.append("UNSEEN")
    uids = sorted(client.search(criteria))
    if uids:
        log.info("mailbox %s: finishing %d stored messages left unflagged", session.mailbox.name, len(uids))
    limit = settings.DAPJANG_MAX_MESSAGE_BYTES
    for chunk in _chunks(uids):
        sizes = client.fetch(chunk, ["RFC822.SIZE"])
        large = [uid for uid in chunk if int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0)) > limit]
        if large:
            _act(session, large, oversize=True)
        if len(large) < len(chunk):
            _act(session, [uid for uid in chunk if uid not in large])


def _queue_address(mailbox: Mailbox) -> tuple[str, ...]:
    """The mailbox's queue becomes the envelope recipient, which routing looks at first."""
    return (queue_from_address(mailbox.queue),) if mailbox.queue is not None else ()


def _placeholder(data: bytes, size: int, mailbox: Mailbox) -> bytes:
    """What an over-size message is stored as: its headers and a note on where the whole of it is.

    No UID in it, so finding the message again (after a UIDVALIDITY reset) gives the same bytes and
    so no second row.
    """
    head = re.split(rb"\r?\n\r?\n", data[:HEADER_BYTES], maxsplit=1)[0]
    lines: list[bytes] = []
    skipping = False
    for line in re.split(rb"\r?\n", head):
        if line[:1] in (b" ", b"\t"):
            if not skipping:
                lines.append(line)
            continue
        skipping = bool(_CONTENT_HEADER.match(line))  # the MIME structure of a body we do not keep
        if not skipping:
            lines.append(line)
    note = (
        f"This message is {size:,} bytes, over the limit of {settings.DAPJANG_MAX_MESSAGE_BYTES:,} "
        f"(DAPJANG_MAX_MESSAGE_BYTES). Only its headers are kept here; the message stays on the IMAP "
        f"server, flagged, in {mailbox.name} / {mailbox.folder}.\r\n"
        f"크기 제한을 넘는 메일({size:,} 바이트)이라 헤더만 보관했습니다. 원본은 IMAP 서버"
        f"({mailbox.name} / {mailbox.folder})에 깃발을 달아 남겨 두었습니다.\r\n"
    )
    lines += [
        b"X-Dapjang-Placeholder: over-size",
        b"Content-Type: text/plain; charset=utf-8",
        b"Content-Transfer-Encoding: 8bit",
    ]
    return b"\r\n".join(lines) + b"\r\n\r\n" + note.encode()


def _oversize_reason(size: int) -> str:
    return (
        f"over the size limit: {size:,} bytes > {settings.DAPJANG_MAX_MESSAGE_BYTES:,}; headers kept, the "
        "message stays flagged on the IMAP server / 크기 제한 초과: 헤더만 보관, 원본은 서버에 있습니다"
    )


def mailbox_error_record(mailbox: Mailbox, report: PollReport, exc: BaseException) -> None:
    """Records a failure on the mailbox (for the admin) and in the log, in words free of secrets."""
    text = error_text(exc, mailbox)
    report.error = text
    if isinstance(exc, IMAPClientError | OSError | MailboxConfigError):
        log.warning("mailbox %s: %s", mailbox.name, text)
    else:
        trace = "".join(traceback.format_exception(exc))
        log.error("mailbox %s: %s\n%s", mailbox.name, text, redact(trace, secret_forms(mailbox)))
    try:
        Mailbox.objects.filter(pk=mailbox.pk).update(last_error=text, last_error_at=timezone.now())
    except DatabaseError:
        log.warning("mailbox %s: could not record the error (database unavailable)", mailbox.name)


def mailboxes_watch(stop: threading.Event, *, refresh_seconds: float = 60.0) -> None:
    """Watches every enabled mailbox until `stop` is set; see `imap_watch` (it builds on this module)."""
    from dapjang.mail.imap_watch import mailboxes_watch as watch

    watch(stop, refresh_seconds=refresh_seconds)
