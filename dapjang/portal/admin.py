"""Admin screen for contact form submissions: who used the form, how often (abuse, RELIABILITY 10)."""

from __future__ import annotations

from django.contrib import admin

from dapjang.portal.models import FormSubmission


@admin.register(FormSubmission)
class FormSubmissionAdmin(admin.ModelAdmin[FormSubmission]):
    list_display = ["created_at", "email", "ticket_number", "client"]
    search_fields = ["email", "ticket_number"]
    date_hierarchy = "created_at"
    readonly_fields = ["email", "client", "ticket_number", "created_at"]
