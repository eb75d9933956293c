"""Speed of the whole dedup stage against datasketch pipelines measured in the same run.

    python bench/dedup.py                       # 3,000 documents, index sizes 10k and 50k
    python bench/dedup.py --docs 5000 --sizes 10000,200000

Every pipeline sees the same ~500-word documents (walked from a word-bigram
model of the real test texts in ../shared when present, else of the demo
site: see bench/corpus.py; one in ten is an edited reprint of an earlier one)
and does the same job: normalise,
shingle (word 4-grams), sign (128 permutations), query the LSH index (42 bands
x 3 rows), verify, insert.

- ``datasketch update()``: the idiomatic pipeline: one ``MinHash.update`` call
  per shingle, ``MinHashLSH.query`` then ``insert`` (in memory).
- ``datasketch bulk+xxh``: the best datasketch pipeline we know: ``MinHash.bulk``
  with an xxhash hash function, ``MinHashLSH`` in memory.
- ``rensa`` (optional, ``pip install 'wirecrawl[bench]'``): rensa's Rust
  MinHash, ``RMinHash.from_token_sets`` per batch of documents and its own
  ``RMinHashLSH`` query then insert. rensa needs the permutations to divide
  evenly into bands, so it signs with 126 permutations for the same 42 x 3
  bands (ours use 126 of their 128 values for those bands too). Skipped with
  a note when rensa is not installed.
- ``wirecrawl``: our stage as `wirecrawl import` runs it, inside a real
  import into the SQLite store (commits every 500): fold and hash the words
  (``dedup.prepare_many``), n-grams, signatures and band keys for the batch
  (``ReprintIndex.begin_batch``), boilerplate counts, candidate query and
  verification (``ReprintIndex.plan``), and the index insert: signature,
  band keys, cluster rows (``ReprintIndex.complete``), and the batch's outlet
  block counts (``ReprintIndex.end_batch``). The stage's time is the CPU
  time spent inside those calls, read around each
  call; the article row and its search indexes are written between them and
  are the store's cost, not the stage's (``bench/ingest.py`` measures the
  whole). The full ingest's rate is printed beside it.

Costs paid once per process (building the fold's character table, about
0.2 s) are paid before the clocks start. Before each clock starts, the
garbage of the previous pipeline is collected and the objects alive then
(the documents themselves) are frozen out of the collector's sight, as an
import holds one batch at a time; the collector still runs during each
pipeline, as it would in use. Each figure is documents per
second of one thread (CPU time of this process, which is single-threaded).
Ratios are against the baselines of the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import xxhash  # noqa: E402
from datasketch import MinHash, MinHashLSH  # noqa: E402

from bench.corpus import make_documents  # noqa: E402
from crawler.core import dedup  # noqa: E402
from crawler.core.items import Article  # noqa: E402
from crawler.core.text import normalise  # noqa: E402
from storage import Store  # noqa: E402
from storage.reprints import ReprintIndex  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
PARAMS = dedup.DEFAULT_PARAMS


def _shingles(text: str) -> list[str]:
    words = normalise(text).split()
    return [" ".join(words[i : i + 4]) for i in range(max(1, len(words) - 3))]


def settle() -> None:
    """Collect the last pipeline's garbage; keep what lives now out of the collector's sight.

    An import holds one batch of articles at a time; this benchmark holds
    thousands of documents, which would make each of Python's full
    collections during a pipeline slower than in use.
    """
    gc.collect()
    gc.freeze()


def datasketch_update(docs: list[Article]) -> float:
    """Idiomatic datasketch: update() per shingle, MinHashLSH query + insert."""
    lsh = MinHashLSH(num_perm=128, params=(PARAMS.bands, PARAMS.rows))
    settle()
    started = time.process_time()
    for number, doc in enumerate(docs):
        minhash = MinHash(num_perm=128)
        for shingle in _shingles(doc.body_text):
            minhash.update(shingle.encode("utf-8"))
        for key in lsh.query(minhash):
            lsh.keys  # noqa: B018 - a verification step would read the candidate here
            del key
        lsh.insert(number, minhash)
    return time.process_time() - started


def _xxh32(data: bytes) -> int:
    return xxhash.xxh32_intdigest(data)


def datasketch_bulk(docs: list[Article]) -> float:
    """The best datasketch pipeline: MinHash.bulk with xxhash, MinHashLSH query + insert."""
    lsh = MinHashLSH(num_perm=128, params=(PARAMS.bands, PARAMS.rows))
    settle()
    started = time.process_time()
    for first in range(0, len(docs), 256):
        batch = docs[first : first + 256]
        shingle_sets = [[s.encode("utf-8") for s in _shingles(d.body_text)] for d in batch]
        minhashes = MinHash.bulk(shingle_sets, num_perm=128, hashfunc=_xxh32)
        for offset, minhash in enumerate(minhashes):
            for key in lsh.query(minhash):
                del key
            lsh.insert(first + offset, minhash)
    return time.process_time() - started


def rensa_pipeline(docs: list[Article]) -> float | None:
    """rensa's RMinHash (batch constructor) and RMinHashLSH query + insert; None without rensa."""
    try:
        from rensa import RMinHash, RMinHashLSH
    except ImportError:
        return None
    lsh = RMinHashLSH(threshold=0.5, num_perm=126, num_bands=PARAMS.bands)
    settle()
    started = time.process_time()
    for first in range(0, len(docs), 256):
        batch = docs[first : first + 256]
        minhashes = RMinHash.from_token_sets(
            [_shingles(d.body_text) for d in batch], num_perm=126, seed=PARAMS.seed
        )
        for offset, minhash in enumerate(minhashes):
            for key in lsh.query(minhash):
                del key
            lsh.insert(first + offset, minhash)
    return time.process_time() - started


