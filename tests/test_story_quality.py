"""Floors of cross-language story links on labelled sets (``bench/stories.py`` reports them).

Pairs of articles in different languages are scored. The floors are the measured figures:
lower them only on purpose, with the reason in the change.
"""

from __future__ import annotations

import random

import pytest

from bench.stories import stories_of
from tests.conftest import DATA, SHARED, need_shared
from tests.story_labels import (
    STORY_HOLDOUT,
    STORY_HOLDOUT2,
    STORY_SET,
    StoryItem,
    crosslang_corpus,
    demo_corpus,
    story_set_corpus,
)

#: set -> (precision, recall, hard-negative links) floors.
FLOORS = {
    "crosslang": (1.0, 1.0, 0),
    "own": (1.0, 1.0, 0),
    # Measured blind at 0.923 with 4 hard-negative links: two day-apart yuan reports of one
    # Arabic outlet made one cluster (the template is all they share). The figure check of
    # reprint verification (``dedup.figures_agree``) parts them.
    "holdout": (1.0, 1.0, 0),
    # Written after the rules were tuned on the sets above, measured blind once (0.786 in file
    # order, 0.821 shuffled, before links stopped depending on arrival order). Arabic compound
    # figures and relayed wires, two defects its misses showed, bring it to 25 of 28 pairs:
    # no longer blind. The misses are in its README.
    "holdout2": (1.0, 0.89, 0),
    "demo": (1.0, 1.0, 0),
}


FOLDERS = {"own": STORY_SET, "holdout": STORY_HOLDOUT, "holdout2": STORY_HOLDOUT2}


def _corpus(name: str) -> list[StoryItem]:
    if name == "crosslang":
        need_shared(DATA / "crosslang")
        return crosslang_corpus(SHARED)
    if name in FOLDERS:
        folder = FOLDERS[name]
        if not (folder / "labels.json").exists():
            pytest.skip(f"no labelled set at {folder}")
        return story_set_corpus(folder)
    return demo_corpus()


@pytest.mark.parametrize("name", sorted(FLOORS))
@pytest.mark.parametrize("shuffle", [False, True])
def test_story_links_hold_their_floors(name: str, shuffle: bool) -> None:
    corpus = _corpus(name)
    if shuffle:
        corpus = random.Random(7).sample(corpus, len(corpus))
    score = stories_of(corpus)
    precision, recall, hard_negatives = FLOORS[name]
    assert score.hard_negative_links <= hard_negatives, score.false_examples
    assert score.precision >= precision, score.false_examples
    assert score.recall >= recall, score.missed_examples
    assert score.true_pairs > 0
