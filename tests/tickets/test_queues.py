"""Queues: a brand-new desk accepts mail at once; routing by address is never ambiguous."""

from __future__ import annotations

from typing import Any

from dapjang.tickets.queues import AddressBook, queue_default


def test_a_new_desk_gets_a_default_queue_that_owns_the_support_address(db: None, settings: Any) -> None:
    settings.DAPJANG_MAIL_DOMAIN = "shop.example"
    queue = queue_default()
    assert queue.is_default
    assert list(queue.addresses.values_list("email", flat=True)) == ["support@shop.example"]
    assert AddressBook.load().is_ours("Support@shop.example")
    assert queue_default().id == queue.id  # made once
