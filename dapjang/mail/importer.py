"""`dapjang import`: .eml files, folders, Maildir and mbox, through the same pipeline as live mail.

Files on disk are already durable, so a batch of messages shares one transaction (each message in
its own savepoint): that is what makes a bulk import fast on SQLite. Results are reported only after
their batch has committed, so what the command prints is what the database holds.
"""

from __future__ import annotations

import hashlib
import logging
import mailbox
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from django.db import IntegrityError, transaction

from dapjang.mail.models import RawMessage
from dapjang.mail.parse import ParsedMail, parse_mail
from dapjang.tickets.context import PipelineContext
from dapjang.tickets.pipeline import IngestResult, ingest

log = logging.getLogger("dapjang.mail.importer")

MBOX_SUFFIXES = {".mbox", ".mbx"}
BATCH = 100
DEFAULT_JOBS = min(2, os.cpu_count() or 1)


class ImportSourceError(ValueError):
    """A path given to `dapjang import` cannot be read as mail."""


@dataclass(frozen=True)
class MailItem:
    """One message to import: where it came from, and how to read its bytes when its turn comes."""

    label: str
    load: Callable[[], bytes]


def _file_loader(path: Path) -> Callable[[], bytes]:
    return path.read_bytes


def _mailbox_loader(box: mailbox.Mailbox[mailbox.Message], key: str) -> Callable[[], bytes]:
    return lambda: box.get_bytes(key)


def _is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() and (path / "new").is_dir()


def _mailbox_items(box: mailbox.Mailbox[mailbox.Message], label: str) -> Iterator[MailItem]:
    for key in sorted(box.keys()):
        yield MailItem(f"{label}#{key}", _mailbox_loader(box, key))


def mail_items(path: Path, fmt: str = "auto") -> Iterator[MailItem]:
    """Every message under one path; the format is found from the path unless `fmt` says it."""
    if not path.exists():
        raise ImportSourceError(f"{path}: no such file or folder / 파일이나 폴더가 없습니다")
    if fmt == "maildir" or (fmt == "auto" and path.is_dir() and _is_maildir(path)):
        yield from _mailbox_items(mailbox.Maildir(path, factory=None, create=False), str(path))
    elif path.is_dir():
        for child in sorted(path.iterdir()):
            if child.name.startswith("."):
                continue  # .done markers, editor files: not mail
            if child.is_dir() or fmt == "auto":
                yield from mail_items(child, fmt)
            else:
                yield MailItem(str(child), _file_loader(child))
    elif fmt == "mbox" or (fmt == "auto" and (path.suffix.lower() in MBOX_SUFFIXES or path.name == "mbox")):
        yield from _mailbox_items(mailbox.mbox(path, factory=None, create=False), str(path))
    else:
        yield MailItem(str(path), _file_loader(path))


def _batched(items: list[MailItem], size: int) -> Iterator[list[MailItem]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


@dataclass
class _Loaded:
    """One message read from disk, with its parse running in a worker (or not, with one job)."""

    item: MailItem
    data: bytes | None
    error: str = ""
    parsed: Future[ParsedMail] | None = None
    digest: str = ""


def _load(chunk: list[MailItem], pool: ProcessPoolExecutor | None) -> list[_Loaded]:
    out = []
    for item in chunk:
        try:
            data = item.load()
        except OSError as exc:
            out.append(_Loaded(item, None, f"cannot read the file: {exc.strerror or exc}"))
            continue
        parsed = pool.submit(parse_mail, data) if pool else None
        out.append(_Loaded(item, data, parsed=parsed, digest=hashlib.sha256(data).hexdigest()))
    return out


def _parsed(loaded: _Loaded) -> ParsedMail | None:
    """The worker's parse, or None so that the pipeline parses itself (a worker died, say)."""
    if loaded.parsed is None:
        return None
    try:
        return loaded.parsed.result()
    except Exception:
        log.warning("parse worker failed for %s; parsing here instead", loaded.item.label, exc_info=True)
        return None


def import_items(
    items: list[MailItem],
    *,
    on_result: Callable[[MailItem, IngestResult], None],
    batch: int = BATCH,
    jobs: int = 1,
) -> None:
    """Imports in batches; with jobs > 1 the next batch is parsed in worker processes meanwhile.

    Parsing is about a third of the work and needs no database, so a second core takes it while
    this process writes: the pipeline is the same, it only receives the mail already parsed.
    """
    ctx = PipelineContext()
    chunks = _batched(items, batch)
    with ProcessPoolExecutor(max_workers=jobs - 1) if jobs > 1 else nullcontext() as pool:
        ahead = _load(next(chunks, []), pool)
        while ahead:
            current, ahead = ahead, _load(next(chunks, []), pool)
            try:
                done = _import_batch(current, ctx, fast=True)
            except IntegrityError:
                # Another writer stored some of these bytes meanwhile: the batch rolled back whole,
                # so run it again the careful way, with caches that may hold rolled-back rows dropped.
                ctx = PipelineContext()
                done = _import_batch(current, ctx, fast=False)
            for item, result in done:
                on_result(item, result)


def _import_batch(
    batch: list[_Loaded], ctx: PipelineContext, *, fast: bool
) -> list[tuple[MailItem, IngestResult]]:
    """One transaction; with `fast`, one query finds which bytes are new instead of one per mail."""
    with transaction.atomic():
        stored: set[str] = set()
        if fast:
            digests = [b.digest for b in batch if b.data is not None]
            stored = set(RawMessage.objects.filter(sha256__in=digests).values_list("sha256", flat=True))
        done = []
        for loaded in batch:
            known_new = False
            if fast and loaded.data is not None:
                known_new = loaded.digest not in stored
                stored.add(loaded.digest)  # the same bytes twice in one batch: the second is a duplicate
            done.append((loaded.item, _import_one(loaded, ctx, known_new=known_new)))
        return done


def _import_one(loaded: _Loaded, ctx: PipelineContext, *, known_new: bool) -> IngestResult:
    if loaded.data is None:
        return IngestResult(0, "failed", "", None, loaded.error)
    return ingest(
        loaded.data,
        channel="file",
        ctx=ctx,
        source=loaded.item.label,
        parsed=_parsed(loaded),
        known_new=known_new,
    )
