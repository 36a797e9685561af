"""Reading a gettext catalog in the tests: every string translated, the compiled file current."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from types import ModuleType


def catalog_of(package: ModuleType, language: str = "ko") -> Path:
    """The .po file of an app (or of the project, for `dapjang` itself)."""
    return Path(str(package.__file__)).parent / "locale" / language / "LC_MESSAGES" / "django.po"


def po_entries(po: Path) -> list[tuple[str, str, str]]:
    """(references, msgid, msgstr) of the singular entries of a catalog."""
    entries = []
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        if "msgid_plural" in block:
            continue
        refs = " ".join(line for line in block.splitlines() if line.startswith("#:"))
        parts = re.findall(r'^(msgid|msgstr) ((?:".*"\n?)+)', block + "\n", re.M)
        values = {key: "".join(ast.literal_eval(s) for s in re.findall(r'".*"', body)) for key, body in parts}
        if values.get("msgid"):
            entries.append((refs, values["msgid"], values.get("msgstr", "")))
    return entries
