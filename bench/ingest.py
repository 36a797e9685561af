"""Ingest benchmark: Dapjang vs the stdlib parsing ceiling and the django-helpdesk peer, same files, one run.

What it measures, on the same .eml folders (default /tmp/corpus/sa + /tmp/corpus/cpython, 6,094 messages):
  ceiling   `run_ceiling.py --parser stdlib` with this python: parse-only loop (email.message_from_bytes,
            best body, attachment names). msg/s is its own in-loop figure (reading files, start-up excluded).
  dapjang   `dapjang import --json --no-progress DIR…` as a child process, on SQLite and on PostgreSQL, each
            in a fresh DAPJANG_HOME (and a fresh database), after an untimed `migrate` and `queue add`.
            msg/s = messages / wall time of the whole import process (start-up and outbox pass included).
            Outcomes come from the JSON lines, acks from `dapjang outbox list --json` (kind "ack").
  peer      django-helpdesk 2.6.1 via `run_peer.py` (per message, get_email's local branch) on SQLite;
            msg/s is its own in-loop figure. Takes about 3 minutes.
Peak RSS is ru_maxrss of each child, taken with os.wait4. Targets checked for every Dapjang run (PASS/FAIL
lines, exit status 1 on any FAIL): no `failed` outcome, every input file reported exactly once, and
SQLite msg/s >= 0.3 x ceiling msg/s.

Run from the project root (setup of venvs and corpora: /work/shared/bench/peer-django-helpdesk/setup.sh):
  .venv/bin/python bench/ingest.py [--setup] [--skip-peer] [--skip-pg] [--runs N] [--json FILE] [--corpus DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

PEER_DIR = Path("/work/shared/bench/peer-django-helpdesk")
PEER_PY = Path("/tmp/venv-peer/bin/python")
DEFAULT_CORPUS = [Path("/tmp/corpus/sa"), Path("/tmp/corpus/cpython")]
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
DAPJANG = Path(sys.executable).parent / "dapjang"
OUTCOMES = ("created", "appended", "duplicate", "held", "failed", "ignored")
CEILING_TARGET = 0.3


@dataclass
class Child:
    wall_s: float
    rss_mb: float
    rc: int
    out: str
    err: str


@dataclass
class Row:
    system: str
    db: str
    messages: int
    wall_s: float  # the time msg/s is computed from
    msg_per_s: float
    rss_mb: float
    outcomes: dict[str, int | None] = field(default_factory=dict)
    acks: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def run(cmd: list[str], env: dict[str, str] | None = None, check: bool = True) -> Child:
    """Runs one child; wall time and peak RSS are that child's own (os.wait4, not RUSAGE_CHILDREN)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        child = Child(wall, usage.ru_maxrss / 1024, proc.returncode, out.read().decode(), err.read().decode())
    if check and child.rc != 0:
        sys.exit(f"{' '.join(cmd)} exited {child.rc}:\n{child.err[-2000:]}")
    return child


def json_line(text: str) -> dict[str, Any]:
    line = next(x for x in text.splitlines() if x.startswith("{"))
    result: dict[str, Any] = json.loads(line)
    return result


