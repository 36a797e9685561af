"""SMTP load benchmark: concurrent clients send a realistic mix to a running Dapjang; sent is reconciled with stored.

Modes (`--modes sqlite,pg1,pg2`), each in a fresh desk (DAPJANG_HOME temp folder, `migrate`, two queues):
  sqlite  `dapjang serve --listen … --smtp-listen …` on SQLite with the embedded file broker.
  pg1/pg2 a fresh PostgreSQL database `dapjang_bench_<random>` (dropped afterwards), DAPJANG_BROKER_URL on
          redis://127.0.0.1:6379/<first empty db of 9-15, or --redis-db>, and the pieces apart: `dapjang smtpd`,
          `dapjang worker --concurrency 1|2` and `dapjang scheduler`.
Phases, each on a new desk: `throughput` (--count mails at --rate, 0 = as fast as possible) and `latency`
(--latency-count mails at --latency-rate, 5 mails/s). --warmup mails go first and are waited for; they are
reconciled but left out of the timings.

Load: Korean and English mail (UTF-8, EUC-KR and CP949 bodies in base64, quoted-printable or 8bit; RFC 2047
subjects and names; some HTML alternatives), attachments (PNG, PDF-like, 10-60 KB), replies to earlier mails
of the run (In-Reply-To/References, same sender: they must append to the same ticket), auto-replies
(Auto-Submitted) and bulk (Precedence: bulk). Unique Message-IDs, mostly distinct senders (at most 6 mails
each: the flood hold of 15 is never reached). --concurrency smtplib sessions in threads; a 4xx answer or a
dropped connection is retried after a short delay, a 5xx is a failure.

Reconciliation reads the database directly: every sha256 that got a 250 is in mail_rawmessage exactly once
(lost / doubled), one inbound Article per mail holding the text that was sent (charsets survived), outcomes
by category, replies on their parent's ticket. Latency receive->ticket = Article.created_at - the moment the client read the 250.
Sustained mails/s = mails / (last Article.created_at - first MAIL FROM). Peak RSS: the sum of VmRSS over
each server's process group, sampled every 0.5 s from /proc (PSS too, which counts forked pages once).
PASS/FAIL lines (exit status 1 on any FAIL): 0 lost, 0 doubled, no 5xx, nothing left `received`; SQLite
sustained >= 20 mails/s; p95 < 2 s at 5 mails/s; PostgreSQL faster with 2 workers than with 1.

Run from the project root: .venv/bin/python bench/smtp_load.py [--modes sqlite,pg1,pg2] [--json FILE]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import ctypes
import hashlib
import json
import math
import os
import platform
import quopri
import random
import re
import secrets
import shutil
import signal
import smtplib
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.header import Header
from email.utils import format_datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
REDIS = ("127.0.0.1", 6379)
DOMAIN = "dapjang.local"  # DAPJANG_MAIL_DOMAIN's default; the desk's queues own these two addresses
ADDRESSES = {"support": f"support@{DOMAIN}", "shipping": f"shipping@{DOMAIN}"}
KST = timezone(timedelta(hours=9))
SQLITE_TARGET = 20.0  # mails/s sustained, throughput phase on SQLite
P95_TARGET = 2.0  # seconds receive->ticket, latency phase
MAX_ATTEMPTS = 10  # per mail, over 4xx answers and dropped connections
MAX_PER_SENDER = 6  # well below the flood hold (DAPJANG_FLOOD_LIMIT 15 per 10 minutes)

# --- the mail mix ---------------------------------------------------------------------------------------

KO_NAMES = [
    "김민지",
    "이서준",
    "박지훈",
    "최수아",
    "정예린",
    "강도윤",
    "조하은",
    "윤시우",
    "장서연",
    "임하준",
]
KO_ITEMS = [
    "무선 이어폰",
    "겨울 패딩",
    "전기포트",
    "운동화",
    "노트북 거치대",
    "텀블러",
    "가습기",
    "캠핑 의자",
]
KO_TOPICS = [
    (
        "배송 문의드립니다",
        "주문번호 {order} 상품({item})이 아직 도착하지 않았습니다. 언제쯤 받을 수 있을까요?",
    ),
    ("환불 요청드립니다", "{day}에 주문한 {item}을 환불받고 싶습니다. 포장은 뜯지 않았습니다."),
    ("교환 가능한가요?", "{item} 사이즈가 맞지 않아 교환하고 싶습니다. 주문번호는 {order}입니다."),
    ("로그인이 안 됩니다", "비밀번호를 재설정했는데도 로그인이 되지 않습니다. 화면을 캡처해 보냅니다."),
    (
        "결제가 두 번 됐어요",
        "카드 결제 중 오류가 나서 {item} 대금이 두 번 결제된 것 같습니다. 확인 부탁드립니다.",
    ),
    ("세금계산서 발행 요청", "사업자등록번호 {biz}(으)로 {day} 주문 건 세금계산서 발행 부탁드립니다."),
    ("[긴급] 주문 취소", "방금 주문한 {item}({order})을 취소하고 싶습니다. 아직 발송 전이면 취소해 주세요."),
]
KO_OPEN = ["안녕하세요.", "수고 많으십니다.", "안녕하세요, 고객센터 담당자님.", "문의드립니다."]
KO_CLOSE = ["감사합니다.\n{name} 드림", "빠른 답변 부탁드립니다.\n{name}", "좋은 하루 보내세요.\n{name} 올림"]
KO_FOLLOW = [
    "추가로 말씀드립니다. 주소를 잘못 적었는데 배송지 변경이 가능할까요?",
    "아직 답변을 못 받아서 다시 연락드립니다.",
    "확인해 주셔서 감사합니다. 한 가지만 더 여쭤봐도 될까요?",
    "말씀하신 대로 해 봤는데 여전히 안 됩니다.",
]
EN_NAMES = ["Emma Wilson", "Liam Park", "Olivia Chen", "Noah Brown", "Ava Kim", "Lucas Martin", "Mia Lee"]
EN_ITEMS = ["wireless earbuds", "winter jacket", "electric kettle", "running shoes", "laptop stand"]
EN_TOPICS = [
    ("Where is my order?", "My order {order} ({item}) has not arrived yet. Could you check the tracking?"),
    ("Refund request", "I would like a refund for the {item} I ordered on {day}. It is still sealed."),
    ("Cannot log in", "I reset my password but still cannot log in. A screenshot is attached."),
    ("Invoice needed", "Could you send an invoice for order {order}? Our VAT number is {biz}."),
    ("Damaged item", "The {item} arrived damaged. What are my options for a replacement?"),
]
EN_FOLLOW = [
    "Just following up on this, I have not heard back yet.",
    "Thanks for the quick answer. One more question about the same order.",
    "I tried that, but it still does not work.",
]
DOMAINS = [
    "naver.example",
    "daum.example",
    "hanmail.example",
    "gmail.example",
    "kakao.example",
    "corp.example.com",
]


@dataclass
class Mail:
    index: int
    category: str  # warmup, new-ko, new-en, reply, auto-reply, bulk
    sender: str
    rcpt: str
    message_id: str
    references: list[str]
    lang: str
    charset: str
    subject: str
    text: str
    parent: int | None
    eightbit: bool
    attachment: str
    data: bytes = b""
    sha256: str = ""
    # filled in by the client
    status: str = "pending"  # ok, failed
    attempts: int = 0
    retries_4xx: int = 0
    reconnects: int = 0
    answers: list[str] = field(default_factory=list)  # every non-250 answer, "451 4.3.0 …"
    t_first: float = 0.0  # wall clock (time.time): first MAIL FROM
    t_start: float = 0.0  # wall clock: MAIL FROM of the attempt that succeeded
    t_250: float = 0.0  # wall clock: the 250 after DATA was read
    raw_id: int | None = None  # from "250 … stored as N"


def png_bytes(rng: random.Random, side: int) -> bytes:
    """A valid RGB PNG of noise (incompressible, so its size is about 3 x side² bytes)."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
        )

    rows = b"".join(b"\x00" + rng.randbytes(side * 3) for _ in range(side))
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows, 1))
        + chunk(b"IEND", b"")
    )


def pdf_bytes(rng: random.Random, size: int) -> bytes:
    stream = rng.randbytes(size)
    head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length " + str(size).encode() + b" >>\nstream\n"
    return head + stream + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def encoded_word(text: str, charset: str) -> str:
    """RFC 2047 for non-ASCII text (folded with newline + space), the text itself otherwise."""
    if text.isascii():
        return text
    return Header(text, "utf-8" if charset in ("utf-8", "us-ascii") else charset).encode(maxlinelen=76)


def address(name: str, email: str, charset: str) -> str:
    return f"{encoded_word(name, charset)} <{email}>" if name else email


