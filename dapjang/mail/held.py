"""Held and failed mail: listed for a person, and re-processed on their word (RELIABILITY 9, 18)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from dapjang.mail.models import RawMessage
from dapjang.tickets.context import PipelineContext
from dapjang.tickets.pipeline import IngestResult, raw_process


class RetryRefused(ValueError):
    """The mail cannot be retried as asked; the message says why."""


def held_list() -> QuerySet[RawMessage]:
    return RawMessage.objects.filter(state__in=[RawMessage.State.HELD, RawMessage.State.FAILED]).order_by(
        "id"
    )


def held_retry(*, raw_id: int, ctx: PipelineContext, force: bool = False) -> IngestResult:
    """Runs the pipeline again for one held or failed mail; a flood hold is released, once.

    A mail that has failed DAPJANG_MAX_ATTEMPTS times is not retried without `force`: a poison
    message must not be re-driven forever.
    """
    raw = RawMessage.objects.filter(id=raw_id).first()
    if raw is None:
        raise RetryRefused(f"no stored mail with id {raw_id}")
    if raw.state not in (RawMessage.State.HELD, RawMessage.State.FAILED):
        raise RetryRefused(f"mail {raw_id} is {raw.state}, not held or failed: nothing to retry")
    if raw.state == RawMessage.State.FAILED and raw.attempts >= settings.DAPJANG_MAX_ATTEMPTS and not force:
        raise RetryRefused(
            f"mail {raw_id} failed {raw.attempts} times; fix the cause, then retry with --force"
        )
    # Claim it: of two people pressing retry at once, one runs it.
    claimed = RawMessage.objects.filter(id=raw_id, state=raw.state).update(state=RawMessage.State.RECEIVED)
    if claimed != 1:
        raise RetryRefused(f"mail {raw_id} is being retried by someone else")
    raw.state = RawMessage.State.RECEIVED
    return raw_process(raw, ctx=ctx, release=True)
