"""Who can take a ticket now, and handing a ticket from one owner to the next (MISSION A8, A9).

"Unanswered load" is an agent's new and open tickets over all their queues: a ticket waiting on
the customer, solved or closed asks nothing of them. Loads come from one query per decision (a
correlated count per agent that walks the `ticket_assignee_load` index), so on PostgreSQL two workers
may read the same counts and both pick one agent: a small imbalance the next decisions even out.
Never two owners, though: every write is a conditional UPDATE on the ticket's current assignee.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from dapjang.agents.models import Agent, Membership
from dapjang.tickets.models import Article, Ticket, TicketEvent

ACTIVE = (Ticket.Status.NEW, Ticket.Status.OPEN)  # the statuses that ask an agent for an answer
# Moves per transaction in the scheduled pass: one commit per ticket is one fsync per ticket on
# SQLite (synchronous=FULL), and one commit per batch holds the single writer lock for too long.
CHUNK = 25
T = TypeVar("T")


def chunked(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def away_q(now: datetime, prefix: str = "") -> Q:
    """Agents on leave at `now`: inside [away_from, away_until); an open end on either side counts."""
    start, until = f"{prefix}away_from", f"{prefix}away_until"
    return (
        (Q(**{f"{start}__isnull": False}) | Q(**{f"{until}__isnull": False}))
        & (Q(**{f"{start}__isnull": True}) | Q(**{f"{start}__lte": now}))
        & (Q(**{f"{until}__isnull": True}) | Q(**{f"{until}__gt": now}))
    )


def is_away(agent: Agent, now: datetime) -> bool:
    """The same rule as `away_q`, for an agent already in memory."""
    if agent.away_from is None and agent.away_until is None:
        return False
    started = agent.away_from is None or agent.away_from <= now
    return started and (agent.away_until is None or now < agent.away_until)


@dataclass
class Candidate:
    """An available agent as the assigner sees them; `load` grows as a batch hands out tickets."""

    agent_id: int
    user_id: int
    name: str
    email: str
    capacity: int
    languages: list[str]
    load: int
    last_assigned_at: datetime | None
    queue_ids: set[int] = field(default_factory=set)

    def speaks(self, language: str) -> bool:
        return not self.languages or language in self.languages

    def order(self) -> tuple[int, float, int]:
        # Least load first; ties go round-robin: whoever got a ticket longest ago (never = first).
        last = self.last_assigned_at.timestamp() if self.last_assigned_at else float("-inf")
        return (self.load, last, self.agent_id)


@dataclass
class Pool:
    """Who can take tickets now, with their loads: read once, then kept current in memory.

    `ticket_assign_new` reads a pool for one queue per ticket; the scheduled pass reads one for the
    whole desk and hands out a batch from it, so a batch costs two queries, not two per ticket.
    """

    candidates: dict[int, Candidate]  # by user id: tickets point at users
    # The scheduled pass writes each taker's `last_assigned_at` once at the end (`flush`) instead of
    # once a ticket; lost in a crash, it only blurs one round-robin tie.
    deferred: bool = False
    stamped: dict[int, datetime] = field(default_factory=dict)  # agent id → last assignment

    def pick(
        self,
        queue_id: int,
        language: str,
        *,
        exclude_user_ids: Iterable[int] = (),
        any_language: bool = False,
    ) -> Candidate | None:
        """The least-loaded member of the queue with room; one who speaks `language` unless `any_language`."""
        excluded = set(exclude_user_ids)
        fits = [
            c
            for c in self.candidates.values()
            if queue_id in c.queue_ids
            and c.user_id not in excluded
            and c.load < c.capacity
            and (any_language or c.speaks(language))
        ]
        return min(fits, key=Candidate.order, default=None)

    def took(self, user_id: int, now: datetime) -> None:
        taker = self.candidates.get(user_id)
        if taker is not None:
            taker.load += 1
            taker.last_assigned_at = now

    def released(self, user_id: int | None) -> None:
        giver = self.candidates.get(user_id) if user_id is not None else None
        if giver is not None and giver.load > 0:
            giver.load -= 1

    def flush(self) -> None:
        """Writes the deferred `last_assigned_at` stamps: one UPDATE per agent who took tickets."""
        for agent_id, at in self.stamped.items():
            Agent.objects.filter(pk=agent_id).update(last_assigned_at=at)
        self.stamped.clear()

    def has_room(self, queue_id: int) -> bool:
        return any(queue_id in c.queue_ids and c.load < c.capacity for c in self.candidates.values())


def pool_load(*, now: datetime, queue_id: int | None = None, deferred: bool = False) -> Pool:
    """The available agents (active login, not away) of one queue, or of every queue, with their loads."""
    load = (
        Ticket.objects.filter(assignee_id=OuterRef("user_id"), status__in=ACTIVE)
        .order_by()
        .values("assignee_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    agents = Agent.objects.filter(user__is_active=True).exclude(away_q(now))
    if queue_id is not None:
        agents = agents.filter(memberships__queue_id=queue_id)
    rows = agents.annotate(load=Coalesce(Subquery(load, output_field=IntegerField()), 0)).values_list(
        "id", "user_id", "name", "user__email", "capacity", "languages", "load", "last_assigned_at"
    )
    candidates = {
        user_id: Candidate(
            agent_id=agent_id,
            user_id=user_id,
            name=name,
            email=email,
            capacity=capacity,
            languages=[str(x) for x in languages or []],
            load=load_n,
            last_assigned_at=last,
        )
        for agent_id, user_id, name, email, capacity, languages, load_n, last in rows
    }
    if queue_id is not None:
        for c in candidates.values():
            c.queue_ids.add(queue_id)
    else:
        memberships = Membership.objects.filter(agent__user_id__in=candidates).values_list(
            "agent__user_id", "queue_id"
        )
        for user_id, member_queue in memberships:
            candidates[user_id].queue_ids.add(member_queue)
    return Pool(candidates, deferred=deferred)


def ticket_give(
    ticket: Ticket,
    *,
    to: Candidate | None,
    now: datetime,
    pool: Pool | None = None,
    note: str = "",
    actor: Agent | None = None,
) -> bool:
    """Hands the ticket from its current assignee to `to` (None: to the queue) if nobody beat us to it.

    The UPDATE is conditional on the assignee we read and on the ticket still being active, so a
    racing worker, an agent's own change or a reply in between wins and this returns False. A fresh
    `assigned_at` restarts the stall clock for the new owner.
    """
    old_user_id = ticket.assignee_id
    new_user_id = to.user_id if to else None
    if old_user_id == new_user_id:
        return False
    changed = Ticket.objects.filter(pk=ticket.pk, assignee_id=old_user_id, status__in=ACTIVE).update(
        assignee_id=new_user_id, assigned_at=now if to else None, updated_at=now
    )
    if changed != 1:
        return False
    old_email = ticket.assignee.email if ticket.assignee is not None and old_user_id else ""
    TicketEvent.objects.create(
        ticket=ticket, actor=actor, field="assignee", old=old_email[:300], new=to.email[:300] if to else ""
    )
    if to is not None and pool is not None and pool.deferred:
        pool.stamped[to.agent_id] = now
    elif to is not None:
        Agent.objects.filter(pk=to.agent_id).update(last_assigned_at=now)
    if note:
        Article.objects.create(
            ticket=ticket,
            direction=Article.Direction.NOTE,
            kind="system",
            text=note,
            new_text=note,
            language=ticket.language,
        )
    if pool is not None:
        pool.released(old_user_id)
        if to is not None:
            pool.took(to.user_id, now)
    ticket.assignee_id = new_user_id
    ticket.assigned_at = now if to else None
    return True
