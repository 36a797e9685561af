"""Typed readers for DAPJANG_* environment settings: a bad value fails loudly at start-up, not later."""

from __future__ import annotations

import os
from pathlib import Path


class SettingError(ValueError):
    """A setting in the environment has a value we cannot use."""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_secret(name: str, default: str = "") -> str:
    """Reads NAME, or the file named by NAME_FILE (Docker/Kubernetes secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SettingError(f"{name}_FILE: cannot read the file ({exc.strerror})") from None
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise SettingError(f"{name}: expected true/false, got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingError(f"{name}: expected a whole number, got {raw!r}") from None


def env_list(name: str) -> list[str]:
    """A comma- or space-separated list."""
    raw = os.environ.get(name, "")
    return [item for item in raw.replace(",", " ").split() if item]
