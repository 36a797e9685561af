"""The reply promise per queue (MISSION A5): targets in business time, the calendar, VIP treatment."""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from dapjang.sla.calendar import CalendarError, SlaCalendar, country_supported


def _weekdays_default() -> list[int]:
    return [0, 1, 2, 3, 4]


def _no_days() -> list[str]:
    return []


class SlaPolicy(models.Model):
    """How fast a queue promises to answer, counted in its business hours.

    No queue: the desk-wide default, used by every queue without its own policy and created with the
    defaults below the first time it is needed. The defaults keep the mission's "reply within 24
    hours" as business time: a first answer within one business day (8 open hours) and a resolution
    within three (24 open hours), so a Friday-evening mail before 추석 is not "late" over the holiday.
    """

    queue = models.OneToOneField(
        "tickets.Queue",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sla_policy",
        verbose_name=_("queue"),
        help_text=_("Empty: the desk-wide default for every queue without its own policy."),
    )
    first_response_minutes = models.PositiveIntegerField(
        _("first response target (business minutes)"), default=8 * 60
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution target (business minutes)"), default=24 * 60
    )
    weekdays = models.JSONField(
        _("business days"),
        default=_weekdays_default,
        help_text=_("0 = Monday … 6 = Sunday, e.g. [0, 1, 2, 3, 4]"),
    )
    opens_at = models.TimeField(_("opens at"), default=time(9))
    closes_at = models.TimeField(_("closes at"), default=time(18))
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Seoul")
    holiday_country = models.CharField(
        _("public holidays of"),
        max_length=8,
        default="KR",
        blank=True,
        help_text=_("Country code, e.g. KR; empty: none"),
    )
    closed_days = models.JSONField(
        _("company closed days"),
        default=_no_days,
        blank=True,
        help_text=_('Dates the desk is closed besides public holidays, e.g. ["2026-12-31"]'),
    )
    # VIP customers (MISSION B1): targets multiplied by this factor and priority at least high.
    vip_factor = models.FloatField(_("VIP factor"), default=0.5)
    holding_enabled = models.BooleanField(_("send holding replies"), default=True)
    holding_lead_minutes = models.PositiveIntegerField(
        _("holding reply lead time (business minutes)"),
        default=120,
        help_text=_("The holding reply goes out this long before a first response would be late."),
    )
    escalation_enabled = models.BooleanField(_("escalate breaches to the team lead"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            # One desk-wide default: the NULL queue counts as queue 0 in this index.
            models.UniqueConstraint(Coalesce("queue", models.Value(0)), name="slapolicy_one_per_queue"),
        ]

    def __str__(self) -> str:
        return str(self.queue) if self.queue_id else str(_("desk default"))

    def closed_dates(self) -> frozenset[date]:
        return frozenset(date.fromisoformat(str(d)) for d in self.closed_days or [])

    def calendar(self) -> SlaCalendar:
        """The business calendar this policy counts in."""
        return SlaCalendar(
            weekdays=frozenset(int(d) for d in self.weekdays),
            opens=self.opens_at,
            closes=self.closes_at,
            tz=ZoneInfo(self.time_zone),
            country=self.holiday_country.upper(),
            closed_days=self.closed_dates(),
        )

    def clean(self) -> None:
        errors: dict[str, object] = {}
        if not isinstance(self.weekdays, list) or not all(
            isinstance(d, int) and 0 <= d <= 6 for d in self.weekdays
        ):
            errors["weekdays"] = _("A list of day numbers, 0 (Monday) to 6 (Sunday).")
        if not isinstance(self.closed_days, list):
            errors["closed_days"] = _("A list of dates like 2026-12-31.")
        else:
            try:
                self.closed_dates()
            except ValueError:
                errors["closed_days"] = _("A list of dates like 2026-12-31.")
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            errors["time_zone"] = _("Unknown time zone, e.g. Asia/Seoul.")
        if self.holiday_country and not country_supported(self.holiday_country):
            errors["holiday_country"] = _("No public holidays are known for this country code.")
        if not 0 < self.vip_factor <= 1:
            errors["vip_factor"] = _("Between 0 and 1: 0.5 halves the targets for VIP customers.")
        if self.first_response_minutes < 1 or self.resolution_minutes < 1:
            errors["first_response_minutes"] = _("Targets must be at least one minute.")
        if errors:
            raise ValidationError(errors)
        try:
            self.calendar()
        except CalendarError as exc:
            raise ValidationError(str(exc)) from exc
