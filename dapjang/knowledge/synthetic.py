"""Hard negatives for the verifier's training, made by composition.

A mail that an FAQ entry answers becomes one that needs a person when something is added to it: a
second, unrelated question; "I already did that"; a plea for an exception; a defect; anger or a
threat; a question about one particular order. Real mail of that kind is scarce in any seed set, so
the verifier is also shown such compositions of real answerable mail. The phrases below were
written for this purpose; the benchmark composes its evaluation negatives from a separate pool
(`bench/autoanswer_eval.py`), so the verifier is never scored on the phrasing it was taught.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dapjang.knowledge.normalise import QUOTE_START, own_lines

AddOns = Mapping[str, Mapping[str, Sequence[str]]]

TRAINING_ADDONS: AddOns = {
    "second_question": {
        "ko": (
            "그리고 해외로도 보내 주시나요? 일본에 사는 동생한테 보내고 싶어서요.",
            "아 그리고 회원 등급은 어떻게 올라가는지도 알려 주세요.",
            "추가로 법인카드로 결제하면 세금계산서도 따로 받을 수 있는지 궁금합니다.",
            "하나 더 여쭤볼게요. 선물 포장 서비스도 있나요?",
            "그 외에 매장에서 직접 받아 갈 수도 있는지 알고 싶어요.",
            "그리고 제가 쓴 상품 후기가 왜 안 보이는지도 확인 부탁드려요.",
            "또 궁금한 게 있는데, 적립금으로 한빛클래스 결제도 되나요?",
        ),
        "en": (
            "Also, do you ship to Canada? My sister lives there.",
            "One more thing: how do I move up to the next membership level?",
            "Besides that, can I pick up the order at a store instead?",
            "Another question: is gift wrapping available?",
            "Plus, why is my product review not showing on the page?",
            "And can I pay for Hanbit Class with my store credit as well?",
        ),
    },
    "already_tried": {
        "ko": (
            "안내대로 이미 다 해봤는데 여전히 안 됩니다.",
            "말씀하신 메뉴에 들어가 봤는데 그런 버튼이 없어요. 벌써 세 번째 시도입니다.",
            "FAQ에 나온 방법은 이미 해봤어요. 그래도 똑같습니다.",
            "시키는 대로 다시 했는데도 계속 같은 화면만 나와요.",
            "그 방법은 지난주에 해봤고 안 됐습니다. 다른 방법이 필요해요.",
        ),
        "en": (
            "I already did exactly what your help page says and it still doesn't work.",
            "I tried that three times already; the button is simply not there.",
            "The steps in the FAQ did not help, I'm still stuck on the same screen.",
            "I've done that last week and nothing changed.",
        ),
    },
    "exception": {
        "ko": (
            "규정은 알고 있는데 이번 한 번만 예외로 해 주실 수 없을까요?",
            "기간이 조금 지난 건 알지만 사정이 있어서 그러니 봐주시면 안 될까요?",
            "원칙이 그렇다는 건 아는데 특별히 처리해 주실 수 있는지 부탁드립니다.",
            "그래도 이번만은 어떻게 안 될까요? 제발 부탁드려요.",
        ),
        "en": (
            "I know the rule, but could you make an exception just this once?",
            "I realise it's past the deadline, but given my situation could you still allow it?",
            "I understand the policy, however I'm asking you to bend it for me this time.",
        ),
    },
    "defect": {
        "ko": (
            "그런데 받은 제품이 전원이 아예 안 켜져요.",
            "게다가 상자를 열어 보니 유리 부분에 금이 가 있었어요.",
            "그리고 구성품 중에 충전기가 빠져 있습니다.",
            "받은 물건 한쪽 모서리가 깨져서 왔어요. 사진도 있어요.",
        ),
        "en": (
            "On top of that, the item I received won't even turn on.",
            "Also the glass panel arrived cracked.",
            "And the charger was missing from the box.",
            "The corner of the product was broken when it arrived; I have photos.",
        ),
    },
    "anger": {
        "ko": (
            "진짜 어이가 없네요. 이런 식이면 소비자원에 신고하겠습니다.",
            "몇 번째 문의하는 건지 모르겠네요. 너무 화가 납니다!!",
            "오늘 안에 답 없으면 커뮤니티에 다 올리겠습니다.",
            "이게 고객을 대하는 태도입니까? 책임자 연결해 주세요.",
        ),
        "en": (
            "This is absolutely ridiculous. I will report you to the consumer agency.",
            "I am FED UP with your service!! Answer me today or I post this everywhere.",
            "Unacceptable. Put a manager on this right now.",
            "Worst shop ever, I'm leaving a one-star review tonight.",
        ),
    },
    # Not an add-on: the whole body is a thank-you or an "OK, I'll wait" that asks nothing, under the
    # base mail's subject, as a customer's follow-up often arrives as a new mail.
    "acknowledgement": {
        "ko": (
            "네 확인했습니다. 감사합니다!",
            "알겠습니다~ 그럼 좀 더 기다려 볼게요.",
            "답변 잘 받았어요. 친절하게 알려주셔서 고맙습니다.",
            "해결됐습니다. 수고 많으셨어요 ^^",
        ),
        "en": (
            "Got it, thank you!",
            "OK, I'll wait a bit longer then.",
            "Thanks for the quick answer, all sorted now.",
        ),
    },
    "order_specific": {
        "ko": (
            "제 주문 HB-2026-1188231은 11월 3일에 결제했는데 금액이 58,400원으로 화면과 다르게 나왔어요. 왜 그런지 확인해 주세요.",
            "주문번호 HB-2026-1177002 건, 지난주에 이미 요청했는데 처리 내역이 하나도 없습니다. 직접 확인 부탁드려요.",
            "HB-2026-1190045 주문인데 12,000원이 덜 환불됐어요. 내역을 하나하나 설명해 주세요.",
        ),
        "en": (
            "My order HB-2026-1188231 from Nov 3 was charged 58,400 won, not the price on the page. Please check why.",
            "For order HB-2026-1177002 I asked for this last week and nothing has happened since; please look into it.",
            "Order HB-2026-1190045: my refund came 12,000 won short. Please explain each deduction.",
        ),
    },
}


REPLACING = frozenset({"acknowledgement"})  # kinds whose phrase replaces the body instead of joining it


@dataclass(frozen=True)
class Composed:
    subject: str
    body: str
    language: str
    kind: str
    base_id: str


def compose_negatives(
    bases: Sequence[Mapping[str, str]],
    *,
    addons: AddOns = TRAINING_ADDONS,
    per_base: int = 1,
    seed: int = 7,
) -> list[Composed]:
    """For each answerable mail (`id`, `subject`, `body`, `lang`), `per_base` mails that need a person.

    The add-on goes after the customer's own text, or before it, as people write either way; the
    mail's quoted history, if any, stays at the end where mail clients put it. Half the time the base
    is cut to its first question: otherwise every composed negative would be longer than the mail it
    came from, and the verifier would learn "short means answerable" instead of reading the add-on.
    """
    rng = random.Random(seed)
    kinds = sorted(addons)
    out: list[Composed] = []
    for base in bases:
        language = base["lang"]
        for kind in rng.sample(kinds, k=min(per_base, len(kinds))):
            pool = addons[kind].get(language) or ()
            if not pool:
                continue
            extra = rng.choice(pool)
            own, sep, quoted = _split_quote(base["body"])
            if kind in REPLACING:
                own, sep, quoted = extra, "", ""
            else:
                if rng.random() < 0.5:
                    own, sep, quoted = _first_question(own), "", ""
                own = f"{extra}\n{own}" if rng.random() < 0.3 else f"{own.rstrip()}\n{extra}"
            out.append(Composed(base["subject"], own + sep + quoted, language, kind, base["id"]))
    return out


def _first_question(text: str) -> str:
    lines = own_lines(text)
    return next((line for line in lines if "?" in line or "？" in line), lines[0] if lines else text)


def _split_quote(body: str) -> tuple[str, str, str]:
    """The customer's part, a blank line, and the quoted history, as `normalise.strip_quote` cuts it."""
    lines = body.splitlines()
    for number, line in enumerate(lines):
        if number and (QUOTE_START.match(line) or line.lstrip().startswith(">")):
            return "\n".join(lines[:number]).rstrip(), "\n\n", "\n".join(lines[number:])
    return body, "", ""
