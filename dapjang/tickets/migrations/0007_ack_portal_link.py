"""The ack's link to the customer's own tickets (the portal), added to the templates no admin edited.

Each queue keeps its own copy of the ack; a copy still word for word the old default gets the new
paragraph, an edited one is left as its admin wrote it (they can add `{{ portal_url }}` themselves).
"""

from django.db import migrations

LINK = {
    "ko": (
        "\n\n고객님의 소중한 의견에 감사드립니다.",
        "\n\n접수하신 문의와 답변은 아래 주소에서 확인하실 수 있습니다.\n{{ portal_url }}"
        "\n\n고객님의 소중한 의견에 감사드립니다.",
    ),
    "en": (
        "\n\nKind regards,",
        "\n\nYou can follow your request and our replies here:\n{{ portal_url }}\n\nKind regards,",
    ),
}
OLD_START = {
    "ko": "{{ customer_name }}님, 안녕하세요.\n{{ company }} {{ queue_name }}입니다.\n\n보내 주신 문의가",
    "en": "Dear {{ customer_name }},\n\nThank you for contacting {{ company }} ({{ queue_name }}).",
}


def add_link(apps, schema_editor):  # type: ignore[no-untyped-def]
    template_model = apps.get_model("tickets", "MailTemplate")
    for row in template_model.objects.filter(kind="ack"):
        if row.language not in LINK or "portal_url" in row.body:
            continue
        old, new = LINK[row.language]
        if row.body.startswith(OLD_START[row.language]) and row.body.count(old) == 1:
            row.body = row.body.replace(old, new)
            row.save(update_fields=["body"])


class Migration(migrations.Migration):
    dependencies = [("tickets", "0006_holding_template")]
    operations = [migrations.RunPython(add_link, migrations.RunPython.noop)]
