"""dapjang routing train [--data FILE…] [--tickets] [--json] / classify [--json] / threshold / status /
rules list | dry-run TICKET | add …"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dapjang.routing import classifier
from dapjang.routing.data import (
    DataError,
    Example,
    examples_from_tickets,
    load_jsonl,
    shipped_faq_questions,
    shipped_mails,
)
from dapjang.routing.management.rules_command import add_rule_arguments, rules_command
from dapjang.routing.models import RoutingModel, RoutingThreshold
from dapjang.routing.retrain import stored_examples, topic_ids


class Command(BaseCommand):
    help = "Train and use the topic classifier that routes mail to queues / 메일 자동 분류(라우팅)"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train", help="train a model, print cross-validated scores and store it")
        train.add_argument(
            "--data",
            action="append",
            default=[],
            metavar="FILE",
            help='JSON Lines {"subject", "body", "topic"} used instead of the shipped seed mails',
        )
        train.add_argument(
            "--tickets", action="store_true", help="add the desk's resolved and re-queued tickets"
        )
        train.add_argument("--folds", type=int, default=5, help="cross-validation folds (0: none)")
        train.add_argument("--no-save", action="store_true", help="evaluate only; keep the current model")
        train.add_argument(
            "--morphemes", action="store_true", help="add kiwipiepy morphemes (~330 MB more per worker)"
        )
        train.add_argument("--no-encoder", action="store_true", help="leave the sentence encoder out")
        train.add_argument("--json", action="store_true")
        classify = sub.add_parser("classify", help='topics of JSON Lines {"subject", "body"} on stdin')
        classify.add_argument("text", nargs="*", help="classify these texts instead of reading stdin")
        classify.add_argument("--json", action="store_true")
        threshold = sub.add_parser("threshold", help="show or set the confidence a topic needs")
        threshold.add_argument("topic", nargs="?")
        threshold.add_argument("value", nargs="?", type=float, help="0–1; omit to show")
        threshold.add_argument("--reset", action="store_true", help="back to the desk default")
        train.add_argument(
            "--no-stored",
            action="store_true",
            help="leave out the stored examples (agents' corrections, resolved tickets)",
        )
        status = sub.add_parser("status", help="the stored models")
        status.add_argument("--json", action="store_true")
        rules = sub.add_parser("rules", help="the routing rules: list, dry-run on a ticket, add")
        rules_sub = rules.add_subparsers(dest="rules_action", required=True)
        rules_sub.add_parser("list", help="the rules in the order they run")
        dry = rules_sub.add_parser("dry-run", help="which rule would fire on a ticket (changes nothing)")
        dry.add_argument("ticket", help="ticket number, e.g. 2026-000123")
        add_rule_arguments(rules_sub.add_parser("add", help="add a rule (the admin has the full editor)"))

    def handle(self, *args: Any, **opts: Any) -> None:
        action = opts["action"]
        if action == "train":
            self._train(opts)
        elif action == "classify":
            self._classify(opts)
        elif action == "threshold":
            self._threshold(opts)
        elif action == "rules":
            rules_command(self, opts)
        else:
            self._status(opts["json"])

    # --- train ------------------------------------------------------------------------------------

    def _train(self, opts: dict[str, Any]) -> None:
        try:
            mails: list[Example] = []
            for path in opts["data"]:
                mails.extend(load_jsonl(path))
        except (OSError, DataError) as exc:
            raise CommandError(str(exc)) from None
        sources = list(opts["data"]) or ["shipped"]
        if not opts["data"]:
            mails = shipped_mails()
        if opts["tickets"]:
            tickets = examples_from_tickets()
            mails.extend(tickets)
            sources.append(f"{len(tickets)} tickets")
        if not opts["no_stored"]:
            # A desk's own file defines its topics; the shipped data trains the known topics.
            wanted = {e.topic for e in mails} if opts["data"] else topic_ids() | {e.topic for e in mails}
            stored = stored_examples(wanted)
            mails.extend(stored)
            sources.append(f"{len(stored)} stored examples")
        topics = {e.topic for e in mails}
        # The FAQ questions only speak for topics the desk actually trains.
        extra = [e for e in shipped_faq_questions() if e.topic in topics]
        overrides: dict[str, Any] = {}
        if opts["morphemes"]:
            overrides["morphemes"] = True
        if opts["no_encoder"]:
            overrides["encoder"] = False
        options = classifier.Options(**overrides)
        try:
            model = classifier.classifier_train(
                mails,
                extra=extra,
                options=options,
                folds=opts["folds"],
                progress=lambda line: self.stderr.write(line),
            )
        except ValueError as exc:  # no examples, a single topic
            raise CommandError(str(exc)) from None
        row_id = None
        if not opts["no_save"]:
            row_id = classifier.save_model(model, source=", ".join(sources)).pk
        if opts["json"]:
            line = {"model": row_id, "trained_on": model.trained_on, "topics": model.topics, **model.metrics}
            self.stdout.write(json.dumps(line, ensure_ascii=False))
            return
        self._print_metrics(model)
        if row_id is None:
            self.stdout.write("not saved (--no-save) / 저장하지 않았습니다")
        else:
            self.stdout.write(f"saved as model {row_id} / 모델 {row_id}번으로 저장했습니다")

    def _print_metrics(self, model: classifier.TrainedModel) -> None:
        metrics = model.metrics
        self.stdout.write(
            f"{model.trained_on} mails, {metrics['extra']} extra examples, {len(model.topics)} topics, "
            f"sentence encoder {'on' if metrics['encoder'] else 'off'}, {metrics['seconds']} s"
        )
        cv = metrics.get("cv")
        if not cv:
            self.stdout.write("no cross-validation (too few mails per topic, or --folds 0)")
            return
        self.stdout.write(
            f"{cv['folds']}-fold cross-validation (a mail is scored by a model that never saw it or its intent):"
        )
        self.stdout.write(f"{'':8}{'mails':>7}{'top-1':>8}{'macro-F1':>10}{'auto @95% precision':>22}")
        rows = [("all", cv), *sorted(cv["by_language"].items())]
        for name, block in rows:
            at = block["at_95_precision"]
            self.stdout.write(
                f"{name:8}{block['n']:>7}{block['accuracy']:>8.1%}{block['macro_f1']:>10.3f}"
                f"{at['coverage']:>13.1%} (≥ {at['threshold']:.2f})"
            )
        self.stdout.write(f"calibration temperature {cv['temperature']}")

    # --- classify ---------------------------------------------------------------------------------

    def _classify(self, opts: dict[str, Any]) -> None:
        as_json = opts["json"]
        if opts["text"]:
            for text in opts["text"]:
                self._emit(classifier.route("", text), as_json)
            return
        bad = self._classify_stream(sys.stdin, as_json)
        if bad:
            raise CommandError(f"{bad} bad input line(s) / 잘못된 입력 {bad}줄", returncode=1)

    def _classify_stream(self, stream: TextIO, as_json: bool) -> int:
        bad = 0
        for number, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                if not isinstance(row, dict):
                    raise ValueError("expected an object")
                subject, body = row.get("subject") or "", row.get("body") or ""
                if not isinstance(subject, str) or not isinstance(body, str):
                    raise ValueError("subject and body must be strings")
            except ValueError as exc:  # json.JSONDecodeError is a ValueError
                bad += 1
                self.stderr.write(f"line {number}: {exc} / {number}번째 줄을 읽을 수 없습니다")
                continue
            self._emit(classifier.route(subject, body), as_json)
            self.stdout.flush()
        return bad

    def _emit(self, routing: classifier.Routing, as_json: bool) -> None:
        prediction = routing.prediction
        if as_json:
            line = {
                "topic": prediction.topic,
                "confidence": prediction.confidence,
                "auto": routing.auto,
                "threshold": routing.threshold,
                "top3": [[topic, p] for topic, p in prediction.top3],
            }
            self.stdout.write(json.dumps(line, ensure_ascii=False))
            return
        verdict = "auto" if routing.auto else "agent"
        others = ", ".join(f"{topic} {p:.2f}" for topic, p in prediction.top3[1:])
        self.stdout.write(f"{prediction.topic}\t{prediction.confidence:.2f}\t{verdict}\t({others})")

    # --- threshold and status ---------------------------------------------------------------------

    def _threshold(self, opts: dict[str, Any]) -> None:
        topic, value = opts["topic"], opts["value"]
        if topic and opts["reset"]:
            RoutingThreshold.objects.filter(topic=topic).delete()
        elif topic and value is not None:
            if not 0.0 <= value <= 1.0:
                raise CommandError("a threshold is between 0 and 1 / 임계값은 0과 1 사이입니다")
            RoutingThreshold.objects.update_or_create(topic=topic, defaults={"threshold": value})
        classifier.clear_cache()
        self.stdout.write(f"default\t{classifier.default_threshold():.2f}")
        for row in RoutingThreshold.objects.all():
            self.stdout.write(f"{row.topic}\t{row.threshold:.2f}")

    def _status(self, as_json: bool) -> None:
        rows = RoutingModel.objects.defer("blob")
        for row in rows:
            accuracy = (row.metrics.get("cv") or {}).get("accuracy")
            if as_json:
                line = {
                    "id": row.pk,
                    "created_at": row.created_at.isoformat(),
                    "trained_on": row.trained_on,
                    "source": row.source,
                    "format": row.format,
                    "usable": row.format == classifier.model_format(),
                    "cv_accuracy": accuracy,
                    "topics": row.topics,
                }
                self.stdout.write(json.dumps(line, ensure_ascii=False))
            else:
                score = f"{accuracy:.1%}" if accuracy is not None else "-"
                self.stdout.write(
                    f"{row.pk}\t{row.created_at:%Y-%m-%d %H:%M}\t{row.trained_on}\t{score}\t{row.source}"
                )
        if not rows.exists() and not as_json:
            self.stdout.write(
                "no model yet: the first mail trains one from the shipped data / 아직 모델이 없습니다"
            )
