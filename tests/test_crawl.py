"""End-to-end crawls in a subprocess against loopback servers.

Each test runs ``python -m crawler crawl`` (or ``scrapy crawl feeds``) as a
separate process, with every request going to a server of the test: the
demo site, or a scripted ``LoopbackSite``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.app.demo.site import DemoSite
from tests.loopback import LoopbackSite, Reply, page, rss
from tests.reprint_set import demo_corpus, score

ROOT = Path(__file__).resolve().parents[1]
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_START_DELAY=0.01", "-s", "LOG_LEVEL=WARNING"]

pytestmark = pytest.mark.slow


def crawl(db: Path, proxy: str, *feeds: str, extra: tuple[str, ...] = ()) -> dict:
    """One ``wirecrawl crawl`` in a subprocess; returns its JSON summary."""
    args = [sys.executable, "-m", "crawler", "--db", str(db), "crawl", "--json", *FAST, *extra]
    for feed in feeds:
        args += ["--feeds", feed]
    result = subprocess.run(
        args,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "WIRECRAWL_PROXY": proxy},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def rows(db: Path, sql: str, *params: object) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def story(topic: str, n: int = 4) -> list[str]:
    """Invented paragraphs about ``topic``, long enough to be an article."""
    return [
        f"The {topic} committee met on Tuesday in the old town hall and agreed on item {i} of "
        f"its plan after a long discussion that lasted most of the afternoon and evening, "
        f"according to a statement released by the {topic} office later that night."
        for i in range(1, n + 1)
    ]


def test_demo_site_crawl_then_second_crawl_is_conditional(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    with DemoSite() as site:
        urls = [f.url for f in site.feeds()]
        first = crawl(db, site.proxy_url, *urls)
        assert first["articles_new"] == 59
        assert first["errors"] == 0
        counts = (
            rows(db, "SELECT count(*) FROM articles")[0][0],
            rows(db, "SELECT count(*) FROM fetch_log")[0][0],
        )
        served_before = len(site.requests)
        second = crawl(db, site.proxy_url, *urls)
        later = site.requests[served_before:]
    assert second["articles_new"] == 0
    assert second["feeds_not_modified"] == len(urls)
    assert rows(db, "SELECT count(*) FROM articles")[0][0] == counts[0]
    feed_requests = [r for r in later if not r.path.startswith("/robots")]
    # Only the feeds were asked for, each with its ETag, and each answered 304.
    assert len(feed_requests) == len(urls)
    assert all(r.if_none_match for r in feed_requests)
    assert {r.status for r in feed_requests} == {304}
    # The clusters are the demo stories.
    predicted = dict(rows(db, "SELECT key, cluster_id FROM articles"))
    corpus = [item for item in demo_corpus() if item.article.key in predicted]
    assert len(corpus) == 59
    result = score(predicted, corpus)
    assert (result.precision, result.recall) == (1.0, 1.0)


def test_stale_etag_with_a_changed_body(tmp_path: Path) -> None:
    db = tmp_path / "stale.db"
    feed = "http://stale.example/feed.xml"
    items = [{"title": "First", "link": "http://stale.example/a1", "guid": "a1"}]
    with LoopbackSite() as site:
        # The server ignores If-None-Match and always sends the same ETag.
        site.set(feed, body=rss("Stale", items), headers={"ETag": '"same"'})
        site.set("http://stale.example/a1", body=page("First story", story("harbour")))
        assert crawl(db, site.proxy_url, feed)["articles_new"] == 1
        items.append({"title": "Second", "link": "http://stale.example/a2", "guid": "a2"})
        site.set(feed, body=rss("Stale", items), headers={"ETag": '"same"'})
        site.set("http://stale.example/a2", body=page("Second story", story("railway")))
        second = crawl(db, site.proxy_url, feed)
        assert site.seen(feed)[-1].headers.get("If-None-Match") == '"same"'
        assert second["articles_new"] == 1  # the changed body was read despite the ETag
        third = crawl(db, site.proxy_url, feed)
        assert third["feeds_not_modified"] == 1  # same bytes: nothing to do
        assert len(site.seen("http://stale.example/a2")) == 1
    outcomes = [
        r[0] for r in rows(db, "SELECT outcome FROM fetch_log WHERE kind = 'feed' ORDER BY id")
    ]
    assert outcomes == ["ok", "ok", "not-modified"]


def test_redirects_are_followed_and_permanent_ones_noted(tmp_path: Path) -> None:
    db = tmp_path / "moved.db"
    old, new = "http://moved.example/old.xml", "http://moved.example/new.xml"
    with LoopbackSite() as site:
        site.set(old, status=301, headers={"Location": new})
        site.set(new, body=rss("Moved", [{"title": "A", "link": "http://moved.example/a1"}]))
        site.set(
            "http://moved.example/a1",
            status=302,
            headers={"Location": "http://moved.example/articles/a1"},
        )
        site.set("http://moved.example/articles/a1", body=page("Moved story", story("museum")))
        run = crawl(db, site.proxy_url, old)
    assert run["articles_new"] == 1
    assert rows(db, "SELECT url FROM articles") == [("http://moved.example/articles/a1",)]
    assert rows(db, "SELECT redirected_to, last_outcome FROM feeds") == [(new, "ok")]


def test_robots_txt_is_obeyed(tmp_path: Path) -> None:
    db = tmp_path / "robots.db"
    feed = "http://private.example/feed.xml"
    with LoopbackSite() as site:
        site.set("http://private.example/robots.txt", body=b"User-agent: *\nDisallow: /secret/\n")
        site.set(
            feed,
            body=rss(
                "Private",
                [
                    {"title": "Open", "link": "http://private.example/news/b1"},
                    {
                        "title": "Closed",
                        "link": "http://private.example/secret/c1",
                        "description": "A short teaser.",
                    },
                ],
            ),
        )
        site.set("http://private.example/news/b1", body=page("Open story", story("library")))
        site.set("http://private.example/secret/c1", body=page("Closed", story("vault")))
        run = crawl(db, site.proxy_url, feed)
        assert site.seen("http://private.example/secret/c1") == []
    assert run["articles_new"] == 1
    logged = rows(db, "SELECT outcome FROM fetch_log WHERE url LIKE '%secret%'")
    assert logged == [("robots",)]


def test_429_retry_after_is_honoured(tmp_path: Path) -> None:
    db = tmp_path / "busy.db"
    feed, busy_feed = "http://busy.example/feed.xml", "http://busy.example/later.xml"
    answers = iter([Reply(429, b"slow down", {"Retry-After": "1"})])

    def article(_: object) -> Reply:
        return next(answers, Reply(200, page("Busy story", story("airport"))))

    with LoopbackSite() as site:
        site.set(feed, body=rss("Busy", [{"title": "A", "link": "http://busy.example/a1"}]))
        site.set("http://busy.example/a1", article)
        site.set(busy_feed, status=429, body=b"come back later", headers={"Retry-After": "7200"})
        run = crawl(db, site.proxy_url, feed, busy_feed)
        tries = site.seen("http://busy.example/a1")
    assert [t.status for t in tries] == [429, 200]
    assert tries[1].at - tries[0].at >= 0.9  # waited as asked
    assert run["articles_new"] == 1
    (status, outcome, due, fetched) = rows(
        db,
        "SELECT last_status, last_outcome, next_due_at, last_fetched_at FROM feeds WHERE url = ?",
        busy_feed,
    )[0]
    assert (status, outcome) == (429, "http_429")
    from datetime import datetime

    wait = datetime.fromisoformat(due) - datetime.fromisoformat(fetched)
    assert wait.total_seconds() >= 7190  # the scheduler keeps the 2 h asked for


def test_failing_article_pages(tmp_path: Path) -> None:
    db = tmp_path / "broken.db"
    feed, other = "http://broken.example/feed.xml", "http://fine.example/feed.xml"
    full_text = "".join(f"<p>{p}</p>" for p in story("bridge", 5))
    with LoopbackSite() as site:
        site.set(
            feed,
            body=rss(
                "Broken",
                [
                    {
                        "title": "Bridge reopens",
                        "link": "http://broken.example/a1",
                        "content": full_text,
                    },
                    {
                        "title": "Gone",
                        "link": "http://broken.example/a2",
                        "description": "Teaser only.",
                    },
                ],
            ),
        )
        site.set("http://broken.example/a1", status=500, body=b"server error")
        site.set(other, body=rss("Fine", [{"title": "F", "link": "http://fine.example/f1"}]))
        site.set("http://fine.example/f1", body=page("Fine story", story("stadium")))
        run = crawl(db, site.proxy_url, feed, other, extra=("-s", "RETRY_BACKOFF_BASE=0.05"))
        assert len(site.seen("http://broken.example/a1")) == 3  # first try and two retries
    # a1 came from the feed's own full text; a2 (404, teaser only) is not an article.
    assert run["articles_new"] == 2
    stored = dict(rows(db, "SELECT url, title FROM articles"))
    assert stored == {
        "http://broken.example/a1": "Bridge reopens",
        "http://fine.example/f1": "Fine story",
    }
    pages = dict(rows(db, "SELECT url, outcome FROM fetch_log WHERE kind = 'page'"))
    assert pages["http://broken.example/a1"] == "http_5xx"
    assert pages["http://broken.example/a2"] == "http_404"


def test_scrapy_crawl_feeds_uses_the_same_pipelines(tmp_path: Path) -> None:
    db = tmp_path / "scrapy.db"
    feed = "http://plain.example/feed.xml"
    with LoopbackSite() as site:
        site.set(feed, body=rss("Plain", [{"title": "P", "link": "http://plain.example/p1"}]))
        site.set("http://plain.example/p1", body=page("Plain story", story("orchestra")))
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "scrapy",
                "crawl",
                "feeds",
                "-a",
                f"feeds={feed}",
                "-s",
                f"WIRECRAWL_DB={db}",
                "-s",
                f"WIRECRAWL_PROXY={site.proxy_url}",
                *FAST,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    assert rows(db, "SELECT title, cluster_id IS NOT NULL FROM articles") == [("Plain story", 1)]
    assert rows(db, "SELECT status, articles_new FROM crawl_runs") == [("finished", 1)]


def _stored(db: Path) -> tuple[set[tuple], set[frozenset[str]], set[frozenset[str]]]:
    """The stored records, the clusters and the stories of a store, by article key."""
    records = set(
        rows(
            db,
            "SELECT key, title, body, published_at, published_source, language, wire_agency, "
            "attribution, authors, word_count FROM articles",
        )
    )

    def groups(sql: str) -> set[frozenset[str]]:
        by: dict[int, set[str]] = {}
        for group, key in rows(db, sql):
            by.setdefault(group, set()).add(key)
        return {frozenset(keys) for keys in by.values()}

    clusters = groups("SELECT cluster_id, key FROM articles")
    stories = groups(
        "SELECT c.story_id, a.key FROM articles a JOIN clusters c ON c.id = a.cluster_id"
    )
    return records, clusters, stories


def test_a_crawl_with_extraction_workers_stores_what_one_without_stores(tmp_path: Path) -> None:
    stores = {}
    with DemoSite() as site:
        urls = [f.url for f in site.feeds()]
        for processes in ("0", "2"):
            db = tmp_path / f"workers-{processes}.db"
            summary = crawl(
                db, site.proxy_url, *urls, extra=("-s", f"WIRECRAWL_EXTRACT_PROCESSES={processes}")
            )
            assert summary["articles_new"] == 59
            assert summary["errors"] == 0
            stores[processes] = _stored(db)
    in_process, in_workers = stores["0"], stores["2"]
    assert in_workers[0] == in_process[0]
    assert in_workers[1] == in_process[1]
    assert in_workers[2] == in_process[2]
    # The demo site has reprints and translations: both levels were decided.
    assert any(len(c) > 1 for c in in_workers[1])
    assert any(len(s) > 1 for s in in_workers[2])
