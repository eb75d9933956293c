"""Quality gate: reprint detection scored on the labelled reprint set (see reprint_set/README.md).

The floors are pinned: lowering one is a decision, not an accident. Each test
prints its measured figures so a regression shows its size.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import Store
from tests.conftest import DATA, SEED_FILE, need_shared
from tests.reprint_set import SetScore, demo_corpus, real_corpus, score

# Measured with the default parameters (bench/dedup_eval.py): real P 1.000, R 1.000,
# ARI 1.000 (an earlier word hash gave R 0.993: LSH misses are chance); demo 1.000 / 1.000.
REAL_PRECISION_FLOOR = 0.99
REAL_RECALL_FLOOR = 0.98
REAL_ARI_FLOOR = 0.99


def _evaluate(tmp_path: Path, corpus: list) -> SetScore:
    with Store.open(tmp_path / "quality.db") as store:
        for item in corpus:
            store.save_article(item.article)
        predicted = dict(store.db.conn.execute("SELECT key, cluster_id FROM articles").fetchall())
    result = score(predicted, corpus)
    print(
        f"\n{result.articles} articles: precision {result.precision:.4f}, recall "
        f"{result.recall:.4f}, ARI {result.adjusted_rand:.4f}, false pairs {result.false_pairs}, "
        f"missed pairs {result.missed_pairs}, hard-negative merges {result.hard_negative_merges}"
    )
    return result


def test_real_reprint_set(tmp_path: Path) -> None:
    need_shared(DATA)
    corpus = real_corpus(DATA, SEED_FILE)
    assert len(corpus) > 800
    result = _evaluate(tmp_path, corpus)
    assert result.precision >= REAL_PRECISION_FLOOR
    assert result.recall >= REAL_RECALL_FLOOR
    assert result.adjusted_rand >= REAL_ARI_FLOOR
    assert result.hard_negative_merges == 0


def test_demo_set(tmp_path: Path) -> None:
    result = _evaluate(tmp_path, demo_corpus())
    assert result.precision == 1.0
    assert result.recall == 1.0
    assert result.hard_negative_merges == 0


@pytest.mark.parametrize(
    "truth, predicted, expected",
    [
        (["a", "a", "b", "b"], [1, 1, 2, 2], 1.0),
        (["a", "a", "b", "b"], [1, 2, 3, 4], 0.0),
        (["a", "a", "a", "b", "b", "c"], [1, 1, 2, 2, 3, 3], 0.0741),  # (1 - 0.8) / (3.5 - 0.8)
    ],
)
def test_adjusted_rand_index(truth: list, predicted: list, expected: float) -> None:
    from tests.reprint_set import adjusted_rand_index

    assert adjusted_rand_index(truth, predicted) == pytest.approx(expected, abs=1e-3)
