"""dapjang agent add EMAIL --name NAME --queue SLUG… [--lead|--admin] [--token] / dapjang agent list

dapjang agent away EMAIL [--from ISO] --until ISO [--reclaim] / dapjang agent back EMAIL (MISSION A8)
"""

from __future__ import annotations

import secrets
import sys
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from dapjang.agents.models import Agent
from dapjang.agents.services import AgentError, agent_add, agent_away, agent_back, agent_find, token_issue


class Command(BaseCommand):
    help = "Set up agents, their queues and API tokens / 상담원 설정"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="a new agent, or new queues for an existing one")
        add.add_argument("email")
        add.add_argument("--name", required=True)
        add.add_argument("--queue", nargs="*", default=[], help="queue slugs the agent works")
        role = add.add_mutually_exclusive_group()
        role.add_argument("--lead", action="store_true", help="team lead of those queues")
        role.add_argument("--admin", action="store_true", help="desk administrator: every queue, the admin")
        add.add_argument("--language", nargs="*", default=["ko"], help="languages the agent answers in")
        add.add_argument("--password-stdin", action="store_true", help="read the login password from stdin")
        add.add_argument("--token", action="store_true", help="print a new API token, alone on the last line")
        sub.add_parser("list", help="agents, roles and queues")
        away = sub.add_parser("away", help="an absence: no new tickets, open ones move to others")
        away.add_argument("email")
        away.add_argument(
            "--from", dest="start", help="start, ISO 8601 (default: now; local time if no offset)"
        )
        away.add_argument("--until", required=True, help="end, ISO 8601 (local time if no offset)")
        away.add_argument("--reclaim", action="store_true", help="take the moved tickets back on return")
        back = sub.add_parser("back", help="end an absence now (and take tickets back if --reclaim was set)")
        back.add_argument("email")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] in ("away", "back"):
            try:
                self._absence(opts)
            except AgentError as exc:
                raise CommandError(str(exc)) from None
            return
        if opts["action"] == "list":
            for agent in Agent.objects.select_related("user").prefetch_related("memberships__queue"):
                queues = " ".join(m.queue.slug for m in agent.memberships.all()) or "-"
                self.stdout.write(f"{agent.user.email}\t{agent.name}\t{agent.role}\t{queues}")
            return
        role = Agent.Role.ADMIN if opts["admin"] else Agent.Role.LEAD if opts["lead"] else Agent.Role.AGENT
        if not opts["queue"] and role != Agent.Role.ADMIN:
            raise CommandError("give at least one --queue SLUG / --queue로 큐를 하나 이상 지정하세요")
        password = sys.stdin.readline().rstrip("\n") if opts["password_stdin"] else None
        if opts["password_stdin"] and not password:
            raise CommandError("no password on stdin / 표준 입력에 비밀번호가 없습니다")
        new_password = password or secrets.token_urlsafe(12)
        try:
            agent = agent_add(
                email=opts["email"],
                name=opts["name"],
                queues=opts["queue"],
                role=role,
                password=new_password,
                languages=opts["language"],
            )
        except AgentError as exc:
            raise CommandError(str(exc)) from None
        queues = ", ".join(m.queue.slug for m in agent.memberships.select_related("queue")) or "all"
        self.stdout.write(
            f"agent {agent.user.email} ({agent.role}; queues: {queues}) / 상담원을 등록했습니다"
        )
        if password is None:
            self.stdout.write(
                f"login / 로그인: {agent.user.username} / {new_password}   (shown once / 한 번만 표시)"
            )
        if opts["token"]:
            self.stdout.write(token_issue(agent, label="dapjang agent add"))

    def _absence(self, opts: dict[str, Any]) -> None:
        agent = agent_find(opts["email"])
        if opts["action"] == "back":
            returned = agent_back(agent)
            self.stdout.write(
                f"{agent.user.email} is back; {returned} ticket(s) returned / 복귀 처리했습니다 (돌려받은 티켓 {returned}건)"
            )
            return
        start = _moment(opts["start"], "--from") if opts["start"] else None
        until = _moment(opts["until"], "--until")
        moved = agent_away(agent, start=start, until=until, reclaim=opts["reclaim"])
        shown_start = (
            timezone.localtime(agent.away_from).isoformat(timespec="minutes") if agent.away_from else "-"
        )
        shown_until = timezone.localtime(until).isoformat(timespec="minutes")
        self.stdout.write(
            f"{agent.user.email} away {shown_start} → {shown_until}"
            f"{' (tickets come back on return)' if opts['reclaim'] else ''}; {moved} ticket(s) moved now "
            f"/ 부재를 등록했습니다 (지금 옮긴 티켓 {moved}건)"
        )


def _moment(text: str, option: str) -> datetime:
    """An ISO 8601 time from the command line; without an offset it is the desk's local time."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(
            f"{option} '{text}' is not an ISO 8601 time such as 2026-12-01T09:00 "
            f"/ {option} 값이 ISO 8601 시각이 아닙니다 (예: 2026-12-01T09:00)"
        ) from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment
