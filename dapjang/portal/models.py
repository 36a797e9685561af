"""What the portal keeps of its own: the contact form's accepted submissions, for the rate limits."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class FormSubmission(models.Model):
    """One contact form turned into mail; counted per address and per visitor (RELIABILITY 10).

    Rows in the database, not a per-process cache, so every web worker sees the same counts and a
    restart does not reset them. The visitor's IP is kept only as a keyed hash.
    """

    email = models.CharField(_("e-mail"), max_length=320, db_index=True)
    client = models.CharField(_("visitor (hashed IP)"), max_length=64, db_index=True)
    ticket_number = models.CharField(_("ticket"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("contact form submission")
        verbose_name_plural = _("contact form submissions")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} {self.created_at:%Y-%m-%d %H:%M}"
