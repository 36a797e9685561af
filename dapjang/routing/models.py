"""The trained topic classifier and the confidence each topic needs before mail is routed without a person."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dapjang.customers.models import Customer
from dapjang.tickets.models import Ticket


class RoutingModel(models.Model):
    """One trained classifier; the newest row is the one every worker on every machine uses.

    The model lives in the database, not on a disk, because a site that runs its workers on several
    machines shares nothing else. `blob` is a pickle of scikit-learn objects: loading a pickle runs
    code, so a row must only ever be written by our own training code. `signature` is an HMAC of the
    blob under the site's secret key, checked before unpickling, so write access to this table alone
    (a leaked database login, an injected UPDATE) is not enough to run code in the workers.
    """

    created_at = models.DateTimeField(_("trained at"), auto_now_add=True, db_index=True)
    trained_on = models.PositiveIntegerField(_("examples"))
    source = models.CharField(_("source"), max_length=300, blank=True)
    topics = models.JSONField(_("topics"), default=list)
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    # The feature code and scikit-learn versions the blob was made with: another version may not
    # unpickle, or may unpickle into a model that computes different features.
    format = models.CharField(max_length=100)
    blob = models.BinaryField()
    signature = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("routing model")
        verbose_name_plural = _("routing models")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"routing model {self.pk} ({self.trained_on} examples, {self.created_at:%Y-%m-%d %H:%M})"


class RoutingThreshold(models.Model):
    """The confidence a topic needs before mail is routed to it automatically (MISSION B3's
    "automation coefficient"); below it the mail waits in the default queue for a person.

    A queue that costs more when mail is misrouted (complaints) can ask for more than the default.
    """

    topic = models.SlugField(_("topic"), max_length=50, unique=True)
    threshold = models.FloatField(_("threshold"), validators=[MinValueValidator(0.0), MaxValueValidator(1.0)])

    class Meta:
        verbose_name = _("routing threshold")
        verbose_name_plural = _("routing thresholds")
        ordering = ["topic"]

    def __str__(self) -> str:
        return f"{self.topic} ≥ {self.threshold:.2f}"


class Rule(models.Model):
    """An admin's routing rule (MISSION A7, B1): when every condition given holds, the actions apply.

    Rules run in `position` order before the classifier; the first that matches wins unless it says
    to continue, so a specific rule placed above a general one overrides it. Within one condition a
    list means "any of these"; across conditions all must hold. Keywords match Korean across spacing
    and particles (rules.py), so 소포 also finds 소포가 and 배송 추적 also finds 배송추적.
    """

    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveIntegerField(_("position"), default=100, db_index=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    # --- conditions (blank: not checked) ---
    senders = models.TextField(
        _("sender addresses or domains"),
        blank=True,
        help_text=_("One per line or comma-separated: kim@example.com, example.com, @example.com"),
    )
    recipients = models.TextField(
        _("recipient addresses"), blank=True, help_text=_("Our addresses the mail was sent to, one per line")
    )
    subject_keywords = models.TextField(
        _("subject keywords"), blank=True, help_text=_("Any of these words in the subject; comma-separated")
    )
    body_keywords = models.TextField(
        _("body keywords"),
        blank=True,
        help_text=_("Any of these words in the subject or the customer's text; comma-separated"),
    )
    segments = models.JSONField(
        _("customer segments"), default=list, blank=True, help_text=_('e.g. ["vip"] or ["abusive"]')
    )
    form_fields = models.TextField(
        _("contact form fields"),
        blank=True,
        help_text=_("name=value, one per line; all must match (e.g. topic=shipping)"),
    )
    # --- actions ---
    queue = models.ForeignKey(
        "tickets.Queue",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("move to queue"),
    )
    priority = models.PositiveSmallIntegerField(
        _("set priority"), null=True, blank=True, choices=Ticket.Priority.choices
    )
    tags = models.CharField(_("add tags"), max_length=300, blank=True, help_text=_("comma-separated"))
    set_segment = models.CharField(
        _("set customer segment"),
        max_length=16,
        blank=True,
        choices=Customer.Segment.choices,
    )
    stop = models.BooleanField(
        _("stop processing"), default=True, help_text=_("No later rule is tried after this one fires")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from dapjang.routing.rules import rule_problems

        problems = rule_problems(self)
        if problems:
            raise ValidationError(problems)


class TrainingExample(models.Model):
    """A labelled mail the classifier learns from at its next training (retrain.py).

    Corrections (an agent moved the ticket to another queue) are the best labels there are; resolved
    tickets are plentiful ones. One row per ticket and source: moving a ticket twice keeps the last.
    """

    class Source(models.TextChoices):
        CORRECTION = "correction", _("agent's correction")
        RESOLVED = "resolved", _("resolved ticket")

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    body = models.TextField(_("body"), blank=True)
    topic = models.SlugField(_("topic"), max_length=50)
    language = models.CharField(_("language"), max_length=8, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("training example")
        verbose_name_plural = _("training examples")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "source"], name="training_example_once_per_ticket")
        ]

    def __str__(self) -> str:
        return f"{self.topic}: {self.subject[:60]}"


class TrainingLease(models.Model):
    """Who is training the classifier now, and until when the claim holds (retrain.py).

    One row per kind of training. A worker claims it with a conditional UPDATE (free, or its lease
    ran out) and frees it when done, so two workers never train at once, on any number of machines;
    a worker that dies mid-training holds it only until `until`.
    """

    name = models.CharField(max_length=32, primary_key=True)
    holder = models.CharField(max_length=100, blank=True)
    until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("training lease")
        verbose_name_plural = _("training leases")

    def __str__(self) -> str:
        return f"{self.name}: {self.holder or '-'}"