def median_run(children: list[Child]) -> Child:
    return sorted(children, key=lambda c: c.wall_s)[(len(children) - 1) // 2]


def ceiling(dirs: list[Path], runs: int) -> Row:
    script = str(PEER_DIR / "run_ceiling.py")
    cmd = [sys.executable, script, "--parser", "stdlib", *map(str, dirs)]
    children = [run(cmd) for _ in range(runs)]
    results = [json_line(c.out) | {"process_wall_s": round(c.wall_s, 2)} for c in children]
    wall, rate = (statistics.median(r[k] for r in results) for k in ("wall_s", "msg_per_s"))
    rss = statistics.median(c.rss_mb for c in children)
    outcomes: dict[str, int | None] = {o: None for o in OUTCOMES} | {"failed": results[0]["errors"]}
    row = Row("stdlib parse-only ceiling (in-loop)", "—", results[0]["messages"], wall, rate, rss, outcomes)
    row.detail = {"runs": results}
    return row


def peer(dirs: list[Path], runs: int) -> Row:
    children = [run([str(PEER_PY), str(PEER_DIR / "run_peer.py"), *map(str, dirs)]) for _ in range(runs)]
    results = [json_line(c.out) | {"process_wall_s": round(c.wall_s, 2)} for c in children]
    mid = results[children.index(median_run(children))]
    outcomes: dict[str, int | None] = {o: None for o in OUTCOMES}
    outcomes |= {"created": mid["tickets"], "appended": mid["followups_appended"], "failed": mid["errors"]}
    wall, rate = (statistics.median(r[k] for r in results) for k in ("wall_s", "msg_per_s"))
    rss = statistics.median(c.rss_mb for c in children)
    row = Row("django-helpdesk 2.6.1 (in-loop)", "SQLite", mid["messages"], wall, rate, rss, outcomes)
    row.acks = mid["outbound_mails"]
    row.detail = {"runs": results, "error_lines": [x.strip() for x in children[0].out.splitlines()[1:]]}
    return row


def pg_admin(sql: str) -> None:
    import psycopg  # the project's own dependency; imported only when PostgreSQL is benchmarked

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def dapjang_once(dirs: list[Path], files: list[Path], db: str, n: int) -> tuple[Child, dict[str, Any]]:
    """One fresh install + timed import; returns the import child and what it reported."""
    home = Path(tempfile.mkdtemp(prefix="dapjang-bench-"))
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"DAPJANG_HOME": str(home)}
    dbname = f"dapjang_bench_{os.getpid()}_{n}"
    if db == "postgresql":
        pg_admin(f'CREATE DATABASE "{dbname}"')
        env["DATABASE_URL"] = f"{PG_SERVER}/{dbname}"
    try:
        run([str(DAPJANG), "migrate", "-v0"], env)
        queue = ["queue", "add", "support", "--name", "Support", "--address", "support@bench.example"]
        run([str(DAPJANG), *queue, "--default"], env)
        child = run([str(DAPJANG), "import", "--json", "--no-progress", *map(str, dirs)], env, check=False)
        lines = [json.loads(x) for x in child.out.splitlines() if x.startswith("{")]
        outbox = run([str(DAPJANG), "outbox", "list", "--json"], env, check=False)
        acks = sum(json.loads(x).get("kind") == "ack" for x in outbox.out.splitlines() if x.startswith("{"))
    finally:
        shutil.rmtree(home, ignore_errors=True)
        if db == "postgresql":
            pg_admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    seen = Counter(line["path"] for line in lines)
    expected = {str(p) for p in files}
    reasons: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for line in lines:
        if line["outcome"] in ("held", "failed", "ignored"):
            reasons[line["outcome"]][line.get("reason", "")].append(line["path"])
    report = {
        "rc": child.rc,
        "stderr_tail": child.err.strip().splitlines()[-3:],
        "outcomes": {o: sum(1 for x in lines if x["outcome"] == o) for o in OUTCOMES},
        "acks": acks if outbox.rc == 0 else None,
        "outbox_error": outbox.err.strip().splitlines()[-1:] if outbox.rc else [],
        "missing": sorted(expected - seen.keys()),
        "repeated": sorted(p for p, k in seen.items() if k > 1),
        "unexpected": sorted(seen.keys() - expected),
        "reasons": {
            o: {r: {"count": len(p), "examples": p[:3]} for r, p in rs.items()} for o, rs in reasons.items()
        },
    }
    return child, report


def dapjang(dirs: list[Path], files: list[Path], db: str, runs: int) -> Row:
    done = [dapjang_once(dirs, files, db, n) for n in range(runs)]
    children = [c for c, _ in done]
    mid = done[children.index(median_run(children))][1]
    wall = statistics.median(c.wall_s for c in children)
    label = "SQLite" if db == "sqlite" else "PostgreSQL"
    rss = statistics.median(c.rss_mb for c in children)
    row = Row(
        "Dapjang `import` (whole process)", label, len(files), wall, len(files) / wall, rss, mid["outcomes"]
    )
    row.acks = mid["acks"]
    row.detail = {"runs": [r | {"wall_s": round(c.wall_s, 3), "rss_mb": round(c.rss_mb, 1)} for c, r in done]}
    return row


def checks(row: Row, ceiling_row: Row) -> list[tuple[bool, str]]:
    """The targets, checked on every run of a Dapjang row."""
    out: list[tuple[bool, str]] = []
    for i, r in enumerate(row.detail["runs"], 1):
        tag = f"{row.db} run {i}"
        out.append((r["rc"] == 0, f"{tag}: import exited {r['rc']}"))
        failed = r["outcomes"]["failed"]
        out.append((failed == 0, f"{tag}: no failed outcome ({failed} failed)"))
        gaps = [len(r[k]) for k in ("missing", "repeated", "unexpected")]
        text = "{} missing, {} repeated, {} not in the corpus".format(*gaps)
        out.append((sum(gaps) == 0, f"{tag}: every message accounted for exactly once ({text})"))
        if row.db == "SQLite":
            rate = row.messages / r["wall_s"]
            need = CEILING_TARGET * ceiling_row.msg_per_s
            out.append((rate >= need, f"{tag}: {rate:.1f} msg/s >= 0.3 x ceiling = {need:.1f} msg/s"))
    return out


