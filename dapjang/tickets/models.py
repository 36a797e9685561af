"""Queues (departments), tickets and their articles: the state the pipeline builds from raw mail."""

from __future__ import annotations

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.translation import gettext_lazy as _


def _segments_sensitive() -> list[str]:
    return ["vip", "abusive"]


class Queue(models.Model):
    """A department or topic; mail sent to one of its addresses lands here (MISSION A7)."""

    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    # Shown as the From name of every mail the queue sends, so all replies read as one company (A4).
    sender_name = models.CharField(_("sender name"), max_length=200, blank=True)
    is_default = models.BooleanField(_("default queue"), default=False)
    ack_enabled = models.BooleanField(_("send acknowledgements"), default=True)
    # The automation coefficient (MISSION B3): an FAQ answer goes out by itself only when the
    # verifier's confidence that it fully answers the mail reaches this threshold.
    autoanswer_enabled = models.BooleanField(_("answer frequent questions automatically"), default=True)
    autoanswer_threshold = models.FloatField(_("automation coefficient"), default=0.85)
    autoanswer_skip_segments = models.JSONField(
        _("never auto-answer these customer segments"), default=_segments_sensitive, blank=True
    )
    # A ticket with no agent action for this long moves to another agent and the lead is told (A8).
    stall_minutes = models.PositiveIntegerField(_("stall limit (minutes)"), default=480)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="queue_single_default"
            )
        ]

    def __str__(self) -> str:
        return self.name


