"""Two workers asking to retrain at the same moment (PostgreSQL): exactly one gets the lease."""

from __future__ import annotations

import pytest
from django.db import connection

from dapjang.routing.lease import lease_take
from dapjang.routing.models import TrainingLease
from dapjang.routing.retrain import RETRAIN_LEASE
from tests.routing.test_assign_race import at_once

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers: PostgreSQL"),
]


@pytest.mark.parametrize("row_exists", [False, True], ids=["first-ever", "row-there"])
def test_two_workers_at_once_one_lease(row_exists: bool) -> None:
    if row_exists:
        TrainingLease.objects.create(name=RETRAIN_LEASE)
    results = at_once(*(lambda: lease_take(RETRAIN_LEASE) for _ in range(4)))
    assert not [r for r in results if isinstance(r, Exception)], results
    tokens = [r for r in results if r is not None]
    assert len(tokens) == 1
    assert TrainingLease.objects.get(name=RETRAIN_LEASE).holder == tokens[0]
