"""`dapjang import` as scripts use it: every message accounted for, one bad one never stops the rest."""

from __future__ import annotations

import io
import json
import mailbox
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from dapjang.mail.models import RawMessage
from dapjang.tickets.models import Ticket
from tests.builders import build_mail


def run_import(*args: str) -> list[dict[str, Any]]:
    out = io.StringIO()
    call_command("import", "--json", *args, stdout=out, stderr=io.StringIO())
    return [json.loads(line) for line in out.getvalue().splitlines()]


def write_folder(folder: Path, count: int, poison: int | None = None) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        body = "POISON-MARKER" if i == poison else f"문의 내용 {i}"
        path = folder / f"{i:02d}.eml"
        path.write_bytes(build_mail(subject=f"문의 {i}", body=body, from_=f"c{i}@customer.example"))
        paths.append(path)
    return paths


def test_a_folder_of_eml_files_becomes_tickets_with_one_json_line_each(desk: Any, tmp_path: Path) -> None:
    write_folder(tmp_path / "mail", 3)
    (tmp_path / "mail" / ".done").write_text("")  # hidden files are not mail
    rows = run_import(str(tmp_path / "mail"))
    assert [r["outcome"] for r in rows] == ["created"] * 3
    assert set(rows[0]) >= {"path", "outcome", "kind", "ticket"}
    assert rows[0]["kind"] == "human"
    assert Ticket.objects.count() == 3


def test_importing_the_same_folder_twice_changes_nothing(desk: Any, tmp_path: Path) -> None:
    write_folder(tmp_path, 3)
    run_import(str(tmp_path))
    again = run_import(str(tmp_path))
    assert [r["outcome"] for r in again] == ["duplicate"] * 3
    assert Ticket.objects.count() == 3


def test_maildir_and_mbox_are_read(desk: Any, tmp_path: Path) -> None:
    md = mailbox.Maildir(tmp_path / "Maildir", create=True)
    md.add(build_mail(subject="maildir 1"))
    md.add(build_mail(subject="maildir 2"))
    mb = mailbox.mbox(tmp_path / "archive.mbox", create=True)
    mb.add(build_mail(subject="mbox 1"))
    mb.add(build_mail(subject="mbox 2"))
    mb.flush()
    rows = run_import(str(tmp_path / "Maildir"), str(tmp_path / "archive.mbox"))
    assert [r["outcome"] for r in rows] == ["created"] * 4
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == [
        "maildir 1",
        "maildir 2",
        "mbox 1",
        "mbox 2",
    ]


def test_a_missing_path_is_a_clear_error_before_anything_is_imported(desk: Any, tmp_path: Path) -> None:
    write_folder(tmp_path / "ok", 1)
    with pytest.raises(CommandError, match="no such file"):
        run_import(str(tmp_path / "ok"), str(tmp_path / "missing"))
    assert RawMessage.objects.count() == 0


def test_a_poison_message_fails_alone_and_can_be_retried(
    desk: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """RELIABILITY 18: message 4 of 10 makes the parse step raise."""
    write_folder(tmp_path, 10, poison=3)
    monkeypatch.setenv("DAPJANG_FAULTS", "parse:POISON-MARKER")
    rows = run_import(str(tmp_path))
    assert [r["outcome"] for r in rows].count("created") == 9
    assert rows[3]["outcome"] == "failed" and "injected fault" in rows[3]["reason"]

    listed = io.StringIO()
    call_command("held", "list", "--json", stdout=listed)
    (held,) = [json.loads(line) for line in listed.getvalue().splitlines()]
    assert held["state"] == "failed" and "attempt 1" in held["reason"]

    settings.DAPJANG_MAX_ATTEMPTS = 2
    call_command("held", "retry", str(held["id"]), stdout=io.StringIO())  # fails again: attempt 2
    with pytest.raises(CommandError):  # bounded: no third try without --force
        call_command("held", "retry", str(held["id"]), stdout=io.StringIO(), stderr=io.StringIO())

    monkeypatch.delenv("DAPJANG_FAULTS")
    out = io.StringIO()
    call_command("held", "retry", str(held["id"]), "--force", "--json", stdout=out)
    assert json.loads(out.getvalue())["outcome"] == "created"
    assert Ticket.objects.count() == 10


def test_held_mail_is_listed_with_its_reason_and_retry_all_releases_it(desk: Any, tmp_path: Path) -> None:
    (tmp_path / "no-sender.eml").write_bytes(b"To: help@shop.example\r\nSubject: x\r\n\r\nbody\r\n")
    (tmp_path / "picture.eml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    rows = run_import(str(tmp_path))
    assert [r["outcome"] for r in rows] == ["held", "held"]
    assert all(r["reason"] for r in rows)
    out = io.StringIO()
    call_command("held", "list", stdout=out, stderr=io.StringIO())
    assert "no usable sender" in out.getvalue() and "not an e-mail" in out.getvalue()
    call_command("held", "retry", "--all", stdout=io.StringIO(), stderr=io.StringIO())
    assert RawMessage.objects.filter(state="held").count() == 2  # still no sender: held again, not lost


def test_the_same_bytes_twice_in_one_batch_are_one_ticket(desk: Any, tmp_path: Path) -> None:
    raw = build_mail(subject="두 번 저장된 메일")
    (tmp_path / "a.eml").write_bytes(raw)
    (tmp_path / "b.eml").write_bytes(raw)
    rows = run_import("--jobs", "1", str(tmp_path))
    assert [r["outcome"] for r in rows] == ["created", "duplicate"]
    assert RawMessage.objects.count() == 1


def test_parsing_in_a_worker_gives_the_same_tickets_as_in_one_process(desk: Any, tmp_path: Path) -> None:
    write_folder(tmp_path / "one", 4)
    one = run_import("--jobs", "1", str(tmp_path / "one"))
    Ticket.objects.all().delete()
    RawMessage.objects.all().delete()
    two = run_import("--jobs", "2", str(tmp_path / "one"))
    assert [r["outcome"] for r in two] == [r["outcome"] for r in one] == ["created"] * 4
