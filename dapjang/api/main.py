"""The one NinjaAPI instance: token auth on every operation, our error shape, the offline docs page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from dapjang.api import customers, tickets
from dapjang.api.auth import AgentToken
from dapjang.api.docs import OfflineSwagger
from dapjang.api.errors import install_error_handlers

DESCRIPTION = """\
답장 Dapjang REST API. Every call needs `Authorization: Bearer TOKEN`; an administrator makes a
token with `dapjang agent add EMAIL --name NAME --queue SLUG --token`. You see the tickets of your
queues (an admin sees all); anything else answers 404. Errors are
`{"detail": …, "correlation_id": …}`. Guide: docs/api.md.
"""


class Utf8Renderer(JSONRenderer):
    """Korean as Korean, not \\uXXXX: readable in curl and logs, and half the bytes for Korean text."""

    json_dumps_params: Mapping[str, Any] = {"ensure_ascii": False}


api = NinjaAPI(
    title="Dapjang API",
    version="1",
    description=DESCRIPTION,
    auth=AgentToken(),
    docs=OfflineSwagger(),
    urls_namespace="api",
    renderer=Utf8Renderer(),
)
install_error_handlers(api)
api.add_router("", tickets.router)
api.add_router("", customers.router)
