"""Surface cues that a mail needs a person even when it resembles an FAQ question.

Each category is a short list of general Korean and English expressions (not phrases of any one
shop's mail): the customer already did what the FAQ says, pleads for an exception, is angry or
threatens, describes a defect, asks something more. The verifier weighs them; none decides alone.
A cue that the matched FAQ entry itself contains (a defect FAQ says 불량) explains nothing away,
so the features also count cues the entry does *not* mention.
"""

from __future__ import annotations

import re

CUES: dict[str, tuple[str, ...]] = {
    # The customer already did what an FAQ would tell them, or it did not work.
    "already": (
        r"이미",
        r"벌써",
        r"아직도",
        r"여전히",
        r"그대로",
        r"다시\s*(?:해|했|시도)",
        r"(?:해|했|눌러|들어가)\s*봤",
        r"했는데도",
        r"시도",
        r"소용",
        r"마찬가지",
        r"똑같",
        r"\balready\b",
        r"\bstill\b",
        r"\bagain\b",
        r"\btried\b",
        r"\bno luck\b",
        r"\bdidn't (?:help|work)\b",
        r"\bsame (?:thing|error|problem|screen)\b",
        r"\bkeeps?\b",
    ),
    # A known rule plus a plea to bend it.
    "exception": (
        r"예외",
        r"한\s*번만",
        r"이번만",
        r"봐\s*주",
        r"사정",
        r"특별히",
        r"그래도",
        r"어떻게\s*안\s*될까",
        r"제발",
        r"규정",
        r"원칙",
        r"고려해\s*주",
        r"빼\s*주",
        r"면제",
        r"\bexception\b",
        r"\bjust this once\b",
        r"\bpolicy\b",
        r"\brules?\b",
        r"\bwaive\b",
        r"\bbend\b",
        r"\beven though\b",
        r"\bi know\b",
        r"\bi realise\b",
        r"\bi realize\b",
        r"\bi understand\b",
        r"\banyway\b",
        r"\bconsider\b",
    ),
    # Anger and insults, in words (punctuation is measured apart).
    "anger": (
        r"짜증",
        r"화가",
        r"화나",
        r"어이\s*(?:가\s*)?없",
        r"황당",
        r"장난",
        r"최악",
        r"실망",
        r"답답",
        r"미치",
        r"열받",
        r"기가\s*막",
        r"말이\s*(?:됩|돼|되)",
        r"뭐\s*하는",
        r"이게\s*뭡",
        r"도대체",
        r"당장",
        r"ㅡㅡ",
        r"어처구니",
        r"\bridiculous\b",
        r"\bunacceptable\b",
        r"\bworst\b",
        r"\bjoke\b",
        r"\bscam\b",
        r"\bkidding\b",
        r"\bterrible\b",
        r"\bdisgusting\b",
        r"\bfed up\b",
        r"\bangry\b",
        r"\bfurious\b",
        r"\bwtf\b",
        r"\bgarbage\b",
        r"\bhorrible\b",
        r"\bawful\b",
        r"\bpathetic\b",
        r"\bincompetent\b",
    ),
    # Threats to take it outside the desk: authorities, courts, the bank, the public.
    "threat": (
        r"신고",
        r"소비자\s*(?:원|보호)",
        r"공정위",
        r"공정거래",
        r"고소",
        r"소송",
        r"변호사",
        r"법적",
        r"언론",
        r"제보",
        r"민원",
        r"(?:리뷰|후기|별점|커뮤니티|인터넷|카페|블로그|sns)(?:에|로)?\s*(?:다\s*)?(?:올리|쓰|남기|퍼뜨리|알리)겠",
        r"카드사에\s*(?:이의|취소\s*요청|신고)",
        r"\breport (?:you|this|it)\b",
        r"\blawyer\b",
        r"\bsue\b",
        r"\blegal action\b",
        r"\bchargeback\b",
        r"\bdispute (?:the|this|a) (?:charge|payment)\b",
        r"\bconsumer (?:agency|board|protection)\b",
        r"\bsocial media\b",
        r"\b(?:bad|negative|one-star|1-star) reviews?\b",
        r"\bleave a review\b",
        r"\btell(?:ing)? everyone\b",
        r"\beveryone i know\b",
        r"\beverywhere\b",
    ),
    # Things already tried, said outright: the FAQ's steps were followed and did not help.
    "tried": (
        # …or the site answered with an error: a specific case the entry's steps led into.
        r"오류|에러|\berror\b|\bfailed\b|(?:라고|이라고|다고)\s*(?:만\s*)?(?:나와|떠|뜨|뜹|나옵|표시)",
        r"\bsays? [\"'“‘]|\b(?:shows?|gives?) (?:me )?(?:an? )?(?:error|message)\b",
        r"(?:이미|벌써|몇\s*번|두\s*번|세\s*번|여러\s*번)[^.?!\n]{0,25}(?:해\s*봤|했는데도|시도|눌러\s*봤|따라\s*했)",
        r"했는데도|해\s*봤는데도|봤는데도\s*(?:안|계속|여전)|소용(?:이)?\s*없|그대로(?:예요|입니다|네요)",
        r"\balready (?:tried|did|done|reset|followed|checked|contacted)\b",
        r"\btried (?:that|this|it|twice|again)\b",
        r"\b(?:didn't|did not) (?:help|work)\b",
        r"\bno luck\b",
        r"\bstill (?:doesn't|does not|won't|isn't|not)\b",
        r"\b(?:twice|three times|several times) (?:already|now)\b",
    ),
    # Something is broken or wrong with the item itself.
    "defect": (
        r"불량",
        r"고장",
        r"파손",
        r"깨[져지졌짐]",
        r"찌그러",
        r"금이\s*가",
        r"흠집",
        r"긁[혀힌]",
        r"스크래치",
        r"작동",
        r"안\s*켜",
        r"꺼[져집지]",
        r"누락",
        r"빠져\s*있",
        r"다른\s*상품",
        r"오배송",
        r"망가",
        r"새[어서]",
        r"얼룩",
        r"\bbroken\b",
        r"\bdamaged?\b",
        r"\bdefect",
        r"\bcrack",
        r"\bscratch",
        r"\bfaulty\b",
        r"\bmissing\b",
        r"\bwrong item\b",
        r"\bdead\b",
        r"\bstopped working\b",
        r"\bleak",
        r"\bshuts? (?:itself )?off\b",
        r"\bstain",
    ),
    # A second request or question joined to the first.
    "more": (
        r"그리고",
        r"또한",
        r"추가로",
        r"하나\s*더",
        r"두\s*가지",
        r"그\s*(?:외|밖)",
        r"아울러",
        r"겸사겸사",
        r"한\s*가지\s*더",
        r"참,",
        r"근데\s*혹시",
        r"별개로",
        r"따로\s*(?:하나|궁금)",
        r"\balso\b",
        r"\banother\b",
        r"\bsecond(?:ly)?\b",
        r"\bas well\b",
        r"\bone more\b",
        r"\bbesides\b",
        r"\bin addition\b",
        r"\bplus\b",
        r"\bseparately\b",
        r"\bby the way\b",
        r"\bbtw\b",
        r"\boh and\b",
    ),
    # Pressure of time.
    "urgent": (
        r"급",
        r"빨리",
        r"오늘\s*(?:중|안)",
        r"\burgent",
        r"\basap\b",
        r"\bimmediately\b",
        r"\bright now\b",
        r"\btoday\b",
    ),
}

