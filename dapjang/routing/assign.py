"""Assignment (MISSION A9): the available queue member with the smallest unanswered load."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import translation
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from dapjang.agents.models import Agent
from dapjang.routing.absence import assignee_unavailable, ticket_move_away
from dapjang.routing.pool import ACTIVE, Candidate, Pool, pool_load, ticket_give
from dapjang.tickets.models import Ticket


def ticket_assign_new(ticket: Ticket, *, now: datetime, pool: Pool | None = None) -> bool:
    """Gives an active, unassigned ticket to the least-loaded available member of its queue.

    Within capacity, and preferably one who speaks the ticket's language (an agent who lists no
    language takes any). When no available member lists it, the ticket goes to any available member
    with room, with an internal note saying so: a customer writing in a language nobody here lists
    is better served by someone who owns the ticket (and can find a colleague or a translation) than
    by a ticket nobody sees as theirs. Nobody has room: the ticket stays unassigned, in the queue's
    view, for the scheduled pass to retry.
    """
    if ticket.assignee_id is not None or ticket.status not in ACTIVE:
        return False
    pool = pool or pool_load(now=now, queue_id=ticket.queue_id)
    taker = pool.pick(ticket.queue_id, ticket.language)
    note = ""
    if taker is None:
        taker = pool.pick(ticket.queue_id, ticket.language, any_language=True)
        if taker is None:
            return False
        note = language_note(ticket, taker)
    return ticket_give(ticket, to=taker, now=now, pool=pool, note=note)


def language_name(code: str) -> str:
    """'영어' / 'English' for 'en' in the active language; the code itself for one Django does not know."""
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


def language_note(ticket: Ticket, taker: Candidate) -> str:
    """Why the ticket went to someone who does not list its language, in the desk's language.

    Tells apart a queue where nobody lists the language (a gap in the team to fix) from one whose
    members who list it are away or full right now.
    """
    members = Agent.objects.filter(memberships__queue_id=ticket.queue_id, user__is_active=True)
    listed = any(
        ticket.language in (languages or []) for languages in members.values_list("languages", flat=True)
    )
    with translation.override(settings.LANGUAGE_CODE):
        values = {"queue": ticket.queue.name, "language": language_name(ticket.language), "agent": taker.name}
        if listed:
            return (
                _(
                    "Nobody in the queue %(queue)s who lists %(language)s is available now: "
                    "given to %(agent)s, who does not list it."
                )
                % values
            )
        return (
            _("Nobody in the queue %(queue)s lists %(language)s: given to %(agent)s, who does not list it.")
            % values
        )


def ticket_assign_reopened(ticket: Ticket, *, now: datetime) -> bool:
    """A customer's reply made the ticket active again: it needs an agent who is here.

    No assignee: assigned like a new ticket. An assignee away or gone (login disabled, no longer an
    agent): moved the way an absence moves tickets, so they come back on return if the agent asked.
    """
    if ticket.status not in ACTIVE:
        return False
    if ticket.assignee_id is None:
        return ticket_assign_new(ticket, now=now)
    holder = Agent.objects.select_related("user").filter(user_id=ticket.assignee_id).first()
    if not assignee_unavailable(holder, ticket, now=now):
        return False
    return ticket_move_away(ticket, holder, now=now)
