"""The two statements every ingested mail runs, as plain parameterised SQL.

Measured on this machine (SQLite, 2026-11-23): building the same SELECT through the ORM costs
0.32 ms against 0.02 ms for the SQL itself, and the UPDATE 0.24 ms, about a sixth of the whole
per-mail budget of a bulk import. Table and column names come from the models, values are always
parameters; everything else in the pipeline stays on the ORM.
"""

from __future__ import annotations

from typing import NamedTuple

from django.db import connection

from dapjang.mail.models import RawMessage
from dapjang.tickets.models import Article


class KnownArticle(NamedTuple):
    id: int
    message_id: str
    content_hash: str
    ticket_id: int


_ARTICLE = Article._meta.db_table
_RAW = RawMessage._meta.db_table


def articles_with_message_ids(ids: list[str]) -> list[KnownArticle]:
    if not ids:
        return []
    marks = ", ".join(["%s"] * len(ids))
    sql = f"SELECT id, message_id, content_hash, ticket_id FROM {_ARTICLE} WHERE message_id IN ({marks})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        return [KnownArticle(*row) for row in cursor.fetchall()]


_FINISH = (
    f"UPDATE {_RAW} SET state = %s, outcome = %s, kind = %s, sender = %s, message_id = %s, "  # noqa: S608
    "reason = %s, ticket_id = %s, next_attempt_at = NULL WHERE id = %s"
)


def raw_message_finish(
    *,
    raw_id: int,
    state: str,
    outcome: str,
    kind: str,
    sender: str,
    message_id: str,
    reason: str,
    ticket_id: int | None,
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_FINISH, [state, outcome, kind, sender, message_id, reason, ticket_id, raw_id])
