"""Split a reply into the customer's new words and the quoted history below them.

mail-parser-reply was considered: its Korean patterns only know `…님이 작성하였습니다:`, it strips
every line and cuts signatures, and its patterns run over the whole body several times. The
markers real Korean and English clients write are few, so they are matched here line by line:
cost is linear in the body and a mail without a marker is returned untouched.
"""

from __future__ import annotations

import re

MAX_LINE = 400  # attribution lines are short; longer lines are never markers

_SEPARATOR = re.compile(
    r"^\s*[-=_*]{2,}\s*(?:original message|원본 메시지|forwarded message|전달된 메시지|"
    r"original-nachricht|message d'origine)\s*[-=_*]{2,}\s*$",
    re.I,
)
_RULE = re.compile(r"^\s*(?:_{10,}|-{10,})\s*$")
_FROM_LINE = re.compile(r"^\s*\*?\s*(?:from|보낸\s?사람|발신자|발신|von|de)\s*\*?\s*:", re.I)
_HEADER_LINE = re.compile(
    r"^\s*\*?\s*(?:sent|date|to|cc|subject|보낸\s?날짜|날짜|받는\s?사람|수신자|수신|참조|제목|"
    r"gesendet|an|betreff|envoyé|à|objet)\s*\*?\s*:",
    re.I,
)
_ON_WROTE = re.compile(r"^\s*(?:>\s*)*on\b.{0,300}\bwrote:\s*$", re.I | re.S)
_OTHER_WROTE = re.compile(r"^\s*(?:>\s*)*(?:am\b.{0,300}schrieb|le\b.{0,300}a écrit)\s*:\s*$", re.I | re.S)
_KO_WROTE = re.compile(
    r"^\s*(?:>\s*)*.{0,300}\d.{0,300}(?:님이|님의)?\s*작성(?:하였습니다|했습니다)?\s*:\s*$", re.S
)


def _is_header_block(lines: list[str], i: int) -> bool:
    """A `From:` line followed closely by at least two more mail-header lines (Outlook, Naver)."""
    if not _FROM_LINE.match(lines[i]):
        return False
    seen = 0
    for line in lines[i + 1 : i + 8]:
        if _HEADER_LINE.match(line):
            seen += 1
            if seen >= 2:
                return True
    return False


def _attribution(lines: list[str], i: int) -> bool:
    line = lines[i]
    if len(line) > MAX_LINE:
        return False
    candidates = [line]
    if i + 1 < len(lines) and len(lines[i + 1]) <= MAX_LINE:
        candidates.append(line.rstrip() + " " + lines[i + 1].strip())
    for text in candidates:
        # cheap substring tests first: the patterns backtrack over a whole line
        if "rote" in text and _ON_WROTE.match(text):
            return True
        if "작성" in text and _KO_WROTE.match(text):
            return True
        if ("schrieb" in text or "écrit" in text) and _OTHER_WROTE.match(text):
            return True
    return False


def _marker_index(lines: list[str]) -> int:
    """The first line where quoted history starts, or len(lines)."""
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or len(line) > MAX_LINE:
            continue
        head = stripped[:1]
        if head in "-=_*" and _SEPARATOR.match(line):
            return i
        if _is_header_block(lines, i) or (not head.startswith(">") and _attribution(lines, i)):
            if i > 0 and _RULE.match(lines[i - 1]):
                return i - 1
            return i
    return len(lines)


def split_quoted(text: str) -> tuple[str, str]:
    """(new_text, quoted_text). `>` lines above the marker count as quoted too.

    When nothing but quotation is left (a bare forward), the whole text is the new text: the
    forwarded mail is then what the customer is asking about.
    """
    if not text:
        return "", ""
    lines = text.split("\n")
    cut = _marker_index(lines)
    head = lines[:cut]
    quoted = [line for line in head if line.lstrip().startswith(">")]
    if not quoted and cut == len(lines):
        return text, ""
    new = [line for line in head if not line.lstrip().startswith(">")]
    new_text = "\n".join(new).strip()
    if not new_text:
        return text, ""
    quoted_text = "\n".join([*quoted, *lines[cut:]]).strip()
    return new_text, quoted_text
