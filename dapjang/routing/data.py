"""Where training examples come from: the shipped seed data, a JSON Lines file, or the desk's own tickets.

The shipped files are the seed data inside the package (dapjang/seed/) so that a new desk routes from its
first mail, on any machine, with nothing to download. Later the desk's own resolved tickets — and
above all the tickets an agent moved to another queue — are better teachers than any seed data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dapjang.routing.features import Synonym
from dapjang.seed import seed_faq, seed_text

# A pseudo-document written from a topic's description counts for less than a real mail: it is
# a definition, not a way customers write.
DESCRIPTION_WEIGHT = 0.5
# One clause of a description ("반품 회수 접수", "refund timing") names one thing customers ask about, as
# short as an FAQ question: it counts as much as a mail. A keyword alone is a weaker hint.
CLAUSE_WEIGHT = 1.0
KEYWORD_WEIGHT = 0.3
# Dapjang's own mails on the borders between topics (topic_boundaries.jsonl) teach the line the
# descriptions draw and the seed mails only sometimes cross. Written apart from the seed mails, they
# count double: at 1, 2 and 3 the Korean mail split went 89.5, 90.3, 90.5 % top-1 (bench/README.md).
BOUNDARY_WEIGHT = 2.0
_CLAUSE_BREAK = re.compile(r"[,，、;]\s*(?:and\s+|or\s+)?", re.I)
# The closing verb of a Korean description ("…를 담당합니다.") is the same in every topic.
_KO_CLOSING = re.compile(r"(?:을|를)?\s*(?:담당|접수|처리|안내)(?:합니다|함)\.?\s*$")


@dataclass(frozen=True)
class Example:
    subject: str
    body: str
    topic: str
    lang: str = ""
    weight: float = 1.0
    group: str = ""  # examples of one intent (e.g. an FAQ entry) share a group, for honest cross-validation


@dataclass(frozen=True)
class Topic:
    id: str
    name_ko: str
    name_en: str
    description_ko: str = ""
    description_en: str = ""
    keywords_ko: list[str] = field(default_factory=list)
    keywords_en: list[str] = field(default_factory=list)
    # What customers typically ask this queue, one line each, in their own words (topic_asks.json).
    asks_ko: list[str] = field(default_factory=list)
    asks_en: list[str] = field(default_factory=list)
    # Whole mails that sit on this topic's border with a neighbour and belong here (topic_boundaries.jsonl):
    # a rude courier is *complaint*, not *shipping*; a wish for faster playback is *opinion*.
    border_mails: list[Example] = field(default_factory=list)


class DataError(ValueError):
    """A training file that cannot be used; the message says which line and why."""


def _data_file(name: str) -> str:
    return seed_text(name)


def shipped_topics() -> list[Topic]:
    """The shipped topics (topics.json, the shared seed data as it came) with Dapjang's own typical asks
    (topic_asks.json) and border mails (topic_boundaries.jsonl) of each topic."""
    rows: list[dict[str, Any]] = json.loads(_data_file("topics.json"))
    asks: dict[str, dict[str, list[str]]] = json.loads(_data_file("topic_asks.json"))
    borders = list(
        parse_jsonl(_data_file("topic_boundaries.jsonl").splitlines(), source="topic_boundaries.jsonl")
    )
    topics = []
    for row in rows:
        own = asks.get(row["id"], {})
        mails = [e for e in borders if e.topic == row["id"]]
        topics.append(Topic(**row, asks_ko=own.get("ko", []), asks_en=own.get("en", []), border_mails=mails))
    return topics


def shipped_synonyms() -> list[Synonym]:
    synonyms: list[Synonym] = []
    for line in _data_file("synonyms.tsv").splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[0].strip() and parts[1].strip():
            synonyms.append(Synonym(parts[0].strip(), parts[1].strip(), parts[2].strip()))
    return synonyms


def parse_jsonl(lines: Iterable[str], *, source: str = "<input>") -> Iterator[Example]:
    """Examples from lines of `{"subject", "body", "topic", "lang"?, "faq_id"?}`; bad lines raise DataError."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{source}:{number}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise DataError(f"{source}:{number}: expected an object")
        topic = row.get("topic")
        if not isinstance(topic, str) or not topic.strip():
            raise DataError(f"{source}:{number}: no topic")
        subject, body = row.get("subject") or "", row.get("body") or ""
        if not isinstance(subject, str) or not isinstance(body, str):
            raise DataError(f"{source}:{number}: subject and body must be strings")
        if not (subject.strip() or body.strip()):
            raise DataError(f"{source}:{number}: no subject and no body")
        group = row.get("faq_id") or row.get("id") or f"{source}:{number}"
        yield Example(subject, body, topic.strip(), str(row.get("lang") or ""), group=str(group))


def load_jsonl(path: str | Path) -> list[Example]:
    with open(path, encoding="utf-8") as handle:
        return list(parse_jsonl(handle, source=str(path)))


def shipped_mails() -> list[Example]:
    """The 400 labelled seed mails (support-ko train.jsonl)."""
    return list(parse_jsonl(_data_file("train.jsonl").splitlines(), source="train.jsonl"))


