"""A small shop for the portal: three queues (one with no address of its own) and the shipped FAQ."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from dapjang.knowledge.search import faq_index_reset
from dapjang.knowledge.services import knowledge_import
from dapjang.seed import seed_path
from dapjang.tickets.models import Queue
from tests.factories import QueueFactory


@dataclass
class Shop:
    general: Queue
    shipping: Queue
    complaint: Queue  # no address: its form mail goes to the desk address, the header routes it


@pytest.fixture
def shop(desk: dict[str, Any]) -> Shop:
    return Shop(
        general=desk["general"],
        shipping=desk["shipping"],
        complaint=QueueFactory(slug="complaint", name="불만 접수"),
    )


@pytest.fixture
def faq(db: None) -> None:
    """The shipped FAQ (published), as `dapjang knowledge import` loads it."""
    faq_index_reset()
    knowledge_import([seed_path("faq.json"), seed_path("synonyms.tsv")])


def form_data(**changes: str) -> dict[str, str]:
    data = {
        "name": "김민수",
        "email": "minsu@customer.example",
        "topic": "shipping",
        "product": "무선 이어폰 X2",
        "subject": "배송이 안 와요",
        "message": "지난주에 주문한 이어폰이 아직 도착하지 않았습니다. 확인 부탁드립니다.",
        "website": "",
    }
    data.update(changes)
    return data


@pytest.fixture
def visitor() -> Client:
    return Client(REMOTE_ADDR="203.0.113.7")
