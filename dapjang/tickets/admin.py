"""Admin screens for queues, templates and tickets: what an operator needs until the console exists."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from dapjang.agents.models import Agent
from dapjang.sla.requeue import sla_requeue
from dapjang.tickets.models import Article, Attachment, MailTemplate, Queue, QueueAddress, Ticket, TicketEvent


class QueueAddressInline(admin.TabularInline[QueueAddress, Queue]):
    model = QueueAddress
    extra = 1


class MailTemplateInline(admin.StackedInline[MailTemplate, Queue]):
    model = MailTemplate
    extra = 0


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin[Queue]):
    list_display = ["name", "slug", "is_default", "ack_enabled"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [QueueAddressInline, MailTemplateInline]


@admin.register(MailTemplate)
class MailTemplateAdmin(admin.ModelAdmin[MailTemplate]):
    list_display = ["queue", "kind", "language", "subject"]
    list_filter = ["kind", "language", "queue"]


class ArticleInline(admin.StackedInline[Article, Ticket]):
    model = Article
    extra = 0
    can_delete = False
    fields = ("direction", "kind", "from_email", "from_name", "subject", "new_text", "quoted_text", "flags")
    readonly_fields = fields
    show_change_link = True


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin[Ticket]):
    list_display = ["number", "subject", "status", "priority", "queue", "customer", "kind", "created_at"]
    list_filter = ["status", "priority", "queue", "kind", "channel"]
    search_fields = ["number", "subject", "customer__email", "customer__name"]
    readonly_fields = ["number", "customer", "channel", "kind", "flags", "created_at", "updated_at"]
    raw_id_fields = ["assignee"]
    inlines = [ArticleInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ticket]:
        return super().get_queryset(request).select_related("queue", "customer")

    def save_model(
        self, request: HttpRequest, obj: Ticket, form: forms.ModelForm[Ticket], change: bool
    ) -> None:
        """A queue changed here is recorded and recounts the reply promise, as in the console."""
        super().save_model(request, obj, form, change)
        if change and "queue" in form.changed_data:
            actor = Agent.objects.filter(user_id=request.user.pk or 0).first()
            old = (
                Queue.objects.filter(pk=form.initial.get("queue") or 0).values_list("slug", flat=True).first()
            )
            TicketEvent.objects.create(
                ticket=obj, actor=actor, field="queue", old=old or "", new=obj.queue.slug
            )
            sla_requeue(obj, now=timezone.now(), actor=actor)


class AttachmentInline(admin.TabularInline[Attachment, Article]):
    model = Attachment
    extra = 0
    can_delete = False
    fields = ("filename", "content_type", "size", "sha256", "inline")
    readonly_fields = fields


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin[Article]):
    list_display = ["ticket", "direction", "kind", "from_email", "subject", "created_at"]
    list_filter = ["direction", "kind"]
    search_fields = ["subject", "from_email", "message_id", "ticket__number"]
    raw_id_fields = ["ticket", "raw"]
    readonly_fields = ["message_id", "in_reply_to", "references", "content_hash", "flags", "html"]
    inlines = [AttachmentInline]
