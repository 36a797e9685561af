"""Leaves → text, sanitised HTML and attachments.

Body selection follows what mail clients show: within one multipart/alternative the plain part
is the text and the HTML part is the display; separate inline text parts of a multipart/mixed are
joined in order; anything with a filename, or not text/plain or text/html, is an attachment.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field

from dapjang.mail.charsets import codec_for, decode_bytes
from dapjang.mail.htmltext import HTML_LIMIT, html_to_text, meta_charset, sanitise, strip_tags
from dapjang.mail.rfc2047 import one_line, parse_params
from dapjang.mail.structure import Leaf, payload_bytes

_BODY_TYPES = ("text/plain", "text/html")
_NAME_JUNK = {c: None for c in [*range(32), 127]}


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    payload: bytes
    content_id: str = ""
    inline: bool = False


@dataclass
class Bodies:
    """What the leaves say; parse.py copies it into ParsedMail."""

    text: str = ""
    html: str = ""
    content_type: str = "text/plain"
    attachments: list[ParsedAttachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    charset_guessed: bool = False
    hint: str | None = None  # the body's charset: the best guess for unlabelled 8-bit headers


def _filename(leaf: Leaf) -> str:
    """Decoded, one line, no path and no control characters: safe as a download name."""
    name = leaf.dparams.get("filename") or leaf.params.get("name") or ""
    name = name.translate(_NAME_JUNK).replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:255]


def _default_name(ctype: str) -> str:
    if ctype in ("message/rfc822", "message/global"):
        return "message.eml"
    return "attachment" + (mimetypes.guess_extension(ctype, strict=False) or "")


def _is_body(leaf: Leaf, name: str) -> bool:
    if name or leaf.disposition == "attachment":
        return False
    if leaf.ctype.startswith("multipart/"):  # a multipart without usable boundary: its text
        return "boundary" not in leaf.params
    return leaf.ctype in _BODY_TYPES


def _text(out: Bodies, leaf: Leaf, data: bytes) -> str:
    label = leaf.params.get("charset") or None
    if label is None and leaf.ctype == "text/html":
        label = meta_charset(data) or None
    decoded = decode_bytes(data, label)
    if decoded.guessed:
        out.charset_guessed = True
        out.defects.append(f"{leaf.ctype}: {decoded.defect}")
    text = decoded.text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\x00", "") if "\x00" in text else text


def _attachment(out: Bodies, leaf: Leaf, name: str, data: bytes) -> None:
    cid = one_line(leaf.headers.get("content-id", ""))[:998].strip().strip("<>").strip()
    out.attachments.append(
        ParsedAttachment(
            filename=name or _default_name(leaf.ctype),
            content_type=leaf.ctype,
            payload=data,
            content_id=cid,
            inline=leaf.disposition == "inline" or bool(cid and leaf.disposition != "attachment"),
        )
    )


def read_bodies(leaves: list[Leaf], top: dict[str, str]) -> Bodies:
    """Text, sanitised HTML and attachments of the walked leaves."""
    out = Bodies()
    main, _, _ = parse_params(top.get("content-type", ""))
    out.content_type = main if main.count("/") == 1 else "text/plain"
    units: dict[int, dict[str, list[str]]] = {}
    hint: str | None = None
    for leaf in leaves:
        name = _filename(leaf)
        data = payload_bytes(leaf, out.defects)
        if not _is_body(leaf, name):
            _attachment(out, leaf, name, data)
            continue
        kind = "html" if leaf.ctype == "text/html" else "plain"
        units.setdefault(leaf.unit, {"plain": [], "html": []})[kind].append(_text(out, leaf, data))
        if hint is None:
            hint = codec_for(leaf.params.get("charset"))
    html_size = sum(len(h) for unit in units.values() for h in unit["html"])
    too_big = html_size > HTML_LIMIT
    if too_big:
        out.defects.append("html too large to display")
    texts: list[str] = []
    shown: list[str] = []
    for unit in units.values():
        if unit["plain"]:
            texts += unit["plain"]
        else:
            texts += [strip_tags(h) if too_big else html_to_text(h) for h in unit["html"]]
        if not too_big:
            shown += unit["html"]
    out.text = "\n\n".join(t.strip("\n") for t in texts if t.strip())
    out.html = sanitise("\n".join(shown)) if shown else ""
    out.hint = hint if hint not in (None, "utf-8", "ascii") else None
    return out
