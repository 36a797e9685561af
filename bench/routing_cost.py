"""What routing one mail costs a worker: train the shipped default model once, then classify the 50
handwritten mails one by one on one thread, with the sentence encoder's cache cleared before each
(a worker sees each mail once). Two rounds; prints p50 / p95 / max per round and the peak RSS.

  OMP_NUM_THREADS=1 .venv/bin/python bench/routing_cost.py
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dapjang.settings")

import django  # noqa: E402

django.setup()

from threadpoolctl import threadpool_limits  # noqa: E402

from dapjang.routing import classifier, encoder  # noqa: E402
from dapjang.routing.data import shipped_faq_questions, shipped_mails  # noqa: E402
from dapjang.routing.features import mail_text  # noqa: E402

MAILS = ROOT / "tests" / "routing" / "handwritten.jsonl"


def main() -> int:
    model = classifier.classifier_train(
        shipped_mails(), extra=shipped_faq_questions(), options=classifier.Options(), folds=0
    )
    rows = [json.loads(line) for line in MAILS.read_text(encoding="utf-8").splitlines() if line.strip()]
    print(f"format {classifier.model_format()}, {len(rows)} mails")
    for round_ in range(2):
        times = []
        with threadpool_limits(1):
            for row in rows:
                encoder._embed_one.cache_clear()
                started = time.perf_counter()
                model.probabilities([mail_text(row["subject"], row["body"])])
                times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[max(0, round(0.95 * len(times)) - 1)]
        print(
            f"round {round_}: p50 {statistics.median(times):.0f} ms, p95 {p95:.0f} ms, max {times[-1]:.0f} ms"
        )
    print(
        f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB, load {os.getloadavg()[0]:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
