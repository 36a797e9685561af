"""What goes in and out of the API: explicit fields only, so no model field leaks and none can be set by surprise.

Inputs ignore fields they do not name (a client may send `is_admin` or `queue_id`; nothing reads it,
RELIABILITY 34). Text is refused when it holds a NUL or a lone surrogate: PostgreSQL cannot store
either, and a client should hear that as a 422, not a 500.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Self

from django.utils import timezone
from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator, StringConstraints, WithJsonSchema, model_validator

from dapjang.customers.models import Customer
from dapjang.tickets.models import Ticket

# Literals, not the model's choices, so the OpenAPI document lists them; a test keeps them in step.
StatusName = Literal["new", "open", "waiting", "solved", "closed"]
PriorityName = Literal["low", "normal", "high", "urgent"]

PRIORITY_BY_NAME: dict[str, int] = {p.name.lower(): int(p.value) for p in Ticket.Priority}
PRIORITY_NAMES: dict[int, str] = {v: k for k, v in PRIORITY_BY_NAME.items()}
STATUSES: tuple[str, ...] = tuple(Ticket.Status.values)
SEGMENTS: tuple[str, ...] = tuple(Customer.Segment.values)

SORT_KEYS: tuple[str, ...] = ("priority", "created_at", "updated_at", "number", "due_at")
DUES: tuple[str, ...] = ("overdue", "today")
DEFAULT_SORT = "-priority,created_at"
MAX_LIMIT = 200
MAX_OFFSET = 1_000_000


# Patterns are part of the OpenAPI document, so a generated client (or schemathesis) knows what is
# valid; pydantic enforces the same ones.
NO_NUL = r"^[^\x00]*$"
NOT_BLANK = r"^[^\x00]*[^\x00\s][^\x00]*$"
EMAIL = r"^[A-Za-z0-9_%+-]+(\.[A-Za-z0-9_%+-]+)*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,63}$"


def _one_of(values: tuple[str, ...] | list[str], *, signed: bool = False) -> str:
    """A comma-separated list of these values, as a pattern for the OpenAPI document."""
    item = ("-?" if signed else "") + "(" + "|".join(values) + ")"
    return f"^{item}(,{item})*$"


def _storable(value: object) -> None:
    """Lone surrogates (JSON allows "\\ud800") cannot be written to PostgreSQL; no pattern can say so."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("text must be valid Unicode") from None
    elif isinstance(value, list):
        for item in value:
            _storable(item)


def _moment(value: datetime) -> datetime:
    """Naive times are the desk's local time; a time beyond the calendar's ends is clamped to the end."""
    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        return (datetime.min if value.year < 2000 else datetime.max).replace(tzinfo=UTC)  # noqa: DTZ901


_ISO = re.compile(r"\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})?)?")


def _iso_only(value: object) -> object:
    """pydantic would also read `0.5` as a Unix time; a query parameter that is not a date is a mistake."""
    if isinstance(value, str) and not _ISO.fullmatch(value):
        raise ValueError(
            "expected an ISO 8601 date or date-time, e.g. 2026-11-23 or 2026-11-23T09:00:00+09:00"
        )
    return value


Moment = Annotated[
    datetime,
    BeforeValidator(_iso_only),
    AfterValidator(_moment),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"}]}
    ),
]
CcAddress = Annotated[str, StringConstraints(max_length=254, pattern=EMAIL)]


class InputSchema(Schema):
    """A JSON body: fields it does not name are ignored (pydantic's default), text must be storable."""

    @model_validator(mode="after")
    def _text_is_storable(self) -> Self:
        for name in type(self).model_fields:
            _storable(getattr(self, name))
        return self


# --- errors --------------------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str | list[dict[str, Any]] = Field(
        description="What went wrong, in Korean and English; for 422 the list of invalid fields."
    )
    correlation_id: str = Field(description="Quote it to an administrator: it finds the request in our log.")
    allowed: list[str] | None = Field(
        None, description="For an unknown parameter or sort key: the ones accepted."
    )
    unknown: list[str] | None = Field(
        None, description="The parameters or sort keys that were not recognised."
    )


# --- queries -------------------------------------------------------------------------------------------


