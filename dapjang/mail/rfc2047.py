"""Header text: RFC 2047 encoded words, raw 8-bit bytes and RFC 2231 parameters, decoded by us.

CPython's own decoding uses the strict `euc_kr` codec (U+FFFD for CP949-only syllables) and its
header parser is quadratic on some inputs, so headers are read raw (compat32, surrogateescape) and
decoded here in one linear pass with the charset map of `charsets`. Every result is one line: an
encoded `=0A` can never smuggle a line break into a stored header or an outgoing `Re:` subject.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

from dapjang.mail.charsets import decode_8bit_header, decode_bytes

# `[^?]*` (not `.*?`) keeps the scan linear: an unterminated word stops at the next '?'.
ENCODED_WORD = re.compile(r"=\?([^?\s*]{1,40})(?:\*[^?\s]{0,20})?\?([bBqQ])\?([^?]*)\?=")
_CONTROL = {c: " " for c in [*range(32), 127]}
_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/]")
_PARAM = re.compile(r'\s*([^=;\s"]*)\s*(?:=\s*("(?:[^"\\]|\\.)*(?:"|$)|[^;]*))?\s*(?:;|$)', re.S)
_SECTION = re.compile(r"^([^*]+)\*(?:(\d{1,3})(\*)?)?$")
MAX_PARAMS = 100


@dataclass
class HeaderText:
    text: str
    guessed: bool = False
    defects: list[str] = field(default_factory=list)


def one_line(value: str) -> str:
    """Collapse every control character and run of whitespace to one space."""
    if not value:
        return ""
    return " ".join(value.translate(_CONTROL).split())


def b64decode_lenient(data: bytes) -> tuple[bytes, bool]:
    """Decode what is there; (bytes, True) when the input was damaged."""
    try:
        return binascii.a2b_base64(data, strict_mode=False), False
    except (binascii.Error, ValueError):
        pass
    clean = _B64_JUNK.sub(b"", data.split(b"=", 1)[0])
    if len(clean) % 4 == 1:
        clean = clean[:-1]
    clean += b"=" * (-len(clean) % 4)
    try:
        return binascii.a2b_base64(clean), True
    except (binascii.Error, ValueError):
        return b"", True


def _word_bytes(encoding: str, text: str) -> tuple[bytes, bool]:
    raw = text.encode("utf-8", "surrogateescape")
    if encoding in "bB":
        return b64decode_lenient(raw)
    return binascii.a2b_qp(raw, header=True), False


def _decode_run(charset: str, data: bytes, out: HeaderText) -> str:
    decoded = decode_bytes(data, charset)
    if decoded.guessed:
        out.guessed = True
        out.defects.append(f"encoded word: {decoded.defect}")
    return decoded.text


def decode_words(value: str, out: HeaderText) -> str:
    """Decode encoded words; adjacent words in one charset are joined as bytes first, so a
    multibyte character split across two words survives."""
    parts: list[str] = []
    run_charset = ""
    run = bytearray()
    pos = 0
    for m in ENCODED_WORD.finditer(value):
        between = value[pos : m.start()]
        if between and not (between.isspace() and run_charset):
            if run_charset:
                parts.append(_decode_run(run_charset, bytes(run), out))
                run_charset, run = "", bytearray()
            parts.append(between)
        charset = m.group(1).lower()
        data, broken = _word_bytes(m.group(2), m.group(3))
        if broken:
            out.defects.append("broken base64 in encoded word")
        if run_charset and charset != run_charset:
            parts.append(_decode_run(run_charset, bytes(run), out))
            run = bytearray()
        run_charset = charset
        run += data
        pos = m.end()
    if run_charset:
        parts.append(_decode_run(run_charset, bytes(run), out))
    parts.append(value[pos:])
    return "".join(parts)


def to_bytes(raw: str) -> bytes:
    """A compat32 header or payload string back to the bytes that were on the wire."""
    try:
        return raw.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return raw.encode("utf-8", "surrogateescape")


def decode_raw_text(raw: str, hint: str | None = None) -> HeaderText:
    """Raw header text (may hold undecoded 8-bit bytes) → unicode, encoded words not yet decoded."""
    out = HeaderText(raw)
    if not raw.isascii():
        decoded = decode_8bit_header(to_bytes(raw), hint)
        out.text = decoded.text
        if decoded.guessed:
            out.guessed = True
            out.defects.append(decoded.defect)
    return out


def decode_header(raw: str, hint: str | None = None) -> HeaderText:
    """A raw header value → one line of text."""
    out = decode_raw_text(raw, hint)
    if "=?" in out.text:
        out.text = decode_words(out.text, out)
    out.text = one_line(out.text)
    return out


def _unquote(value: str) -> str:
    value = value.strip()
    if value.startswith('"'):
        value = value[1:-1] if value.endswith('"') and len(value) > 1 else value[1:]
        if "\\" in value:
            value = re.sub(r"\\(.)", r"\1", value)
    return value


def _join_sections(sections: list[tuple[int, bool, str]], hint: str | None, out: HeaderText) -> str:
    sections.sort(key=lambda s: s[0])
    charset = ""
    data = bytearray()
    for index, (_, encoded, value) in enumerate(sections):
        if encoded:
            if index == 0 and value.count("'") >= 2:
                charset, _lang, value = value.split("'", 2)
            data += unquote_to_bytes(value)
        else:
            data += to_bytes(value)
    if not charset and data.isascii() and b"=?" in data:
        return decode_header(data.decode("ascii"), hint).text
    decoded = decode_bytes(bytes(data), charset or None, hint)
    if decoded.guessed:
        out.guessed = True
        out.defects.append(f"parameter: {decoded.defect}")
    return decoded.text


def parse_params(raw: str, hint: str | None = None) -> tuple[str, dict[str, str], HeaderText]:
    """Content-Type / Content-Disposition → (lower-case value, decoded parameters, problems).

    Linear in the header length (CPython's `_parseparam` is quadratic), at most MAX_PARAMS kept.
    """
    status = HeaderText("")
    text = decode_raw_text(raw, hint).text
    main, _, rest = text.partition(";")
    params: dict[str, str] = {}
    sections: dict[str, list[tuple[int, bool, str]]] = {}
    pos, count, end = 0, 0, len(rest)
    while pos < end and count < MAX_PARAMS:
        m = _PARAM.match(rest, pos)
        if m is None or m.end() == pos:
            nxt = rest.find(";", pos)
            if nxt < 0:
                break
            pos = nxt + 1
            continue
        pos = m.end()
        name, value = m.group(1).lower(), _unquote(m.group(2) or "")
        if not name:
            continue
        count += 1
        sec = _SECTION.match(name)
        if sec:
            number = int(sec.group(2)) if sec.group(2) else 0
            encoded = sec.group(2) is None or sec.group(3) is not None
            sections.setdefault(sec.group(1), []).append((number, encoded, value))
        elif name not in params:
            params[name] = decode_header(value, hint).text if "=?" in value else one_line(value)
    if count >= MAX_PARAMS:
        status.defects.append(f"more than {MAX_PARAMS} parameters; rest ignored")
    for name, parts in sections.items():
        params[name] = one_line(_join_sections(parts[:MAX_PARAMS], hint, status))
    return one_line(main).lower(), params, status
