"""The trained topic classifier and the confidence each topic needs before mail is routed without a person."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


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
