"""Raw inbound mail, stored before anything else, the blob store, and the outbox of outbound mail."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RawMessage(models.Model):
    """Inbound bytes exactly as received; every message ends in one accounted state (RELIABILITY)."""

    class State(models.TextChoices):
        RECEIVED = "received", _("received")  # stored, not yet processed (or to be retried)
        PROCESSED = "processed", _("processed")  # became (part of) a ticket, or was a duplicate
        IGNORED = "ignored", _("ignored")  # own echo, bounce of unknown mail: stored, no ticket
        HELD = "held", _("held")  # waiting for a person: no sender, not mail, flood…
        FAILED = "failed", _("failed")  # processing raised; retried a bounded number of times

    sha256 = models.CharField(max_length=64, unique=True)
    data = models.BinaryField()
    size = models.PositiveBigIntegerField()
    channel = models.CharField(max_length=16)  # smtp, imap, file, form, api
    source = models.CharField(max_length=1000, blank=True)  # file path, mailbox/uid…
    # None: unknown (file import); "": the null sender <> (a bounce or auto-reply by definition).
    envelope_from = models.CharField(max_length=320, null=True, blank=True)  # noqa: DJ001 - None ≠ ""
    envelope_to = models.JSONField(default=list, blank=True)
    received_at = models.DateTimeField(db_index=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.RECEIVED, db_index=True)
    outcome = models.CharField(max_length=16, blank=True)  # created, appended, duplicate, held…
    kind = models.CharField(max_length=16, blank=True)  # human, auto-reply, bulk, bounce, mdn, own-echo
    sender = models.CharField(max_length=320, blank=True, db_index=True)
    message_id = models.CharField(max_length=995, blank=True, db_index=True)
    reason = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        verbose_name = _("raw message")
        verbose_name_plural = _("raw messages")
        indexes = [models.Index(fields=["sender", "received_at"], name="raw_sender_window")]

    def __str__(self) -> str:
        return f"{self.pk} {self.state} {self.sha256[:12]}"


class Blob(models.Model):
    """Attachment bytes, stored once however many mails carry them."""

    sha256 = models.CharField(max_length=64, primary_key=True)
    data = models.BinaryField()
    size = models.PositiveBigIntegerField()

    def __str__(self) -> str:
        return self.sha256


class Outbox(models.Model):
    """An outbound mail; the idempotency key makes enqueueing twice a no-op, the Message-ID never changes."""

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")  # waiting for the relay (or, with none configured, in the sink)
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")  # permanent: the relay refused it, or retries ran out
        SUPPRESSED = "suppressed", _("suppressed")  # a loop cap or an undeliverable recipient stopped it

    idempotency_key = models.CharField(max_length=200, unique=True)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True)
    kind = models.CharField(max_length=32)  # ack, reply, holding, auto-answer, notification…
    to_email = models.CharField(max_length=320)
    envelope_from = models.CharField(max_length=320, blank=True)  # "" = the null sender <>
    subject = models.CharField(max_length=500)
    message_id = models.CharField(max_length=995, unique=True)
    data = models.BinaryField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outbound mail")
        verbose_name_plural = _("outbox")
        indexes = [models.Index(fields=["to_email", "created_at"], name="outbox_recipient_window")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.to_email} ({self.state})"
