"""Login, logout, redirects that stay on our site, throttling, and CSRF on every change (RELIABILITY 35)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from dapjang.tickets.models import Article, Ticket
from tests.console.conftest import Desk, client_of

PASSWORD = "pw-12345678"  # tests.factories.agent_make


def _login(client: Client, next_: str | None = None, password: str = PASSWORD) -> str:
    url = "/login/" + (f"?next={next_}" if next_ is not None else "")
    data = {"username": "minji@shop.example", "password": password}
    if next_ is not None:
        data["next"] = next_
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:500]
    return str(response["Location"])


def test_the_root_sends_a_visitor_to_login_and_an_agent_to_the_inbox(people: Desk) -> None:
    assert Client().get("/")["Location"] == "/login/"
    assert client_of(people.minji).get("/")["Location"] == "/inbox/"


def test_logging_in_lands_in_the_inbox_and_next_is_followed_on_our_site(people: Desk) -> None:
    assert _login(Client()) == "/inbox/"
    assert _login(Client(), "/t/2026-000001/") == "/t/2026-000001/"


@pytest.mark.parametrize(
    "evil",
    [
        "//evil.example",
        "https://evil.example/",
        "https:evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "http:/\\/evil.example",
        "javascript:alert(1)",
        " //evil.example",
    ],
)
def test_next_never_leaves_the_site(people: Desk, evil: str) -> None:
    assert _login(Client(), evil) == "/inbox/"


def test_a_logged_in_agent_sent_to_login_with_a_foreign_or_looping_next_stays_home(people: Desk) -> None:
    client = client_of(people.minji)
    for next_ in ("//evil.example", "/login/"):
        response = client.get("/login/", {"next": next_})
        assert response.status_code == 302 and response["Location"] == "/inbox/"


def test_the_login_page_keeps_a_safe_next_and_drops_a_foreign_one(people: Desk) -> None:
    page = Client().get("/login/", {"next": "//evil.example"}).content.decode()
    assert "evil.example" not in page.split("<body", 1)[1].split('name="next"', 1)[1].split(">", 1)[0]


def test_a_wrong_password_is_refused_and_many_are_throttled(people: Desk) -> None:
    cache.clear()
    client = Client()
    for _ in range(10):
        response = client.post("/login/", {"username": "minji@shop.example", "password": "wrong"})
        assert response.status_code == 200
    # Now even the right password waits: the guesser cannot tell when they found it.
    response = client.post("/login/", {"username": "minji@shop.example", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    cache.clear()
    assert _login(Client()) == "/inbox/"


def test_logout_is_a_post_and_ends_the_session(people: Desk) -> None:
    client = client_of(people.minji)
    assert client.get("/logout/").status_code == 405
    assert client.get("/inbox/").status_code == 200
    assert client.post("/logout/")["Location"] == "/login/"
    assert client.get("/inbox/").status_code == 302


def test_every_change_without_a_csrf_token_is_403_and_changes_nothing(
    people: Desk, shipping_ticket: Ticket
) -> None:
    client = client_of(people.minji, enforce_csrf_checks=True)
    n = shipping_ticket.number
    before = Article.objects.count()
    posts = {
        f"/t/{n}/update/": {"status": "solved"},
        f"/t/{n}/reply/": {"body": "답변", "status_after": "waiting"},
        f"/t/{n}/note/": {"body": "메모"},
        f"/t/{n}/consult/": {"expert_email": "x@shop.example", "question": "?"},
        f"/t/{n}/snippet/": {"body": ""},
        f"/t/{n}/presence/": {},
        "/logout/": {},
        "/language/": {"language": "en"},
    }
    for path, data in posts.items():
        response = client.post(path, data)
        assert response.status_code == 403, path
        assert 'class="error-page"' in response.content.decode()  # our page, not Django's debug one
    # A token from another session is no better.
    other = client_of(people.minji)
    other.get("/inbox/")
    response = client.post(
        f"/t/{n}/note/", {"body": "메모", "csrfmiddlewaretoken": other.cookies["csrftoken"].value}
    )
    assert response.status_code == 403
    shipping_ticket.refresh_from_db()
    assert shipping_ticket.status == Ticket.Status.NEW
    assert Article.objects.count() == before


def test_no_change_can_be_made_with_a_get(people: Desk, shipping_ticket: Ticket) -> None:
    client = client_of(people.minji)
    n = shipping_ticket.number
    for path in ("update", "reply", "note", "consult", "snippet", "presence"):
        assert client.get(f"/t/{n}/{path}/", {"status": "solved", "body": "x"}).status_code == 405, path
    shipping_ticket.refresh_from_db()
    assert shipping_ticket.status == Ticket.Status.NEW


def test_pages_carry_a_csp_and_are_not_cached(people: Desk, shipping_ticket: Ticket) -> None:
    client = client_of(people.minji)
    for path in ("/inbox/", f"/t/{shipping_ticket.number}/"):
        response = client.get(path)
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
        assert "no-store" in response["Cache-Control"]
    assert "script-src 'self'" in Client().get("/login/")["Content-Security-Policy"]
