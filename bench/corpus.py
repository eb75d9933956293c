"""Synthetic but realistic article text for benchmarks.

Recombining whole sentences of a small pool makes every sentence recur in
hundreds of documents of a large corpus, which no real news corpus does and
which floods a reprint index with false candidates. Instead, text is walked
from a word-bigram model of real article text (../shared/data when present,
the demo site otherwise): real vocabulary and local phrasing, every document
its own. One document in ten is an edited reprint of an earlier one.
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.core.items import Article, Block  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"


@cache
def _texts() -> tuple[str, ...]:
    if SHARED.exists():
        from tests.reprint_set import benchmark_sources, daniel_sources

        return tuple(
            p for s in benchmark_sources(SHARED) + daniel_sources(SHARED) for p in s.paragraphs
        )
    from crawler.app import demo

    return tuple(a.body_text for a in demo.load_articles())


@cache
def _bigrams() -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    """Sentence-opening words, and each word's observed successors (with repetition)."""
    starts: list[str] = []
    following: dict[str, list[str]] = {}
    for text in _texts():
        words = text.split()
        for i, word in enumerate(words):
            if i == 0 or words[i - 1].endswith((".", "!", "?")):
                starts.append(word)
            if i + 1 < len(words):
                following.setdefault(word, []).append(words[i + 1])
    return tuple(starts), {w: tuple(n) for w, n in following.items()}


def sentence(rng: random.Random) -> str:
    """One sentence walked from the bigram model (8 to 30 words)."""
    starts, following = _bigrams()
    word = rng.choice(starts)
    out = [word]
    while len(out) < 30:
        successors = following.get(word)
        if not successors or (len(out) >= 8 and word.endswith((".", "!", "?"))):
            break
        word = rng.choice(successors)
        out.append(word)
    text = " ".join(out)
    return text if text.endswith((".", "!", "?")) else text + "."


def make_documents(count: int, seed: int, start: int = 0, words: int = 500) -> list[Article]:
    """``count`` articles of about ``words`` words; one in ten is an edited reprint."""
    rng = random.Random(seed)
    docs: list[Article] = []
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    for number in range(start, start + count):
        if docs and rng.random() < 0.1:
            paragraphs = [b.text for b in rng.choice(docs).body]
            if len(paragraphs) > 3:
                del paragraphs[rng.randrange(1, len(paragraphs) - 1)]
            paragraphs[0] = "MOSCOW, Feb 9 - " + paragraphs[0]
        else:
            paragraphs, total = [], 0
            while total < words:
                paragraph = " ".join(sentence(rng) for _ in range(3))
                paragraphs.append(paragraph)
                total += len(paragraph.split())
        outlet = f"outlet-{number % 50}.example"
        docs.append(
            Article(
                title=f"Story {number}",
                body=tuple(Block(p) for p in paragraphs),
                url=f"https://{outlet}/news/{number}",
                outlet=outlet,
                published=t0 + timedelta(minutes=number),
                published_precision="minute",
                language="en",
            )
        )
    return docs
