"""The reply promise on the ticket page: due times and where the clock stands."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from dapjang.sla.policies import policy_for
from dapjang.sla.state import DUE_SOON, MET, NONE, ON_TIME, OVERDUE, PAUSED, clock_view

register = template.Library()

# The console's existing chip colours: blue on time, yellow soon, red overdue, green met.
CHIP = {
    ON_TIME: "st-new",
    DUE_SOON: "st-open",
    OVERDUE: "prio p4",
    MET: "st-solved",
    PAUSED: "st-waiting",
    NONE: "st-closed",
}


def business_time_text(minutes: float | None) -> str:
    """'2 h 30 min of business time left' / '… overdue', rounded down to the minute."""
    if minutes is None:
        return ""
    whole = int(abs(minutes))
    values = {"h": whole // 60, "m": whole % 60}
    if minutes < 0:
        return _("%(h)d h %(m)d min of business time overdue") % values
    return _("%(h)d h %(m)d min of business time left") % values


@register.inclusion_tag("sla/ticket_side.html", takes_context=True)
def ticket_sla(context: dict[str, Any], ticket: Any) -> dict[str, Any]:
    policy = policy_for(ticket.queue_id)
    view = clock_view(ticket, policy, now=timezone.now())
    return {
        "ticket": ticket,
        "request": context.get("request"),
        "sla": view,
        "chip": CHIP[view.state],
        "left": business_time_text(view.minutes_left),
    }
