"""The ticket's audit trail in the words the agent reads.

Events are stored as codes and plain English notes ("triage: shipping 0.24, billing 0.16",
"escalated (first target missed) to lead@example.com"), written once by whichever process acted and
read later by agents of either language. Turning them into words happens here, at reading time: a
note written in English by the sweeper reads in Korean to a Korean agent. What is not recognised is
shown as it was stored, so an older or unknown note is never hidden.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from dapjang.agents.models import Agent
from dapjang.sla.escalate import NOBODY_TOLD
from dapjang.sla.holding import NO_ADDRESS_NOTE
from dapjang.tickets.models import Queue, Ticket, TicketEvent

# The notes sla/escalate.py and sla/holding.py write.
ESCALATED = re.compile(r"^escalated \((first|resolution)( and resolution targets| target) missed\) to (.*)$")
HOLDING = re.compile(r"^holding reply until (\S+?)(?: \(suppressed: (.*)\))?$")


@dataclass(frozen=True)
class TrailLine:
    at: datetime
    actor: str
    what: str
    old: str
    new: str


def _field_labels() -> dict[str, str]:
    return {
        "status": _("status"),
        "priority": _("priority"),
        "queue": _("queue"),
        "assignee": _("assignee"),
        "reply": _("replied"),
        "note": _("added a note"),
        "consult": _("asked an expert"),
        "consult-answer": _("expert answered"),
        "routing": _("routing"),
        "tags": _("tags"),
        "segment": _("customer segment"),
        "sla": _("reply promise"),
        "auto-answer": _("answered automatically"),
        "absence": _("moved during an absence"),
        "stalled": _("moved: no action in time"),
    }


def _escalated_to(events: list[TicketEvent]) -> set[str]:
    told: set[str] = set()
    for event in events:
        match = ESCALATED.match(event.new) if event.field == "sla" else None
        if match and match.group(3) != NOBODY_TOLD:
            told.update(match.group(3).split(", "))
    return told


def trail_of(ticket: Ticket) -> list[TrailLine]:
    """The audit trail with codes turned into the words the agent reads (status, priority, queue)."""
    statuses = dict(Ticket.Status.choices)
    priorities = {str(value): str(label) for value, label in Ticket.Priority.choices}
    labels = _field_labels()
    events = list(ticket.events.select_related("actor").order_by("created_at", "id"))
    slugs = {e.old for e in events if e.field == "queue"} | {e.new for e in events if e.field == "queue"}
    # The router's notes name topics, not the queues moved between: then every queue's name, in one query.
    named = (
        Queue.objects.all()
        if any(e.field == "routing" for e in events)
        else Queue.objects.filter(slug__in=slugs)
    )
    queues = dict(named.values_list("slug", "name"))
    emails = {e.old for e in events if e.field == "assignee"} | {
        e.new for e in events if e.field == "assignee"
    }
    emails |= _escalated_to(events)
    names = dict(Agent.objects.filter(user__email__in=emails - {""}).values_list("user__email", "name"))

    def shown(event: TicketEvent, value: str) -> str:
        if event.field == "status":
            return str(statuses.get(value, value))
        if event.field == "priority":
            return priorities.get(value, value)
        if event.field == "queue":
            return queues.get(value, value)
        if event.field == "assignee":
            return names.get(value, value) if value else _("(unassigned)")
        if event.field in {"reply", "note"}:
            return ""  # the article id: the article itself is in the conversation
        if event.field == "routing":
            return routing_shown(value, queues)
        if event.field == "sla":
            return sla_shown(value, names)
        return value

    return [
        TrailLine(
            at=e.created_at,
            actor=e.actor.name if e.actor else _("system"),
            what=labels.get(e.field, e.field),
            old=shown(e, e.old) if e.field in {"status", "priority", "queue", "assignee"} else "",
            new=shown(e, e.new),
        )
        for e in events
    ]


def routing_shown(value: str, names: dict[str, str]) -> str:
    """The router's note ("classifier: shipping 0.95 ≥ 0.85", "triage: a 0.24, b 0.16") in the agent's
    words: queue names for slugs, percentages for confidences."""
    kind, _sep, rest = value.partition(": ")

    def topic(slug: str) -> str:
        return names.get(slug, slug)

    def percent(number: str) -> str:
        try:
            return f"{float(number):.0%}"
        except ValueError:
            return number

    parts = rest.split()
    if kind == "classifier" and len(parts) == 4:
        return _("topic model: %(queue)s %(confidence)s (threshold %(threshold)s)") % {
            "queue": topic(parts[0]),
            "confidence": percent(parts[1]),
            "threshold": percent(parts[3]),
        }
    if kind == "triage" and rest:
        guesses = []
        for guess in rest.split(", "):
            slug, _space, confidence = guess.rpartition(" ")
            guesses.append(f"{topic(slug)} {percent(confidence)}")
        return _("in triage, suggested: %(guesses)s") % {"guesses": ", ".join(guesses)}
    if kind == "contact form" and rest:
        return _("contact form topic: %(queue)s") % {"queue": topic(rest)}
    if kind == "rule" and rest:
        return _("rule: %(names)s") % {"names": rest}
    return value


def sla_shown(value: str, names: dict[str, str]) -> str:
    """The sweeper's notes (an escalation, a holding reply) in the agent's words: which promise was
    missed and who was told by name, or the time the holding reply promised in local time. The
    recount note of a queue move (sla/requeue.py) is already in words and is shown as stored."""
    escalated = ESCALATED.match(value)
    if escalated:
        first, both, whom = escalated.groups()
        if both.startswith(" and"):
            targets = _("first response and resolution")
        else:
            targets = _("first response") if first == "first" else _("resolution")
        if whom == NOBODY_TOLD:
            return _("%(targets)s target missed; nobody to tell: no team lead or admin") % {
                "targets": targets
            }
        people = ", ".join(names.get(email, email) for email in whom.split(", "))
        return _("%(targets)s target missed; told %(people)s") % {"targets": targets, "people": people}
    holding = HOLDING.match(value)
    if holding:
        try:
            until = date_format(timezone.localtime(datetime.fromisoformat(holding.group(1))), "Y-m-d H:i")
        except ValueError:
            return value
        if holding.group(2):
            return _("holding reply not sent (%(reason)s); it would have promised an answer by %(until)s") % {
                "reason": holding.group(2),
                "until": until,
            }
        return _("holding reply sent: an answer promised by %(until)s") % {"until": until}
    if value == NO_ADDRESS_NOTE:
        return _("no holding reply: the customer has no address")
    return value
