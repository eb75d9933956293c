"""Fetch + extraction throughput against trafilatura's own feed mode, on one loopback site.

    python bench/peers.py                       # the 20,000-article site of bench/ingest.py
    python bench/peers.py --articles 2000       # a quick look

The peer is trafilatura's command line in feed mode, the way its documentation
runs it over a list of feeds: ``trafilatura --feed -i feeds.txt --parallel 16
-o OUT --output-format json --with-metadata`` (it reads each feed with
``find_feed_urls``, downloads the links with its threaded downloader and
writes one JSON record with metadata per article). Its per-site wait is set
to 0 (``SLEEP_TIME``), as our politeness delays are, since every host is the
same local server. trafilatura reaches proxies only over SOCKS, so it talks
SOCKS5 to the site's port (``http_proxy=socks5h://...``).

Ours, on the same site and the same feeds:

- ``wirecrawl crawl, end to end``: feeds -> pages -> extraction -> dedup ->
  SQLite, exactly as bench/ingest.py measures it;
- ``wirecrawl crawl, no item pipelines``: the same crawl with
  ``-s ITEM_PIPELINES={}``, i.e. fetch + extraction (the feed state and fetch
  log are still written), the closer match to what trafilatura does.

Each runs in its own subprocess; CPU seconds are that process's user+sys
(``os.wait4``). Ratios are against trafilatura in the same run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ingest import Measurement, crawl  # noqa: E402
from newssite import NewsSite  # noqa: E402

TRAFILATURA_CONFIG = """[DEFAULT]
DOWNLOAD_TIMEOUT = 30
MAX_FILE_SIZE = 20000000
MIN_FILE_SIZE = 10
SLEEP_TIME = 0
USER_AGENTS =
COOKIE =
MAX_REDIRECTS = 2
SSRF_PROTECTION = on
INSECURE_SSL_FALLBACK = on
MIN_EXTRACTED_SIZE = 250
MIN_EXTRACTED_COMM_SIZE = 1
MIN_OUTPUT_SIZE = 1
MIN_OUTPUT_COMM_SIZE = 1
MAX_TREE_SIZE =
EXTENSIVE_DATE_SEARCH = on
EXTERNAL_URLS = off
"""


def trafilatura_feed_mode(site: NewsSite, folder: Path, threads: int) -> Measurement:
    """trafilatura's CLI over every feed of the site; articles are the JSON files it wrote."""
    feeds = folder / "feeds.txt"
    feeds.write_text("\n".join(site.feed_urls) + "\n", encoding="utf-8")
    config = folder / "trafilatura.cfg"
    config.write_text(TRAFILATURA_CONFIG, encoding="utf-8")
    out = folder / "trafilatura-out"
    command = Path(sys.executable).with_name("trafilatura")
    args = [str(command), "--feed", "-i", str(feeds), "--parallel", str(threads)]
    args += ["-o", str(out), "--output-format", "json", "--with-metadata"]
    args += ["--config-file", str(config)]
    port = site.proxy_url.rsplit(":", 1)[1]
    env = {**os.environ, "http_proxy": f"socks5h://127.0.0.1:{port}"}
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        process = subprocess.Popen(args, env=env, stdout=log, stderr=log)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode not in (0, 1):  # 1: some URLs gave nothing
            log.seek(0)
            raise SystemExit(f"trafilatura failed ({status}):\n{log.read().decode()[-3000:]}")
    written = sum(1 for _ in out.rglob("*.json")) if out.exists() else 0
    return Measurement(
        "trafilatura --feed",
        written,
        wall,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
    )


def show(result: Measurement) -> None:
    print(
        f"{result.label:<42} {result.articles:>7,} articles {result.wall:>8.1f} s "
        f"{result.rate:>7.1f} articles/s {result.cpu_per_article * 1000:>7.2f} ms CPU/article "
        f"peak RSS {result.peak_rss_mib:>5.0f} MiB",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="fetch + extraction vs trafilatura")
    parser.add_argument("--articles", type=int, default=20_000, help="articles of the site")
    parser.add_argument("--threads", type=int, default=16, help="trafilatura --parallel")
    args = parser.parse_args()
    with NewsSite(args.articles) as site, tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        opml = folder / "site.opml"
        opml.write_text(site.opml(), encoding="utf-8")
        print(f"site: {len(site.stories):,} articles, {len(site.feed_urls)} feeds\n")
        peer = trafilatura_feed_mode(site, folder, args.threads)
        show(peer)
        ours = crawl(folder / "full.db", site, opml, "wirecrawl crawl, end to end")
        show(ours)
        bare = crawl(
            folder / "bare.db",
            site,
            opml,
            "wirecrawl crawl, no item pipelines",
            extra=["ITEM_PIPELINES={}"],
            # Without pipelines nothing is stored: the pages extracted are counted.
            count="pages_fetched",
        )
        show(bare)
    print()
    for result in (ours, bare):
        print(
            f"{result.label}: {result.rate / peer.rate:.2f}x trafilatura's articles/s, "
            f"{peer.cpu_per_article / result.cpu_per_article:.2f}x its articles per CPU second"
        )


if __name__ == "__main__":
    main()
