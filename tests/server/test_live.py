"""The running desk, as real processes: mail over SMTP becomes tickets and acks, through crashes.

RELIABILITY 11 (database down during DATA; a crash right after 250), 20 (a sender killed between the
relay's 250 and "sent"), and the split pieces on PostgreSQL and Redis. Processes are killed with
SIGKILL and PostgreSQL is really stopped (a private server, so no other test is harmed).
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import json
import os
import signal
import smtplib
import socket
import sqlite3
import subprocess
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis

from tests.builders import build_mail
from tests.conftest import SinkHandler
from tests.mail.dovecot import Account
from tests.processes import ChildDesk, child_desk, free_port, private_postgres, stop, wait_for

SUPPORT = "support@dapjang.local"

# These tests pick their databases themselves (SQLite and PostgreSQL desks of their own), so the
# suite's second run, on PostgreSQL, would only repeat them.
pytestmark = pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="run once, in the SQLite pass")


def _mail(n: int, subject: str = "환불 문의") -> bytes:
    return build_mail(
        subject=f"{subject} {n}",
        from_=f"고객{n} <customer{n}@example.com>",
        to=SUPPORT,
        message_id=f"<live{n}.{id(subject)}@example.com>",
        body=f"주문 {n}번 상품 환불해주세요.",
    )


def _send(port: int, data: bytes, sender: str = "customer@example.com") -> tuple[int, str]:
    """One SMTP session; returns the answer to the message (DATA, or RCPT if that refused)."""
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.ehlo()
        client.mail(sender)
        code, text = client.rcpt(SUPPORT)
        if code >= 400:
            return code, text.decode()
        code, text = client.data(data)
        with contextlib.suppress(smtplib.SMTPServerDisconnected):  # a server killed right after 250
            client.quit()
        return code, text.decode()


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _count(desk: ChildDesk, table: str) -> int:
    return int(desk.scalar(f"SELECT count(*) FROM {table}"))


def test_serve_turns_mail_into_a_ticket_and_an_ack_and_stops_cleanly(
    tmp_path: Path, relay: tuple[SinkHandler, str]
) -> None:
    sink, relay_url = relay
    with child_desk(tmp_path) as desk:
        web, smtp = free_port(), free_port()
        proc = desk.start(
            "serve", "--listen", f"127.0.0.1:{web}", "--smtp-listen", f"127.0.0.1:{smtp}",
            DAPJANG_OUTBOUND_SMTP=relay_url,
        )  # fmt: skip
        try:
            wait_for(lambda: _listening(smtp) and _listening(web), what="serve to listen")
            code, text = _send(smtp, _mail(1))
            assert code == 250, text
            wait_for(lambda: sink.messages, what="the acknowledgement at the relay")
            number = desk.scalar("SELECT number FROM tickets_ticket")
            ack = email.message_from_bytes(sink.messages[0].data, policy=email.policy.default)
            assert number in str(ack["Subject"])
            assert sink.messages[0].rcpt_tos == ["customer1@example.com"]
            with urllib.request.urlopen(f"http://127.0.0.1:{web}/healthz", timeout=10) as response:
                health = json.loads(response.read())
            assert health["ok"] and health["backlog"]["received"] == 0
        finally:
            code = stop(proc, signal.SIGINT)  # Ctrl-C reaches the whole process group
        assert code == 0, (desk.home / "serve").as_posix()
        with pytest.raises(ProcessLookupError):  # the worker and the scheduler went with it
            os.killpg(proc.pid, 0)


def test_serve_reads_an_imap_mailbox_added_by_command(tmp_path: Path, imap: Account) -> None:
    """A new user adds their mailbox and starts the desk: the mail becomes a ticket, then is marked read."""
    imap.append([_mail(41), _mail(42)])
    with child_desk(tmp_path) as desk:
        desk.run(
            "mailbox", "add", "support", "--host", "127.0.0.1", "--port", str(imap.server.port),
            "--tls", "none", "--user", imap.user, "--password-env", "SUPPORT_IMAP_PASSWORD",
        )  # fmt: skip
        web, smtp = free_port(), free_port()
        proc = desk.start(
            "serve", "--listen", f"127.0.0.1:{web}", "--smtp-listen", f"127.0.0.1:{smtp}",
            SUPPORT_IMAP_PASSWORD=imap.password,
        )  # fmt: skip
        try:
            wait_for(lambda: _count(desk, "tickets_ticket") == 2, what="two tickets from the mailbox")
            wait_for(
                lambda: all(b"\\Seen" in flags for flags in imap.flags().values()), what="\\Seen after commit"
            )
            imap.append([_mail(43)])  # IDLE: a new mail arrives while the desk runs
            wait_for(lambda: _count(desk, "tickets_ticket") == 3, what="the third ticket, pushed by IDLE")
            listing = desk.run("mailbox", "list", "--json", SUPPORT_IMAP_PASSWORD=imap.password).stdout
            assert json.loads(listing.splitlines()[0])["last_success_at"]
            assert imap.password not in listing
        finally:
            stop(proc, signal.SIGINT)


def test_a_crash_right_after_250_loses_nothing_and_doubles_nothing(
    tmp_path: Path, relay: tuple[SinkHandler, str]
) -> None:
    """RELIABILITY 11, fault 2: SIGKILL once 250 is out; the restart processes the stored mail once."""
    sink, relay_url = relay
    mail = _mail(7)
    with child_desk(tmp_path) as desk:
        smtp = free_port()
        listener = desk.start("smtpd", "--listen", f"127.0.0.1:{smtp}", DAPJANG_FAULTS="after-smtp-250=kill")
        try:
            wait_for(lambda: _listening(smtp), what="smtpd to listen")
            code, _ = _send(smtp, mail)
            assert code == 250
            assert listener.wait(10) == -signal.SIGKILL
        finally:
            stop(listener)
        assert _count(desk, "mail_rawmessage") == 1
        assert _count(desk, "tickets_ticket") == 0

        web = free_port()
        serve = desk.start(
            "serve", "--listen", f"127.0.0.1:{web}", "--smtp-listen", f"127.0.0.1:{smtp}",
            DAPJANG_OUTBOUND_SMTP=relay_url,
        )  # fmt: skip
        try:
            wait_for(lambda: _count(desk, "tickets_ticket") == 1, what="the stored mail to become a ticket")
            wait_for(lambda: _listening(smtp), what="serve to listen")
            # The sending server never saw our 250 in a real crash, so it sends the mail again.
            assert _send(smtp, mail)[0] == 250
            wait_for(lambda: sink.messages, what="the acknowledgement")
            wait_for(lambda: _count(desk, "mail_rawmessage WHERE state = 'received'") == 0, what="processing")
        finally:
            stop(serve, signal.SIGINT)
        assert _count(desk, "tickets_ticket") == 1
        assert _count(desk, "tickets_article WHERE direction = 'in'") == 1
        assert len(sink.messages) == 1


def test_a_locked_sqlite_database_gives_451_and_the_retry_makes_one_ticket(tmp_path: Path) -> None:
    """RELIABILITY 11, fault 1 on SQLite: another process holds the write lock during DATA."""
    with child_desk(tmp_path) as desk:
        smtp = free_port()
        listener = desk.start("smtpd", "--listen", f"127.0.0.1:{smtp}", DAPJANG_SQLITE_BUSY_SECONDS="1")
        worker = desk.start("worker")
        locker = sqlite3.connect(desk.home / "dapjang.sqlite3", isolation_level=None, timeout=30)
        try:
            wait_for(lambda: _listening(smtp), what="smtpd to listen")
            assert _send(smtp, _mail(1))[0] == 250
            locker.execute("BEGIN EXCLUSIVE")
            code, text = _send(smtp, _mail(2))
            assert code == 451 and "4.3.0" in text
            assert not any(word in text.lower() for word in ("locked", "sqlite", "traceback", "error:"))
            locker.execute("ROLLBACK")
            assert _send(smtp, _mail(2))[0] == 250
            wait_for(lambda: _count(desk, "tickets_ticket") == 2, what="both mails to become tickets")
        finally:
            locker.close()
            stop(listener)
            stop(worker)
        assert _count(desk, "mail_rawmessage") == 2


def test_a_stopped_postgresql_gives_451_and_mail_flows_again_when_it_is_back(
    tmp_path: Path, relay: tuple[SinkHandler, str]
) -> None:
    """RELIABILITY 11, fault 1 on PostgreSQL: the server is stopped while mail arrives."""
    sink, relay_url = relay
    with (
        private_postgres() as pg,
        child_desk(tmp_path, postgres=True, server=pg.url.rsplit("/", 1)[0]) as desk,
    ):
        smtp = free_port()
        env = {"DAPJANG_OUTBOUND_SMTP": relay_url, "DAPJANG_SWEEP_SECONDS": "1", "DAPJANG_STUCK_SECONDS": "2"}
        listener = desk.start("smtpd", "--listen", f"127.0.0.1:{smtp}", **env)
        worker = desk.start("worker", **env)
        scheduler = desk.start("scheduler", "--no-imap", **env)
        try:
            wait_for(lambda: _listening(smtp), what="smtpd to listen")
            assert _send(smtp, _mail(1))[0] == 250
            pg.stop()
            code, text = _send(smtp, _mail(2))
            assert code == 451 and "4.3.0" in text
            assert "postgres" not in text.lower() and "5432" not in text and str(pg.port) not in text
            pg.start()
            assert _send(smtp, _mail(2))[0] == 250
            wait_for(lambda: _count(desk, "tickets_ticket") == 2, what="both mails to become tickets")
            wait_for(lambda: len(sink.messages) == 2, what="two acknowledgements")
        finally:
            for proc in (listener, worker, scheduler):
                stop(proc)


def test_a_sender_killed_after_the_relays_250_sends_at_most_one_duplicate(
    tmp_path: Path, relay: tuple[SinkHandler, str]
) -> None:
    """RELIABILITY 20: same Message-ID on the retry; "sent" only after a 250."""
    sink, relay_url = relay
    with child_desk(tmp_path) as desk:
        (tmp_path / "mail.eml").write_bytes(_mail(3))
        # Live mail, as the SMTP listener hands it over (an import is history and gets no ack);
        # no relay yet: the ack waits in the outbox.
        feed = (
            "from pathlib import Path; from dapjang.tickets.context import PipelineContext; "
            "from dapjang.tickets.pipeline import ingest; "
            f"ingest(Path({str(tmp_path / 'mail.eml')!r}).read_bytes(), channel='smtp', ctx=PipelineContext())"
        )
        desk.run("shell", "-c", feed)
        assert desk.scalar("SELECT state FROM mail_outbox") == "queued"
        killed = desk.run(
            "outbox", "send", check=False, DAPJANG_OUTBOUND_SMTP=relay_url,
            DAPJANG_FAULTS="after-relay-250-before-mark-sent=kill", DAPJANG_SENDING_LEASE_SECONDS="2",
        )  # fmt: skip
        assert killed.returncode == -signal.SIGKILL
        assert len(sink.messages) == 1
        assert desk.scalar("SELECT state FROM mail_outbox") == "sending"  # never "sent" without the 250 seen

        env = {"DAPJANG_OUTBOUND_SMTP": relay_url, "DAPJANG_SWEEP_SECONDS": "1"}
        worker, scheduler = desk.start("worker", **env), desk.start("scheduler", "--no-imap", **env)
        try:
            wait_for(lambda: desk.scalar("SELECT state FROM mail_outbox") == "sent", what="the resend")
        finally:
            stop(worker)
            stop(scheduler)
        assert len(sink.messages) == 2
        message_id = desk.scalar("SELECT message_id FROM mail_outbox").encode()
        assert all(message_id in m.data for m in sink.messages)


@pytest.fixture(params=["redis", "rabbitmq"])
def broker_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty broker: a Redis database of our own, or a RabbitMQ virtual host made for the test."""
    if request.param == "redis":
        redis.Redis(host="127.0.0.1", port=6379, db=11).flushdb()
        yield "redis://127.0.0.1:6379/11"
        return
    vhost = f"dapjang-{uuid.uuid4().hex[:8]}"

    def ctl(*args: str) -> None:
        subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=60)

    ctl("add_vhost", vhost)
    ctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    try:
        yield f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    finally:
        ctl("delete_vhost", vhost)