_COMPILED = {name: re.compile("|".join(patterns), re.IGNORECASE) for name, patterns in CUES.items()}

# Facts that belong to one order or one case: an order number, a date, an amount, a duration.
_ORDER = re.compile(
    r"\b[A-Z]{2,4}-\d{4}-\d{4,}\b|\border\s*(?:no\.?|number|#)\s*:?\s*\d{5,}|주문\s*번호\s*:?\s*\d{5,}", re.I
)
_DATE = re.compile(
    r"\d{1,2}\s*월\s*\d{1,2}\s*일|\d{1,2}/\d{1,2}\b|\d{4}[-.]\d{1,2}[-.]\d{1,2}|어제|그저께|지난\s*주|지난\s*달"
    r"|\b(?:yesterday|last (?:week|month)|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}\b",
    re.I,
)
_AMOUNT = re.compile(r"\d[\d,]*\s*(?:원|만\s*원|won|krw)|₩\s*\d|\d[\d,]*\s*(?:p|포인트|points?)\b", re.I)
_DURATION = re.compile(
    r"\d+\s*(?:일|주|개월|시간)\s*(?:째|이나|넘|지났|동안|전)|열흘|보름|며칠\s*째|한\s*달\s*(?:째|넘|이나)"
    r"|\b\d+\s*(?:days?|weeks?|months?|hours?)\b",
    re.I,
)


