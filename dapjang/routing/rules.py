"""The admins' routing rules (MISSION A7, B1): conditions on a mail, actions on its ticket.

Evaluation is a pure function of the rules and the facts of one mail (`Facts`), so the pipeline
(apply.py), the admin's dry run and `dapjang routing rules dry-run` all decide the same way.

Korean keywords are matched on normalised text with the spaces taken out: a keyword is found inside
a word whatever particle or ending follows it (소포 → 소포가, 상자 → 상자를) and however the writer spaced
it (배송 추적 ↔ 배송추적). A morphological analyser would cost ~240 MB per worker and still miss
brand names and typos; the price of the substring is a rare hit inside a longer word. English
keywords match at the start of a word, so "refund" finds "refunds" and "refunded" but "art" never
finds "start".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from dapjang.customers.models import Customer
from dapjang.knowledge.normalise import normalise

if TYPE_CHECKING:
    from dapjang.routing.models import Rule
    from dapjang.tickets.models import Queue

_SPLIT = re.compile(r"[,\n;]+")
_CJK = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_DOMAIN = re.compile(r"^@?([a-z0-9-]+\.)+[a-z]{2,}$")
_ADDRESS = re.compile(r"^[^@\s]+@([a-z0-9-]+\.)+[a-z]{2,}$")


def split_list(text: str) -> list[str]:
    """Items of a comma-, semicolon- or line-separated field, trimmed, empties dropped."""
    return [item.strip() for item in _SPLIT.split(text or "") if item.strip()]


def form_pairs(text: str) -> list[tuple[str, str]]:
    """`name=value` lines of a rule's form condition; a line without `=` is a problem (rule_problems)."""
    pairs = []
    for line in (text or "").splitlines():
        if line.strip():
            name, _eq, value = line.partition("=")
            pairs.append((name.strip().lower(), value.strip()))
    return pairs


@dataclass(frozen=True)
class Facts:
    """What a rule may look at in one mail; built from a new ticket (apply.py) or a stored one (dry run)."""

    sender: str
    recipients: tuple[str, ...]
    subject: str
    body: str
    segment: str
    form: dict[str, str] = field(default_factory=dict)
    segment_by_hand: bool = False  # an agent chose the segment: rules read it but never change it


class Text:
    """A text prepared once for many keywords: normalised with spaces, and with the spaces removed."""

    def __init__(self, text: str) -> None:
        self.spaced = normalise(text)
        self.compact = "".join(self.spaced.split())

    def has(self, keyword: str) -> bool:
        word = normalise(keyword)
        if not word:
            return False
        if _CJK.search(word):
            return "".join(word.split()) in self.compact
        pattern = r"(?<![a-z0-9])" + r"\s*".join(re.escape(part) for part in word.split())
        return re.search(pattern, self.spaced) is not None


def sender_matches(patterns: Iterable[str], sender: str) -> bool:
    """A full address matches itself; a domain (with or without @) matches it and its subdomains."""
    sender = sender.lower()
    domain = sender.rpartition("@")[2]
    for raw in patterns:
        pattern = raw.lower()
        if "@" in pattern.lstrip("@"):
            if sender == pattern:
                return True
            continue
        wanted = pattern.lstrip("@")
        if domain == wanted or domain.endswith("." + wanted):
            return True
    return False


@dataclass(frozen=True)
class Check:
    """One condition of one rule, and whether it held: what the dry run shows."""

    condition: str
    held: bool


def rule_checks(
    rule: Rule, facts: Facts, *, subject: Text | None = None, whole: Text | None = None
) -> list[Check]:
    """Every condition the rule sets, each with its verdict (an empty list: a rule without conditions)."""
    subject = subject or Text(facts.subject)
    whole = whole or Text(f"{facts.subject}\n{facts.body}")
    checks: list[Check] = []
    if senders := split_list(rule.senders):
        checks.append(Check("sender", sender_matches(senders, facts.sender)))
    if recipients := split_list(rule.recipients):
        ours = {r.lower() for r in facts.recipients}
        checks.append(Check("recipient", any(r.lower() in ours for r in recipients)))
    if words := split_list(rule.subject_keywords):
        checks.append(Check("subject", any(subject.has(w) for w in words)))
    if words := split_list(rule.body_keywords):
        checks.append(Check("body", any(whole.has(w) for w in words)))
    if rule.segments:
        checks.append(Check("segment", facts.segment in rule.segments))
    if pairs := form_pairs(rule.form_fields):
        form = {k.lower(): v for k, v in facts.form.items()}
        checks.append(
            Check("form", all(form.get(name, "").strip().lower() == value.lower() for name, value in pairs))
        )
    return checks


