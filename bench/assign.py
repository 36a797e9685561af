"""Assignment at desk scale (MISSION A8, A9): how even the load stays, and what the scheduled pass costs.

Part 1, balance: 10,000 tickets arrive over 50 simulated hours into three queues worked by eight
agents (overlapping memberships, two English speakers, one part-timer with a small capacity). Every
ticket goes through `ticket_assign_new`; `assign_sweep` runs every 10 simulated minutes. Agents
answer a share of their open tickets every 10 minutes, one goes on a trip with reclaim, one without,
and one stops working for ten hours so their tickets stall. Reported: the max/min ratio of the
unanswered load over the agents who are present and below capacity, taken every hour.

Part 2, cost: 100,000 open tickets on the same desk, then the time of a quiet sweep (nothing to do),
a busy sweep (an absence starts, stalled and unassigned tickets: a full batch of each) and of one
`ticket_assign_new` decision.

    .venv/bin/python bench/assign.py                                  # SQLite in a temp folder
    .venv/bin/python bench/assign.py --database-url postgresql://postgres@127.0.0.1:5432/dapjang_bench_assign
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
START = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
QUEUES = {"shipping": 0.4, "refund": 0.3, "general": 0.3}
# email, queues, languages, capacity, lead
AGENTS = [
    ("a1", ["shipping", "general"], ["ko"], 60, True),
    ("a2", ["shipping"], ["ko", "en"], 60, False),
    ("a3", ["shipping", "refund"], ["ko"], 60, True),
    ("a4", ["shipping", "refund"], ["ko"], 60, False),  # away hours 10-20, takes tickets back
    ("a5", ["refund", "general"], ["ko"], 60, False),  # does nothing hours 30-40: stalls
    ("a6", ["refund", "general"], ["ko", "en"], 60, False),
    ("a7", ["general"], ["ko"], 60, False),  # away hours 25-35, no reclaim
    ("a8", ["general", "shipping"], ["ko"], 15, False),  # part-time: small capacity
]
ANSWER_SHARE = 0.12  # of their open tickets an agent answers every 10 minutes


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def setup(database_url: str | None) -> str:
    home = tempfile.mkdtemp(prefix="dapjang-bench-assign-")
    os.environ["DAPJANG_HOME"] = home
    os.environ.setdefault("DAPJANG_SECRET_KEY", "bench-assign-secret-key-not-for-production")
    os.environ["DAPJANG_TASKS_EAGER"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dapjang.settings")
    if database_url:
        import psycopg

        server, _, name = database_url.rpartition("/")
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
        os.environ["DATABASE_URL"] = database_url
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return home


def desk() -> dict[str, Any]:
    from dapjang.agents.models import Agent
    from dapjang.agents.services import agent_add
    from dapjang.tickets.models import Queue
    from dapjang.tickets.queues import queue_create

    queues = {
        slug: queue_create(slug=slug, name=slug, addresses=[f"{slug}@bench.example"]) for slug in QUEUES
    }
    Queue.objects.update(stall_minutes=120, autoanswer_enabled=False)
    agents = {}
    for name, member_of, languages, capacity, lead in AGENTS:
        agent = agent_add(
            email=f"{name}@bench.example",
            name=name,
            queues=member_of,
            role="lead" if lead else "agent",
            languages=languages,
        )
        Agent.objects.filter(pk=agent.pk).update(capacity=capacity)
        agents[name] = Agent.objects.select_related("user").get(pk=agent.pk)
    return {"queues": {s: Queue.objects.get(slug=s) for s in queues}, "agents": agents}


def loads() -> dict[str, int]:
    from django.db.models import Count

    from dapjang.routing.pool import ACTIVE
    from dapjang.tickets.models import Ticket

    rows = (
        Ticket.objects.filter(status__in=ACTIVE, assignee__isnull=False)
        .values_list("assignee__username")
        .annotate(n=Count("id"))
    )
    return {email.split("@")[0]: n for email, n in rows}


def agents_answer(now: datetime, working: list[str], rng: random.Random) -> None:
    """The simulated agents' work: each answers the oldest share of their open tickets."""
    from dapjang.routing.pool import ACTIVE
    from dapjang.tickets.models import Ticket

    for name in working:
        mine = Ticket.objects.filter(assignee__username=f"{name}@bench.example", status__in=ACTIVE)
        count = mine.count()
        take = int(count * ANSWER_SHARE) + (1 if rng.random() < count * ANSWER_SHARE % 1 else 0)
        ids = list(mine.order_by("assigned_at", "id").values_list("id", flat=True)[:take])
        Ticket.objects.filter(pk__in=ids).update(
            status=Ticket.Status.SOLVED, last_agent_action_at=now, first_response_at=now
        )


