"""The texts a new desk starts with; admins edit them per queue in the admin (MailTemplate)."""

from __future__ import annotations

ACK = {
    "ko": (
        "[#{{ ticket_number }}] 문의가 접수되었습니다: {{ subject }}",
        """{{ customer_name }}님, 안녕하세요.
{{ company }} {{ queue_name }}입니다.

보내 주신 문의가 정상적으로 접수되었습니다.
접수 번호는 {{ ticket_number }}입니다.

담당자가 내용을 확인한 뒤 영업일 기준 24시간 안에 답변드리겠습니다.
추가로 전하실 내용이 있으시면 이 메일에 그대로 회신해 주세요.
제목의 접수 번호를 지우지 않으시면 같은 문의로 이어서 처리됩니다.

접수하신 문의와 답변은 아래 주소에서 확인하실 수 있습니다.
{{ portal_url }}

고객님의 소중한 의견에 감사드립니다.

{{ company }} {{ queue_name }} 드림
※ 이 메일은 발신 전용 자동 안내 메일입니다.""",
    ),
    "en": (
        "[#{{ ticket_number }}] We have received your message: {{ subject }}",
        """Dear {{ customer_name }},

Thank you for contacting {{ company }} ({{ queue_name }}).

Your message has reached us, and your reference number is {{ ticket_number }}.
A member of our team will reply within 24 business hours.

If you have anything to add, simply reply to this e-mail and keep the reference
number in the subject, so that it joins the same request.

You can follow your request and our replies here:
{{ portal_url }}

Kind regards,
{{ company }} — {{ queue_name }}
This is an automatic message.""",
    ),
}

GREETING_FALLBACK = {"ko": "고객", "en": "customer"}
# What the ack of a web-form message names instead of the subject the submitter typed.
FORM_SUBJECT = {"ko": "웹 문의", "en": "your message from our contact form"}
NO_SUBJECT = {"ko": "(제목 없음)", "en": "(no subject)"}
