"""What an agent does on the ticket page: change, reply, note, consult, snippets, presence (A4, A12, A14)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dapjang.console.models import Viewing
from dapjang.mail.models import Outbox
from dapjang.tickets.models import Article, Attachment, Consultation, Snippet, Ticket, TicketEvent
from dapjang.tickets.services import MAX_ATTACHMENT_BYTES
from tests.console.conftest import Desk, client_of
from tests.factories import agent_make

HTMX = {"HX-Request": "true"}


def test_a_change_is_saved_written_to_the_trail_and_the_panel_comes_back(
    people: Desk, shipping_ticket: Ticket
) -> None:
    client = client_of(people.minji)
    n = shipping_ticket.number
    response = client.post(
        f"/t/{n}/update/",
        {"status": "open", "priority": "3", "queue": "shipping", "assignee": str(people.minji.pk)},
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="trail"' in html and 'id="ticket-head"' in html and 'hx-swap-oob="true"' in html
    shipping_ticket.refresh_from_db()
    assert (shipping_ticket.status, shipping_ticket.priority) == ("open", 3)
    assert shipping_ticket.assignee == people.minji.user
    fields = list(
        TicketEvent.objects.filter(ticket=shipping_ticket, actor=people.minji).values_list("field", flat=True)
    )
    assert sorted(fields) == ["assignee", "priority", "status"]


def test_fields_that_did_not_change_are_not_changes(people: Desk, shipping_ticket: Ticket) -> None:
    client = client_of(people.minji)
    n = shipping_ticket.number
    client.post(f"/t/{n}/update/", {"status": "new", "priority": "2", "queue": "shipping", "assignee": ""})
    assert not TicketEvent.objects.filter(ticket=shipping_ticket, actor=people.minji).exists()


def test_only_agents_who_work_the_queue_can_be_assigned(people: Desk, shipping_ticket: Ticket) -> None:
    client = client_of(people.minji)
    n = shipping_ticket.number
    page = client.get(f"/t/{n}/").content.decode()
    assignees = page.split('name="assignee"', 1)[1].split("</select>", 1)[0]
    assert "김민지" in assignees and "이준호" not in assignees
    response = client.post(f"/t/{n}/update/", {"assignee": str(people.junho.pk)}, headers=HTMX)
    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode()
    shipping_ticket.refresh_from_db()
    assert shipping_ticket.assignee is None


def test_moving_a_ticket_to_a_queue_i_do_not_work_sends_me_to_the_inbox(
    people: Desk, shipping_ticket: Ticket
) -> None:
    client = client_of(people.minji)
    Ticket.objects.filter(pk=shipping_ticket.pk).update(assignee=people.minji.user)
    response = client.post(f"/t/{shipping_ticket.number}/update/", {"queue": "general"}, headers=HTMX)
    assert response["HX-Redirect"] == "/inbox/"
    shipping_ticket.refresh_from_db()
    assert shipping_ticket.queue == people.general and shipping_ticket.assignee is None
    assert client.get(f"/t/{shipping_ticket.number}/").status_code == 404
    assert client_of(people.junho).get(f"/t/{shipping_ticket.number}/").status_code == 200


def test_a_change_without_htmx_redirects_back(people: Desk, shipping_ticket: Ticket) -> None:
    response = client_of(people.minji).post(f"/t/{shipping_ticket.number}/update/", {"priority": "4"})
    assert response.status_code == 302 and response["Location"] == f"/t/{shipping_ticket.number}/"
    response = client_of(people.minji).post(f"/t/{shipping_ticket.number}/update/", {"priority": "9"})
    assert response.status_code == 302
    shipping_ticket.refresh_from_db()
    assert shipping_ticket.priority == 4


def test_a_reply_goes_to_the_outbox_and_appears_in_the_conversation(
    people: Desk, shipping_ticket: Ticket
) -> None:
    client = client_of(people.minji)
    n = shipping_ticket.number
    upload = SimpleUploadedFile("안내문.txt", "환불 안내".encode(), content_type="text/plain")
    response = client.post(
        f"/t/{n}/reply/",
        {
            "body": "환불 처리해 드렸습니다.",
            "cc": "boss@shop.example",
            "status_after": "solved",
            "attachments": [upload],
        },
    )
    article = Article.objects.get(ticket=shipping_ticket, kind="reply")
    assert response.status_code == 302 and response["Location"] == f"/t/{n}/#a{article.pk}"
    outbox = Outbox.objects.get(kind="reply")
    assert outbox.to_email == "customer@example.com" and outbox.message_id == article.message_id
    assert article.cc == ["boss@shop.example"]
    assert Attachment.objects.get(article=article).filename == "안내문.txt"
    shipping_ticket.refresh_from_db()
    assert shipping_ticket.status == "solved" and shipping_ticket.assignee == people.minji.user
    page = client.get(f"/t/{n}/").content.decode()
    assert "환불 처리해 드렸습니다." in page and f'id="a{article.pk}"' in page


def test_an_empty_reply_a_bad_cc_or_too_large_files_keep_the_draft_and_say_why(
    people: Desk, shipping_ticket: Ticket, settings: Any
) -> None:
    client = client_of(people.minji)
    n = shipping_ticket.number
    response = client.post(f"/t/{n}/reply/", {"body": "   ", "status_after": "waiting"})
    assert response.status_code == 400
    response = client.post(
        f"/t/{n}/reply/", {"body": "초안입니다", "cc": "not-an-address", "status_after": "waiting"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "초안입니다" in html and "not-an-address" in html and "errorlist" in html
    big = SimpleUploadedFile("big.bin", b"\0" * (MAX_ATTACHMENT_BYTES + 1))
    response = client.post(
        f"/t/{n}/reply/", {"body": "큰 파일", "status_after": "waiting", "attachments": [big]}
    )
    assert response.status_code == 400
    assert "MB" in response.content.decode()
    assert not Outbox.objects.filter(kind="reply").exists()


def test_a_refused_reply_shows_the_services_reason_in_the_agents_language(
    people: Desk, shipping_ticket: Ticket
) -> None:
    Article.objects.filter(ticket=shipping_ticket).update(direction=Article.Direction.NOTE)
    Ticket.objects.filter(pk=shipping_ticket.pk).update(customer=None)
    response = client_of(people.minji).post(
        f"/t/{shipping_ticket.number}/reply/", {"body": "답변", "status_after": "waiting"}
    )
    assert response.status_code == 400
    assert "답장할 고객 주소가 없습니다" in response.content.decode()


def test_a_note_stays_inside(people: Desk, shipping_ticket: Ticket) -> None:
    client = client_of(people.minji)
    response = client.post(f"/t/{shipping_ticket.number}/note/", {"body": "고객이 전화로 재문의"})
    assert response.status_code == 302
    note = Article.objects.get(ticket=shipping_ticket, direction="note")
    assert note.text == "고객이 전화로 재문의" and note.author == people.minji
    assert not Outbox.objects.filter(kind="reply").exists()


def test_a_question_to_an_expert_is_listed_until_answered(people: Desk, shipping_ticket: Ticket) -> None:
    client = client_of(people.minji)
    n = shipping_ticket.number
    response = client.post(
        f"/t/{n}/consult/", {"expert_email": "legal@shop.example", "question": "환불 규정?"}
    )
    assert response.status_code == 302
    consultation = Consultation.objects.get(ticket=shipping_ticket)
    assert Outbox.objects.filter(kind="consult", to_email="legal@shop.example").exists()
    panel = (
        client.get(f"/t/{n}/").content.decode().split('id="consultations"', 1)[1].split("</section>", 1)[0]
    )
    assert "legal@shop.example" in panel and "st-waiting" in panel
    Consultation.objects.filter(pk=consultation.pk).update(answered_at=timezone.now())
    panel = (
        client.get(f"/t/{n}/").content.decode().split('id="consultations"', 1)[1].split("</section>", 1)[0]
    )
    assert "st-solved" in panel
    assert client.post(f"/t/{n}/consult/", {"expert_email": "nope", "question": "?"}).status_code == 400


def test_a_snippet_is_appended_with_placeholders_filled(people: Desk, shipping_ticket: Ticket) -> None:
    mine = Snippet.objects.create(
        queue=people.shipping,
        language="ko",
        title="환불 안내",
        body="{{ customer_name }}님, {{ ticket_number }} 환불되었습니다. {{ agent_name }}",
    )
    Snippet.objects.create(queue=people.general, language="ko", title="다른 큐", body="x")
    Snippet.objects.create(queue=None, language="en", title="English", body="x")
    client = client_of(people.minji)
    n = shipping_ticket.number
    picker = client.get(f"/t/{n}/").content.decode().split('name="snippet"', 1)[1].split("</select>", 1)[0]
    assert "환불 안내" in picker and "다른 큐" not in picker and "English" not in picker
    response = client.post(f"/t/{n}/snippet/", {"snippet": str(mine.pk), "body": "안녕하세요."}, headers=HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith("<textarea") and 'id="reply_body"' in html
    assert f"안녕하세요.\n\n고객님, {n} 환불되었습니다. 김민지" in html
    other = Snippet.objects.get(title="다른 큐")
    response = client.post(f"/t/{n}/snippet/", {"snippet": str(other.pk), "body": "그대로"}, headers=HTMX)
    assert "그대로" in response.content.decode() and "x</textarea>" not in response.content.decode()


def test_presence_shows_who_else_has_the_ticket_open(people: Desk, shipping_ticket: Ticket) -> None:
    colleague = agent_make("sora@shop.example", people.shipping, name="정소라")
    n = shipping_ticket.number
    minji, sora = client_of(people.minji), client_of(colleague)
    assert "보고 있습니다" not in minji.post(f"/t/{n}/presence/", headers=HTMX).content.decode()
    sora.post(f"/t/{n}/presence/", headers=HTMX)
    html = minji.post(f"/t/{n}/presence/", headers=HTMX).content.decode()
    assert "정소라" in html and "김민지" not in html
    # A closed tab stops beating and fades out.
    Viewing.objects.filter(agent=colleague).update(seen_at=timezone.now() - timedelta(minutes=2))
    assert "정소라" not in minji.post(f"/t/{n}/presence/", headers=HTMX).content.decode()
    assert Viewing.objects.count() == 2