def body_part(text: str, charset: str, cte: str, subtype: str = "plain") -> tuple[list[str], bytes]:
    codec = {"utf-8": "utf-8", "euc-kr": "euc-kr", "ks_c_5601-1987": "cp949", "us-ascii": "ascii"}[charset]
    raw = text.encode(codec)
    if cte == "base64":
        payload = base64.encodebytes(raw)
    elif cte == "quoted-printable":
        payload = quopri.encodestring(raw)
    else:
        payload = raw if raw.endswith(b"\n") else raw + b"\n"
    headers = [f'Content-Type: text/{subtype}; charset="{charset}"', f"Content-Transfer-Encoding: {cte}"]
    return headers, payload


def multipart(
    subtype: str, parts: list[tuple[list[str], bytes]], rng: random.Random
) -> tuple[list[str], bytes]:
    boundary = f"----=_Part_{rng.getrandbits(64):016x}"
    body = b"This is a multi-part message in MIME format.\n"
    for headers, payload in parts:
        body += f"\n--{boundary}\n".encode() + "\n".join(headers).encode() + b"\n\n" + payload
    body += f"\n--{boundary}--\n".encode()
    return [f'Content-Type: multipart/{subtype}; boundary="{boundary}"'], body


def attachment_part(kind: str, lang: str, rng: random.Random) -> tuple[list[str], bytes]:
    if kind == "png":
        data, ctype = png_bytes(rng, rng.randint(60, 110)), "image/png"
        name = "오류화면.png" if lang == "ko" else "screenshot.png"
    else:
        data, ctype = pdf_bytes(rng, rng.randint(20_000, 60_000)), "application/pdf"
        name = "주문내역서.pdf" if lang == "ko" else "invoice.pdf"
    if name.isascii():
        disposition = f'attachment; filename="{name}"'
    elif rng.random() < 0.5:  # RFC 2231, as Thunderbird writes it
        quoted = "".join(f"%{b:02X}" for b in name.encode())
        disposition = f"attachment; filename*=UTF-8''{quoted}"
    else:  # an encoded word in quotes, as Outlook and Gmail write it
        disposition = f'attachment; filename="{encoded_word(name, "utf-8")}"'
    headers = [f'Content-Type: {ctype}; name="{name if name.isascii() else "attachment"}"']
    headers += [f"Content-Disposition: {disposition}", "Content-Transfer-Encoding: base64"]
    return headers, base64.encodebytes(data)


def html_of(text: str, charset: str) -> str:
    paras = "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in text.split("\n\n"))
    return f'<html><head><meta charset="{charset}"></head><body><div style="font-family:sans-serif">{paras}</div></body></html>'


def ko_encoding(rng: random.Random) -> tuple[str, str]:
    """(charset, transfer encoding) in rough proportion to Korean mail seen in the wild."""
    return rng.choices(
        [
            ("utf-8", "base64"),
            ("utf-8", "8bit"),
            ("utf-8", "quoted-printable"),
            ("euc-kr", "base64"),
            ("euc-kr", "8bit"),
            ("ks_c_5601-1987", "base64"),
        ],
        weights=[35, 20, 10, 15, 10, 10],
    )[0]


class Mix:
    """Builds the deterministic mail mix: the same seed gives the same categories, texts and threads."""

    def __init__(self, seed: int, run: str) -> None:
        self.rng = random.Random(seed)
        self.run = run
        self.mails: list[Mail] = []
        self.per_sender: Counter[str] = Counter()
        self.names: dict[str, str] = {}
        self.senders = 0

    def new_sender(self, lang: str, prefix: str = "") -> tuple[str, str]:
        self.senders += 1
        name = self.rng.choice(KO_NAMES if lang == "ko" else EN_NAMES)
        local = prefix or ("customer" if lang == "ko" else name.split()[0].lower())
        return name, f"{local}.{self.senders:05d}@{self.rng.choice(DOMAINS)}"

    def build(self, count: int, category_weights: dict[str, float], gap: int, warmup: int) -> list[Mail]:
        for _ in range(warmup):
            self.add("warmup")
        for _ in range(count):
            category = self.rng.choices(list(category_weights), weights=list(category_weights.values()))[0]
            self.add(category, gap)
        return self.mails

    def add(self, category: str, gap: int = 0) -> None:
        rng, i = self.rng, len(self.mails)
        parent = None
        if category == "reply":
            candidates = [
                m
                for m in self.mails[: max(0, i - gap)]
                if m.category in ("new-ko", "new-en", "reply") and self.per_sender[m.sender] < MAX_PER_SENDER
            ]
            if not candidates:
                category = "new-ko"
            else:
                parent = rng.choice(candidates[-200:])
        if parent is not None:
            lang = parent.lang
        elif category in ("auto-reply", "bulk"):
            lang = "ko" if rng.random() < 0.75 else "en"
        else:
            lang = "ko" if category == "new-ko" else "en"
        sender_name, sender = "", ""
        if parent is not None:
            sender, sender_name = parent.sender, self.name_of(parent)
        elif category == "bulk":
            sender_name, sender = self.new_sender(lang, "news")
            sender_name = "쇼핑 소식" if lang == "ko" else "Shop News"
        elif category == "auto-reply":
            sender_name, sender = self.new_sender(lang)
        elif self.mails and rng.random() < 0.08:  # a customer writing again about something else
            earlier = [
                m
                for m in self.mails
                if m.category in ("new-ko", "new-en") and m.lang == lang and self.per_sender[m.sender] < 3
            ]
            if earlier:
                chosen = rng.choice(earlier)
                sender, sender_name = chosen.sender, self.name_of(chosen)
        if not sender:
            sender_name, sender = self.new_sender(lang)
        self.per_sender[sender] += 1
        self.names[sender] = sender_name
        charset, cte = ko_encoding(rng) if lang == "ko" else ("us-ascii", "7bit")
        if parent is not None:
            charset, cte = parent.charset, rng.choice(["base64", "8bit"]) if parent.lang == "ko" else "7bit"
        order = f"{rng.randint(2026000000, 2026999999)}"
        fill = {
            "order": order,
            "item": rng.choice(KO_ITEMS if lang == "ko" else EN_ITEMS),
            "day": f"{rng.randint(1, 11)}월 {rng.randint(1, 28)}일"
            if lang == "ko"
            else f"Nov {rng.randint(1, 22)}",
            "biz": f"{rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10000, 99999)}",
            "name": sender_name,
        }
        if charset == "ks_c_5601-1987":
            fill["item"] = "똠양꿍 소스"  # 똠 is in CP949 only, not in EUC-KR (KS X 1001)
        subject, text, extra = self.content(category, lang, parent, fill)
        references = [*parent.references[-9:], parent.message_id] if parent else []
        mid = f"<{self.run}.{i:05d}.{rng.getrandbits(40):010x}@{sender.split('@')[1]}>"
        attachment = ""
        if category in ("new-ko", "new-en", "reply") and rng.random() < 0.15:
            attachment = rng.choice(["png", "pdf"])
        mail = Mail(
            index=i,
            category=category,
            sender=sender,
            rcpt=parent.rcpt if parent else ADDRESSES["shipping" if rng.random() < 0.3 else "support"],
            message_id=mid,
            references=references,
            lang=lang,
            charset=charset,
            subject=subject,
            text=text,
            parent=parent.index if parent else None,
            eightbit=cte == "8bit",
            attachment=attachment,
        )
        mail.data = self.render(mail, sender_name, cte, extra)
        mail.sha256 = hashlib.sha256(mail.data).hexdigest()
        self.mails.append(mail)

    def name_of(self, mail: Mail) -> str:
        return self.names.get(mail.sender, "")

    def content(
        self, category: str, lang: str, parent: Mail | None, fill: dict[str, str]
    ) -> tuple[str, str, list[str]]:
        rng = self.rng
        if category == "warmup":
            return "Warm-up", "Warm-up mail of the SMTP load benchmark.\n", []
        if parent is not None:
            subject = parent.subject if parent.subject.startswith(("Re:", "RE:")) else f"Re: {parent.subject}"
            follow = rng.choice(KO_FOLLOW if lang == "ko" else EN_FOLLOW)
            quoted = "\n".join("> " + line for line in parent.text.splitlines()[:8])
            when = "2026년 11월 23일 (월) 오후 3:01" if lang == "ko" else "On Mon, Nov 23, 2026 at 3:01 PM"
            wrote = "님이 작성:" if lang == "ko" else " wrote:"
            return (
                subject,
                f"{follow}\n\n{fill['name']}\n\n{when}, {fill['name']} <{parent.sender}>{wrote}\n{quoted}\n",
                [],
            )
        if category == "auto-reply":
            if lang == "ko":
                text = f"{fill['name']}입니다. 11월 30일까지 휴가 중이라 메일 확인이 늦습니다.\n급한 용무는 팀 대표번호로 연락해 주세요.\n"
                return "자동 회신: 부재 중입니다", text, ["Auto-Submitted: auto-replied", "X-Autoreply: yes"]
            text = (
                f"I am out of the office until November 30 with limited access to e-mail.\n{fill['name']}\n"
            )
            return (
                "Automatic reply: Out of office",
                text,
                ["Auto-Submitted: auto-replied", "X-Auto-Response-Suppress: All"],
            )
        if category == "bulk":
            unsub = f"List-Unsubscribe: <mailto:unsubscribe-{rng.getrandbits(32):08x}@news.example>"
            if lang == "ko":
                text = f"이번 주 특가: {fill['item']} 최대 40% 할인!\n\n수신을 원하지 않으시면 수신 거부를 눌러 주세요.\n"
                return "[광고] 이번 주 특가 안내", text, ["Precedence: bulk", unsub]
            text = f"This week only: {fill['item']} up to 40% off.\n\nUnsubscribe any time.\n"
            return "This week's deals", text, ["Precedence: bulk", unsub]
        if lang == "ko":
            subject, body = rng.choice(KO_TOPICS)
            text = "\n\n".join(
                [rng.choice(KO_OPEN), body.format(**fill), rng.choice(KO_CLOSE).format(**fill)]
            )
        else:
            subject, body = rng.choice(EN_TOPICS)
            text = "\n\n".join(["Hello,", body.format(**fill), f"Thanks,\n{fill['name']}"])
        if rng.random() < 0.3:
            subject = f"{subject} ({fill['order']})"
        return subject, text + "\n", []

    def render(self, mail: Mail, sender_name: str, cte: str, extra: list[str]) -> bytes:
        """The exact bytes sent: CRLF line ends, no line starting with a dot, so SMTP carries them unchanged."""
        rng = self.rng
        when = format_datetime(datetime.now(KST))
        host = f"mail{rng.randint(1, 40)}.{mail.sender.split('@')[1]}"
        headers = [
            f"Received: from {host} ({host} [198.51.100.{rng.randint(1, 254)}])",
            f"\tby mx.{DOMAIN} with ESMTPS id {rng.getrandbits(48):012x}",
            f"\tfor <{mail.rcpt}>; {when}",
            f"From: {address(sender_name, mail.sender, mail.charset)}",
            f"To: {mail.rcpt}",
            f"Subject: {encoded_word(mail.subject, mail.charset)}",
            f"Date: {when}",
            f"Message-ID: {mail.message_id}",
        ]
        if mail.references:
            headers += [f"In-Reply-To: {mail.references[-1]}", f"References: {' '.join(mail.references)}"]
        headers += extra
        if rng.random() < 0.3:
            headers.append(
                rng.choice(["X-Mailer: Microsoft Outlook 16.0", "User-Agent: Mozilla Thunderbird"])
            )
        headers.append("MIME-Version: 1.0")
        entity = body_part(mail.text, mail.charset, cte)
        if mail.category in ("new-ko", "new-en", "bulk") and rng.random() < (
            0.3 if mail.category != "bulk" else 1
        ):
            html_cte = "base64" if mail.charset != "us-ascii" else "7bit"
            entity = multipart(
                "alternative",
                [entity, body_part(html_of(mail.text, mail.charset), mail.charset, html_cte, "html")],
                rng,
            )
        if mail.attachment:
            entity = multipart("mixed", [entity, attachment_part(mail.attachment, mail.lang, rng)], rng)
        head = "\n".join(headers + entity[0]).encode("ascii")
        data = head + b"\n\n" + entity[1]
        assert b"\r" not in data and not re.search(rb"(^|\n)\.", data)
        return data.replace(b"\n", b"\r\n")


