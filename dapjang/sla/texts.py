"""The words of the SLA's mail: the holding reply to a customer and the escalation to a team lead.

Admins override the holding reply per queue and language with a mail template of kind "holding"
(tickets.MailTemplate); these are the texts a new desk starts with. Dates are written out here, not
by Django's locale formats, so the mail reads the same whatever language the worker runs in.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

HOLDING = {
    "ko": (
        "[#{{ ticket_number }}] 답변이 조금 늦어지고 있습니다: {{ subject }}",
        """{{ customer_name }}님, 안녕하세요.
{{ company }} {{ queue_name }}입니다.

보내 주신 문의(접수 번호 {{ ticket_number }})를 확인하고 있습니다.
{{ reason }} 답변이 예정보다 늦어지고 있어 먼저 안내드립니다.
늦어도 {{ promised }}까지 답변드리겠습니다.

기다려 주셔서 감사합니다.
추가로 전하실 내용이 있으시면 이 메일에 그대로 회신해 주세요.

{{ company }} {{ queue_name }} 드림
※ 이 메일은 발신 전용 자동 안내 메일입니다.""",
    ),
    "en": (
        "[#{{ ticket_number }}] Our answer is taking a little longer: {{ subject }}",
        """Dear {{ customer_name }},

We are working on your message (reference {{ ticket_number }}).
{{ reason }} our answer is taking longer than usual, so we wanted to let you know.
We will reply by {{ promised }} at the latest.

Thank you for your patience. If you have anything to add, simply reply to this e-mail.

Kind regards,
{{ company }} — {{ queue_name }}
This is an automatic message.""",
    ),
}

REASON_BUSY = {"ko": "문의가 많아", "en": "Because we are receiving many enquiries,"}

ESCALATION = {
    "ko": (
        "[#{{ ticket_number }}] 답변 기한 초과 ({{ target }}): {{ subject }}",
        """{{ lead_name }}님,

{{ queue_name }} 큐의 문의 #{{ ticket_number }}이(가) {{ target }} 기한({{ due }})을 넘겼습니다.{% if also_missed %}
해결 기한({{ also_missed }})도 이미 지났습니다.{% endif %}

고객: {{ customer }}
담당자: {{ assignee }}
보류 안내 메일: {{ holding }}

콘솔에서 확인해 주세요: {{ path }}

{{ company }} 자동 알림""",
    ),
    "en": (
        "[#{{ ticket_number }}] Reply target missed ({{ target }}): {{ subject }}",
        """Dear {{ lead_name }},

Ticket #{{ ticket_number }} in the queue {{ queue_name }} has passed its {{ target }} target ({{ due }}).{% if also_missed %}
Its resolution target ({{ also_missed }}) has passed too.{% endif %}

Customer: {{ customer }}
Assignee: {{ assignee }}
Holding reply: {{ holding }}

Please look at it in the console: {{ path }}

{{ company }} (automatic notice)""",
    ),
}

TARGET = {
    "first": {"ko": "첫 답변", "en": "first response"},
    "resolution": {"ko": "해결", "en": "resolution"},
}
NOBODY = {"ko": "없음", "en": "nobody"}
HOLDING_SENT = {"ko": "보냄", "en": "sent"}
HOLDING_NOT_SENT = {"ko": "보내지 않음", "en": "not sent"}

_KO_WEEKDAYS = "월화수목금토일"
_EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EN_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def when_text(instant: datetime, tz: ZoneInfo, language: str, *, now: datetime) -> str:
    """'10월 10일(화) 15:30' / 'Tuesday 10 October 15:30 (KST)'; the year only when it is not this year."""
    local = instant.astimezone(tz)
    same_year = local.year == now.astimezone(tz).year
    clock = local.strftime("%H:%M")
    zone = local.tzname() or str(tz)
    if language == "ko":
        year = "" if same_year else f"{local.year}년 "
        suffix = "" if str(tz) == "Asia/Seoul" else f" ({zone})"
        return f"{year}{local.month}월 {local.day}일({_KO_WEEKDAYS[local.weekday()]}) {clock}{suffix}"
    year = "" if same_year else f" {local.year}"
    return f"{_EN_WEEKDAYS[local.weekday()]} {local.day} {_EN_MONTHS[local.month - 1]}{year} {clock} ({zone})"


def holiday_label(names: list[str], language: str) -> str:
    """One name for a run of holidays: '추석 연휴' for 추석 전날, 추석, 추석 다음날, 대체 휴일.

    The name contained in most of the others is the holiday the run belongs to; a single day keeps
    its own name.
    """
    parts = [p.strip() for name in names for p in name.split(";") if p.strip()]
    if not parts:
        return ""
    unique = list(dict.fromkeys(parts))
    root = max(unique, key=lambda n: (sum(n in other for other in parts), -len(n)))
    several = sum(root in other for other in parts) > 1
    if language == "ko":
        return f"{root} 연휴" if several else root
    return f"the {root} holidays" if several else root


def holding_reason(holiday_names: list[str], language: str) -> str:
    label = holiday_label(holiday_names, language)
    if not label:
        return REASON_BUSY[language]
    return f"{label}{_ro(label)} 인해" if language == "ko" else f"Because of {label},"


def _ro(word: str) -> str:
    """The particle (으)로: 로 after a vowel or ㄹ, 으로 after any other final consonant."""
    last = word[-1]
    if not "가" <= last <= "힣":
        return "로"
    final = (ord(last) - ord("가")) % 28
    return "로" if final in (0, 8) else "으로"
