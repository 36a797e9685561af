"""Login throttling: failed logins are counted per address and per user name (RELIABILITY 35).

Counts live in Django's cache. With the default per-process cache each web worker counts on its
own, which still caps guessing at a few dozen tries per quarter hour per worker; a site with a
shared cache (Redis, a database cache) gets one count across all of them.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache

WINDOW_SECONDS = 15 * 60
MAX_PER_USER = 10
MAX_PER_ADDRESS = 30


def _keys(username: str, address: str) -> tuple[str, str]:
    user = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return f"dapjang:login:user:{user}", f"dapjang:login:addr:{address}"


def login_blocked(username: str, address: str) -> bool:
    user_key, addr_key = _keys(username, address)
    counts: dict[str, int] = cache.get_many([user_key, addr_key])
    return counts.get(user_key, 0) >= MAX_PER_USER or counts.get(addr_key, 0) >= MAX_PER_ADDRESS


def login_failed(username: str, address: str) -> None:
    for key in _keys(username, address):
        # add() then incr(): the window starts at the first failure and is not extended by later ones.
        cache.add(key, 0, WINDOW_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.set(key, 1, WINDOW_SECONDS)


def login_succeeded(username: str, address: str) -> None:
    cache.delete(_keys(username, address)[0])
