"""Full-text search over tickets (the first version: substring match; Korean-aware search replaces it).

The interface every caller uses: `tickets_search(queryset, query)` narrows a queryset the caller has
already limited to what the agent may see, so search can never widen access.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from dapjang.tickets.models import Ticket


def tickets_search(tickets: QuerySet[Ticket], query: str) -> QuerySet[Ticket]:
    words = query.split()[:10]
    for word in words:
        tickets = tickets.filter(
            Q(subject__icontains=word)
            | Q(number__icontains=word)
            | Q(customer__email__icontains=word)
            | Q(customer__name__icontains=word)
            | Q(articles__text__icontains=word)
        )
    return tickets.distinct() if words else tickets
