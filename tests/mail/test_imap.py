"""The IMAP poller against a real Dovecot: stored before flagged, nothing lost, nothing doubled.

RELIABILITY 12 (kill between fetch and commit), 13 (database fails mid-batch), 14 (connection lost
between commit and flag), 15 (two pollers), 17 (UIDVALIDITY changes), 26 (over-size) and 36 (no
secret in errors or logs). Tests that kill the poller run it as `dapjang mailbox poll` in a child
process, on the same kind of database as this run (SQLite, or PostgreSQL with DATABASE_URL).
"""

from __future__ import annotations

import hashlib
import logging
import re
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from imapclient.exceptions import IMAPClientAbortError

from dapjang.mail import imap as poller
from dapjang.mail.imap import mailbox_poll, mailboxes_poll, mailboxes_watch
from dapjang.mail.imap_auth import client_close, mailbox_connect
from dapjang.mail.models import Mailbox, Outbox, RawMessage
from dapjang.tickets.models import Article, Ticket
from tests.builders import build_mail
from tests.mail.dovecot import Account, Dovecot
from tests.processes import ChildDesk, child_desk, wait_for

SEEN, DELETED, FLAGGED = b"\\Seen", b"\\Deleted", b"\\Flagged"


def corpus(tag: str, count: int = 20) -> list[bytes]:
    """Korean and English customer mail, each from its own sender (no flood hold, no ack cap)."""
    mails = []
    for i in range(1, count + 1):
        korean = i % 2 == 1
        mails.append(
            build_mail(
                subject=f"배송 문의 {tag}-{i}" if korean else f"Where is my order {tag}-{i}?",
                body="주문한 상품이 아직 오지 않았어요." if korean else "My parcel has not arrived yet.",
                from_=f"Customer {i} <c{i}.{tag}@customer.example>",
                message_id=f"<{tag}.{i}@customer.example>",
            )
        )
    return mails


def inbound() -> int:
    return Article.objects.filter(direction=Article.Direction.IN).count()


def seen(account: Account, folder: str = "INBOX") -> list[int]:
    return sorted(uid for uid, flags in account.flags(folder).items() if SEEN in flags)


def untouched(account: Account, folder: str = "INBOX") -> list[int]:
    return sorted(uid for uid, flags in account.flags(folder).items() if not flags & {SEEN, DELETED})


# --- the normal case ---------------------------------------------------------------------------------


def test_twenty_mails_become_twenty_tickets_marked_seen_once_stored(imap: Account, mailbox_of: Any) -> None:
    mails = corpus("happy")
    # RELIABILITY 19 over IMAP: 8-bit CP949 is kept byte for byte as the server hands it over (Dovecot
    # itself turns the bare LF into CRLF when it stores the message).
    mails[3] = (
        b"From: c4.happy@customer.example\r\nTo: help@shop.example\r\nSubject: 8bit\r\n"
        b"Message-ID: <happy.4@customer.example>\r\nContent-Type: text/plain; charset=euc-kr\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        + "똠방각하 뷁 환불 문의".encode("cp949")
        + b"\nbare LF\r\n"
    )
    imap.append(mails)
    mailbox = mailbox_of(imap)

    report = mailbox_poll(mailbox)

    assert (report.error, report.fetched, report.stored, report.acted) == ("", 20, 20, 20)
    assert Ticket.objects.count() == 20 and inbound() == 20
    assert Ticket.objects.filter(subject="배송 문의 happy-1").exists()
    uidvalidity = imap.uidvalidity()
    stored = {raw.uid or 0: raw for raw in RawMessage.objects.filter(mailbox=mailbox)}
    assert sorted(stored) == imap.uids()
    for uid, raw in stored.items():
        assert raw.channel == "imap" and raw.uidvalidity == uidvalidity
        assert raw.source == f"{mailbox.name}/{uidvalidity}/{uid}"
        assert raw.sha256 == hashlib.sha256(bytes(raw.data)).hexdigest()
        assert raw.state == RawMessage.State.PROCESSED
    assert {uid: bytes(raw.data) for uid, raw in stored.items()} == imap.bodies()
    assert seen(imap) == imap.uids()
    mailbox.refresh_from_db()
    assert (mailbox.uidvalidity, mailbox.last_uid) == (uidvalidity, max(imap.uids()))
    assert mailbox.last_success_at is not None and not mailbox.last_error and not mailbox.failing

    again = mailbox_poll(mailbox)
    assert (again.error, again.fetched) == ("", 0)
    assert RawMessage.objects.count() == 20


