"""Mail text → the part a customer actually wrote, in one canonical form.

Retrieval and the auto-answer verifier both look at the customer's own words. Quoted history
(our own acknowledgement, an earlier reply) repeats FAQ vocabulary and would make any mail look like
an FAQ question; greetings and sign-offs are the same in every mail and only add noise. Both are
cut here, with the conventions of Korean and English mail clients rather than this shop's phrasing.
"""

from __future__ import annotations

import re
import unicodedata

MAX_TEXT = 8_000  # characters of a mail read; a longer one is never a simple FAQ question anyway

_HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")
_LATIN = re.compile(r"[A-Za-z]")

# Where quoted history starts, by mail client: Outlook ("-----Original Message-----", "From: …"
# blocks), Gmail ("On …, X wrote:" / "2026년 11월 2일 (월) … 작성:"), Naver/Daum ("--- 원본 메시지 ---").
QUOTE_START = re.compile(
    r"^\s*(?:-{2,}\s*(?:original message|forwarded message|원본 메시지|전달된 메시지)\s*-{2,}"
    r"|.{0,200}(?:wrote|작성|썼습니다)\s*:\s*$"
    r"|(?:from|보낸 사람|보낸사람)\s*:.*$)",
    re.IGNORECASE,
)

# Whole lines that are only a greeting, a courtesy or a sign-off; anything else on the line keeps it.
_COURTESY = re.compile(
    r"^\s*(?:"
    r"안녕하(?:세요|십니까)|수고(?:하)?(?:세요|십니다|하십니다|많으십니다)|감사(?:합니다|해요|드립니다)|고맙습니다"
    r"|(?:빠른\s*)?(?:답변|회신|확인)\s*(?:부탁|기다리겠)\S*|좋은\s*하루\s*되세요|고객센터\s*담당자님"
    r"|hi|hello|hey|dear\s+\S+(?:\s+\S+)?|thanks?(?:\s+you)?(?:\s+in\s+advance)?|many\s+thanks|cheers"
    r"|(?:best|kind|warm)?\s*regards|sincerely|best|thank\s+you\s+for\s+your\s+help"
    r")[\s,.!~^;:)(ㅎㅠㅜ🙏😊🙂]*$",
    re.IGNORECASE,
)
# A trailing line that is only a name: "- 이준호", "최유나 드림", "Julia Park". A bare Hangul word is
# taken for a name only if it does not end like a sentence (급해요, 부탁합니다 stay).
_SIGNATURE = re.compile(
    r"^\s*(?:-\s*[가-힣]{2,4}(?:\s*\(.*\))?|[가-힣]{2,4}\s*(?:드림|올림)|[가-힣]{1,3}[^요다죠까네니세해음함\s]"
    r"|[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2})\s*$"
)


def normalise(text: str) -> str:
    """NFKC (full-width Latin, decomposed Hangul from Mac clients), lower case, single spaces."""
    text = unicodedata.normalize("NFKC", text[:MAX_TEXT]).lower()
    return " ".join(text.split())


def language_of(text: str) -> str:
    """`ko` when Hangul is a fair share of the letters; Korean mail often carries English words."""
    hangul = len(_HANGUL.findall(text))
    latin = len(_LATIN.findall(text))
    if hangul == 0 and latin == 0:
        return "ko"
    return "ko" if hangul * 3 >= latin else "en"


def strip_quote(body: str) -> str:
    """The body up to where quoted history begins; `> ` lines are dropped wherever they are."""
    kept: list[str] = []
    for line in body[:MAX_TEXT].splitlines():
        if QUOTE_START.match(line) and kept:
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept)


def own_lines(body: str) -> list[str]:
    """The customer's own non-empty lines: no quote, no greeting or courtesy, no trailing name."""
    lines = [line.strip() for line in strip_quote(body).splitlines()]
    lines = [line for line in lines if line and not _COURTESY.match(line)]
    while len(lines) > 1 and _SIGNATURE.match(lines[-1]):
        lines.pop()
    return lines


_SUBJECT_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|답장|회신|전달)\s*:\s*|\[[^\]]{0,40}\]\s*)+", re.IGNORECASE
)


def clean_subject(subject: str) -> str:
    """Without Re:/Fwd: and bracketed tags: "[한빛몰] 주문이 접수되었습니다" is our subject, not theirs."""
    return _SUBJECT_PREFIX.sub("", subject or "").strip()


def subject_is_ours(subject: str) -> bool:
    """A reply keeps our notification's subject; its words say nothing about the question."""
    return bool(re.match(r"^\s*(?:re|fw|fwd|답장|회신)\s*:", subject or "", re.IGNORECASE))


def mail_query(subject: str, body: str) -> str:
    """The text retrieval should look at: the subject (unless it is our own) and the own lines."""
    parts = [] if subject_is_ours(subject) else [clean_subject(subject)]
    parts.extend(own_lines(body))
    return "\n".join(part for part in parts if part)
