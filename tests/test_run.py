"""`wirecrawl run`: hours of scheduled polling on a fast clock, stops, crashes and the lock.

The crawler runs in a subprocess on an accelerated clock (``--clock
accelerated:SPEED:START:ORIGIN``); the loopback site reads the same clock, so
its feeds publish at their own simulated pace while hours pass in seconds.
"""

from __future__ import annotations

import itertools
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.core.clock import AcceleratedClock
from storage import Store
from tests.loopback import LoopbackSite, Reply, page, rss

ROOT = Path(__file__).resolve().parents[1]
QUIET = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "LOG_LEVEL=WARNING"]
T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)

pytestmark = pytest.mark.slow


def start_run(db: Path, proxy: str, *extra: str, clock: str = "system") -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "crawler", "--db", str(db), "run", *QUIET, *extra],
        cwd=ROOT,
        env={**os.environ, "WIRECRAWL_PROXY": proxy, "WIRECRAWL_CLOCK": clock},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


_TOPICS = ["harbour", "railway", "museum", "library", "orchard", "bridge", "stadium", "airport"]


def story(n: int) -> list[str]:
    """Invented paragraphs; different numbers give different stories."""
    topic = f"{_TOPICS[n % len(_TOPICS)]} {n}"
    return [
        f"Works on the {topic} project reached stage {i} this week: crews number {n * 7 + i} "
        f"poured {n * 13 + i} tonnes of concrete while inspectors {n}-{i} checked the "
        f"{topic} foundations and signed report {n * 100 + i}."
        for i in range(1, 4)
    ]


def polls(db: Path) -> dict[str, list[tuple[datetime, str]]]:
    """Feed URL -> [(simulated fetch time, outcome)] from the fetch log."""
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT url, fetched_at, outcome FROM fetch_log WHERE kind = 'feed' ORDER BY id"
    ).fetchall()
    conn.close()
    out: dict[str, list[tuple[datetime, str]]] = {}
    for url, fetched, outcome in rows:
        out.setdefault(url, []).append((datetime.fromisoformat(fetched), outcome))
    return out


def gaps(times: list[tuple[datetime, str]]) -> list[float]:
    """Minutes between consecutive polls."""
    return [(b[0] - a[0]).total_seconds() / 60 for a, b in itertools.pairwise(times)]


