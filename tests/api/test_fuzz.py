"""The API against its own OpenAPI document: no 5xx and every answer as documented, whatever comes in.

schemathesis generates valid and invalid requests from /api/openapi.json and sends them to the
Django WSGI app in-process, with a real token, against a desk with real tickets in it. Half of the
cases are aimed at a real ticket, so the handlers behind the 404 (reply, note, change) are fuzzed too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation

from dapjang.tickets.models import Attachment, Ticket
from dapjang.wsgi import application

# The coverage phase derives boundary strings from every pattern and length limit before the first
# request, which costs minutes here; random fuzzing (valid and invalid data) is bounded by
# max_examples instead.
CONFIG = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}})

# Loaded at import (the document needs no database). Not through `schemathesis.pytest.from_fixture`:
# in schemathesis 4.32.5 that path sets `request.node._nodeid`, which pytest 9 no longer has.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application, config=CONFIG)


@pytest.fixture
def _keep_the_test_connection() -> Iterator[None]:
    """The real WSGI handler closes the database connection after each request (CONN_MAX_AGE=0).

    On PostgreSQL that would end the test's transaction; Django's own test client unhooks the same
    signal handler around each request, and so does this fixture around the whole test.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _aim(case: Any, ticket: Ticket) -> None:
    """Points a valid case at a real ticket, attachment or customer, chosen by the data itself.

    Invalid cases keep their path: replacing the one wrong value would make them valid.
    """
    params = case.path_parameters
    if not params or case.meta is None or not case.meta.generation.mode.is_positive:
        return
    number = params.get("number")
    if isinstance(number, str) and len(number) <= 40 and len(number) % 2 == 0:
        params["number"] = ticket.number
        attachment_id = params.get("attachment_id")
        if isinstance(attachment_id, int) and attachment_id >= 1:
            params["attachment_id"] = Attachment.objects.filter(article__ticket=ticket).first().pk  # type: ignore[union-attr]
    customer_id = params.get("customer_id")
    if isinstance(customer_id, int) and customer_id >= 1 and customer_id % 2 == 0:
        params["customer_id"] = ticket.customer_id


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.usefixtures("_keep_the_test_connection")
def test_the_api_keeps_its_contract(case: Any, tokens: dict[str, str], tickets: dict[str, Ticket]) -> None:
    _aim(case, tickets["shipping"])
    if case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER):
        # The invalid part may be the missing Authorization header itself: adding the token back would
        # make the request valid, and its 200 would count as "invalid data accepted".
        case.call_and_validate()
    else:
        case.call_and_validate(headers={"Authorization": f"Bearer {tokens['shipping']}"})
