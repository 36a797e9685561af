"""Knowledge on the ticket page: suggested FAQ and saved answers, and the automatic answer's rating."""

from __future__ import annotations

from typing import Any

from django import template

from dapjang.knowledge.side import knowledge_side_context

register = template.Library()


@register.inclusion_tag("knowledge/ticket_side.html", takes_context=True)
def ticket_knowledge(context: dict[str, Any], ticket: Any) -> dict[str, Any]:
    return knowledge_side_context(context.get("request"), ticket)
