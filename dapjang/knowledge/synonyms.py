"""The domain dictionary (MISSION C2): the customer's words → the words the FAQ answers use.

Customers write 택배, 배숑, 비번, "pasword"; the answers say 배송, 비밀번호, password. Each variant
found in a text adds its canonical term to it (the variant stays too, so a loose entry can only add
evidence, never remove the customer's own word). Korean variants match without regard to spacing
(배송조회 = 배송 조회), because Korean is spaced freely; English variants match whole words, and a
short all-capital variant ("AS") only in capitals, so it never fires on the word "as".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from dapjang.knowledge.normalise import normalise


@dataclass(frozen=True)
class SynonymPair:
    variant: str
    canonical: str
    language: str


@dataclass
class SynonymTable:
    """Variants by language, longest first, so "택배 조회" wins over "택배" inside it."""

    pairs: tuple[SynonymPair, ...] = ()
    _ko: list[tuple[str, str]] = field(init=False, repr=False)
    _en: list[tuple[re.Pattern[str], str]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        ko: dict[str, str] = {}
        en: list[tuple[re.Pattern[str], str]] = []
        seen_en: set[str] = set()
        for pair in sorted(self.pairs, key=lambda p: -len(p.variant)):
            variant = pair.variant.strip()
            canonical = normalise(pair.canonical)
            if not variant or not canonical:
                continue
            if pair.language == "ko":
                ko.setdefault("".join(normalise(variant).split()), canonical)
                continue
            key = variant if _is_acronym(variant) else variant.lower()
            if key in seen_en:
                continue
            seen_en.add(key)
            if _is_acronym(variant):
                words, flags = re.escape(variant), 0
            else:
                words, flags = r"\s+".join(re.escape(w) for w in normalise(variant).split()), re.IGNORECASE
            en.append((re.compile(rf"(?<![\w#]){words}(?![\w#])", flags), canonical))
        self._ko = sorted(ko.items(), key=lambda kv: -len(kv[0]))
        self._en = en

    def canonical_terms(self, text: str, language: str) -> list[str]:
        """Canonical terms of the variants in `text`; a span used by a longer variant is not reused."""
        if language == "en":
            return self._english(text)
        return self._korean(text)

    def _korean(self, text: str) -> list[str]:
        compact = "".join(normalise(text).split())
        found: list[str] = []
        for variant, canonical in self._ko:
            if variant in compact:
                found.extend([canonical] * compact.count(variant))
                compact = compact.replace(variant, "\x00")
        # Korean mail carries English words too (A/S, refund); those follow the English rules.
        found.extend(self._english(text))
        return found

    def _english(self, text: str) -> list[str]:
        found: list[str] = []
        # The acronym patterns need the original capitals; the others see the folded text.
        raw = text
        for pattern, canonical in self._en:
            hits = pattern.findall(raw)
            if hits:
                found.extend([canonical] * len(hits))
                raw = pattern.sub(" ", raw)
        return found

    def expand(self, text: str, language: str) -> str:
        """`text` followed by the canonical terms of its variants."""
        extra = self.canonical_terms(text, language)
        return text if not extra else f"{text}\n{' '.join(extra)}"


def _is_acronym(variant: str) -> bool:
    return variant.isupper() and len(variant) <= 4


class SynonymFormatError(ValueError):
    """A dictionary line that is not `variant<TAB>canonical<TAB>lang`."""


def synonyms_parse(lines: Iterable[str], *, source: str = "synonyms") -> list[SynonymPair]:
    """Pairs of a `variant<TAB>canonical<TAB>lang` file; every bad line is reported with its number."""
    pairs: list[SynonymPair] = []
    errors: list[str] = []
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) != 3:
            errors.append(f"{source}:{number}: expected 3 tab-separated columns, found {len(cells)}")
            continue
        variant, canonical, language = (cell.strip() for cell in cells)
        if language not in {"ko", "en"}:
            errors.append(f"{source}:{number}: language must be ko or en, not {language!r}")
            continue
        if not variant or not canonical:
            errors.append(f"{source}:{number}: empty variant or canonical term")
            continue
        pairs.append(SynonymPair(variant, canonical, language))
    if errors:
        raise SynonymFormatError("\n".join(errors))
    return pairs