def cue_counts(text: str) -> dict[str, int]:
    return {name: len(pattern.findall(text)) for name, pattern in _COMPILED.items()}


_SHOUT = re.compile(r"[!?！？]{2,}|\b[A-Z]{4,}\b")


def shouting(text: str) -> int:
    """Runs of !!/?? and words in capitals: the tone, apart from the words."""
    return len(_SHOUT.findall(text))


def fact_counts(text: str) -> dict[str, int]:
    return {
        "order": len(_ORDER.findall(text)),
        "date": len(_DATE.findall(text)),
        "amount": len(_AMOUNT.findall(text)),
        "duration": len(_DURATION.findall(text)),
    }


_SENTENCE_END = re.compile(r"(?<=[.?!。？！])\s+|\n+|(?<=[요다죠까])\s+(?=[가-힣A-Za-z])")
_KO_QUESTION = re.compile(
    r"(?:나요|까요|가요|니까|는지요?|을지|ㄹ까|래요|되요|돼요|할까|있나|없나|인가|죠|냐)\s*[?？]*\s*$"
)
_EN_QUESTION = re.compile(
    r"^(?:how|what|when|where|why|who|which|can|could|is|are|do|does|did|will|would|should|may|am|was|were)\b",
    re.I,
)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and len(s.strip()) > 1]


def is_question(sentence: str) -> bool:
    s = sentence.strip()
    return "?" in s or "？" in s or bool(_KO_QUESTION.search(s)) or bool(_EN_QUESTION.match(s))


# What kind of answer a question wants. An entry that tells *how* to track a parcel does not answer
# *when* it will come, however many words the two share.
_WH: dict[str, re.Pattern[str]] = {
    "when": re.compile(r"언제|며칠|몇\s*시|얼마나\s*걸|\bwhen\b|\bhow long\b|\bwhat time\b", re.I),
    "where": re.compile(r"어디|\bwhere\b", re.I),
    "how_much": re.compile(
        r"얼마|몇\s*(?:원|개|대|번|명)|\bhow (?:much|many)\b|\bcost\b|\bprice\b|\bfee\b", re.I
    ),
    "how": re.compile(r"어떻게|어떡|방법|\bhow (?:do|can|to|should|would)\b", re.I),
    "why": re.compile(r"왜|어째서|\bwhy\b", re.I),
    "can": re.compile(
        r"(?:되|돼|가능|있)(?:나요|는지|을까|나|죠)|할\s*수\s*있|\bcan i\b|\bis it possible\b|\bcan you\b",
        re.I,
    ),
}


def wh_kinds(text: str) -> set[str]:
    return {kind for kind, pattern in _WH.items() if pattern.search(text)}


# A request without a question mark: "알려주세요", "해지해 주세요", "please cancel", "I'd like to…".
_REQUEST = re.compile(
    r"주세요|줘요|주십시오|주시|부탁|원합니다|싶(?:어요|습니다|은데|네요|어서)|하려(?:고|는데)|할래요|궁금|문의"
    r"|어디|언제|어떻게|어떡|얼마|몇|왜|뭐|무엇|무슨|되나|돼요|되요|가능|있나|없나"
    r"|\bplease\b|\bi(?:'d| would) like\b|\bi (?:need|want)\b|\bhelp\b|\bhow\b|\bwhere\b|\bwhen\b|\bwhat\b|\bwhy\b"
    r"|\bcan (?:i|you)\b|\bcould you\b|\bis it\b|\bdo you\b",
    re.I,
)


def asks_something(text: str) -> bool:
    """Whether the mail asks a question or for something; "네 알겠습니다, 기다릴게요" does neither."""
    return any(is_question(s) or _REQUEST.search(s) for s in sentences(text))
