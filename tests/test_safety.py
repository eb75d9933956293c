"""The crawler only sends the requests it was asked to, and export stays in its folder.

Crawls run in a subprocess against a ``HostileSite`` reached as a proxy: a
request the crawler refuses never reaches the server, which records every
request it gets, so "nothing was sent" is checked on the wire. The guard
against redirects into private networks is on by default; these tests switch
it on or off explicitly.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from w3lib.url import safe_url_string

from crawler.app.cli import main
from crawler.core.items import Article, Block
from crawler.glue.safety import SafetyMiddleware
from storage import Store
from tests.hostile_site import ROOT, HostileSite, crawl, rows, story
from tests.loopback import page, rss

NEWS = "http://news.example/feed.xml"
FTP = "ftp://files.example/feed.xml"
GUARD_ON = ("-s", "WIRECRAWL_BLOCK_PRIVATE_REDIRECTS=true")
#: Where a hostile public site would like to send the crawler.
PRIVATE_TARGETS = [
    "http://127.0.0.1:9/admin",
    "http://localhost/admin",
    "http://10.0.0.5/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/",
    "http://0x7f000001/",
    "http://intranet/wiki",
]


def hosts_asked(site: HostileSite) -> set[str]:
    """Every host the server was asked for."""
    return {r.url.split("/")[2] for r in site.requests}


def test_the_guard_is_on_by_default_and_other_schemes_are_switched_off() -> None:
    code = (
        "from crawler import settings as s; "
        "print(s.WIRECRAWL_BLOCK_PRIVATE_REDIRECTS, sorted(k for k, v in "
        "s.DOWNLOAD_HANDLERS.items() if v is None), "
        "s.DOWNLOADER_MIDDLEWARES['crawler.glue.safety.SafetyMiddleware'])"
    )
    env = {k: v for k, v in os.environ.items() if k != "WIRECRAWL_BLOCK_PRIVATE_REDIRECTS"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, check=True
    ).stdout.split(" ", 1)
    assert out[0] == "True"
    assert out[1].strip() == "['data', 'file', 'ftp', 's3'] 25"


@pytest.mark.slow
@pytest.mark.parametrize("target", PRIVATE_TARGETS)
def test_a_public_feed_cannot_redirect_into_a_private_network(tmp_path: Path, target: str) -> None:
    db = tmp_path / "guard.db"
    with HostileSite() as site:
        site.set(NEWS, status=302, headers={"Location": target})
        site.set(target, body=rss("Secret", [{"title": "S", "link": "http://news.example/s"}]))
        run, _ = crawl(db, site.proxy_url, NEWS, extra=GUARD_ON)
        asked = hosts_asked(site)
    assert asked == {"news.example"}  # not even the private host's robots.txt
    assert run["errors"] == 1
    (outcome, error), *_ = rows(db, "SELECT last_outcome, last_error FROM feeds")
    assert outcome == "redirect"
    assert "a public site may not send the crawler to the private address" in error
    # The message names the target as Scrapy spells it: newer w3lib writes
    # "0x7f000001" as "127.0.0.1", as a browser would.
    shown = safe_url_string(target).split("/")[2]
    assert f"refused redirect from {NEWS} to http://{shown}" in error


@pytest.mark.slow
def test_what_the_guard_allows_and_what_switching_it_off_allows(tmp_path: Path) -> None:
    """public -> public and private -> private are followed; off, anything http is."""
    with HostileSite() as site:
        site.set(NEWS, status=301, headers={"Location": "http://news2.example/feed.xml"})
        site.set(
            "http://news2.example/feed.xml",
            body=rss("Moved", [{"title": "M", "link": "http://news2.example/m1"}]),
        )
        site.set("http://news2.example/m1", body=page("Moved story", story("harbour")))
        intranet = "http://10.1.2.3/feed.xml"
        site.set(intranet, status=302, headers={"Location": "http://10.1.2.3/real.xml"})
        site.set(
            "http://10.1.2.3/real.xml",
            body=rss("Intranet", [{"title": "I", "link": "http://10.1.2.3/i1"}]),
        )
        site.set("http://10.1.2.3/i1", body=page("Intranet story", story("library")))
        on, _ = crawl(tmp_path / "on.db", site.proxy_url, NEWS, intranet, extra=GUARD_ON)
        assert on["errors"] == 0 and on["articles_new"] == 2
        # Off (as in these tests and the demo), a public feed may lead anywhere over http.
        leak = "http://leak.example/feed.xml"
        site.set(leak, status=302, headers={"Location": "http://127.0.0.1:9/feed.xml"})
        site.set(
            "http://127.0.0.1:9/feed.xml",
            body=rss("Local", [{"title": "L", "link": "http://127.0.0.1:9/l1"}]),
        )
        site.set("http://127.0.0.1:9/l1", body=page("Local story", story("museum")))
        off, _ = crawl(tmp_path / "off.db", site.proxy_url, leak)
        assert off["articles_new"] == 1


@pytest.mark.slow
def test_a_meta_refresh_into_a_private_network_is_refused_too(tmp_path: Path) -> None:
    db = tmp_path / "refresh.db"
    refresh = (
        b'<!doctype html><html><head><meta http-equiv="refresh" '
        b'content="0; url=http://192.168.1.1/login"></head><body></body></html>'
    )
    with HostileSite() as site:
        site.set(NEWS, body=rss("News", [{"title": "R", "link": "http://news.example/r1"}]))
        site.set("http://news.example/r1", body=refresh)
        site.set("http://192.168.1.1/login", body=page("Router", story("router")))
        crawl(db, site.proxy_url, NEWS, extra=GUARD_ON)
        assert hosts_asked(site) == {"news.example"}
    (outcome, error), *_ = rows(db, "SELECT outcome, error FROM fetch_log WHERE kind = 'page'")
    assert outcome == "redirect" and "192.168.1.1" in error
    assert rows(db, "SELECT count(*) FROM articles") == [(0,)]


@pytest.mark.slow
def test_only_http_and_https_are_ever_fetched(tmp_path: Path) -> None:
    """A redirect to file:// or ftp://, and a feed URL of another scheme, are refused."""
    db = tmp_path / "schemes.db"
    secret = tmp_path / "secret.xml"
    secret.write_bytes(rss("Local file", [{"title": "F", "link": "http://news.example/f"}]))
    with HostileSite() as site:
        site.set(NEWS, status=302, headers={"Location": secret.as_uri()})
        page_feed = "http://pages.example/feed.xml"
        site.set(page_feed, body=rss("P", [{"title": "P", "link": "http://pages.example/p1"}]))
        site.set("http://pages.example/p1", status=301, headers={"Location": "ftp://x/y"})
        # `crawl --feeds` refuses other schemes before crawling; a store can still hold
        # them (written by sqlite-utils or an older version), and the crawler refuses them.
        with Store.open(db) as store:
            for url in (NEWS, page_feed, secret.as_uri(), FTP):
                store.add_feed(url)
        run, _ = crawl(db, site.proxy_url)
    stored = rows(db, "SELECT url, last_outcome, last_error FROM feeds")
    feeds = {url: (outcome, error) for url, outcome, error in stored}
    assert feeds[NEWS][0] == "redirect"
    assert f"refused redirect from {NEWS} to {secret.as_uri()}" in feeds[NEWS][1]
    assert "only http and https URLs are fetched" in feeds[NEWS][1]
    assert feeds[secret.as_uri()] == (
        "refused",
        f"refused {secret.as_uri()}: only http and https URLs are fetched",
    )
    assert feeds[FTP][0] == "refused"
    pages = rows(db, "SELECT outcome, error FROM fetch_log WHERE kind = 'page'")
    refused = "refused redirect from http://pages.example/p1 to ftp://x/y"
    assert pages == [("redirect", f"{refused}: only http and https URLs are fetched")]
    # Nothing of the local file reached the store.
    assert rows(db, "SELECT count(*) FROM articles") == [(0,)]
    assert run["errors"] == 3


