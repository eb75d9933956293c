"""Memory and CPU of loading a writer's band index from the stored signatures.

    python bench/band_memory.py --sizes 200000,1000000
    python bench/band_memory.py --sizes 20000 --dir /tmp/stores   # keep the stores there

For each size, a store holding that many signed articles is built (once: a
store already in ``--dir`` with that many signatures is reused). The rows go
straight into the real schema, made by ``Store.open`` and its migrations:
tiny article rows, and signatures of random values of the stored shape (128
little-endian uint32 for the body, 40 for the lede, two edge block records).
Like a real store, a few have no lede values (signed before ledes were) and a
few are too short to be indexed (below ``min_shingles``). Random values give
random band keys; the index's size and the cost of loading it do not depend
on which keys they are.

Each store is then opened in a fresh process, which loads the band index the
way a writer does on its first write (``ReprintIndex.band_index``) and reads
its own memory from ``/proc/self/status``:

- index size: the bytes of the index's arrays (``BandIndex.nbytes``);
- load peak: the process's resident high-water mark (``VmHWM``) after the
  load, less its resident memory (``VmRSS``) just before it: what the load
  added at its peak (an upper bound if the load never passed the mark the
  imports had already set);
- ratio: load peak / index size (the target is at most 2x);
- load CPU: CPU seconds of the load;
- whole open: the process's resident high-water mark, interpreter and
  imports included, and CPU seconds of ``Store.open`` plus the load (the
  budget for a million articles is 1.5 GiB and 5 s).

A fresh process per measurement: the high-water mark cannot be reset.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.core.dedup import DEFAULT_PARAMS, edge_dtype  # noqa: E402
from storage import Store  # noqa: E402

#: Rows written per executemany.
WRITE_CHUNK = 50_000
#: Share of signatures stored without lede values (signed by an older version).
NO_LEDE_SHARE = 0.05
#: Share of signatures too short to be indexed (fewer than ``min_shingles`` shingles).
SHORT_SHARE = 0.03
#: The targets: load peak / index size, and a million-article open.
TARGET_RATIO = 2.0
BUDGET_ARTICLES = 1_000_000
BUDGET_RSS = 1.5 * 2**30
BUDGET_CPU = 5.0

MIB = 2**20


def build_store(path: Path, articles: int, seed: int = 14) -> None:
    """Write ``articles`` article rows and their signatures into a new store at ``path``."""
    params = DEFAULT_PARAMS
    lede_width = params.lede_bands * params.lede_rows
    edges = np.dtype(edge_dtype(params.num_perm))
    rng = np.random.default_rng(seed)
    with Store.open(path) as store:
        conn = store.db.conn
        with store.transaction():
            # Batch-import mode: the search indexes are left out (nothing here searches).
            conn.execute("UPDATE deferred_search SET active = 1")
            for start in range(1, articles + 1, WRITE_CHUNK):
                ids = range(start, min(start + WRITE_CHUNK, articles + 1))
                n = len(ids)
                conn.executemany(
                    "INSERT INTO articles (id, key, content_hash, title, body) "
                    "VALUES (?, ?, ?, '', '[]')",
                    ((i, f"https://bench.example/{i}", f"{i:064x}") for i in ids),
                )
                body = rng.integers(0, 2**32, size=(n, params.num_perm), dtype=np.uint32)
                lede = rng.integers(0, 2**32, size=(n, lede_width), dtype=np.uint32)
                blocks = np.zeros((n, 2), dtype=edges)
                blocks["hash"] = rng.integers(-(2**62), 2**62, size=(n, 2))
                blocks["shingles"] = 12
                counts = rng.integers(params.min_shingles, 800, size=n)
                counts[rng.random(n) < SHORT_SHARE] = params.min_shingles - 1
                has_lede = rng.random(n) >= NO_LEDE_SHARE
                body_bytes = body.astype("<u4").tobytes()
                lede_bytes = lede.astype("<u4").tobytes()
                block_bytes = blocks.tobytes()
                b, le, bl = body.shape[1] * 4, lede.shape[1] * 4, 2 * edges.itemsize
                conn.executemany(
                    "INSERT INTO signatures (article_id, hashvalues, shingle_count, "
                    "lede_hashvalues, edge_blocks) VALUES (?, ?, ?, ?, ?)",
                    (
                        (
                            article_id,
                            body_bytes[row * b : (row + 1) * b],
                            int(counts[row]),
                            lede_bytes[row * le : (row + 1) * le] if has_lede[row] else None,
                            block_bytes[row * bl : (row + 1) * bl],
                        )
                        for row, article_id in enumerate(ids)
                    ),
                )
            conn.execute("UPDATE deferred_search SET active = 0")


def store_for(folder: Path, articles: int) -> Path:
    """The store of ``articles`` signatures in ``folder``, built if it is not there yet."""
    path = folder / f"band-memory-{articles}.db"
    if path.exists():
        with Store.open(path) as store:
            if store.count("signatures") == articles:
                return path
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    build_store(path, articles)
    print(
        f"built {path} ({articles:,} signatures) in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )
    return path


def _status(field: str) -> int:
    """A memory figure of this process from /proc/self/status, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def measure(path: Path) -> dict[str, Any]:
    """Open the store at ``path`` and load its band index: what it cost this process."""
    started = time.process_time()
    store = Store.open(path)
    before_rss, before_hwm = _status("VmRSS"), _status("VmHWM")
    load_started = time.process_time()
    bands = store.index.band_index()
    finished = time.process_time()
    after_hwm = _status("VmHWM")
    result = {
        "articles": store.count("signatures"),
        "entries": len(bands),
        "index_bytes": bands.nbytes,
        "load_peak_bytes": max(0, after_hwm - before_rss),
        "peak_is_bound": after_hwm == before_hwm,
        "load_cpu": finished - load_started,
        "process_hwm_bytes": after_hwm,
        "open_cpu": finished - started,
    }
    store.close()
    return result


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="200000,1000000", help="signed articles per store")
    parser.add_argument("--dir", type=Path, help="where the stores are kept (default: a temp dir)")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.dir or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        results = []
        for articles in sizes:
            path = store_for(folder, articles)
            child = subprocess.run(
                [sys.executable, __file__, "--measure", str(path)],
                check=True,
                capture_output=True,
                text=True,
            )
            results.append(json.loads(child.stdout))
    print(
        "| stored articles | index entries | index MiB | load peak above baseline MiB "
        "| ratio | load CPU s | whole open: peak RSS MiB | whole open: CPU s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        bound = "<= " if r["peak_is_bound"] else ""
        print(
            f"| {r['articles']:,} | {r['entries']:,} | {r['index_bytes'] / MIB:,.0f} "
            f"| {bound}{r['load_peak_bytes'] / MIB:,.0f} "
            f"| {r['load_peak_bytes'] / r['index_bytes']:.2f}x | {r['load_cpu']:.2f} "
            f"| {r['process_hwm_bytes'] / MIB:,.0f} | {r['open_cpu']:.2f} |"
        )
    print()
    for r in results:
        ratio = r["load_peak_bytes"] / r["index_bytes"]
        print(
            f"{r['articles']:,} articles: load peak {ratio:.2f}x the index's size, "
            f"target at most {TARGET_RATIO:.0f}x: {_verdict(ratio <= TARGET_RATIO)}"
        )
    million = [r for r in results if r["articles"] == BUDGET_ARTICLES]
    if not million:
        print(f"(no store of {BUDGET_ARTICLES:,} articles measured: its budget is not checked)")
    for r in million:
        ok = r["process_hwm_bytes"] < BUDGET_RSS and r["open_cpu"] < BUDGET_CPU
        print(
            f"{BUDGET_ARTICLES:,}-article open: peak RSS {r['process_hwm_bytes'] / 2**30:.2f} GiB "
            f"(budget {BUDGET_RSS / 2**30:.1f} GiB), CPU {r['open_cpu']:.2f} s "
            f"(budget {BUDGET_CPU:.0f} s): {_verdict(ok)}"
        )


if __name__ == "__main__":
    main()
