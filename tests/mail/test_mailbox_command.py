"""`dapjang mailbox`: set up, list, poll and remove IMAP mailboxes; never print a secret."""

from __future__ import annotations

import io
import json
import sys
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from dapjang.mail.admin import MailboxForm
from dapjang.mail.models import Mailbox
from dapjang.tickets.models import Ticket
from dapjang.tickets.queues import queue_create
from tests.builders import build_mail
from tests.mail.dovecot import Account

SERVER = ["--host", "imap.shop.example", "--user", "help@shop.example"]


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("mailbox", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_add_names_the_variable_and_defaults_to_tls_on_993(db: None) -> None:
    out, err = run("add", "help", *SERVER, "--password-env", "IMAP_PW_HELP")

    box = Mailbox.objects.get(name="help")
    assert (box.port, box.tls, box.auth, box.folder, box.after) == (993, "ssl", "password", "INBOX", "seen")
    assert box.secret_env == "IMAP_PW_HELP" and box.secret == ""
    assert "added" in out and "추가" in out
    assert "IMAP_PW_HELP is not set here" in err  # a hint, not an error: it is the server's environment


def test_a_password_from_stdin_is_stored_and_never_listed(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("s3cret-앱-password\n"))
    run("add", "help", *SERVER, "--password-stdin", "--tls", "starttls", "--after", "move:Done")

    box = Mailbox.objects.get()
    assert box.secret == "s3cret-앱-password" and box.port == 143
    assert (box.after, box.move_to) == ("move", "Done")
    text, _ = run("list")
    line = json.loads(run("list", "--json")[0])
    assert line["secret"] == "stored" and line["after"] == "move:Done" and line["last_success_at"] is None
    assert "s3cret" not in text and "s3cret" not in json.dumps(line)
    assert "s3cret" not in repr(box) and "s3cret" not in str(box)


def test_an_oauth2_token_variable_makes_an_xoauth2_mailbox(db: None) -> None:
    run("add", "m365", *SERVER, "--oauth2-token-env", "M365_TOKEN", "--after", "delete")

    box = Mailbox.objects.get()
    assert (box.auth, box.secret_env, box.after) == ("xoauth2", "M365_TOKEN", "delete")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "bad/name", *SERVER, "--password-env", "X"], "이름에는"),
        (["add", "help", *SERVER], "exactly one of"),
        (["add", "help", *SERVER, "--password-env", "not a name"], "환경 변수 이름이 아닙니다"),
        (["add", "help", *SERVER, "--password-env", "X", "--after", "move"], "move:FOLDER"),
        (["add", "help", *SERVER, "--password-env", "X", "--after", "move:INBOX"], "other than the one read"),
        (["add", "help", *SERVER, "--password-env", "X", "--after", "archive"], "seen, delete"),
        (["add", "help", *SERVER, "--password-env", "X", "--port", "70000"], "out of range"),
        (["add", "help", *SERVER, "--password-env", "X", "--queue", "nope"], "그런 큐가 없습니다"),
        (["poll", "nope"], "no mailbox named nope"),
        (["remove", "nope"], "그런 메일함이 없습니다"),
    ],
)
def test_bad_input_gets_a_clear_error_in_both_languages(db: None, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message) as err:
        run(*args)
    assert " / " in str(err.value)  # English / 한국어
    assert Mailbox.objects.count() == 0


def test_a_queue_without_an_address_cannot_be_the_route(db: None) -> None:
    queue_create(slug="vip", name="VIP", addresses=[])
    with pytest.raises(CommandError, match="has no address"):
        run("add", "help", *SERVER, "--password-env", "X", "--queue", "vip")


def test_a_second_mailbox_with_the_same_name_is_refused(db: None) -> None:
    run("add", "help", *SERVER, "--password-env", "X")
    with pytest.raises(CommandError, match="already exists"):
        run("add", "help", *SERVER, "--password-env", "Y")


def test_list_shows_a_failing_mailbox_with_its_last_error(db: None) -> None:
    run("add", "help", *SERVER, "--password-env", "X")
    Mailbox.objects.update(last_error="login refused", last_error_at=timezone.now())

    text, _ = run("list")
    line = json.loads(run("list", "--json")[0])

    assert "ERROR" in text and "login refused" in text
    assert line["failing"] is True and line["last_error"] == "login refused"


def test_remove_forgets_the_mailbox(db: None) -> None:
    run("add", "help", *SERVER, "--password-env", "X")
    out, _ = run("remove", "help")
    assert "removed" in out and Mailbox.objects.count() == 0


def test_poll_fetches_now_and_routes_to_the_mailbox_queue(
    imap: Account, transactional_db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue_create(slug="general", name="일반", addresses=["help@shop.example"], is_default=True)
    queue_create(slug="shipping", name="배송", addresses=["shipping@shop.example"])
    imap.append([build_mail(to="help@shop.example"), build_mail(to="someone@else.example")])
    monkeypatch.setenv("IMAP_PW", imap.password)
    port = str(imap.server.port)
    args = ["--port", port, "--user", imap.user, "--password-env", "IMAP_PW", "--tls", "none"]
    run("add", "ship", "--host", "127.0.0.1", *args, "--queue", "shipping")

    out, _ = run("poll")

    assert "ship: fetched 2, new 2" in out
    assert {t.queue.slug for t in Ticket.objects.select_related("queue")} == {"shipping"}


def test_poll_fails_with_the_recorded_error_when_a_mailbox_fails(db: None) -> None:
    run("add", "down", "--host", "127.0.0.1", "--port", "1", "--user", "u", "--password-env", "PATH")
    with pytest.raises(CommandError, match="1 of 1 mailboxes failed"):
        run("poll", "down")
    assert "connection to 127.0.0.1:1 failed" in Mailbox.objects.get().last_error


# --- the admin ---------------------------------------------------------------------------------------


def test_the_admin_lists_mailboxes_without_ever_showing_the_stored_password(db: None) -> None:
    Mailbox.objects.create(name="help", host="imap.shop.example", username="help", secret="Adm1n-Secret!")
    client = Client()
    client.force_login(User.objects.create_superuser("admin", "", "pw-for-tests"))

    listing = client.get("/admin/mail/mailbox/")
    change = client.get(f"/admin/mail/mailbox/{Mailbox.objects.get().pk}/change/")

    assert listing.status_code == change.status_code == 200
    assert "help" in listing.content.decode() and "stored" in listing.content.decode()
    for page in (listing, change):
        assert "Adm1n-Secret" not in page.content.decode()


def test_the_admin_form_keeps_the_password_when_left_empty_and_replaces_it_when_given(db: None) -> None:
    box = Mailbox.objects.create(name="help", host="imap.shop.example", username="help", secret="old-secret")
    data: dict[str, Any] = {
        "name": "help", "enabled": "on", "host": "imap.shop.example", "port": "993", "tls": "ssl",
        "username": "help", "auth": "password", "secret_env": "", "folder": "INBOX", "after": "seen",
    }  # fmt: skip

    kept = MailboxForm(data={**data, "secret": ""}, instance=box)
    assert kept.is_valid(), kept.errors
    assert kept.save().secret == "old-secret"
    replaced = MailboxForm(data={**data, "secret": "new-secret"}, instance=box)
    assert replaced.is_valid(), replaced.errors
    assert replaced.save().secret == "new-secret"
    moving = MailboxForm(data={**data, "after": "move"}, instance=box)
    assert not moving.is_valid() and "move_to" in moving.errors
