"""dapjang sla: a script sets a queue's promise, sweeps at a given time and reads the state."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from dapjang.mail.models import Outbox
from dapjang.sla.management.commands.sla import parse_minutes
from dapjang.sla.models import SlaPolicy
from tests.sla.conftest import Clock, SlaDesk


def run(*args: str) -> str:
    out = StringIO()
    call_command("sla", *args, stdout=out)
    return out.getvalue()


def test_a_queue_policy_is_set_from_the_command_line(sla_desk: SlaDesk) -> None:
    line = run("policy", "shipping", "--first-response", "4h", "--resolution", "2d", "--hours", "08:30-17:30")
    policy = SlaPolicy.objects.get(queue=sla_desk.shipping)
    assert (policy.first_response_minutes, policy.resolution_minutes) == (240, 960)
    assert policy.opens_at.strftime("%H:%M") == "08:30"
    assert line.startswith("shipping\tfirst response 4h\tresolution 16h")
    assert "default\tfirst response 8h" in run("policy")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("policy", "nowhere", "--first-response", "4h"), "no queue 'nowhere'"),
        (("policy", "default", "--first-response", "soon"), "not a duration"),
        (("policy", "default", "--hours", "18:00-09:00"), "opening time must be before closing time"),
        (("policy", "default", "--vip-factor", "3"), "vip_factor"),
        (("policy", "default", "--closed", "2026-13-45"), "closed_days"),
        (("sweep", "--now", "next tuesday"), "not an ISO time"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_changes_nothing(
    sla_desk: SlaDesk, args: tuple[str, ...], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not SlaPolicy.objects.exclude(first_response_minutes=480).exists()


def test_a_sweep_at_a_given_time_and_the_status_after_it(clock: Clock, mail_in: Any) -> None:
    ticket = mail_in()  # Monday 10:00, first response due 18:00
    report = json.loads(run("sweep", "--now", "2026-11-23T18:30", "--json"))
    assert report == {"holding": [ticket.number], "escalated": [ticket.number], "more": False}
    assert Outbox.objects.filter(kind="notification").count() == 1
    status = json.loads(run("status", "--now", "2026-11-23T18:30", "--json"))
    assert (status["overdue"], status["holding_sent"], status["escalated"]) == (1, 1, 1)
    assert "overdue / 기한 초과: 1" in run("status", "--now", "2026-11-23T18:30")


def test_durations_read_like_people_write_them() -> None:
    assert [parse_minutes(t) for t in ("8h", "90m", "1h30m", "2d", "45")] == [480, 90, 90, 960, 45]
