"""The shop the product is shown and trained with: support-ko (topics, FAQ, synonyms, labelled mail).

One copy inside the package, shared by routing (training), the knowledge base (default FAQ and
dictionary) and the demo desk, so an installed desk never reads outside itself.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"


def seed_path(name: str) -> Path:
    """topics.json, topic_asks.json, faq.json, synonyms.tsv or train.jsonl."""
    return DATA / name


def seed_text(name: str) -> str:
    return seed_path(name).read_text(encoding="utf-8")


@cache
def seed_faq() -> tuple[dict[str, Any], ...]:
    rows: list[dict[str, Any]] = json.loads(seed_text("faq.json"))
    return tuple(rows)
