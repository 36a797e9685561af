"""The ticket page: the conversation in order, customer HTML only in a sandboxed frame under a strict
CSP, attachments only as downloads (RELIABILITY 30–33), the customer's history (A13)."""

from __future__ import annotations

import re
from typing import Any

from django.utils.http import urlencode

from dapjang.mail.blobs import blob_put
from dapjang.tickets.models import Attachment, Ticket, TicketEvent
from dapjang.tickets.services import ticket_note, ticket_reply
from tests.builders import build_mail
from tests.console.conftest import Desk, client_of, html_mail

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_the_conversation_is_in_order_with_notes_and_replies_marked(
    people: Desk, shipping_ticket: Ticket
) -> None:
    ticket_note(shipping_ticket, people.minji, "고객에게 전화함")
    ticket_reply(shipping_ticket, people.minji, "환불 처리해 드렸습니다.")
    html = client_of(people.minji).get(f"/t/{shipping_ticket.number}/").content.decode()
    kinds = re.findall(r'class="msg dir-(\w+) kind-([\w-]+)"', html)
    assert kinds == [("in", "customer"), ("out", "ack"), ("note", "note"), ("out", "reply")]
    assert html.index("고객에게 전화함") < html.index("환불 처리해 드렸습니다.")


def test_customer_html_is_only_in_a_sandboxed_frame(people: Desk, shipping_ticket: Ticket) -> None:
    html = client_of(people.minji).get(f"/t/{shipping_ticket.number}/").content.decode()
    frames = re.findall(r"<iframe[^>]*>", html)
    assert len(frames) == 1
    assert 'sandbox=""' in frames[0]
    assert "allow-scripts" not in html and "allow-same-origin" not in html
    assert "환불해주세요</b>" not in html  # the mail's markup never enters the console page itself


def test_the_frame_document_has_a_csp_that_blocks_everything_active_or_remote(
    people: Desk, shipping_ticket: Ticket
) -> None:
    article = shipping_ticket.articles.exclude(html="").get()
    response = client_of(people.minji).get(f"/t/{shipping_ticket.number}/m/{article.pk}/")
    csp = response["Content-Security-Policy"]
    assert csp.startswith("default-src 'none'") and "img-src data:;" in csp and csp.endswith("sandbox")
    assert "script-src" not in csp and "http" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "<b>환불해주세요</b>" in response.content.decode()


def test_the_plain_text_view_shows_text_and_folds_the_quoted_history(people: Desk, feed: Any) -> None:
    body = "네 확인했습니다.\n\n2026년 11월 20일 (금) 오전 10:00, 고객센터 <help@shop.example>님이 작성:\n> 주문 번호를 알려주세요.\n"
    result = feed(build_mail(subject="주문 번호", body=body, to="shipping@shop.example"))
    html = client_of(people.minji).get(f"/t/{result.ticket}/", {"view": "text"}).content.decode()
    assert "<iframe" not in html
    assert "네 확인했습니다." in html
    assert re.search(r"<details class=\"quoted\">.*주문 번호를 알려주세요", html, re.S)


def test_inline_cid_images_are_shown_from_our_own_bytes_and_remote_ones_are_blocked(
    people: Desk, feed: Any
) -> None:
    raw = html_mail(
        html='<p>사진</p><img src="cid:photo1@x"><img src="http://127.0.0.1:9/track.png">',
        attachments=[("photo.png", "image/png", PNG, "photo1@x")],
    )
    number = feed(raw).ticket
    article = Ticket.objects.get(number=number).articles.exclude(html="").get()
    client = client_of(people.minji)
    frame = client.get(f"/t/{number}/m/{article.pk}/").content.decode()
    assert 'src="data:image/png;base64,' in frame
    assert "cid:" not in frame
    page = client.get(f"/t/{number}/").content.decode()
    assert "remote-blocked" in page