def test_hours_of_scheduled_polling(tmp_path: Path) -> None:
    """Five simulated hours over feeds that change at different rates and fail differently."""
    speed = 360.0  # one real second is six simulated minutes
    clock = AcceleratedClock(speed, T0, time.time() + 2.0)
    db = tmp_path / "run.db"
    feeds = {
        "busy": "http://busy.example/feed.xml",  # a new item every 3 minutes
        "quiet": "http://quiet.example/feed.xml",  # nothing new
        "ttl": "http://ttl.example/feed.xml",  # nothing new, asks for <ttl>120</ttl>
        "flaky": "http://flaky.example/feed.xml",  # 500 every time
        "missing": "http://missing.example/feed.xml",  # 404 every time
        "gone": "http://gone.example/feed.xml",  # 410 Gone
        "limited": "http://limited.example/feed.xml",  # 429, Retry-After one hour
    }

    def busy(_: object) -> Reply:
        minutes = int((clock.now() - T0).total_seconds() // 60)
        newest = minutes // 3
        items = [
            {"title": f"Busy {k}", "link": f"http://busy.example/a{k}", "guid": f"b{k}"}
            for k in range(newest, max(-1, newest - 10), -1)
        ]
        body = rss("Busy", items)
        return Reply(200, body, {"ETag": f'"{newest}"'})

    with LoopbackSite() as site:
        site.set(feeds["busy"], busy)
        site.set(
            feeds["quiet"], body=rss("Quiet", [{"title": "Old", "link": "http://quiet.example/o"}])
        )
        site.set(
            feeds["ttl"],
            body=rss("Ttl", [{"title": "T", "link": "http://ttl.example/t"}], ttl="120"),
        )
        site.set(feeds["flaky"], status=500, body=b"oops")
        site.set(feeds["missing"], status=404, body=b"no such feed")
        site.set(feeds["gone"], status=410, body=b"gone for good")
        site.set(feeds["limited"], status=429, body=b"slow down", headers={"Retry-After": "3600"})
        for host in ("busy", "quiet", "ttl"):
            for k in range(200):
                site.set(f"http://{host}.example/a{k}", body=page(f"{host} {k}", story(k)))
            site.set(f"http://{host}.example/o", body=page("old", story(999)))
            site.set(f"http://{host}.example/t", body=page("ttl", story(998)))
        with Store.open(db) as store:
            for url in feeds.values():
                store.add_feed(url)
        process = start_run(db, site.proxy_url, "-s", "RETRY_TIMES=0", clock=clock.spec)
        # Run until five simulated hours have passed.
        while clock.now() < T0 + timedelta(hours=5):
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "pass 1 " in err  # one log line per pass
    log = polls(db)
    # The busy feed is polled ever more often, down toward the 5-minute floor.
    busy_gaps = gaps(log[feeds["busy"]])
    assert len(busy_gaps) >= 8
    assert busy_gaps[-1] < busy_gaps[0] * 0.75
    assert min(busy_gaps) >= 4.5
    # The quiet feed is polled ever less often.
    quiet_gaps = gaps(log[feeds["quiet"]])
    assert quiet_gaps[-1] > quiet_gaps[0] * 1.25
    # <ttl>120</ttl>: never polled again within two hours.
    assert all(g >= 119 for g in gaps(log[feeds["ttl"]]))
    # 500s back off 1 h, 2 h, 4 h (±10% jitter), never faster.
    flaky = gaps(log[feeds["flaky"]])
    assert 2 <= len(flaky) + 1 <= 4
    assert 54 <= flaky[0] <= 80 and flaky[1] >= 1.8 * flaky[0] * 0.9
    # 404 is permanent: 2 h, then 8 h.
    missing = gaps(log[feeds["missing"]])
    assert len(missing) == 1 and 108 <= missing[0] <= 140
    # 410 Gone: dead after the first poll, still listed, re-checked only a day later.
    assert len(log[feeds["gone"]]) == 1
    # 429 with Retry-After: exactly an hour between polls (plus the pass's own latency).
    limited = gaps(log[feeds["limited"]])
    assert len(limited) >= 3 and all(59.9 <= g <= 70 for g in limited)
    with Store.open(db, readonly=True) as store:
        state = {row["url"]: row for row in store.db.query("SELECT * FROM feeds")}
        assert state[feeds["gone"]]["dead"] == 1
        assert state[feeds["flaky"]]["error_streak"] >= 2
        assert state[feeds["busy"]]["articles_stored"] >= 40
        assert store.consistency_problems() == []
        duplicates = store.db.conn.execute(
            "SELECT count(*) - count(DISTINCT url) FROM articles"
        ).fetchone()[0]
        assert duplicates == 0


def slow_site(site: LoopbackSite, count: int, delay: float) -> str:
    """A feed of ``count`` entries whose pages each take ``delay`` seconds."""
    feed = "http://slow.example/feed.xml"
    site.set(
        feed,
        body=rss(
            "Slow",
            [{"title": f"Slow {k}", "link": f"http://slow.example/a{k}"} for k in range(count)],
        ),
    )
    for k in range(count):
        body = page(f"Slow {k}", story(k))

        def answer(_: object, body: bytes = body) -> Reply:
            time.sleep(delay)
            return Reply(200, body)

        site.set(f"http://slow.example/a{k}", answer)
    return feed


def add_slow_feed(db: Path, site: LoopbackSite, count: int, delay: float) -> None:
    """Add ``slow_site``'s feed to the store at ``db``."""
    with Store.open(db) as store:
        store.add_feed(slow_site(site, count, delay))


def wait_for_pages(site: LoopbackSite, count: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(1 for r in site.requests if "/a" in r.url) >= count:
            return
        time.sleep(0.05)
    raise AssertionError("the crawl did not reach the article pages")


def _articles(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
    finally:
        conn.close()


def _group(articles: int, seconds: float) -> list[str]:
    return [
        "-s",
        f"WIRECRAWL_WRITE_GROUP_ARTICLES={articles}",
        "-s",
        f"WIRECRAWL_WRITE_GROUP_SECONDS={seconds}",
    ]


def test_sigterm_mid_crawl_loses_nothing_and_restart_finishes(tmp_path: Path) -> None:
    db = tmp_path / "term.db"
    with LoopbackSite() as site:
        # More pages than the downloader takes in at once, so some are still queued.
        add_slow_feed(db, site, 60, 0.2)
        process = start_run(db, site.proxy_url)
        wait_for_pages(site, 3)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        assert "received SIGTERM" in err
        with Store.open(db) as store:
            first = store.count("articles")
            assert 0 < first < 60
            assert store.consistency_problems() == []
            status = store.db.conn.execute("SELECT status FROM crawl_runs").fetchall()
            assert status == [("stopped",)]
            # The feed is due again at once: its entries were not all stored.
            store.db.conn.execute("UPDATE feeds SET next_due_at = NULL")
            store.db.conn.commit()
        process = start_run(db, site.proxy_url, "--once")
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    with Store.open(db, readonly=True) as store:
        assert store.count("articles") == 60
        assert store.consistency_problems() == []


@pytest.mark.parametrize("open_group", [False, True], ids=["default", "group-open"])
def test_kill_9_then_restart_resumes_without_duplicates(tmp_path: Path, open_group: bool) -> None:
    db = tmp_path / "kill.db"
    with LoopbackSite() as site:
        add_slow_feed(db, site, 20, 0.2)
        # With a write group nothing commits before the kill.
        process = start_run(db, site.proxy_url, *(_group(1000, 600) if open_group else []))
        wait_for_pages(site, 6)
        process.kill()
        process.wait(timeout=30)
        with Store.open(db) as store:
            if open_group:
                # The group is lost whole; its entries wait for the next poll.
                assert store.count("articles") == 0
            assert store.consistency_problems() == []
            assert store.db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            store.db.conn.execute("UPDATE feeds SET next_due_at = NULL")
            store.db.conn.commit()
        process = start_run(db, site.proxy_url, "--once")
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    with Store.open(db, readonly=True) as store:
        assert store.count("articles") == 20
        assert store.db.conn.execute("SELECT count(DISTINCT url) FROM articles").fetchone()[0] == 20
        assert store.consistency_problems() == []


def test_a_reader_sees_a_write_group_after_its_delay(tmp_path: Path) -> None:
    db = tmp_path / "group.db"
    with LoopbackSite() as site:
        add_slow_feed(db, site, 60, 0.2)
        # Groups far bigger than the crawl: only the delay commits them.
        process = start_run(db, site.proxy_url, "--once", *_group(1000, 0.5))
        try:
            deadline = time.monotonic() + 60
            seen = 0
            while time.monotonic() < deadline and process.poll() is None:
                seen = _articles(db)
                if seen:
                    break
                time.sleep(0.1)
            assert seen > 0, "no article was committed while the crawl ran"
            assert process.poll() is None
            assert sum(1 for r in site.requests if "/a" in r.url) < 60
        finally:
            _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    with Store.open(db, readonly=True) as store:
        assert store.count("articles") == 60
        assert store.consistency_problems() == []


def test_sigterm_commits_the_open_write_group(tmp_path: Path) -> None:
    db = tmp_path / "group-term.db"
    with LoopbackSite() as site:
        add_slow_feed(db, site, 60, 0.2)
        # Nothing commits the group before the stop.
        process = start_run(db, site.proxy_url, *_group(1000, 600))
        wait_for_pages(site, 6)
        assert _articles(db) == 0
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
    with Store.open(db, readonly=True) as store:
        stored = store.count("articles")
        assert 0 < stored < 60
        words = store.db.conn.execute(
            "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'concrete'"
        ).fetchone()[0]
        assert words == stored
        assert store.consistency_problems() == []


def test_a_second_run_on_the_same_store_refuses(tmp_path: Path) -> None:
    db = tmp_path / "lock.db"
    with LoopbackSite() as site:
        add_slow_feed(db, site, 5, 0.1)
        first = start_run(db, site.proxy_url)
        wait_for_pages(site, 1)
        second = start_run(db, site.proxy_url)
        _, err = second.communicate(timeout=60)
        assert second.returncode != 0
        assert "is being crawled by process" in err and "--wait" in err
        crawl = subprocess.run(
            [sys.executable, "-m", "crawler", "--db", str(db), "crawl"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "WIRECRAWL_PROXY": site.proxy_url},
        )
        assert crawl.returncode != 0 and "is being crawled" in crawl.stderr
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=60)
        # With the first gone, --wait starts at once.
        waiting = start_run(db, site.proxy_url, "--wait", "--once")
        _, err = waiting.communicate(timeout=60)
        assert waiting.returncode == 0, err
