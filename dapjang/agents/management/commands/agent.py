"""dapjang agent add EMAIL --name NAME --queue SLUG… [--lead|--admin] [--token] / dapjang agent list"""

from __future__ import annotations

import secrets
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dapjang.agents.models import Agent
from dapjang.agents.services import AgentError, agent_add, token_issue


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

    def handle(self, *args: Any, **opts: Any) -> None:
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
