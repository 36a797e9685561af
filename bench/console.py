"""Console latency at desk scale: 100k tickets / 1M articles of Korean and English mail on PostgreSQL.

Seeds a fresh database `dapjang_bench_console` with COPY (tickets, articles, customers and the
search index, computed by the same code the pipeline uses), then measures the p50/p95 of the
agent's three busiest requests through HTTP against `dapjang web` (gunicorn): the inbox, a search
(`/inbox/?q=`) and a ticket page (`/t/<number>/`). The same three are also timed as plain queries
in this process, so a slow page can be told apart from a slow query. The database is dropped at the
end unless --keep. See bench/README.md for the results and how to read them. One file past the
usual 400 lines on purpose: seed, server and client belong together, and a benchmark is run alone.

    .venv/bin/python bench/console.py                      # seed (2-9 min), measure (~4 min), drop
    .venv/bin/python bench/console.py --keep               # keep the database for a second run
    .venv/bin/python bench/console.py --reuse --samples 50 # measure again without seeding
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
SERVER = "postgresql://postgres@127.0.0.1:5432"
DB = "dapjang_bench_console"
PASSWORD = "bench-console-pw"
SEARCHES = [
    "환불",
    "배송",
    "운송장",
    "환불해주세요",
    "배송 조회",
    "refund",
    "환불 카드",
    "비밀번호",
    "tracking number",
]
ACTIVE_FRACTION_OLD = 0.02  # of tickets older than two weeks, still open; everything recent is active

sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dapjang.settings")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- database ----------------------------------------------------------------------------------------


def db_recreate() -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB} TEMPLATE template0 ENCODING 'UTF8'")


def db_drop() -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


def django_setup(home: str) -> None:
    os.environ["DATABASE_URL"] = f"{SERVER}/{DB}"
    os.environ["DAPJANG_HOME"] = home
    os.environ.setdefault("DAPJANG_SECRET_KEY", "bench-console-secret-key-not-for-production")
    import django

    django.setup()


# --- the seed ----------------------------------------------------------------------------------------


class Texts:
    """Mail, replies and notes from the demo fixtures, one topic per ticket as in real life (a refund
    ticket talks about refunds throughout), with order numbers that make every ticket a little unique."""

    def __init__(self, rng: random.Random) -> None:
        from dapjang.demo import cast

        self.rng = rng
        self.topics = [t["id"] for t in cast.topics()]
        rows = cast.train_rows()
        self.mails = {
            (topic, lang): [r for r in rows if r["topic"] == topic and r["lang"] == lang]
            for topic in self.topics
            for lang in ("ko", "en")
        }
        self.answers: dict[tuple[str, str], list[str]] = {}
        for entry in cast.faq().values():
            for lang in ("ko", "en"):
                self.answers.setdefault((entry["topic"], lang), []).append(entry[f"answer_{lang}"])
        self.notes = [
            cast.CHECK_NOTE,
            cast.VIP_NOTE,
            "고객과 통화함. 회신 기다리는 중",
            "Called the customer; waiting for their answer",
            "담당 부서 회신 대기",
        ]

    def mail(self, topic: str, lang: str) -> tuple[str, str]:
        row = self.rng.choice(self.mails[topic, lang])
        order = f"HB-2026-{self.rng.randrange(1_000_000, 9_999_999)}"
        extra = f"\n주문번호: {order}" if lang == "ko" else f"\nOrder number: {order}"
        return row["subject"], row["body"] + extra

    def follow_up(self, topic: str, lang: str) -> str:
        return str(self.rng.choice(self.mails[topic, lang])["body"])

    def reply(self, topic: str, lang: str, agent: str) -> str:
        hello = "고객님, 안녕하세요." if lang == "ko" else "Dear customer,"
        return f"{hello}\n\n{self.rng.choice(self.answers[topic, lang])}\n\n-- \n{agent}\n한빛몰 고객센터"


def seed(tickets: int, per_ticket: int, rng: random.Random) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from dapjang.agents.services import agent_add
    from dapjang.tickets.models import TicketCounter
    from dapjang.tickets.queues import queue_create
    from dapjang.tickets.search_terms import article_terms, header_terms, terms_value

    texts = Texts(rng)
    queues = {t: queue_create(slug=t, name=t, addresses=[f"{t}@bench.example"]).id for t in texts.topics}
    lead = agent_add(
        email="lead@bench.example", name="이서연", queues=texts.topics, role="lead", password=PASSWORD
    )
    agent = agent_add(email="agent@bench.example", name="김민지", queues=texts.topics[:3], password=PASSWORD)
    assignees = [lead.user_id, agent.user_id]
    customers = max(1000, tickets // 5)
    now = timezone.now()
    started = time.monotonic()
    raw = connection.connection  # psycopg's own connection: COPY
    with raw.cursor() as cur:
        cur.execute("DROP INDEX IF EXISTS tickets_ticketsearch_terms_gin")
        with cur.copy(
            "COPY customers_customer (id, name, email, segment, segment_set_by, language, created_at) FROM STDIN"
        ) as cp:
            for i in range(1, customers + 1):
                cp.write_row((i, f"고객{i}", f"customer{i}@example.com", "ordinary", "", "ko", now))
        with cur.copy("COPY customers_identity (id, customer_id, kind, value) FROM STDIN") as cp:
            for i in range(1, customers + 1):
                cp.write_row((i, i, "email", f"customer{i}@example.com"))
    raw.commit()
    article_id = 0
    active = 0
    batch = 2000
    for first in range(1, tickets + 1, batch):
        ticket_rows, article_rows, search_rows = [], [], []
        for tid in range(first, min(first + batch, tickets + 1)):
            age = timedelta(days=730 * (tickets - tid) / tickets, minutes=rng.randrange(60))
            created = now - age
            recent = age < timedelta(days=14)
            if recent or rng.random() < ACTIVE_FRACTION_OLD:
                status = rng.choice(["new", "open", "open", "waiting"])
                active += 1
            else:
                status = rng.choice(["closed", "closed", "solved"])
            lang = "en" if rng.random() < 0.25 else "ko"
            customer = rng.randrange(1, customers + 1)
            email = f"customer{customer}@example.com"
            topic = rng.choice(texts.topics)
            subject, body = texts.mail(topic, lang)
            number = f"{created.year}-{tid:06d}"
            assignee = None if status == "new" else rng.choice(assignees)
            priority = rng.choices([1, 2, 3, 4], weights=[10, 70, 15, 5])[0]
            ticket_rows.append(
                (
                    tid,
                    number,
                    subject,
                    status,
                    priority,
                    queues[topic],
                    customer,
                    assignee,
                    "smtp",
                    lang,
                    "human",
                    "[]",
                    created,
                    created,
                    "[]",  # tags
                    topic,
                    "[]",  # suggestions
                    False,  # triage
                    "",  # auto_answer_faq
                    created + timedelta(days=1) if status in ("new", "open") else None,  # due_at
                )
            )
            count = 2 + (tid * 7919) % (2 * per_ticket - 3)  # 2 … 2n-2, mean n
            terms = header_terms(
                number=number, subject=subject, customer_email=email, customer_name=f"고객{customer}"
            )
            for n in range(count):
                article_id += 1
                when = created + timedelta(minutes=37 * n)
                if n == 0:
                    row = ("in", "customer", email, subject, body)
                elif n == 1:
                    row = (
                        "out",
                        "ack",
                        f"{topic}@bench.example",
                        f"[#{number}] 접수",
                        "문의가 접수되었습니다.",
                    )
                elif n % 3 == 2:
                    row = (
                        "out",
                        "reply",
                        f"{topic}@bench.example",
                        f"Re: {subject}",
                        texts.reply(topic, lang, "김민지"),
                    )
                elif n % 3 == 0:
                    row = ("in", "customer", email, f"Re: {subject}", texts.follow_up(topic, lang))
                else:
                    row = ("note", "note", "agent@bench.example", "", rng.choice(texts.notes))
                direction, kind, sender, a_subject, text = row
                mid = "" if direction == "note" else f"bench-{article_id}@bench.example"
                article_rows.append(
                    (
                        article_id,
                        tid,
                        direction,
                        kind,
                        sender,
                        "",
                        "[]",
                        "[]",
                        a_subject,
                        text,
                        text,
                        "",
                        "",
                        mid,
                        "",
                        "",
                        "[]",
                        None,
                        "[]",
                        lang,
                        None,
                        when,
                    )
                )
                terms |= article_terms(
                    kind=kind, subject=a_subject, new_text=text, text=text, from_email=sender
                )
            search_rows.append((tid, terms_value(terms)))
        with raw.cursor() as cur:
            with cur.copy(
                "COPY tickets_ticket (id, number, subject, status, priority, queue_id, customer_id, "
                "assignee_id, channel, language, kind, flags, created_at, updated_at, tags, topic, suggestions, "
                "triage, auto_answer_faq, due_at) FROM STDIN"
            ) as cp:
                for t in ticket_rows:
                    cp.write_row(t)
            with cur.copy(
                'COPY tickets_article (id, ticket_id, direction, kind, from_email, from_name, "to", cc, '
                "subject, text, new_text, quoted_text, html, message_id, content_hash, in_reply_to, "
                '"references", raw_id, flags, language, author_id, created_at) FROM STDIN'
            ) as cp:
                for a in article_rows:
                    cp.write_row(a)
            with cur.copy("COPY tickets_ticketsearch (ticket_id, terms) FROM STDIN") as cp:
                for s in search_rows:
                    cp.write_row(s)
        raw.commit()
        done = min(first + batch - 1, tickets)
        rate = done / (time.monotonic() - started)
        log(f"seed: {done:,}/{tickets:,} tickets, {article_id:,} articles ({rate:,.0f} tickets/s)")
    TicketCounter.objects.update_or_create(year=now.year, defaults={"last": tickets})
    seeded = time.monotonic() - started
    t0 = time.monotonic()
    with raw.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '1GB'")
        cur.execute(
            "CREATE INDEX tickets_ticketsearch_terms_gin ON tickets_ticketsearch "
            "USING gin (dapjang_search_terms(terms))"
        )
        for table in ("customers_customer", "customers_identity", "tickets_ticket", "tickets_article"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        cur.execute("RESET maintenance_work_mem")
    raw.commit()
    gin = time.monotonic() - t0
    raw.autocommit = True
    t0 = time.monotonic()
    raw.execute("VACUUM ANALYZE")
    raw.autocommit = False
    log(f"seeded in {seeded:.0f} s; GIN index {gin:.0f} s; VACUUM ANALYZE {time.monotonic() - t0:.0f} s")
    return {
        "tickets": tickets,
        "articles": article_id,
        "active": active,
        "customers": customers,
        "seed_s": round(seeded, 1),
        "gin_build_s": round(gin, 1),
    }


def tickets_analyze() -> None:
    """Fresh planner statistics after the seed, as autovacuum would gather them on a real desk."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE tickets_ticket")


