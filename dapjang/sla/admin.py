"""Admins edit the reply promise per queue; the row without a queue is the desk-wide default."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from dapjang.sla.models import SlaPolicy


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin[SlaPolicy]):
    list_display = [
        "__str__",
        "first_response_minutes",
        "resolution_minutes",
        "opens_at",
        "closes_at",
        "holiday_country",
        "vip_factor",
        "holding_enabled",
        "escalation_enabled",
    ]
    fieldsets = [
        (None, {"fields": ["queue", "first_response_minutes", "resolution_minutes"]}),
        (
            _("business hours"),
            {"fields": ["weekdays", "opens_at", "closes_at", "time_zone", "holiday_country", "closed_days"]},
        ),
        (
            _("customers and escalation"),
            {"fields": ["vip_factor", "holding_enabled", "holding_lead_minutes", "escalation_enabled"]},
        ),
    ]
