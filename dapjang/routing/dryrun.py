"""Which rule would fire on a ticket we already have: the admin's check before saving a rule.

The facts are rebuilt from the ticket's first customer mail as the pipeline saw it (sender,
recipients, subject, the customer's own text, the contact form's fields from the raw message) and
the customer's segment as it is now. Nothing is changed: it is the same pure evaluation the pipeline
runs (rules.rules_evaluate), shown condition by condition.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dapjang.routing.rules import Facts, Outcome, Verdict, enabled_rules, rules_evaluate
from dapjang.tickets.models import Article, Ticket


def facts_of_ticket(ticket: Ticket) -> Facts:
    first = (
        ticket.articles.filter(direction=Article.Direction.IN)
        .select_related("raw")
        .order_by("created_at", "id")
        .first()
    )
    form: dict[str, str] = {}
    recipients: tuple[str, ...] = ()
    sender = ticket.customer.email.lower() if ticket.customer else ""
    subject, body = ticket.subject, ""
    if first is not None:
        sender = first.from_email.lower() or sender
        subject, body = first.subject or ticket.subject, first.new_text or first.text
        recipients = tuple(a.lower() for a in [*first.to, *first.cc] if isinstance(a, str))
        raw = first.raw
        if raw is not None:
            recipients = (*recipients, *(a.lower() for a in raw.envelope_to if isinstance(a, str)))
            if raw.channel == "form":
                from dapjang.mail.parse import parse_mail
                from dapjang.tickets.dispatch import form_fields

                form = form_fields(parse_mail(bytes(raw.data)), raw.channel)
    return Facts(
        sender=sender,
        recipients=recipients,
        subject=subject,
        body=body,
        segment=ticket.customer.segment if ticket.customer else "",
        form=form,
        segment_by_hand=bool(ticket.customer and ticket.customer.segment_set_by == "hand"),
    )


@dataclass(frozen=True)
class DryRun:
    ticket: Ticket
    facts: Facts
    outcome: Outcome
    verdicts: list[Verdict]


def rules_dry_run(ticket: Ticket) -> DryRun:
    """Every rule (enabled ones, in order) against the ticket, and what the firing ones would do."""
    facts = facts_of_ticket(ticket)
    outcome, verdicts = rules_evaluate(enabled_rules(), facts)
    return DryRun(ticket, facts, outcome, verdicts)


def dry_run_lines(run: DryRun) -> list[str]:
    """The dry run as plain lines, for the command (and the admin page's summary)."""
    lines = []
    for verdict in run.verdicts:
        mark = "FIRES" if verdict.fired else ("matches (after a stop)" if verdict.matched else "no")
        checks = ", ".join(f"{c.condition} {'✓' if c.held else '✗'}" for c in verdict.checks)
        lines.append(f"{verdict.rule.position}\t{verdict.rule.name}\t{mark}\t{checks}")
    outcome = run.outcome
    if not outcome.fired:
        lines.append("no rule fires / 적용되는 규칙이 없습니다")
    else:
        queue = outcome.queue.slug if outcome.queue is not None else None
        parts = actions_text(queue, outcome.priority, outcome.tags, outcome.segment)
        lines.append("would apply / 적용 결과: " + " ".join(parts))
    return lines


def actions_text(queue: str | None, priority: int | None, tags: Sequence[str], segment: str) -> list[str]:
    """`queue=… priority=… tags=a,b segment=…`: what a rule sets, or what the rules together would."""
    parts = []
    if queue is not None:
        parts.append(f"queue={queue}")
    if priority is not None:
        parts.append(f"priority={priority}")
    if tags:
        parts.append(f"tags={','.join(tags)}")
    if segment:
        parts.append(f"segment={segment}")
    return parts
