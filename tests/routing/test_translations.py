"""The routing app's own Korean catalog: every string translated, and the compiled file current."""

from __future__ import annotations

from django.utils import translation

import dapjang.routing
from tests.catalogs import catalog_of, po_entries


def _entries() -> list[tuple[str, str]]:
    return [(msgid, msgstr) for _, msgid, msgstr in po_entries(catalog_of(dapjang.routing))]


def test_every_routing_string_is_translated_and_compiled() -> None:
    entries = _entries()
    assert len(entries) > 50
    assert [msgid for msgid, msgstr in entries if not msgstr] == []
    with translation.override("ko"):
        assert (
            translation.gettext("Not sure where this belongs. Pick a queue:")
            == "어느 큐인지 확실하지 않습니다. 큐를 골라 주세요:"
        )
        assert translation.gettext("Dry run on a ticket") == "티켓으로 미리 실행"
