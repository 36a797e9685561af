"""The `dapjang` command: every Django management command, with Dapjang's settings already chosen."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dapjang.settings")
    from django.core.management import execute_from_command_line

    args = sys.argv[1:] if argv is None else argv
    execute_from_command_line(["dapjang", *args])


if __name__ == "__main__":
    main()