def test_attachments_are_downloads_with_a_safe_korean_filename(people: Desk, shipping_ticket: Ticket) -> None:
    attachment = Attachment.objects.get(article__ticket=shipping_ticket)
    response = client_of(people.minji).get(f"/t/{shipping_ticket.number}/a/{attachment.pk}/")
    assert response.content == b"%PDF-1.4 receipt"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"attachment.pdf\"; filename*=UTF-8''%EC%98%81%EC%88%98%EC%A6%9D.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_active_attachment_types_and_hostile_names_are_defused(people: Desk, feed: Any) -> None:
    files = [
        ("page.html", "text/html", b"<script>alert(1)</script>", ""),
        ("pic.svg", "image/svg+xml", b"<svg onload=alert(1)>", ""),
        ("app.js", "application/javascript", b"alert(1)", ""),
        ("../../etc/passwd.png", "image/png", b"<html><script>alert(1)</script>", ""),
    ]
    number = feed(html_mail(html="<p>files</p>", attachments=files)).ticket
    # A name no mail library would write, as if it had come in some other way.
    article = Attachment.objects.filter(article__ticket__number=number).first().article  # type: ignore[union-attr]
    Attachment.objects.create(
        article=article,
        filename='..\\x/"pass\r\nwd";.txt',
        content_type="text/plain",
        size=1,
        sha256=blob_put(b"x"),
    )
    client = client_of(people.minji)
    seen = {}
    for attachment in Attachment.objects.filter(article__ticket__number=number):
        response = client.get(f"/t/{number}/a/{attachment.pk}/")
        seen[attachment.content_type] = response
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment; filename=")
        assert (
            "\r" not in disposition
            and "\n" not in disposition
            and "/" not in disposition.split("filename*")[0]
        )
        assert response["X-Content-Type-Options"] == "nosniff"
    for active in ("text/html", "image/svg+xml", "application/javascript"):
        assert seen[active]["Content-Type"] == "application/octet-stream", active
    assert "..%2F" not in seen["image/png"]["Content-Disposition"]
    assert (
        seen["text/plain"]["Content-Disposition"]
        == "attachment; filename=\"passwd.txt\"; filename*=UTF-8''passwd.txt"
    )


def test_the_customer_panel_shows_segment_first_contact_counts_and_earlier_tickets(
    people: Desk, feed: Any
) -> None:
    first = feed(build_mail(subject="첫 문의", to="shipping@shop.example")).ticket
    second = feed(build_mail(subject="두 번째 문의", to="shipping@shop.example")).ticket
    html = client_of(people.minji).get(f"/t/{second}/").content.decode()
    panel = html.split('id="customer"', 1)[1].split("</section>", 1)[0]
    assert "minsu@customer.example" in panel and "김민수" in panel
    assert f'href="/t/{first}/"' in panel and "첫 문의" in panel
    assert re.search(r"2\D+2", panel)  # two tickets, two open


def test_the_trail_shows_who_changed_what(people: Desk, shipping_ticket: Ticket) -> None:
    client = client_of(people.minji)
    client.post(f"/t/{shipping_ticket.number}/update/", {"status": "open", "priority": "4"})
    html = client.get(f"/t/{shipping_ticket.number}/").content.decode()
    trail = html.split('id="trail"', 1)[1].split("</section>", 1)[0]
    assert "김민지" in trail and "<s>" in trail


def test_the_routers_notes_read_in_queue_names_and_percentages(people: Desk, shipping_ticket: Ticket) -> None:
    for note in ("classifier: shipping 0.9512 ≥ 0.85", "triage: shipping 0.24, general 0.16, gone 0.10"):
        TicketEvent.objects.create(ticket=shipping_ticket, field="routing", new=note)
    html = client_of(people.minji).get(f"/t/{shipping_ticket.number}/").content.decode()
    trail = html.split('id="trail"', 1)[1].split("</section>", 1)[0]
    assert f"주제 분류: {people.shipping.name} 95% (기준 85%)" in trail
    assert f"분류 대기, 추천: {people.shipping.name} 24%, {people.general.name} 16%, gone 10%" in trail


def test_the_search_box_link_keeps_korean(people: Desk, shipping_ticket: Ticket) -> None:
    response = client_of(people.minji).get("/inbox/?" + urlencode({"q": "환불"}))
    assert shipping_ticket.number in response.content.decode()