def mix_build(count: int, warmup: int, seed: int, gap: int) -> list[Mail]:
    run = f"bench{secrets.token_hex(4)}"
    mix = Mix(seed, run)
    weights = {"new-ko": 0.40, "new-en": 0.18, "reply": 0.27, "auto-reply": 0.075, "bulk": 0.075}
    return mix.build(count, weights, gap, warmup)


# --- sending ----------------------------------------------------------------------------------------------


class Sender:
    """--concurrency smtplib sessions, each reused for up to --per-session mails, paced to a target rate."""

    def __init__(
        self, host: str, port: int, mails: list[Mail], rate: float, clients: int, per_session: int
    ) -> None:
        self.host, self.port, self.mails, self.rate = host, port, mails, rate
        self.clients, self.per_session = clients, per_session
        self.next = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.done = 0
        self.t0 = 0.0

    def take(self) -> tuple[Mail, float] | None:
        with self.lock:
            if self.next >= len(self.mails) or self.stop.is_set():
                return None
            i, self.next = self.next, self.next + 1
        return self.mails[i], self.t0 + (i / self.rate if self.rate > 0 else 0.0)

    def run(self, progress: Any = None) -> float:
        self.t0 = time.monotonic()
        threads = [threading.Thread(target=self.client, daemon=True) for _ in range(self.clients)]
        for t in threads:
            t.start()
        last = 0
        while any(t.is_alive() for t in threads):
            time.sleep(0.2)
            if progress is not None:
                progress.update(self.done - last)
                last = self.done
        if progress is not None:
            progress.update(self.done - last)
        return time.monotonic() - self.t0

    def connect(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP(self.host, self.port, timeout=60)
        smtp.ehlo("client.bench.example")
        return smtp

    def client(self) -> None:
        smtp: smtplib.SMTP | None = None
        in_session = 0
        try:
            while (job := self.take()) is not None:
                mail, due = job
                wait = due - time.monotonic()
                if wait > 0 and self.stop.wait(wait):
                    break
                if smtp is not None and in_session >= self.per_session:
                    with contextlib.suppress(Exception):
                        smtp.quit()
                    smtp, in_session = None, 0
                smtp = self.deliver(smtp, mail)
                in_session += 1
                with self.lock:
                    self.done += 1
        finally:
            if smtp is not None:
                with contextlib.suppress(Exception):
                    smtp.quit()

    def deliver(self, smtp: smtplib.SMTP | None, mail: Mail) -> smtplib.SMTP | None:
        for attempt in range(MAX_ATTEMPTS):
            if self.stop.is_set():
                return smtp
            mail.attempts += 1
            try:
                if smtp is None:
                    smtp = self.connect()
                mail.t_start = time.time()
                mail.t_first = mail.t_first or mail.t_start
                code, text = self.transaction(smtp, mail)
            except smtplib.SMTPResponseException as exc:  # e.g. DATA answered with something else than 354
                error = exc.smtp_error
                code, text = (
                    exc.smtp_code,
                    error.decode(errors="replace") if isinstance(error, bytes) else error,
                )
            except (OSError, smtplib.SMTPException) as exc:  # refused, reset, timed out, disconnected
                mail.answers.append(f"connection: {type(exc).__name__}: {exc}"[:200])
                mail.reconnects += 1
                if smtp is not None:
                    with contextlib.suppress(Exception):
                        smtp.close()
                smtp = None
                time.sleep(min(0.25 * 2**attempt, 4.0))
                continue
            if code == 250:
                mail.t_250 = time.time()
                mail.status = "ok"
                found = re.search(r"stored as (\d+)", text)
                mail.raw_id = int(found.group(1)) if found else None
                return smtp
            mail.answers.append(f"{code} {text}"[:200])
            with contextlib.suppress(Exception):
                if smtp is not None:
                    smtp.rset()
            if 400 <= code < 500:
                mail.retries_4xx += 1
                time.sleep(min(0.25 * 2**attempt, 4.0))
                continue
            mail.status = "failed"
            return smtp
        mail.status = "failed"
        return smtp

    @staticmethod
    def transaction(smtp: smtplib.SMTP, mail: Mail) -> tuple[int, str]:
        options = ["BODY=8BITMIME"] if mail.eightbit else []
        code, resp = smtp.mail(mail.sender, options)
        if code == 250:
            code, resp = smtp.rcpt(mail.rcpt)
            if code in (250, 251):
                code, resp = smtp.data(mail.data)
        return code, resp.decode(errors="replace")


# --- the desk under test ----------------------------------------------------------------------------------


def _die_with_parent() -> None:
    """Child side of fork: SIGTERM when the benchmark dies, however it dies (PR_SET_PDEATHSIG)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None).prctl(1, int(signal.SIGTERM))


@dataclass
class Piece:
    role: str
    proc: subprocess.Popen[bytes]
    log: Path
    killed: bool = False  # did not stop within 15 s of SIGTERM


class Desk:
    """One fresh Dapjang: its data folder, its database, and its server processes (each in its own group)."""

    def __init__(self, mode: str, phase: str, logs: Path, redis_db: int | None, keep: bool) -> None:
        self.mode, self.phase, self.logs, self.keep = mode, phase, logs, keep
        self.pieces: list[Piece] = []
        self.dbname = ""
        self.redis_db: int | None = None
        self.home = Path(tempfile.mkdtemp(prefix=f"dapjang-smtp-{mode}-"))
        RUNNING.append(self)  # from here on, an interrupt cleans up whatever exists so far
        try:
            self._setup(mode, redis_db)
        except BaseException:
            self.cleanup()
            raise

    def _setup(self, mode: str, redis_db: int | None) -> None:
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "DAPJANG_BROKER_URL", "DAPJANG_FAULTS", "DAPJANG_TASKS_EAGER")
            and not k.startswith("DAPJANG_")
        }
        self.env |= {
            "DAPJANG_HOME": str(self.home),
            "DAPJANG_SECRET_KEY": secrets.token_urlsafe(40),
            "DAPJANG_MAIL_DOMAIN": DOMAIN,
            "PYTHONUNBUFFERED": "1",
        }
        if mode != "sqlite":
            self.redis_db = redis_claim(redis_db)
            self.dbname = f"dapjang_bench_{secrets.token_hex(4)}"
            pg_admin(f'CREATE DATABASE "{self.dbname}"')
            self.env["DATABASE_URL"] = f"{PG_SERVER}/{self.dbname}"
            self.env["DAPJANG_BROKER_URL"] = f"redis://{REDIS[0]}:{REDIS[1]}/{self.redis_db}"

    def manage(self, *args: str) -> None:
        cmd = [sys.executable, "-m", "dapjang.cli", *args]
        done = subprocess.run(cmd, env=self.env, cwd=self.home, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} exited {done.returncode}:\n{done.stderr[-2000:]}")

    def prepare(self) -> None:
        self.manage("migrate", "-v0")
        self.manage(
            "queue", "add", "support", "--name", "고객지원", "--address", ADDRESSES["support"], "--default"
        )
        self.manage("queue", "add", "shipping", "--name", "배송", "--address", ADDRESSES["shipping"])

    def start(self, role: str, *args: str) -> Piece:
        log = self.logs / f"{self.mode}-{self.phase}-{role}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "dapjang.cli", *args],
                env=self.env,
                cwd=self.home,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,  # only ctypes.prctl; no thread of ours holds a lock here
            )
        piece = Piece(role, proc, log)
        self.pieces.append(piece)
        return piece

    def launch(self, smtp_port: int, web_port: int, workers: int) -> None:
        if self.mode == "sqlite":
            self.start(
                "serve",
                "serve",
                "--listen",
                f"127.0.0.1:{web_port}",
                "--smtp-listen",
                f"127.0.0.1:{smtp_port}",
            )
        else:
            self.start("worker", "worker", "--concurrency", str(workers))
            self.start("scheduler", "scheduler")
            self.start("smtpd", "smtpd", "--listen", f"127.0.0.1:{smtp_port}")
        smtp_wait("127.0.0.1", smtp_port, self, 90)

    def dead(self) -> Piece | None:
        return next((p for p in self.pieces if p.proc.poll() is not None), None)

    def stop(self) -> None:
        """SIGTERM to each server (it stops its own children), then SIGKILL to whatever is left of its
        process group after 15 s. Never leaves a server behind."""
        for piece in reversed(self.pieces):
            if piece.proc.poll() is None:
                piece.proc.terminate()
        deadline = time.monotonic() + 15
        for piece in self.pieces:
            try:
                piece.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                piece.killed = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(piece.proc.pid, signal.SIGKILL)  # leftovers: pool children, grandchildren
            piece.proc.wait()

    def cleanup(self) -> None:
        self.stop()
        if self.dbname:
            with contextlib.suppress(Exception):
                pg_admin(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')
        if self.redis_db is not None:
            with contextlib.suppress(OSError, RuntimeError):
                redis_command(self.redis_db, "FLUSHDB")  # the broker's keys and our claim
            self.redis_db = None
        if not self.keep:
            shutil.rmtree(self.home, ignore_errors=True)
        if self in RUNNING:
            RUNNING.remove(self)

    def db(self) -> DbReader:
        if self.dbname:
            return DbReader(pg_url=f"{PG_SERVER}/{self.dbname}")
        return DbReader(sqlite_path=self.home / "dapjang.sqlite3")

    def log_findings(self) -> dict[str, Any]:
        """Errors, tracebacks, warnings and 'database is locked' in the servers' output."""
        found: dict[str, Any] = {}
        for piece in self.pieces:
            text = piece.log.read_text(errors="replace")
            lines = text.splitlines()
            errors = [x for x in lines if " ERROR " in x or " CRITICAL " in x]
            warnings = [x for x in lines if " WARNING " in x]
            found[piece.role] = {
                "log": str(piece.log),
                "exit": piece.proc.returncode,
                "needed_sigkill": piece.killed,
                "error_lines": len(errors),
                "warning_lines": len(warnings),
                "tracebacks": text.count("Traceback (most recent call last)"),
                "database_locked": text.count("database is locked"),
                "child_restarts": text.count("restarting in"),  # serve's supervisor restarted a child
                "examples": list(dict.fromkeys(x[:300] for x in errors + exceptions(lines)))[:5],
                "warning_examples": list(dict.fromkeys(x[:300] for x in warnings))[:5],
            }
        return found


def exceptions(lines: list[str]) -> list[str]:
    """The exception line that ends each traceback: its first unindented line after 'Traceback'."""
    found, inside = [], False
    for line in lines:
        if line.startswith("Traceback (most recent call last)"):
            inside = True
        elif inside and line and not line[0].isspace() and not line.startswith(("The above", "During")):
            found.append(line)
            inside = False
    return found


RUNNING: list[Desk] = []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def smtp_wait(host: str, port: int, desk: Desk, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dead = desk.dead()
        if dead is not None:
            tail = dead.log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{dead.role} exited {dead.proc.returncode} before SMTP answered:\n{tail}")
        try:
            with smtplib.SMTP(host, port, timeout=2) as smtp:
                if smtp.noop()[0] == 250:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"SMTP did not answer on {host}:{port} within {timeout:.0f} s")


def pg_admin(sql: str) -> None:
    import psycopg  # the project's own dependency; imported only when PostgreSQL is benchmarked

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql.encode())


