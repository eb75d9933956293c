"""One process against workers + a store-writer over Redis, on one loopback site.

    python bench/scaleout.py                    # 5,000 articles; 1 and 2 workers
    python bench/scaleout.py --articles 20000 --workers 1,2,4

Runs `wirecrawl crawl` of every feed of bench/newssite.py's site, then the
same feeds through `wirecrawl store-writer` and N `wirecrawl worker --once`
processes with a Debian redis-server started on a free port of 127.0.0.1.
Reported per setup: wall seconds until the last article was stored, articles
per second, CPU seconds per article summed over every process of the setup
(crawl, or writer + workers; user+sys from ``os.wait4``), and whether the
clusters equal the single process's (as sets of article keys keyed by the
canonical's). Ratios are against the single process of the same run.

On one machine the workers share its cores with the writer, the site and
Redis, so this shows the overhead of the distributed path and that it stays
correct; the speed-up comes from adding machines.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import cast

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ingest import CRAWL_SETTINGS, crawl  # noqa: E402
from newssite import NewsSite  # noqa: E402

CLI = [sys.executable, "-m", "crawler"]
IDLE_EXIT = 3.0


def partition(db: Path) -> dict[str, frozenset[str]]:
    """Clusters as sets of article keys, keyed by the canonical's key."""
    conn = sqlite3.connect(db)
    clusters: dict[str, set[str]] = {}
    query = "SELECT a.key, c.key FROM articles a JOIN articles c ON c.id = a.cluster_id"
    for key, canonical in conn.execute(query):
        clusters.setdefault(canonical, set()).add(key)
    conn.close()
    return {k: frozenset(v) for k, v in clusters.items()}


def redis_server(folder: Path) -> tuple[subprocess.Popen, str]:
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    args = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    args += ["--appendonly", "no", "--dir", str(folder)]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    return process, f"redis://127.0.0.1:{port}/0"


def distributed(
    site: NewsSite, folder: Path, workers: int
) -> tuple[float, float, int, dict[str, frozenset[str]]]:
    """Wall seconds, CPU seconds, articles and clusters of a writer and ``workers`` workers."""
    db = folder / f"workers-{workers}.db"
    env = {**os.environ, "WIRECRAWL_PROXY": site.proxy_url}
    add = [sys.executable, "-m", "crawler", "--db", str(db), "feeds", "add", "--no-check"]
    subprocess.run(
        [*add, *site.feed_urls],
        check=True,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    redis, url = redis_server(folder)
    settings = [item for setting in CRAWL_SETTINGS for item in ("-s", setting)]
    try:
        started = time.perf_counter()
        command = [*CLI, "--db", str(db), "store-writer", "--redis", url, "--json"]
        writer = subprocess.Popen(
            [*command, "--idle-exit", str(IDLE_EXIT)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
        )
        crawlers = [
            subprocess.Popen(
                [*CLI, "worker", "--redis", url, "--once", "--spider", "feeds", *settings],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
            )
            for _ in range(workers)
        ]
        cpu = 0.0
        for process in [*crawlers, writer]:
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            cpu += usage.ru_utime + usage.ru_stime
            if process.returncode != 0:
                raise SystemExit(
                    f"{list(cast(list[str], process.args))[3:5]} failed ({process.returncode})"
                )
        wall = time.perf_counter() - started - IDLE_EXIT
        assert writer.stdout is not None
        report = json.loads(writer.stdout.read().decode().strip().splitlines()[-1])
    finally:
        redis.terminate()
        redis.wait()
    return wall, cpu, int(report["articles_new"]), partition(db)


def main() -> None:
    parser = argparse.ArgumentParser(description="one process vs workers + a store-writer")
    parser.add_argument("--articles", type=int, default=5000, help="articles of the site")
    parser.add_argument("--workers", default="1,2", help="worker counts to run (comma list)")
    args = parser.parse_args()
    with NewsSite(args.articles) as site, tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        opml = folder / "site.opml"
        opml.write_text(site.opml(), encoding="utf-8")
        print(f"site: {len(site.stories):,} articles, {len(site.feed_urls)} feeds\n")
        single = crawl(folder / "single.db", site, opml, "wirecrawl crawl (one process)")
        reference = partition(folder / "single.db")
        rows = [(single.label, single.wall, single.cpu, single.articles, True)]
        for count in [int(n) for n in args.workers.split(",") if n]:
            wall, cpu, articles, clusters = distributed(site, folder, count)
            label = f"store-writer + {count} worker(s)"
            rows.append((label, wall, cpu, articles, clusters == reference))
        for label, wall, cpu, articles, same in rows:
            print(
                f"{label:<32} {articles:>7,} articles {wall:>7.1f} s "
                f"{articles / wall:>7.1f} articles/s {cpu / articles * 1000:>7.2f} ms CPU/article "
                f"(all processes)  clusters {'= one process' if same else 'DIFFER'}"
            )
        print()
        base = single.articles / single.wall
        for label, wall, _, articles, _ in rows[1:]:
            print(f"{label}: {articles / wall / base:.2f}x the one process's articles/s")


if __name__ == "__main__":
    main()
