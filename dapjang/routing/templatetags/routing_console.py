"""Routing on the ticket page: triage suggestions to pick from, and the customer's segment."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("routing/ticket_side.html", takes_context=True)
def ticket_routing(context: dict[str, Any], ticket: Any) -> dict[str, Any]:
    return {"ticket": ticket, "request": context.get("request")}