class TicketFilters(Schema):
    queue: str | None = Field(
        None, max_length=500, pattern=NO_NUL, description="Queue slugs, comma-separated."
    )
    # Values outside these lists are a 400 naming the allowed ones, so the pattern is documented only.
    status: str | None = Field(
        None,
        max_length=200,
        description=f"Comma-separated: {', '.join(STATUSES)}.",
        json_schema_extra={"pattern": _one_of(STATUSES)},
    )
    assignee: str | None = Field(
        None,
        max_length=254,
        pattern=NO_NUL,
        description='An agent\'s e-mail address, "me" or "none" (unassigned).',
    )
    priority: str | None = Field(
        None,
        max_length=100,
        description=f"Comma-separated: {', '.join(PRIORITY_BY_NAME)}.",
        json_schema_extra={"pattern": _one_of(list(PRIORITY_BY_NAME))},
    )
    customer: str | None = Field(
        None, max_length=320, pattern=NO_NUL, description="The customer's e-mail address."
    )
    segment: str | None = Field(
        None,
        max_length=200,
        description=f"Comma-separated: {', '.join(SEGMENTS)}.",
        json_schema_extra={"pattern": _one_of(SEGMENTS)},
    )
    due: str | None = Field(
        None,
        max_length=20,
        description="overdue: past the reply promise; today: due before midnight (the desk's time zone).",
        json_schema_extra={"pattern": _one_of(DUES)},
    )
    triage: bool | None = Field(
        None, description="true: only tickets waiting for an agent to pick their queue; false: none of them."
    )
    q: str | None = Field(
        None, max_length=200, pattern=NO_NUL, description="Words to search for (all must match)."
    )
    created_after: Moment | None = Field(None, description="Received at or after (ISO 8601).")
    created_before: Moment | None = Field(None, description="Received before (ISO 8601).")
    sort: str = Field(
        DEFAULT_SORT,
        max_length=200,
        description=(
            f"Comma-separated keys, '-' for descending: {', '.join(SORT_KEYS)}. "
            "With q and no sort, the best matches come first."
        ),
        json_schema_extra={"pattern": _one_of(SORT_KEYS, signed=True)},
    )
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


# --- out -------------------------------------------------------------------------------------------------


class CustomerRef(Schema):
    id: int
    email: str
    name: str
    segment: str


class TicketOut(Schema):
    number: str
    subject: str
    status: str
    priority: str
    queue: str = Field(description="The queue's slug.")
    queue_name: str
    assignee: str | None = Field(description="The assigned agent's e-mail address.")
    customer: CustomerRef | None
    channel: str
    language: str
    kind: str = Field(description="What kind of mail opened the ticket: human, auto-reply, bulk…")
    tags: list[str]
    topic: str = Field(description="The topic the classifier gave it (empty when none).")
    confidence: float | None = Field(description="The classifier's confidence in that topic, 0–1.")
    triage: bool = Field(description="Waiting for an agent to pick its queue.")
    due_at: datetime | None = Field(description="The next target of the reply promise.")
    first_response_at: datetime | None
    auto_answered: bool = Field(description="An FAQ answer went out by itself.")
    created_at: datetime
    updated_at: datetime
    url: str


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    inline: bool
    url: str = Field(description="Download it with the same token.")


class ArticleOut(Schema):
    id: int
    direction: str = Field(description="in, out, or note (internal).")
    kind: str
    from_email: str
    from_name: str
    to: list[str]
    cc: list[str]
    subject: str
    text: str
    message_id: str
    in_reply_to: str
    author: str | None = Field(description="The agent who wrote it; null for mail and the system.")
    created_at: datetime
    attachments: list[AttachmentOut]


class EventOut(Schema):
    field: str
    old: str
    new: str
    actor: str | None = Field(description="The agent's e-mail address; null for the system.")
    created_at: datetime


class TicketDetail(TicketOut):
    articles: list[ArticleOut]
    events: list[EventOut]


class TicketPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[TicketOut]


class CustomerOut(Schema):
    id: int
    name: str
    email: str
    segment: str
    language: str
    first_contact: datetime
    tickets: list[TicketOut] = Field(description="Only the tickets you may see.")


# --- in --------------------------------------------------------------------------------------------------


class ReplyIn(InputSchema):
    body: str = Field(max_length=20_000, pattern=NOT_BLANK)
    cc: list[CcAddress] = Field(default_factory=list, max_length=20)
    status_after: StatusName | None = Field(None, description="Status after the reply; default waiting.")


class NoteIn(InputSchema):
    body: str = Field(max_length=20_000, pattern=NOT_BLANK)


class TicketPatch(InputSchema):
    status: StatusName | None = None
    priority: PriorityName | None = None
    queue: str | None = Field(
        None, max_length=50, pattern=NO_NUL, description="The slug of the queue to move it to."
    )
    assignee: str | None = Field(
        None, max_length=254, pattern=NO_NUL, description="An agent's e-mail address; null unassigns."
    )
