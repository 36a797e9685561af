"""Who and what is in the demo: the shop's topics and FAQ, its agents, its customers and their mail.

Everything is chosen by rule from the seed data, never at random, so two runs (and the tests) see the
same desk.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from dapjang.seed import seed_faq, seed_text

COMPANY = "한빛몰 고객센터"
CUSTOMER_DOMAINS = ("example.com", "example.net", "example.org")


@dataclass(frozen=True)
class DemoAgent:
    local: str  # the part before @ of the login; the domain is the desk's mail domain
    name: str
    role: str  # agents.models.Agent.Role value
    queues: tuple[str, ...]
    languages: tuple[str, ...]


# A lead who works every queue and two agents with a few each, so that who-sees-what shows at once.
AGENTS = (
    DemoAgent(
        "seoyeon.lee",
        "이서연",
        "lead",
        (
            "shipping",
            "returns",
            "billing",
            "account",
            "product",
            "order",
            "subscription",
            "complaint",
            "opinion",
            "partnership",
        ),
        ("ko", "en"),
    ),
    DemoAgent("minji.kim", "김민지", "agent", ("shipping", "returns", "order"), ("ko",)),
    DemoAgent(
        "junho.park", "박준호", "agent", ("billing", "account", "product", "subscription"), ("ko", "en")
    ),
)


# Mail to the desk's general address (support@): the topic model routes the clear one by itself and
# leaves the vague one in triage with its three best guesses, for the lead to pick with one click.
GENERAL_MAILS = (
    (
        "오지훈",
        "jihoon.oh@example.com",
        "택배가 아직 안 왔어요",
        "지난주 금요일에 주문했는데 아직 택배를 못 받았습니다. 운송장 번호로 조회해도 며칠째 "
        "집하 상태에서 변동이 없어요. 언제쯤 받을 수 있을까요?",
    ),
    (
        "문채원",
        "chaewon.moon@example.com",
        "문의드립니다",
        "안녕하세요. 지난번에 말씀드린 건은 어떻게 처리되고 있는지 궁금합니다. 확인 부탁드립니다.",
    ),
)
GENERAL_EMAILS = tuple(mail[1] for mail in GENERAL_MAILS)


@dataclass(frozen=True)
class DemoMail:
    row: dict[str, Any]  # the train.jsonl row
    name: str
    email: str
    segment: str  # customers.models.Customer.Segment value


# The special customers: a VIP who writes once, and one abusive customer who writes twice.
VIP_MAILS = {"tr-0080": ("최민석", "minseok.choi@example.com")}
ABUSIVE_MAILS = {
    "tr-0187": ("", "angry.buyer@example.net"),
    "tr-0368": ("", "angry.buyer@example.net"),
}
_KO_NAMES = (
    ("김민수", "minsu.kim"),
    ("이지은", "jieun.lee"),
    ("박서준", "seojun.park"),
    ("최유진", "yujin.choi"),
    ("정하늘", "haneul.jung"),
    ("강도윤", "doyun.kang"),
    ("조수아", "sua.cho"),
    ("윤지호", "jiho.yoon"),
    ("장서연", "seoyeon.jang"),
    ("임하준", "hajun.lim"),
    ("한예린", "yerin.han"),
    ("오태민", "taemin.oh"),
    ("신아름", "areum.shin"),
    ("서동현", "donghyun.seo"),
    ("권나연", "nayeon.kwon"),
)
_EN_NAMES = (
    ("Emily Carter", "emily.carter"),
    ("James Wilson", "james.wilson"),
    ("Sophia Nguyen", "sophia.nguyen"),
    ("Daniel Kim", "daniel.kim"),
    ("Olivia Brown", "olivia.brown"),
)


@cache
def topics() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(seed_text("topics.json"))
    return data


@cache
def faq() -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in seed_faq()}


@cache
def train_rows() -> list[dict[str, Any]]:
    lines = seed_text("train.jsonl").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def demo_mails() -> list[DemoMail]:
    """Three Korean mails and one English mail of every topic, then the VIP's and the abusive ones."""
    picked: list[dict[str, Any]] = []
    for topic in topics():
        ordinary = [r for r in train_rows() if r["topic"] == topic["id"] and r["customer_kind"] == "ordinary"]
        picked += [r for r in ordinary if r["lang"] == "ko"][:3]
        picked += [r for r in ordinary if r["lang"] == "en"][:1]
    special = {**VIP_MAILS, **ABUSIVE_MAILS}
    picked += [r for r in train_rows() if r["id"] in special]
    mails = []
    ko = en = 0
    for row in picked:
        if row["id"] in special:
            name, email = special[row["id"]]
            segment = "vip" if row["id"] in VIP_MAILS else "abusive"
        elif row["lang"] == "en":
            name, local = _EN_NAMES[en % len(_EN_NAMES)]
            email = f"{local}@{CUSTOMER_DOMAINS[en % 3]}"
            en, segment = en + 1, "ordinary"
        else:
            name, local = _KO_NAMES[ko % len(_KO_NAMES)]
            # Past the pool, a customer writes again: their history shows on the second ticket.
            email = f"{local}@{CUSTOMER_DOMAINS[ko % 3]}"
            ko, segment = ko + 1, "ordinary"
        mails.append(DemoMail(row=row, name=name, email=email, segment=segment))
    return mails


def snippets_for(topic: str) -> list[tuple[str, str, str]]:
    """(language, title, body) for a queue: its first two FAQ answers in Korean; in English too for
    the two busiest queues."""
    entries = [f for f in faq().values() if f["topic"] == topic][:2]
    out = []
    for entry in entries:
        body = (
            "{{ customer_name }} 고객님, 안녕하세요.\n\n"
            + entry["answer_ko"]
            + "\n\n더 궁금하신 점이 있으시면 이 메일에 답장해 주세요. (문의 번호 {{ ticket_number }})"
        )
        out.append(("ko", entry["question_ko"][:200], body))
    if topic in ("shipping", "returns") and entries:
        entry = entries[0]
        body = (
            "Dear {{ customer_name }},\n\n"
            + entry["answer_en"]
            + "\n\nIf anything is unclear, just reply to this mail (ticket {{ ticket_number }})."
        )
        out.append(("en", entry["question_en"][:200], body))
    return out


FOLLOW_UPS = {
    "ko": "답변 감사합니다. 말씀하신 대로 해 봤는데 아직 해결이 안 됐어요. 한 번 더 확인 부탁드립니다.",
    "en": "Thanks for the quick answer. I tried that, but it still doesn't work. Could you check again?",
}
VIP_NOTE = "VIP(골드) 고객입니다. 당일 처리 부탁드립니다. — 이서연"
ABUSIVE_NOTE = (
    "폭언이 있는 고객입니다. 감정 대응 없이 사실 위주로 안내하고, 발송 전에 팀장 검토를 받아 주세요."
)
CHECK_NOTE = "담당 부서에 확인 요청했습니다. 회신 오면 이어서 안내하겠습니다."
