"""Reprint detection quality: pairwise precision/recall on labelled corpora, per parameter set.

    python bench/dedup_eval.py            # the default parameters on both corpora
    python bench/dedup_eval.py --sweep    # shingle size and thresholds around the defaults

Each corpus goes through the real store (a fresh SQLite file per run), so the
figures measure what `wirecrawl import`/`crawl` would produce.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.core.dedup import DEFAULT_PARAMS, DedupParams, replace_params  # noqa: E402
from storage import Store  # noqa: E402
from tests.reprint_set import Labelled, SetScore, demo_corpus, real_corpus, score  # noqa: E402

SHARED = ROOT.parent / "shared"


def run(corpus: list[Labelled], params: DedupParams) -> tuple[SetScore, float]:
    """Ingest ``corpus`` into a fresh store with ``params``; score its clusters."""
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        with Store.open(Path(folder) / "eval.db", params=params) as store:
            for item in corpus:
                store.save_article(item.article)
            elapsed = time.perf_counter() - started
            predicted = dict(
                store.db.conn.execute("SELECT key, cluster_id FROM articles").fetchall()
            )
    return score(predicted, corpus), elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", action="store_true", help="try several parameter sets")
    args = parser.parse_args()
    corpora = {"demo": demo_corpus()}
    if (SHARED / "data").exists():
        corpora["real"] = real_corpus(
            SHARED / "data", SHARED / "seeds" / "000_fddc9570532f3f98.txt"
        )
    variants = [("default", DEFAULT_PARAMS)]
    if args.sweep:
        for n in (3, 4, 5):
            for j in (0.3, 0.35, 0.45):
                for c in (0.5, 0.6, 0.7):
                    variants.append(
                        (
                            f"n={n} J>={j} C>={c}",
                            replace_params(
                                DEFAULT_PARAMS,
                                shingle_size=n,
                                jaccard_threshold=j,
                                containment_threshold=c,
                            ),
                        )
                    )
    print(
        f"{'corpus':<6} {'params':<22} {'articles':>8} {'P':>6} {'R':>6} {'F1':>6} {'ARI':>6} "
        f"{'FP':>5} {'FN':>5} {'HN':>3} {'docs/s':>7}"
    )
    for label, params in variants:
        for name, corpus in corpora.items():
            result, elapsed = run(corpus, params)
            print(
                f"{name:<6} {label:<22} {result.articles:>8} {result.precision:>6.3f} "
                f"{result.recall:>6.3f} {result.f1:>6.3f} {result.adjusted_rand:>6.3f} "
                f"{result.false_pairs:>5} {result.missed_pairs:>5} "
                f"{result.hard_negative_merges:>3} {result.articles / elapsed:>7.0f}"
            )


if __name__ == "__main__":
    main()
