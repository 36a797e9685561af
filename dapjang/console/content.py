"""Showing what customers sent without trusting it: mail HTML and attachments (RELIABILITY 30–33).

Mail HTML was sanitised by nh3 when the mail was parsed; here it is treated as hostile all the
same. It is served as its own document under a CSP that allows no script, no remote load of any
kind (remote images stay blocked: a tracking pixel never learns the mail was read, and the
browser never reaches into our network) and the `sandbox` directive, and the console embeds it in
`<iframe sandbox="">`, which gives it an opaque origin with no script and no forms even if a
filter bug let something through. Inline `cid:` images are the one exception: they are already
ours, and are inlined as `data:` URIs from the article's own attachments.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterable

from dapjang.tickets.models import Attachment

MAIL_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'self'; sandbox"
)
ATTACHMENT_CSP = "default-src 'none'; sandbox"

INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
INLINE_IMAGE_BYTES = 2 * 1024 * 1024
INLINE_TOTAL_BYTES = 8 * 1024 * 1024

# Types a browser shows passively; anything else (HTML, SVG, XML, scripts…) goes out as bytes.
PASSIVE_TYPES = frozenset(
    {
        *INLINE_IMAGE_TYPES,
        "image/bmp",
        "image/tiff",
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/zip",
        "application/gzip",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/x-hwp",
        "application/haansofthwp",
        "application/vnd.hancom.hwp",
        "application/vnd.hancom.hwpx",
        "audio/mpeg",
        "video/mp4",
    }
)

_CID_SRC = re.compile(r'src="cid:([^"]{1,300})"', re.I)
_REMOTE_SRC = re.compile(r'\s(?:src|background)="(?:https?:)?//', re.I)

FRAME_STYLE = (
    "body{margin:12px;font:14px/1.6 'Noto Sans KR','Apple SD Gothic Neo','Malgun Gothic',sans-serif;"
    "color:#1f2328;word-break:break-word;overflow-wrap:anywhere}"
    "img{max-width:100%;height:auto}table{max-width:100%}blockquote{margin:0 0 0 8px;"
    "padding-left:10px;border-left:3px solid #d0d7de;color:#57606a}a{color:#0b5cad}"
)


def has_remote_images(sanitised: str) -> bool:
    return bool(_REMOTE_SRC.search(sanitised))


def inline_cid_images(sanitised: str, attachments: Iterable[Attachment], blobs: dict[str, bytes]) -> str:
    """`src="cid:…"` → `data:` URIs of the article's own images, within a size budget."""
    by_cid = {a.content_id.strip("<>").lower(): a for a in attachments if a.content_id}
    budget = INLINE_TOTAL_BYTES

    def replace(match: re.Match[str]) -> str:
        nonlocal budget
        cid = html.unescape(match.group(1)).strip("<>").lower()
        att = by_cid.get(cid)
        data = blobs.get(att.sha256) if att else None
        if att is None or data is None or att.content_type.lower() not in INLINE_IMAGE_TYPES:
            return 'src=""'
        if len(data) > INLINE_IMAGE_BYTES or len(data) > budget:
            return 'src=""'
        budget -= len(data)
        return f'src="data:{att.content_type.lower()};base64,{base64.b64encode(data).decode("ascii")}"'

    return _CID_SRC.sub(replace, sanitised)


def cids_in(sanitised: str) -> set[str]:
    return {html.unescape(m).strip("<>").lower() for m in _CID_SRC.findall(sanitised)}


def mail_document(body: str, *, lang: str) -> str:
    """A whole document, so the frame does not fall into quirks mode and knows its charset."""
    return (
        f'<!doctype html><html lang="{html.escape(lang or "ko")}"><head><meta charset="utf-8">'
        f"<style>{FRAME_STYLE}</style></head><body>{body}</body></html>"
    )


def served_type(content_type: str) -> str:
    ctype = content_type.split(";", 1)[0].strip().lower()
    return ctype if ctype in PASSIVE_TYPES else "application/octet-stream"
