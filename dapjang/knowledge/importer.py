"""Reading FAQ files (the `faq.json` format) and dictionaries (the `synonyms.tsv` format).

Parsing is separate from writing: a file is read whole and every problem in it is reported with
its line number before anything touches the database, so a bad file never leaves half an import.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dapjang.knowledge.synonyms import SynonymFormatError, SynonymPair, synonyms_parse

LANGUAGE_CODES = ("ko", "en")
_FAQ_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
_SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,50}$")


class ImportFormatError(ValueError):
    """The file cannot be imported; the message lists every problem as `file:line: what`."""


@dataclass(frozen=True)
class FaqRecord:
    faq_id: str
    topic: str
    language: str
    question: str
    answer: str
    paraphrases: tuple[str, ...] = ()
    product: str = ""
    status: str | None = None  # None: keep the row's status, or the importer's default for a new one


@dataclass
class Parsed:
    faqs: list[FaqRecord] = field(default_factory=list)
    synonyms: list[SynonymPair] = field(default_factory=list)


def kind_of(path: Path, head: str) -> str:
    """`faq` or `synonyms`, by extension first and by the first characters when that says nothing."""
    suffix = path.suffix.lower()
    if suffix in {".json", ".jsonl"}:
        return "faq"
    if suffix in {".tsv", ".tab"}:
        return "synonyms"
    stripped = head.lstrip("\ufeff \t\r\n")
    if stripped.startswith(("[", "{")):
        return "faq"
    if "\t" in head:
        return "synonyms"
    raise ImportFormatError(
        f"{path}: neither an FAQ file (JSON) nor a dictionary (variant<TAB>canonical<TAB>lang)"
    )


def parse_file(path: Path) -> Parsed:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise ImportFormatError(f"{path}: {exc.strerror or exc}") from exc
    if kind_of(path, text[:2000]) == "synonyms":
        try:
            return Parsed(synonyms=synonyms_parse(text.splitlines(), source=str(path)))
        except SynonymFormatError as exc:
            raise ImportFormatError(str(exc)) from exc
    return Parsed(faqs=parse_faq_text(text, source=str(path)))


def parse_faq_text(text: str, *, source: str) -> list[FaqRecord]:
    """FAQ entries of a JSON array (`faq.json`) or of JSON Lines, one record per language present."""
    items = _json_items(text, source)
    records: list[FaqRecord] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for line, item in items:
        where = f"{source}:{line}"
        try:
            found = _faq_records(item)
        except ValueError as exc:
            errors.append(f"{where}: {exc}")
            continue
        faq_id = found[0].faq_id
        if faq_id in seen:
            errors.append(f"{where}: id {faq_id!r} already used on line {seen[faq_id]}")
            continue
        seen[faq_id] = line
        records.extend(found)
    if errors:
        raise ImportFormatError("\n".join(errors))
    return records


def _json_items(text: str, source: str) -> list[tuple[int, Any]]:
    """Each top-level item with the line it starts on; JSON errors carry their line too."""
    decoder = json.JSONDecoder()
    stripped = text.lstrip()
    offset = len(text) - len(stripped)

    def line_at(pos: int) -> int:
        return text.count("\n", 0, pos) + 1

    items: list[tuple[int, Any]] = []
    number = 0
    try:
        if stripped.startswith("["):
            pos = offset + 1
            while True:
                pos = _skip(text, pos)
                if pos < len(text) and text[pos] == "]":
                    break
                value, end = decoder.raw_decode(text, pos)
                items.append((line_at(pos), value))
                pos = _skip(text, end)
                if pos < len(text) and text[pos] == ",":
                    pos += 1
                elif pos < len(text) and text[pos] == "]":
                    break
                else:
                    raise ImportFormatError(f"{source}:{line_at(pos)}: expected ',' or ']' between entries")
            if text[pos + 1 :].strip():
                raise ImportFormatError(f"{source}:{line_at(pos + 1)}: text after the closing ']'")
            return items
        for number, row in enumerate(text.splitlines(), start=1):
            if row.strip():
                items.append((number, json.loads(row)))
    except json.JSONDecodeError as exc:
        # A decode error of one JSON Lines row counts lines within that row only.
        where = exc.lineno if stripped.startswith("[") else number
        raise ImportFormatError(f"{source}:{where}: invalid JSON: {exc.msg}") from exc
    return items


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{key!r} must be a string")
    return value.strip()


def _faq_records(item: Any) -> list[FaqRecord]:
    if not isinstance(item, dict):
        raise ValueError("each entry must be a JSON object")
    faq_id = _text(item, "id")
    if not _FAQ_ID.match(faq_id):
        raise ValueError('"id" is missing or not a short id such as "faq-012"')
    topic = _text(item, "topic")
    if not _SLUG.match(topic):
        raise ValueError(f'{faq_id}: "topic" must be a queue slug (letters, digits, - and _)')
    status = _text(item, "status") or None
    if status not in {None, "draft", "published"}:
        raise ValueError(f'{faq_id}: "status" must be draft or published')
    records: list[FaqRecord] = []
    for language in LANGUAGE_CODES:
        question = _text(item, f"question_{language}")
        answer = _text(item, f"answer_{language}")
        if not question and not answer:
            continue
        if not question or not answer:
            raise ValueError(f"{faq_id}: question_{language} and answer_{language} come together")
        raw = item.get(f"paraphrases_{language}") or []
        if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
            raise ValueError(f"{faq_id}: paraphrases_{language} must be a list of strings")
        records.append(
            FaqRecord(
                faq_id=faq_id,
                topic=topic,
                language=language,
                question=question,
                answer=answer,
                paraphrases=tuple(p.strip() for p in raw if p.strip()),
                product=_text(item, "product"),
                status=status,
            )
        )
    if not records:
        raise ValueError(f"{faq_id}: no question_ko/answer_ko or question_en/answer_en")
    return records
