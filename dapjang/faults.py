"""Fault-injection points for the reliability tests, off unless DAPJANG_FAULTS names them.

DAPJANG_FAULTS is a comma-separated list of `point[:marker][@n][=action]`:
- `parse:POISON` makes the parse step raise for any mail whose bytes contain POISON; a point named
  without a marker fires for every call;
- `@n` fires only on the n-th call of that point in this process (1-based), e.g. `after-fetch@10`;
- `=kill` sends this process SIGKILL instead of raising, as a crash or the OOM killer would;
- `=sleepN` waits N seconds and goes on, as a long job would (e.g. `retrain=sleep20`).

Points (RELIABILITY harness notes): parse, smtp-store, after-smtp-250, after-fetch, before-commit,
after-commit-before-flag, after-relay-250-before-mark-sent, retrain (routing/retrain.py, with the
training lease held). Read on each call, so a test can switch them at run time.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter

_calls: Counter[str] = Counter()
_lock = threading.Lock()


class InjectedFault(RuntimeError):
    """Raised by an armed fault point."""


def fault_point(name: str, data: bytes = b"") -> None:
    spec = os.environ.get("DAPJANG_FAULTS")
    if not spec:
        return
    with _lock:
        _calls[name] += 1
        call = _calls[name]
    for entry in spec.split(","):
        entry, _, action = entry.strip().partition("=")
        entry, _, nth = entry.partition("@")
        point, _, marker = entry.partition(":")
        if point != name or (marker and marker.encode() not in data):
            continue
        if nth and int(nth) != call:
            continue
        if action == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if action.startswith("sleep"):
            time.sleep(float(action.removeprefix("sleep")))
            continue
        raise InjectedFault(f"injected fault at {name}")


def fault_calls_reset() -> None:
    """Forgets the per-point call counts (between tests in one process)."""
    with _lock:
        _calls.clear()
