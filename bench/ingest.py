"""End-to-end ingest: a 20,000-article loopback site crawled by `wirecrawl crawl`.

    python bench/ingest.py                                 # 20,000 articles; 0, 10k, 100k stored
    python bench/ingest.py --sizes 0,10000,100000,1000000  # and 1M (long: see BENCHMARKS.md)
    python bench/ingest.py --articles 2000 --sizes 0,10000 # a quick look
    python bench/ingest.py --prefilled 1000000=big.db      # a store made elsewhere (copied)

The site (bench/newssite.py) has 40 outlets with 8 section RSS feeds each and
article pages built from real text, about 10% reprints. Each measurement is
one `wirecrawl crawl --feeds site.opml --spider feeds` in a subprocess:
feeds -> pages -> extraction -> dedup -> SQLite, with the politeness delays
off (every host is the same local server) and 32 requests in flight, 2 per
host. Reported: articles per second (wall), CPU seconds per article (the
crawl process's user+sys from ``os.wait4``), and its peak RSS.

Then the same crawl into a store that already holds N other articles
(archive outlets, same generator, other seed), saved through
``Store.save_articles`` (the path `wirecrawl import` takes, so signatures,
bands and clusters are real). Prefilled stores are cached in --cache and
copied before each crawl. The ratio of each to the 10k figure is printed:
the target is >= 0.8.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from newssite import NewsSite, Story, build  # noqa: E402

from crawler.core.items import Article, Block  # noqa: E402
from storage import Store  # noqa: E402

#: Scrapy settings of every measured crawl (see the module docstring).
CRAWL_SETTINGS = [
    "DOWNLOAD_DELAY=0",
    "AUTOTHROTTLE_ENABLED=false",
    "CONCURRENT_REQUESTS=32",
    "CONCURRENT_REQUESTS_PER_DOMAIN=2",
    "LOG_LEVEL=WARNING",
]
#: Articles generated and saved per prefill step.
PREFILL_CHUNK = 20_000


@dataclass(frozen=True)
class Measurement:
    """One crawl of the site."""

    label: str
    articles: int
    wall: float
    cpu: float
    peak_rss_mib: float

    @property
    def rate(self) -> float:
        return self.articles / self.wall

    @property
    def cpu_per_article(self) -> float:
        return self.cpu / self.articles


def crawl(
    db: Path,
    site: NewsSite,
    opml: Path,
    label: str,
    extra: Sequence[str] = (),
    count: str = "articles_new",
) -> Measurement:
    """One `wirecrawl crawl` of every feed of the site into ``db``, measured.

    ``extra`` are more Scrapy settings; ``count`` is the run figure counted as articles.
    """
    args = [sys.executable, "-m", "crawler", "--db", str(db), "crawl", "--json"]
    args += ["--spider", "feeds", "--feeds", str(opml)]
    for setting in [*CRAWL_SETTINGS, *extra]:
        args += ["-s", setting]
    env = {**os.environ, "WIRECRAWL_PROXY": site.proxy_url}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=err)
        # wait4 gives the crawl process's own CPU time and peak RSS.
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise SystemExit(f"crawl failed ({process.returncode}):\n{err.read().decode()[-3000:]}")
        run = json.loads(out.read().decode().strip().splitlines()[-1])
    return Measurement(
        label,
        int(run[count] or 0),
        wall,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
    )


def story_article(story: Story) -> Article:
    """An archive article as the store would hold it."""
    return Article(
        title=story.title,
        body=tuple(Block(p) for p in story.paragraphs),
        url=story.url,
        outlet=story.outlet,
        published=story.published,
        published_precision="minute",
        language=story.language,
    )


def prefill(path: Path, size: int) -> Path:
    """A store holding ``size`` archive articles (grown from the next smaller cached one)."""
    if path.exists() or size == 0:
        return path
    smaller = sorted(
        (int(p.stem.split("-")[1]), p) for p in path.parent.glob("prefill-*.db") if p.exists()
    )
    base = [(n, p) for n, p in smaller if n < size]
    if base:
        shutil.copyfile(base[-1][1], path)
    started = time.perf_counter()
    with Store.open(path) as store:
        done = store.count("articles")
        while done < size:
            step = min(PREFILL_CHUNK, size - done)
            _, stories = build(step, seed=10_000 + done, outlets=60)
            articles = [
                story_article(dataclasses.replace(s, outlet=_archive(s.outlet, done)))
                for s in stories
            ]
            for start in range(0, len(articles), 500):
                store.save_articles(articles[start : start + 500])
            done += step
            rate = (done - (base[-1][0] if base else 0)) / (time.perf_counter() - started)
            print(f"  prefilled {done:,} ({rate:,.0f} articles/s)", file=sys.stderr)
    return path


def _archive(host: str, chunk: int) -> str:
    # Archive outlets never collide with the site's hosts (or between chunks).
    return host.replace("outlet-", f"archive{chunk // PREFILL_CHUNK}-")


def main() -> None:
    parser = argparse.ArgumentParser(description="end-to-end ingest benchmark")
    parser.add_argument("--articles", type=int, default=20_000, help="articles of the site")
    parser.add_argument("--sizes", default="0,10000,100000", help="store sizes before the crawl")
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "wirecrawl-bench",
        help="where prefilled stores are kept between runs",
    )
    parser.add_argument(
        "--prefilled",
        action="append",
        default=[],
        metavar="N=PATH",
        help="use this store as the one holding N articles (copied before the crawl)",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    given = {int(n): Path(p) for n, p in (item.split("=", 1) for item in args.prefilled)}
    args.cache.mkdir(parents=True, exist_ok=True)

    results: dict[int, Measurement] = {}
    with NewsSite(args.articles) as site, tempfile.TemporaryDirectory() as folder:
        opml = Path(folder) / "site.opml"
        opml.write_text(site.opml(), encoding="utf-8")
        print(
            f"site: {len(site.stories):,} articles, {len(site.outlets)} outlets, "
            f"{len(site.feed_urls)} feeds, "
            f"{sum(s.reprint_of is not None for s in site.stories):,} reprints\n"
        )
        for size in sizes:
            db = Path(folder) / f"crawl-{size}.db"
            source = given.get(size) or prefill(args.cache / f"prefill-{size}.db", size)
            if size:
                shutil.copyfile(source, db)
            label = f"store holding {size:,}" if size else "empty store"
            result = crawl(db, site, opml, label)
            results[size] = result
            print(
                f"{label:<24} {result.articles:>7,} articles {result.wall:>8.1f} s "
                f"{result.rate:>7.1f} articles/s "
                f"{result.cpu_per_article * 1000:>7.2f} ms CPU/article "
                f"peak RSS {result.peak_rss_mib:>6.0f} MiB",
                flush=True,
            )
            db.unlink()
    reference = results.get(10_000)
    if reference is not None:
        print()
        for size, result in results.items():
            if size > 10_000:
                ratio = result.rate / reference.rate
                # Articles per CPU second: the same ratio without the other processes
                # that share the machine's cores.
                cpu_ratio = reference.cpu_per_article / result.cpu_per_article
                verdict = "ok" if ratio >= 0.8 else "BELOW the 0.8 target"
                print(
                    f"ratio at {size:,} / at 10,000: {ratio:.2f} articles/s ({verdict}), "
                    f"{cpu_ratio:.2f} articles per CPU second"
                )


if __name__ == "__main__":
    main()
