"""Test set-up: a throw-away DAPJANG_HOME per run, so tests never touch a user's data."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("DAPJANG_HOME", tempfile.mkdtemp(prefix="dapjang-test-"))
os.environ.setdefault("DAPJANG_SECRET_KEY", "test-secret-key-not-for-production")
