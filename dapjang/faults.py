"""Fault-injection points for the reliability tests, off unless DAPJANG_FAULTS names them.

DAPJANG_FAULTS="parse:POISON" makes the parse step raise for any mail whose bytes contain POISON;
a point named without a marker fires for every mail. Read on each call, so a test can switch it.
"""

from __future__ import annotations

import os


class InjectedFault(RuntimeError):
    """Raised by an armed fault point."""


def fault_point(name: str, data: bytes = b"") -> None:
    spec = os.environ.get("DAPJANG_FAULTS")
    if not spec:
        return
    for entry in spec.split(","):
        point, _, marker = entry.partition(":")
        if point.strip() == name and (not marker or marker.encode() in data):
            raise InjectedFault(f"injected fault at {name}")
