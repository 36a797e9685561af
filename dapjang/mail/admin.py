"""Admin screens for raw mail (with a retry action for held and failed mail), the outbox, and the IMAP
mailboxes (whose stored password is write-only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from dapjang.mail.held import RetryRefused, held_retry
from dapjang.mail.models import Mailbox, Outbox, RawMessage
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


class MailboxForm(forms.ModelForm[Mailbox]):
    """The stored password can be set or replaced, never read back: the field always renders empty."""

    secret = forms.CharField(
        label="Stored password / 저장된 비밀번호",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Leave empty to keep the current one. Prefer the environment variable above for "
        "production. / 비워 두면 그대로 둡니다.",
    )
    clear_secret = forms.BooleanField(
        label="Forget the stored password / 저장된 비밀번호 지우기", required=False
    )

    class Meta:
        model = Mailbox
        fields = [
            "name", "enabled", "host", "port", "tls", "username", "auth", "secret_env", "secret",
            "folder", "after", "move_to", "queue",
        ]  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("secret") and not data.get("clear_secret"):
            data["secret"] = self.instance.secret if self.instance.pk else ""  # keep the current one
        elif data.get("clear_secret"):
            data["secret"] = ""
        if data.get("after") == Mailbox.After.MOVE and not data.get("move_to"):
            self.add_error("move_to", "Give the folder to move to / 옮길 폴더를 주세요")
        return data


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin[Mailbox]):
    form = MailboxForm
    list_display = [
        "name", "enabled", "host", "username", "folder", "after", "secret_source", "last_success_at",
        "last_error_at", "last_error",
    ]  # fmt: skip
    list_filter = ["enabled", "tls", "auth", "after"]
    search_fields = ["name", "host", "username"]
    readonly_fields = ["uidvalidity", "last_uid", "last_success_at", "last_error", "last_error_at"]
    actions = ["poll_now"]

    @admin.display(description="secret / 비밀번호")
    def secret_source(self, obj: Mailbox) -> str:
        return obj.secret_source

    @admin.action(description="Fetch mail now / 지금 메일 가져오기")
    def poll_now(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> None:
        from dapjang.mail.imap import mailbox_poll  # brings imapclient and Celery: only when someone polls

        for mailbox in queryset:
            report = mailbox_poll(mailbox)
            self.message_user(
                request, report.summary(), level=messages.ERROR if report.error else messages.INFO
            )
