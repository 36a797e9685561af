"""Customers and the identities (addresses, phone numbers, external ids) that lead to them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Customer(models.Model):
    """One person or company that contacts us; all their tickets hang off this row (MISSION A13)."""

    class Segment(models.TextChoices):
        VIP = "vip", _("VIP")
        ORDINARY = "ordinary", _("Ordinary")
        ABUSIVE = "abusive", _("Abusive")
        PROSPECT = "prospect", _("Prospect")

    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.CharField(_("e-mail"), max_length=320, db_index=True)
    segment = models.CharField(_("segment"), max_length=16, choices=Segment.choices, default=Segment.ORDINARY)
    # "hand" when an agent set the segment (rules then leave it alone), "rule" when a rule did.
    segment_set_by = models.CharField(_("segment set by"), max_length=16, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    # Set by a permanent bounce (5.x.x): automatic mail to this customer is suppressed until then.
    undeliverable_until = models.DateTimeField(_("undeliverable until"), null=True, blank=True)
    created_at = models.DateTimeField(_("first contact"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


class Identity(models.Model):
    """A way to recognise a customer; (kind, value) is unique, so one address never means two people."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("e-mail")
        PHONE = "phone", _("phone")
        EXTERNAL = "external", _("external id")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.EMAIL)
    value = models.CharField(max_length=320)

    class Meta:
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="identity_unique_kind_value")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"
