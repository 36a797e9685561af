"""The words around an FAQ answer that goes out by itself: the company's voice, in the mail's language.

Kept apart from the sending so a reviewer can read the whole mail at once. The closing line is the
promise that makes a wrong answer cheap: a reply reaches a person, and the ticket number goes with it.
"""

from __future__ import annotations

SUBJECT = {
    "ko": "[#{{ ticket_number }}] 문의하신 내용에 대한 답변입니다: {{ subject }}",
    "en": "[#{{ ticket_number }}] An answer to your question: {{ subject }}",
}

BODY = {
    "ko": """{{ customer_name }}님, 안녕하세요.
{{ company }} {{ queue_name }}입니다.

문의하신 내용에 대해 안내드립니다.

{{ answer }}

해결되지 않으셨다면 이 메일에 그대로 답장해 주세요. 담당자가 직접 답변드리겠습니다.
접수 번호는 {{ ticket_number }}입니다. 문의와 답변은 아래 주소에서도 확인하실 수 있습니다.
{{ portal_url }}

{{ company }} {{ queue_name }} 드림
※ 이 메일은 자주 묻는 질문의 답변을 자동으로 보내 드린 것입니다.""",
    "en": """Dear {{ customer_name }},

Thank you for contacting {{ company }} ({{ queue_name }}). Here is the answer to your question:

{{ answer }}

If this did not solve it, just reply to this e-mail and a person will answer.
Your reference number is {{ ticket_number }}; you can follow your request here:
{{ portal_url }}

Kind regards,
{{ company }} — {{ queue_name }}
This answer to a frequently asked question was sent automatically.""",
}