@dataclass
class Outcome:
    """What the rules decided for a ticket; None/empty where no rule said anything."""

    queue: Queue | None = None
    priority: int | None = None
    tags: list[str] = field(default_factory=list)
    segment: str = ""
    fired: list[Rule] = field(default_factory=list)


@dataclass(frozen=True)
class Verdict:
    rule: Rule
    checks: list[Check]
    matched: bool
    fired: bool  # matched and reached (no earlier rule stopped the processing)


def rules_evaluate(rules: Sequence[Rule], facts: Facts) -> tuple[Outcome, list[Verdict]]:
    """Runs enabled rules in order: a matching rule applies its actions; one with `stop` ends the run.

    A later firing rule overrides an earlier one's queue, priority and segment; tags add up.
    A rule that sets the customer's segment is seen by the rules after it (a rule can mark a sender
    abusive and the next one send abusive customers to the lead's queue).
    """
    outcome = Outcome()
    verdicts: list[Verdict] = []
    subject, whole = Text(facts.subject), Text(f"{facts.subject}\n{facts.body}")
    stopped = False
    for rule in rules:
        if not rule.enabled:
            continue
        checks = rule_checks(rule, facts, subject=subject, whole=whole)
        matched = bool(checks) and all(c.held for c in checks)
        fired = matched and not stopped
        verdicts.append(Verdict(rule, checks, matched, fired))
        if not fired:
            continue
        outcome.fired.append(rule)
        if rule.queue_id is not None:
            outcome.queue = rule.queue
        if rule.priority is not None:
            outcome.priority = rule.priority
        for tag in split_list(rule.tags):
            if tag not in outcome.tags:
                outcome.tags.append(tag)
        if rule.set_segment and not facts.segment_by_hand:
            outcome.segment = rule.set_segment
            facts = replace(facts, segment=rule.set_segment)
        if rule.stop:
            stopped = True
    return outcome, verdicts


def enabled_rules() -> list[Rule]:
    """The rules the pipeline runs, in order, with their queues (one query per ticket)."""
    from dapjang.routing.models import Rule

    return list(Rule.objects.filter(enabled=True).select_related("queue").order_by("position", "id"))


def rule_problems(rule: Rule) -> dict[str, list[str]]:
    """What is wrong with a rule as entered, by field; empty when it can be saved.

    A rule with no condition would fire on every mail and one with no action does nothing: both are
    mistakes, refused with a message rather than saved.
    """
    problems: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        problems.setdefault(name, []).append(message)

    conditions = [
        rule.senders,
        rule.recipients,
        rule.subject_keywords,
        rule.body_keywords,
        rule.segments,
        rule.form_fields,
    ]
    if not any(split_list(c) if isinstance(c, str) else c for c in conditions):
        add(
            "__all__",
            "A rule needs at least one condition (sender, recipient, keywords, segment or form field) "
            "/ 조건이 하나 이상 있어야 합니다",
        )
    if rule.queue_id is None and rule.priority is None and not split_list(rule.tags) and not rule.set_segment:
        add(
            "__all__",
            "A rule needs at least one action (queue, priority, tags or segment) / 동작이 하나 이상 있어야 합니다",
        )
    for item in split_list(rule.senders):
        value = item.lower()
        if not (_ADDRESS.match(value) or _DOMAIN.match(value)):
            add("senders", f"'{item}' is neither an address nor a domain / 주소나 도메인이 아닙니다")
    for item in split_list(rule.recipients):
        if not _ADDRESS.match(item.lower()):
            add("recipients", f"'{item}' is not an e-mail address / 올바른 메일 주소가 아닙니다")
    segments = rule.segments
    if not isinstance(segments, list) or not all(isinstance(s, str) for s in segments):
        add("segments", 'Segments are a list such as ["vip"] / 세그먼트는 ["vip"] 같은 목록입니다')
    else:
        for segment in segments:
            if segment not in Customer.Segment.values:
                known = ", ".join(Customer.Segment.values)
                add("segments", f"unknown segment '{segment}' (known: {known}) / 알 수 없는 세그먼트입니다")
    for name, value in form_pairs(rule.form_fields):
        if not name or not value:
            add("form_fields", f"'{name}={value}': write name=value / 이름=값 형식으로 적어 주세요")
    return problems