def test_a_name_that_does_not_resolve_counts_as_public() -> None:
    guard = SafetyMiddleware(block_private_redirects=True, resolve_timeout=2.0)

    async def judge() -> list[bool]:
        return [
            await guard.is_private(host)
            for host in ("no-such-host.invalid", "localhost", "10.0.0.1", "news.example")
        ]

    assert asyncio.run(judge()) == [False, True, True, False]


HOSTILE_TITLES = [
    "../../../../tmp/escaped",
    "/etc/passwd",
    "..\\..\\windows\\system32",
    "con",
    "title\x00with nul",
    "a/b/c",
    "~/.bashrc",
    "NUL.txt",
    ".." * 200,
]


def test_export_never_writes_outside_its_folder(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    db = tmp_path / "store" / "titles.db"
    with Store.open(db) as store:
        for k, title in enumerate(HOSTILE_TITLES):
            store.save_article(
                Article(
                    title=title,
                    body=tuple(Block(p) for p in story(f"topic {k}")),
                    url=f"http://titles.example/{title}",
                    source_file=title,
                )
            )
    out = tmp_path / "out"
    escaped = Path("/tmp/escaped")
    existed = escaped.exists()
    before = set(tmp_path.rglob("*"))
    result = CliRunner().invoke(
        main, ["--db", str(db), "export", "--format", "seed", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    created = {p for p in set(tmp_path.rglob("*")) - before if p.parent != db.parent}
    assert created, "nothing was written"
    outside = [p for p in created if not p.resolve().is_relative_to(out.resolve())]
    assert outside == [], outside
    assert len([p for p in created if p.suffix == ".txt"]) == len(HOSTILE_TITLES)
    assert escaped.exists() == existed


def test_serve_binds_to_loopback_by_default() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0, result.output
    assert "127.0.0.1" in result.output
