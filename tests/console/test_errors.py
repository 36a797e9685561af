"""Error pages are ours and generic: no stack trace, SQL or secret, an incident id on a 500 (RELIABILITY 36)."""

from __future__ import annotations

import logging

import pytest
from django.test import Client, RequestFactory

from dapjang.console.views.errors import server_error
from tests.console.conftest import Desk, client_of


def test_a_404_is_our_page(people: Desk) -> None:
    response = client_of(people.minji).get("/t/2026-424242/")
    assert response.status_code == 404
    assert 'class="error-page"' in response.content.decode()


def test_an_unhandled_error_shows_a_generic_page_with_an_incident_id(
    people: Desk, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("postgresql://dapjang:s3cret@db.internal/dapjang")

    monkeypatch.setattr("dapjang.console.views.inbox.inbox_tickets", explode)
    client = client_of(people.minji, raise_request_exception=False)
    response = client.get("/inbox/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "s3cret" not in html and "Traceback" not in html and "db.internal" not in html


def test_the_500_handler_ties_the_page_to_the_log(db: None, caplog: pytest.LogCaptureFixture) -> None:
    request = RequestFactory().get("/inbox/")
    try:
        raise RuntimeError("s3cret")
    except RuntimeError:
        with caplog.at_level(logging.ERROR, logger="dapjang.console"):
            response = server_error(request)
    html = response.content.decode()
    assert response.status_code == 500 and "s3cret" not in html
    incident = html.split("<code>", 1)[1].split("</code>", 1)[0]
    assert len(incident) == 12
    assert incident in caplog.text and "s3cret" in caplog.text  # the log has it, the page does not


def test_a_csrf_failure_is_our_page(people: Desk) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert 'class="error-page"' in response.content.decode()
