"""Every API error is `{"detail", "correlation_id"}` and gives nothing away (RELIABILITY 36)."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.db import OperationalError

from dapjang.tickets.models import Ticket
from tests.api.conftest import Api

SECRETS = ("hunter2", "db.internal.example", "10.0.0.5", "Traceback", "SELECT", 'File "')


def _assert_error_shape(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) >= {"detail", "correlation_id"}
    assert re.fullmatch(r"[0-9a-f]{32}", body["correlation_id"])
    assert response["X-Correlation-ID"] == body["correlation_id"]
    return body


@pytest.mark.parametrize(
    "fault",
    [
        RuntimeError("password=hunter2 at db.internal.example"),
        OperationalError('connection to server at "10.0.0.5" failed: FATAL: password "hunter2" rejected'),
    ],
)
@pytest.mark.parametrize("debug", [False, True])
def test_an_unexpected_failure_is_a_generic_500_with_an_id_found_in_the_log(
    as_shipping: Api,
    tickets: dict[str, Ticket],
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    caplog: pytest.LogCaptureFixture,
    fault: Exception,
    debug: bool,
) -> None:
    settings.DEBUG = debug  # even a desk left in DEBUG shows no traceback through the API

    def broken(*args: object, **kwargs: object) -> None:
        raise fault

    monkeypatch.setattr("dapjang.api.tickets.tickets_filtered", broken)
    with caplog.at_level(logging.ERROR, logger="dapjang.api"):
        response = as_shipping.get("/api/tickets")
    body = _assert_error_shape(response, 500)
    text = response.content.decode()
    assert not [s for s in SECRETS if s in text]
    assert "correlation_id" in body["detail"]
    logged = [r for r in caplog.records if body["correlation_id"] in r.getMessage()]
    assert logged and logged[0].exc_info is not None  # the operator has the whole story


def test_each_kind_of_refusal_has_the_same_shape(as_shipping: Api, tickets: dict[str, Ticket]) -> None:
    number = tickets["shipping"].number
    _assert_error_shape(Api(as_shipping.client, None).get("/api/tickets"), 401)
    _assert_error_shape(as_shipping.get("/api/tickets", {"nope": "1"}), 400)
    _assert_error_shape(as_shipping.get("/api/tickets/2099-000001"), 404)
    _assert_error_shape(as_shipping.get("/api/nothing/here"), 404)
    _assert_error_shape(as_shipping.get("/api/"), 404)
    _assert_error_shape(as_shipping.delete(f"/api/tickets/{number}"), 405)
    _assert_error_shape(as_shipping.patch(f"/api/tickets/{number}", {"assignee": "x@y.example"}), 409)
    invalid = _assert_error_shape(as_shipping.get("/api/tickets", {"limit": "many"}), 422)
    assert invalid["detail"][0]["loc"] == ["query", "limit"]
    broken_json = as_shipping.client.post(
        f"/api/tickets/{number}/note",
        "{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {as_shipping.token}"},
    )
    _assert_error_shape(broken_json, 400)


def test_text_the_database_cannot_store_is_refused_up_front(
    as_shipping: Api, tickets: dict[str, Ticket]
) -> None:
    """NUL and lone surrogates would be a 500 on PostgreSQL; they are a 422 everywhere."""
    number = tickets["shipping"].number
    auth = {"Authorization": f"Bearer {as_shipping.token}"}
    lone_surrogate = '{"body": "\\ud800"}'
    response = as_shipping.client.post(
        f"/api/tickets/{number}/note", lone_surrogate, content_type="application/json", headers=auth
    )
    _assert_error_shape(response, 422)
    _assert_error_shape(as_shipping.post(f"/api/tickets/{number}/note", {"body": "a\x00b"}), 422)
    _assert_error_shape(as_shipping.get("/api/tickets", {"q": "a\x00b"}), 422)
    _assert_error_shape(as_shipping.get("/api/tickets/2026%00"), 404)
    _assert_error_shape(as_shipping.get(f"/api/tickets/{number}/attachments/{2**63}"), 422)
    _assert_error_shape(as_shipping.get(f"/api/customers/{2**64}"), 422)
    very_old = as_shipping.get("/api/tickets", {"created_after": "0001-01-01T00:00:00+14:00"})
    assert very_old.status_code == 200


def test_the_openapi_document_describes_every_path_and_the_bearer_scheme(client: Any) -> None:
    doc = client.get("/api/openapi.json").json()
    assert set(doc["paths"]) == {
        "/api/tickets",
        "/api/tickets/{number}",
        "/api/tickets/{number}/reply",
        "/api/tickets/{number}/note",
        "/api/tickets/{number}/attachments/{attachment_id}",
        "/api/customers/{customer_id}",
    }
    assert set(doc["paths"]["/api/tickets/{number}"]) == {"get", "patch"}
    [scheme] = doc["components"]["securitySchemes"].values()
    assert scheme == {"type": "http", "scheme": "bearer"}
    for path in doc["paths"].values():
        for operation in path.values():
            assert operation["security"], operation["operationId"]
            assert {"401", "404"} <= set(operation["responses"])
