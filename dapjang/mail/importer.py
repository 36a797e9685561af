"""`dapjang import`: .eml files, folders, Maildir and mbox, through the same pipeline as live mail.

Files on disk are already durable, so a batch of messages shares one transaction (each message in
its own savepoint): that is what makes a bulk import fast on SQLite. Results are reported only after
their batch has committed, so what the command prints is what the database holds.
"""

from __future__ import annotations

import mailbox
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from django.db import transaction

from dapjang.tickets.context import PipelineContext
from dapjang.tickets.pipeline import IngestResult, ingest

MBOX_SUFFIXES = {".mbox", ".mbx"}
BATCH = 100


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


def import_items(
    items: list[MailItem], *, on_result: Callable[[MailItem, IngestResult], None], batch: int = BATCH
) -> None:
    ctx = PipelineContext()
    for chunk in _batched(items, batch):
        done: list[tuple[MailItem, IngestResult]] = []
        with transaction.atomic():
            for item in chunk:
                done.append((item, _import_one(item, ctx)))
        for item, result in done:
            on_result(item, result)


def _import_one(item: MailItem, ctx: PipelineContext) -> IngestResult:
    try:
        data = item.load()
    except OSError as exc:
        return IngestResult(0, "failed", "", None, f"cannot read the file: {exc.strerror or exc}")
    return ingest(data, channel="file", ctx=ctx, source=item.label)
