"""Charset labels → Python codecs, and best-effort decoding that never raises.

Korean mail is labelled `euc-kr` or `ks_c_5601-1987` but written by CP949 encoders (Outlook, old
webmail), so every Korean label decodes with cp949, as WHATWG does; CPython's strict `euc_kr`
codec would turn 똠 or 뷁 into U+FFFD. Unknown, lying and missing labels are decoded by detection
and reported as guessed, so the article can say so and the raw bytes stay the source of truth.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from functools import lru_cache

from charset_normalizer import from_bytes

_KOREAN = frozenset(
    {
        "euc-kr",
        "euc_kr",
        "euckr",
        "cseuckr",
        "ks_c_5601-1987",
        "ks_c_5601-1989",
        "ks_c_5601",
        "ksc5601",
        "ksc_5601",
        "ks_x_1001",
        "csksc56011987",
        "iso-ir-149",
        "windows-949",
        "x-windows-949",
        "ms949",
        "cp949",
        "uhc",
        "korean",
        "x-uhc",
    }
)

# WHATWG: these labels are decoded with their superset, because that is what senders really use.
_SUPERSETS = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "iso-8859-9": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "euc-cn": "gb18030",
    "big5": "big5hkscs",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ks_c_5601-1987": "cp949",
    "utf8": "utf-8",
}

# Encoders that are not text charsets; a label naming one must not be used to decode mail.
_NOT_TEXT = frozenset({"base64", "hex", "quopri", "uu", "zlib", "bz2", "rot13", "idna", "punycode"})

_NOT_ASCII_COMPATIBLE = ("iso2022", "utf_7", "utf-7", "utf_16", "utf-16", "utf_32", "utf-32", "hz")
DETECT_SAMPLE = 65536  # bytes given to charset-normalizer; the rest is decoded with its answer


@dataclass(frozen=True)
class Decoded:
    text: str
    guessed: bool = False
    defect: str = ""


@lru_cache(maxsize=512)
def codec_for(label: str | None) -> str | None:
    """The Python codec for a MIME charset label, or None when the label is unknown or absent."""
    if not label:
        return None
    name = label.strip().strip("\"'").strip().lower()
    if "*" in name:  # RFC 2231 language suffix: utf-8*ko
        name = name.split("*", 1)[0]
    if not name or len(name) > 40:
        return None
    if name in _KOREAN:
        return "cp949"
    if name in _SUPERSETS:
        return _SUPERSETS[name]
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if info.name in _NOT_TEXT or not getattr(info, "_is_text_encoding", True):
        return None
    if info.name == "euc_kr":
        return "cp949"
    return info.name


def looks_korean(text: str) -> bool:
    """True when a cp949 decode is plausible: most non-ASCII characters are Hangul syllables.

    cp949 accepts many Latin-1 byte pairs too, but those land on Hanja and rare symbols.
    """
    other = hangul = 0
    for ch in text:
        if ch >= "\x80":
            if "\uac00" <= ch <= "\ud7a3" or "\u3131" <= ch <= "\u318e":
                hangul += 1
            elif not ("\u2000" <= ch <= "\u33ff" or "\uff00" <= ch <= "\uffef" or ch == "\xa0"):
                other += 1
    return hangul > 0 and hangul >= 2 * other


def _detect(data: bytes, hint: str | None = None) -> str:
    """Best guess for unlabelled or mislabelled 8-bit bytes; always returns text."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for codec in (hint, "cp949"):
        if not codec or codec == "utf-8":
            continue
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if codec != "cp949" or looks_korean(text):
            return text
    sample = _non_ascii_lines(data)
    try:
        matches = from_bytes(sample)
    except Exception:  # noqa: BLE001 - detection is advisory; a crash in it must not lose the mail
        matches = None
    candidates = [m.encoding for m in matches][:3] if matches else []
    for name in [*candidates, "cp1252"]:
        codec = codec_for(name) or name
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("cp1252", errors="replace")


def _non_ascii_lines(data: bytes) -> bytes:
    """The lines that carry 8-bit bytes: detection on mostly-ASCII mail otherwise samples only ASCII."""
    lines = [line for line in data.split(b"\n") if not line.isascii()]
    out = bytearray()
    for line in lines:
        out += line[:DETECT_SAMPLE] + b"\n"
        if len(out) >= DETECT_SAMPLE:
            break
    return bytes(out)


def decode_bytes(data: bytes, label: str | None, hint: str | None = None) -> Decoded:
    """Decode body or parameter bytes; the label is trusted only when the bytes agree with it."""
    codec = codec_for(label)
    if data.isascii() and (codec is None or not codec.startswith(_NOT_ASCII_COMPATIBLE)):
        return Decoded(data.decode("ascii"))
    if codec is not None:
        try:
            return Decoded(data.decode(codec))
        except UnicodeDecodeError:
            pass
        except LookupError:
            codec = None
        text = _detect(data, None if codec in ("utf-8", "ascii") else codec)
        return Decoded(text, True, f"charset {label!s:.40} does not match the bytes; guessed")
    if label:
        return Decoded(_detect(data, hint), True, f"unknown charset {label!s:.40}; guessed")
    return Decoded(_detect(data, hint), True, "8-bit text without charset; guessed")


def decode_8bit_header(data: bytes, hint: str | None = None) -> Decoded:
    """Raw 8-bit header bytes carry no label: utf-8, then the body's charset, then cp949, then detection."""
    if data.isascii():
        return Decoded(data.decode("ascii"))
    return Decoded(_detect(data, hint), True, "8-bit header without charset; guessed")
