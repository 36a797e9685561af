"""dapjang sla status|sweep [--now ISO] [--json] / dapjang sla policy SLUG|default [--first-response 8h …]"""

from __future__ import annotations

import json
import re
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from dapjang.sla.calendar import add_business_minutes
from dapjang.sla.models import SlaPolicy
from dapjang.sla.policies import policy_default
from dapjang.sla.sweeper import RUNNING, sla_sweep
from dapjang.tickets.models import Queue, Ticket

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m?)?$")


def parse_minutes(text: str) -> int:
    """'8h', '90m', '1h30m', '2d' (business days of 8 hours) or plain minutes, as business minutes."""
    match = _DURATION.match(text.strip().lower())
    if not text.strip() or match is None:
        raise CommandError(
            f"'{text}' is not a duration like 8h, 90m or 1h30m / 기간 형식이 아닙니다 (예: 8h, 90m)"
        )
    days, hours, minutes = (int(g) if g else 0 for g in match.groups())
    total = days * 8 * 60 + hours * 60 + minutes
    if total < 1:
        raise CommandError("a target must be at least one minute / 목표는 1분 이상이어야 합니다")
    return total


def parse_now(text: str | None) -> datetime:
    if not text:
        return timezone.now()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"'{text}' is not an ISO time like 2026-09-25T14:30 / ISO 시각 형식이 아닙니다"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))


