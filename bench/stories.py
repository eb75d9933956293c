"""Cross-language story links: pairwise quality on labelled sets, and the cost per article.

    python bench/stories.py                          # quality, and cost at 10,000 / 50,000
    python bench/stories.py --sizes 10000,200000     # cost into bigger stores
    python bench/stories.py --quality-only

Quality: each labelled set (``tests/story_labels.py``: the real seed with
../shared/data/crosslang, the project's trilingual set, the demo site) goes through a
fresh store in its file order and in a shuffled order; pairs of articles in different
languages are scored (precision, recall), and hard-negative links are counted.

Cost: a store of N generated articles (``bench/make_store.py``'s world, 1,000 articles a
day in Arabic, Russian and English) is written, then 1,000 more are saved one by one
while the CPU time inside the two stages is clocked: the dedup stage (``dedup.prepare``,
``ReprintIndex.plan`` and ``complete``) and the story stage (``StoryIndex.add`` and
``settle``). CPU seconds of one thread, both from the same run.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.make_store import World  # noqa: E402
from crawler.core import dedup  # noqa: E402
from storage import Store  # noqa: E402
from tests.story_labels import (  # noqa: E402
    STORY_HOLDOUT,
    STORY_HOLDOUT2,
    STORY_SET,
    StoryItem,
    StoryScore,
    crosslang_corpus,
    demo_corpus,
    score_stories,
    story_set_corpus,
)

SHARED = ROOT.parent / "shared"
MEASURED = 1000
PER_DAY = 1000


def stories_of(corpus: list[StoryItem]) -> StoryScore:
    """Import ``corpus`` in its order into a fresh store; score its stories."""
    with tempfile.TemporaryDirectory() as folder, Store.open(Path(folder) / "s.db") as store:
        for item in corpus:
            store.save_article(item.article)
        predicted = dict(
            store.db.conn.execute(
                "SELECT a.key, c.story_id FROM articles a JOIN clusters c ON c.id = a.cluster_id"
            ).fetchall()
        )
    return score_stories(predicted, corpus)


def corpora() -> dict[str, list[StoryItem]]:
    found = {}
    if (SHARED / "data" / "crosslang").exists():
        found["real: seed + crosslang"] = crosslang_corpus(SHARED)
    if (STORY_SET / "labels.json").exists():
        found["own trilingual set"] = story_set_corpus()
    if (STORY_HOLDOUT / "labels.json").exists():
        found["own held-out set"] = story_set_corpus(STORY_HOLDOUT)
    if (STORY_HOLDOUT2 / "labels.json").exists():
        found["own second held-out set"] = story_set_corpus(STORY_HOLDOUT2)
    found["demo site"] = demo_corpus()
    return found


def quality() -> None:
    print(
        "| set | articles | order | cross-language pairs | precision | recall | false "
        "| missed | HN links |"
    )
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for name, corpus in corpora().items():
        for order, items in (
            ("as listed", corpus),
            ("shuffled", random.Random(7).sample(corpus, len(corpus))),
        ):
            s = stories_of(items)
            print(
                f"| {name} | {s.articles} | {order} | {s.true_pairs} | {s.precision:.3f} | "
                f"{s.recall:.3f} | {s.false_pairs} | {s.true_pairs - s.found_pairs} | "
                f"{s.hard_negative_links} |"
            )
            for a, b in s.false_examples[:5]:
                print(f"    false: {a} ~ {b}", file=sys.stderr)
            for a, b in s.missed_examples[:5]:
                print(f"    missed: {a} ~ {b}", file=sys.stderr)


class Clock:
    """CPU seconds spent inside wrapped calls."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds += time.process_time() - started

        return timed


def cost(size: int) -> tuple[float, float, float]:
    """(dedup µs, story µs per article, seconds to build) saving into a store of ``size``."""
    total = size + MEASURED
    world = World(total, datetime(2026, 11, 30, tzinfo=UTC), total / PER_DAY, 0.1, 1)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        with Store.open(Path(folder) / "cost.db") as store:
            for first in range(0, size, 1000):
                store.save_articles(
                    [world.article(n) for n in range(first, min(size, first + 1000))]
                )
            built = time.perf_counter() - started
            measured = [world.article(n) for n in range(size, total)]
            dedup_clock, story_clock = Clock(), Clock()
            prepare = dedup.prepare
            dedup.prepare = dedup_clock.wrap(prepare)
            # The store's own objects are wrapped for this run only.
            index, stories = store.index, store.stories
            index.plan = dedup_clock.wrap(index.plan)  # type: ignore[method-assign]
            index.complete = dedup_clock.wrap(index.complete)  # type: ignore[method-assign]
            stories.add = story_clock.wrap(stories.add)  # type: ignore[method-assign]
            stories.settle = story_clock.wrap(stories.settle)  # type: ignore[method-assign]
            try:
                with store.batch():
                    for article in measured:
                        store.save_article(article)
            finally:
                dedup.prepare = prepare
    return dedup_clock.seconds / MEASURED * 1e6, story_clock.seconds / MEASURED * 1e6, built


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000", help="stored articles before measuring")
    parser.add_argument("--quality-only", action="store_true")
    args = parser.parse_args()
    quality()
    if args.quality_only:
        return
    print()
    print("| stored articles | dedup stage µs/article | story stage µs/article | story / dedup |")
    print("|---:|---:|---:|---:|")
    first_story = None
    for size in (int(x) for x in args.sizes.split(",")):
        dedup_us, story_us, built = cost(size)
        first_story = first_story or story_us
        print(
            f"| {size:,} | {dedup_us:,.0f} | {story_us:,.0f} | {story_us / dedup_us:.2f}x |"
            f"  (built in {built:.0f} s; story cost {story_us / first_story:.2f}x the first size)"
        )


if __name__ == "__main__":
    main()
