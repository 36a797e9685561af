"""Customer content out of the database: mail HTML for the sandboxed frame, attachments as downloads.

Both are found through `tickets_visible_to` in the query (RELIABILITY 33, 34); see console/content.py
for why they are served the way they are.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from dapjang.agents.services import tickets_visible_to
from dapjang.console.access import AgentRequest, agent_required
from dapjang.console.content import (
    ATTACHMENT_CSP,
    INLINE_IMAGE_BYTES,
    INLINE_IMAGE_TYPES,
    MAIL_CSP,
    cids_in,
    inline_cid_images,
    mail_document,
    served_type,
)
from dapjang.mail.blobs import blobs_get
from dapjang.tickets.downloads import content_disposition
from dapjang.tickets.models import Article, Attachment
from dapjang.tickets.services import attachment_bytes


@agent_required
@require_GET
def attachment(request: AgentRequest, number: str, attachment_id: int) -> HttpResponse:
    tickets = tickets_visible_to(request.agent).filter(number=number)
    found = get_object_or_404(Attachment.objects.filter(article__ticket__in=tickets), pk=attachment_id)
    data = attachment_bytes(found)
    if data is None:
        raise Http404
    response = HttpResponse(data, content_type=served_type(found.content_type))
    response["Content-Disposition"] = content_disposition(found.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = ATTACHMENT_CSP
    return response


@agent_required
@require_GET
@xframe_options_sameorigin
def article_html(request: AgentRequest, number: str, article_id: int) -> HttpResponse:
    tickets = tickets_visible_to(request.agent).filter(number=number)
    article = get_object_or_404(Article.objects.filter(ticket__in=tickets).exclude(html=""), pk=article_id)
    files = list(article.attachments.all())
    cids = cids_in(article.html)
    wanted = [
        f.sha256
        for f in files
        if f.content_id.strip("<>").lower() in cids
        and f.content_type.lower() in INLINE_IMAGE_TYPES
        and f.size <= INLINE_IMAGE_BYTES
    ]
    blobs = blobs_get(wanted)
    document = mail_document(inline_cid_images(article.html, files, blobs), lang=article.language)
    response = HttpResponse(document, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = MAIL_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
