"""`dapjang knowledge import`: FAQ files in the faq.json format and dictionaries in the synonyms.tsv format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from dapjang.knowledge.importer import ImportFormatError
from dapjang.knowledge.models import FaqEntry, Synonym
from dapjang.knowledge.services import knowledge_import

FAQ = [
    {
        "id": "faq-900",
        "topic": "shipping",
        "question_ko": "선물 포장이 되나요?",
        "question_en": "Do you gift-wrap?",
        "answer_ko": "결제 화면에서 선물 포장을 고르시면 2,000원에 포장해 드립니다.",
        "answer_en": "Choose gift wrapping at checkout; it costs 2,000 won.",
        "paraphrases_ko": ["포장해서 보내 줄 수 있어요?"],
        "paraphrases_en": ["Can you wrap it as a present?"],
    },
    {
        "id": "faq-901",
        "topic": "account",
        "question_ko": "닉네임을 바꾸고 싶어요.",
        "answer_ko": "마이페이지 > 회원정보에서 닉네임을 바꾸실 수 있습니다.",
    },
]


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_it_imports_each_language_of_an_entry_as_its_own_row(db: None, tmp_path: Path) -> None:
    report = knowledge_import([_write(tmp_path, "faq.json", json.dumps(FAQ, ensure_ascii=False))])
    assert report.faq_created == 3
    wrap = FaqEntry.objects.get(faq_id="faq-900", language="en")
    assert (wrap.topic, wrap.status, wrap.paraphrases) == (
        "shipping",
        "published",
        ["Can you wrap it as a present?"],
    )
    assert FaqEntry.objects.get(faq_id="faq-901").language == "ko"


def test_importing_again_changes_nothing_and_an_edit_updates_in_place(db: None, tmp_path: Path) -> None:
    path = _write(tmp_path, "faq.json", json.dumps(FAQ, ensure_ascii=False))
    knowledge_import([path])
    again = knowledge_import([path])
    assert (again.faq_created, again.faq_updated, again.faq_unchanged) == (0, 0, 3)

    FaqEntry.objects.filter(faq_id="faq-901").update(status="draft")  # an editor unpublished it
    edited = [dict(FAQ[0], answer_ko="선물 포장은 3,000원입니다."), FAQ[1]]
    report = knowledge_import([_write(tmp_path, "faq2.json", json.dumps(edited, ensure_ascii=False))])
    assert (report.faq_created, report.faq_updated) == (0, 1)
    assert FaqEntry.objects.get(faq_id="faq-900", language="ko").answer == "선물 포장은 3,000원입니다."
    assert FaqEntry.objects.get(faq_id="faq-901").status == "draft"
    assert FaqEntry.objects.count() == 3


def test_it_reads_a_dictionary_without_header_and_updates_a_changed_canonical(
    db: None, tmp_path: Path
) -> None:
    tsv = _write(tmp_path, "words.tsv", "택배\t배송\tko\n비번\t비밀번호\tko\npasswd\tpassword\ten\n")
    assert knowledge_import([tsv]).synonyms_created == 3
    knowledge_import([_write(tmp_path, "words2.tsv", "택배\t배송 조회\tko\n")])
    assert Synonym.objects.get(variant="택배").canonical == "배송 조회"
    assert Synonym.objects.count() == 3


def test_it_tells_the_kind_of_an_unnamed_file_by_its_content(db: None, tmp_path: Path) -> None:
    knowledge_import(
        [_write(tmp_path, "faq.txt", json.dumps(FAQ[1:])), _write(tmp_path, "dict", "배숑\t배송\tko\n")]
    )
    assert FaqEntry.objects.count() == 1 and Synonym.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "bad.json",
            '[\n {"id": "faq-1", "topic": "shipping",\n  "question_ko": "질문" "answer_ko": "답"}\n]',
            "bad.json:3: invalid JSON",
        ),
        (
            "bad.json",
            '[\n {"id": "faq-1", "topic": "shipping", "question_ko": "질문"}\n]',
            "bad.json:2: faq-1: question_ko and answer_ko",
        ),
        (
            "bad.json",
            '[{"id": "faq-1", "topic": "x", "question_en": "q", "answer_en": "a"},\n {"id": "faq-1", "topic": "x", "question_en": "q", "answer_en": "a"}]',
            "bad.json:2: id 'faq-1' already used on line 1",
        ),
        ("bad.json", '[{"topic": "x", "question_en": "q", "answer_en": "a"}]', 'bad.json:1: "id" is missing'),
        (
            "bad.tsv",
            "택배\t배송\tko\n비번 비밀번호 ko\n",
            "bad.tsv:2: expected 3 tab-separated columns, found 1",
        ),
        ("bad.tsv", "택배\t배송\tjp\n", "bad.tsv:1: language must be ko or en"),
    ],
)
def test_a_bad_file_is_refused_with_its_line_number(
    db: None, tmp_path: Path, name: str, text: str, message: str
) -> None:
    with pytest.raises(ImportFormatError) as error:
        knowledge_import([_write(tmp_path, name, text)])
    assert message in str(error.value)


def test_nothing_is_half_imported_when_one_file_is_bad(db: None, tmp_path: Path) -> None:
    good = _write(tmp_path, "faq.json", json.dumps(FAQ, ensure_ascii=False))
    bad = _write(tmp_path, "words.tsv", "택배\t배송\tko\n비번\n")
    with pytest.raises(CommandError, match=r"words.tsv:2"):
        call_command("knowledge", "import", str(good), str(bad))
    assert FaqEntry.objects.count() == 0 and Synonym.objects.count() == 0
