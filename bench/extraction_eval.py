"""Article body extraction quality: wirecrawl's ``extract`` against plain trafilatura.

Usage::

    .venv/bin/python bench/extraction_eval.py [--shared PATH]

Two labelled datasets from ``../shared/data/articles`` (read in place, never copied):

``article-extraction-benchmark``
    181 real article pages (mostly English) with the article body as ground truth.
``daniel-ru``
    133 Russian news pages with the cleaned main text as ``<p>`` paragraphs.

Scoring is the article-extraction-benchmark's own: texts are cut into ``\\w+`` tokens,
tokens into overlapping 4-token shingles, and each page gets true/false positive and false
negative shingle counts normalised by their sum (so long pages do not weigh more).
Precision is the mean over pages with any prediction or truth, recall likewise, and F1 is
the harmonic mean of those two means. Both extractors run in the same process on the same
bytes, so the pages/s figures and their ratio compare like with like.

The benchmark's ground truth has no dates; the date check reports how often a date was
found and, for pages whose URL carries a day, how often a date read from the page itself
falls within a day of it. The language check compares ``Article.language`` with the
dataset's ``lang_detected.json``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from crawler.core.errors import WirecrawlError  # noqa: E402
from crawler.core.extract import ExtractOptions, extract  # noqa: E402
from crawler.core.items import Article  # noqa: E402

#: Where the shared data lives by default: ``../shared`` beside the project.
DEFAULT_SHARED = Path(os.environ.get("WIRECRAWL_SHARED", ROOT.parent / "shared"))
SHINGLE_SIZE = 4

_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True)
class Page:
    """One labelled page."""

    name: str
    html: bytes
    url: str
    reference: str
    language: str = ""


@dataclass(frozen=True)
class Scores:
    """Mean precision and recall over pages, F1 of the two means."""

    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class Run:
    """The result of one extractor over one dataset."""

    scores: Scores
    pages_per_second: float
    outputs: list[str]
    articles: list[Article | None]


# --- Scoring --------------------------------------------------------------------------------


def _shingles(text: str, n: int = SHINGLE_SIZE) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    # A text shorter than n tokens is one (short) shingle, as in the benchmark.
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens)


def page_counts(truth: str, prediction: str) -> tuple[float, float, float]:
    """(tp, fp, fn) over shingles, normalised to sum to 1 (all zero for two empty texts)."""
    expected, found = _shingles(truth), _shingles(prediction)
    tp = sum((expected & found).values())
    fp = sum((found - expected).values())
    fn = sum((expected - found).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def summarise(counts: Sequence[tuple[float, float, float]]) -> Scores:
    """Mean precision and recall over pages, and F1 of those means (the benchmark's way)."""
    precisions = [_precision(*c) for c in counts if c[0] + c[1] > 0]
    recalls = [_recall(*c) for c in counts if c[0] + c[2] > 0]
    precision = statistics.mean(precisions) if precisions else 0.0
    recall = statistics.mean(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1)


# --- Datasets -------------------------------------------------------------------------------


def load_benchmark(shared: Path = DEFAULT_SHARED) -> list[Page]:
    """The article-extraction-benchmark pages with their ground truth and detected language."""
    folder = shared / "data" / "articles" / "article-extraction-benchmark"
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    languages = json.loads((folder / "lang_detected.json").read_text(encoding="utf-8"))
    pages = []
    for name, item in sorted(truth.items()):
        html = gzip.decompress((folder / "html" / f"{name}.html.gz").read_bytes())
        language = languages.get(f"article-extraction-benchmark/html/{name}.html.gz", "")
        pages.append(Page(name, html, item.get("url", ""), item.get("articleBody", ""), language))
    return pages


def _reference_text(markup: str) -> str:
    root = lxml.html.fragment_fromstring(markup, create_parent="div")
    paragraphs = [" ".join(p.text_content().split()) for p in root.iter("p")]
    return "\n".join(p for p in paragraphs if p) or " ".join(root.text_content().split())


def load_daniel(shared: Path = DEFAULT_SHARED) -> list[Page]:
    """The DAnIEL Russian pages with their cleaned reference text."""
    folder = shared / "data" / "articles" / "daniel-ru"
    pages = []
    for path in sorted((folder / "html").iterdir()):
        reference = (folder / "reference" / path.name).read_text(encoding="utf-8")
        # File names are <date>_<host>_<hash>: the host stands in for the unknown URL.
        host = path.name.split("_")[1] if path.name.count("_") >= 2 else "example.org"
        pages.append(
            Page(path.name, path.read_bytes(), f"http://{host}/", _reference_text(reference))
        )
    return pages


# --- Extractors -----------------------------------------------------------------------------


def ours(page: Page) -> tuple[str, Article | None]:
    """wirecrawl's ``extract``: the body blocks joined, empty when it raises."""
    try:
        article = extract(page.html, page.url, ExtractOptions())
    except WirecrawlError:
        return "", None
    return article.body_text, article


def plain_trafilatura(page: Page) -> tuple[str, Article | None]:
    """``trafilatura.extract`` with its defaults: the baseline."""
    import trafilatura  # the baseline under test, imported here only

    return trafilatura.extract(page.html, url=page.url or None) or "", None


def run(pages: Sequence[Page], extractor: Callable[[Page], tuple[str, Article | None]]) -> Run:
    """Run one extractor over the pages; score and time it."""
    outputs: list[str] = []
    articles: list[Article | None] = []
    started = time.perf_counter()
    for page in pages:
        text, article = extractor(page)
        outputs.append(text)
        articles.append(article)
    elapsed = time.perf_counter() - started
    counts = [page_counts(p.reference, out) for p, out in zip(pages, outputs, strict=True)]
    return Run(summarise(counts), len(pages) / elapsed if elapsed else 0.0, outputs, articles)


# --- Checks beyond the body -----------------------------------------------------------------

_URL_DAY = re.compile(r"/((?:19|20)\d\d)/(\d\d?)/(\d\d?)(?:/|$)|[-_/]((?:19|20)\d\d)-(\d\d)-(\d\d)")


def _url_day(url: str) -> tuple[int, int, int] | None:
    match = _URL_DAY.search(url)
    if not match:
        return None
    groups = [g for g in match.groups() if g]
    return int(groups[0]), int(groups[1]), int(groups[2])


def date_report(pages: Sequence[Page], articles: Iterable[Article | None]) -> list[str]:
    """Lines on date coverage and agreement with dates in URLs."""
    sources: Counter[str] = Counter()
    checked = agreeing = 0
    for page, article in zip(pages, articles, strict=True):
        if article is None:
            sources["(no article)"] += 1
            continue
        sources[article.published_source or "(none)"] += 1
        day = _url_day(page.url)
        if day is None or article.published is None or article.published_source == "url":
            continue
        checked += 1
        if abs((article.published.date() - date(*day)).days) <= 1:
            agreeing += 1
    found_any = sum(n for s, n in sources.items() if not s.startswith("("))
    lines = [
        f"date found on {found_any}/{len(pages)} pages; by source: "
        + ", ".join(f"{s}={n}" for s, n in sorted(sources.items())),
    ]
    if checked:
        lines.append(
            f"date read from the page vs the day in its URL: {agreeing}/{checked} within a day "
            f"({agreeing / checked:.1%})"
        )
    return lines


def language_report(pages: Sequence[Page], articles: Iterable[Article | None]) -> list[str]:
    """Lines on agreement with the dataset's detected languages."""
    total = agree = 0
    misses: Counter[tuple[str, str]] = Counter()
    for page, article in zip(pages, articles, strict=True):
        if not page.language or article is None:
            continue
        total += 1
        if article.language == page.language:
            agree += 1
        else:
            misses[(page.language, article.language or "-")] += 1
    if not total:
        return []
    detail = ", ".join(f"{a}->{b} x{n}" for (a, b), n in misses.most_common())
    return [
        f"language vs lang_detected.json: {agree}/{total} ({agree / total:.1%}); other: {detail}"
    ]


# --- Report ---------------------------------------------------------------------------------


def table(name: str, pages: Sequence[Page], mine: Run, baseline: Run) -> list[str]:
    """The comparison table for one dataset."""
    ratio = mine.pages_per_second / baseline.pages_per_second if baseline.pages_per_second else 0
    rows = [
        f"{name} ({len(pages)} pages)",
        f"  {'extractor':<22}{'precision':>10}{'recall':>10}{'F1':>10}{'pages/s':>10}",
    ]
    for label, result in (("wirecrawl extract", mine), ("trafilatura.extract", baseline)):
        s = result.scores
        rows.append(
            f"  {label:<22}{s.precision:>10.3f}{s.recall:>10.3f}{s.f1:>10.3f}"
            f"{result.pages_per_second:>10.1f}"
        )
    f1_ratio = mine.scores.f1 / baseline.scores.f1 if baseline.scores.f1 else 0.0
    rows.append(f"  ratio ours/trafilatura: F1 {f1_ratio:.3f}, speed {ratio:.2f}")
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Print the tables; exit 2 when the data is missing."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared folder")
    args = parser.parse_args(argv)
    if not (args.shared / "data" / "articles").is_dir():
        print(f"no test data at {args.shared / 'data' / 'articles'}", file=sys.stderr)
        return 2
    for name, loader in (
        ("article-extraction-benchmark", load_benchmark),
        ("daniel-ru", load_daniel),
    ):
        pages = loader(args.shared)
        mine = run(pages, ours)
        baseline = run(pages, plain_trafilatura)
        print("\n".join(table(name, pages, mine, baseline)))
        for line in date_report(pages, mine.articles) + language_report(pages, mine.articles):
            print(f"  {line}")
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
