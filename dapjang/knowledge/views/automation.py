"""/knowledge/automation/: the automatic answers per queue, and the coefficient admins set (MISSION B3).

Everyone sees the numbers of their own queues (an admin: all of them); only an admin changes a
queue's coefficient or switches its automatic answers off.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dapjang.agents.services import is_desk_admin, queues_of
from dapjang.console.access import AgentRequest, agent_required
from dapjang.knowledge.automation import (
    CHART_WIDTH,
    PERIODS,
    ROW_HEIGHT,
    automation_numbers,
    automation_total,
    chart_bars,
    period_days,
)
from dapjang.knowledge.forms import QueueAutomationForm

log = logging.getLogger("dapjang.knowledge")


@agent_required
@require_http_methods(["GET", "POST"])
def automation_page(request: AgentRequest) -> HttpResponse:
    admin = is_desk_admin(request.agent)
    days = period_days(request.GET.get("days"))
    invalid: QueueAutomationForm | None = None
    if request.method == "POST":
        if not admin:
            raise PermissionDenied(_("Only an administrator changes the automation coefficient."))
        form = QueueAutomationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            queue = get_object_or_404(queues_of(request.agent), pk=data["queue"])
            queue.autoanswer_enabled = data["autoanswer_enabled"]
            queue.autoanswer_threshold = round(data["autoanswer_threshold"], 4)
            queue.save(update_fields=["autoanswer_enabled", "autoanswer_threshold"])
            log.info(
                "%s set queue %s: automatic answers %s at %.2f",
                request.agent,
                queue.slug,
                "on" if queue.autoanswer_enabled else "off",
                queue.autoanswer_threshold,
            )
            messages.success(
                request, _("Saved the automation settings of %(queue)s.") % {"queue": queue.name}
            )
            return redirect(f"{reverse('knowledge:automation')}?days={days}")
        invalid = form
    since = timezone.now() - timedelta(days=days)
    rows = automation_numbers(queues_of(request.agent), since=since)
    forms = {}
    for row in rows:
        if invalid is not None and str(invalid.data.get("queue")) == str(row.queue.pk):
            forms[row.queue.pk] = invalid
        else:
            forms[row.queue.pk] = QueueAutomationForm(
                initial={
                    "queue": row.queue.pk,
                    "autoanswer_enabled": row.queue.autoanswer_enabled,
                    "autoanswer_threshold": row.queue.autoanswer_threshold,
                },
                auto_id=f"id_q{row.queue.pk}_%s",
            )
    bars = chart_bars(rows)
    context = {
        "section": "automation",
        "days": days,
        "periods": PERIODS,
        "rows": [(row, forms[row.queue.pk]) for row in rows],
        "total": automation_total(rows),
        "admin": admin,
        "bars": bars,
        "chart_width": CHART_WIDTH,
        "chart_height": max(len(bars), 1) * ROW_HEIGHT,
        "label_width": 140,
    }
    return render(request, "knowledge/automation.html", context, status=400 if invalid else 200)
