"""Setting up agents and the one rule for what they may see (MISSION A6, RELIABILITY 34).

Every list, search, page, attachment, export and API call takes its tickets from
`tickets_visible_to`, so the rule lives in the query, in one place.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from dapjang.agents.models import Agent, ApiToken, Membership
from dapjang.routing.absence import absence_end, absence_start
from dapjang.routing.pool import is_away
from dapjang.tickets.models import Queue, Ticket

TOKEN_PREFIX = "dpj_"  # noqa: S105 - marks our tokens (secret scanners can find leaked ones), not a secret


class AgentError(ValueError):
    """Bad input for setting up an agent; the message says what to fix."""


def agent_of(user: AbstractBaseUser | AnonymousUser | None) -> Agent | None:
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return Agent.objects.select_related("user").filter(user_id=user.pk).first()


def is_desk_admin(agent: Agent) -> bool:
    return agent.role == Agent.Role.ADMIN or bool(agent.user.is_superuser)


def queues_of(agent: Agent) -> QuerySet[Queue]:
    """The queues an agent works; an admin works them all."""
    if is_desk_admin(agent):
        return Queue.objects.all()
    return Queue.objects.filter(memberships__agent=agent)


def tickets_visible_to(agent: Agent | None) -> QuerySet[Ticket]:
    """The tickets an agent may see, as a query the caller narrows further; nobody sees nothing else."""
    if agent is None:
        return Ticket.objects.none()
    if is_desk_admin(agent):
        return Ticket.objects.all()
    return Ticket.objects.filter(queue__memberships__agent=agent)


def leads_of(queue: Queue) -> QuerySet[Agent]:
    return Agent.objects.filter(memberships__queue=queue, memberships__is_lead=True)


@transaction.atomic
def agent_add(
    *,
    email: str,
    name: str,
    queues: Iterable[str],
    role: str = Agent.Role.AGENT,
    password: str | None = None,
    languages: Iterable[str] = ("ko",),
) -> Agent:
    """Creates (or updates) an agent with a login named by their address and their queues."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise AgentError(f"'{email}' is not an e-mail address / 올바른 메일 주소가 아닙니다")
    if role not in Agent.Role.values:
        raise AgentError(f"unknown role '{role}' / 알 수 없는 역할입니다: {', '.join(Agent.Role.values)}")
    slugs = list(dict.fromkeys(queues))
    found = {q.slug: q for q in Queue.objects.filter(slug__in=slugs)}
    missing = [s for s in slugs if s not in found]
    if missing:
        raise AgentError(
            f"no queue {', '.join(missing)} (see `dapjang queue list`) / 없는 큐입니다: {', '.join(missing)}"
        )
    users = get_user_model()
    user, _ = users.objects.get_or_create(username=email, defaults={"email": email})
    user.email = email
    user.is_staff = role == Agent.Role.ADMIN  # the Django admin is for desk admins only
    if password:
        user.set_password(password)
    elif not user.has_usable_password():
        user.set_unusable_password()
    user.save()
    agent, _ = Agent.objects.update_or_create(
        user=user, defaults={"name": name.strip() or email, "role": role, "languages": list(languages)}
    )
    for slug in slugs:
        Membership.objects.update_or_create(
            agent=agent, queue=found[slug], defaults={"is_lead": role == Agent.Role.LEAD}
        )
    return agent


def token_issue(agent: Agent, label: str = "") -> str:
    """Makes a new API token and returns it; only its digest is kept, so this is the one chance to see it."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        agent=agent, digest=_digest(token), prefix=token[: len(TOKEN_PREFIX) + 6], label=label[:100]
    )
    return token


def token_agent(token: str) -> Agent | None:
    """The agent a bearer token belongs to, or None; compares digests, so timing tells nothing."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = (
        ApiToken.objects.select_related("agent__user")
        .filter(digest=_digest(token), revoked=False, agent__user__is_active=True)
        .first()
    )
    if row is None:
        return None
    now = timezone.now()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.agent


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def agent_find(email: str) -> Agent:
    """The agent with this login address, or an AgentError that says so."""
    agent = Agent.objects.select_related("user").filter(user__username=email.strip().lower()).first()
    if agent is None:
        raise AgentError(f"no agent {email} (see `dapjang agent list`) / 없는 상담원입니다: {email}")
    return agent


def agent_away(
    agent: Agent,
    *,
    until: datetime | None,
    start: datetime | None = None,
    reclaim: bool | None = None,
    now: datetime | None = None,
) -> int:
    """Marks an absence (a trip, a leave) from `start` (default now) until `until` (None: until back).

    From its start the agent gets no new tickets and their open ones move to others (MISSION A8).
    When it starts now, they move at once; a later start is the scheduled pass's work. With
    `reclaim`, the moved tickets that are still open come back when the absence ends. Returns how
    many tickets moved now.
    """
    now = now or timezone.now()
    if start is None:
        # Extending an absence under way keeps its start: that start names the tickets it moved.
        start = agent.away_from if agent.away_from and is_away(agent, now) else now
    if timezone.is_naive(start) or (until is not None and timezone.is_naive(until)):
        raise AgentError("times need a time zone / 시간대가 필요합니다")
    if until is not None and until <= now:
        raise AgentError("the absence is already over / 이미 끝난 부재입니다")
    if until is not None and until <= start:
        raise AgentError("the absence ends before it starts / 부재 종료가 시작보다 빠릅니다")
    agent.away_from, agent.away_until = start, until
    fields = ["away_from", "away_until"]
    if reclaim is not None:
        agent.reclaim_on_return = reclaim
        fields.append("reclaim_on_return")
    agent.save(update_fields=fields)
    return absence_start(agent, now=now) if start <= now else 0


def agent_back(agent: Agent, *, now: datetime | None = None) -> int:
    """Ends the agent's absence now; returns how many tickets came back (with `reclaim_on_return`)."""
    if agent.away_from is None and agent.away_until is None:
        return 0
    return absence_end(agent, now=now or timezone.now())
