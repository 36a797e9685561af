"""Text → retrieval tokens, the same for FAQ entries and for customers' questions.

Korean gets two kinds of token. Morphemes from kiwipiepy find the content words under particles
and endings (환불해주세요 → 환불, 주; 잊어버렸어요 → 잊, 버리) and split unspaced runs
(비밀번호를잊어버렸어요). Character bigrams over the Hangul with spaces removed catch what the
analyser gets wrong: typos it tags as proper nouns (배숑), spacing variants and brand names.
English gets lower-cased words with a light suffix strip and character 4-grams, which absorb typos
("pasword") without a spelling dictionary.

kiwipiepy costs about 240 MB and a few seconds to load, so it is loaded once per process, on first
use, and shared; ~0.2–2 ms per short mail after that.
"""

from __future__ import annotations

import itertools
import re
import threading
from typing import Any

from dapjang.knowledge.normalise import normalise

# Content-bearing Kiwi tags: nouns, verb and adjective stems, roots, foreign words, hanja, some adverbs.
_KEEP_TAGS = frozenset({"NNG", "NNP", "XR", "VV", "VA", "SL", "SH", "MAG", "NR", "SN"})
# Adverbs that carry no topic; the verifier looks at negation and "still" cues itself.
_SKIP_FORMS = frozenset(
    {"좀", "잘", "너무", "정말", "진짜", "그냥", "혹시", "이", "그", "저", "하", "되", "있"}
)

_HANGUL_RUN = re.compile(r"[\uac00-\ud7a3]+(?:\s+[\uac00-\ud7a3]+)*")
_WORD = re.compile(r"[a-z0-9]+(?:['/][a-z0-9]+)*")

_EN_STOP_WORDS = """
a an the and or but if of to in on at for from by with about as is are was were be been being am do
does did doing have has had i me my mine we our you your he she it its they them their this that
these those there here what which who whom when where why how can could would should will shall may
might must just so than too very not no yes please hi hello dear thanks thank regards any some all
also get got into out up down over again then once only own same such more most other
"""
EN_STOP = frozenset(_EN_STOP_WORDS.split())

_kiwi: Any = None
_kiwi_lock = threading.Lock()


def korean_analyser() -> Any:
    """One Kiwi per process for every module (FAQ search, routing morphemes), made on first use: it
    costs ~300 MB and seconds to load, so a second instance would double both."""
    global _kiwi
    if _kiwi is None:
        with _kiwi_lock:
            if _kiwi is None:
                from kiwipiepy import Kiwi

                # No multi-word and typo dictionaries: they add memory and time, and the bigrams and the
                # domain dictionary already cover spelling.
                _kiwi = Kiwi(load_multi_dict=False, load_typo_dict=False)
    return _kiwi


def stem(word: str) -> str:
    """A deliberately small English suffix strip: plural, past, -ing, -ly."""
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("ly", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + keep
    return word


def korean_tokens(text: str) -> list[str]:
    """Morphemes (`m:`) and their pairs (`b:`), Hangul bigrams over unspaced runs (`c:`), and English words (`w:`)."""
    text = normalise(text)
    tokens: list[str] = []
    if text:
        morphemes = [
            t.form
            for t in korean_analyser().tokenize(text)
            if t.tag in _KEEP_TAGS and t.form not in _SKIP_FORMS
        ]
        tokens.extend("m:" + form for form in morphemes)
        # Neighbouring content words tell 배송 조회 from 배송 지연 where the single words cannot.
        tokens.extend(f"b:{a}_{b}" for a, b in itertools.pairwise(morphemes))
    for run in _HANGUL_RUN.findall(text):
        compact = "".join(run.split())
        tokens.extend("c:" + compact[i : i + 2] for i in range(len(compact) - 1))
    tokens.extend(english_words(text))
    return tokens


def english_words(text: str) -> list[str]:
    return ["w:" + stem(w) for w in _WORD.findall(text) if w not in EN_STOP and len(w) > 1]


def english_tokens(text: str) -> list[str]:
    """Stemmed words (`w:`) and character 4-grams of each word with its edges marked (`g:`)."""
    text = normalise(text)
    tokens: list[str] = []
    for word in _WORD.findall(text):
        if word in EN_STOP or len(word) < 2:
            continue
        tokens.append("w:" + stem(word))
        padded = f"#{word}#"
        tokens.extend("g:" + padded[i : i + 4] for i in range(max(1, len(padded) - 3)))
    # Hangul in English mail (a product name, 마이페이지) still deserves a match.
    for run in _HANGUL_RUN.findall(text):
        compact = "".join(run.split())
        tokens.extend("c:" + compact[i : i + 2] for i in range(len(compact) - 1))
    return tokens


def tokens_for(text: str, language: str) -> list[str]:
    return english_tokens(text) if language == "en" else korean_tokens(text)
