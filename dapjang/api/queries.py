"""Turning query parameters into a narrower ticket query, by allowlist only (RELIABILITY 34).

Each parameter maps to one filter written out here; nothing from the request becomes an ORM
lookup name, so `?assignee__password__startswith=a` is an unknown parameter (400), never a query.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from dapjang.agents.models import Agent
from dapjang.api.errors import ApiError
from dapjang.api.schemas import DUES, PRIORITY_BY_NAME, SEGMENTS, SORT_KEYS, STATUSES, TicketFilters
from dapjang.customers.models import Customer, Identity
from dapjang.tickets.clocks import day_end
from dapjang.tickets.models import Ticket
from dapjang.tickets.search import tickets_search


def reject_unknown_parameters(request: HttpRequest, allowed: Iterable[str] = ()) -> None:
    """ninja drops parameters it does not know; a typo'd filter would silently widen the list, so refuse."""
    accepted = sorted(allowed)
    unknown = sorted(k for k in request.GET if k not in accepted)
    if unknown:
        raise ApiError(
            400,
            f"unknown query parameter: {', '.join(unknown)} / 알 수 없는 검색 조건입니다: {', '.join(unknown)}",
            unknown=unknown,
            allowed=accepted,
        )


def _values(field: str, raw: str | None, allowed: Iterable[str] | None = None) -> list[str]:
    """A comma-separated parameter as a list; values outside `allowed` are a 400 naming the ones accepted.

    Strict (no spaces, no empty items) where there is an allowlist, as the documented pattern says.
    """
    if raw is None:
        return []
    if allowed is None:
        return [v.strip() for v in raw.split(",") if v.strip()]
    values = raw.split(",")
    accepted = list(allowed)
    wrong = [v for v in values if v not in accepted]
    if wrong:
        raise ApiError(
            400,
            f"unknown {field}: {', '.join(wrong)} / 알 수 없는 값입니다: {', '.join(wrong)}",
            unknown=wrong,
            allowed=accepted,
        )
    return values


def tickets_filtered(tickets: QuerySet[Ticket], f: TicketFilters, agent: Agent) -> QuerySet[Ticket]:
    """Narrows a query the caller took from `tickets_visible_to`; every branch only ever narrows."""
    if slugs := _values("queue", f.queue):
        tickets = tickets.filter(queue__slug__in=slugs)
    if statuses := _values("status", f.status, STATUSES):
        tickets = tickets.filter(status__in=statuses)
    if priorities := _values("priority", f.priority, PRIORITY_BY_NAME):
        tickets = tickets.filter(priority__in=[PRIORITY_BY_NAME[p] for p in priorities])
    if segments := _values("segment", f.segment, SEGMENTS):
        tickets = tickets.filter(customer__segment__in=segments)
    if f.assignee is not None:
        who = f.assignee.strip().lower()
        if who == "me":
            tickets = tickets.filter(assignee_id=agent.user_id)
        elif who == "none":
            tickets = tickets.filter(assignee__isnull=True)
        else:
            tickets = tickets.filter(assignee__email__iexact=who)
    if f.customer is not None:
        email = f.customer.strip().lower()
        # A subquery, so a customer with several addresses does not repeat their tickets.
        customers = Customer.objects.filter(
            Q(email__iexact=email) | Q(identities__kind=Identity.Kind.EMAIL, identities__value=email)
        )
        tickets = tickets.filter(customer__in=customers.values("pk"))
    if f.created_after is not None:
        tickets = tickets.filter(created_at__gte=f.created_after)
    if f.created_before is not None:
        tickets = tickets.filter(created_at__lt=f.created_before)
    if due := _values("due", f.due, DUES):
        if "overdue" in due:
            tickets = tickets.filter(due_at__lt=timezone.now())
        if "today" in due:
            tickets = tickets.filter(due_at__lt=day_end(timezone.localtime()))
    if f.triage is not None:
        tickets = tickets.filter(triage=f.triage)
    if f.q and f.q.strip():
        tickets = tickets_search(tickets, f.q)
    return tickets


def ordering(sort: str) -> list[str]:
    """`-priority,created_at` → ORM ordering from the allowlist, with the id last so pages never overlap."""
    keys = sort.split(",")
    unknown = [k for k in keys if k.removeprefix("-") not in SORT_KEYS]
    if unknown:
        allowed = [*SORT_KEYS, *(f"-{k}" for k in SORT_KEYS)]
        raise ApiError(
            400,
            f"unknown sort key: {', '.join(unknown)} / 알 수 없는 정렬 기준입니다: {', '.join(unknown)}",
            unknown=unknown,
            allowed=allowed,
        )
    seen: set[str] = set()
    result: list[str] = []
    for key in keys:
        name = key.removeprefix("-")
        if name not in seen:
            seen.add(name)
            result.append(key)
    return [*result, "id"]
