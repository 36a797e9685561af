"""How a file a customer sent is offered for download: a safe name, in Korean as well (RFC 5987).

The console and the API serve attachments the same way, so one function names them for both.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote


def safe_filename(name: str) -> str:
    """The last path segment, without control characters, quotes or separators, at most 150 chars."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C" and ch not in '"*:<>?|;')
    name = name.strip(" .") or "attachment"
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem[: 140 - len(ext)]}.{ext}" if dot and 0 < len(ext) <= 10 else name[:150]
    return name


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback and the real name as RFC 5987 `filename*` (Korean names)."""
    name = safe_filename(filename)
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""

    def ascii_only(text: str) -> str:
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
        return re.sub(r"[^A-Za-z0-9._ -]", "_", text).strip(" ._")

    fallback = ascii_only(stem) if ascii_only(stem).replace("_", "") else "attachment"
    ext = re.sub(r"[^A-Za-z0-9]", "", ext)[:10]
    fallback = f"{fallback}.{ext}" if ext else fallback
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