def full_ingest(store: Store, docs: list[Article]) -> float:
    """What ``wirecrawl import`` does: rows, search index and the dedup stage, commits every 500."""
    started = time.process_time()
    for first in range(0, len(docs), 500):
        store.save_articles(docs[first : first + 500])
    return time.process_time() - started


#: The calls that make up the dedup stage (see the module docstring).
STAGE_CALLS = [
    (dedup, "prepare_many"),
    (ReprintIndex, "begin_batch"),
    (ReprintIndex, "plan"),
    (ReprintIndex, "complete"),
    (ReprintIndex, "end_batch"),
]


@contextlib.contextmanager
def stage_clock() -> Iterator[list[float]]:
    """Count the CPU seconds spent inside the stage's calls (a one-item list)."""
    spent = [0.0]
    originals = [(owner, name, getattr(owner, name)) for owner, name in STAGE_CALLS]

    def timed(function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[0] += time.process_time() - started

        return wrapper

    for owner, name, function in originals:
        setattr(owner, name, timed(function))
    try:
        yield spent
    finally:
        for owner, name, function in originals:
            setattr(owner, name, function)


def stage(name: str, docs: list[Article], store: Store) -> float:
    """CPU seconds of the dedup stage while ``docs`` are imported into ``store``."""
    settle()
    with stage_clock() as spent:
        full = full_ingest(store, docs)
    share = f"the stage {spent[0]:.2f} s of {full:.2f} s"
    print(f"  ({name}: full ingest {len(docs) / full:,.0f} docs/s, {share})")
    return spent[0]


def rate(label: str, docs: int, seconds: float) -> float:
    per_second = docs / seconds
    print(f"{label:<34} {docs:>7} docs {seconds:>8.2f} s CPU {per_second:>9,.0f} docs/s")
    return per_second


def fill(store: Store, size: int, seed: int) -> None:
    """Grow the store to ``size`` articles through the same path."""
    done = store.count("articles")
    while done < size:
        step = min(20_000, size - done)
        full_ingest(store, make_documents(step, seed + done, start=1_000_000 + done))
        done += step
        print(f"  filled {done:,}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description="dedup stage speed vs datasketch")
    parser.add_argument("--docs", type=int, default=3000, help="documents per measurement")
    parser.add_argument(
        "--sizes", default="10000,50000", help="index sizes for the growth check (comma list)"
    )
    parser.add_argument(
        "--baseline-docs", type=int, default=1000, help="documents for the slow update() baseline"
    )
    args = parser.parse_args()

    docs = make_documents(args.docs, seed=1)
    # Once per process, not per document: the fold's table of every character.
    dedup.prepare(["warm up"])
    words = sum(len(d.body_text.split()) for d in docs) / len(docs)
    print(f"documents: {len(docs)} of {words:.0f} words on average\n")
    slow = rate(
        "datasketch update() + LSH",
        args.baseline_docs,
        datasketch_update(docs[: args.baseline_docs]),
    )
    bulk = rate("datasketch bulk+xxh32 + LSH", len(docs), datasketch_bulk(docs))
    rensa_seconds = rensa_pipeline(docs)
    rust = None
    if rensa_seconds is None:
        print("rensa + RMinHashLSH                (skipped: rensa is not installed)")
    else:
        rust = rate("rensa + RMinHashLSH", len(docs), rensa_seconds)
    with tempfile.TemporaryDirectory() as folder, Store.open(Path(folder) / "e.db") as empty:
        ours = rate("wirecrawl stage (empty index)", len(docs), stage("empty", docs, empty))
    print(f"\nratio wirecrawl / datasketch update():  {ours / slow:6.1f}x")
    print(f"ratio wirecrawl / datasketch bulk+xxh:  {ours / bulk:6.1f}x")
    if rust is not None:
        print(f"ratio wirecrawl / rensa:                {ours / rust:6.1f}x")

    sizes = [int(s) for s in args.sizes.split(",") if s]
    if sizes:
        print("\nindex growth (the next documents, with the store already holding N):")
        figures = {}
        with tempfile.TemporaryDirectory() as folder, Store.open(Path(folder) / "g.db") as store:
            for size in sizes:
                fill(store, size, seed=7)
                probe = make_documents(args.docs, seed=size, start=5_000_000 + size)
                seconds = stage(f"at-{size}", probe, store)
                figures[size] = rate(f"wirecrawl stage at {size:,}", len(probe), seconds)
        for size in sizes[1:]:
            print(f"ratio at {size:,} / at {sizes[0]:,}: {figures[size] / figures[sizes[0]]:.2f}")


if __name__ == "__main__":
    main()
