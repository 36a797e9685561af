"""Admin screens: the per-topic thresholds are set here; stored models are shown, never edited.

A model row is written only by the training code (its blob is a signed pickle), so the admin offers
no form for it: reading the list and deleting a bad model is all a person needs.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from dapjang.routing.models import RoutingModel, RoutingThreshold


@admin.register(RoutingThreshold)
class RoutingThresholdAdmin(admin.ModelAdmin[RoutingThreshold]):
    list_display = ["topic", "threshold"]
    search_fields = ["topic"]


@admin.register(RoutingModel)
class RoutingModelAdmin(admin.ModelAdmin[RoutingModel]):
    list_display = ["id", "created_at", "trained_on", "source", "format"]
    exclude = ["blob", "signature"]
    readonly_fields = ["created_at", "trained_on", "source", "topics", "metrics", "format"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[RoutingModel]:
        return super().get_queryset(request).defer("blob")  # megabytes a row, never shown

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: RoutingModel | None = None) -> bool:
        return False
