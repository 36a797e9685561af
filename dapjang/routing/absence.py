"""Absence (MISSION A8): an agent away gets no new tickets, and their open ones go to someone who is here.

Each ticket moved for an absence carries a TicketEvent marker (field "absence", old = the absent
agent's address, new = the absence's start), next to the usual "assignee" event and an internal
note. The marker is what `absence_end` reads to bring the tickets back when the agent asked for that
(`reclaim_on_return`); keyed by the start, so extending the trip keeps the tickets it already moved.
An absence ends once: the conditional UPDATE that clears the agent's away fields is the claim.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dapjang.agents.models import Agent
from dapjang.routing.pool import ACTIVE, Candidate, Pool, away_q, chunked, is_away, pool_load, ticket_give
from dapjang.tickets.models import Ticket, TicketEvent

ABSENCE_EVENT = "absence"


def absence_key(agent: Agent) -> str:
    """Names one absence of an agent: its start in UTC (empty for an absence set with no start)."""
    if agent.away_from is None:
        return ""
    return agent.away_from.astimezone(UTC).isoformat(timespec="seconds")


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"


def assignee_unavailable(holder: Agent | None, ticket: Ticket, *, now: datetime) -> bool:
    """True when the ticket's assignee cannot answer it: away, login disabled, or no longer an agent."""
    if ticket.assignee_id is None:
        return False
    return holder is None or not holder.user.is_active or is_away(holder, now)


def _away_note(holder: Agent | None, old_email: str, taker: Candidate | None, *, now: datetime) -> str:
    old = holder.name if holder else old_email
    new = taker.name if taker else _("the queue (nobody else could take it)")
    with translation.override(settings.LANGUAGE_CODE):
        if holder is not None and holder.user.is_active and is_away(holder, now):
            if holder.away_until is None:
                return _("Moved from %(old)s to %(new)s: away, no return date given.") % {
                    "old": old,
                    "new": new,
                }
            return _("Moved from %(old)s to %(new)s: away until %(until)s.") % {
                "old": old,
                "new": new,
                "until": _when(holder.away_until),
            }
        return _("Moved from %(old)s to %(new)s: no longer at the desk.") % {"old": old, "new": new}


def ticket_move_away(
    ticket: Ticket, holder: Agent | None, *, now: datetime, pool: Pool | None = None
) -> bool:
    """Moves a ticket off an absent or departed assignee: to the least-loaded other member, else the queue.

    Unassigned is better than owned by someone who is not there: the queue sees it, and the
    scheduled pass gives it to the first agent with room.
    """
    pool = pool or pool_load(now=now, queue_id=ticket.queue_id)
    old_email = holder.user.email if holder else (ticket.assignee.email if ticket.assignee else "")
    taker = pool.pick(ticket.queue_id, ticket.language, exclude_user_ids=[ticket.assignee_id or 0])
    note = _away_note(holder, old_email, taker, now=now)
    if not ticket_give(ticket, to=taker, now=now, pool=pool, note=note):
        return False
    if holder is not None and is_away(holder, now):
        TicketEvent.objects.create(
            ticket=ticket, actor=None, field=ABSENCE_EVENT, old=old_email[:300], new=absence_key(holder)
        )
    return True


def absence_start(agent: Agent, *, now: datetime, limit: int = 500, pool: Pool | None = None) -> int:
    """Moves up to `limit` of an away (or departed) agent's active tickets to others; the count moved.

    Safe to run again and again: what is moved is no longer theirs, and a ticket someone else
    changed meanwhile is left to them (the move is conditional on the assignee).
    """
    if not (is_away(agent, now) or not agent.user.is_active):
        return 0
    pool = pool or pool_load(now=now)
    tickets = list(
        Ticket.objects.filter(assignee_id=agent.user_id, status__in=ACTIVE)
        .select_related("assignee")
        .order_by("-priority", "created_at")[:limit]
    )
    moved = 0
    for chunk in chunked(tickets):
        with transaction.atomic():
            for ticket in chunk:
                moved += ticket_move_away(ticket, agent, now=now, pool=pool)
    return moved


def absence_end(agent: Agent, *, now: datetime, pool: Pool | None = None) -> int:
    """Ends the agent's absence once; with `reclaim_on_return`, their moved, still active tickets return.

    Returns how many came back. The tickets come back whoever holds them now, capacity aside: they
    were the agent's own before the trip.
    """
    key = absence_key(agent)
    with transaction.atomic():
        claimed = Agent.objects.filter(
            pk=agent.pk, away_from=agent.away_from, away_until=agent.away_until
        ).update(away_from=None, away_until=None)
        if claimed != 1:
            return 0
        agent.away_from = agent.away_until = None
        if not (agent.reclaim_on_return and agent.user.is_active):
            return 0
        moved_ids = TicketEvent.objects.filter(field=ABSENCE_EVENT, old=agent.user.email, new=key).values(
            "ticket_id"
        )
        tickets = (
            Ticket.objects.filter(pk__in=moved_ids, status__in=ACTIVE)
            .exclude(assignee_id=agent.user_id)
            .select_related("assignee")
        )
        owner = Candidate(
            agent_id=agent.pk,
            user_id=agent.user_id,
            name=agent.name,
            email=agent.user.email,
            capacity=agent.capacity,
            languages=list(agent.languages or []),
            load=0,
            last_assigned_at=agent.last_assigned_at,
        )
        with translation.override(settings.LANGUAGE_CODE):
            note = _("Back to %(agent)s after their absence.") % {"agent": agent.name}
        back = 0
        for ticket in tickets:
            back += ticket_give(ticket, to=owner, now=now, pool=pool, note=note)
        return back


def absence_sweep(*, now: datetime, pool: Pool, limit: int) -> dict[str, int]:
    """The scheduled pass's part: absences that ended come back first, then absent agents' tickets move."""
    returned = moved = 0
    ended = Agent.objects.select_related("user").filter(away_until__isnull=False, away_until__lte=now)
    for agent in ended:
        returned += absence_end(agent, now=now, pool=pool)
    # From the people to their tickets: a few users, each probed through the assignee index,
    # instead of joining every active ticket to its assignee.
    holding = Exists(Ticket.objects.filter(assignee_id=OuterRef("pk"), status__in=ACTIVE))
    away_or_gone = Q(is_active=False) | Q(agent__isnull=True) | Q(agent__in=Agent.objects.filter(away_q(now)))
    user_ids = list(
        get_user_model()
        .objects.filter(away_or_gone)
        .filter(holding)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for user_id in user_ids:
        if moved >= limit:
            break
        holder = Agent.objects.select_related("user").filter(user_id=user_id).first()
        if holder is None:
            moved += _move_orphans(user_id, now=now, pool=pool, limit=limit - moved)
        else:
            moved += absence_start(holder, now=now, limit=limit - moved, pool=pool)
    return {"returned": returned, "moved_away": moved}


def _move_orphans(user_id: int, *, now: datetime, pool: Pool, limit: int) -> int:
    """Tickets held by a login that is no longer an agent (deleted from the desk): to the others."""
    moved = 0
    tickets = Ticket.objects.filter(assignee_id=user_id, status__in=ACTIVE).select_related("assignee")
    for chunk in chunked(tickets[:limit]):
        with transaction.atomic():
            for ticket in chunk:
                moved += ticket_move_away(ticket, None, now=now, pool=pool)
    return moved
