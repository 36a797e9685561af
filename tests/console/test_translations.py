"""Every string of the console has a Korean translation, and the compiled catalog is the current one."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.utils import translation

import dapjang

PO = Path(dapjang.__file__).parent / "locale" / "ko" / "LC_MESSAGES" / "django.po"


def _entries() -> list[tuple[str, str, str]]:
    """(references, msgid, msgstr) of the singular entries of the Korean catalog."""
    entries = []
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        refs = " ".join(line for line in block.splitlines() if line.startswith("#:"))
        if "msgid_plural" in block:
            continue
        parts = re.findall(r'^(msgid|msgstr) ((?:".*"\n?)+)', block + "\n", re.M)
        values = {key: "".join(ast.literal_eval(s) for s in re.findall(r'".*"', body)) for key, body in parts}
        if values.get("msgid"):
            entries.append((refs, values["msgid"], values.get("msgstr", "")))
    return entries


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
