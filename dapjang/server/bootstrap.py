"""First-run set-up for the embedded default: a desk that works the moment it starts."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.core.management import call_command

from dapjang.agents.models import Agent
from dapjang.tickets.queues import queue_default


def listen_address(value: str, default_port: int) -> tuple[str, int]:
    """`host:port`, `:port` or `host`; IPv6 in brackets. A bad value is a clear error, not a traceback."""
    host, sep, port = (
        value.rpartition(":") if value.count(":") == 1 or value.startswith("[") else ("", "", "")
    )
    if not sep:
        host, port = value, str(default_port)
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"'{value}' is not host:port / 'host:port' 형식이 아닙니다")
    return host, int(port)


def desk_bootstrap() -> str | None:
    """Migrates, makes sure a default queue exists, and creates the first admin.

    Returns the admin's one-time password when it was just created (shown once, stored only hashed).
    """
    call_command("migrate", verbosity=0, interactive=False)
    queue_default()
    users = get_user_model()
    if users.objects.filter(is_superuser=True).exists():
        return None
    password = secrets.token_urlsafe(12)
    user = users.objects.create_superuser(username="admin", email="", password=password)
    Agent.objects.create(user=user, name="관리자", role=Agent.Role.ADMIN)  # so the console opens for them
    return password