def test_the_split_pieces_on_postgresql_and_a_broker_survive_a_killed_worker(
    tmp_path: Path, relay: tuple[SinkHandler, str], broker_url: str
) -> None:
    sink, relay_url = relay
    with child_desk(tmp_path, postgres=True) as desk:
        smtp = free_port()
        env = {
            "DAPJANG_OUTBOUND_SMTP": relay_url,
            "DAPJANG_BROKER_URL": broker_url,
            "DAPJANG_SWEEP_SECONDS": "1",
            "DAPJANG_STUCK_SECONDS": "3",
            "DAPJANG_SENDING_LEASE_SECONDS": "3",
        }
        listener = desk.start("smtpd", "--listen", f"127.0.0.1:{smtp}", **env)
        worker = desk.start("worker", "--concurrency", "2", **env)
        scheduler = desk.start("scheduler", "--no-imap", **env)
        replacement = None
        try:
            wait_for(lambda: _listening(smtp), what="smtpd to listen")
            with ThreadPoolExecutor(4) as pool:
                codes = list(pool.map(lambda n: _send(smtp, _mail(n))[0], range(20)))
            assert codes == [250] * 20
            wait_for(lambda: _count(desk, "tickets_ticket") == 20, what="20 tickets")
            stop(worker, signal.SIGKILL)
            with ThreadPoolExecutor(4) as pool:
                codes = list(pool.map(lambda n: _send(smtp, _mail(n))[0], range(20, 25)))
            assert codes == [250] * 5
            replacement = desk.start("worker", **env)
            wait_for(lambda: _count(desk, "tickets_ticket") == 25, what="25 tickets after the new worker")
            wait_for(lambda: len(sink.messages) >= 25, what="25 acknowledgements")
        finally:
            for proc in (listener, worker, scheduler, replacement):
                if proc is not None:
                    stop(proc)
        assert _count(desk, "mail_rawmessage") == 25
        recipients = [m.rcpt_tos[0] for m in sink.messages]
        assert set(recipients) == {f"customer{n}@example.com" for n in range(25)}
        # Sends the killed worker had in hand (at most its two slots) may go out twice, never more.
        assert len(recipients) <= 25 + 2
