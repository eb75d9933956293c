"""The demo site: feeds, sitemaps and pages of the invented outlets, served over HTTP.

Every request goes through the site as a proxy (the way the crawler reaches it), except
the one test of plain requests routed by their Host header.
"""

from __future__ import annotations

import gzip
import http.client
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlsplit

import pytest

import crawler.app.demo
from crawler.app.demo import DemoEntry, entries, load_article
from crawler.app.demo.site import (
    FEED_FORMATS,
    NEWS_SITEMAP_HOSTS,
    ROBOTS_DISALLOW,
    DemoSite,
)
from crawler.core.extract import extract
from crawler.core.feeds import discover_feeds, parse_feed
from crawler.core.items import FeedEntry

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@dataclass(frozen=True)
class Fetched:
    status: int
    headers: dict[str, str]
    body: bytes


def fetch(site: DemoSite, url: str, headers: dict[str, str] | None = None) -> Fetched:
    """GET ``url`` through the demo site as an HTTP proxy; error statuses are returned."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": site.proxy_url}))
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(request, timeout=10) as response:
            return Fetched(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Fetched(error.code, dict(error.headers), error.read())


def url_of(entry: DemoEntry) -> str:
    return f"http://{entry.outlet}{entry.path}"


def without_query(url: str) -> str:
    return url.split("?", 1)[0]


@pytest.fixture(scope="module")
def site() -> Iterator[DemoSite]:
    with DemoSite() as demo:
        yield demo


class Clock:
    """A clock the tests move by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


# --------------------------------------------------------------------------------------------
# Feeds
# --------------------------------------------------------------------------------------------


def test_every_feed_parses_and_lists_exactly_its_outlets_articles(site: DemoSite) -> None:
    feeds = site.feeds()
    assert len(feeds) == len(crawler.app.demo.manifest()["outlets"])
    formats = set()
    for feed in feeds:
        got = fetch(site, feed.url)
        assert got.status == 200, feed.url
        parsed = parse_feed(got.body, feed.url, got.headers)
        assert parsed.format == feed.format, feed.url
        assert parsed.problems == (), (feed.url, parsed.problems)
        assert parsed.language == feed.language
        assert parsed.title == feed.title
        formats.add(parsed.format)

        expected = {url_of(e): e for e in entries() if e.outlet == feed.outlet}
        links = [without_query(entry.link) for entry in parsed.entries]
        assert sorted(links) == sorted(expected), feed.url
        for entry in parsed.entries:
            demo_entry = expected[without_query(entry.link)]
            assert entry.title == load_article(demo_entry).title
            assert entry.published == demo_entry.published
            assert entry.summary  # the first paragraph
        dates = [expected[without_query(entry.link)].published for entry in parsed.entries]
        assert dates == sorted(dates, reverse=True), "newest first"
    assert formats == {"rss20", "atom10", "jsonfeed"}


def test_feed_content_types(site: DemoSite) -> None:
    expected = {
        "rss20": "application/rss+xml; charset=utf-8",
        "atom10": "application/atom+xml; charset=utf-8",
        "jsonfeed": "application/feed+json; charset=utf-8",
    }
    for feed in site.feeds():
        assert fetch(site, feed.url).headers["Content-Type"] == expected[feed.format]
        assert feed.format == FEED_FORMATS.get(feed.outlet, "rss20")


def parsed_feed(site: DemoSite, host: str) -> list[FeedEntry]:
    feed = next(f for f in site.feeds() if f.outlet == host)
    got = fetch(site, feed.url)
    return list(parse_feed(got.body, feed.url, got.headers).entries)


def test_rss_variations_real_feeds_have(site: DemoSite) -> None:
    # Opaque guids that are not the link.
    for entry in parsed_feed(site, "nile-herald.example"):
        assert entry.guid and entry.guid != entry.link
        assert not entry.guid.startswith("http")
    # Tracking parameters on the link; the guid is the clean URL.
    for entry in parsed_feed(site, "levant-daily.example"):
        assert entry.link.endswith("?utm_source=rss&utm_medium=rss")
        assert entry.guid == without_query(entry.link)
    # Full text on the agency feed, whose items carry their edition's language.
    agency = parsed_feed(site, "wire-desk.example")
    assert all("<p>" in entry.content_html for entry in agency)
    assert {entry.language for entry in agency} == {"ar", "ru", "en"}
    # <ttl> on one feed.
    feed = next(f for f in site.feeds() if f.outlet == "neva-news.example")
    got = fetch(site, feed.url)
    assert parse_feed(got.body, feed.url, got.headers).ttl_minutes == 15
    # RFC 822 dates in the outlet's own offset.
    assert b"+0200</pubDate>" in fetch(site, "http://nile-herald.example/rss.xml").body


