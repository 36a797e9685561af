"""Dapjang in real child processes, for the tests that kill them (RELIABILITY 11–14, 20).

A `ChildDesk` is a data folder (and, on PostgreSQL, a database of its own) that child `dapjang`
processes share with the test, which reads the results through plain SQL.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(predicate: Callable[[], Any], timeout: float = TIMEOUT, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


@dataclass
class ChildDesk:
    home: Path
    database_url: str = ""  # "" = SQLite in home
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self, **more: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DAPJANG_", "DJANGO_", "DATABASE_"))}
        env.update(
            DAPJANG_HOME=str(self.home),
            DAPJANG_SECRET_KEY="child-desk-secret",
            DJANGO_SETTINGS_MODULE="dapjang.settings",
            PYTHONUNBUFFERED="1",
        )
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        env.update(self.extra_env)
        env.update(more)
        return env

    def run(self, *args: str, check: bool = True, **env: str) -> subprocess.CompletedProcess[str]:
        """Runs `dapjang ARGS…` to completion."""
        proc = subprocess.run(
            [sys.executable, "-m", "dapjang.cli", *args],
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"dapjang {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
        return proc

    def start(self, *args: str, **env: str) -> subprocess.Popen[str]:
        """Starts `dapjang ARGS…` in the background, in its own process group."""
        log = open(self.home / f"{args[0]}-{uuid.uuid4().hex[:6]}.log", "w")  # noqa: SIM115 - closed with the process
        return subprocess.Popen(
            [sys.executable, "-m", "dapjang.cli", *args],
            env=self.env(**env),
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Reads the child desk's database; `%s` placeholders work on both databases."""
        if self.database_url:
            with psycopg.connect(self.database_url, autocommit=True) as conn:
                return list(conn.execute(sql.replace("?", "%s"), params).fetchall())  # type: ignore[arg-type]
        conn = sqlite3.connect(self.home / "dapjang.sqlite3", timeout=30)
        try:
            return conn.execute(sql.replace("%s", "?"), params).fetchall()
        finally:
            conn.close()

    def scalar(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        rows = self.query(sql, params)
        return rows[0][0] if rows else None


def stop(proc: subprocess.Popen[str], sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
    """Stops a background child (and its process group); SIGKILL if it does not go in time."""
    if proc.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout)
    return proc.returncode


@contextmanager
def child_desk(tmp_path: Path, *, postgres: bool = False, server: str = PG_SERVER) -> Iterator[ChildDesk]:
    """A migrated desk for child processes; on PostgreSQL a database made for it and dropped after."""
    home = tmp_path / "desk"
    home.mkdir()
    name = ""
    url = ""
    if postgres:
        name = f"dapjang_child_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = f"{server}/{name}"
    desk = ChildDesk(home=home, database_url=url)
    try:
        desk.run("migrate", "--no-input", "-v", "0")
        yield desk
    finally:
        if name:
            with (
                suppress(psycopg.OperationalError),
                psycopg.connect(f"{server}/postgres", autocommit=True) as conn,
            ):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


PG_BIN = (
    Path("/usr/lib/postgresql")
    / (sorted(os.listdir("/usr/lib/postgresql"))[-1] if os.path.isdir("/usr/lib/postgresql") else "15")
    / "bin"
)


@dataclass
class PrivatePostgres:
    """A PostgreSQL server of the test's own, so that stopping it harms no other test."""

    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.folder / "data"),
                *args,
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._ctl("-o", options, "-l", str(self.folder / "log"), "-w", "start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "-w", "stop")


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="dapjang-pg-"))
    shutil.chown(folder, "postgres", "postgres")
    subprocess.run(
        [
            "runuser",
            "-u",
            "postgres",
            "--",
            str(PG_BIN / "initdb"),
            "-D",
            str(folder / "data"),
            "-A",
            "trust",
            "-U",
            "postgres",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    server = PrivatePostgres(folder=folder, port=free_port())
    server.start()
    try:
        yield server
    finally:
        with suppress(subprocess.CalledProcessError):
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)