def balance(tickets: int, hours: int, rng: random.Random, d: dict[str, Any]) -> dict[str, Any]:
    from django.db import transaction

    from dapjang.agents.models import Agent
    from dapjang.agents.services import agent_away
    from dapjang.mail.models import Outbox
    from dapjang.routing.assign import ticket_assign_new
    from dapjang.routing.pool import is_away
    from dapjang.routing.rebalance import assign_sweep
    from dapjang.tickets.models import Ticket, TicketEvent

    queues = d["queues"]
    step = timedelta(hours=hours) / tickets
    events = {
        10 * 60: lambda now: agent_away(
            d["agents"]["a4"], until=now + timedelta(hours=10), reclaim=True, now=now
        ),
        25 * 60: lambda now: agent_away(
            d["agents"]["a7"], until=now + timedelta(hours=10), reclaim=False, now=now
        ),
    }
    ratios: list[float] = []
    worst: tuple[float, dict[str, int]] = (0.0, {})
    away_holding = 0
    assign_ms: list[float] = []
    sweep_ms: list[float] = []
    sweeps: dict[str, int] = {"returned": 0, "moved_away": 0, "stalled": 0, "assigned": 0}
    weights = list(QUEUES.values())
    arrived = 0
    for minute in range(0, hours * 60 + 1, 10):
        now = START + timedelta(minutes=minute)
        if minute in events:
            events[minute](now)
        t0 = time.perf_counter()
        report = assign_sweep(now=now)
        sweep_ms.append((time.perf_counter() - t0) * 1000)
        for key in sweeps:
            sweeps[key] += report[key]
        while arrived < tickets and START + step * arrived < now + timedelta(minutes=10):
            at = START + step * arrived
            slug = rng.choices(list(QUEUES), weights)[0]
            with transaction.atomic():  # as in the pipeline: the ticket and its assignment commit together
                ticket = Ticket.objects.create(
                    number=f"B1-{arrived:07d}",
                    subject="문의",
                    queue=queues[slug],
                    language="en" if rng.random() < 0.08 else "ko",
                )
                t0 = time.perf_counter()
                ticket_assign_new(ticket, now=at)
                assign_ms.append((time.perf_counter() - t0) * 1000)
            arrived += 1
        present = {a.name: a for a in Agent.objects.select_related("user") if not is_away(a, now)}
        slow = 30 * 60 <= minute < 40 * 60
        # Hourly, after the arrivals and before the agents answer, while mail still comes in.
        if minute % 60 == 0 and minute >= 120 and arrived < tickets:
            current = loads()
            away_holding += sum(current.get(n, 0) for n in d["agents"] if n not in present)
            room = {n: current.get(n, 0) for n, a in present.items() if current.get(n, 0) < a.capacity}
            room = {n: v for n, v in room.items() if n != "a5" or not slow}  # not working: not balanced
            if room and min(room.values()) > 0:
                ratio = max(room.values()) / min(room.values())
                ratios.append(ratio)
                if os.environ.get("BENCH_DEBUG"):
                    log(f"{minute // 60}h ratio {ratio:.2f} {dict(sorted(current.items()))}")
                if ratio > worst[0]:
                    worst = (ratio, dict(sorted(current.items())))
        agents_answer(now, [n for n in present if not (slow and n == "a5")], rng)
    return {
        "tickets": arrived,
        "ratio_median": statistics.median(ratios),
        "ratio_p90": statistics.quantiles(ratios, n=10)[-1],
        "ratio_worst": worst[0],
        "worst_loads": worst[1],
        "snapshots": len(ratios),
        "held_by_absent_agents": away_holding,
        "sweeps": sweeps,
        "stall_events": TicketEvent.objects.filter(field="stalled").count(),
        "absence_events": TicketEvent.objects.filter(field="absence").count(),
        "lead_mails": Outbox.objects.filter(kind="notification").count(),
        "assign_ms_p50": statistics.median(assign_ms),
        "assign_ms_p95": statistics.quantiles(assign_ms, n=20)[-1],
        "sweep_ms_p50": statistics.median(sweep_ms),
        "sweep_ms_max": max(sweep_ms),
    }


