"""The contact page (MISSION A10): FAQ answers while the customer types, else the form becomes a ticket."""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dapjang.knowledge.search import faq_search
from dapjang.portal.deflection import deflection_record, published_entry
from dapjang.portal.forms import STORE_FAILED, ContactForm, rate_limited
from dapjang.portal.limits import client_key, submission_allowed, submission_record
from dapjang.portal.pages import client_address, page_language, portal_page
from dapjang.portal.submit import ContactMessage, contact_submit
from dapjang.portal.topics import form_topics

log = logging.getLogger("dapjang.portal")

SUGGESTIONS = 3
# BM25 scores of weak matches (a greeting, a stray word shared with one entry) sit near 1; a real
# match scores several times that. Showing weak ones would teach customers to ignore the panel.
MIN_SCORE = 3.0
MIN_SHARE_OF_BEST = 0.4
MAX_QUERY = 2000
SENT_KEY = "portal_sent"
DEFLECTED_KEY = "portal_deflected"


@portal_page
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    topics = form_topics(page_language())
    if request.method != "POST":
        initial = {"topic": request.GET.get("topic", "")}
        return _page(request, ContactForm(topics=topics, initial=initial))
    form = ContactForm(request.POST, request.FILES, topics=topics)
    if not form.is_valid():
        return _page(request, form, status=400)
    data = form.cleaned_data
    client = client_key(client_address(request))
    limit = submission_allowed(email=data["email"], client=client, now=timezone.now())
    if not limit.allowed:
        form.add_error(None, rate_limited(limit.retry_minutes))
        response = _page(request, form, status=429)
        response["Retry-After"] = str(limit.retry_minutes * 60)
        return response
    topic = form.chosen_topic()
    contact = ContactMessage(
        name=data["name"],
        email=data["email"],
        topic=topic.slug,
        queue_id=topic.queue_id,
        product=data["product"],
        subject=data["subject"],
        message=data["message"],
        attachments=tuple(data["attachments"]),
    )
    try:
        result = contact_submit(contact, client=client)
    except DatabaseError:
        # The raw message could not even be stored: say so, and give the customer their text back.
        log.exception("contact form: the message could not be stored")
        form.add_error(None, STORE_FAILED)
        return _page(request, form, status=503)
    submission_record(email=data["email"], client=client, ticket_number=result.ticket or "")
    request.session[SENT_KEY] = {"number": result.ticket or "", "outcome": result.outcome}
    return redirect("portal:sent")


def _page(request: HttpRequest, form: ContactForm, status: int = 200) -> HttpResponse:
    return render(request, "portal/contact.html", {"form": form, "section": "contact"}, status=status)


@portal_page
@require_GET
def sent(request: HttpRequest) -> HttpResponse:
    """The thank-you page, after a redirect so that reloading it cannot send the form twice."""
    info = request.session.get(SENT_KEY)
    if not isinstance(info, dict):
        return redirect("portal:contact")
    return render(request, "portal/sent.html", {"number": info.get("number", ""), "section": "contact"})


@portal_page
@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """FAQ answers for what the customer has typed so far (htmx, debounced on the page)."""
    query = " ".join(request.GET.get(k, "") for k in ("subject", "message")).strip()[:MAX_QUERY]
    hits = faq_search(query, limit=SUGGESTIONS) if len(query) >= 2 else []
    best = hits[0][1] if hits else 0.0
    entries = [e for e, score in hits if score >= MIN_SCORE and score >= best * MIN_SHARE_OF_BEST]
    return render(request, "portal/partials/suggestions.html", {"entries": entries, "query": query[:500]})


@portal_page
@require_POST
def deflect(request: HttpRequest) -> HttpResponse:
    """ "This answered my question": counted once per entry and visit, then thanked."""
    entry = published_entry(request.POST.get("faq_id", "")[:64], page_language())
    if entry is None:
        return render(
            request,
            "portal/partials/deflected.html",
            {"error": _("This answer is no longer available.")},
            status=404,
        )
    done: list[str] = list(request.session.get(DEFLECTED_KEY, []))
    if entry.faq_id not in done:
        deflection_record(entry, query=request.POST.get("query", ""))
        request.session[DEFLECTED_KEY] = [*done, entry.faq_id][-100:]
    template = (
        "portal/partials/deflected.html" if getattr(request, "htmx", False) else "portal/deflected.html"
    )
    return render(request, template, {"entry": entry, "section": "contact"})
