"""``feeds add`` finds feeds over real HTTP, with the crawler's own rules for redirects.

The site is a ``LoopbackSite`` reached as a proxy, so the test hosts keep made-up
public names; what the fetcher refuses never reaches it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.core.discovery import FetchedPage, SafeFetcher, discover
from crawler.core.errors import FeedError
from tests.loopback import LoopbackSite, page, rss

ROOT = Path(__file__).resolve().parents[1]
UA = "wirecrawl-test"
HOME = "http://news.example/"
FEED = "http://news.example/rss.xml"
ITEMS = [{"title": "Лавров провёл переговоры", "link": "http://news.example/1"}]


def home_page(*feeds: str) -> bytes:
    links = "".join(
        f'<link rel="alternate" type="application/rss+xml" href="{f}" title="t">' for f in feeds
    )
    head = f"<head>{links}<title>News</title></head>"
    return f"<!doctype html><html>{head}<body>Hi</body></html>".encode()


@pytest.fixture
def site() -> Iterator[LoopbackSite]:
    with LoopbackSite() as running:
        yield running


def fetcher(site: LoopbackSite, **kwargs: object) -> SafeFetcher:
    return SafeFetcher(UA, proxy=site.proxy_url, **kwargs)  # type: ignore[arg-type]


def test_a_feed_url_is_its_own_feed(site: LoopbackSite) -> None:
    site.set(FEED, body=rss("Новости", ITEMS), headers={"Content-Type": "application/rss+xml"})
    assert discover(FEED, fetcher(site)) == [(FEED, "Новости")]
    assert site.seen(FEED)[0].headers["User-Agent"] == UA


def test_a_page_gives_the_feeds_it_advertises(site: LoopbackSite) -> None:
    other = "http://news.example/world.xml"
    site.set(HOME, body=home_page("/rss.xml", other), headers={"Content-Type": "text/html"})
    site.set(FEED, body=rss("Main", ITEMS))
    site.set(other, body=rss("World", ITEMS))
    assert discover(HOME, fetcher(site)) == [(FEED, "Main"), (other, "World")]


def test_a_page_that_advertises_nothing_is_tried_at_the_usual_paths(site: LoopbackSite) -> None:
    site.set(HOME, body=page("Home", ["No feed link here."]), headers={"Content-Type": "text/html"})
    site.set("http://news.example/feed", body=rss("Usual", ITEMS))
    assert discover(HOME, fetcher(site)) == [("http://news.example/feed", "Usual")]


def test_no_feed_anywhere_says_what_to_do(site: LoopbackSite) -> None:
    site.set(HOME, body=page("Home", ["Nothing."]), headers={"Content-Type": "text/html"})
    with pytest.raises(FeedError, match=r"no feed found .* add the feed URL itself"):
        discover(HOME, fetcher(site))


@pytest.mark.parametrize(
    "target", ["http://127.0.0.1:9/admin", "http://10.0.0.5/", "http://169.254.169.254/"]
)
def test_a_public_site_cannot_redirect_the_fetch_into_a_private_network(
    site: LoopbackSite, target: str
) -> None:
    site.set(HOME, status=302, headers={"Location": target})
    site.set(target, body=rss("Secret", ITEMS))
    with pytest.raises(FeedError, match="a public site may not send the crawler"):
        fetcher(site)(HOME)
    assert [r.url for r in site.requests] == [HOME]
    # Switched off (as the loopback crawl tests do), the redirect is followed.
    assert fetcher(site, block_private_redirects=False)(HOME).body.startswith(b"<?xml")


def test_a_redirect_to_another_scheme_is_refused(site: LoopbackSite) -> None:
    site.set(HOME, status=301, headers={"Location": "file:///etc/passwd"})
    with pytest.raises(FeedError, match="only http and https URLs are fetched"):
        fetcher(site)(HOME)
    with pytest.raises(FeedError, match=r"refused ftp://x\.example/f: only http and https"):
        fetcher(site)("ftp://x.example/f")


def test_http_errors_name_the_url(site: LoopbackSite) -> None:
    with pytest.raises(FeedError, match=r"http://news.example/gone: HTTP 404"):
        fetcher(site)("http://news.example/gone")


def test_discover_runs_on_any_fetch() -> None:
    pages = {
        HOME: FetchedPage(HOME, home_page("/rss.xml")),
        FEED: FetchedPage(FEED, rss("Main", ITEMS)),
    }
    assert discover(HOME, pages.__getitem__) == [(FEED, "Main")]


def _cli(db: Path, site: LoopbackSite, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WIRECRAWL_PROXY": site.proxy_url}
    env.pop("WIRECRAWL_BLOCK_PRIVATE_REDIRECTS", None)
    return subprocess.run(
        [sys.executable, "-m", "crawler", "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
    )


def test_feeds_add_discovers_over_http(site: LoopbackSite, tmp_path: Path) -> None:
    site.set(HOME, body=home_page("/rss.xml"), headers={"Content-Type": "text/html"})
    site.set(FEED, body=rss("Новости", ITEMS))
    db = tmp_path / "w.db"
    result = _cli(db, site, "feeds", "add", "--json", HOME)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["url"] == FEED and record["title"] == "Новости" and record["created"]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT url, title FROM feeds").fetchall() == [(FEED, "Новости")]
    # A redirect into the private network: one line, exit 1, nothing added.
    site.set("http://evil.example/", status=302, headers={"Location": "http://127.0.0.1:9/"})
    refused = _cli(db, site, "feeds", "add", "http://evil.example/")
    assert refused.returncode == 1
    assert refused.stderr.strip().count("\n") == 0
    assert "a public site may not send the crawler" in refused.stderr


def test_extract_prints_the_record_of_a_page_over_http(site: LoopbackSite, tmp_path: Path) -> None:
    story = "http://news.example/2022/02/09/story"
    paragraphs = [
        "Министр иностранных дел России Сергей Лавров провёл переговоры с коллегой в Москве.",
        "Стороны обсудили двустороннее сотрудничество и положение в регионе, сообщает ТАСС.",
    ]
    site.set(
        story,
        body=page(
            "Лавров провёл переговоры", paragraphs, lang="ru", published="2022-02-09T10:00:00+03:00"
        ),
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
    result = _cli(tmp_path / "x.db", site, "extract", story, "--json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["title"] == "Лавров провёл переговоры"
    assert record["language"] == "ru"
    assert record["published"].startswith("2022-02-09")
    assert "Лавров" in json.dumps(record["body"], ensure_ascii=False)
