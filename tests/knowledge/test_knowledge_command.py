"""`dapjang knowledge search|answer --json`: one JSON object a line, in and out."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command


def _run(*args: str, stdin: str = "", monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    call_command("knowledge", *args, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_search_prints_the_matches_of_one_query(kb: None, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = _run("search", "배숑 조회", "--json", "--limit", "3", monkeypatch=monkeypatch)
    assert len(rows) == 3 and set(rows[0]) == {"faq_id", "score"}
    assert rows[0]["faq_id"] == "faq-001"


def test_search_without_a_query_answers_each_stdin_line(kb: None, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = _run(
        "search",
        "--json",
        stdin="비밀번호를잊어버렸어요\n\nhow do I delete my account\n",
        monkeypatch=monkeypatch,
    )
    assert [r["query"] for r in rows] == ["비밀번호를잊어버렸어요", "how do I delete my account"]
    assert rows[0]["results"][0]["faq_id"] == "faq-018"  # type: ignore[index]
    assert rows[1]["results"][0]["faq_id"] == "faq-021"  # type: ignore[index]


def test_answer_decides_each_mail_of_stdin(kb: None, monkeypatch: pytest.MonkeyPatch) -> None:
    mails = [
        {"subject": "비번", "body": "비밀번호를 잊어버렸어요. 어떻게 찾나요?"},
        {"subject": "환불", "body": "반품했는데 환불 언제 돼요? 늦으면 소비자원에 신고할 겁니다."},
    ]
    stdin = "".join(json.dumps(m, ensure_ascii=False) + "\n" for m in mails)
    first, second = _run("answer", "--json", stdin=stdin, monkeypatch=monkeypatch)
    assert {"faq_id", "confidence", "send"} <= set(first)
    assert (first["faq_id"], first["send"]) == ("faq-018", True)
    assert second["send"] is False


def test_answer_refuses_a_line_that_is_not_a_mail(kb: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="stdin:1"):
        _run("answer", "--json", stdin="not json\n", monkeypatch=monkeypatch)