def sizes() -> dict[str, str]:
    from django.db import connection

    out = {}
    with connection.cursor() as cur:
        for name in (
            "tickets_ticket",
            "tickets_article",
            "tickets_ticketsearch",
            "tickets_ticketsearch_terms_gin",
        ):
            cur.execute("SELECT pg_size_pretty(pg_total_relation_size(%s))", [name])
            out[name] = cur.fetchone()[0]
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        out["database"] = cur.fetchone()[0]
    return out


# --- measuring ---------------------------------------------------------------------------------------


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(ordered[-1], 1),
    }


def timed(fn: Callable[[], object], samples: int, warmup: int = 3) -> dict[str, float]:
    for _ in range(warmup):
        fn()
    spent = []
    for _ in range(samples):
        t0 = time.perf_counter()
        fn()
        spent.append((time.perf_counter() - t0) * 1000)
    return percentiles(spent)


def cycle(items: list[str]) -> Iterator[str]:
    while True:
        yield from items


def measure_queries(samples: int, numbers: list[str]) -> dict[str, Any]:
    """The console's three requests as queries, with the inbox's own selectors (no HTTP, no template)."""
    from django.contrib.auth import get_user_model
    from django.http import QueryDict

    from dapjang.agents.services import agent_of, tickets_visible_to
    from dapjang.console.inbox import PAGE_SIZE, inbox_counts, inbox_filter_parse, inbox_tickets
    from dapjang.tickets.models import Ticket

    agent = agent_of(get_user_model().objects.get(username="lead@bench.example"))
    assert agent is not None

    def rows(params: str) -> Any:
        return inbox_tickets(agent, inbox_filter_parse(QueryDict(params), agent))

    def inbox(params: str) -> None:
        """What the inbox view asks the database: the paginator's count, the page, the queue counts."""
        found = rows(params)
        found.count()
        list(found[:PAGE_SIZE])
        inbox_counts(agent)

    def q(status: str = "") -> str:
        return f"status={status}&q=" + urllib.parse.quote(next(queries))

    queries, pages = cycle(SEARCHES), cycle(numbers)
    out = {"inbox": timed(lambda: inbox(""), samples)}
    out["inbox_counts alone"] = timed(lambda: inbox_counts(agent), samples)
    out["search"] = timed(lambda: inbox(q()), samples)
    out["search page alone"] = timed(lambda: list(rows(q())[:PAGE_SIZE]), samples)
    out["search count alone"] = timed(lambda: rows(q()).count(), samples)
    out["search_all"] = timed(lambda: inbox(q("all")), samples)
    out["search_all page alone"] = timed(lambda: list(rows(q("all"))[:PAGE_SIZE]), samples)
    out["search_all count alone"] = timed(lambda: rows(q("all")).count(), samples)
    for query in SEARCHES:
        params = "status=all&q=" + urllib.parse.quote(query)
        out[f"search_all {query}"] = timed(lambda p=params: inbox(p), 10)

    def page() -> None:
        ticket = tickets_visible_to(agent).select_related("queue", "customer").get(number=next(pages))
        list(ticket.articles.prefetch_related("attachments"))
        list(Ticket.objects.filter(customer=ticket.customer).order_by("-created_at")[:20])

    out["ticket"] = timed(page, samples)
    return out


