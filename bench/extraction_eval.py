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

Dates and headlines, same run, same inputs, against trafilatura with its own date search
(htmldate, ``extensive_search`` and ``original_date`` on):

* **date accuracy** is the share of pages whose date falls within a day of the page's known
  day; a page left undated counts as wrong. On DAnIEL the day is in each file's name (the day
  the corpus collected the page); both extractors are told the page was fetched at 23:00 UTC
  that day (relative dates such as "Сегодня, 15:33" need it, and neither may date a page
  after it). On the benchmark the known day is the one its URL carries, where it carries one.
* **title accuracy** is the share of DAnIEL pages whose title has exactly the words (case and
  punctuation aside) of the reference's first paragraph, on pages where that paragraph is a
  headline (at most 200 characters). The benchmark has no headlines in its ground truth.

The language check compares ``Article.language`` with the dataset's ``lang_detected.json``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from time import perf_counter as time_counter

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
#: A reference's first paragraph longer than this is text, not a headline.
HEADLINE_MAX_CHARS = 200

_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True)
class Page:
    """One labelled page."""

    name: str
    html: bytes
    url: str
    reference: str
    language: str = ""
    #: The page's known day (DAnIEL: its file name; the benchmark: its URL), if any.
    day: date | None = None
    #: The headline as the ground truth gives it, if it gives one.
    headline: str = ""
    #: When the page is taken to have been fetched (anchors relative dates), if known.
    fetched_at: datetime | None = None


@dataclass(frozen=True)
class Output:
    """What one extractor made of one page."""

    text: str
    published: date | None = None
    title: str = ""
    article: Article | None = None


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
    outputs: list[Output]

    @property
    def articles(self) -> list[Article | None]:
        """Our records (None for the baseline and for pages we refused)."""
        return [output.article for output in self.outputs]


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
        url = item.get("url", "")
        day = _url_day(url)
        pages.append(
            Page(
                name,
                html,
                url,
                item.get("articleBody", ""),
                language,
                day=date(*day) if day is not None else None,
            )
        )
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
        day = datetime.strptime(path.name[:8], "%Y%m%d").date()
        text = _reference_text(reference)
        first = text.split("\n", 1)[0]
        pages.append(
            Page(
                path.name,
                path.read_bytes(),
                f"http://{host}/",
                text,
                day=day,
                headline=first if len(first) <= HEADLINE_MAX_CHARS else "",
                fetched_at=datetime.combine(day, time(23, 0), tzinfo=UTC),
            )
        )
    return pages


# --- Extractors -----------------------------------------------------------------------------


def ours(page: Page) -> Output:
    """wirecrawl's ``extract``: the body blocks joined, empty when it raises."""
    try:
        article = extract(page.html, page.url, ExtractOptions(fetched_at=page.fetched_at))
    except WirecrawlError:
        return Output("")
    published = article.published.date() if article.published is not None else None
    return Output(article.body_text, published, article.title, article)


def plain_trafilatura(page: Page) -> Output:
    """trafilatura with its defaults and its own date search (htmldate): the baseline."""
    import trafilatura  # the baseline under test, imported here only

    search: dict[str, object] = {"extensive_search": True, "original_date": True}
    if page.fetched_at is not None:
        search["max_date"] = page.fetched_at.date().isoformat()
    document = trafilatura.bare_extraction(
        page.html, url=page.url or None, with_metadata=True, date_extraction_params=search
    )
    if document is None:
        return Output("")
    text = getattr(document, "text", None) or ""
    found = getattr(document, "date", None)
    try:
        published = date.fromisoformat(found[:10]) if found else None
    except ValueError:
        published = None
    return Output(text, published, getattr(document, "title", None) or "")


def run(pages: Sequence[Page], extractor: Callable[[Page], Output]) -> Run:
    """Run one extractor over the pages; score and time it."""
    outputs: list[Output] = []
    started = time_counter()
    for page in pages:
        outputs.append(extractor(page))
    elapsed = time_counter() - started
    counts = [page_counts(p.reference, out.text) for p, out in zip(pages, outputs, strict=True)]
    return Run(summarise(counts), len(pages) / elapsed if elapsed else 0.0, outputs)


# --- Checks beyond the body -----------------------------------------------------------------

_URL_DAY = re.compile(r"/((?:19|20)\d\d)/(\d\d?)/(\d\d?)(?:/|$)|[-_/]((?:19|20)\d\d)-(\d\d)-(\d\d)")


def _url_day(url: str) -> tuple[int, int, int] | None:
    match = _URL_DAY.search(url)
    if not match:
        return None
    groups = [g for g in match.groups() if g]
    return int(groups[0]), int(groups[1]), int(groups[2])


@dataclass(frozen=True)
class Accuracy:
    """How many of the pages that can be checked came out right."""

    right: int
    checked: int

    @property
    def share(self) -> float:
        """``right / checked`` (0 when nothing could be checked)."""
        return self.right / self.checked if self.checked else 0.0

    def __str__(self) -> str:
        return f"{self.right}/{self.checked} ({self.share:.1%})"


def date_accuracy(pages: Sequence[Page], outputs: Sequence[Output]) -> Accuracy:
    """Pages dated within a day of their known day, of the pages with a known day."""
    right = checked = 0
    for page, output in zip(pages, outputs, strict=True):
        if page.day is None:
            continue
        checked += 1
        right += output.published is not None and abs((output.published - page.day).days) <= 1
    return Accuracy(right, checked)


def _title_words(text: str) -> list[str]:
    return _TOKEN.findall(text.casefold())


def title_accuracy(pages: Sequence[Page], outputs: Sequence[Output]) -> Accuracy:
    """Pages whose title has the reference headline's words, of the pages that give one."""
    right = checked = 0
    for page, output in zip(pages, outputs, strict=True):
        if not page.headline:
            continue
        checked += 1
        right += bool(output.title) and _title_words(output.title) == _title_words(page.headline)
    return Accuracy(right, checked)


def date_report(pages: Sequence[Page], articles: Iterable[Article | None]) -> list[str]:
    """Lines on where our dates came from."""
    sources: Counter[str] = Counter()
    for article in articles:
        if article is None:
            sources["(no article)"] += 1
        else:
            sources[article.published_source or "(none)"] += 1
    found_any = sum(n for s, n in sources.items() if not s.startswith("("))
    return [
        f"date found on {found_any}/{len(pages)} pages; by source: "
        + ", ".join(f"{s}={n}" for s, n in sorted(sources.items())),
    ]


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
        f"  {'extractor':<22}{'precision':>10}{'recall':>10}{'F1':>10}{'pages/s':>10}"
        f"{'dates':>18}{'titles':>18}",
    ]
    titled = any(page.headline for page in pages)
    for label, result in (("wirecrawl extract", mine), ("trafilatura", baseline)):
        s = result.scores
        dates = str(date_accuracy(pages, result.outputs))
        titles = str(title_accuracy(pages, result.outputs)) if titled else "-"
        rows.append(
            f"  {label:<22}{s.precision:>10.3f}{s.recall:>10.3f}{s.f1:>10.3f}"
            f"{result.pages_per_second:>10.1f}{dates:>18}{titles:>18}"
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
