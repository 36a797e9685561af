"""Small template helpers for the console: desk name, short times, query strings, mail warnings."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.conf import settings
from django.http import QueryDict
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from dapjang.console.content import has_remote_images as _has_remote_images

register = template.Library()


@register.simple_tag
def desk_name() -> str:
    return str(settings.DAPJANG_COMPANY_NAME)


@register.filter
def when(value: datetime | None) -> str:
    """Today: the time; this year: day and time; earlier: the date (all in the desk's time zone)."""
    if value is None:
        return ""
    local, now = timezone.localtime(value), timezone.localtime()
    if local.date() == now.date():
        return local.strftime("%H:%M")
    if local.year == now.year:
        return local.strftime("%m-%d %H:%M")
    return local.strftime("%Y-%m-%d")


@register.filter
def full_time(value: datetime | None) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i") if value else ""


@register.filter
def agent_name(user: object) -> str:
    """An assignee is a login; show the agent's name when it has a profile."""
    agent = getattr(user, "agent", None)
    if agent is not None:
        return str(agent.name)
    return str(getattr(user, "email", "") or getattr(user, "username", ""))


@register.simple_tag
def query_with(params: QueryDict, **changes: object) -> str:
    """The current query string with some keys replaced (or removed, given an empty value)."""
    query = params.copy()
    for key, value in changes.items():
        if value in ("", None):
            query.pop(key, None)
        else:
            query[key] = str(value)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def flag_notes(flags: list[str] | None) -> list[str]:
    """Parser and pipeline flags an agent should act on, in words (RELIABILITY 29, 38)."""
    notes: list[str] = []
    for flag in flags or []:
        if flag == "display_name_address":
            notes.append(_("The sender's display name contains an e-mail address; check the real address."))
        elif flag in {"ambiguous_from", "multiple_from", "group_from", "no_from"} or flag.startswith(
            "unverified"
        ):
            notes.append(
                _("Unverified sender: this mail was not matched to a known customer or participant.")
            )
    return list(dict.fromkeys(notes))


@register.filter
def has_remote_images(sanitised_html: str) -> bool:
    return _has_remote_images(sanitised_html)


@register.filter
def frame_size(article: object) -> str:
    """A height class for a mail's frame: the sandboxed frame cannot run a script to measure itself,
    so the height is guessed from the text rendering of the same HTML (the agent can drag it)."""
    text = str(getattr(article, "text", "") or "")
    lines = text.count("\n") + 1 + len(text) // 120
    if "<img" in str(getattr(article, "html", "")):
        lines += 12
    if lines <= 4:
        return "fs-s"
    if lines <= 12:
        return "fs-m"
    return "fs-l" if lines <= 30 else "fs-xl"