def machine(pg: bool) -> dict[str, str]:
    models = [
        x.split(":", 1)[1]
        for x in Path("/proc/cpuinfo").read_text().splitlines()
        if x.startswith("model name")
    ]
    cpu = models[0].strip() if models else platform.processor()
    info = {"nproc": str(len(os.sched_getaffinity(0))), "cpu": cpu, "python": platform.python_version()}
    info |= {"sqlite": sqlite3.sqlite_version, "postgresql": "not measured", "os": platform.platform()}
    if pg:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres") as conn:
            row = conn.execute("SHOW server_version").fetchone()
            info["postgresql"] = str(row[0]) if row else "?"
    return info


def table(rows: list[Row], ceiling_msgs: float, peer_msgs: float | None) -> str:
    head = ["system", "DB", "messages", "wall s", "msg/s", "ratio to ceiling", "ratio to peer", "peak RSS MB"]
    head += ["created", "appended", "held", "failed", "ignored", "acks"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def num(v: int | None) -> str:
        return "—" if v is None else f"{v:,}"

    for r in rows:
        to_peer = f"{r.msg_per_s / peer_msgs:.2f}×" if peer_msgs else "—"
        cells = [r.system, r.db, f"{r.messages:,}", f"{r.wall_s:.2f}", f"{r.msg_per_s:.1f}"]
        cells += [f"{r.msg_per_s / ceiling_msgs:.2f}×", to_peer, f"{r.rss_mb:.0f}"]
        cells += [num(r.outcomes.get(o)) for o in head[8:13]] + [num(r.acks)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", nargs="+", type=Path, default=DEFAULT_CORPUS, metavar="DIR")
    ap.add_argument("--skip-peer", action="store_true", help="do not run django-helpdesk (saves ~3 minutes)")
    ap.add_argument("--skip-pg", action="store_true", help="do not run Dapjang on PostgreSQL")
    ap.add_argument("--setup", action="store_true", help="run the peer harness's setup.sh first (idempotent)")
    ap.add_argument("--json", type=Path, metavar="FILE", help="write every result here")
    ap.add_argument("--runs", type=int, default=1, help="runs of each system; the median is reported")
    args = ap.parse_args()
    if args.setup:
        subprocess.run(["bash", str(PEER_DIR / "setup.sh")], check=True)
    dirs = [d.resolve() for d in args.corpus]
    files = sorted(p for d in dirs if d.is_dir() for p in d.glob("*.eml"))
    missing = [str(d) for d in dirs if not d.is_dir() or not any(d.glob("*.eml"))]
    if not args.skip_peer and not (PEER_PY.exists() and Path("/tmp/peer/template.sqlite3").exists()):
        missing.append(f"{PEER_PY} or /tmp/peer/template.sqlite3 (the peer)")
    if missing:
        sys.exit(f"missing or empty: {', '.join(missing)}. Run with --setup (or --skip-peer / --corpus).")
    if not DAPJANG.exists():
        sys.exit(f"{DAPJANG} not found: run this script with the project's python (.venv/bin/python)")
    if not args.skip_pg:
        pg_admin("SELECT 1")  # fails early, with psycopg's message, if the server is not there

    info = machine(not args.skip_pg)
    print("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()), flush=True)
    print(f"corpus: {len(files):,} .eml files in {', '.join(map(str, dirs))}; runs: {args.runs}", flush=True)
    rows = [ceiling(dirs, args.runs)]
    print(f"ceiling done: {rows[0].msg_per_s:.1f} msg/s", flush=True)
    for db in ["sqlite"] + ([] if args.skip_pg else ["postgresql"]):
        rows.append(dapjang(dirs, files, db, args.runs))
        print(f"dapjang {db} done: {rows[-1].wall_s:.1f} s", flush=True)
    if not args.skip_peer:
        rows.append(peer(dirs, args.runs))
        print(f"peer done: {rows[-1].msg_per_s:.1f} msg/s", flush=True)

    peer_msgs = rows[-1].msg_per_s if not args.skip_peer else None
    print("\n" + table(rows, rows[0].msg_per_s, peer_msgs))
    print(
        "\nceiling, peer: msg/s and wall s are the scripts' in-loop figures; Dapjang: whole import process."
    )
    verdicts = [c for r in rows if r.system.startswith("Dapjang") for c in checks(r, rows[0])]
    print()
    for ok, text in verdicts:
        print(f"{'PASS' if ok else 'FAIL'} {text}")
    for r in rows:
        if r.system.startswith("Dapjang"):
            for outcome, reasons in r.detail["runs"][0]["reasons"].items():
                for reason, v in sorted(reasons.items(), key=lambda kv: -kv[1]["count"])[:4]:
                    example = Path(v["examples"][0]).name
                    print(f"  {r.db} {outcome} ×{v['count']}: {reason[:100]}  e.g. {example}")
    if args.json:
        doc = {"machine": info, "corpus": [str(d) for d in dirs], "rows": [asdict(r) for r in rows]}
        doc["checks"] = [{"pass": ok, "check": text} for ok, text in verdicts]
        args.json.write_text(json.dumps(doc, ensure_ascii=False, indent=1))
    return 0 if all(ok for ok, _ in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
