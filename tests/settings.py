"""Test settings: a throw-away data folder, so a test run never touches a user's desk."""

import os
import tempfile

os.environ.setdefault("DAPJANG_HOME", tempfile.mkdtemp(prefix="dapjang-test-"))
os.environ.setdefault("DAPJANG_TASKS_EAGER", "1")  # jobs run inline; tests of real workers start processes
os.environ.setdefault("DAPJANG_SECRET_KEY", "test-secret-key-not-for-production")

from dapjang.settings import *  # noqa: F403 - test settings extend the real ones

# Tests make agents with passwords; the real hasher would spend most of a short test on them.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
