"""The shipped FAQ and dictionary, loaded once per module: building the index takes a second, a test
should not."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dapjang.knowledge.models import FaqEntry, Synonym
from dapjang.knowledge.search import faq_index_reset
from dapjang.knowledge.services import DEFAULT_FILES, knowledge_import
from tests.console.conftest import fast_passwords, people  # noqa: F401 - the console's agents, for the card's views


@pytest.fixture(scope="module")
def shipped_kb(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """Rows committed outside the tests' transactions, removed when the module is done."""
    with django_db_blocker.unblock():
        knowledge_import(DEFAULT_FILES)
    yield
    with django_db_blocker.unblock():
        FaqEntry.objects.all().delete()
        Synonym.objects.all().delete()
    faq_index_reset()


@pytest.fixture
def kb(shipped_kb: None, db: None) -> None:
    """The shipped knowledge base, visible to a test that may also change it (rolled back)."""
