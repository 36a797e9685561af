"""Admins edit the reply promise in the Django admin; a policy that could never open is refused."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.test import Client

from dapjang.sla.models import SlaPolicy
from dapjang.sla.policies import policy_default
from tests.sla.conftest import SlaDesk

FORM = {
    "first_response_minutes": "240",
    "resolution_minutes": "960",
    "weekdays": "[0, 1, 2, 3, 4, 5]",
    "opens_at": "09:00",
    "closes_at": "18:00",
    "time_zone": "Asia/Seoul",
    "holiday_country": "KR",
    "closed_days": '["2026-12-31"]',
    "vip_factor": "0.5",
    "holding_enabled": "on",
    "holding_lead_minutes": "120",
    "escalation_enabled": "on",
}


def admin_client() -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(User.objects.create_superuser("admin", "", "pw-for-tests"))
    return client


def test_an_admin_gives_a_queue_its_own_policy(sla_desk: SlaDesk) -> None:
    policy_default()
    client = admin_client()
    assert "desk default" in client.get("/admin/sla/slapolicy/").content.decode()
    response = client.post("/admin/sla/slapolicy/add/", {**FORM, "queue": str(sla_desk.shipping.pk)})
    assert response.status_code == 302
    policy = SlaPolicy.objects.get(queue=sla_desk.shipping)
    assert policy.first_response_minutes == 240
    (closed,) = policy.closed_dates()
    assert policy.calendar().is_business_day(closed) is False


def test_a_policy_with_impossible_hours_or_an_unknown_zone_is_refused(sla_desk: SlaDesk) -> None:
    client = admin_client()
    bad = {**FORM, "queue": str(sla_desk.shipping.pk), "opens_at": "19:00", "time_zone": "Mars/Olympus"}
    response = client.post("/admin/sla/slapolicy/add/", bad)
    assert response.status_code == 200
    assert "Unknown time zone" in response.content.decode()
    assert not SlaPolicy.objects.filter(queue=sla_desk.shipping).exists()


def test_there_is_only_one_desk_default(sla_desk: SlaDesk) -> None:
    first = policy_default()
    response = admin_client().post("/admin/sla/slapolicy/add/", FORM)  # no queue: a second default
    assert response.status_code == 200
    assert list(SlaPolicy.objects.all()) == [first]
