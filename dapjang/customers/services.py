"""Finding or creating the customer behind an address (MISSION A13)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from dapjang.customers.models import Customer, Identity

if TYPE_CHECKING:
    from dapjang.agents.models import Agent
    from dapjang.tickets.models import Ticket


def customer_by_email(email: str) -> Customer | None:
    return Customer.objects.filter(
        identities__kind=Identity.Kind.EMAIL, identities__value=email.lower()
    ).first()


def customer_for_email(*, email: str, name: str = "", language: str = "") -> tuple[Customer, bool]:
    """The customer who owns this address, created on first contact; the name fills in when learnt."""
    key = email.lower()
    found = customer_by_email(key)
    if found is not None:
        if name and not found.name:
            found.name = name[:200]
            found.save(update_fields=["name"])
        return found, False
    try:
        with transaction.atomic():
            customer = Customer.objects.create(email=email, name=name[:200], language=language)
            Identity.objects.create(customer=customer, kind=Identity.Kind.EMAIL, value=key)
    except IntegrityError:
        # Another process created the same address a moment ago: theirs wins, ours rolls back.
        found = customer_by_email(key)
        if found is None:
            raise
        return found, False
    return customer, True


def customer_segment_set(customer: Customer, segment: str, *, by: str) -> bool:
    """Sets the customer's segment (MISSION B1, B2); True when it changed. `by` is "hand" or "rule".

    An agent's choice is final: a rule never overrides a segment set by hand, so marking a customer
    VIP in the console is not undone by the next mail matching an "abusive" rule.
    """
    if segment not in Customer.Segment.values:
        known = ", ".join(Customer.Segment.values)
        raise ValueError(f"unknown segment '{segment}' (known: {known}) / 알 수 없는 세그먼트입니다")
    if by not in ("hand", "rule"):
        raise ValueError(f"a segment is set by 'hand' or 'rule', not '{by}'")
    if by == "rule" and customer.segment_set_by == "hand":
        return False
    if customer.segment == segment and customer.segment_set_by == by:
        return False
    changed = customer.segment != segment
    customer.segment, customer.segment_set_by = segment, by
    customer.save(update_fields=["segment", "segment_set_by"])
    return changed


def customer_segment_by_rule(customer: Customer, segment: str) -> bool:
    """A routing rule's segment; leaves a segment an agent set by hand alone. True when it changed."""
    return customer_segment_set(customer, segment, by="rule")


def customer_segment_by_hand(customer: Customer, segment: str, *, agent: Agent, ticket: Ticket) -> bool:
    """An agent's choice from a ticket page; written to that ticket's trail. True when it changed."""
    old = customer.segment
    from dapjang.tickets.models import TicketEvent

    changed = customer_segment_set(customer, segment, by="hand")
    if changed:
        TicketEvent.objects.create(ticket=ticket, actor=agent, field="segment", old=old, new=segment)
    return changed
