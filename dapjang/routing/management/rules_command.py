"""`dapjang routing rules list | dry-run TICKET | add …`: the rules from a terminal.

The admin is the editor; these are for a quick look, for scripting a desk's set-up, and for the
check an admin makes before trusting a new rule: which rule would fire on this ticket?
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dapjang.routing.dryrun import actions_text, dry_run_lines, rules_dry_run
from dapjang.routing.models import Rule
from dapjang.routing.rules import split_list
from dapjang.tickets.models import Queue, Ticket


def add_rule_arguments(parser: CommandParser) -> None:
    parser.add_argument("name")
    parser.add_argument("--position", type=int, default=None, help="default: after the last rule")
    parser.add_argument("--sender", default="", help="addresses or domains, comma-separated")
    parser.add_argument("--recipient", default="", help="our addresses, comma-separated")
    parser.add_argument("--subject", default="", help="subject keywords, comma-separated")
    parser.add_argument("--body", default="", help="keywords in the subject or text, comma-separated")
    parser.add_argument("--segment", default="", help="customer segments, comma-separated (vip, abusive…)")
    parser.add_argument(
        "--form", action="append", default=[], metavar="NAME=VALUE", help="a contact-form field"
    )
    parser.add_argument("--queue", default="", help="move to the queue with this slug")
    parser.add_argument("--priority", type=int, choices=Ticket.Priority.values, default=None)
    parser.add_argument("--tags", default="", help="tags to add, comma-separated")
    parser.add_argument("--set-segment", default="", help="set the customer's segment")
    parser.add_argument("--continue", dest="go_on", action="store_true", help="let later rules run too")


def rules_command(command: BaseCommand, opts: dict[str, Any]) -> None:
    action = opts["rules_action"]
    if action == "list":
        _list(command)
    elif action == "dry-run":
        _dry_run(command, opts["ticket"])
    else:
        _add(command, opts)


def _list(command: BaseCommand) -> None:
    rules = list(Rule.objects.select_related("queue").order_by("position", "id"))
    if not rules:
        command.stdout.write("no rules yet / 규칙이 없습니다")
    for rule in rules:
        state = "on" if rule.enabled else "off"
        queue = rule.queue.slug if rule.queue is not None else None
        actions = actions_text(queue, rule.priority, [rule.tags] if rule.tags else [], rule.set_segment)
        actions.append("stop" if rule.stop else "continue")
        command.stdout.write(f"{rule.position}\t{state}\t{rule.name}\t{' '.join(actions)}")


def _dry_run(command: BaseCommand, number: str) -> None:
    number = number.strip().lstrip("#")
    ticket = Ticket.objects.select_related("customer").filter(number=number).first()
    if ticket is None:
        raise CommandError(f"no ticket {number} / {number} 티켓이 없습니다")
    for line in dry_run_lines(rules_dry_run(ticket)):
        command.stdout.write(line)


def _add(command: BaseCommand, opts: dict[str, Any]) -> None:
    queue = None
    if opts["queue"]:
        queue = Queue.objects.filter(slug=opts["queue"]).first()
        if queue is None:
            known = ", ".join(Queue.objects.order_by("slug").values_list("slug", flat=True))
            raise CommandError(f"unknown queue '{opts['queue']}' (known: {known}) / 없는 큐입니다")
    position = opts["position"]
    if position is None:
        last = Rule.objects.order_by("-position").values_list("position", flat=True).first()
        position = (last or 0) + 10
    rule = Rule(
        name=opts["name"],
        position=position,
        senders="\n".join(split_list(opts["sender"])),
        recipients="\n".join(split_list(opts["recipient"])),
        subject_keywords=opts["subject"],
        body_keywords=opts["body"],
        segments=split_list(opts["segment"]),
        form_fields="\n".join(opts["form"]),
        queue=queue,
        priority=opts["priority"],
        tags=opts["tags"],
        set_segment=opts["set_segment"],
        stop=not opts["go_on"],
    )
    try:
        rule.full_clean()
    except ValidationError as exc:
        lines = [
            f"{'' if name == '__all__' else name + ': '}{m}"
            for name, ms in exc.message_dict.items()
            for m in ms
        ]
        raise CommandError("\n".join(lines)) from None
    rule.save()
    command.stdout.write(f"rule {rule.pk} added at position {rule.position} / 규칙을 추가했습니다")
