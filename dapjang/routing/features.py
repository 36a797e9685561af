"""Mail → the text and the tokens the topic classifier learns from.

The classifier is judged on mail written by other people than the ones who wrote its training data,
so every choice here favours what carries over to new phrasing over what fits the shipped file:

- Only the customer's own words count. Quoted history, greetings and sign-offs are the same in every
  queue; left in, they teach the model the style of the training data rather than the topic.
- Character n-grams see through Korean agglutination (환불해주세요, 환불은요), missing spaces
  (택배가아직안왔어요) and typos (배숑, refound) without any dictionary.
- Words: English lower-cased and lightly stemmed; Korean as spaced, or optionally as kiwipiepy
  morphemes (환불/하/주), which give the content words under particles and endings. With character
  n-grams and the sentence encoder in the model the morphemes measured no gain (bench/README.md),
  so they are off by default: they cost ~330 MB and seconds to load in every worker.
- Domain synonyms (the shipped synonyms.tsv: colloquial words, konglish, typos → the canonical
  term) add the canonical term as an extra token, so 소포 and 택배 vote with 배송.
- Tone: every anger word (최악, 어이없, unacceptable, …) adds the token `tone:anger`, every praise word
  (친절, 칭찬, amazing, …) `tone:praise`. Two queues are defined by the customer's stance, not the
  subject (complaint, opinion): one shared token lets a praise word that no training mail used vote
  with all the others, in Korean and English alike.

Numbers are masked: order numbers, dates and amounts differ in every mail and say nothing about
the queue. Everything here is pure and deterministic, so a trained model pickles with the code.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass

from dapjang.knowledge.analysis import korean_analyser, stem
from dapjang.mail.quotes import split_quoted

MAX_TEXT = 4_000  # characters read from a mail; a long mail's topic is in its first lines

_HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")
_LATIN = re.compile(r"[A-Za-z]")
_SUBJECT_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|sv|답장|회신|전달|답변)\s*(?:\[\d+\])?\s*:\s*|\[[^\]]{0,40}\]\s*)+", re.I
)
_URL = re.compile(r"https?://\S+|www\.\S+", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DIGITS = re.compile(r"\d+(?:[,.]\d+)*")
# Whole lines that are only a greeting, a courtesy or a sign-off, in the conventions of Korean and
# English mail; a line with anything more on it is kept.
_COURTESY = re.compile(
    r"^\s*(?:"
    r"안녕하(?:세요|십니까)|수고(?:하)?(?:세요|십니다|하십니다|많으십니다)|감사(?:합니다|해요|드립니다)|고맙습니다"
    r"|(?:빠른\s*)?(?:답변|회신|확인|답장)\s*(?:부탁|기다리겠|기다릴게)\S*|좋은\s*하루\s*(?:되세요|보내세요)"
    r"|(?:\S+\s*)?(?:고객센터|담당자)\s*(?:담당자)?\s*님?\S*"
    r"|hi|hello|hey|dear\s+\S+(?:\s+\S+)?|thanks?(?:\s+you)?(?:\s+(?:in\s+advance|so\s+much))?|many\s+thanks"
    r"|cheers|(?:best|kind|warm)?\s*regards|sincerely|best|thank\s+you\s+for\s+your\s+help"
    r")[\s,.!~^;:)(ㅎㅠㅜ🙏😊🙂]*$",
    re.I,
)
# A short last line that is only a name ("- 이준호", "Julia Park", "홍길동 드림").
_SIGNATURE = re.compile(r"^\s*-*\s*(?:[가-힣]{2,4}|[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)\s*(?:드림|올림)?\s*$")
_SIG_DELIMITER = re.compile(r"^--\s*$")


def normalise(text: str) -> str:
    """NFKC (full-width Latin, decomposed Hangul from Mac mail), lower case, numbers masked, single spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _URL.sub(" url ", text)
    text = _EMAIL.sub(" email ", text)
    text = _DIGITS.sub("0", text)
    return " ".join(text.split())


def clean_subject(subject: str) -> str:
    """Without Re:/Fwd: chains and [tags]: a reply's subject is the original topic, not a new one."""
    return _SUBJECT_PREFIX.sub("", subject or "").strip()


def own_words(body: str) -> str:
    """The customer's own lines: no quoted history, no signature block, no greeting or sign-off lines."""
    new_text, _quoted = split_quoted((body or "")[:MAX_TEXT])
    lines: list[str] = []
    for raw in new_text.splitlines():
        if _SIG_DELIMITER.match(raw):
            break
        line = raw.strip()
        if line and not line.startswith(">") and not _COURTESY.match(line):
            lines.append(line)
    while len(lines) > 1 and _SIGNATURE.match(lines[-1]):
        lines.pop()
    return "\n".join(lines)


SUBJECT_END = "\n"  # the one line break left in a mail's text: after the subject


def mail_text(subject: str, body: str) -> str:
    """The one string the model sees: the cleaned subject, a line break, then the customer's own words.

    Each part is normalised on its own, so the break is the only newline left: the character and word
    views treat it as a space, and the sentence encoder (encoder.py) embeds the subject apart from the
    body.
    """
    return f"{normalise(clean_subject(subject))}{SUBJECT_END}{normalise(own_words(body))}"


def split_mail_text(text: str) -> tuple[str, str]:
    """(subject, body) of a mail_text() string; a text without the break is all body."""
    if SUBJECT_END not in text:
        return "", text
    subject, _, body = text.partition(SUBJECT_END)
    return subject, body


def language_of(text: str) -> str:
    """`ko` when Hangul is a fair share of the letters (Korean mail often carries English words)."""
    hangul = len(_HANGUL.findall(text))
    latin = len(_LATIN.findall(text))
    if hangul == 0 and latin == 0:
        return "ko"
    return "ko" if hangul * 3 >= latin else "en"


