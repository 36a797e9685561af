"""The automation view's numbers (MISSION A11, B3): how much the FAQ answers by itself, and how well.

Per queue over a period: new human tickets, customers the FAQ page helped before they wrote
(deflections), automatic answers and their share, how often the customer wrote back anyway (the
answer did not settle it), and the agents' verdicts. Every count is one grouped query over the
queues the caller passes, which are the viewer's own (MISSION A6).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from dapjang.knowledge.models import Deflection
from dapjang.tickets.models import Article, Queue, Ticket

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30


@dataclass(frozen=True)
class QueueAutomation:
    queue: Queue
    new_tickets: int = 0
    deflections: int = 0
    auto_answers: int = 0
    reopened: int = 0
    rated_good: int = 0
    rated_wrong: int = 0

    @property
    def auto_rate(self) -> float | None:
        """Share of new human tickets answered by the FAQ alone; None with no tickets."""
        return self.auto_answers / self.new_tickets if self.new_tickets else None

    @property
    def reopen_rate(self) -> float | None:
        """Share of automatic answers the customer wrote back to: the answer did not settle it."""
        return self.reopened / self.auto_answers if self.auto_answers else None


def period_days(value: str | None) -> int:
    return int(value) if value in {str(p) for p in PERIODS} else DEFAULT_PERIOD


def automation_numbers(queues: QuerySet[Queue], *, since: datetime) -> list[QueueAutomation]:
    """One row per queue, in the queues' order; tickets count when they arrived in the period."""
    queue_list = list(queues.order_by("name"))
    customer_wrote_back = Exists(
        Article.objects.filter(
            ticket=OuterRef("pk"),
            direction=Article.Direction.IN,
            kind="customer",  # a person's mail (tickets/articles.py); an out-of-office is not an answer
            created_at__gt=OuterRef("auto_answered_at"),
        )
    )
    answered = Q(auto_answered_at__isnull=False)
    rows = (
        Ticket.objects.filter(queue__in=[q.pk for q in queue_list], created_at__gte=since, kind="human")
        .values("queue")
        .annotate(
            new=Count("id"),
            auto=Count("id", filter=answered),
            reopened=Count("id", filter=answered & Q(customer_wrote_back)),
            good=Count("id", filter=answered & Q(auto_answer_rating=1)),
            wrong=Count("id", filter=answered & Q(auto_answer_rating=-1)),
        )
        .order_by()
        .values_list("queue", "new", "auto", "reopened", "good", "wrong")
    )
    counts = ("new", "auto", "reopened", "good", "wrong")
    by_queue = {int(row[0]): dict(zip(counts, (int(n) for n in row[1:]), strict=True)) for row in rows}
    deflected = dict(
        Deflection.objects.filter(created_at__gte=since, topic__in=[q.slug for q in queue_list])
        .values("topic")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("topic", "n")
    )
    result = []
    for queue in queue_list:
        row = by_queue.get(queue.pk, {})
        result.append(
            QueueAutomation(
                queue=queue,
                new_tickets=row.get("new", 0),
                deflections=deflected.get(queue.slug, 0),
                auto_answers=row.get("auto", 0),
                reopened=row.get("reopened", 0),
                rated_good=row.get("good", 0),
                rated_wrong=row.get("wrong", 0),
            )
        )
    return result


def automation_total(rows: list[QueueAutomation]) -> QueueAutomation:
    """The sum over the rows, for the table's last line (its queue is a blank one, never saved)."""
    return QueueAutomation(
        queue=Queue(name="", slug=""),
        new_tickets=sum(r.new_tickets for r in rows),
        deflections=sum(r.deflections for r in rows),
        auto_answers=sum(r.auto_answers for r in rows),
        reopened=sum(r.reopened for r in rows),
        rated_good=sum(r.rated_good for r in rows),
        rated_wrong=sum(r.rated_wrong for r in rows),
    )


@dataclass(frozen=True)
class Bar:
    """One queue's bars in the chart, in pixels: all new tickets and the part answered automatically."""

    label: str
    y: int
    total_width: int
    auto_width: int
    deflected_width: int
    total: int
    auto: int
    deflections: int


CHART_WIDTH = 420
ROW_HEIGHT = 28


def chart_bars(rows: list[QueueAutomation]) -> list[Bar]:
    """Bars scaled to the busiest queue (new tickets plus deflections), drawn by the template as SVG."""
    top = max([r.new_tickets + r.deflections for r in rows] + [1])

    def px(n: int) -> int:
        return round(CHART_WIDTH * n / top)

    return [
        Bar(
            label=r.queue.name,
            y=i * ROW_HEIGHT,
            total_width=px(r.new_tickets),
            auto_width=px(r.auto_answers),
            deflected_width=px(r.deflections),
            total=r.new_tickets,
            auto=r.auto_answers,
            deflections=r.deflections,
        )
        for i, r in enumerate(rows)
    ]