CLAIM = "dapjang-smtp-load:claim"


def redis_claim(wanted: int | None) -> int:
    """A Redis database for one desk: `wanted` (flushed), or the first empty one of 9-15, claimed with SET NX
    so that two benchmarks running at once never share, or flush, each other's broker."""
    if wanted is not None:
        redis_command(wanted, "FLUSHDB")
        redis_command(wanted, "SET", CLAIM, str(os.getpid()), "EX", "7200")
        return wanted
    for db in range(9, 16):
        if (
            redis_command(db, "DBSIZE") == ":0"
            and redis_command(db, "SET", CLAIM, str(os.getpid()), "NX", "EX", "7200") == "+OK"
        ):
            return db
    raise RuntimeError("no empty Redis database among 9-15; pass --redis-db N (it is flushed)")


def redis_command(db: int, *words: str) -> str:
    """One command over RESP with a plain socket: no client library needed to flush the bench's db."""

    def encode(*parts: str) -> bytes:
        return f"*{len(parts)}\r\n".encode() + b"".join(
            f"${len(p.encode())}\r\n{p}\r\n".encode() for p in parts
        )

    with socket.create_connection(REDIS, timeout=5) as s:
        s.sendall(encode("SELECT", str(db)) + encode(*words))
        reply = b""
        while reply.count(b"\r\n") < 2:
            chunk = s.recv(4096)
            if not chunk:
                break
            reply += chunk
    lines = reply.decode(errors="replace").split("\r\n")
    if not lines[0].startswith("+OK") or lines[1].startswith("-"):
        raise RuntimeError(f"redis db {db}: {' '.join(words)} answered {lines[:2]}")
    return lines[1]


# --- reading the desk's database ------------------------------------------------------------------------


