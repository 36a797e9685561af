"""Debian's Chromium for the browser tests, driven by Playwright; never a downloaded browser.

Tests that use it carry `pytestmark = needs_chromium`; the `browser` fixture (tests/conftest.py)
starts one Chromium per test module.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-background-networking"]

# Playwright's sync API runs an event loop in the test's thread; the ORM calls a test makes around it
# are ordinary blocking calls, which Django would otherwise refuse in a thread with a running loop.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is not installed (Debian package: chromium)"
)