def shipped_faq_questions() -> list[Example]:
    """FAQ questions and their paraphrases, each labelled with its FAQ's topic: short, real-sounding asks."""
    return [
        Example("", text, entry["topic"], lang, group=entry["id"])
        for entry in seed_faq()
        for lang in ("ko", "en")
        for text in (entry[f"question_{lang}"], *entry.get(f"paraphrases_{lang}", []))
    ]


def description_clauses(description: str) -> list[str]:
    """The things a topic's description lists, one by one: its comma-separated clauses."""
    text = _KO_CLOSING.sub("", description.strip())
    return [c for c in (part.strip(" .") for part in _CLAUSE_BREAK.split(text)) if len(c) > 1]


def topic_documents(topics: list[Topic]) -> list[Example]:
    """Each topic's name, description and keywords as pseudo-mails, in Korean and in English.

    This is what lets a topic with few examples still claim its vocabulary, and what a desk that
    adds a topic with a description but no mail yet starts from. Besides the whole description (one
    pseudo-mail), each clause of it and each keyword is an example of its own: a description lists
    several intents ("배송 조회, 배송 예정일, 운송장 번호, …"), and averaged into one document each is
    diluted by the others. Taken apart they teach the model intents that no training mail shows: in
    cross-validation with whole intents held out, top-1 rose from 69 to 79 % (bench/README.md).

    A topic's typical asks ("반품 보냈는데 환불은 언제 되나요?") are examples of full weight: short
    mails in customers' words for the intents a description only names. With them, intents held out of
    training went from 81 to 85 % top-1 and from 48 to 71 % routed at 95 % precision (bench/README.md).
    Its border mails are whole mails at BOUNDARY_WEIGHT (one without a subject is also a short ask, as
    any one-line example is).
    """
    docs: list[Example] = []
    for topic in topics:
        for lang, name, description, keywords, asks in (
            ("ko", topic.name_ko, topic.description_ko, topic.keywords_ko, topic.asks_ko),
            ("en", topic.name_en, topic.description_en, topic.keywords_en, topic.asks_en),
        ):
            group = f"topic:{topic.id}"
            body = "\n".join([description, ", ".join(keywords)]).strip()
            if body or name:
                docs.append(Example(name, body, topic.id, lang, weight=DESCRIPTION_WEIGHT, group=group))
            docs.extend(
                Example("", clause, topic.id, lang, weight=CLAUSE_WEIGHT, group=group)
                for clause in description_clauses(description)
            )
            docs.extend(
                Example("", keyword, topic.id, lang, weight=KEYWORD_WEIGHT, group=group)
                for keyword in keywords
                if keyword.strip()
            )
            docs.extend(Example("", ask, topic.id, lang, group=group) for ask in asks if ask.strip())
        docs.extend(
            Example(m.subject, m.body, topic.id, m.lang, weight=BOUNDARY_WEIGHT, group=f"topic:{topic.id}")
            for m in topic.border_mails
        )
    return docs


def examples_from_tickets(*, limit: int = 20_000, include_default_queue: bool = False) -> list[Example]:
    """Training examples from the desk's own tickets: the first inbound article's subject and new text,
    labelled with the ticket's queue slug.

    Taken: solved or closed tickets (an agent saw them through in that queue) and any ticket an agent
    moved to another queue (a correction — the best label there is). Left out: mail that was not
    written by a person (bulk, auto-replies), and by default tickets still in the default queue
    unless an agent put them there, because the default queue is where mail lands when nothing
    routed it, not a topic anyone chose. Newest first, at most `limit`.
    """
    from django.db.models import Exists, OuterRef, Q

    from dapjang.tickets.models import Ticket, TicketEvent

    moved = TicketEvent.objects.filter(ticket=OuterRef("pk"), field="queue", actor__isnull=False)
    tickets = (
        Ticket.objects.filter(kind="human")
        .annotate(corrected=Exists(moved))
        .filter(Q(status__in=[Ticket.Status.SOLVED, Ticket.Status.CLOSED]) | Q(corrected=True))
    )
    if not include_default_queue:
        tickets = tickets.filter(Q(queue__is_default=False) | Q(corrected=True))
    rows = list(tickets.order_by("-created_at").values("id", "queue__slug", "language", "subject")[:limit])
    first_inbound = first_inbound_texts([r["id"] for r in rows])
    examples: list[Example] = []
    for row in rows:
        subject, body = first_inbound.get(row["id"], (row["subject"], ""))
        if subject.strip() or body.strip():
            examples.append(
                Example(subject, body, row["queue__slug"], row["language"], group=f"ticket:{row['id']}")
            )
    return examples


def first_inbound_texts(ticket_ids: list[int]) -> dict[int, tuple[str, str]]:
    """(subject, the customer's own text) of each ticket's first inbound mail: what routing classified.

    Later mails in the thread answer our questions ("thanks", an order number) and say little about
    the topic, so the first one is the example.
    """
    from dapjang.tickets.models import Article

    first: dict[int, tuple[str, str]] = {}
    articles = (
        Article.objects.filter(ticket_id__in=ticket_ids, direction=Article.Direction.IN)
        .order_by("ticket_id", "created_at", "id")
        .values_list("ticket_id", "subject", "new_text", "text")
    )
    for ticket_id, subject, new_text, text in articles.iterator(chunk_size=1000):
        if ticket_id not in first:
            first[ticket_id] = (subject, new_text or text)
    return first
