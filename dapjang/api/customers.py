"""/api/customers: a customer is visible through a ticket the agent may see, and only with those tickets.

An agent of one queue learns nothing about a customer who only wrote to another, not even that
they exist (404, RELIABILITY 34).
"""

from __future__ import annotations

from typing import Annotated

from django.http import Http404, HttpRequest
from ninja import Path, Router

from dapjang.agents.services import tickets_visible_to
from dapjang.api.auth import agent_from
from dapjang.api.present import customer_out, for_summary
from dapjang.api.queries import reject_unknown_parameters
from dapjang.api.schemas import CustomerOut
from dapjang.api.tickets import DB_ID_MAX, READ_ERRORS
from dapjang.customers.models import Customer

router = Router(tags=["customers"])

MAX_TICKETS = 200  # the newest; a longer history is one `GET /api/tickets?customer=…` away


@router.get(
    "/customers/{customer_id}",
    response={200: CustomerOut, **READ_ERRORS},
    summary="A customer and the tickets of theirs you may see",
)
def customer_get(request: HttpRequest, customer_id: Annotated[int, Path(ge=1, le=DB_ID_MAX)]) -> CustomerOut:
    reject_unknown_parameters(request)
    agent = agent_from(request)
    tickets = list(
        for_summary(tickets_visible_to(agent).filter(customer_id=customer_id)).order_by("-created_at", "-id")[
            :MAX_TICKETS
        ]
    )
    if not tickets:
        raise Http404
    customer = Customer.objects.get(pk=customer_id)
    return customer_out(customer, tickets)
