"""kill -9 at random moments loses nothing: the store ends as an uninterrupted crawl leaves it.

A loopback site of ten outlets reprinting each other's stories (150 pages,
served with small delays) is crawled by ``wirecrawl crawl --feeds ...`` in a
subprocess that is killed with SIGKILL at random moments (a seeded RNG: while
the store is created, while feeds are polled, while pages arrive and articles
are written), then started again, until 20 kills have happened and a crawl
has run to its end. After every kill the store must pass ``PRAGMA
integrity_check`` and ``consistency_problems()``; at the end it must hold
exactly the articles and reprint clusters of one uninterrupted crawl of the
same site, each article once, with nothing left pending.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storage import Store
from tests.hostile_site import (
    QUICK,
    ROOT,
    HostileSite,
    crawl,
    reprint_pages,
    reprint_site,
    rows,
)

pytestmark = pytest.mark.slow

OUTLETS = 10
PAGES_PER_OUTLET = 15
KILLS = 20
SEED = 20260302


def start(db: Path, proxy: str, feeds: list[str]) -> subprocess.Popen:
    args = [sys.executable, "-m", "crawler", "--db", str(db), "crawl", "--json", *QUICK]
    for feed in feeds:
        args += ["--feeds", feed]
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env={**os.environ, "WIRECRAWL_PROXY": proxy},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def page_requests(site: HostileSite) -> int:
    return sum(1 for r in site.requests if "/news/" in r.url)


def check_after_crash(db: Path) -> None:
    """What a store must be after any kill: intact and consistent."""
    with Store.open(db) as store:
        assert store.db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.consistency_problems() == []


def snapshot(db: Path) -> dict:
    """What two crawls of the same site must agree on."""
    with Store.open(db, readonly=True) as store:
        conn = store.db.conn
        articles = {
            key: (title, body, published)
            for key, title, body, published in conn.execute(
                "SELECT key, title, body_text, published_at FROM articles"
            )
        }
        clusters: dict[str, set[str]] = {}
        for key, canonical in conn.execute(
            "SELECT a.key, c.key FROM articles a JOIN articles c ON c.id = a.cluster_id"
        ):
            clusters.setdefault(canonical, set()).add(key)
        return {"articles": articles, "clusters": clusters}


def test_kill_9_at_random_moments_then_the_store_equals_an_uninterrupted_crawl(
    tmp_path: Path,
) -> None:
    rng = random.Random(SEED)
    killed_db, reference_db = tmp_path / "killed.db", tmp_path / "reference.db"
    with HostileSite() as site:
        feeds = reprint_site(site, OUTLETS, PAGES_PER_OUTLET)
        kills = completed = restarts = 0
        moments: list[str] = []
        while kills < KILLS or not completed:
            process = start(killed_db, site.proxy_url, feeds)
            restarts += 1
            if kills >= KILLS:
                _, err = process.communicate(timeout=180)
                assert process.returncode == 0, err[-3000:]
                completed += 1
                break
            # Where to strike: a quarter of the kills land while the process starts
            # (imports, opening and creating the store), the rest once pages flow.
            if rng.random() < 0.25:
                wait = rng.uniform(0.3, 3.0)
                deadline = time.monotonic() + wait
                while time.monotonic() < deadline and process.poll() is None:
                    time.sleep(0.01)
                moment = f"{wait:.2f} s after start"
            else:
                seen = page_requests(site)
                target = seen + rng.randint(0, 12)
                deadline = time.monotonic() + 60
                while (
                    page_requests(site) < target
                    and process.poll() is None
                    and time.monotonic() < deadline
                ):
                    time.sleep(0.005)
                time.sleep(rng.uniform(0, 0.25))
                moment = f"after {page_requests(site) - seen} page request(s)"
            if process.poll() is not None:
                # It finished before the blow: a complete crawl, then more kills.
                _, err = process.communicate()
                assert process.returncode == 0, err[-3000:]
                completed += 1
                continue
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=30)
            kills += 1
            moments.append(moment)
            check_after_crash(killed_db)
        crawl(reference_db, site.proxy_url, *feeds)

    assert kills >= KILLS and restarts >= KILLS + 1
    assert any("start" in m for m in moments) and any("page" in m for m in moments)
    killed, reference = snapshot(killed_db), snapshot(reference_db)
    assert len(reference["articles"]) == OUTLETS * PAGES_PER_OUTLET
    assert killed["articles"] == reference["articles"]
    assert killed["clusters"] == reference["clusters"]
    stories = {
        url.rsplit("/", 1)[1]
        for pages in reprint_pages(OUTLETS, PAGES_PER_OUTLET).values()
        for url, *_ in pages
    }
    assert len(reference["clusters"]) == len(stories)  # every story is one cluster
    check_after_crash(killed_db)
    (articles, keys, urls), *_ = rows(
        killed_db, "SELECT count(*), count(DISTINCT key), count(DISTINCT url) FROM articles"
    )
    assert articles == keys == urls == OUTLETS * PAGES_PER_OUTLET
    (signatures, clusters), *_ = rows(
        killed_db, "SELECT (SELECT count(*) FROM signatures), (SELECT count(*) FROM clusters)"
    )
    assert signatures == articles and clusters == len(stories)
    # The restarts carried every entry to its end: none is left pending.
    assert rows(killed_db, "SELECT count(*) FROM feed_entries WHERE status = 'pending'") == [(0,)]
