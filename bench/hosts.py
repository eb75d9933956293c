"""Wall time of a first crawl of many hosts, each answering at once.

    python bench/hosts.py                       # 50 hosts, 160 pages, the default settings
    python bench/hosts.py --hosts 50 --pages 160 -s AUTOTHROTTLE_ENABLED=false

A loopback site serves ``--hosts`` made-up hosts, each with one RSS feed listing its share of
``--pages`` article pages; every answer is immediate. ``wirecrawl crawl`` polls every feed
once, with the crawl's own settings (AutoThrottle, the per-host limits, the download delay)
unless ``-s`` overrides them, and the wall time is set beside what those settings allow at
best: a host's requests run one after another, ``DOWNLOAD_DELAY`` apart (AutoThrottle starts
at ``AUTOTHROTTLE_START_DELAY``), while all hosts run at once up to ``CONCURRENT_REQUESTS``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.glue import settings as crawl_settings  # noqa: E402
from tests.loopback import LoopbackSite, page, rss  # noqa: E402


def build(site: LoopbackSite, hosts: int, pages: int) -> list[str]:
    """Feeds of ``hosts`` hosts sharing ``pages`` article pages; returns the feed URLs."""
    feeds = []
    for h in range(hosts):
        host = f"http://host{h}.example"
        mine = [p for p in range(pages) if p % hosts == h]
        items = [{"title": f"Story {p}", "link": f"{host}/news/{p}"} for p in mine]
        site.set(f"{host}/feed.xml", body=rss(f"Host {h}", items))
        for p in mine:
            text = [
                f"Story {p} of host {h}: the council of district {p} met on the harbour works, "
                f"item {p * 7}, and approved budget line {p * 13} for the coming season.",
                f"Officials of host {h} said the works on pier {p} would take {p % 9 + 2} months "
                f"and employ {p * 3 + 40} people from the district.",
            ]
            site.set(f"{host}/news/{p}", body=page(f"Story {p} of host {h}", text))
        feeds.append(f"{host}/feed.xml")
    return feeds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--pages", type=int, default=160)
    parser.add_argument("-s", dest="settings", action="append", default=[], help="NAME=VALUE")
    args = parser.parse_args()
    with LoopbackSite() as site, tempfile.TemporaryDirectory() as folder:
        feeds = build(site, args.hosts, args.pages)
        command = [sys.executable, "-m", "crawler", "--db", f"{folder}/hosts.db", "crawl"]
        command += ["--json", "--spider", "feeds"]
        for feed in feeds:
            command += ["--feeds", feed]
        for setting in ["LOG_LEVEL=WARNING", *args.settings]:
            command += ["-s", setting]
        env = {**os.environ, "WIRECRAWL_PROXY": site.proxy_url}
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"crawl failed:\n{done.stderr[-3000:]}")
        run = json.loads(done.stdout.strip().splitlines()[-1])
        requests = len(site.requests)
    chosen = dict(s.split("=", 1) for s in args.settings)
    delay = float(chosen.get("DOWNLOAD_DELAY", crawl_settings.DOWNLOAD_DELAY))
    throttled = chosen.get("AUTOTHROTTLE_ENABLED", str(crawl_settings.AUTOTHROTTLE_ENABLED))
    if throttled.lower() in ("1", "true", "yes", "on"):
        delay = max(delay, crawl_settings.AUTOTHROTTLE_START_DELAY)
    per_host = -(-requests // args.hosts)  # the busiest host's requests, robots.txt included
    print(
        f"{args.hosts} hosts, {run.get('pages_fetched')} pages, {run.get('articles_new')} new "
        f"articles, {requests} requests: {wall:.1f} s wall"
    )
    print(
        f"bound of the settings: {per_host} requests on the busiest host, {delay:.2f} s apart = "
        f"{per_host * delay:.1f} s, plus the process's start"
    )


if __name__ == "__main__":
    main()
