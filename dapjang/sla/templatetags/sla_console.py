"""The reply promise on the ticket page: due times and where the clock stands."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("sla/ticket_side.html", takes_context=True)
def ticket_sla(context: dict[str, Any], ticket: Any) -> dict[str, Any]:
    return {"ticket": ticket, "request": context.get("request")}
