"""Admin screens: routing rules (ordered, with a dry run on any ticket), the per-topic thresholds,
the training examples agents' corrections made; stored models are shown, never edited.

A model row is written only by the training code (its blob is a signed pickle), so the admin offers
no form for it: reading the list and deleting a bad model is all a person needs.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _

from dapjang.customers.models import Customer
from dapjang.routing.dryrun import rules_dry_run
from dapjang.routing.models import RoutingModel, RoutingThreshold, Rule, TrainingExample
from dapjang.tickets.models import Ticket


class DryRunForm(forms.Form):
    ticket = forms.CharField(label=_("ticket number"), max_length=20, help_text="2026-000123")

    def clean_ticket(self) -> Ticket:
        number = self.cleaned_data["ticket"].strip().lstrip("#")
        ticket = Ticket.objects.select_related("customer").filter(number=number).first()
        if ticket is None:
            raise forms.ValidationError(_("No ticket with the number %(number)s.") % {"number": number})
        return ticket


class RuleForm(forms.ModelForm[Rule]):
    """Segments as check boxes rather than JSON typed by hand."""

    segments = forms.MultipleChoiceField(
        label=_("customer segments"),
        choices=Customer.Segment.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Rule
        fields = [
            "name",
            "position",
            "enabled",
            "senders",
            "recipients",
            "subject_keywords",
            "body_keywords",
            "segments",
            "form_fields",
            "queue",
            "priority",
            "tags",
            "set_segment",
            "stop",
        ]


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin[Rule]):
    """Rules in the order they run; the position is edited in the list, and the dry run is one click away."""

    form = RuleForm

    list_display = ["position", "name", "enabled", "queue", "priority", "tags", "set_segment", "stop"]
    list_display_links = ["name"]
    list_editable = ["position", "enabled"]
    list_filter = ["enabled", "queue"]
    search_fields = ["name", "subject_keywords", "body_keywords", "senders"]
    ordering = ["position", "id"]
    change_list_template = "admin/routing/rule/change_list.html"
    fieldsets = [
        (None, {"fields": ["name", "position", "enabled"]}),
        (
            _("Conditions (all that are filled in must hold)"),
            {
                "fields": [
                    "senders",
                    "recipients",
                    "subject_keywords",
                    "body_keywords",
                    "segments",
                    "form_fields",
                ]
            },
        ),
        (_("Actions"), {"fields": ["queue", "priority", "tags", "set_segment", "stop"]}),
    ]

    def get_urls(self) -> list[URLPattern]:
        extra = [path("dry-run/", self.admin_site.admin_view(self.dry_run_view), name="routing_rule_dry_run")]
        return extra + super().get_urls()

    def dry_run_view(self, request: HttpRequest) -> HttpResponse:
        """Which rule would fire on a chosen ticket, condition by condition; nothing is changed."""
        form = DryRunForm(request.GET or None)
        run = rules_dry_run(form.cleaned_data["ticket"]) if form.is_valid() else None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Dry run of the routing rules"),
            "form": form,
            "run": run,
            "changelist_url": reverse("admin:routing_rule_changelist"),
        }
        return TemplateResponse(request, "admin/routing/rule/dry_run.html", context)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra = {**(extra_context or {}), "dry_run_url": reverse("admin:routing_rule_dry_run")}
        return super().changelist_view(request, extra)


@admin.register(TrainingExample)
class TrainingExampleAdmin(admin.ModelAdmin[TrainingExample]):
    list_display = ["created_at", "topic", "source", "subject", "ticket"]
    list_filter = ["source", "topic"]
    search_fields = ["subject", "body"]
    raw_id_fields = ["ticket"]


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