def cost(open_tickets: int, rng: random.Random, d: dict[str, Any]) -> dict[str, Any]:
    from dapjang.agents.models import Agent
    from dapjang.routing.assign import ticket_assign_new
    from dapjang.routing.rebalance import assign_sweep
    from dapjang.tickets.models import Ticket

    now = START + timedelta(days=10)
    # Capacity out of the way (a PositiveSmallIntegerField: 32,767 at most): this part times the pass.
    Agent.objects.update(capacity=32_767, away_from=None, away_until=None)
    Ticket.objects.filter(number__startswith="B1-").update(status=Ticket.Status.SOLVED)  # part 1 is over
    names = list(d["agents"])
    membership = {n: q for n, q, *_ in AGENTS}
    rows = []
    for i in range(open_tickets):
        name = names[i % len(names)]
        slug = rng.choice(membership[name])
        rows.append(
            Ticket(
                number=f"B2-{i:07d}",
                subject="문의",
                status=Ticket.Status.OPEN,
                queue=d["queues"][slug],
                assignee=d["agents"][name].user,
                assigned_at=now - timedelta(minutes=rng.randrange(0, 100)),
            )
        )
    log(f"inserting {open_tickets:,} open tickets")
    Ticket.objects.bulk_create(rows, batch_size=2000)
    from django.db import connection

    with connection.cursor() as cur:  # statistics and a visibility map, as a live database has them
        cur.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    out: dict[str, Any] = {"open": Ticket.objects.filter(status__in=["new", "open"]).count()}

    def timed(label: str, runs: int) -> None:
        times, reports = [], []
        for _ in range(runs):
            t0 = time.perf_counter()
            reports.append(assign_sweep(now=now))
            times.append((time.perf_counter() - t0) * 1000)
        out[label] = {"ms": [round(t) for t in times], "did": reports}

    timed("quiet_sweep", 3)
    # Work for a full batch in every step: an absence starts, 1% stalled, 1,000 unassigned.
    Agent.objects.filter(name="a4").update(
        away_from=now - timedelta(minutes=1), away_until=now + timedelta(days=1)
    )
    stalled = list(
        Ticket.objects.filter(number__startswith="B2-")
        .order_by("?")
        .values_list("id", flat=True)[: open_tickets // 100]
    )
    Ticket.objects.filter(pk__in=stalled).update(assigned_at=now - timedelta(hours=5))
    unassigned = list(
        Ticket.objects.filter(number__startswith="B2-")
        .exclude(assignee__username="a4@bench.example")
        .order_by("?")
        .values_list("id", flat=True)[:1000]
    )
    Ticket.objects.filter(pk__in=unassigned).update(assignee=None, assigned_at=None)
    timed("busy_sweep", 3)
    decisions = []
    queue = d["queues"]["shipping"]
    for i in range(200):
        ticket = Ticket.objects.create(number=f"B3-{i:07d}", subject="문의", queue=queue)
        t0 = time.perf_counter()
        ticket_assign_new(ticket, now=now)
        decisions.append((time.perf_counter() - t0) * 1000)
    out["assign_new_ms_p50"] = statistics.median(decisions)
    out["assign_new_ms_p95"] = statistics.quantiles(decisions, n=20)[-1]
    return out


def machine() -> str:
    from django.db import connection

    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        model = next(
            (
                ln.split(":", 1)[1].strip()
                for ln in cpuinfo.read_text().splitlines()
                if ln.startswith("model name")
            ),
            "",
        )
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SHOW server_version")
        else:
            cur.execute("SELECT sqlite_version()")
        version = cur.fetchone()[0]
    return (
        f"cores {os.cpu_count()}, {model or platform.processor()}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, {connection.vendor} {version}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL URL; the database is created fresh and dropped")
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--hours", type=int, default=50)
    parser.add_argument("--open", type=int, default=100_000, help="open tickets for the sweep's cost")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cost-only", action="store_true", help="skip part 1 (the balance simulation)")
    parser.add_argument("--balance-only", action="store_true", help="skip part 2 (the sweep's cost)")
    args = parser.parse_args()
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]))
    setup(args.database_url)
    print("machine:", machine())
    rng = random.Random(args.seed)
    d = desk()
    try:
        if not args.cost_only:
            log(f"part 1: {args.tickets:,} tickets over {args.hours} simulated hours")
            t0 = time.perf_counter()
            part1 = balance(args.tickets, args.hours, rng, d)
            print(f"part 1 (balance), {time.perf_counter() - t0:.0f} s:")
            for key, value in part1.items():
                print(f"  {key}: {round(value, 2) if isinstance(value, float) else value}")
        if not args.balance_only:
            log(f"part 2: the sweep at {args.open:,} open tickets")
            part2 = cost(args.open, rng, d)
            print("part 2 (cost):")
            for key, value in part2.items():
                print(f"  {key}: {round(value, 2) if isinstance(value, float) else value}")
    finally:
        if args.database_url:
            drop(args.database_url)
    return 0


def drop(database_url: str) -> None:
    """Drops the benchmark's PostgreSQL database, also after a failure."""
    import psycopg
    from django.db import connections

    connections.close_all()
    server, _, name = database_url.rpartition("/")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
