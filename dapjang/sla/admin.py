"""Admins edit the reply promise per queue; the row without a queue is the desk-wide default."""

from __future__ import annotations

from django.contrib import admin

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
            "Business hours / 영업 시간",
            {"fields": ["weekdays", "opens_at", "closes_at", "time_zone", "holiday_country", "closed_days"]},
        ),
        (
            "Customers and escalation / 고객 등급과 에스컬레이션",
            {"fields": ["vip_factor", "holding_enabled", "holding_lead_minutes", "escalation_enabled"]},
        ),
    ]