def test_move_and_delete_happen_only_after_storing_and_are_finished_after_a_lost_connection(
    imap: Account, mailbox_of: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RELIABILITY 14 with `move`: message 2 is stored, then the connection is gone before the MOVE."""
    imap.append(corpus("move", 4))
    mailbox = mailbox_of(imap, after=Mailbox.After.MOVE, move_to="Done")
    monkeypatch.setenv("DAPJANG_FAULTS", "after-commit-before-flag@2")

    first = mailbox_poll(mailbox)

    assert "injected fault" in first.error and RawMessage.objects.count() == 2
    assert len(imap.uids("Done")) == 1  # the folder was made; message 1 moved
    assert len(imap.uids()) == 3  # 2 (stored, not moved) and 3, 4 (not fetched yet)
    monkeypatch.delenv("DAPJANG_FAULTS")

    second = mailbox_poll(mailbox)

    assert second.error == "" and second.fetched == 2 and second.acted == 3
    assert imap.uids() == [] and len(imap.uids("Done")) == 4
    assert RawMessage.objects.count() == 4 and inbound() == 4


def test_a_server_refusing_the_move_does_not_stop_mail_from_being_stored(
    imap: Account, mailbox_of: Any
) -> None:
    """A NO to the move (here: a folder name the server rejects) is reported, and retried once fixed."""
    imap.append(corpus("refuse", 3))
    mailbox = mailbox_of(imap, after=Mailbox.After.MOVE, move_to="bad..name")

    report = mailbox_poll(mailbox)

    assert report.stored == 3 and Ticket.objects.count() == 3
    assert "Invalid mailbox name" in report.error and Mailbox.objects.get().failing
    assert len(untouched(imap)) == 3
    Mailbox.objects.filter(pk=mailbox.pk).update(move_to="Done")
    mailbox.refresh_from_db()

    fixed = mailbox_poll(mailbox)

    assert (fixed.error, fixed.fetched, fixed.acted) == ("", 0, 3)
    assert imap.uids() == [] and len(imap.uids("Done")) == 3


def test_delete_removes_the_message_from_the_server_once_it_is_stored(imap: Account, mailbox_of: Any) -> None:
    imap.append(corpus("delete", 3))
    mailbox = mailbox_of(imap, after=Mailbox.After.DELETE)

    report = mailbox_poll(mailbox)

    assert (report.error, report.stored, report.acted) == ("", 3, 3)
    assert imap.uids() == [] and Ticket.objects.count() == 3


# --- faults in the middle of a batch -----------------------------------------------------------------


def test_a_database_failure_at_message_7_keeps_1_to_6_and_leaves_7_to_20_untouched(
    imap: Account, mailbox_of: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RELIABILITY 13: the batch stops at 7, the error is on the mailbox, the next poll does the rest."""
    imap.append(corpus("dbfail"))
    mailbox = mailbox_of(imap)
    uids = imap.uids()
    monkeypatch.setenv("DAPJANG_FAULTS", "before-commit@7")

    report = mailbox_poll(mailbox)

    assert "injected fault at before-commit" in report.error
    assert Ticket.objects.count() == 6 and RawMessage.objects.count() == 6
    assert seen(imap) == uids[:6]
    assert untouched(imap) == uids[6:]  # fetched (BODY.PEEK) in the same batch, yet not \Seen
    mailbox.refresh_from_db()
    assert mailbox.last_uid == uids[5]
    assert mailbox.failing and "before-commit" in mailbox.last_error and mailbox.last_error_at is not None
    monkeypatch.delenv("DAPJANG_FAULTS")

    retry = mailbox_poll(mailbox)

    assert (retry.error, retry.fetched, retry.stored) == ("", 14, 14)
    assert Ticket.objects.count() == 20 and inbound() == 20
    assert seen(imap) == uids
    mailbox.refresh_from_db()
    assert not mailbox.failing and mailbox.last_uid == uids[-1]


def test_a_connection_lost_between_commit_and_flag_costs_no_second_article(
    imap: Account, mailbox_of: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RELIABILITY 14: message 5 is committed, never flagged; the cursor stops at it, the next poll
    flags it and fetches the rest, and message 5 never becomes a second article."""
    imap.append(corpus("lost"))
    mailbox = mailbox_of(imap)
    uids = imap.uids()
    monkeypatch.setenv("DAPJANG_FAULTS", "after-commit-before-flag@5")

    report = mailbox_poll(mailbox)

    assert report.error and report.stored == 5
    assert seen(imap) == uids[:4] and uids[4] in untouched(imap)
    mailbox.refresh_from_db()
    assert mailbox.last_uid == uids[4] == RawMessage.objects.order_by("uid").last().uid  # type: ignore[union-attr]
    monkeypatch.delenv("DAPJANG_FAULTS")

    retry = mailbox_poll(mailbox)

    assert retry.error == "" and retry.fetched == 15
    assert seen(imap) == uids
    assert inbound() == 20 and Ticket.objects.count() == 20 and Outbox.objects.count() == 20


def test_a_uid_the_server_returns_nothing_for_stops_the_batch_before_it(
    imap: Account, mailbox_of: Any
) -> None:
    """RELIABILITY 14, second half: an empty FETCH (message expunged meanwhile, or a connection that
    gave nothing) must never let the cursor pass that UID, or the message would be skipped forever."""
    imap.append(corpus("vanish", 3))
    mailbox = mailbox_of(imap)
    uids = imap.uids()
    client = mailbox_connect(mailbox)
    try:
        session = poller._Session(client, mailbox, poller.PollReport(mailbox.name))
        session.uidvalidity = int(client.select_folder("INBOX")[b"UIDVALIDITY"])
        Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=session.uidvalidity)
        imap.client.select_folder("INBOX")
        imap.client.delete_messages([uids[1]])
        imap.client.expunge()  # behind the poller's back, after it listed the UIDs
        with pytest.raises(IMAPClientAbortError, match=f"no data for UID {uids[1]}"):
            poller._fetch_uids(session, uids)
    finally:
        client_close(client)

    mailbox.refresh_from_db()
    assert mailbox.last_uid == uids[0] and RawMessage.objects.count() == 1
    assert untouched(imap) == [uids[2]]
    assert mailbox_poll(mailbox).stored == 1 and RawMessage.objects.count() == 2


# --- the folder changes under us ---------------------------------------------------------------------


def test_a_new_uidvalidity_imports_only_the_new_mail_and_acknowledges_nothing_twice(
    imap: Account, mailbox_of: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """RELIABILITY 17: the folder is deleted and made again with the old mail plus 5 new ones. Half the
    old ones come back byte for byte (sha256 dedupe), half with a Received line on top, as a migration
    tool would add (Message-ID dedupe)."""
    old = corpus("uv")
    imap.append(old, folder="Support")
    mailbox = mailbox_of(imap, folder="Support")
    assert mailbox_poll(mailbox).stored == 20 and Outbox.objects.count() == 20
    before = imap.uidvalidity("Support")

    imap.recreate("Support")
    moved = [b"Received: from old.example by new.example; Mon, 23 Nov 2026\r\n" + m for m in old[10:]]
    imap.append([*old[:10], *moved, *corpus("uv-new", 5)], folder="Support")
    with caplog.at_level(logging.WARNING, logger="dapjang.mail.imap"):
        report = mailbox_poll(mailbox)

    assert imap.uidvalidity("Support") != before
    assert report.uidvalidity_reset and "UIDVALIDITY reset" in caplog.text
    assert (report.error, report.fetched, report.duplicates) == ("", 25, 10)
    assert Ticket.objects.count() == 25 and inbound() == 25
    assert Outbox.objects.count() == 25  # an ack for each new mail, none again for the old
    assert RawMessage.objects.filter(outcome="duplicate").count() == 10
    mailbox.refresh_from_db()
    assert mailbox.uidvalidity == imap.uidvalidity("Support")
    assert mailbox.last_uid == max(imap.uids("Support"))
    assert seen(imap, "Support") == imap.uids("Support")


def test_over_size_mail_is_held_as_a_placeholder_and_stays_flagged_on_the_server(
    imap: Account, mailbox_of: Any, settings: Any
) -> None:
    """RELIABILITY 26: not fetched whole, not deleted (even in delete mode), not fetched again."""
    settings.DAPJANG_MAX_MESSAGE_BYTES = 20_000
    small = corpus("size", 2)
    big = build_mail(subject="사진 첨부 (large)", body="가" * 30_000, message_id="<big@customer.example>")
    imap.append([small[0], big, small[1]])
    mailbox = mailbox_of(imap, after=Mailbox.After.DELETE)
    big_uid = imap.uids()[1]

    report = mailbox_poll(mailbox)

    assert (report.error, report.stored, report.oversize) == ("", 3, 1)
    assert imap.uids() == [big_uid]
    assert imap.flags()[big_uid] == {FLAGGED, b"$DapjangTooLarge"}  # not \Seen, not \Deleted
    held = RawMessage.objects.get(state=RawMessage.State.HELD)
    assert "over the size limit" in held.reason and held.uid == big_uid
    data = bytes(held.data)
    assert "사진 첨부".encode() not in data  # the subject is encoded-word in the headers
    assert b"Message-ID: <big@customer.example>" in data and b"over the limit" in data
    assert len(data) < 5_000 and Ticket.objects.count() == 2

    again = mailbox_poll(mailbox)
    assert (again.error, again.fetched) == ("", 0)
    assert imap.uids() == [big_uid] and RawMessage.objects.count() == 3


def test_an_over_size_message_that_lost_its_flag_is_flagged_again_never_deleted(
    imap: Account, mailbox_of: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.DAPJANG_MAX_MESSAGE_BYTES = 20_000
    imap.append([corpus("lostflag", 1)[0], build_mail(body="가" * 30_000), corpus("lostflag2", 1)[0]])
    mailbox = mailbox_of(imap, after=Mailbox.After.DELETE)
    big_uid = imap.uids()[1]
    monkeypatch.setenv("DAPJANG_FAULTS", "after-commit-before-flag@2")
    assert mailbox_poll(mailbox).error
    assert imap.flags()[big_uid] == set()  # the placeholder is stored, the flag never came
    monkeypatch.delenv("DAPJANG_FAULTS")

    report = mailbox_poll(mailbox)

    assert report.error == "" and imap.uids() == [big_uid]
    assert FLAGGED in imap.flags()[big_uid] and RawMessage.objects.count() == 3


# --- logging in, and what errors say -----------------------------------------------------------------


def test_a_wrong_password_is_recorded_without_the_password_in_errors_or_logs(
    imap: Account, mailbox_of: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """RELIABILITY 36, with imapclient's own DEBUG logging of the wire switched on."""
    wrong = "Wr0ng-Passw0rd-비밀"
    mailbox = mailbox_of(imap, secret=wrong)
    imap.append(corpus("pw", 1))

    with caplog.at_level(logging.DEBUG):
        report = mailbox_poll(mailbox)

    assert "login refused" in report.error and "AUTHENTICATIONFAILED" in report.error
    mailbox.refresh_from_db()
    assert mailbox.failing and mailbox.last_error == report.error
    assert "LOGIN" in caplog.text or "AUTHENTICATE" in caplog.text  # the wire was logged…
    for text in (report.error, mailbox.last_error, caplog.text):
        assert wrong not in text and "Wr0ng" not in text  # …but never the secret
    assert RawMessage.objects.count() == 0 and untouched(imap) == imap.uids()


def test_an_xoauth2_token_is_read_from_its_file_at_each_login(
    imap: Account,
    mailbox_of: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A token refresher rewrites the file; the next login uses the new token, and none is ever logged."""
    stale = "ya29.expired-token-0123456789"
    token_file = tmp_path / "token"
    token_file.write_text(stale + "\n")
    monkeypatch.setenv("IMAP_TOKEN_FILE", str(token_file))
    mailbox = mailbox_of(imap, auth=Mailbox.Auth.XOAUTH2, secret="", secret_env="IMAP_TOKEN")
    imap.append(corpus("oauth", 1))

    with caplog.at_level(logging.DEBUG):
        refused = mailbox_poll(mailbox)
        token_file.write_text(imap.password + "\n")  # the refresher's turn
        accepted = mailbox_poll(mailbox)

    assert "login refused" in refused.error and stale not in refused.error
    assert (accepted.error, accepted.stored) == ("", 1)
    assert "AUTHENTICATE" in caplog.text
    assert stale not in caplog.text and imap.password not in caplog.text


def test_an_unset_variable_is_a_clear_error(imap: Account, mailbox_of: Any) -> None:
    mailbox = mailbox_of(imap, secret="", secret_env="DAPJANG_TEST_UNSET_PW")

    report = mailbox_poll(mailbox)

    assert "DAPJANG_TEST_UNSET_PW" in report.error and "환경 변수" in report.error


def test_tls_and_starttls_log_in_when_the_certificate_is_trusted_and_refuse_otherwise(
    imap: Account, mailbox_of: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    if imap.server.cert is None:
        pytest.skip("openssl is not installed: no certificate for the test server")
    imap.append(corpus("tls", 2))
    implicit = mailbox_of(imap, tls=Mailbox.Tls.SSL, port=imap.server.ssl_port)
    upgraded = mailbox_of(imap, name="starttls", tls=Mailbox.Tls.STARTTLS, folder="INBOX")

    untrusted = mailbox_poll(implicit)
    assert "certificate" in untrusted.error and RawMessage.objects.count() == 0

    monkeypatch.setenv("SSL_CERT_FILE", str(imap.server.cert))  # OpenSSL reads it per context
    assert mailbox_poll(implicit).stored == 2
    assert (mailbox_poll(upgraded).error, RawMessage.objects.count()) == ("", 2)


def test_one_failing_mailbox_does_not_keep_the_others_from_their_turn(imap: Account, mailbox_of: Any) -> None:
    imap.append(corpus("iso", 2))
    mailbox_of(imap, name="a-broken", port=1)  # nothing listens on port 1
    mailbox_of(imap, name="b-working")
    mailbox_of(imap, name="c-disabled", enabled=False, port=1)

    reports = {r.mailbox: r for r in mailboxes_poll()}

    assert sorted(reports) == ["a-broken", "b-working"]
    assert "connection to 127.0.0.1:1 failed" in reports["a-broken"].error
    assert reports["b-working"].stored == 2
    assert Mailbox.objects.get(name="a-broken").failing
    assert not Mailbox.objects.get(name="b-working").failing


# --- the watcher -------------------------------------------------------------------------------------


def test_the_watcher_fetches_new_mail_at_once_through_idle_and_stops_promptly(
    dovecot: Dovecot, mailbox_of: Any, settings: Any
) -> None:
    """IDLE, not polling: the poll interval is an hour, yet mail is fetched within seconds. A mailbox
    added while the watcher runs is picked up at the next refresh."""
    settings.DAPJANG_IMAP_POLL_SECONDS = 3600
    first, second = dovecot.account(), dovecot.account()
    try:
        first.append(corpus("watch-a", 1))
        mailbox_of(first)
        stop = threading.Event()
        watcher = threading.Thread(target=mailboxes_watch, args=(stop,), kwargs={"refresh_seconds": 0.2})
        watcher.start()
        try:
            wait_for(lambda: len(seen(first)) == 1, timeout=10, what="the mail already there")
            time.sleep(0.5)  # the watcher is in IDLE now
            started = time.monotonic()
            first.append(corpus("watch-b", 1))
            wait_for(lambda: len(seen(first)) == 2, timeout=10, what="the mail announced by IDLE")
            assert time.monotonic() - started < 5

            second.append(corpus("watch-c", 1))
            mailbox_of(second)
            wait_for(lambda: len(seen(second)) == 1, timeout=10, what="the mailbox added later")
        finally:
            stopping = time.monotonic()
            stop.set()
            watcher.join(15)
        assert not watcher.is_alive() and time.monotonic() - stopping < 5
        assert not any(t.name.startswith("dapjang-imap-") and t.is_alive() for t in threading.enumerate())
        assert Ticket.objects.count() == 3 and RawMessage.objects.filter(mailbox__isnull=False).count() == 3
    finally:
        first.close()
        second.close()


# --- child processes: killed pollers, concurrent pollers ---------------------------------------------


@pytest.fixture
def child(tmp_path: Path) -> Iterator[ChildDesk]:
    """A desk for `dapjang` child processes, on the database this test run uses."""
    postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    with child_desk(tmp_path, postgres=postgres) as desk:
        desk.extra_env["DAPJANG_TASKS_EAGER"] = "1"  # the pipeline runs in the poller, at commit
        yield desk


def desk_mailboxes(desk: ChildDesk, accounts: list[Account]) -> list[str]:
    """Adds the accounts through the command (in parallel), each password named by a variable."""
    adding = []
    for account in accounts:
        variable = f"IMAP_PW_{account.user.upper()}"
        desk.extra_env[variable] = account.password
        args = ["--host", "127.0.0.1", "--port", str(account.server.port), "--user", account.user]
        adding.append(
            desk.start("mailbox", "add", account.user, *args, "--password-env", variable, "--tls", "none")
        )
    assert [proc.wait(60) for proc in adding] == [0] * len(accounts)
    return [account.user for account in accounts]


def desk_poll(desk: ChildDesk, names: list[str], **env: str) -> list[int]:
    """`dapjang mailbox poll NAME`, one process per mailbox, all at once; their exit codes."""
    polls = [desk.start("mailbox", "poll", name, **env) for name in names]
    return [proc.wait(120) for proc in polls]


def desk_count(desk: ChildDesk, mailbox: str, what: str = "raw") -> int:
    """Raw messages stored from a mailbox, or the inbound articles made from them."""
    join = "JOIN tickets_article a ON a.raw_id = r.id AND a.direction = 'in'" if what == "articles" else ""
    sql = (
        f"SELECT count(*) FROM mail_rawmessage r {join} "
        "JOIN mail_mailbox m ON r.mailbox_id = m.id WHERE m.name = %s"
    )
    return int(desk.scalar(sql, (mailbox,)))


def test_a_poller_killed_after_fetching_message_k_loses_nothing_and_doubles_nothing(
    dovecot: Dovecot, child: ChildDesk
) -> None:
    """RELIABILITY 12: SIGKILL after message k is fetched, k in 1, 10, 20. While the poller is down,
    nothing it had not committed is \\Seen or \\Deleted (BODY.PEEK); after a restart all 20 are in,
    each once. Also RELIABILITY 14 as a crash: killed after the commit of message 5, before its flag.
    Each case has a mailbox of its own, so the four pollers run side by side."""
    faults = [f"after-fetch@{k}=kill" for k in (1, 10, 20)] + ["after-commit-before-flag@5=kill"]
    committed = [0, 9, 19, 5]
    flagged = [0, 9, 19, 4]
    accounts = [dovecot.account() for _ in faults]
    try:
        for i, account in enumerate(accounts):
            account.append(corpus(f"kill{i}"))
        names = desk_mailboxes(child, accounts)
        uids = [account.uids() for account in accounts]
        killed = [
            child.start("mailbox", "poll", name, DAPJANG_FAULTS=fault)
            for name, fault in zip(names, faults, strict=True)
        ]
        assert [proc.wait(120) for proc in killed] == [-signal.SIGKILL] * 4

        for i, account in enumerate(accounts):
            assert seen(account) == uids[i][: flagged[i]], faults[i]
            assert untouched(account) == uids[i][flagged[i] :], faults[i]
            assert desk_count(child, names[i]) == committed[i], faults[i]

        assert desk_poll(child, names) == [0] * 4

        for i, account in enumerate(accounts):
            assert seen(account) == uids[i], faults[i]
            assert desk_count(child, names[i]) == 20, faults[i]
            assert desk_count(child, names[i], "articles") == 20, faults[i]
        assert child.scalar("SELECT count(*) FROM tickets_ticket") == 80
        assert child.scalar("SELECT count(*) FROM mail_outbox") == 80  # one ack each, none twice
    finally:
        for account in accounts:
            account.close()


def test_pollers_racing_on_one_mailbox_store_each_message_exactly_once(
    dovecot: Dovecot, child: ChildDesk
) -> None:
    """RELIABILITY 15: three processes at once on one folder: two share a cursor, the third reads the
    folder through a second mailbox row from UID 1, so every message is fetched at least twice. The
    unique sha256 decides: each is stored, made an article and acknowledged once."""
    account = dovecot.account()
    try:
        account.append(corpus("race"))
        [name] = desk_mailboxes(child, [account])
        child.run(
            "mailbox", "add", "race-twin", "--host", "127.0.0.1", "--port", str(dovecot.port),
            "--user", account.user, "--password-env", f"IMAP_PW_{account.user.upper()}", "--tls", "none",
        )  # fmt: skip
        assert desk_poll(child, [name, name, "race-twin"]) == [0, 0, 0]

        reports = [
            line
            for log in child.home.glob("mailbox-*.log")
            for line in log.read_text().splitlines()
            if "fetched" in line
        ]
        assert len(reports) == 3
        counts = [[int(n) for n in re.findall(r"(?:fetched|new) (\d+)", line)] for line in reports]
        assert sum(fetched for fetched, _ in counts) >= 40 and sum(new for _, new in counts) == 20
        assert child.scalar("SELECT count(*) FROM mail_rawmessage") == 20
        assert child.scalar("SELECT count(*) FROM tickets_article WHERE direction = 'in'") == 20
        assert child.scalar("SELECT count(*) FROM tickets_ticket") == 20
        assert child.scalar("SELECT count(*) FROM mail_outbox") == 20  # one ack each, never two
        assert seen(account) == account.uids()
        last = child.query("SELECT DISTINCT last_uid FROM mail_mailbox")
        assert last == [(max(account.uids()),)]
    finally:
        account.close()
