"""The topics a customer picks on the contact form: the desk's queues, named as customers know them.

A queue's slug matches a topic of the shop's seed data (topics.json) for the demo desk and for desks
set up from it; those get the seed's Korean or English name. Any other queue is shown by its own name.
The choice routes the mail (MISSION A10): the pipeline reads it from the X-Dapjang-Form-Topic header.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from dapjang.seed import seed_text
from dapjang.tickets.models import Queue


@dataclass(frozen=True)
class Topic:
    slug: str
    label: str
    queue_id: int


@cache
def _seed_names() -> dict[str, dict[str, str]]:
    rows = json.loads(seed_text("topics.json"))
    return {row["id"]: {"ko": row["name_ko"], "en": row["name_en"]} for row in rows}


def _seed_order() -> dict[str, int]:
    return {slug: i for i, slug in enumerate(_seed_names())}


def topic_label(slug: str, language: str, fallback: str = "") -> str:
    names = _seed_names().get(slug)
    if names is None:
        return fallback or slug
    return names.get(language) or names["ko"]


def form_topics(language: str) -> list[Topic]:
    """Every queue, the seed's topics first in the seed's order, then the others by name."""
    order = _seed_order()
    queues = list(Queue.objects.order_by("name").values_list("id", "slug", "name"))
    queues.sort(key=lambda q: (order.get(q[1], len(order)), q[2]))
    return [Topic(slug, topic_label(slug, language, name), queue_id) for queue_id, slug, name in queues]
