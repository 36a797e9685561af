"""dapjang web — the web pages alone, under gunicorn, for a site that runs its pieces apart."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.wsgi import get_wsgi_application
from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

from dapjang.env import env_str
from dapjang.server.bootstrap import listen_address


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return get_wsgi_application()


class Command(BaseCommand):
    help = "Serve the web pages with gunicorn / 웹 화면 실행"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--listen", default=env_str("DAPJANG_WEB_LISTEN", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            host, port = listen_address(opts["listen"], 8000)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        _Gunicorn(
            {"bind": bind, "workers": opts["workers"], "threads": opts["threads"], "accesslog": "-"}
        ).run()
