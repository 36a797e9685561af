"""The FAQ for customers (MISSION C3): by topic, searchable, one page per entry; published entries only."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dapjang.knowledge.models import FaqEntry
from dapjang.knowledge.search import faq_search
from dapjang.portal.pages import page_language, portal_page
from dapjang.portal.topics import topic_label

MAX_QUERY = 200
SEARCH_RESULTS = 20


@portal_page
@require_GET
def faq_list(request: HttpRequest) -> HttpResponse:
    language = page_language()
    published = FaqEntry.objects.filter(language=language, status=FaqEntry.Status.PUBLISHED)
    query = request.GET.get("q", "").strip()[:MAX_QUERY]
    topic = request.GET.get("topic", "").strip()[:50]
    topics = [
        (slug, topic_label(slug, language))
        for slug in published.order_by("topic").values_list("topic", flat=True).distinct()
    ]
    if query:
        entries = [e for e, _score in faq_search(query, language=language, limit=SEARCH_RESULTS)]
        if topic:
            entries = [e for e in entries if e.topic == topic]
    else:
        rows = published.filter(topic=topic) if topic else published
        entries = list(rows.order_by("topic", "faq_id"))
    groups: dict[str, list[FaqEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.topic, []).append(entry)
    context = {
        "section": "faq",
        "query": query,
        "topic": topic,
        "topics": topics,
        "entries": entries,
        "groups": [(slug, topic_label(slug, language), rows) for slug, rows in groups.items()],
    }
    return render(request, "portal/faq_list.html", context)


@portal_page
@require_GET
def faq_entry(request: HttpRequest, faq_id: str) -> HttpResponse:
    language = page_language()
    rows = FaqEntry.objects.filter(faq_id=faq_id, status=FaqEntry.Status.PUBLISHED)
    entry = rows.filter(language=language).first() or rows.first()
    if entry is None:
        raise Http404("no such FAQ entry")
    context = {
        "section": "faq",
        "entry": entry,
        "topic_name": topic_label(entry.topic, language),
        "other_language": entry.language != language,
    }
    return render(request, "portal/faq_entry.html", context)
