"""The routing app's own Korean catalog: every string translated, and the compiled file current."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.utils import translation

import dapjang.routing

PO = Path(dapjang.routing.__file__).parent / "locale" / "ko" / "LC_MESSAGES" / "django.po"


def _entries() -> list[tuple[str, str]]:
    entries = []
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        parts = re.findall(r'^(msgid|msgstr) ((?:".*"\n?)+)', block + "\n", re.M)
        values = {key: "".join(ast.literal_eval(s) for s in re.findall(r'".*"', body)) for key, body in parts}
        if values.get("msgid"):
            entries.append((values["msgid"], values.get("msgstr", "")))
    return entries


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
