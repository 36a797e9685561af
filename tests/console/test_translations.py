"""Every string of the console has a Korean translation, and the compiled catalog is the current one."""

from __future__ import annotations

from django.utils import translation

import dapjang
from tests.catalogs import catalog_of, po_entries


def _entries() -> list[tuple[str, str, str]]:
    """(references, msgid, msgstr) of the singular entries of the Korean catalog."""
    return po_entries(catalog_of(dapjang))


def test_every_console_string_is_translated_to_korean() -> None:
    console = [(msgid, msgstr) for refs, msgid, msgstr in _entries() if "console/" in refs]
    assert len(console) > 100  # the parser found the catalog
    assert [msgid for msgid, msgstr in console if not msgstr] == []


def test_the_compiled_catalog_matches_the_po_file() -> None:
    stale = []
    with translation.override("ko"):
        for refs, msgid, msgstr in _entries():
            if "console/" in refs and msgstr and translation.gettext(msgid) != msgstr:
                stale.append(msgid)
    assert stale == [], "run: cd dapjang && ../.venv/bin/python -m dapjang.cli compilemessages"
