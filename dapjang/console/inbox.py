"""The inbox query: the agent's tickets, narrowed by allowlisted filters (RELIABILITY 34).

Filter keys and values are checked against fixed lists before any query is built, so a crafted
URL (`?assignee__user__password__startswith=a`, `?status=x`) gets a clear 400, never a 500 and
never a lookup the page did not mean to offer.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from dapjang.agents.models import Agent
from dapjang.agents.services import queues_of, tickets_visible_to
from dapjang.customers.models import Customer
from dapjang.tickets.clocks import day_end
from dapjang.tickets.models import Queue, Ticket
from dapjang.tickets.search import tickets_search

ACTIVE = (Ticket.Status.NEW, Ticket.Status.OPEN, Ticket.Status.WAITING)
SORTS = {
    "priority": ("-priority", "created_at", "id"),  # A2: most urgent first, then oldest first
    "oldest": ("created_at", "id"),
    "newest": ("-created_at", "-id"),
    # The promise closest to breaking first; tickets with no due time last (SQLite would put them first).
    "due": (F("due_at").asc(nulls_last=True), "-priority", "id"),
}
KEYS = frozenset({"queue", "status", "assignee", "segment", "due", "triage", "q", "sort", "page"})
DUES = ("overdue", "today")  # past its due time; due before midnight (the desk's time zone)
MAX_QUERY = 200
PAGE_SIZE = 50


class BadFilter(ValueError):
    """A filter the inbox does not offer; the message is shown to the agent."""


@dataclass(frozen=True)
class InboxFilter:
    queue: Queue | None = None
    status: str = "active"  # active (new, open, waiting), all, or one status
    assignee: str = ""  # "", mine, unassigned, or an agent's id
    assignee_agent: Agent | None = None
    segment: str = ""
    due: str = ""  # "", overdue, today
    triage: bool = False  # only tickets waiting for an agent to pick their queue
    q: str = ""
    sort: str = "priority"
    page: str = "1"


def inbox_filter_parse(params: QueryDict, agent: Agent) -> InboxFilter:
    unknown = sorted(set(params) - KEYS)
    if unknown:
        raise BadFilter(_("Unknown filter: %(names)s") % {"names": ", ".join(unknown)[:100]})
    value = {key: params.get(key, "").strip() for key in KEYS}
    queue = None
    if value["queue"]:
        queue = queues_of(agent).filter(slug=value["queue"]).first()
        if queue is None:
            raise BadFilter(_("There is no queue “%(value)s” among yours.") % {"value": value["queue"][:50]})
    status = value["status"] or "active"
    if status not in {"active", "all", *Ticket.Status.values}:
        raise BadFilter(_("Unknown status “%(value)s”.") % {"value": status[:50]})
    assignee, assignee_agent = value["assignee"], None
    if assignee not in {"", "mine", "unassigned"}:
        if not assignee.isdigit() or len(assignee) > 12:
            raise BadFilter(_("Unknown assignee “%(value)s”.") % {"value": assignee[:50]})
        assignee_agent = Agent.objects.filter(pk=int(assignee)).select_related("user").first()
        if assignee_agent is None:
            raise BadFilter(_("Unknown assignee “%(value)s”.") % {"value": assignee})
    segment = value["segment"]
    if segment and segment not in Customer.Segment.values:
        raise BadFilter(_("Unknown customer segment “%(value)s”.") % {"value": segment[:50]})
    if value["due"] and value["due"] not in DUES:
        raise BadFilter(_("Unknown due filter “%(value)s”.") % {"value": value["due"][:50]})
    if value["triage"] not in ("", "0", "1"):
        raise BadFilter(_("Unknown triage filter “%(value)s”.") % {"value": value["triage"][:50]})
    sort = value["sort"] or "priority"
    if sort not in SORTS:
        raise BadFilter(_("Unknown sort order “%(value)s”.") % {"value": sort[:50]})
    if len(value["q"]) > MAX_QUERY:
        raise BadFilter(_("The search is too long (at most %(n)d characters).") % {"n": MAX_QUERY})
    return InboxFilter(
        queue=queue,
        status=status,
        assignee=assignee,
        assignee_agent=assignee_agent,
        segment=segment,
        due=value["due"],
        triage=value["triage"] == "1",
        q=value["q"],
        sort=sort,
        page=value["page"] or "1",
    )


def inbox_tickets(agent: Agent, f: InboxFilter) -> QuerySet[Ticket]:
    """The rows of the inbox, in order; always a narrowing of `tickets_visible_to(agent)`."""
    tickets = tickets_visible_to(agent)
    if f.queue is not None:
        tickets = tickets.filter(queue=f.queue)
    if f.status == "active":
        tickets = tickets.filter(status__in=ACTIVE)
    elif f.status != "all":
        tickets = tickets.filter(status=f.status)
    if f.assignee == "mine":
        tickets = tickets.filter(assignee_id=agent.user_id)
    elif f.assignee == "unassigned":
        tickets = tickets.filter(assignee__isnull=True)
    elif f.assignee_agent is not None:
        tickets = tickets.filter(assignee_id=f.assignee_agent.user_id)
    if f.segment:
        tickets = tickets.filter(customer__segment=f.segment)
    if f.due == "overdue":
        tickets = tickets.filter(due_at__lt=timezone.now())
    elif f.due == "today":
        tickets = tickets.filter(due_at__lt=day_end(timezone.localtime()))
    if f.triage:
        tickets = tickets.filter(triage=True)
    if f.q:
        tickets = tickets_search(tickets, f.q)
    return tickets.select_related("queue", "customer", "assignee__agent").order_by(*SORTS[f.sort])


@dataclass(frozen=True)
class QueueCount:
    queue: Queue
    active: int


@dataclass(frozen=True)
class InboxCounts:
    queues: list[QueueCount]
    mine: int
    unassigned: int
    triage: int  # active tickets waiting for an agent to pick their queue

    @property
    def total(self) -> int:
        return sum(row.active for row in self.queues)


def inbox_counts(agent: Agent) -> InboxCounts:
    """Open tickets per queue of the agent; how many are theirs, how many nobody's, how many in triage."""
    active = tickets_visible_to(agent).filter(status__in=ACTIVE)
    per_queue = {
        row["queue_id"]: row["n"] for row in active.order_by().values("queue_id").annotate(n=Count("id"))
    }
    queues = [QueueCount(q, per_queue.get(q.pk, 0)) for q in queues_of(agent).order_by("name")]
    totals = active.aggregate(
        mine=Count("id", filter=Q(assignee_id=agent.user_id)),
        unassigned=Count("id", filter=Q(assignee__isnull=True)),
        triage=Count("id", filter=Q(triage=True)),
    )
    return InboxCounts(queues, totals["mine"], totals["unassigned"], totals["triage"])
