from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dapjang.routing import classifier
from dapjang.routing.models import RoutingModel, RoutingThreshold


def run(monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str = "") -> tuple[str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out, err = io.StringIO(), io.StringIO()
    call_command("routing", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_classify_json_lines(stored_model: classifier.TrainedModel, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [
        json.dumps({"subject": "배송", "body": "택배가 아직 안 왔어요"}, ensure_ascii=False),
        json.dumps({"subject": "", "body": "I was charged twice"}),
    ]
    out, err = run(monkeypatch, "classify", "--json", stdin="\n".join(lines) + "\n")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["topic"] for r in rows] == ["shipping", "billing"]
    for row in rows:
        assert 0.0 <= row["confidence"] <= 1.0
        assert row["auto"] is (row["confidence"] >= classifier.DEFAULT_THRESHOLD)
    assert err == ""


def test_bad_lines_are_reported_and_skipped(
    stored_model: classifier.TrainedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin = '{"subject": "", "body": "I was charged twice"}\nnot json\n[1, 2]\n{"body": 3}\n\n{"body": "환불해 주세요"}\n'
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("routing", "classify", "--json", stdout=out, stderr=err)
    assert raised.value.returncode == 1
    assert len(out.getvalue().splitlines()) == 2  # the good lines, before and after the bad ones
    assert "line 2" in err.getvalue() and "line 3" in err.getvalue() and "line 4" in err.getvalue()


def test_classify_human_readable(
    stored_model: classifier.TrainedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, _err = run(monkeypatch, "classify", "택배가 아직 안 왔어요")
    topic, confidence, verdict, _rest = out.strip().split("\t")
    assert topic == "shipping" and 0 <= float(confidence) <= 1 and verdict in {"auto", "agent"}


def test_train_from_a_file_prints_cross_validated_scores_and_stores(
    db: None, fresh_process: None, fast_training: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "mail.jsonl"
    rows = [
        ("택배 언제 와요", "shipping"),
        ("배송이 너무 늦어요", "shipping"),
        ("운송장 번호가 안 보여요", "shipping"),
        ("환불 해주세요", "returns"),
        ("반품하고 싶어요", "returns"),
        ("교환 신청합니다", "returns"),
    ]
    data.write_text(
        "\n".join(json.dumps({"subject": "", "body": b, "topic": t}, ensure_ascii=False) for b, t in rows),
        encoding="utf-8",
    )
    out, err = run(monkeypatch, "train", "--data", str(data), "--folds", "3", "--json")
    result = json.loads(out)
    assert result["trained_on"] == 6 and result["topics"] == ["returns", "shipping"]
    assert result["cv"]["folds"] == 3 and "accuracy" in result["cv"]
    assert "fold 1/3" in err
    assert RoutingModel.objects.get().pk == result["model"]
    out, _err = run(monkeypatch, "train", "--data", str(data), "--folds", "3")
    assert "top-1" in out and "saved as model" in out


def test_train_rejects_a_bad_file(db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "bad.jsonl"
    data.write_text('{"subject": "a", "body": "b"}\n', encoding="utf-8")
    with pytest.raises(CommandError, match=r"bad\.jsonl:1: no topic"):
        run(monkeypatch, "train", "--data", str(data))


def test_threshold_command(db: None, fresh_process: None, monkeypatch: pytest.MonkeyPatch) -> None:
    out, _err = run(monkeypatch, "threshold", "complaint", "0.97")
    assert RoutingThreshold.objects.get(topic="complaint").threshold == 0.97
    assert "complaint\t0.97" in out
    run(monkeypatch, "threshold", "complaint", "--reset")
    assert not RoutingThreshold.objects.exists()
    with pytest.raises(CommandError):
        run(monkeypatch, "threshold", "complaint", "1.5")


def test_status(stored_model: classifier.TrainedModel, monkeypatch: pytest.MonkeyPatch) -> None:
    out, _err = run(monkeypatch, "status", "--json")
    row = json.loads(out)
    assert row["trained_on"] == 400 and row["usable"] is True
