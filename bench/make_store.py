"""Build a large wirecrawl store for the query benchmarks (``bench/queries.py``).

    python bench/make_store.py /tmp/bench-1m.db                    # 1,000,000 articles
    python bench/make_store.py /tmp/bench-10k.db --articles 10000  # a small one

Every article goes through ``Store.save_articles``, the path ``wirecrawl
import`` takes: the article row, both search indexes (words and trigrams),
the MinHash signature, LSH bands, boilerplate counts and the cluster decision,
committed in batches. Nothing is written around the store, so the file is the
one a crawl of that many articles would leave.

The texts are real: clauses of the article texts in ../shared/data
(English and other languages from the extraction benchmark, Russian from
DAnIEL) and of the seed article (Arabic), plus the bundled demo site (Arabic,
Russian and English; the only source when ../shared is absent), recombined
into new articles. Whole sentences from a pool of a few hundred would make
every pair of Arabic articles share word 4-grams, and the reprint detector
verify hundreds of false candidates per article; runs of three to five words
recombined share almost none, as real unrelated articles do.

The world: wire desks (TASS, RIA Novosti, Interfax, Reuters, AFP, AP,
Sputnik) and 25 outlets per language (Arabic, Russian, English) publishing
over ``--days`` days up to ``--end`` (default: now), so "the last 24 hours"
has articles in it. About one article in ten (``--reprints``) is a reprint
of a recent wire story by another outlet: new headline, a dateline, a cut
paragraph, the outlet's spelling and its house paragraph.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.app import demo  # noqa: E402
from crawler.core.items import Article, Block  # noqa: E402
from storage import Store  # noqa: E402

SHARED = ROOT.parent / "shared"
LANGUAGES = ("ar", "ru", "en")
#: Share of articles in each language.
LANGUAGE_WEIGHTS = (0.35, 0.35, 0.30)
#: Wire desks per language: agency id, desk host, attribution as printed.
DESKS = {
    "ar": [
        ("tass", "tass-ar.wire.example", "المصدر: تاس"),
        ("ria", "ria-ar.wire.example", "المصدر: ريا نوفوستي"),
        ("sputnik", "sputnik-ar.wire.example", "المصدر: سبوتنيك"),
        ("reuters", "reuters-ar.wire.example", "(رويترز)"),
        ("afp", "afp-ar.wire.example", "(أ ف ب)"),
    ],
    "ru": [
        ("tass", "tass.wire.example", "ТАСС"),
        ("ria", "ria.wire.example", "РИА Новости"),
        ("interfax", "interfax.wire.example", "Интерфакс"),
    ],
    "en": [
        ("reuters", "reuters.wire.example", "(Reuters)"),
        ("afp", "afp.wire.example", "(AFP)"),
        ("ap", "ap.wire.example", "(AP)"),
    ],
}
OUTLETS_PER_LANGUAGE = 25
#: Share of original articles that are wire copy (the rest are the outlets' own stories).
WIRE_SHARE = 0.4
#: Reprints copy a story published among this many articles before them (a few hours).
RECENT_STORIES = 3000
DATELINES = {
    "ar": ["موسكو - {outlet} - ", "القاهرة ({outlet}) - ", "بيروت - ", "موسكو، ٩ فبراير - "],
    "ru": ["Москва. {outlet} - ", "МОСКВА, 9 фев — ", "Санкт-Петербург. "],
    "en": ["MOSCOW ({outlet}) - ", "LONDON - ", "WASHINGTON - "],
}
HOUSE = {
    "ar": "تابعوا آخر الأخبار على موقع {outlet} وحساباتنا على منصات التواصل الاجتماعي.",
    "ru": "Читайте главные новости дня на сайте {outlet} и в нашем канале.",
    "en": "Read more news from {outlet} and follow us on social media.",
}


@dataclass(frozen=True)
class Story:
    """An original article that later reprints copy."""

    article: Article
    #: Position in the generated sequence.
    number: int


def clauses() -> dict[str, list[str]]:
    """Runs of three to five words of the real texts' clauses, per language."""
    texts: dict[str, list[str]] = {language: [] for language in LANGUAGES}
    if (SHARED / "data").exists():
        from tests.reprint_set import benchmark_sources, daniel_sources, seed_source

        sources = benchmark_sources(SHARED / "data") + daniel_sources(SHARED / "data")
        seed = SHARED / "seeds" / "000_fddc9570532f3f98.txt"
        if seed.exists():
            sources += seed_source(seed)
        for source in sources:
            if source.language in texts:
                texts[source.language].extend(source.paragraphs)
    for article in demo.load_articles():
        if article.language in texts:
            texts[article.language].extend(article.paragraphs)
    out: dict[str, list[str]] = {}
    for language, paragraphs in texts.items():
        pieces = []
        rng = random.Random(language)
        for paragraph in paragraphs:
            for piece in re.split(r"(?<=[.,;:!?،؛؟])\s+|\s+(?:و|and|и|но|but)\s+", paragraph):
                words = piece.split()
                start = 0
                # Clauses are cut into runs of three to five words: two articles that share
                # a run share a word 4-gram at most, as unrelated news articles do.
                while len(words) - start >= 3:
                    end = start + rng.randint(3, 5)
                    pieces.append(" ".join(words[start:end]).rstrip(".,;:!?،؛؟"))
                    start = end
        out[language] = sorted(set(pieces))
    return out


