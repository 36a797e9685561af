"""Every string of the knowledge app has a Korean translation in its own catalog, compiled and current."""

from __future__ import annotations

from django.utils import translation

import dapjang.knowledge
from tests.catalogs import catalog_of, po_entries


def _entries() -> list[tuple[str, str]]:
    return [(msgid, msgstr) for _, msgid, msgstr in po_entries(catalog_of(dapjang.knowledge))]


def test_every_string_is_translated_and_the_compiled_catalog_is_current() -> None:
    entries = _entries()
    assert len(entries) > 50  # the parser found the catalog
    assert [msgid for msgid, msgstr in entries if not msgstr] == []
    with translation.override("ko"):
        assert [m for m, s in entries if translation.gettext(m) != s] == []


def test_the_automation_page_speaks_korean_and_english(people: object, settings: object) -> None:
    from tests.console.conftest import Desk, client_of

    assert isinstance(people, Desk)
    client = client_of(people.boss)
    korean = client.get("/knowledge/automation/").content.decode()
    assert "자동 답변" in korean and "합계" in korean and "Total" not in korean
    client.post("/language/", {"language": "en", "next": "/knowledge/automation/"})
    english = client.get("/knowledge/automation/").content.decode()
    assert "Automatic answers" in english and "Total" in english and "합계" not in english
