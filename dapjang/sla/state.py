"""Where a ticket's clock stands, in the words an agent reads on the ticket page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _

from dapjang.sla.calendar import business_minutes_between
from dapjang.sla.clock import responded
from dapjang.sla.models import SlaPolicy
from dapjang.tickets.models import Ticket

NONE, ON_TIME, DUE_SOON, OVERDUE, MET, PAUSED = "none", "on-time", "due-soon", "overdue", "met", "paused"


@dataclass(frozen=True)
class ClockView:
    state: str  # one of the constants above; also the CSS class of the badge
    label: str
    first_response_due_at: datetime | None
    responded_at: datetime | None
    responded_late: bool
    resolution_due_at: datetime | None
    due_at: datetime | None
    minutes_left: float | None  # business minutes to `due_at`; negative when overdue
    holding_sent_at: datetime | None
    escalated_at: datetime | None
    hours_note: str


def hours_note(policy: SlaPolicy) -> str:
    """'Mon–Fri 09:00–18:00 (Asia/Seoul), public holidays (KR) closed' in the reader's language."""
    days = sorted(int(d) for d in policy.weekdays)
    contiguous = days == list(range(days[0], days[-1] + 1)) if days else False
    if contiguous and len(days) > 2:
        day_text = f"{WEEKDAYS_ABBR[days[0]]}–{WEEKDAYS_ABBR[days[-1]]}"
    else:
        day_text = ", ".join(str(WEEKDAYS_ABBR[d]) for d in days)
    note = _("%(days)s %(opens)s–%(closes)s (%(zone)s)") % {
        "days": day_text,
        "opens": policy.opens_at.strftime("%H:%M"),
        "closes": policy.closes_at.strftime("%H:%M"),
        "zone": policy.time_zone,
    }
    if policy.holiday_country:
        note += ", " + _("closed on public holidays (%(country)s)") % {"country": policy.holiday_country}
    return note


def _label(state: str) -> str:
    if state == OVERDUE:
        return _("overdue")
    if state == DUE_SOON:
        return _("due soon")
    if state == MET:
        return _("met")
    if state == PAUSED:
        return _("waiting on the customer")
    if state == ON_TIME:
        return _("on time")
    return _("no reply promise")


def clock_view(ticket: Ticket, policy: SlaPolicy, *, now: datetime) -> ClockView:
    responded_at = ticket.first_response_at or ticket.auto_answered_at
    late = bool(responded_at and ticket.first_response_due_at and responded_at > ticket.first_response_due_at)
    minutes_left = None
    if ticket.first_response_due_at is None and ticket.resolution_due_at is None:
        state = NONE
    elif ticket.status in (Ticket.Status.SOLVED, Ticket.Status.CLOSED):
        state = MET
    elif ticket.status == Ticket.Status.WAITING:
        state = PAUSED
    elif ticket.due_at is None:
        state = MET if responded(ticket) else NONE
    else:
        minutes_left = business_minutes_between(now, ticket.due_at, policy.calendar())
        if ticket.due_at <= now:
            state = OVERDUE
        elif minutes_left <= policy.holding_lead_minutes:
            state = DUE_SOON
        else:
            state = ON_TIME
    return ClockView(
        state=state,
        label=_label(state),
        first_response_due_at=ticket.first_response_due_at,
        responded_at=responded_at,
        responded_late=late,
        resolution_due_at=ticket.resolution_due_at,
        due_at=ticket.due_at,
        minutes_left=minutes_left,
        holding_sent_at=ticket.holding_sent_at,
        escalated_at=ticket.escalated_at,
        hours_note=hours_note(policy),
    )
