"""FAQ retrieval benchmark: recall@1/@3 of `dapjang.knowledge` on customers' own phrasings, and latency.

Queries are the labelled mails of train.jsonl that have a faq_id (subject + the customer's own lines,
as the pipeline would search them). Two protocols, so that the FAQ's paraphrases cannot leak:

  held-out mails   the index holds question + paraphrases + answer; the mails are never indexed and
                   nothing in the search is fitted to them (BM25 has no trained part). This is the
                   configuration the desk runs.
  no paraphrases   the index holds question + answer only; queries are the mails and, separately,
                   the FAQ's own paraphrases (as a desk whose FAQ has no paraphrases would see them).

A plain character n-gram TF-IDF (scikit-learn, char_wb 2–4, cosine over question + paraphrases +
answer) is run as the baseline on the same queries. Latency is the in-process time of one search
(analysis, dictionary, BM25) after the index is built; peak RSS includes kiwipiepy.

  .venv/bin/python bench/kb_eval.py [--data ../shared/data/support-ko] [--json FILE] [--misses]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dapjang.knowledge.importer import FaqRecord, parse_faq_text
from dapjang.knowledge.normalise import mail_query
from dapjang.knowledge.synonyms import SynonymTable, synonyms_parse
from dapjang.knowledge.training import FileKnowledge

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "support-ko"
TARGET_R1, TARGET_R3 = 0.90, 0.98


def _recall(results: list[tuple[str, list[str]]]) -> dict[str, float]:
    n = len(results)
    return {
        "n": n,
        "recall@1": sum(ids[:1] == [gold] for gold, ids in results) / n if n else 0.0,
        "recall@3": sum(gold in ids[:3] for gold, ids in results) / n if n else 0.0,
    }


def run_dapjang(
    records: list[FaqRecord], synonyms: SynonymTable, mails: list[dict[str, Any]], *, paraphrases: bool
) -> dict[str, Any]:
    knowledge = FileKnowledge.from_records(records, synonyms, use_paraphrases=paraphrases)
    out: dict[str, Any] = {}
    latencies: list[float] = []
    misses: list[dict[str, Any]] = []
    for language in ("ko", "en"):
        index = knowledge.indexes[language]
        results: list[tuple[str, list[str]]] = []
        for mail in mails:
            if mail["lang"] != language:
                continue
            query = mail_query(mail["subject"], mail["body"])
            start = time.perf_counter()
            hits = index.search(query, 3)
            latencies.append((time.perf_counter() - start) * 1000)
            ids = [h.doc.faq_id for h in hits]
            results.append((mail["faq_id"], ids))
            if ids[:1] != [mail["faq_id"]]:
                misses.append({"id": mail["id"], "gold": mail["faq_id"], "got": ids})
        out[language] = _recall(results)
        if not paraphrases:
            para = [
                (r.faq_id, [h.doc.faq_id for h in index.search(p, 3)])
                for r in records
                if r.language == language
                for p in r.paraphrases
            ]
            out[f"{language}_paraphrases"] = _recall(para)
    out["all"] = _combine(out["ko"], out["en"])
    out["latency_ms"] = {
        "p50": statistics.median(latencies),
        "p95": statistics.quantiles(latencies, n=20)[18],
        "max": max(latencies),
    }
    out["misses"] = misses
    return out


def run_tfidf(records: list[FaqRecord], mails: list[dict[str, Any]]) -> dict[str, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import linear_kernel

    out: dict[str, Any] = {}
    for language in ("ko", "en"):
        docs = [r for r in records if r.language == language]
        texts = ["\n".join([r.question, *r.paraphrases, r.answer]) for r in docs]
        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
        matrix = vectorizer.fit_transform(texts)
        results = []
        for mail in mails:
            if mail["lang"] != language:
                continue
            sims = linear_kernel(vectorizer.transform([mail_query(mail["subject"], mail["body"])]), matrix)[0]
            ids = [docs[i].faq_id for i in sims.argsort()[::-1][:3]]
            results.append((mail["faq_id"], ids))
        out[language] = _recall(results)
    out["all"] = _combine(out["ko"], out["en"])
    return out


def _combine(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
    n = a["n"] + b["n"]
    return {
        "n": n,
        "recall@1": (a["recall@1"] * a["n"] + b["recall@1"] * b["n"]) / n,
        "recall@3": (a["recall@3"] * a["n"] + b["recall@3"] * b["n"]) / n,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--misses", action="store_true", help="print the mails whose first hit is wrong")
    args = parser.parse_args()

    faq_path = args.data / "faq.json"
    records = parse_faq_text(faq_path.read_text(encoding="utf-8"), source=str(faq_path))
    synonyms = SynonymTable(
        tuple(synonyms_parse((args.data / "synonyms.tsv").read_text(encoding="utf-8").splitlines()))
    )
    mails = [
        json.loads(line) for line in (args.data / "train.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    mails = [m for m in mails if m.get("faq_id")]

    start = time.perf_counter()
    held_out = run_dapjang(records, synonyms, mails, paraphrases=True)
    build_and_run_s = time.perf_counter() - start
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    no_para = run_dapjang(records, synonyms, mails, paraphrases=False)
    no_dictionary = run_dapjang(records, SynonymTable(()), mails, paraphrases=True)
    tfidf = run_tfidf(records, mails)

    rows = [
        ("Dapjang, held-out mails (index with paraphrases)", held_out),
        ("Dapjang, no domain dictionary", no_dictionary),
        ("Dapjang, index without paraphrases: mails", no_para),
        ("char TF-IDF baseline, held-out mails", tfidf),
    ]
    print(f"{'protocol':52s} {'n':>4s} {'R@1':>6s} {'R@3':>6s}   ko R@1/R@3    en R@1/R@3")
    for name, r in rows:
        a, ko, en = r["all"], r["ko"], r["en"]
        print(
            f"{name:52s} {a['n']:4d} {a['recall@1']:6.3f} {a['recall@3']:6.3f}   "
            f"{ko['recall@1']:.3f}/{ko['recall@3']:.3f}   {en['recall@1']:.3f}/{en['recall@3']:.3f}"
        )
    for language in ("ko", "en"):
        p = no_para[f"{language}_paraphrases"]
        print(
            f"{'Dapjang, index without paraphrases: ' + language + ' paraphrases':52s} {p['n']:4d} "
            f"{p['recall@1']:6.3f} {p['recall@3']:6.3f}"
        )
    lat = held_out["latency_ms"]
    print(
        f"\nsearch latency (ms, one query, index built): p50 {lat['p50']:.2f}  p95 {lat['p95']:.2f}  "
        f"max {lat['max']:.2f}; first index build + {len(mails)} searches {build_and_run_s:.1f} s "
        f"(kiwipiepy load included); peak RSS {rss_mb:.0f} MB"
    )
    if args.misses:
        for miss in held_out["misses"]:
            print("miss", miss)
    ok = held_out["all"]["recall@1"] >= TARGET_R1 and held_out["all"]["recall@3"] >= TARGET_R3
    print(
        f"{'PASS' if ok else 'FAIL'}: held-out recall@1 >= {TARGET_R1} and recall@3 >= {TARGET_R3} "
        f"({held_out['all']['recall@1']:.3f}, {held_out['all']['recall@3']:.3f})"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {"rows": {name: r for name, r in rows}, "rss_mb": rss_mb, "build_and_run_s": build_and_run_s},
                ensure_ascii=False,
                indent=1,
                default=str,
            )
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