class QueueAddress(models.Model):
    """A support address; unique across queues so routing by recipient is never ambiguous."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="addresses")
    email = models.CharField(_("address"), max_length=320, unique=True)

    class Meta:
        verbose_name = _("queue address")
        verbose_name_plural = _("queue addresses")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.email

    def save(self, *args: object, **kwargs: object) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class MailTemplate(models.Model):
    """The text of an automatic mail, per queue and language; no queue means the desk-wide default."""

    class Kind(models.TextChoices):
        ACK = "ack", _("acknowledgement")
        HOLDING = "holding", _("holding reply (the promise will be late)")

    queue = models.ForeignKey(
        Queue, on_delete=models.CASCADE, null=True, blank=True, related_name="templates"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, default=Kind.ACK)
    language = models.CharField(_("language"), max_length=8, choices=[("ko", "한국어"), ("en", "English")])
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))

    class Meta:
        verbose_name = _("mail template")
        verbose_name_plural = _("mail templates")
        constraints = [
            models.UniqueConstraint(fields=["queue", "kind", "language"], name="template_unique_per_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.queue or '*'} {self.kind} {self.language}"


class TicketCounter(models.Model):
    """The last ticket number handed out in a year; one row per year keeps numbers short."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Ticket(models.Model):
    """One customer matter, numbered `YYYY-NNNNNN`, in one queue."""

    class Status(models.TextChoices):
        NEW = "new", _("new")
        OPEN = "open", _("open")
        WAITING = "waiting", _("waiting on customer")
        SOLVED = "solved", _("solved")
        CLOSED = "closed", _("closed")

    class Priority(models.IntegerChoices):
        LOW = 1, _("low")
        NORMAL = 2, _("normal")
        HIGH = 3, _("high")
        URGENT = 4, _("urgent")

    number = models.CharField(_("number"), max_length=20, unique=True)
    subject = models.CharField(_("subject"), max_length=500)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="tickets")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    assignee = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_tickets"
    )
    channel = models.CharField(_("channel"), max_length=16, default="email")
    language = models.CharField(_("language"), max_length=8, default="ko")
    # Machine kind of the first mail (human, bulk, auto-reply…): lets agents filter out the noise.
    kind = models.CharField(_("kind"), max_length=16, default="human")
    flags = models.JSONField(_("flags"), default=list, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    # Routing (MISSION A7, B3): the classifier's topic and confidence, its top three when it was
    # unsure, and whether the ticket waits in triage for an agent to pick the queue.
    topic = models.CharField(_("topic"), max_length=50, blank=True)
    confidence = models.FloatField(_("confidence"), null=True, blank=True)
    suggestions = models.JSONField(_("suggested topics"), default=list, blank=True)
    triage = models.BooleanField(_("in triage"), default=False, db_index=True)
    # Set once routing, assignment, the SLA clock and the first answer have run (tickets/dispatch.py).
    dispatched_at = models.DateTimeField(null=True, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    # The last reply, note or change by an agent: a ticket with none for too long is stalled (A8).
    last_agent_action_at = models.DateTimeField(null=True, blank=True)
    # The reply promise (MISSION A5): `due_at` is the next target, first response then resolution.
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    # What the targets are counted from (sla/clock.py), so a move to another queue counts the new
    # queue's targets from the same instants: the arrival, and the restart after a late reopen (the
    # resolution is then due one first-response window from it).
    clock_started_at = models.DateTimeField(null=True, blank=True)
    clock_restarted_at = models.DateTimeField(null=True, blank=True)
    holding_sent_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # The FAQ answer sent by itself (MISSION A11) and the agents' verdict on it: +1 good, -1 wrong.
    auto_answered_at = models.DateTimeField(null=True, blank=True)
    auto_answer_faq = models.CharField(max_length=64, blank=True)
    auto_answer_confidence = models.FloatField(null=True, blank=True)
    auto_answer_rating = models.SmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-priority", "created_at"]
        indexes = [
            models.Index(fields=["queue", "status", "-priority", "created_at"], name="ticket_inbox"),
            # The inbox order across queues and statuses (an admin's view, a search of all history).
            models.Index(fields=["-priority", "created_at", "id"], name="ticket_priority_order"),
            # The SLA sweeper's and the assigner's questions at 100k open tickets.
            models.Index(fields=["status", "due_at"], name="ticket_due"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_load"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"


class Article(models.Model):
    """One message in a ticket's conversation: customer mail, our reply or ack, or an internal note."""

    class Direction(models.TextChoices):
        IN = "in", _("inbound")
        OUT = "out", _("outbound")
        NOTE = "note", _("internal note")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="articles")
    direction = models.CharField(max_length=8, choices=Direction.choices)
    kind = models.CharField(max_length=16)  # human, auto-reply, bulk, bounce, mdn, ack, reply, system…
    from_email = models.CharField(max_length=320, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    to = models.JSONField(default=list, blank=True)
    cc = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    text = models.TextField(blank=True)
    new_text = models.TextField(blank=True)
    quoted_text = models.TextField(blank=True)
    html = models.TextField(blank=True)
    message_id = models.CharField(max_length=995, blank=True, db_index=True)
    # sha256 of the mail without its trace headers: the same mail through two routes matches.
    content_hash = models.CharField(max_length=64, blank=True)
    in_reply_to = models.CharField(max_length=995, blank=True)
    references = models.JSONField(default=list, blank=True)
    raw = models.ForeignKey("mail.RawMessage", on_delete=models.SET_NULL, null=True, blank=True)
    flags = models.JSONField(default=list, blank=True)  # defects, charset_guessed, duplicate_message_id…
    language = models.CharField(max_length=8, blank=True)
    # The agent who wrote a reply, a note or a consultation; None for mail and the system's own.
    author = models.ForeignKey(
        "agents.Agent", on_delete=models.SET_NULL, null=True, blank=True, related_name="articles"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["created_at", "id"]
        constraints = [
            # The database, not the code, decides the race between two deliveries of one mail.
            models.UniqueConstraint(
                fields=["message_id", "content_hash"],
                condition=~models.Q(message_id="") & ~models.Q(content_hash=""),
                name="article_unique_message",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}/{self.pk} {self.kind}"


class Attachment(models.Model):
    """A file of an article; bytes live once in the content-addressed blob store, keyed by sha256."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    content_id = models.CharField(max_length=255, blank=True)
    inline = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class TicketEvent(models.Model):
    """The audit trail: who changed what on a ticket, from what to what, and when (MISSION A12)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        "agents.Agent", on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )  # None: the system (routing, SLA, the pipeline)
    field = models.CharField(max_length=32)  # status, priority, queue, assignee, reply, note, consult…
    old = models.CharField(max_length=300, blank=True)
    new = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.field}: {self.old} → {self.new}"


class Consultation(models.Model):
    """A side question to an expert outside the queue (A12 "sub-work"); their answer returns as a note.

    The expert gets the question by mail, never the ticket: the answer threads back through the
    Message-ID of our question and is recorded as an internal note, and only from the address asked.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="consultations")
    asked_by = models.ForeignKey("agents.Agent", on_delete=models.SET_NULL, null=True, related_name="+")
    expert_email = models.CharField(max_length=320)
    message_id = models.CharField(max_length=995, unique=True)
    question = models.TextField()
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.expert_email}"


class Snippet(models.Model):
    """A canned answer an agent inserts into a reply; placeholders are filled in at insertion (A14)."""

    queue = models.ForeignKey(
        Queue, on_delete=models.CASCADE, null=True, blank=True, related_name="snippets"
    )  # None: every queue
    language = models.CharField(_("language"), max_length=8, choices=[("ko", "한국어"), ("en", "English")])
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), help_text="{{ customer_name }}, {{ ticket_number }}, {{ agent_name }}")

    class Meta:
        verbose_name = _("snippet")
        verbose_name_plural = _("snippets")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class SearchTermsField(models.TextField):  # type: ignore[type-arg]
    """Search terms (tickets/search_terms.py): a tsvector on PostgreSQL, space-separated text on SQLite.

    Each database indexes it its own way (migration 0003): a GIN index on PostgreSQL, an FTS5 table
    fed by triggers on SQLite. The `matches` lookup (tickets/search.py) speaks both.
    """

    def db_type(self, connection: BaseDatabaseWrapper) -> str | None:
        if connection.vendor == "postgresql":
            return "tsvector"
        return super().db_type(connection)


class TicketSearch(models.Model):
    """A ticket's searchable words, one row per ticket, kept current by tickets/search.py.

    The terms of the subject, the number, the customer and every article a person wrote (customer
    mail, replies, notes); what the desk writes by itself (acknowledgements) is left out.
    """

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, primary_key=True, related_name="search")
    terms = SearchTermsField(blank=True)

    class Meta:
        verbose_name = _("search index entry")
        verbose_name_plural = _("search index")

    def __str__(self) -> str:
        return f"search {self.ticket_id}"
