"""What the live server tests share: a real SMTP server standing in for the desk's outbound relay."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import SinkHandler
from tests.processes import free_port


@pytest.fixture
def relay() -> Iterator[tuple[SinkHandler, str]]:
    """Our outbound relay: a real SMTP server that records what it is given."""
    handler = SinkHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, f"smtp://127.0.0.1:{controller.port}"
    finally:
        controller.stop()