# --- morphemes ---------------------------------------------------------------------------------------

# Content-bearing Kiwi tags: common/proper nouns, verb and adjective stems, roots, foreign words, hanja.
_KEEP_TAGS = frozenset({"NNG", "NNP", "XR", "VV", "VA", "SL", "SH", "VV-R", "VV-I", "VA-R", "VA-I"})
_SKIP_FORMS = frozenset(
    {"하", "되", "있", "없", "같", "보", "주", "이", "그", "저", "않", "하다", "되다", "있다"}
)
_EN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_HANGUL_OR_DIGIT_RUN = re.compile(r"[\uac00-\ud7a3\u3131-\u318e0-9]+(?:\s+[\uac00-\ud7a3\u3131-\u318e0-9]+)*")
_EN_STOP_WORDS = """a an the and or but if of to in on at for from by with about as is are was were be been being
    am do does did doing have has had i i'm i've me my mine we our you your he she it it's its they them
    their this that these those there here what which who whom when where why how can could would should
    will shall may might must just so than too very not no yes please hi hello dear thanks thank regards
    any some all also get got into out up down over again then once only own same such more most other
    still already now today yesterday there's don't didn't can't won't isn't doesn't"""
EN_STOP = frozenset(_EN_STOP_WORDS.split())


@functools.lru_cache(maxsize=8192)
def _korean_morphemes(run: str) -> tuple[str, ...]:
    forms: list[str] = []
    for token in korean_analyser().tokenize(run):
        if token.tag in _KEEP_TAGS:
            form = token.form
            if form not in _SKIP_FORMS and not form.isdigit():
                forms.append(form)
    return tuple(forms)


def content_words(text: str, *, morphemes: bool = False) -> list[str]:
    """Korean content morphemes and stemmed English words of already normalised text.

    Without morphemes (tests, or a machine that cannot afford kiwipiepy) Korean words are taken as
    spaced, which the character n-grams then have to make up for.
    """
    words: list[str] = []
    for run in _HANGUL_OR_DIGIT_RUN.findall(text):
        if not _HANGUL.search(run):
            continue
        words.extend(_korean_morphemes(run) if morphemes else [w for w in run.split() if not w.isdigit()])
    words.extend(stem(w) for w in _EN_WORD.findall(text) if w not in EN_STOP and len(w) > 1)
    return words


# Generic words of dissatisfaction and of praise, Korean stems and English words (normalised text: lower
# case): everyday tone words, not phrases of the seed mails; where a desk's queues do not follow tone the
# tokens get little weight. As tokens among the words (TF-IDF, one row norm) they measured as robust as the model
# without them when a courtesy phrase is added to a mail; as separate dense features they were not
# (bench/README.md, routing_eval "tone").
_ANGER = re.compile(
    r"화가|화나|짜증|최악|어이없|어이가\s?없|황당|실망|기가\s?막|어처구니|불쾌|분통|열받|엉망|장난\s?하|사기|당장"
    r"|소비자원|고소|\bunacceptable|\bridiculous|\bworst\b|\bdisappoint\w*|\bfurious|\bangry|\boutrage\w*"
    r"|\bterrible|\bhorrible|\bawful|\bdisgust\w*|\bscam\b|\blawyer|fed up|sick of|\bnever again"
)
_PRAISE = re.compile(
    r"친절|최고|칭찬|감동|만족|좋았|훌륭|고맙|감사|\bthank|\bappreciat\w*|\bamazing|\bexcellent|\blove\b"
    r"|\bloved\b|\bprais\w*|\bwonderful|\bawesome|\bfantastic|\bimpressed|\bkudos|\bgreat\b"
)


def tone_tokens(text: str) -> list[str]:
    """`tone:anger` / `tone:praise` once per anger or praise word in already normalised text."""
    return ["tone:anger"] * len(_ANGER.findall(text)) + ["tone:praise"] * len(_PRAISE.findall(text))


@dataclass(frozen=True)
class Synonym:
    variant: str
    canonical: str
    lang: str


class WordAnalyzer:
    """The `analyzer` of the word-level vectoriser: content words, their neighbours, domain synonyms, tone.

    A plain class, not a closure, so it pickles with the trained model; the synonym table travels
    inside the model, which keeps a stored model's behaviour fixed even when the shipped file changes.
    """

    def __init__(
        self, synonyms: list[Synonym] | None = None, *, bigrams: bool = True, morphemes: bool = False
    ) -> None:
        self.bigrams = bigrams
        self.morphemes = morphemes
        self.ko_synonyms: list[tuple[str, str]] = []
        self.en_synonyms: list[tuple[re.Pattern[str], str]] = []
        for syn in synonyms or []:
            canonical = "syn:" + "_".join(syn.canonical.lower().split())
            if syn.lang == "en":
                pattern = re.compile(r"\b" + re.escape(syn.variant.lower()) + r"\b")
                self.en_synonyms.append((pattern, canonical))
            else:
                self.ko_synonyms.append(("".join(syn.variant.split()), canonical))

    def __call__(self, text: str) -> list[str]:
        words = content_words(text, morphemes=self.morphemes)
        tokens = list(words)
        if self.bigrams:
            # Neighbouring content words tell 배송 조회 from 배송 지연 where single words cannot.
            tokens.extend(f"{a}_{b}" for a, b in itertools.pairwise(words))
        if self.ko_synonyms:
            compact = "".join(text.split())
            tokens.extend(canonical for variant, canonical in self.ko_synonyms if variant in compact)
        tokens.extend(canonical for pattern, canonical in self.en_synonyms if pattern.search(text))
        tokens.extend(tone_tokens(text))
        return tokens
