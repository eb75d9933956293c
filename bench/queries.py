"""Query speed on a large store: search, cluster listings, cluster pages, canned queries.

    python bench/make_store.py /tmp/bench-1m.db        # once: 1,000,000 articles
    python bench/queries.py /tmp/bench-1m.db           # then measure (writes nothing)
    python bench/queries.py /tmp/bench-1m.db --queries 300 --small /tmp/bench-10k.db

The store is opened read-only. Queries are drawn from the store itself (a
seeded sample of articles in Arabic, Russian and English):

- ``search word``: one word of a title, as typed (Arabic respelled: hamza
  dropped, final ى, a tatweel; Russian with ё; English capitalised), so the
  query is folded before it matches;
- ``search 2 words``: two neighbouring words of a title;
- ``search prefix``: the first five letters of a long word ("Москв"), which
  no word matches: the trigram tier answers;
- ``search filtered``: a word with ``--lang``, ``--outlet`` or ``--since`` (last week);
- ``clusters ...``: ``list_clusters`` as ``wirecrawl clusters list`` calls it,
  plain and with ``--wire``, ``--outlet``, ``--since``;
- ``cluster page``: one cluster with every copy compared to the canonical;
- the canned queries of the Datasette metadata.

Each figure is the wall-clock latency of one call on a warm cache (a first
pass over every kind is not counted). The baseline of the same run is a plain
``LIKE '%word%'`` scan of the folded title and body of 10,000 articles (what a
search without an index costs on a store a hundredth of the size); with
``--small`` the same queries also run on a small store built by
``make_store.py``, for the ratio between sizes.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.app.web import pages, plugin  # noqa: E402
from storage import Store, queries  # noqa: E402

#: Canned queries measured, with the parameters they take.
CANNED = ("newest_clusters", "biggest_clusters_24h", "reprint_timeline", "outlet_wire_share")


def _respell(word: str, language: str, rng: random.Random) -> str:
    """The word as a user might type it: another spelling that folds to the same word."""
    if language == "ar":
        if word.startswith("ا"):
            word = "أ" + word[1:]
        if word.endswith("ي"):
            word = word[:-1] + "ى"
        if len(word) > 4:
            middle = len(word) // 2
            word = word[:middle] + "ـ" + word[middle:]
        return word
    if language == "ru":
        return word.replace("е", "ё", 1) if rng.random() < 0.5 else word.capitalize()
    return word.capitalize()


class Workload:
    """Queries drawn from a store with a seeded random source."""

    def __init__(self, store: Store, count: int, seed: int) -> None:
        self.rng = random.Random(seed)
        conn = store.db.conn
        low, high = conn.execute("SELECT min(id), max(id) FROM articles").fetchone()
        self.titles: list[tuple[str, str, str]] = []
        while len(self.titles) < count:
            row = conn.execute(
                "SELECT title_folded, language, outlet FROM articles WHERE id >= ? LIMIT 1",
                [self.rng.randint(low, high)],
            ).fetchone()
            if row and row[0] and len(row[0].split()) >= 2:
                self.titles.append((row[0], row[1] or "", row[2] or ""))
        self.outlets = [r[0] for r in conn.execute("SELECT DISTINCT outlet FROM articles")]
        self.agencies = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT wire_agency FROM clusters WHERE wire_agency IS NOT NULL"
            )
        ]
        newest = conn.execute("SELECT max(published_at_utc) FROM articles").fetchone()[0]
        self.week_ago = (
            datetime.fromisoformat(newest.replace("Z", "+00:00")) - timedelta(days=7)
        ).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.cluster_ids = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM clusters WHERE size > 1 AND id >= ? ORDER BY id LIMIT 2000",
                [self.rng.randint(low, max(low, high - 50_000))],
            )
        ]

    def word(self, title: str, minimum: int = 4) -> str:
        words = [w for w in title.split() if len(w) >= minimum and not w.isdigit()]
        return self.rng.choice(words) if words else max(title.split(), key=len)

    def searches(self) -> dict[str, list[dict[str, Any]]]:
        """Keyword arguments of ``queries.search`` per kind of search."""
        out: dict[str, list[dict[str, Any]]] = {
            "search word": [],
            "search 2 words": [],
            "search prefix": [],
            "search filtered": [],
        }
        for title, language, outlet in self.titles:
            rng = self.rng
            out["search word"].append(
                {"query": _respell(self.word(title), language, rng), "limit": 20}
            )
            words = title.split()
            start = rng.randrange(len(words) - 1)
            out["search 2 words"].append({"query": " ".join(words[start : start + 2])})
            out["search prefix"].append({"query": self.word(title, 7)[:5]})
            choice = rng.randrange(3)
            filtered: dict[str, Any] = {"query": self.word(title)}
            if choice == 0:
                filtered["language"] = language
            elif choice == 1:
                filtered["outlet"] = outlet
            else:
                filtered["since"] = self.week_ago
            out["search filtered"].append(filtered)
        return out

    def listings(self) -> dict[str, list[dict[str, Any]]]:
        """Keyword arguments of ``queries.list_clusters`` per kind of listing."""
        n = len(self.titles)
        return {
            "clusters": [{}] * n,
            "clusters --wire": [{"wire": self.rng.choice(self.agencies)} for _ in range(n)],
            "clusters --outlet": [{"outlet": self.rng.choice(self.outlets)} for _ in range(n)],
            "clusters --since": [{"since": self.week_ago}] * n,
        }


def _measure(calls: list[Callable[[], object]], warm: int = 3) -> list[float]:
    for call in calls[:warm]:
        call()
    timings = []
    for call in calls:
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _report(label: str, timings: list[float]) -> float:
    timings = sorted(timings)
    median = statistics.median(timings)
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    print(f"{label:<28} {len(timings):>5} {median:>10.2f} {p95:>10.2f} {timings[-1]:>10.1f}")
    return median


def _fetch(conn: Any, sql: str, params: Any) -> list[Any]:
    return conn.execute(sql, params).fetchall()


def _canned(store: Store, workload: Workload) -> dict[str, list[Callable[[], object]]]:
    conn = store.db.conn
    # The functions the Datasette plugin registers; a function is not a write.
    conn.create_function("wirecrawl_match", 1, plugin.match, deterministic=True)
    sql = {name: q["sql"] for name, q in plugin.store_metadata()["queries"].items()}
    n = min(len(workload.titles), 30)
    rng = workload.rng
    calls: dict[str, list[Callable[[], object]]] = {
        name: [partial(_fetch, conn, sql[name], {"agency": ""})] * n for name in CANNED
    }
    calls["outlet_agency_reprints"] = [
        partial(
            _fetch,
            conn,
            sql["outlet_agency_reprints"],
            {"outlet": rng.choice(workload.outlets), "agency": rng.choice(workload.agencies)},
        )
        for _ in range(n)
    ]
    calls["search (canned)"] = [
        partial(_fetch, conn, sql["search"], {"query": workload.word(t)})
        for t, _, _ in workload.titles[:n]
    ]
    return calls


def _like_baseline(store: Store, workload: Workload, sample: int) -> list[float]:
    conn = store.db.conn
    low = conn.execute("SELECT min(id) FROM articles").fetchone()[0]
    scan = (
        "SELECT count(*) FROM articles WHERE id < ? AND (title_folded LIKE ? OR body_folded LIKE ?)"
    )
    calls: list[Callable[[], object]] = []
    for title, _, _ in workload.titles[: min(len(workload.titles), 30)]:
        pattern = f"%{workload.word(title)}%"
        calls.append(partial(_fetch, conn, scan, [low + sample, pattern, pattern]))
    return _measure(calls)


def run(path: Path, count: int, seed: int) -> dict[str, float]:
    """Median latency (ms) per kind of query on the store at ``path``."""
    medians: dict[str, float] = {}
    with Store.open(path, readonly=True) as store:
        articles = store.count("articles")
        workload = Workload(store, count, seed)
        print(f"\n{path}: {articles:,} articles, {store.count('clusters'):,} clusters")
        print(f"{'query':<28} {'runs':>5} {'median ms':>10} {'p95 ms':>10} {'max ms':>10}")
        for label, calls in workload.searches().items():
            medians[label] = _report(
                label,
                _measure([partial(queries.search, store, **kw) for kw in calls]),
            )
        for label, listing in workload.listings().items():
            medians[label] = _report(
                label,
                _measure([partial(queries.list_clusters, store, **kw) for kw in listing]),
            )
        medians["cluster page"] = _report(
            "cluster page",
            _measure(
                [
                    partial(pages.cluster_page, store, c)
                    for c in workload.rng.sample(
                        workload.cluster_ids, min(len(workload.cluster_ids), 30)
                    )
                ]
            ),
        )
        for label, canned in _canned(store, workload).items():
            medians[f"canned {label}"] = _report(f"canned {label}", _measure(canned))
        medians["baseline LIKE"] = _report(
            "baseline LIKE, 10k articles", _like_baseline(store, workload, 10_000)
        )
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description="query latency on a large store")
    parser.add_argument("path", type=Path, help="a store built by bench/make_store.py")
    parser.add_argument("--queries", type=int, default=200, help="queries of each kind")
    parser.add_argument("--small", type=Path, help="a small store to run the same kinds on")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the medians here")
    args = parser.parse_args()
    started = datetime.now(UTC)
    big = run(args.path, args.queries, args.seed)
    search_kinds = [k for k in big if k.startswith("search")]
    search = statistics.median([big[k] for k in search_kinds])
    listing = statistics.median([big[k] for k in big if k.startswith("clusters")])
    baseline = big["baseline LIKE"]
    print(f"\nsearch, median over kinds:       {search:8.2f} ms (target < 100 ms)")
    print(f"cluster listing, median over kinds: {listing:6.2f} ms (target < 100 ms)")
    print(f"ratio LIKE scan of 10k articles / search at full size: {baseline / search:.1f}x")
    if args.small:
        small = run(args.small, args.queries, args.seed)
        print("\nratio full size / small store (median latency):")
        for kind, value in big.items():
            if kind in small and small[kind] > 0:
                print(f"  {kind:<28} {value / small[kind]:6.2f}x")
    if args.json:
        record = {"store": str(args.path), "started": started.isoformat(), "medians_ms": big}
        args.json.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
