"""Labelled sets for cross-language story links, and how links are scored against them.

Four kinds of set, each a list of ``StoryItem`` (an article, its story label, the stories it must
not join):

* ``crosslang_corpus``: the real seed and ``../shared/data/crosslang`` (its README gives the
  labels): the seed and its English edition are one story; a same-event report that is not
  a translation and two hard negatives are not.
* ``story_set_corpus``: the project's own trilingual set in ``tests/story_set``
  (``labels.json``): wire stories with their translations, and hard negatives (the same
  minister the same day, two sessions of a forum, templated reports, follow-ups). The
  rules were studied on it. ``tests/story_holdout`` and ``tests/story_holdout2`` are sets
  of the same kind, written without looking at the rules, read by the same function.
* ``demo_corpus``: the bundled demo site; a story is its entries' ``story``.

Only pairs of articles in different languages are scored: same-language pairs are the
clusters' business.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from crawler.app import demo, importer
from crawler.core.items import Article

HERE = Path(__file__).resolve().parent
STORY_SET = HERE / "story_set"
#: A second set of the same kind, written apart from the rules and kept for measuring them.
STORY_HOLDOUT = HERE / "story_holdout"
#: A third set of the same kind, written apart from the rules after they were tuned on the
#: first two (its README records its first, blind measurement).
STORY_HOLDOUT2 = HERE / "story_holdout2"

#: Labels of ../shared/data/crosslang (from its README) and the seed.
CROSSLANG_LABELS = {
    "000_fddc9570532f3f98.txt": ("csto-nato-2022", ()),
    "en_russia-islworld_csto-nato_2022-02-09.txt": ("csto-nato-2022", ()),
    "ru_baltnews_valdai-odkb_2022-02-09.txt": ("baltnews-valdai", ("csto-nato-2022",)),
    "ru_mos-news_pankin-odkb_2026-02-13.txt": ("mos-news-2026", ("csto-nato-2022",)),
    "ru_inforos_bordyuzha-nato-odkb.txt": ("inforos-bordyuzha", ("csto-nato-2022",)),
}


@dataclass(frozen=True)
class StoryItem:
    """One labelled article."""

    article: Article
    #: Its story: every article of a story tells the same news (in any language).
    story: str
    #: Stories it must never be linked to (hard negatives).
    not_with: tuple[str, ...] = ()
    name: str = ""


@dataclass(frozen=True)
class StoryScore:
    """Pairwise figures of predicted stories against the labels, across languages only."""

    precision: float
    recall: float
    #: Cross-language pairs labelled one story, and how many the store put together.
    true_pairs: int
    found_pairs: int
    #: Pairs the store put in one story that the labels keep apart.
    false_pairs: int
    #: Hard-negative pairs (an article and an article of a story it must not join, in any
    #: languages) put in one story.
    hard_negative_links: int
    articles: int
    false_examples: tuple[tuple[str, str], ...] = field(default=())
    missed_examples: tuple[tuple[str, str], ...] = field(default=())


def _read(paths: Iterable[Path]) -> list[tuple[Path, Article]]:
    out = []
    for path in paths:
        article = importer.read_seed_file(path)
        entry = importer.load_manifest(path.parent).get(path.name)
        out.append((path, importer.apply_manifest(article, entry)))
    return out


def crosslang_corpus(shared: Path) -> list[StoryItem]:
    """The seed and the real crosslang texts, labelled as their README says."""
    paths = [shared / "seeds" / "000_fddc9570532f3f98.txt"]
    paths += sorted((shared / "data" / "crosslang").glob("*.txt"))
    items = []
    for path, article in _read(paths):
        story, not_with = CROSSLANG_LABELS[path.name]
        items.append(StoryItem(article, story, not_with, path.name))
    return items


def story_set_corpus(folder: Path = STORY_SET) -> list[StoryItem]:
    """The project's own trilingual set, labelled by ``labels.json``."""
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    story_of = {name: story for story, names in labels["stories"].items() for name in names}
    not_with: dict[str, list[str]] = {}
    for negative in labels["hard_negatives"]:
        not_with.setdefault(negative["file"], []).append(negative["not_with"])
    items = []
    for path, article in _read(sorted(folder.glob("*.txt"))):
        items.append(
            StoryItem(article, story_of[path.name], tuple(not_with.get(path.name, ())), path.name)
        )
    return items


def demo_corpus() -> list[StoryItem]:
    """The demo site: an entry's story is its label (entries without one are their own)."""
    items = []
    for number, entry in enumerate(demo.entries()):
        story = entry.story or f"single-{number}"
        items.append(StoryItem(demo.load_article(entry), story, (), f"{entry.outlet}/{story}"))
    return items


def score_stories(predicted: dict[str, int], corpus: list[StoryItem]) -> StoryScore:
    """Score ``predicted`` (article key -> story id) against ``corpus``."""
    true = found = false = hard = 0
    false_examples: list[tuple[str, str]] = []
    missed_examples: list[tuple[str, str]] = []
    for a, b in itertools.combinations(corpus, 2):
        same_story = predicted.get(a.article.key) == predicted.get(b.article.key)
        if same_story and (b.story in a.not_with or a.story in b.not_with):
            hard += 1
        if a.article.language == b.article.language:
            continue
        same_label = a.story == b.story
        if same_label:
            true += 1
            if same_story:
                found += 1
            else:
                missed_examples.append((a.name, b.name))
        elif same_story:
            false += 1
            false_examples.append((a.name, b.name))
    predicted_pairs = found + false
    return StoryScore(
        precision=found / predicted_pairs if predicted_pairs else 1.0,
        recall=found / true if true else 1.0,
        true_pairs=true,
        found_pairs=found,
        false_pairs=false,
        hard_negative_links=hard,
        articles=len(corpus),
        false_examples=tuple(false_examples),
        missed_examples=tuple(missed_examples),
    )
