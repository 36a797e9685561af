"""Admin screens for the knowledge base: FAQ entries, the domain dictionary and saved answers."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from dapjang.knowledge.models import FaqEntry, SavedAnswer, Synonym


@admin.register(FaqEntry)
class FaqEntryAdmin(admin.ModelAdmin[FaqEntry]):
    list_display = ["faq_id", "language", "topic", "question", "status", "updated_at"]
    list_filter = ["status", "language", "topic"]
    search_fields = ["faq_id", "question", "answer"]
    actions = ["publish", "unpublish"]

    @admin.action(description=_("Publish the selected entries"))
    def publish(self, request: HttpRequest, queryset: QuerySet[FaqEntry]) -> None:
        # One save per row, not update(): the search index notices changes by `updated_at`.
        for entry in queryset:
            entry.status = FaqEntry.Status.PUBLISHED
            entry.save(update_fields=["status", "updated_at"])

    @admin.action(description=_("Unpublish the selected entries"))
    def unpublish(self, request: HttpRequest, queryset: QuerySet[FaqEntry]) -> None:
        for entry in queryset:
            entry.status = FaqEntry.Status.DRAFT
            entry.save(update_fields=["status", "updated_at"])


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin[Synonym]):
    list_display = ["variant", "canonical", "language"]
    list_filter = ["language"]
    search_fields = ["variant", "canonical"]


@admin.register(SavedAnswer)
class SavedAnswerAdmin(admin.ModelAdmin[SavedAnswer]):
    list_display = ["__str__", "language", "suggested_for_faq", "promoted_to", "saved_by", "created_at"]
    list_filter = ["suggested_for_faq", "language"]
    search_fields = ["title", "text"]
    raw_id_fields = ["article", "promoted_to", "saved_by"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[SavedAnswer]:
        return super().get_queryset(request).select_related("promoted_to", "saved_by")
