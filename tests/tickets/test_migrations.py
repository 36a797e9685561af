"""Data migrations change what they promise and leave what an admin wrote alone."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from dapjang.tickets.models import MailTemplate
from tests.factories import QueueFactory

ack_link = importlib.import_module("dapjang.tickets.migrations.0007_ack_portal_link")
OLD_KO = """{{ customer_name }}님, 안녕하세요.
{{ company }} {{ queue_name }}입니다.

보내 주신 문의가 정상적으로 접수되었습니다.

고객님의 소중한 의견에 감사드립니다.

{{ company }} {{ queue_name }} 드림"""
OLD_EN = """Dear {{ customer_name }},

Thank you for contacting {{ company }} ({{ queue_name }}).

Kind regards,
{{ company }} — {{ queue_name }}"""


@pytest.mark.django_db
def test_the_portal_link_joins_untouched_ack_templates_only() -> None:
    queue = QueueFactory()
    MailTemplate.objects.filter(queue=queue).delete()
    ko = MailTemplate.objects.create(queue=queue, kind="ack", language="ko", subject="s", body=OLD_KO)
    en = MailTemplate.objects.create(queue=queue, kind="ack", language="en", subject="s", body=OLD_EN)
    edited = MailTemplate.objects.create(queue=None, kind="ack", language="ko", subject="s", body="우리 말투")

    ack_link.add_link(apps, None)
    ack_link.add_link(apps, None)  # twice: still one link

    ko.refresh_from_db(), en.refresh_from_db(), edited.refresh_from_db()
    assert ko.body.count("{{ portal_url }}") == 1
    assert ko.body.index("{{ portal_url }}") < ko.body.index("고객님의 소중한 의견에 감사드립니다.")
    assert en.body.count("{{ portal_url }}") == 1 and "You can follow your request" in en.body
    assert edited.body == "우리 말투"