def parse_hours(text: str) -> tuple[time, time]:
    try:
        opens, closes = (time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError:
        raise CommandError(f"'{text}' is not like 09:00-18:00 / 09:00-18:00 형식이 아닙니다") from None
    return opens, closes


def _hours(minutes: float) -> str:
    return f"{minutes / 60:g}h"


def policy_line(policy: SlaPolicy) -> str:
    holding = f"{_hours(policy.holding_lead_minutes)} before" if policy.holding_enabled else "off"
    days = ",".join(str(d) for d in policy.weekdays)
    return (
        f"{policy.queue.slug if policy.queue else 'default'}\tfirst response {_hours(policy.first_response_minutes)}"
        f"\tresolution {_hours(policy.resolution_minutes)}\tdays {days}"
        f" {policy.opens_at:%H:%M}-{policy.closes_at:%H:%M} {policy.time_zone}"
        f"\tholidays {policy.holiday_country or '-'}\tVIP x{policy.vip_factor:g}"
        f"\tholding {holding}"
        f"\tescalation {'on' if policy.escalation_enabled else 'off'}"
    )


class Command(BaseCommand):
    help = "The reply promise: status, a sweep now, and policies / 답변 기한(SLA) 상태, 점검, 정책"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        for name, text in (
            ("status", "due and overdue tickets"),
            ("sweep", "holding replies and escalations now"),
        ):
            cmd = sub.add_parser(name, help=text)
            cmd.add_argument("--now", help="the time to act at, ISO 8601 (default: now)")
            cmd.add_argument("--json", action="store_true")
        policy = sub.add_parser("policy", help="show or change a queue's policy ('default': the desk's)")
        policy.add_argument("slug", nargs="?", help="queue slug or 'default'; none: list all")
        policy.add_argument("--first-response", help="e.g. 8h (business time)")
        policy.add_argument("--resolution", help="e.g. 24h (business time)")
        policy.add_argument("--hours", help="e.g. 09:00-18:00")
        policy.add_argument("--days", help="e.g. 0,1,2,3,4 (0 = Monday)")
        policy.add_argument("--vip-factor", type=float)
        policy.add_argument("--holding-lead", help="e.g. 2h before the first-response target")
        policy.add_argument("--holding", choices=["on", "off"])
        policy.add_argument("--escalation", choices=["on", "off"])
        policy.add_argument(
            "--closed", nargs="*", help="company closed days, e.g. 2026-12-31 (replaces the list)"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "sweep":
            report = sla_sweep(now=parse_now(opts["now"]))
            if opts["json"]:
                self.stdout.write(json.dumps(report, ensure_ascii=False))
                return
            self.stdout.write(
                f"holding replies / 보류 안내: {len(report['holding'])} {' '.join(report['holding'])}".rstrip()
            )
            self.stdout.write(
                f"escalated / 에스컬레이션: {len(report['escalated'])} {' '.join(report['escalated'])}".rstrip()
            )
            return
        if opts["action"] == "status":
            self._status(parse_now(opts["now"]), as_json=opts["json"])
            return
        self._policy(opts)

    def _status(self, now: datetime, *, as_json: bool) -> None:
        default = policy_default()
        soon = add_business_minutes(now, default.holding_lead_minutes, default.calendar())
        running = Ticket.objects.filter(status__in=RUNNING, due_at__isnull=False)
        counts = {
            "overdue": running.filter(due_at__lt=now).count(),
            "due_soon": running.filter(due_at__gte=now, due_at__lte=soon).count(),
            "on_time": running.filter(due_at__gt=soon).count(),
            "holding_sent": Ticket.objects.filter(status__in=RUNNING, holding_sent_at__isnull=False).count(),
            "escalated": Ticket.objects.filter(status__in=RUNNING, escalated_at__isnull=False).count(),
        }
        if as_json:
            self.stdout.write(json.dumps({"now": now.isoformat(), **counts}))
            return
        self.stdout.write(
            f"overdue / 기한 초과: {counts['overdue']}\tdue soon / 임박: {counts['due_soon']}"
            f"\ton time / 기한 내: {counts['on_time']}"
        )
        self.stdout.write(
            f"holding replies sent / 보류 안내: {counts['holding_sent']}\tescalated / 에스컬레이션: {counts['escalated']}"
        )
        for policy in SlaPolicy.objects.select_related("queue").order_by("queue__slug"):
            self.stdout.write(policy_line(policy))

    def _policy(self, opts: dict[str, Any]) -> None:
        slug = opts["slug"]
        if not slug:
            policy_default()
            for row in SlaPolicy.objects.select_related("queue").order_by("queue__slug"):
                self.stdout.write(policy_line(row))
            return
        if slug == "default":
            policy = policy_default()
        else:
            queue = Queue.objects.filter(slug=slug).first()
            if queue is None:
                raise CommandError(f"no queue '{slug}' / '{slug}' 큐가 없습니다")
            policy = SlaPolicy.objects.filter(queue=queue).first() or SlaPolicy(queue=queue)
        changes = self._changes(policy, opts)
        if changes:
            try:
                policy.full_clean()
            except ValidationError as exc:
                messages = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
                raise CommandError(f"invalid policy / 정책 값이 올바르지 않습니다: {messages}") from None
            policy.save()
        self.stdout.write(policy_line(policy))

    def _changes(self, policy: SlaPolicy, opts: dict[str, Any]) -> bool:
        changed = False
        if opts["first_response"]:
            policy.first_response_minutes, changed = parse_minutes(opts["first_response"]), True
        if opts["resolution"]:
            policy.resolution_minutes, changed = parse_minutes(opts["resolution"]), True
        if opts["holding_lead"]:
            policy.holding_lead_minutes, changed = parse_minutes(opts["holding_lead"]), True
        if opts["hours"]:
            (policy.opens_at, policy.closes_at), changed = parse_hours(opts["hours"]), True
        if opts["days"]:
            try:
                policy.weekdays = [int(d) for d in opts["days"].split(",")]
            except ValueError:
                raise CommandError(
                    "--days takes numbers like 0,1,2,3,4 / 요일은 0,1,2,3,4 형식입니다"
                ) from None
            changed = True
        if opts["vip_factor"] is not None:
            policy.vip_factor, changed = opts["vip_factor"], True
        if opts["holding"]:
            policy.holding_enabled, changed = opts["holding"] == "on", True
        if opts["escalation"]:
            policy.escalation_enabled, changed = opts["escalation"] == "on", True
        if opts["closed"] is not None:
            policy.closed_days, changed = list(opts["closed"]), True
        return changed