def _spelling(language: str, text: str, rng: random.Random) -> str:
    """An outlet's spelling: Egyptian Arabic (hamza dropped, final ى), ё in Russian."""
    if language == "ar":
        words = []
        for word in text.split(" "):
            word = word.replace("أ", "ا").replace("إ", "ا")
            if word.endswith("ي") and rng.random() < 0.5:
                word = word[:-1] + "ى"
            words.append(word)
        return " ".join(words)
    if language == "ru":
        return re.sub(r"\bеще\b|\bее\b|\bвсе\b", lambda m: m.group().replace("е", "ё", 1), text)
    return text


class World:
    """Generates articles in publication order from a seeded random source."""

    def __init__(self, total: int, end: datetime, days: float, reprints: float, seed: int):
        self.rng = random.Random(seed)
        self.pool = clauses()
        self.total = total
        self.start = end - timedelta(days=days)
        self.step = timedelta(days=days) / max(1, total)
        self.reprints = reprints
        self.outlets = {
            language: [f"{language}-outlet-{i:02d}.example" for i in range(OUTLETS_PER_LANGUAGE)]
            for language in LANGUAGES
        }
        self.recent: dict[str, deque[Story]] = {
            language: deque(maxlen=RECENT_STORIES // 3) for language in LANGUAGES
        }

    def _sentence(self, language: str, runs: int) -> str:
        text = " ".join(self.rng.choice(self.pool[language]) for _ in range(runs))
        return text[0].upper() + text[1:] + "."

    def _original(self, number: int, language: str, when: datetime) -> Article:
        rng = self.rng
        wire = rng.random() < WIRE_SHARE
        agency, outlet, attribution = (
            rng.choice(DESKS[language]) if wire else (None, rng.choice(self.outlets[language]), "")
        )
        paragraphs = [
            " ".join(self._sentence(language, rng.randint(4, 6)) for _ in range(rng.randint(1, 3)))
            for _ in range(rng.randint(3, 7))
        ]
        title = " ".join(self.rng.choice(self.pool[language]) for _ in range(2))
        if attribution:
            paragraphs[-1] += f" {attribution}"
        return Article(
            title=title[0].upper() + title[1:],
            body=tuple(Block(p) for p in paragraphs),
            url=f"https://{outlet}/news/{number}",
            outlet=outlet,
            published=when,
            published_precision="minute",
            language=language,
            wire_agency=agency,
            attribution=attribution,
            fetched_at=when + timedelta(minutes=2),
        )

    def _reprint(self, number: int, story: Story, when: datetime) -> Article:
        rng = self.rng
        source = story.article
        language = source.language
        outlet = rng.choice(self.outlets[language])
        paragraphs = [b.text for b in source.body]
        if len(paragraphs) > 3 and rng.random() < 0.5:
            del paragraphs[rng.randrange(1, len(paragraphs) - 1)]
        paragraphs = [_spelling(language, p, rng) for p in paragraphs]
        dateline = rng.choice(DATELINES[language]).format(outlet=outlet.split(".")[0])
        paragraphs[0] = dateline + paragraphs[0]
        if rng.random() < 0.6:
            paragraphs.append(HOUSE[language].format(outlet=outlet))
        title_words = source.title.split()
        if len(title_words) > 5 and rng.random() < 0.5:
            rng.shuffle(title_words)
        return Article(
            title=_spelling(language, " ".join(title_words), rng),
            body=tuple(Block(p) for p in paragraphs),
            url=f"https://{outlet}/news/{number}",
            outlet=outlet,
            published=when,
            published_precision="minute",
            language=language,
            wire_agency=source.wire_agency,
            attribution=source.attribution,
            fetched_at=when + timedelta(minutes=2),
        )

    def article(self, number: int) -> Article:
        """The ``number``-th article, published ``number`` steps after the start."""
        rng = self.rng
        when = self.start + self.step * number
        when = when.replace(second=0, microsecond=0)
        language = rng.choices(LANGUAGES, LANGUAGE_WEIGHTS)[0]
        recent = self.recent[language]
        if recent and rng.random() < self.reprints:
            story = rng.choice(recent)
            if story.article.published is not None and when > story.article.published:
                return self._reprint(number, story, when)
        article = self._original(number, language, when)
        if article.wire_agency:
            recent.append(Story(article, number))
        return article


def main() -> None:
    parser = argparse.ArgumentParser(description="build a large store for bench/queries.py")
    parser.add_argument("path", type=Path, help="the store to create (must not exist)")
    parser.add_argument("--articles", type=int, default=1_000_000, help="articles to write")
    parser.add_argument("--days", type=float, default=180, help="days the articles span")
    parser.add_argument("--end", help="publication time of the last article (ISO, default now)")
    parser.add_argument("--reprints", type=float, default=0.1, help="share of reprints")
    parser.add_argument("--batch", type=int, default=1000, help="articles per commit")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.path.exists():
        parser.error(f"{args.path} exists; give a new path")
    end = datetime.fromisoformat(args.end) if args.end else datetime.now(UTC)
    world = World(args.articles, end, args.days, args.reprints, args.seed)
    print(
        "clauses: " + ", ".join(f"{k} {len(v):,}" for k, v in world.pool.items()), file=sys.stderr
    )
    started = time.perf_counter()
    with Store.open(args.path) as store:
        for first in range(0, args.articles, args.batch):
            batch = [world.article(n) for n in range(first, min(args.articles, first + args.batch))]
            store.save_articles(batch)
            done = first + len(batch)
            if done % (args.batch * 20) == 0 or done == args.articles:
                elapsed = time.perf_counter() - started
                print(
                    f"{done:>10,} articles  {elapsed:8.0f} s  {done / elapsed:6.0f}/s",
                    file=sys.stderr,
                )
        clusters = store.db.conn.execute(
            "SELECT count(*), sum(size) FROM clusters WHERE size > 1"
        ).fetchone()
        reprints = store.db.conn.execute(
            "SELECT count(*) FROM articles WHERE is_canonical = 0"
        ).fetchone()[0]
    elapsed = time.perf_counter() - started
    print(
        f"{args.articles:,} articles in {elapsed:,.0f} s ({args.articles / elapsed:,.0f}/s); "
        f"{clusters[0]:,} reprint clusters holding {clusters[1] or 0:,} articles, "
        f"{reprints:,} reprints; {args.path.stat().st_size / 1e9:.1f} GB"
    )


if __name__ == "__main__":
    main()
