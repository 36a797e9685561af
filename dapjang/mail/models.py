"""Raw inbound mail, stored before anything else, the blob store, the outbox of outbound mail, and the
IMAP mailboxes mail is fetched from."""

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
    # Where the IMAP poller first found these bytes (RELIABILITY durability rule 3); empty for
    # other channels, and for bytes another channel had already stored.
    mailbox = models.ForeignKey("mail.Mailbox", on_delete=models.SET_NULL, null=True, blank=True)
    uidvalidity = models.PositiveBigIntegerField(null=True, blank=True)
    uid = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("raw message")
        verbose_name_plural = _("raw messages")
        indexes = [
            models.Index(fields=["sender", "received_at"], name="raw_sender_window"),
            models.Index(fields=["mailbox", "uidvalidity", "uid"], name="raw_imap_position"),
        ]

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


class Mailbox(models.Model):
    """An IMAP folder we fetch from; every UID up to `last_uid` (under `uidvalidity`) is stored here.

    The secret is either named (`secret_env`: an environment variable, or NAME_FILE, read at each
    login so a token refresher can rotate it) or stored in `secret`, which nothing ever displays.
    """

    class Tls(models.TextChoices):
        SSL = "ssl", _("TLS from the start (port 993)")
        STARTTLS = "starttls", _("STARTTLS (port 143)")
        NONE = "none", _("none: plain text, a trusted network only")

    class Auth(models.TextChoices):
        PASSWORD = "password", _("password (or app password)")
        XOAUTH2 = "xoauth2", _("OAuth 2 access token (XOAUTH2)")

    class After(models.TextChoices):
        SEEN = "seen", _("mark as read (\\Seen)")
        MOVE = "move", _("move to a folder")
        DELETE = "delete", _("delete")

    name = models.CharField(_("name"), max_length=100, unique=True)
    host = models.CharField(_("host"), max_length=253)
    port = models.PositiveIntegerField(_("port"), default=993)
    tls = models.CharField(_("TLS"), max_length=8, choices=Tls.choices, default=Tls.SSL)
    username = models.CharField(_("user name"), max_length=320)
    auth = models.CharField(_("login"), max_length=16, choices=Auth.choices, default=Auth.PASSWORD)
    secret_env = models.CharField(
        _("secret in environment variable"),
        max_length=200,
        blank=True,
        help_text=_("NAME: the password or token is read from $NAME (or the file named by $NAME_FILE)"),
    )
    secret = models.TextField(_("stored password"), blank=True)  # never displayed or logged
    folder = models.CharField(_("folder"), max_length=500, default="INBOX")
    after = models.CharField(_("after storing"), max_length=8, choices=After.choices, default=After.SEEN)
    move_to = models.CharField(_("move to folder"), max_length=500, blank=True)
    # Mail from this mailbox is routed as if sent to the queue's first address.
    queue = models.ForeignKey(
        "tickets.Queue", on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("queue")
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    uidvalidity = models.PositiveBigIntegerField(null=True, blank=True)
    last_uid = models.PositiveBigIntegerField(_("highest stored UID"), default=0)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Changes only when a person edits the mailbox (cursor and status use update()): the watcher
    # reconnects when it moves.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def secret_source(self) -> str:
        """How the secret is found, safe to show: `env:NAME`, `stored`, or `none`."""
        if self.secret_env:
            return f"env:{self.secret_env}"
        return "stored" if self.secret else "none"

    @property
    def failing(self) -> bool:
        """The most recent poll ended in an error (an error older than the last success is history)."""
        if self.last_error_at is None:
            return False
        return self.last_success_at is None or self.last_error_at > self.last_success_at
