"""Admin screens for raw mail (with a retry action for held and failed mail) and the outbox."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from dapjang.mail.held import RetryRefused, held_retry
from dapjang.mail.models import Outbox, RawMessage
from dapjang.tickets.context import PipelineContext


@admin.register(RawMessage)
class RawMessageAdmin(admin.ModelAdmin[RawMessage]):
    list_display = ["id", "received_at", "channel", "sender", "state", "outcome", "kind", "reason", "ticket"]
    list_filter = ["state", "outcome", "kind", "channel"]
    search_fields = ["sender", "message_id", "sha256", "source"]
    exclude = ["data"]
    readonly_fields = [f.name for f in RawMessage._meta.fields if f.name != "data"]
    actions = ["retry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Process again (held or failed) / 다시 처리")
    def retry(self, request: HttpRequest, queryset: QuerySet[RawMessage]) -> None:
        ctx = PipelineContext()
        for raw in queryset:
            try:
                result = held_retry(raw_id=raw.id, ctx=ctx)
            except RetryRefused as exc:
                self.message_user(request, str(exc), level=messages.WARNING)
            else:
                self.message_user(request, f"{raw.id}: {result.outcome} {result.ticket or ''}")


@admin.register(Outbox)
class OutboxAdmin(admin.ModelAdmin[Outbox]):
    list_display = ["id", "created_at", "kind", "to_email", "subject", "state", "attempts", "last_error"]
    list_filter = ["state", "kind"]
    search_fields = ["to_email", "subject", "message_id"]
    exclude = ["data"]
    readonly_fields = [f.name for f in Outbox._meta.fields if f.name != "data"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
