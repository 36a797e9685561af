"""Admin screens for the knowledge base: FAQ entries, the domain dictionary and saved answers."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from dapjang.knowledge.forms import PromoteForm
from dapjang.knowledge.models import FaqEntry, SavedAnswer, Synonym
from dapjang.knowledge.services import saved_answer_promote
from dapjang.tickets.models import Queue


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
    change_form_template = "admin/knowledge/savedanswer/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[SavedAnswer]:
        return super().get_queryset(request).select_related("promoted_to", "saved_by")

    def get_urls(self) -> list[URLPattern]:
        promote = self.admin_site.admin_view(self.promote_view)
        return [
            path("<int:pk>/promote/", promote, name="knowledge_savedanswer_promote"),
            *super().get_urls(),
        ]

    def promote_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The reviewer's step of A12: the model answer, edited, becomes an FAQ entry (a draft by default)."""
        saved = get_object_or_404(SavedAnswer, pk=pk)
        if not self.has_change_permission(request, saved) or not request.user.has_perm(
            "knowledge.add_faqentry"
        ):
            raise PermissionDenied
        topics = [(q.slug, q.name) for q in Queue.objects.order_by("name")]
        initial = {"answer": saved.text, "question": saved.title, "faq_id": _next_faq_id()}
        form = PromoteForm(request.POST or None, initial=initial, language=saved.language, topics=topics)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            entry = saved_answer_promote(
                saved=saved,
                faq_id=data["faq_id"],
                topic=data["topic"],
                question=data["question"],
                answer=data["answer"],
                paraphrases=str(data["paraphrases"]).splitlines(),
                publish=bool(data["publish"]),
            )
            messages.success(request, _("Saved as FAQ entry %(id)s.") % {"id": entry.faq_id})
            return redirect("admin:knowledge_faqentry_change", entry.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Promote to the FAQ"),
            "saved": saved,
            "form": form,
            "opts": self.model._meta,
        }
        return render(request, "admin/knowledge/savedanswer/promote.html", context)


def _next_faq_id() -> str:
    """faq-NNN one past the highest number in use, as a suggestion the reviewer may change."""
    numbers = [
        int(faq_id.rsplit("-", 1)[1])
        for faq_id in FaqEntry.objects.filter(faq_id__regex=r"^faq-[0-9]+$").values_list("faq_id", flat=True)
    ]
    return f"faq-{max(numbers, default=0) + 1:03d}"
