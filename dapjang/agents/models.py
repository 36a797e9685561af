"""Agents: who works at the desk, in which queues, in what role, and their API tokens (MISSION A6)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Agent(models.Model):
    """The desk side of a login: display name, role, signature; one per Django user."""

    class Role(models.TextChoices):
        AGENT = "agent", _("agent")
        LEAD = "lead", _("team lead")
        ADMIN = "admin", _("administrator")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)
    # Appended to every reply, under the company's name (A4); empty: the name and the company.
    signature = models.TextField(_("signature"), blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)  # ["ko", "en"]
    capacity = models.PositiveSmallIntegerField(_("capacity (open tickets)"), default=30)
    away_from = models.DateTimeField(_("away from"), null=True, blank=True)
    away_until = models.DateTimeField(_("away until"), null=True, blank=True)
    # After an absence, take back the open tickets that were moved away for it (A8, optional).
    reclaim_on_return = models.BooleanField(_("take tickets back on return"), default=False)
    last_assigned_at = models.DateTimeField(null=True, blank=True)  # ties go round-robin

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """An agent works a queue; the queues an agent belongs to are all the tickets they may see."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="memberships")
    queue = models.ForeignKey("tickets.Queue", on_delete=models.CASCADE, related_name="memberships")
    is_lead = models.BooleanField(_("team lead of this queue"), default=False)

    class Meta:
        verbose_name = _("queue membership")
        verbose_name_plural = _("queue memberships")
        constraints = [models.UniqueConstraint(fields=["agent", "queue"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.agent} in {self.queue}"


class ApiToken(models.Model):
    """A bearer token for the REST API; only its sha256 is stored, the token is shown once."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="tokens")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)  # the first characters, so a person can tell tokens apart
    label = models.CharField(_("label"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.agent})"
