"""Finding or creating the customer behind an address (MISSION A13)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from dapjang.customers.models import Customer, Identity


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