def test_home_pages_advertise_the_feed_and_link_the_articles(site: DemoSite) -> None:
    feeds = {feed.outlet: feed.url for feed in site.feeds()}
    for home in site.home_pages():
        host = urlsplit(home).hostname or ""
        got = fetch(site, home)
        assert got.status == 200
        assert got.headers["Content-Type"] == "text/html; charset=utf-8"
        assert discover_feeds(got.body, home) == [feeds[host]]
        page = got.body.decode("utf-8")
        for entry in entries():
            if entry.outlet == host:
                assert f'href="{entry.path}"' in page


# --------------------------------------------------------------------------------------------
# Sitemaps
# --------------------------------------------------------------------------------------------


def test_news_sitemap_lists_its_outlets_articles_with_news_titles(site: DemoSite) -> None:
    assert site.sitemaps() == [f"http://{host}/sitemap.xml" for host in NEWS_SITEMAP_HOSTS]
    for index_url in site.sitemaps():
        host = urlsplit(index_url).hostname
        index = fetch(site, index_url)
        assert index.status == 200
        assert index.headers["Content-Type"] == "application/xml; charset=utf-8"
        root = ET.fromstring(index.body)
        assert root.tag == f"{SITEMAP_NS}sitemapindex"
        (news_url,) = [loc.text for loc in root.iter(f"{SITEMAP_NS}loc")]
        assert news_url == f"http://{host}/news-sitemap.xml"

        urlset = ET.fromstring(fetch(site, news_url).body)
        listed = {}
        for url in urlset.iter(f"{SITEMAP_NS}url"):
            loc = url.findtext(f"{SITEMAP_NS}loc")
            news = url.find(f"{NEWS_NS}news")
            assert loc and news is not None
            listed[loc] = news
        expected = {url_of(e): e for e in entries() if e.outlet == host}
        assert sorted(listed) == sorted(expected)
        for loc, news in listed.items():
            entry = expected[loc]
            assert news.findtext(f"{NEWS_NS}title") == load_article(entry).title
            assert news.findtext(f"{NEWS_NS}publication/{NEWS_NS}language") == entry.language
            published = news.findtext(f"{NEWS_NS}publication_date") or ""
            assert datetime.fromisoformat(published) == entry.published


# --------------------------------------------------------------------------------------------
# Article pages
# --------------------------------------------------------------------------------------------


def test_every_article_page_extracts_to_its_corpus_article(site: DemoSite) -> None:
    for entry in entries():
        url = url_of(entry)
        got = fetch(site, url)
        assert got.status == 200, url
        assert got.headers["Content-Type"] == "text/html; charset=utf-8"
        expected = load_article(entry)
        article = extract(got.body, url, headers=got.headers)
        assert article.title == expected.title, url
        assert article.paragraphs == expected.paragraphs, url
        assert article.published == entry.published, url
        assert article.language == entry.language, url
        assert article.url == url


def test_article_page_markup(site: DemoSite) -> None:
    russian = next(e for e in entries() if e.file.endswith("wire-desk_museum-kazan_ru.txt"))
    arabic = next(e for e in entries() if e.file.endswith("wire-desk_museum-kazan_ar.txt"))
    page = fetch(site, url_of(russian)).body.decode("utf-8")
    article = load_article(russian)
    assert '<html lang="ru">' in page
    assert f'<meta property="og:title" content="{article.title}">' in page
    assert '<meta property="article:published_time" content="2026-11-03T10:15:00+03:00">' in page
    assert f'<link rel="canonical" href="{url_of(russian)}">' in page
    # The "Ar En" switcher as links above the article; Ar leads to the Arabic edition.
    switcher = page.index('class="language-switcher"')
    assert switcher < page.index("<article>")
    assert f'<a href="{arabic.path}" hreflang="ar" lang="ar">Ar</a>' in page
    assert '<a href="/en/" hreflang="en" lang="en">En</a>' in page
    assert fetch(site, "http://wire-desk.example/en/").status == 200
    # Date as printed, body, footer lines inside <article>; boilerplate outside it.
    inside = page[page.index("<article>") : page.index("</article>")]
    assert f'<time datetime="2026-11-03T10:15:00+03:00">{article.published_text}</time>' in inside
    assert inside.count("<h2>") == sum(b.kind == "subheading" for b in article.body) == 1
    assert article.publisher in inside
    assert f"Photo : {article.photo_credit}" in inside
    assert "Источник: ТАСС" in inside
    assert "©" in page[page.index("</article>") :]

    arabic_page = fetch(site, url_of(arabic)).body.decode("utf-8")
    assert '<html lang="ar" dir="rtl">' in arabic_page
    assert "المصدر: تاس" in arabic_page