class Web:
    """`dapjang web` in a child process, and a logged-in HTTP client for it."""

    def __init__(self, env: dict[str, str]) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [str(ROOT / ".venv/bin/dapjang"), "web", "--listen", f"127.0.0.1:{self.port}"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=ROOT,
        )
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        for _ in range(100):
            try:
                self.get("/healthz")
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(
            "dapjang web did not start: "
            + (self.proc.stderr.read(2000) if self.proc.stderr else b"").decode()
        )

    def get(self, path: str) -> tuple[int, bytes]:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.status, response.read()

    def login(self, username: str) -> None:
        _, page = self.get("/login/")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if match is None:
            raise RuntimeError("no login form at /login/")
        data = urllib.parse.urlencode(
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": match.group(1).decode()}
        )
        request = urllib.request.Request(
            self.base + "/login/", data=data.encode(), headers={"Referer": self.base + "/login/"}
        )
        with self.opener.open(request, timeout=30) as response:
            if "/login/" in response.url:
                raise RuntimeError("login failed")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def measure_http(samples: int, numbers: list[str], env: dict[str, str]) -> dict[str, Any]:
    web = Web(env)
    try:
        web.login("lead@bench.example")
        queries, pages = cycle(SEARCHES), cycle(numbers)

        def get(path: str) -> None:
            status, body = web.get(path)
            if status != 200 or len(body) < 500:
                raise RuntimeError(f"{path}: HTTP {status}, {len(body)} bytes")

        out = {"inbox": timed(lambda: get("/inbox/"), samples)}
        out["search"] = timed(lambda: get("/inbox/?q=" + urllib.parse.quote(next(queries))), samples)
        out["search_all"] = timed(
            lambda: get("/inbox/?status=all&q=" + urllib.parse.quote(next(queries))), samples
        )
        out["ticket"] = timed(lambda: get(f"/t/{next(pages)}/"), samples)
        return out
    finally:
        web.stop()