class DbReader:
    def __init__(self, sqlite_path: Path | None = None, pg_url: str = "") -> None:
        self.sqlite_path, self.pg_url = sqlite_path, pg_url
        self.conn: Any = None

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.conn is None:
            if self.pg_url:
                import psycopg

                self.conn = psycopg.connect(self.pg_url, autocommit=True)
            else:
                self.conn = sqlite3.connect(f"file:{self.sqlite_path}?mode=ro", uri=True, timeout=30)
        cur = self.conn.execute(sql)
        return list(cur.fetchall())

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def epoch(value: Any) -> float:
    """A database timestamp as epoch seconds; SQLite gives Django's naive UTC text, PostgreSQL aware datetimes."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    seconds: float = value.timestamp()
    return seconds


def states(db: DbReader) -> Counter[str]:
    return Counter(
        {state: n for state, n in db.rows("SELECT state, count(*) FROM mail_rawmessage GROUP BY state")}
    )


def processed_wait(
    db: DbReader, expected: int, timeout: float, idle: float, desk: Desk, progress: Any
) -> dict[str, Any]:
    """Polls until `expected` rows are stored and none is `received`, or the timeout, or no change for `idle` s."""
    start = last_change = time.monotonic()
    seen: tuple[int, int] = (-1, -1)
    shown = 0
    while True:
        counts = states(db)
        total, waiting = sum(counts.values()), counts.get("received", 0)
        done = total - waiting
        if progress is not None:
            progress.update(max(0, min(done, expected) - shown))
            shown = max(shown, min(done, expected))
        if total >= expected and waiting == 0:
            return {"complete": True, "seen_at": time.time(), "waited_s": time.monotonic() - start}
        if (total, waiting) != seen:
            seen, last_change = (total, waiting), time.monotonic()
        now = time.monotonic()
        dead = desk.dead()
        if now - start > timeout or now - last_change > idle or dead is not None:
            why = (
                "timeout"
                if now - start > timeout
                else "no progress"
                if dead is None
                else f"{dead.role} exited"
            )
            return {
                "complete": False,
                "why": why,
                "seen_at": time.time(),
                "waited_s": now - start,
                "states": dict(counts),
            }
        time.sleep(0.25)


# --- memory ---------------------------------------------------------------------------------------------------


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of the whole machine, all cores, from /proc/stat."""
    user, nice, system, idle, iowait, irq, softirq, steal = map(
        int, Path("/proc/stat").read_text().split()[1:9]
    )
    busy = user + nice + system + irq + softirq + steal
    return busy, busy + idle + iowait