def test_tracking_parameters_reach_the_same_page(site: DemoSite) -> None:
    entry = next(e for e in entries() if e.outlet == "levant-daily.example")
    plain = fetch(site, url_of(entry))
    tracked = fetch(site, url_of(entry) + "?utm_source=rss&utm_medium=rss")
    assert tracked.status == 200 and tracked.body == plain.body


# --------------------------------------------------------------------------------------------
# HTTP semantics
# --------------------------------------------------------------------------------------------


def test_conditional_requests_get_304(site: DemoSite) -> None:
    for url in ("http://nile-herald.example/rss.xml", url_of(entries()[0])):
        first = fetch(site, url)
        etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
        assert etag.startswith('"') and not etag.startswith("W/")

        again = fetch(site, url, {"If-None-Match": etag})
        assert (again.status, again.body) == (304, b"")
        assert again.headers["ETag"] == etag

        assert fetch(site, url, {"If-None-Match": '"other"'}).status == 200
        assert fetch(site, url, {"If-Modified-Since": last_modified}).status == 304
        later = parsedate_to_datetime(last_modified) + timedelta(hours=1)
        assert fetch(site, url, {"If-Modified-Since": format_datetime(later, True)}).status == 304
        earlier = parsedate_to_datetime(last_modified) - timedelta(seconds=1)
        stale = fetch(site, url, {"If-Modified-Since": format_datetime(earlier, True)})
        assert stale.status == 200 and stale.body == first.body
        # If-None-Match decides when both are sent.
        both = {"If-None-Match": '"other"', "If-Modified-Since": last_modified}
        assert fetch(site, url, both).status == 200


def test_last_modified_is_the_newest_publication_time(site: DemoSite) -> None:
    newest = max(e.published for e in entries() if e.outlet == "nile-herald.example")
    got = fetch(site, "http://nile-herald.example/rss.xml")
    assert parsedate_to_datetime(got.headers["Last-Modified"]) == newest
    entry = entries()[0]
    got = fetch(site, url_of(entry))
    assert parsedate_to_datetime(got.headers["Last-Modified"]) == entry.published
    assert got.headers["Last-Modified"].endswith(" GMT")