def explain(query: str) -> str:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.http import QueryDict

    from dapjang.agents.services import agent_of
    from dapjang.console.inbox import PAGE_SIZE, inbox_filter_parse, inbox_tickets

    agent = agent_of(get_user_model().objects.get(username="lead@bench.example"))
    assert agent is not None
    rows = inbox_tickets(
        agent, inbox_filter_parse(QueryDict("status=all&q=" + urllib.parse.quote(query)), agent)
    )
    sql, params = rows[:PAGE_SIZE].query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(r[0] for r in cur.fetchall())


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--articles-per-ticket", type=int, default=10)
    parser.add_argument("--samples", type=int, default=40, help="timed requests per measurement")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the database seeded by an earlier --keep run"
    )
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--no-http", action="store_true", help="queries only")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    home = tempfile.mkdtemp(prefix="dapjang-bench-console-")
    result: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "args": vars(args) | {"json": str(args.json)},
        # The machine may be shared: the load says how far to trust the figures.
        "loadavg_before": os.getloadavg(),
    }
    if not args.reuse:
        db_recreate()
    django_setup(home)
    from django.core.management import call_command

    try:
        if not args.reuse:
            call_command("migrate", verbosity=0)
            result["seed"] = seed(args.tickets, args.articles_per_ticket, rng)
        tickets_analyze()
        from dapjang.tickets.models import Ticket

        count = Ticket.objects.count()
        numbers = [
            Ticket.objects.values_list("number", flat=True).get(id=rng.randrange(1, count + 1))
            for _ in range(50)
        ]
        result["sizes"] = sizes()
        log(f"sizes: {result['sizes']}")
        result["queries"] = measure_queries(args.samples, numbers)
        log(f"queries: {json.dumps(result['queries'], ensure_ascii=False)}")
        result["explain_환불"] = explain("환불")
        if not args.no_http:
            env = {**os.environ, "DATABASE_URL": f"{SERVER}/{DB}", "DAPJANG_HOME": home}
            result["http"] = measure_http(args.samples, numbers, env)
            log(f"http: {json.dumps(result['http'], ensure_ascii=False)}")
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            db_drop()
    result["loadavg_after"] = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    failed = [
        f"{where} {name}"
        for where in ("queries", "http")
        for name, figures in result.get(where, {}).items()
        if name in ("inbox", "search", "search_all", "ticket") and figures["p95_ms"] >= 300
    ]
    print(
        json.dumps(
            {
                k: result[k]
                for k in ("seed", "sizes", "queries", "http", "loadavg_before", "loadavg_after")
                if k in result
            },
            ensure_ascii=False,
            indent=1,
        )
    )
    print("p95 < 300 ms:", "FAIL " + ", ".join(failed) if failed else "PASS")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
