"""Ticket search in Korean and English: the query every caller uses, and the index behind it.

`tickets_search(queryset, query)` narrows a queryset the caller has already limited to what the
agent may see, so search can never widen access. Each ticket has one `TicketSearch` row with its
terms (search_terms.py explains the bigrams): on PostgreSQL a GIN index finds them, on SQLite an FTS5
table. Both answer the same AND-of-terms question, so results do not depend on the database. The
index is written in the same transaction as the article it comes from (the pipeline and the agent
services call `search_index_article`), and `dapjang search reindex` rebuilds it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from django.db import DatabaseError, NotSupportedError, connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Case, Lookup, Q, QuerySet, Value, When
from django.db.models.functions import Lower, Replace, StrIndex
from django.db.models.lookups import GreaterThan
from django.db.models.sql.compiler import SQLCompiler

from dapjang.tickets.models import Article, SearchTermsField, Ticket, TicketSearch
from dapjang.tickets.search_terms import (
    MAX_TERMS,
    Terms,
    article_terms,
    header_terms,
    query_terms,
    terms_value,
)

log = logging.getLogger("dapjang.search")

_TABLE = TicketSearch._meta.db_table
FTS_TABLE = f"{_TABLE}_fts"  # SQLite only, created by migration 0003


def tickets_search(tickets: QuerySet[Ticket], query: str) -> QuerySet[Ticket]:
    """The tickets of `tickets` that contain every word of `query`, subject hits first, then newest.

    The order is a default, given as an expression rather than an annotation, so a caller's own
    `order_by` replaces it and costs nothing. A query with nothing searchable in it (only
    punctuation) matches nothing; a blank one leaves the queryset as it was.
    """
    if not query.strip():
        return tickets
    terms = query_terms(query)
    if not terms:
        return tickets.none()
    matching = TicketSearch.objects.filter(terms__matches=terms).values("ticket_id")
    return tickets.filter(id__in=matching).order_by(_subject_hit(terms).desc(), "-created_at", "-id")


def _subject_hit(terms: Terms) -> Case:
    """1 when the subject holds every term (read as the index reads it: lower case, spaces dropped)."""
    squashed = Replace(Lower("subject"), Value(" "), Value(""))
    every = Q()
    for term in terms.items:
        every &= Q(GreaterThan(StrIndex(squashed, Value(term.text)), 0))
    return Case(When(every, then=Value(1)), default=Value(0))


@SearchTermsField.register_lookup
class Matches(Lookup):
    """`terms__matches=Terms(...)`: the row has every term (a prefix term: any term starting so)."""

    lookup_name = "matches"
    prepare_rhs = False

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[str | int, ...]]:
        terms: Terms = self.rhs
        lhs, lhs_params = self.process_lhs(compiler, connection)
        vendor = connection.vendor
        if vendor == "postgresql":
            # The expression of the GIN index (migration 0003 says why it is wrapped).
            return f"dapjang_search_terms({lhs}) @@ %s::tsquery", (*lhs_params, _tsquery(terms))
        if vendor == "sqlite":
            # The FTS5 table shares its rowid with the ticket id.
            alias = compiler.quote_name_unless_alias(self.lhs.alias)
            sql = (
                f'{alias}."ticket_id" IN (SELECT rowid FROM "{FTS_TABLE}" '  # noqa: S608 - names are ours
                f'WHERE "{FTS_TABLE}" MATCH %s)'
            )
            return sql, (_fts_query(terms),)
        raise NotSupportedError(f"ticket search does not support {vendor} / 지원하지 않는 데이터베이스")


def _tsquery(terms: Terms) -> str:
    parts = []
    for term in terms.items:
        lexeme = term.text.replace("\\", "\\\\").replace("'", "''")
        parts.append(f"'{lexeme}'" + (":*" if term.prefix else ""))
    return " & ".join(parts)


def _fts_query(terms: Terms) -> str:
    parts = []
    for term in terms.items:
        quoted = '"' + term.text.replace('"', '""') + '"'
        parts.append(quoted + ("*" if term.prefix else ""))
    return " AND ".join(parts)


# --- keeping the index current -----------------------------------------------------------------------


def _merge_sql() -> str:
    if connection.vendor == "postgresql":
        # A tsvector holds at most 1 MB; a thread that long keeps the terms it has.
        return (
            f"UPDATE {_TABLE} SET terms = CASE WHEN length(terms) < {MAX_TERMS} "  # noqa: S608
            "THEN terms || %s::tsvector ELSE terms END WHERE ticket_id = %s"
        )
    return f"UPDATE {_TABLE} SET terms = terms || ' ' || %s WHERE ticket_id = %s"  # noqa: S608


def _upsert_sql() -> str:
    value = "%s::tsvector" if connection.vendor == "postgresql" else "%s"
    return (
        f"INSERT INTO {_TABLE} (ticket_id, terms) VALUES (%s, {value}) "  # noqa: S608
        "ON CONFLICT (ticket_id) DO UPDATE SET terms = excluded.terms"
    )


def search_index_article(article: Article, *, ticket: Ticket, new_ticket: bool = False) -> None:
    """Adds an article's words to its ticket's entry, or writes the entry of a ticket just created.

    Runs in the caller's transaction, in a savepoint of its own: the index can always be rebuilt,
    so a failure here is logged and never costs the customer's mail or the agent's reply.
    """
    words = article_terms(
        kind=article.kind,
        subject=article.subject,
        new_text=article.new_text,
        text=article.text,
        from_email=article.from_email,
    )
    missing = False
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if new_ticket:
                customer = ticket.customer
                words |= header_terms(
                    number=ticket.number,
                    subject=ticket.subject,
                    customer_email=customer.email if customer else "",
                    customer_name=customer.name if customer else "",
                )
                cursor.execute(_upsert_sql(), [ticket.id, terms_value(words)])
            elif words:
                cursor.execute(_merge_sql(), [terms_value(words), ticket.id])
                missing = cursor.rowcount == 0
        if missing:  # a ticket from before the index existed: its whole entry, once
            search_reindex(ticket_ids=[ticket.id])
    except DatabaseError:
        log.exception(
            "search index not updated for ticket %s; `dapjang search reindex` repairs it", ticket.id
        )


def search_reindex(
    *,
    ticket_ids: Iterable[int] | None = None,
    batch: int = 500,
    progress: Callable[[int], object] | None = None,
) -> int:
    """Rebuilds the entries of these tickets (all when None) from their articles; returns how many.

    Reads in batches of ticket ids, so memory stays flat however large the desk is.
    """
    tickets = Ticket.objects.order_by("id")
    if ticket_ids is not None:
        tickets = tickets.filter(id__in=list(ticket_ids))
    done = 0
    last_id = 0
    while True:
        rows = list(
            tickets.filter(id__gt=last_id).values_list(
                "id", "number", "subject", "customer__email", "customer__name"
            )[:batch]
        )
        if not rows:
            return done
        last_id = rows[-1][0]
        with transaction.atomic():
            _reindex_batch(rows)
        done += len(rows)
        if progress is not None:
            progress(len(rows))


def _reindex_batch(rows: Sequence[tuple[int, str, str, str | None, str | None]]) -> None:
    words: dict[int, set[str]] = defaultdict(set)
    articles = Article.objects.filter(ticket_id__in=[r[0] for r in rows]).values_list(
        "ticket_id", "kind", "subject", "new_text", "text", "from_email"
    )
    for ticket_id, kind, subject, new_text, text, from_email in articles.iterator(chunk_size=2000):
        words[ticket_id] |= article_terms(
            kind=kind, subject=subject, new_text=new_text, text=text, from_email=from_email
        )
    params: list[tuple[int, str]] = []
    for ticket_id, number, subject, email, name in rows:
        head = header_terms(
            number=number, subject=subject, customer_email=email or "", customer_name=name or ""
        )
        params.append((ticket_id, terms_value(head | words[ticket_id])))
    with connection.cursor() as cursor:
        cursor.executemany(_upsert_sql(), params)