def test_gzip_when_accepted(site: DemoSite) -> None:
    url = "http://wire-desk.example/"
    plain = fetch(site, url)
    packed = fetch(site, url, {"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.body) == plain.body
    assert packed.headers["ETag"] != plain.headers["ETag"]
    # Either representation's tag validates.
    for tag in (packed.headers["ETag"], plain.headers["ETag"]):
        assert fetch(site, url, {"If-None-Match": tag, "Accept-Encoding": "gzip"}).status == 304


def test_bodies_are_identical_across_server_instances(site: DemoSite) -> None:
    urls = [
        *(feed.url for feed in site.feeds()),
        *site.sitemaps(),
        *(f"http://{host}/news-sitemap.xml" for host in NEWS_SITEMAP_HOSTS),
        *site.home_pages(),
        *(url_of(entry) for entry in entries()),
        "http://nile-herald.example/robots.txt",
    ]
    with DemoSite() as other:
        for url in urls:
            first, second = fetch(site, url), fetch(other, url)
            assert first.body == second.body, url
            assert first.headers["ETag"] == second.headers["ETag"], url
            assert first.headers.get("Last-Modified") == second.headers.get("Last-Modified")
            # A restarted site answers the validators of the first one with 304.
            tag = {"If-None-Match": first.headers["ETag"]}
            assert fetch(other, url, tag).status == 304, url


def test_request_log_records_what_was_asked(site: DemoSite) -> None:
    site.requests.clear()
    fetch(
        site,
        "http://kazan-times.example/rss/",
        {"If-None-Match": '"x"', "User-Agent": "wirecrawl-test/1"},
    )
    (logged,) = site.requests
    assert (logged.method, logged.host, logged.path, logged.status) == (
        "GET",
        "kazan-times.example",
        "/rss/",
        200,
    )
    assert logged.if_none_match == '"x"'
    assert logged.user_agent == "wirecrawl-test/1"


# --------------------------------------------------------------------------------------------
# Hosts and robots.txt
# --------------------------------------------------------------------------------------------


def test_robots_txt(site: DemoSite) -> None:
    for home in site.home_pages():
        host = urlsplit(home).hostname or ""
        got = fetch(site, f"http://{host}/robots.txt")
        assert got.status == 200
        assert got.headers["Content-Type"] == "text/plain; charset=utf-8"
        text = got.body.decode("utf-8")
        assert text.startswith("User-agent: *\n")
        assert "crawl-delay" not in text.lower()
        if host in ROBOTS_DISALLOW:
            assert f"Disallow: {ROBOTS_DISALLOW[host]}\n" in text
        else:
            assert "Disallow:\n" in text
        assert ("Sitemap: " in text) == (host in NEWS_SITEMAP_HOSTS)
    # No feed entry lives under the disallowed prefix, and the outlet links into it.
    assert ROBOTS_DISALLOW == {"nile-herald.example": "/private/"}
    assert not any(
        e.outlet == "nile-herald.example" and e.path.startswith("/private/") for e in entries()
    )
    assert b'href="/private/login"' in fetch(site, "http://nile-herald.example/").body


def test_unknown_host_and_path(site: DemoSite) -> None:
    unknown = fetch(site, "http://example.com/")
    assert unknown.status == 502
    assert b"no outlet at host 'example.com'" in unknown.body
    assert b"nile-herald.example" in unknown.body
    assert fetch(site, "http://nile-herald.example/no/such/page").status == 404


def test_host_header_routing_without_proxy_form(site: DemoSite) -> None:
    address = urlsplit(site.proxy_url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=10)
    try:
        connection.request("GET", "/rss.xml", headers={"Host": "nile-herald.example"})
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200
        assert body == fetch(site, "http://nile-herald.example/rss.xml").body
        connection.request("HEAD", "/rss.xml", headers={"Host": "nile-herald.example:80"})
        response = connection.getresponse()
        assert response.status == 200 and response.read() == b""
        assert response.headers["Content-Length"] == str(len(body))
    finally:
        connection.close()


# --------------------------------------------------------------------------------------------
# Time
# --------------------------------------------------------------------------------------------


def test_clock_filters_articles_and_changes_validators() -> None:
    host = "nile-herald.example"
    mine = sorted((e for e in entries() if e.outlet == host), key=lambda e: e.published)
    first, second = mine[0], mine[1]
    clock = Clock(first.published)
    with DemoSite(clock=clock) as demo:
        feed_url = "http://nile-herald.example/rss.xml"
        got = fetch(demo, feed_url)
        links = [e.link for e in parse_feed(got.body, feed_url, got.headers).entries]
        assert links == [url_of(first)]
        assert parsedate_to_datetime(got.headers["Last-Modified"]) == first.published
        assert fetch(demo, url_of(second)).status == 404
        assert second.path.encode() not in fetch(demo, "http://nile-herald.example/").body

        clock.now = second.published
        later = fetch(demo, feed_url)
        links = [e.link for e in parse_feed(later.body, feed_url, later.headers).entries]
        assert links == [url_of(second), url_of(first)]
        assert later.headers["ETag"] != got.headers["ETag"]
        assert fetch(demo, feed_url, {"If-None-Match": got.headers["ETag"]}).status == 200
        validators = {"If-Modified-Since": got.headers["Last-Modified"]}
        assert fetch(demo, feed_url, validators).status == 200
        assert fetch(demo, url_of(second)).status == 200

        # Before anything was published: empty but valid feeds and sitemaps.
        clock.now = min(e.published for e in entries()) - timedelta(days=1)
        for feed in demo.feeds():
            empty = fetch(demo, feed.url)
            assert parse_feed(empty.body, feed.url, empty.headers).entries == ()
        news = fetch(demo, "http://wire-desk.example/news-sitemap.xml")
        assert news.status == 200 and b"<url>" not in news.body


def test_manifest_function_survives_the_module_import() -> None:
    # crawler.app.demo.site is both this module and the manifest function of the package.
    import crawler.app.demo.site as module

    assert crawler.app.demo.site is module
    assert set(crawler.app.demo.manifest()) >= {"outlets", "articles"}
    assert len(entries()) == len(crawler.app.demo.manifest()["articles"])
