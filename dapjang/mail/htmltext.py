"""HTML bodies: sanitised for display (nh3) and rendered as readable text (inscriptis).

Both are bounded: above HTML_LIMIT the HTML is not displayed at all and its text comes from a
linear tag strip, so a 5 MB single line or a 20 MB data: URI cannot stall the worker.
"""

from __future__ import annotations

import html as htmllib
import re

import nh3
from inscriptis import get_text
from inscriptis.model.config import ParserConfig

HTML_LIMIT = 2_000_000  # characters of HTML we sanitise and render; above it: tag strip only

_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}  # cid: inline images are rewritten later
_CONFIG = ParserConfig(display_links=True)

_BLOCK_OPEN = re.compile(r"<(script|style|head|title)\b", re.I)
_BREAKS = re.compile(r"<(?:br|/p|/div|/tr|/li|/h[1-6]|/table|/blockquote|hr)\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]*>")
_META_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]{1,40})", re.I)
_BLANKS = re.compile(r"\n[ \t\r\f\v]*\n(?:[ \t\r\f\v]*\n)+")
_SPACES = re.compile(r"[ \t\r\f\v\xa0]+")


def sanitise(html: str) -> str:
    """HTML safe to show in the sandboxed frame: no scripts, handlers, styles or javascript: URLs."""
    return nh3.clean(html, url_schemes=_URL_SCHEMES, link_rel="noopener noreferrer")


def _drop_blocks(html: str) -> str:
    """Remove script/style/head content; str.find keeps it linear even with unclosed tags."""
    lower = html.lower()
    out: list[str] = []
    pos = 0
    while True:
        m = _BLOCK_OPEN.search(html, pos)
        if m is None:
            out.append(html[pos:])
            break
        out.append(html[pos : m.start()])
        end = lower.find("</" + m.group(1).lower(), m.end())
        if end < 0:
            break
        close = html.find(">", end)
        pos = len(html) if close < 0 else close + 1
    return " ".join(out)


def strip_tags(html: str) -> str:
    """A linear, good-enough text rendering for HTML too big or too broken for inscriptis."""
    text = _drop_blocks(html)
    text = _BREAKS.sub("\n", text)
    text = _TAG.sub(" ", text)
    text = htmllib.unescape(text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> str:
    """Links as `[text](url)`, lists as bullets, tables as aligned columns."""
    try:
        text = get_text(html, _CONFIG)
    except Exception:  # noqa: BLE001 - inscriptis/lxml give up on some trees; the strip never does
        text = ""
    if not text.strip():
        return strip_tags(html)
    return _BLANKS.sub("\n\n", text).strip()


def meta_charset(data: bytes) -> str:
    """The charset an HTML part declares in a <meta> tag, for parts whose MIME header has none."""
    m = _META_CHARSET.search(data[:4096])
    return m.group(1).decode("ascii") if m else ""
