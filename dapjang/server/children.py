"""The embedded default's child processes: a worker and the scheduler, restarted if they die.

`dapjang serve` is one command for a person, but jobs run in their own processes, exactly as on a
large site (DESIGN §1: no code path exists in one mode only). Ctrl-C reaches the whole group; the
children finish their current job and stop, and `serve` waits for them.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

log = logging.getLogger("dapjang.server.children")

RESTART_BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)
TRAINER_STOP_SECONDS = 3.0  # a stop cuts a training short; the scheduler's next start does it again


@dataclass
class Child:
    name: str
    args: list[str]
    proc: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    started_at: float = 0.0
    # Seconds a stop waits for the current job; None: as long as the others. A training is
    # disposable (the next start or scheduled run does it again), a person's Ctrl-C is not.
    stop_timeout: float | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "dapjang.cli", *self.args]
        self.proc = subprocess.Popen(command, env=os.environ.copy())  # noqa: S603 - our own command
        self.started_at = time.monotonic()


def trainer_child() -> Child:
    """The worker of the slow queue (retraining the routing classifier, minutes a job).

    In a worker that also processes mail, a training would hold back every new mail for minutes:
    so `serve`, and a `dapjang worker` asked for both queues, give the slow queue a worker process of
    its own. One job at a time (the training lease stops a second one anyway), in a fresh process per
    job (prefork, one task per child), so the gigabyte a training may take is given back when it ends
    instead of staying with an idle worker. It is the same Celery machinery and queues as a large
    site (no code path of its own); a training cut short by a stop is simply done by the next run.
    """
    from dapjang.celery import SLOW_QUEUE

    args = ["worker", "--queues", SLOW_QUEUE, "--pool", "prefork", "--concurrency", "1"]
    return Child("trainer", [*args, "--max-tasks-per-child", "1"], stop_timeout=TRAINER_STOP_SECONDS)


@dataclass
class Children:
    """Starts the children and keeps them running until `stop()`."""

    children: list[Child]
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        for child in self.children:
            child.start()
        self._thread = threading.Thread(target=self._watch, name="dapjang-children", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(0.5):
            for child in self.children:
                if child.proc is None or child.proc.poll() is None:
                    continue
                if time.monotonic() - child.started_at > 60:
                    child.restarts = 0  # it ran a good while: a fresh failure, not a crash loop
                delay = RESTART_BACKOFF[min(child.restarts, len(RESTART_BACKOFF) - 1)]
                log.warning(
                    "%s exited with %s; restarting in %.0fs", child.name, child.proc.returncode, delay
                )
                if self._stop.wait(delay):
                    return
                child.restarts += 1
                child.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Asks each child to finish its current job and stop; kills what is still there after `timeout`."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        for child in self.children:
            if child.proc is not None and child.proc.poll() is None:
                child.proc.send_signal(signal.SIGTERM)
        asked = time.monotonic()
        deadline = asked + timeout
        for child in sorted(self.children, key=lambda c: c.stop_timeout is None):
            if child.proc is None:
                continue
            until = deadline if child.stop_timeout is None else min(deadline, asked + child.stop_timeout)
            try:
                child.proc.wait(max(0.1, until - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.proc.kill()
                child.proc.wait()
