"""/healthz and `dapjang status` tell whether the desk can take and process mail, and leak nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from dapjang.celery import app
from dapjang.mail.models import RawMessage
from dapjang.tickets.pipeline import raw_store
from tests.processes import free_port


@pytest.fixture
def broker_down() -> Iterator[None]:
    """A broker URL where nothing listens, with a password that must not show anywhere."""
    saved = app.conf.broker_url
    app.conf.broker_url = f"redis://:hunter2-secret@127.0.0.1:{free_port()}/0"
    try:
        yield
    finally:
        app.conf.broker_url = saved


def test_a_healthy_desk_answers_200_with_its_backlog(desk: Any) -> None:
    raw_store(
        b"Subject: x\r\n\r\nbody\r\n", channel="smtp", received_at=timezone.now() - timedelta(seconds=30)
    )
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] and body["database"] and body["broker"]
    assert body["backlog"]["received"] == 1
    assert body["backlog"]["oldest_received_seconds"] >= 30


def test_mail_waiting_far_too_long_makes_the_desk_unhealthy(desk: Any, settings: Any) -> None:
    old = timezone.now() - timedelta(seconds=3 * settings.DAPJANG_STUCK_SECONDS)
    raw_store(b"Subject: x\r\n\r\nbody\r\n", channel="smtp", received_at=old)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["pipeline"] is False


def test_a_broker_that_is_down_gives_503_without_its_address_or_password(
    desk: Any, broker_down: None, caplog: Any
) -> None:
    response = Client().get("/healthz")
    assert response.status_code == 503
    text = response.content.decode()
    assert response.json()["broker"] is False
    assert "hunter2" not in text and "6379" not in text and "redis" not in text


def test_status_prints_the_same_facts_and_exits_1_when_unwell(
    desk: Any, broker_down: None, capsys: Any
) -> None:
    with pytest.raises(SystemExit) as exit_:
        call_command("status", "--json")
    assert exit_.value.code == 1
    report = json.loads(capsys.readouterr().out)
    assert report["broker"] is False and report["database"] is True


def test_status_of_a_well_desk_exits_0(desk: Any, capsys: Any) -> None:
    call_command("status")
    out = capsys.readouterr().out
    assert "database / 데이터베이스: ok" in out and "overall / 전체: ok" in out


def test_healthz_refuses_writes(desk: Any) -> None:
    assert Client().post("/healthz").status_code in (403, 405)
    assert RawMessage.objects.count() == 0