class RssSampler(threading.Thread):
    """Sums VmRSS (and PSS) over every process in the servers' process groups, every `every` seconds.

    Also keeps the CPU time each server used between start and halt (utime + stime of its processes),
    the machine's busy time, and this benchmark's own, so a phase can say where the CPU went.
    """

    def __init__(self, desk: Desk, every: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.groups = {p.proc.pid: p.role for p in desk.pieces}
        self.dbname = desk.dbname
        self.others_first: dict[int, tuple[str, int]] = {}  # every other process: (label, CPU ticks)
        self.others_last: dict[int, tuple[str, int]] = {}
        self.every = every
        self.halt = threading.Event()
        self.peak_rss = self.peak_pss = 0.0
        self.peak_role: dict[str, float] = {}
        self.first = self.last = 0.0
        self.max_procs = 0
        self.series: list[tuple[float, float]] = []
        self.ticks_first: dict[int, int] = {}
        self.ticks_last: dict[int, int] = {}
        self.role_of: dict[int, str] = {}
        self.machine_first = self.machine_last = (0, 0)
        self.own_first = self.own_last = 0.0

    def members(self) -> dict[int, str]:
        """Our servers' processes; on the way, the CPU ticks of every other process, to name them later."""
        found: dict[int, str] = {}
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                stat = Path(f"/proc/{name}/stat").read_text()
            except OSError:
                continue
            comm, rest = stat.split(" (", 1)[1].rsplit(")", 1)
            fields = rest.split()
            pid, pgrp = int(name), int(fields[2])
            if pgrp in self.groups:
                found[pid] = self.groups[pgrp]
            elif pid != os.getpid():
                label, ticks = comm, int(fields[11]) + int(fields[12])
                if comm == "postgres":
                    label, ticks = self.postgres_label(pid, fields, ticks)
                self.others_first.setdefault(pid, (label, ticks))
                self.others_last[pid] = (label, ticks)
        return found

    def postgres_label(self, pid: int, fields: list[str], ticks: int) -> tuple[str, int]:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            cmdline = ""
        if self.dbname and self.dbname in cmdline:
            return "postgres backends of the bench database", ticks
        if not cmdline.startswith("postgres:"):  # the postmaster: backends it reaped add to cutime/cstime
            return "postgres postmaster + exited backends", ticks + int(fields[13]) + int(fields[14])
        return "postgres other processes", ticks

    @staticmethod
    def kb(path: str, key: str) -> float:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return float(line.split()[1])
        except OSError:
            pass
        return 0.0

    def cpu(self, pid: int, role: str) -> None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return
        ticks = int(fields[11]) + int(fields[12])  # utime + stime
        self.ticks_first.setdefault(pid, ticks)
        self.ticks_last[pid], self.role_of[pid] = ticks, role

    def run(self) -> None:
        t0 = time.monotonic()
        members: dict[int, str] = {}
        refreshed = 0.0
        self.machine_first, self.own_first = cpu_ticks(), sum(os.times()[:2])
        while not self.halt.is_set():
            if time.monotonic() - refreshed > 2:
                members, refreshed = self.members(), time.monotonic()
            per_role: dict[str, float] = {}
            pss = 0.0
            for pid, role in members.items():
                self.cpu(pid, role)
                per_role[role] = per_role.get(role, 0.0) + self.kb(f"/proc/{pid}/status", "VmRSS:") / 1024
                pss += self.kb(f"/proc/{pid}/smaps_rollup", "Pss:") / 1024
            total = sum(per_role.values())
            if total:
                self.first = self.first or total
                self.last = total
                self.series.append((round(time.monotonic() - t0, 1), round(total, 1)))
            self.peak_rss, self.peak_pss = max(self.peak_rss, total), max(self.peak_pss, pss)
            for role, mb in per_role.items():
                self.peak_role[role] = max(self.peak_role.get(role, 0.0), mb)
            self.max_procs = max(self.max_procs, len(members))
            self.machine_last, self.own_last = cpu_ticks(), sum(os.times()[:2])
            self.halt.wait(self.every)

    def report(self) -> dict[str, Any]:
        step = max(1, len(self.series) // 120)
        return {
            "peak_rss_mb": round(self.peak_rss, 1),
            "peak_pss_mb": round(self.peak_pss, 1),
            "peak_rss_by_role_mb": {k: round(v, 1) for k, v in self.peak_role.items()},
            "rss_first_mb": round(self.first, 1),
            "rss_last_mb": round(self.last, 1),
            "max_processes": self.max_procs,
            "series": self.series[::step],
        }

    def cpu_report(self) -> dict[str, Any]:
        """CPU seconds by server role, this benchmark, and the rest (PostgreSQL, Redis, exited processes)."""
        by_role: dict[str, float] = {}
        for pid, last in self.ticks_last.items():
            role = self.role_of[pid]
            by_role[role] = by_role.get(role, 0.0) + (last - self.ticks_first[pid]) / CLK_TCK
        busy = (self.machine_last[0] - self.machine_first[0]) / CLK_TCK
        total = (self.machine_last[1] - self.machine_first[1]) / CLK_TCK
        own = self.own_last - self.own_first
        other = busy - sum(by_role.values()) - own
        # Other jobs on the machine: all of `other` but, when the desk runs on them, PostgreSQL and Redis.
        ours = ("postgres", "redis") if self.dbname else ()
        unrelated = other - sum(v for k, v in self.others().items() if k.startswith(ours))
        window = total / (os.cpu_count() or 1)
        return {
            "window_s": round(window, 1),
            "unrelated_cores": round(max(0.0, unrelated) / window, 2) if window else None,
            "machine_busy_pct": round(100 * busy / total, 1) if total else None,
            "machine_busy_cpu_s": round(busy, 2),
            "by_role_cpu_s": {k: round(v, 2) for k, v in by_role.items()},
            "bench_clients_cpu_s": round(own, 2),
            "other_cpu_s": round(other, 2),
            "other_top_cpu_s": dict(sorted(self.others().items(), key=lambda kv: -kv[1])[:8]),
        }

    def others(self) -> dict[str, float]:
        """CPU seconds of processes outside our servers, by name (alive at two scans, 2 s apart at most)."""
        used: dict[str, float] = {}
        for pid, (label, last) in self.others_last.items():
            spent = (last - self.others_first[pid][1]) / CLK_TCK
            if spent > 0:
                used[label] = round(used.get(label, 0.0) + spent, 2)
        return used


# --- one phase -----------------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def reconcile(db: DbReader, mails: list[Mail]) -> dict[str, Any]:
    raws = db.rows(
        "SELECT id, sha256, state, outcome, kind, received_at, ticket_id, reason FROM mail_rawmessage ORDER BY id"
    )
    articles = db.rows(
        "SELECT raw_id, created_at, ticket_id, message_id, text FROM tickets_article WHERE direction = 'in'"
    )
    by_sha: dict[str, list[tuple[Any, ...]]] = {}
    for row in raws:
        by_sha.setdefault(row[1], []).append(row)
    arts_by_raw: dict[int, list[tuple[Any, ...]]] = {}
    for art in articles:
        arts_by_raw.setdefault(art[0], []).append(art)
    mid_count = Counter(a[3] for a in articles if a[3])
    accepted = [m for m in mails if m.status == "ok"]
    sent_shas = {m.sha256 for m in mails}
    lost = [m for m in accepted if m.sha256 not in by_sha]
    doubled = [m for m in accepted if len(by_sha.get(m.sha256, [])) > 1]
    unexpected = [r for r in raws if r[1] not in sent_shas]
    id_mismatch = [
        m
        for m in accepted
        if m.raw_id is not None and m.sha256 in by_sha and by_sha[m.sha256][0][0] != m.raw_id
    ]
    outcome_by_cat: dict[str, Counter[str]] = {}
    ticket_of: dict[int, int] = {}
    no_article, many_articles, latencies, server_lat, wrong_thread, text_mismatch = [], [], [], [], [], []
    per_mail: dict[int, dict[str, Any]] = {}
    for m in accepted:
        rows = by_sha.get(m.sha256)
        if not rows:
            continue
        raw = rows[0]
        outcome_by_cat.setdefault(m.category, Counter())[f"{raw[2]}/{raw[3]}"] += 1
        arts = arts_by_raw.get(raw[0], [])
        if not arts:
            no_article.append(m)
        elif len(arts) > 1 or mid_count[m.message_id.strip("<>")] + mid_count[m.message_id] > 1:
            many_articles.append(m)
        if arts:
            created = epoch(arts[0][1])
            ticket_of[m.index] = arts[0][2]
            if m.category != "warmup":
                latencies.append(created - m.t_250)
                server_lat.append(created - epoch(raw[5]))
            per_mail[m.index] = {"article_at": created, "latency_s": round(created - m.t_250, 4)}
            # The longest line of what we wrote must come back decoded: charsets and encodings survived.
            probe = max((x.removeprefix("> ") for x in m.text.splitlines()), key=len)
            if probe not in (arts[0][4] or ""):
                text_mismatch.append(m)
    for m in accepted:
        if m.parent is not None and m.index in ticket_of and ticket_of.get(m.parent) != ticket_of[m.index]:
            wrong_thread.append(m)
    tickets = db.rows("SELECT count(*) FROM tickets_ticket")[0][0]
    outbox = db.rows("SELECT kind, state, count(*) FROM mail_outbox GROUP BY kind, state")
    held = Counter(r[7][:80] for r in raws if r[2] in ("held", "failed", "ignored"))
    timed = [m for m in accepted if m.category != "warmup"]
    article_times = [per_mail[m.index]["article_at"] for m in timed if m.index in per_mail]

    def sample(ms: list[Mail]) -> list[str]:
        return [f"#{m.index} {m.category} {m.message_id}" for m in ms[:5]]

    return {
        "stored_rows": len(raws),
        "states": dict(Counter(r[2] for r in raws)),
        "outcomes": dict(Counter(r[3] for r in raws)),
        "kinds": dict(Counter(r[4] for r in raws)),
        "outcome_by_category": {k: dict(v) for k, v in sorted(outcome_by_cat.items())},
        "lost": len(lost),
        "doubled": len(doubled),
        "unexpected_rows": len(unexpected),
        "raw_id_mismatch": len(id_mismatch),
        "no_article": len(no_article),
        "more_than_one_article": len(many_articles),
        "replies_on_wrong_ticket": len(wrong_thread),
        "text_not_found_in_article": len(text_mismatch),
        "tickets": tickets,
        "inbound_articles": len(articles),
        "outbox": [{"kind": k, "state": s, "count": n} for k, s, n in outbox],
        "not_ticketed_reasons": dict(held),
        "examples": {
            "lost": sample(lost),
            "doubled": sample(doubled),
            "no_article": sample(no_article),
            "more_than_one_article": sample(many_articles),
            "replies_on_wrong_ticket": sample(wrong_thread),
            "text_not_found_in_article": sample(text_mismatch),
        },
        "latency_s": {
            "n": len(latencies),
            "p50": percentile(latencies, 50),
            "p95": percentile(latencies, 95),
            "max": max(latencies, default=None),
        },
        "stored_to_article_s": {"p50": percentile(server_lat, 50), "p95": percentile(server_lat, 95)},
        "last_article_at": max(article_times, default=None),
        "per_mail": per_mail,
    }


@dataclass
class Phase:
    mode: str
    phase: str
    rate: float
    count: int
    clients: int
    workers: int | None
    result: dict[str, Any] = field(default_factory=dict)


def progress_bar(total: int, desc: str) -> Any:
    if not sys.stdout.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="mail", leave=False, dynamic_ncols=True)


def phase_run(spec: Phase, args: argparse.Namespace, logs: Path) -> None:
    """A fresh desk, warm-up, the timed send, the wait for processing, reconciliation, then the desk stops."""
    say = f"[{spec.mode} {spec.phase}]"
    desk: Desk | None = None
    sampler: RssSampler | None = None
    db: DbReader | None = None
    try:
        desk = Desk(spec.mode, spec.phase, logs, args.redis_db, args.keep)
        desk.prepare()
        smtp_port = free_port()
        desk.launch(smtp_port, free_port(), spec.workers or 1)
        db = desk.db()
        seed = args.seed + (0 if spec.phase == "throughput" else 1)
        mails = mix_build(spec.count, args.warmup, seed, gap=max(20, 2 * spec.clients))
        warm, timed = mails[: args.warmup], mails[args.warmup :]
        sampler = RssSampler(desk)
        sampler.start()
        if warm:
            Sender("127.0.0.1", smtp_port, warm, 0, 1, args.per_session).run()
            waited = processed_wait(db, sum(m.status == "ok" for m in warm), 120, 120, desk, None)
            if not waited["complete"]:
                raise RuntimeError(f"warm-up mail not processed ({waited})")
        print(
            f"{say} desk ready; sending {len(timed)} mails, {spec.clients} sessions, rate {spec.rate or 'max'}",
            flush=True,
        )
        bar = progress_bar(len(timed), f"{spec.mode} {spec.phase} sent")
        sender = Sender("127.0.0.1", smtp_port, timed, spec.rate, spec.clients, args.per_session)
        try:
            send_s = sender.run(bar)
        except KeyboardInterrupt:
            sender.stop.set()
            raise
        finally:
            if bar is not None:
                bar.close()
        accepted = sum(m.status == "ok" for m in mails)
        print(f"{say} sent in {send_s:.1f} s; waiting for the desk to process {accepted} mails", flush=True)
        bar = progress_bar(accepted, f"{spec.mode} {spec.phase} processed")
        try:
            waited = processed_wait(db, accepted, args.timeout, args.idle_timeout, desk, bar)
        finally:
            if bar is not None:
                bar.close()
        sampler.halt.set()
        sampler.join()
        rec = reconcile(db, mails)
        if desk.dbname:  # PostgreSQL's own count of connections and of time spent running statements
            row = db.rows(
                "SELECT sessions, active_time, xact_commit, xact_rollback FROM pg_stat_database "
                "WHERE datname = current_database()"
            )[0]
            rec["postgresql"] = {
                "sessions": row[0],
                "active_time_s": round(row[1] / 1000, 2),
                "commits": row[2],
                "rollbacks": row[3],
            }
        t_first = min((m.t_first for m in timed if m.t_first), default=0.0)
        t_last_250 = max((m.t_250 for m in timed if m.status == "ok"), default=0.0)
        end = rec["last_article_at"] or waited["seen_at"]
        timed_ok = sum(m.status == "ok" for m in timed)
        smtp_times = [m.t_250 - m.t_start for m in timed if m.status == "ok"]
        spec.result = {
            "send_s": round(send_s, 3),
            "mails": len(timed),
            "warmup": len(warm),
            "accepted": timed_ok,
            "failed": [
                f"#{m.index}: {m.answers[-1] if m.answers else '?'}" for m in mails if m.status != "ok"
            ],
            "retries_4xx": sum(m.retries_4xx for m in mails),
            "reconnects": sum(m.reconnects for m in mails),
            "answers": dict(
                Counter(
                    a.split(" ", 1)[0] if a[0].isdigit() else a.split(":")[0]
                    for m in mails
                    for a in m.answers
                )
            ),
            "answer_examples": list(dict.fromkeys(a for m in mails for a in m.answers))[:5],
            "answers_5xx": sum(1 for m in mails for a in m.answers if a[:1] == "5"),
            "categories": dict(Counter(m.category for m in mails)),
            "attachments": sum(bool(m.attachment) for m in mails),
            "bytes_sent": sum(len(m.data) for m in timed),
            "wall_s": round(end - t_first, 3) if t_first else None,
            "sustained_per_s": round(timed_ok / (end - t_first), 2) if t_first and end > t_first else None,
            "smtp_accept_per_s": round(timed_ok / (t_last_250 - t_first), 2)
            if t_last_250 > t_first
            else None,
            "smtp_answer_s": {"p50": percentile(smtp_times, 50), "p95": percentile(smtp_times, 95)},
            "processing": {k: v for k, v in waited.items() if k != "seen_at"},
            "memory": sampler.report(),
            "cpu": sampler.cpu_report(),
            "reconcile": rec,
        }
        rec["per_mail"] = [
            {
                "i": m.index,
                "category": m.category,
                "sha256": m.sha256,
                "status": m.status,
                "retries_4xx": m.retries_4xx,
                "t_250": round(m.t_250, 4),
                "latency_s": rec["per_mail"].get(m.index, {}).get("latency_s"),
            }
            for m in mails
        ]
        print(f"{say} done: {summary_line(spec)}", flush=True)
    except KeyboardInterrupt:
        spec.result = {"error": "interrupted"}
        raise
    except Exception as exc:  # noqa: BLE001 - any failure of a phase is reported; the next phase still runs
        spec.result = {"error": f"{type(exc).__name__}: {exc}"}
        print(f"{say} ERROR {exc}", flush=True)
    finally:
        if sampler is not None:
            sampler.halt.set()
        if db is not None:
            db.close()
        if desk is not None:
            desk.stop()
            spec.result["server_logs"] = desk.log_findings()
            desk.cleanup()


def summary_line(spec: Phase) -> str:
    r = spec.result
    lat = r["reconcile"]["latency_s"]
    return (
        f"{r['sustained_per_s']} mails/s sustained, p50 {fmt(lat['p50'])} s, p95 {fmt(lat['p95'])} s, "
        f"lost {r['reconcile']['lost']}, doubled {r['reconcile']['doubled']}, 4xx retries {r['retries_4xx']}"
    )


def fmt(v: float | None, digits: int = 3) -> str:
    return "—" if v is None else f"{v:.{digits}f}"


# --- report --------------------------------------------------------------------------------------------------


def checks(phases: list[Phase]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []

    def check(ok: bool, text: str) -> None:
        out.append(("PASS" if ok else "FAIL", text))

    for p in phases:
        tag = f"{p.mode} {p.phase}"
        if "skipped" in p.result or not p.result:
            out.append(("SKIP", f"{tag}: {p.result.get('skipped', 'not run (interrupted)')}"))
            continue
        if "error" in p.result:
            check(False, f"{tag}: ran to the end ({p.result['error']})")
            continue
        r, rec = p.result, p.result["reconcile"]
        check(
            rec["lost"] == 0,
            f"{tag}: 0 lost ({rec['lost']} of {r['accepted'] + r['warmup']} accepted mails not stored)",
        )
        check(rec["doubled"] == 0, f"{tag}: 0 doubled ({rec['doubled']} stored twice)")
        failed = len(r["failed"])
        check(
            failed == 0 and r["answers_5xx"] == 0,
            f"{tag}: every mail accepted, no 5xx ({failed} failed, {r['answers_5xx']} 5xx)",
        )
        left = rec["states"].get("received", 0)
        check(
            r["processing"]["complete"] and left == 0,
            f"{tag}: every stored mail processed ({left} left 'received')",
        )
        if p.phase == "throughput" and p.mode == "sqlite":
            rate = r["sustained_per_s"] or 0.0
            check(rate >= SQLITE_TARGET, f"{tag}: sustained {rate:.1f} mails/s >= {SQLITE_TARGET:.0f}")
        if p.phase == "latency":
            p95 = rec["latency_s"]["p95"]
            check(
                p95 is not None and p95 < P95_TARGET,
                f"{tag}: p95 receive->ticket {fmt(p95)} s < {P95_TARGET:.0f} s at {p.rate:g} mails/s",
            )
    pg = {
        p.mode: p
        for p in phases
        if p.phase == "throughput" and p.mode in ("pg1", "pg2") and "reconcile" in p.result
    }
    if len(pg) == 2:
        one, two = (pg[m].result["sustained_per_s"] or 0.0 for m in ("pg1", "pg2"))
        check(two > one, f"PostgreSQL: 2 workers faster than 1 ({two:.1f} vs {one:.1f} mails/s sustained)")
    return out


def table(phases: list[Phase]) -> str:
    head = [
        "mode",
        "phase",
        "rate",
        "mails",
        "sessions",
        "wall s",
        "sustained mails/s",
        "SMTP accept mails/s",
    ]
    head += ["p50 s", "p95 s", "max s", "peak RSS MB", "peak PSS MB", "lost", "doubled", "4xx retries", "5xx"]
    head += [
        "tickets",
        "created",
        "appended",
        "held/ignored/failed",
        "server CPU ms/mail",
        "other jobs (cores)",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for p in phases:
        r = p.result
        label = p.mode if p.workers is None else f"{p.mode} ({p.workers} worker{'s' * (p.workers > 1)})"
        if "reconcile" not in r:
            why = r.get("skipped") or r.get("error") or "not run"
            lines.append(f"| {label} | {p.phase} | {p.rate:g} | {why} |")
            continue
        rec, lat, mem = r["reconcile"], r["reconcile"]["latency_s"], r["memory"]
        outcomes = rec["outcomes"]
        other = sum(outcomes.get(k, 0) for k in ("held", "ignored", "failed"))
        cells = [label, p.phase, f"{p.rate:g}" if p.rate else "max", str(r["accepted"]), str(p.clients)]
        cells += [fmt(r["wall_s"], 1), fmt(r["sustained_per_s"], 1), fmt(r["smtp_accept_per_s"], 1)]
        cells += [fmt(lat["p50"], 2), fmt(lat["p95"], 2), fmt(lat["max"], 2)]
        cells += [
            f"{mem['peak_rss_mb']:.0f}",
            f"{mem['peak_pss_mb']:.0f}",
            str(rec["lost"]),
            str(rec["doubled"]),
        ]
        cells += [str(r["retries_4xx"]), str(r["answers_5xx"]), str(rec["tickets"])]
        cells += [str(outcomes.get("created", 0)), str(outcomes.get("appended", 0)), str(other)]
        per_mail = 1000 * sum(r["cpu"]["by_role_cpu_s"].values()) / max(1, r["accepted"] + r["warmup"])
        cells += [f"{per_mail:.0f}", fmt(r["cpu"]["unrelated_cores"], 2)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine(pg: bool, commit: str) -> dict[str, str]:
    models = [
        x.split(":", 1)[1]
        for x in Path("/proc/cpuinfo").read_text().splitlines()
        if x.startswith("model name")
    ]
    info = {
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": models[0].strip() if models else platform.processor(),
    }
    mem = RssSampler.kb("/proc/meminfo", "MemTotal:")
    info |= {
        "ram_gib": f"{mem / 1024 / 1024:.0f}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }
    info |= {"os": platform.platform(), "postgresql": "not measured"}
    if pg:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres") as conn:
            row = conn.execute("SHOW server_version").fetchone()
            info["postgresql"] = str(row[0]) if row else "?"
    if commit:
        info["code"] = f"commit {commit} (git archive, --commit)"
        return info
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        head = git("rev-parse", "--short", "HEAD")
        dirty = " + uncommitted changes in dapjang/" if git("status", "--porcelain", "dapjang") else ""
        info["code"] = f"working tree at {head}{dirty}"
    return info


def git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def code_export(rev: str) -> tuple[str, Path]:
    """The dapjang package of one commit, in a temp folder the servers import it from (PYTHONPATH)."""
    commit = git("rev-parse", "--short", rev)
    folder = Path(tempfile.mkdtemp(prefix=f"smtp-load-code-{commit}-"))
    archive = subprocess.run(["git", "archive", commit, "dapjang"], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    os.environ["PYTHONPATH"] = os.pathsep.join(x for x in (str(folder), os.environ.get("PYTHONPATH")) if x)
    return commit, folder


def pg_missing() -> str:
    """Why the PostgreSQL modes cannot run here, or '' when they can."""
    helptext = subprocess.run(
        [sys.executable, "-m", "dapjang.cli", "help"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tempfile.gettempdir(),
    ).stdout
    commands = set(helptext.split())
    missing = [c for c in ("smtpd", "worker", "scheduler") if c not in commands]
    if missing:
        return f"`dapjang {'`, `dapjang '.join(missing)}` not available in this checkout"
    probe = subprocess.run([sys.executable, "-c", "import redis"], capture_output=True, check=False)
    if probe.returncode != 0:
        return "the `redis` Python package (Celery's Redis transport) is not installed"
    try:
        pg_admin("SELECT 1")
        redis_command(0, "PING")
    except Exception as exc:  # noqa: BLE001 - psycopg's or the socket's error, shown as the reason to skip
        return f"PostgreSQL or Redis not reachable: {exc}"
    return ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--modes", default="sqlite", help="comma-separated: sqlite, pg1, pg2 (default sqlite)")
    ap.add_argument("--phases", default="throughput,latency", help="comma-separated: throughput, latency")
    ap.add_argument("--count", type=int, default=600, help="mails in the throughput phase (default 600)")
    ap.add_argument(
        "--rate", type=float, default=0.0, help="throughput phase target mails/s; 0 = as fast as possible"
    )
    ap.add_argument("--latency-count", type=int, default=300, help="mails in the latency phase (default 300)")
    ap.add_argument("--latency-rate", type=float, default=5.0, help="latency phase mails/s (default 5)")
    ap.add_argument("--concurrency", type=int, default=10, help="concurrent SMTP sessions (default 10)")
    ap.add_argument("--per-session", type=int, default=20, help="mails per SMTP session before reconnecting")
    ap.add_argument(
        "--warmup", type=int, default=3, help="untimed mails sent and processed first (default 3)"
    )
    ap.add_argument("--seed", type=int, default=20261123)
    ap.add_argument("--timeout", type=float, default=900, help="seconds to wait for processing (default 900)")
    ap.add_argument(
        "--idle-timeout", type=float, default=180, help="give up after this long without progress"
    )
    ap.add_argument(
        "--redis-db",
        type=int,
        help="Redis database for the pg modes, flushed before and after (default: the first empty one of 9-15)",
    )
    ap.add_argument("--logs", type=Path, help="server logs folder (default: a new /tmp/smtp-load-* folder)")
    ap.add_argument(
        "--keep", action="store_true", help="keep each desk's DAPJANG_HOME (the PostgreSQL db is dropped)"
    )
    ap.add_argument("--json", type=Path, metavar="FILE", help="write every result here")
    ap.add_argument(
        "--commit",
        metavar="REV",
        help="run the dapjang package of this commit (git archive) instead of the tree's",
    )
    args = ap.parse_args()
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    if (
        set(modes) - {"sqlite", "pg1", "pg2"}
        or set(phases) - {"throughput", "latency"}
        or not modes
        or not phases
    ):
        ap.error("--modes takes sqlite, pg1, pg2; --phases takes throughput, latency")
    logs = args.logs or Path(tempfile.mkdtemp(prefix="smtp-load-"))
    logs.mkdir(parents=True, exist_ok=True)
    commit, code = code_export(args.commit) if args.commit else ("", None)
    pg_why = pg_missing() if any(m.startswith("pg") for m in modes) else ""
    info = machine(any(m.startswith("pg") for m in modes) and not pg_why.startswith("PostgreSQL"), commit)
    print("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()), flush=True)
    print(f"server logs: {logs}", flush=True)

    specs = []
    for mode in modes:
        workers = None if mode == "sqlite" else int(mode[2:])
        for phase in phases:
            rate, count = (
                (args.rate, args.count) if phase == "throughput" else (args.latency_rate, args.latency_count)
            )
            specs.append(Phase(mode, phase, rate, count, args.concurrency, workers))

    def terminate(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    interrupted = False
    try:
        for spec in specs:
            if spec.mode != "sqlite" and pg_why:
                spec.result = {"skipped": pg_why}
                print(f"[{spec.mode} {spec.phase}] skipped: {pg_why}", flush=True)
                continue
            phase_run(spec, args, logs)
    except KeyboardInterrupt:
        interrupted = True
        print("\ninterrupted: servers stopped", file=sys.stderr)
    finally:
        for desk in list(RUNNING):
            desk.cleanup()
        if code is not None:
            shutil.rmtree(code, ignore_errors=True)

    print("\n" + table(specs))
    print(
        "\nsustained = mails / (last Article.created_at - first MAIL FROM); latency = Article.created_at - 250 read "
        "by the client; RSS summed over each server's process group, PSS counts shared pages once; "
        f"tickets, created and appended include the {args.warmup} warm-up mails; server CPU = the Dapjang "
        "processes' CPU time (not PostgreSQL's) per mail, the figure least affected by other load; other "
        "jobs = CPU cores used by processes that are not this benchmark's (nor, in the pg modes, PostgreSQL "
        "or Redis) while it ran."
    )
    verdicts = checks(specs)
    print()
    for word, text in verdicts:
        print(f"{word} {text}")
    for spec in specs:
        notes = phase_notes(spec)
        for note in notes:
            print(f"  {spec.mode} {spec.phase}: {note}")
    if args.json:
        doc: dict[str, Any] = {
            "machine": info,
            "args": {k: str(v) for k, v in vars(args).items()},
            "logs": str(logs),
        }
        doc["phases"] = [
            {
                "mode": s.mode,
                "phase": s.phase,
                "rate": s.rate,
                "count": s.count,
                "sessions": s.clients,
                "workers": s.workers,
            }
            | s.result
            for s in specs
        ]
        doc["checks"] = [{"result": w, "check": t} for w, t in verdicts]
        args.json.write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=str))
    if interrupted:
        return 130
    return 1 if any(w == "FAIL" for w, _ in verdicts) else 0


def phase_notes(spec: Phase) -> list[str]:
    """What a reader should look at besides the targets: odd outcomes, server log errors, 4xx answers."""
    r = spec.result
    notes: list[str] = []
    for role, found in r.get("server_logs", {}).items():
        bad = {
            k: found[k]
            for k in ("error_lines", "tracebacks", "database_locked", "child_restarts", "needed_sigkill")
            if found.get(k)
        }
        if bad:
            notes.append(f"{role} log {found['log']}: {bad}; e.g. {found['examples'][:1]}")
    if "reconcile" not in r:
        return notes
    rec = r["reconcile"]
    for key in (
        "unexpected_rows",
        "raw_id_mismatch",
        "no_article",
        "more_than_one_article",
        "replies_on_wrong_ticket",
        "text_not_found_in_article",
    ):
        if rec[key]:
            notes.append(f"{key.replace('_', ' ')}: {rec[key]} (e.g. {rec['examples'].get(key, [])[:2]})")
    slow = [m for m in rec["per_mail"] if m["category"] != "warmup" and (m["latency_s"] or 0) > P95_TARGET]
    if slow:
        slow.sort(key=lambda m: -m["latency_s"])
        worst = ", ".join(f"#{m['i']} {m['category']} {m['latency_s']:.1f} s" for m in slow[:3])
        notes.append(f"{len(slow)} mails took over {P95_TARGET:.0f} s to become an article; slowest {worst}")
    if r["answer_examples"]:
        notes.append(f"non-250 answers {r['answers']}, e.g. {r['answer_examples'][:2]}")
    for reason, n in rec["not_ticketed_reasons"].items():
        notes.append(f"not ticketed ×{n}: {reason}")
    mem = r["memory"]
    notes.append(
        f"RSS {mem['rss_first_mb']:.0f} → {mem['rss_last_mb']:.0f} MB (peak {mem['peak_rss_mb']:.0f}, by role "
        f"{mem['peak_rss_by_role_mb']}); stored→article p50/p95 {fmt(rec['stored_to_article_s']['p50'])}/"
        f"{fmt(rec['stored_to_article_s']['p95'])} s; SMTP answer p50/p95 {fmt(r['smtp_answer_s']['p50'])}/"
        f"{fmt(r['smtp_answer_s']['p95'])} s"
    )
    cpu = r["cpu"]
    notes.append(
        f"CPU: machine {cpu['machine_busy_pct']}% busy ({cpu['machine_busy_cpu_s']} CPU s); servers "
        f"{cpu['by_role_cpu_s']}, SMTP clients {cpu['bench_clients_cpu_s']}, other (PostgreSQL, Redis…) "
        f"{cpu['other_cpu_s']} CPU s, of which {cpu['other_top_cpu_s']}"
    )
    if "postgresql" in rec:
        pg = rec["postgresql"]
        notes.append(
            f"PostgreSQL: {pg['sessions']} connections opened ({pg['sessions'] / max(1, r['accepted']):.1f} per "
            f"mail), {pg['active_time_s']} s running statements, {pg['commits']} commits, {pg['rollbacks']} rollbacks"
        )
    notes.append(f"outcomes by category {rec['outcome_by_category']}")
    return notes


if __name__ == "__main__":
    sys.exit(main())
