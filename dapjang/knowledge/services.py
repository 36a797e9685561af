"""Writing the knowledge base: imports, and agents' model answers on their way into the FAQ (A12)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from dapjang.knowledge.importer import FaqRecord, Parsed, parse_file
from dapjang.knowledge.models import FaqEntry, SavedAnswer, Synonym
from dapjang.knowledge.synonyms import SynonymPair
from dapjang.seed import seed_path

DEFAULT_FILES = (seed_path("faq.json"), seed_path("synonyms.tsv"))


@dataclass
class ImportReport:
    faq_created: int = 0
    faq_updated: int = 0
    faq_unchanged: int = 0
    synonyms_created: int = 0
    synonyms_updated: int = 0
    synonyms_unchanged: int = 0


def knowledge_import(paths: Iterable[Path], *, status: str = FaqEntry.Status.PUBLISHED) -> ImportReport:
    """Every file parsed first, then all written in one transaction: an error leaves nothing behind.

    Rows are matched by FAQ id and language, and by variant and language, so importing the same
    file again changes nothing. `status` is given to new entries and to entries whose file says none
    is kept as it is, so an editor's unpublishing survives a re-import.
    """
    parsed = Parsed()
    for path in paths:
        one = parse_file(Path(path))
        parsed.faqs.extend(one.faqs)
        parsed.synonyms.extend(one.synonyms)
    report = ImportReport()
    with transaction.atomic():
        for record in parsed.faqs:
            _faq_write(record, status, report)
        for pair in parsed.synonyms:
            _synonym_write(pair, report)
    return report


def _faq_write(record: FaqRecord, status: str, report: ImportReport) -> None:
    values = {
        "topic": record.topic,
        "product": record.product,
        "question": record.question,
        "answer": record.answer,
        "paraphrases": list(record.paraphrases),
    }
    entry = FaqEntry.objects.filter(faq_id=record.faq_id, language=record.language).first()
    if entry is None:
        FaqEntry.objects.create(
            faq_id=record.faq_id, language=record.language, status=record.status or status, **values
        )
        report.faq_created += 1
        return
    if record.status:
        values["status"] = record.status
    changed = [name for name, value in values.items() if getattr(entry, name) != value]
    if not changed:
        report.faq_unchanged += 1
        return
    for name in changed:
        setattr(entry, name, values[name])
    entry.save(update_fields=[*changed, "updated_at"])
    report.faq_updated += 1


def _synonym_write(pair: SynonymPair, report: ImportReport) -> None:
    row = Synonym.objects.filter(variant=pair.variant, language=pair.language).first()
    if row is None:
        Synonym.objects.create(variant=pair.variant, canonical=pair.canonical, language=pair.language)
        report.synonyms_created += 1
    elif row.canonical != pair.canonical:
        row.canonical = pair.canonical
        row.save(update_fields=["canonical", "updated_at"])
        report.synonyms_updated += 1
    else:
        report.synonyms_unchanged += 1


def saved_answer_create(
    *,
    text: str,
    article_id: int | None = None,
    agent_id: int | None = None,
    title: str = "",
    language: str = "ko",
    suggest_for_faq: bool = False,
) -> SavedAnswer:
    """Keeps an agent's reply as a model answer; the article may later be deleted, the text stays."""
    return SavedAnswer.objects.create(
        text=text,
        article_id=article_id,
        saved_by_id=agent_id,
        title=title,
        language=language,
        suggested_for_faq=suggest_for_faq,
    )


@transaction.atomic
def saved_answer_promote(
    *,
    saved: SavedAnswer,
    faq_id: str,
    topic: str,
    question: str,
    answer: str | None = None,
    paraphrases: Iterable[str] = (),
    publish: bool = False,
) -> FaqEntry:
    """Turns a model answer into an FAQ entry (a draft unless `publish`) and remembers where it came from."""
    entry, _created = FaqEntry.objects.update_or_create(
        faq_id=faq_id,
        language=saved.language,
        defaults={
            "topic": topic,
            "question": question,
            "answer": answer if answer is not None else saved.text,
            "paraphrases": [p for p in paraphrases if p.strip()],
            "status": FaqEntry.Status.PUBLISHED if publish else FaqEntry.Status.DRAFT,
        },
    )
    saved.promoted_to = entry
    saved.suggested_for_faq = False
    saved.save(update_fields=["promoted_to", "suggested_for_faq", "updated_at"])
    return entry
