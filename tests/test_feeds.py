"""Feed parsing: hand-written feeds for each rule, then the real feeds in ../shared/data/feeds."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.core.errors import FeedError, WirecrawlError
from crawler.core.feeds import (
    COMMON_FEED_PATHS,
    FeedParseError,
    discover_feeds,
    entry_identity,
    parse_feed,
)
from crawler.core.items import FeedEntry, ParsedFeed
from tests.conftest import DATA, need_shared

ROOT = Path(__file__).resolve().parents[1]

# Text decoded with the wrong code page: UTF-8 read as Latin-1/windows-1252 ("Ã©", "Ð¿",
# "Ø§"), or bytes that could not be decoded at all.
MOJIBAKE = re.compile(
    "[ÂÃÐÑØÙ][\u0080-\u00bf\u2018-\u203a\u20ac\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
    "\u0192\u02c6\u02dc\u2122]|\ufffd"
)


def entry(feed: ParsedFeed, index: int = 0) -> FeedEntry:
    assert len(feed.entries) > index, feed
    return feed.entries[index]


# --------------------------------------------------------------------------------------------
# RSS 2.0 as real sites write it
# --------------------------------------------------------------------------------------------

RSS_REAL_WORLD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Wire &amp; Co  News</title>
  <link> https://news.example/ </link>
  <language>en-US</language>
  <ttl>30</ttl>
  <skipHours><hour>0</hour><hour>1</hour><hour>24</hour></skipHours>
  <skipDays><day>Saturday</day><day>sunday</day><day>Caturday</day></skipDays>
  <item>
    <title><![CDATA[Talks <b>resume</b> in Geneva &amp; Vienna]]></title>
    <link><![CDATA[
        https://news.example/world/talks?utm_source=rss&utm_medium=feed
    ]]></link>
    <guid isPermaLink="false">news-example-98765</guid>
    <description>&lt;p&gt;Short &amp;amp; to the point.&lt;/p&gt;</description>
    <content:encoded><![CDATA[<p>The <a href="/world/full">full</a> text of the story,
      much longer than the description.</p>]]></content:encoded>
    <dc:creator>Anna Petrova</dc:creator>
    <category>World</category><category>Diplomacy</category><category>World</category>
    <pubDate>Wed, 09 Feb 2022 14:35:00 +0300</pubDate>
  </item>
  <item>
    <title>Permalink guid only</title>
    <guid>https://news.example/2022/02/09/second</guid>
    <pubDate>Wed, 09 Feb 2022 15:00:00 GMT</pubDate>
  </item>
  <item>
    <title>Numeric guid, relative link</title>
    <guid>12345</guid>
    <link>/local/third</link>
  </item>
  <item>
    <title>Numeric guid and nothing else</title>
    <guid>67890</guid>
  </item>
  <item>
    <title>Double-escaped &amp;quot;quotes&amp;quot; &amp;amp; AT&amp;amp;T</title>
    <link>https://news.example/fifth</link>
  </item>
</channel>
</rss>
"""


@pytest.fixture(scope="module")
def real_world_rss() -> ParsedFeed:
    return parse_feed(
        RSS_REAL_WORLD.encode("utf-8"),
        "https://news.example/feed.xml",
        {"Content-Type": "application/rss+xml; charset=UTF-8"},
    )


def test_rss_channel_fields(real_world_rss: ParsedFeed) -> None:
    feed = real_world_rss
    assert feed.format == "rss20"
    assert feed.url == "https://news.example/feed.xml"
    assert feed.title == "Wire & Co News"
    assert feed.site_url == "https://news.example/"
    assert feed.language == "en"
    assert feed.ttl_minutes == 30
    assert feed.skip_hours == frozenset({0, 1})  # 24 means midnight in some feeds
    assert feed.skip_days == frozenset({"Saturday", "Sunday"})
    assert feed.problems == ()
    assert len(feed.entries) == 5


def test_rss_item_with_cdata_link_utm_and_full_text(real_world_rss: ParsedFeed) -> None:
    first = entry(real_world_rss)
    assert first.title == "Talks resume in Geneva & Vienna"
    # Whitespace around the CDATA link is stripped; tracking parameters are kept (another
    # module canonicalises URLs).
    assert first.link == "https://news.example/world/talks?utm_source=rss&utm_medium=feed"
    assert first.guid == "news-example-98765"
    assert first.entry_id == "news-example-98765"
    assert first.summary == "Short & to the point."
    assert "much longer than the description" in first.content_html
    assert 'href="https://news.example/world/full"' in first.content_html
    assert first.authors == ("Anna Petrova",)
    assert first.categories == ("World", "Diplomacy")
    assert first.language == "en"
    assert first.published == datetime(2022, 2, 9, 11, 35, tzinfo=UTC)
    assert first.published_text == "Wed, 09 Feb 2022 14:35:00 +0300"


def test_rss_guid_fallbacks(real_world_rss: ParsedFeed) -> None:
    _, second, third, fourth, fifth = real_world_rss.entries
    # A permalink guid that is a URL stands in for the missing link.
    assert second.link == "https://news.example/2022/02/09/second"
    assert second.guid == second.entry_id == "https://news.example/2022/02/09/second"
    # feedparser resolves "12345" against the feed URL; the guid stays as printed and the
    # real link is used.
    assert third.guid == "12345"
    assert third.link == "https://news.example/local/third"
    assert third.entry_id == "12345"
    # A permalink guid that is not a URL is no link.
    assert fourth.guid == "67890"
    assert fourth.link == ""
    assert fourth.entry_id == "67890"
    # No guid: the link is the identity.
    assert fifth.guid == ""
    assert fifth.entry_id == "https://news.example/fifth"
    assert fifth.title == 'Double-escaped "quotes" & AT&T'


def test_entry_identity_fallbacks() -> None:
    assert entry_identity("tag:x,2022:1", "https://a/1", "T") == "tag:x,2022:1"
    assert entry_identity("  ", "https://a/1 ", "T") == "https://a/1"
    hashed = entry_identity("", "", "Заголовок")
    assert re.fullmatch(r"sha1:[0-9a-f]{40}", hashed)
    assert hashed == entry_identity("", "", "Заголовок")
    assert hashed != entry_identity("", "", "Другой заголовок")


def test_content_location_header_is_the_base() -> None:
    body = b"""<rss version="2.0"><channel><title>t</title><link>/</link>
    <item><title>a</title><link>story/1</link></item></channel></rss>"""
    feed = parse_feed(
        body,
        "https://cdn.example/x/feed",
        {"content-location": "https://site.example/news/rss.xml"},
    )
    assert entry(feed).link == "https://site.example/news/story/1"
    assert feed.site_url == "https://site.example/"


def test_rss_091_and_rdf_formats() -> None:
    rss091 = b"""<?xml version="1.0"?><rss version="0.91"><channel><title>Old</title>
    <link>http://old.example/</link><description>d</description><language>de-DE</language>
    <item><title>One</title><link>http://old.example/1</link></item></channel></rss>"""
    feed = parse_feed(rss091, "http://old.example/rss")
    assert feed.format == "rss091u"
    assert feed.language == "de"
    rdf = """<?xml version="1.0" encoding="utf-8"?>
    <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
             xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
      <channel rdf:about="http://r.example/"><title>RDF</title><link>http://r.example/</link>
        <dc:language>ru</dc:language></channel>
      <item rdf:about="http://r.example/1"><title>Первый</title><link>http://r.example/1</link>
        <dc:date>2022-02-09T14:35:00+03:00</dc:date></item>
    </rdf:RDF>""".encode()
    feed = parse_feed(rdf, "http://r.example/rdf")
    assert feed.format == "rss10"
    assert feed.language == "ru"
    # RSS 1.0 dates come from dc:date only; it is the publication date.
    assert entry(feed).published == datetime(2022, 2, 9, 11, 35, tzinfo=UTC)


# --------------------------------------------------------------------------------------------
# Atom and JSON Feed
# --------------------------------------------------------------------------------------------

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://atom.example/blog/" xml:lang="ru-RU">
  <title type="html">Блог &lt;i&gt;агентства&lt;/i&gt;</title>
  <link href="./"/>
  <link rel="self" href="atom.xml"/>
  <id>urn:uuid:feed</id>
  <updated>2022-02-09T12:00:00Z</updated>
  <entry>
    <title>Первая запись</title>
    <link rel="enclosure" href="audio/1.mp3" type="audio/mpeg"/>
    <link rel="alternate" href="posts/1" type="text/html"/>
    <id>tag:atom.example,2022:1</id>
    <published>2022-02-08T10:00:00+03:00</published>
    <updated>2022-02-09T10:00:00Z</updated>
    <author><name>Иван Иванов</name></author>
    <category term="politics"/>
    <summary type="html">&lt;p&gt;Кратко&lt;/p&gt;</summary>
    <content type="html">&lt;p&gt;Полный &lt;a href="more"&gt;текст&lt;/a&gt;&lt;/p&gt;</content>
  </entry>
  <entry xml:base="/other/" xml:lang="en">
    <title>Second</title>
    <link href="p2"/>
    <id>tag:atom.example,2022:2</id>
    <updated>2022-02-09T11:00:00Z</updated>
  </entry>
</feed>
"""


def test_atom_relative_links_and_xml_base() -> None:
    feed = parse_feed(ATOM.encode("utf-8"), "https://atom.example/blog/atom.xml")
    assert feed.format == "atom10"
    assert feed.title == "Блог агентства"
    assert feed.site_url == "https://atom.example/blog/"
    assert feed.language == "ru"
    first, second = feed.entries
    assert first.link == "https://atom.example/blog/posts/1"  # the alternate, not the enclosure
    assert first.guid == first.entry_id == "tag:atom.example,2022:1"
    assert first.published == datetime(2022, 2, 8, 7, 0, tzinfo=UTC)
    assert first.updated == datetime(2022, 2, 9, 10, 0, tzinfo=UTC)
    assert first.authors == ("Иван Иванов",)
    assert first.categories == ("politics",)
    assert first.summary == "Кратко"
    assert 'href="https://atom.example/blog/more"' in first.content_html
    assert first.language == "ru"
    assert second.link == "https://atom.example/other/p2"
    assert second.language == "en"
    # An Atom entry with only <updated>: that is the date it was published as far as we know.
    assert second.published == second.updated == datetime(2022, 2, 9, 11, 0, tzinfo=UTC)


JSON_FEED_11 = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Лента &amp; новости",
    "home_page_url": "https://json.example/",
    "feed_url": "https://json.example/feed.json",
    "language": "ru-RU",
    "authors": [{"name": "Редакция"}],
    "items": [
        {
            "id": "https://json.example/1",
            "url": "https://json.example/1?utm_source=json",
            "title": "Первая новость",
            "content_html": "<p>Полный текст</p>",
            "summary": "Кратко",
            "date_published": "2022-02-09T14:35:00+03:00",
            "date_modified": "2022-02-09T15:00:00+03:00",
            "tags": ["политика", "политика", "мир"],
            "authors": [{"name": "Анна"}, {"url": "https://json.example/b"}],
        },
        {"id": 2, "external_url": "/linked", "content_text": "Только <текст>"},
        {"id": "3"},
        "not an object",
    ],
}


def test_json_feed_11() -> None:
    feed = parse_feed(
        json.dumps(JSON_FEED_11).encode("utf-8"),
        "https://json.example/feed.json",
        {"Content-Type": "application/feed+json"},
    )
    assert feed.format == "jsonfeed"
    assert feed.title == "Лента & новости"
    assert feed.site_url == "https://json.example/"
    assert feed.language == "ru"
    first, second, third = feed.entries
    assert first.link == "https://json.example/1?utm_source=json"
    assert first.guid == first.entry_id == "https://json.example/1"
    assert first.summary == "Кратко"
    assert first.content_html == "<p>Полный текст</p>"
    assert first.published == datetime(2022, 2, 9, 11, 35, tzinfo=UTC)
    assert first.updated == datetime(2022, 2, 9, 12, 0, tzinfo=UTC)
    assert first.categories == ("политика", "мир")
    assert first.authors == ("Анна", "https://json.example/b")
    assert second.guid == "2"
    assert second.link == "https://json.example/linked"
    assert second.summary == "Только <текст>"
    assert second.content_html == "Только &lt;текст&gt;"
    assert second.authors == ("Редакция",)  # the feed's authors stand in
    assert third.link == ""
    assert third.entry_id == "3"
    assert any("item 4" in p for p in feed.problems)


def test_json_feed_10_detected_without_content_type() -> None:
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1",
            "title": "Old JSON",
            "author": {"name": "Solo"},
            "items": [{"id": "a", "url": "https://j.example/a", "title": "A"}],
        }
    ).encode()
    feed = parse_feed(b"\xef\xbb\xbf" + body, "https://j.example/feed.json")
    assert feed.format == "jsonfeed"
    assert entry(feed).authors == ("Solo",)


@pytest.mark.parametrize(
    ("body", "kind", "words"),
    [
        (b'{"version": "1.0", "data": []}', "not-a-feed", "not a JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', "malformed", "JSON"),
        (b"[1, 2, 3]", "not-a-feed", "not a JSON Feed"),
    ],
)
def test_json_that_is_not_a_feed(body: bytes, kind: str, words: str) -> None:
    with pytest.raises(FeedParseError) as caught:
        parse_feed(body, "https://j.example/api", {"Content-Type": "application/json"})
    assert caught.value.kind == kind
    assert words in str(caught.value)
    assert "https://j.example/api" in str(caught.value)


# --------------------------------------------------------------------------------------------
# Dates, encodings and languages of our sources
# --------------------------------------------------------------------------------------------

RUSSIAN_RSS = """<?xml version="1.0" encoding="windows-1251"?>
<rss version="2.0"><channel><title>Новости дня</title><language>ru-RU</language>
<link>https://ru.example/</link>
<item><title>Переговоры в Женеве продолжатся</title><link>https://ru.example/1</link>
<pubDate>Ср, 09 фев 2022 14:35:00 +0300</pubDate></item>
</channel></rss>"""


def test_russian_pubdate_that_feedparser_drops() -> None:
    feed = parse_feed(RUSSIAN_RSS.encode("cp1251"), "https://ru.example/rss")
    first = entry(feed)
    assert feed.language == "ru"
    assert first.title == "Переговоры в Женеве продолжатся"
    assert first.published_text == "Ср, 09 фев 2022 14:35:00 +0300"
    assert first.published == datetime(2022, 2, 9, 11, 35, tzinfo=UTC)
    assert first.published.tzinfo is not None
    assert feed.problems == ()


def test_russian_feed_in_koi8r_declared_as_windows1251() -> None:
    feed = parse_feed(RUSSIAN_RSS.encode("koi8_r"), "https://ru.example/rss")
    assert entry(feed).title == "Переговоры в Женеве продолжатся"
    assert any("koi8-r" in p for p in feed.problems)


ARABIC_TITLES = [
    "موسكو تعلن عن جولة جديدة من المحادثات",
    "وزير الخارجية الروسي يلتقي نظيره التركي",
]


def arabic_rss(declared: str) -> bytes:
    items = "".join(
        f"<item><title>{t}</title><link>https://ar.example/{i}</link>"
        f"<description>قالت وكالة تاس إن المحادثات ستجري الأسبوع المقبل</description>"
        f"<pubDate>الأربعاء, 09 فبراير 2022 14:35:00 +0300</pubDate></item>"
        for i, t in enumerate(ARABIC_TITLES)
    )
    text = (
        f'<?xml version="1.0" encoding="{declared}"?><rss version="2.0"><channel>'
        f"<title>روسيا اليوم</title><language>ar</language>{items}</channel></rss>"
    )
    return text.encode("cp1256")


@pytest.mark.parametrize(
    ("declared", "headers", "problem"),
    [
        ("windows-1256", {}, None),
        ("windows-1256", {"Content-Type": "text/xml"}, None),
        # The declaration lies: it says UTF-8.
        ("utf-8", {}, "read as windows-1256"),
        # The server's default charset lies, the document is right.
        ("windows-1256", {"Content-Type": "text/xml; charset=ISO-8859-1"}, "windows-1256"),
        # Both lie.
        ("iso-8859-1", {"Content-Type": "application/xml; charset=utf-8"}, "windows-1256"),
    ],
)
def test_arabic_windows_1256(declared: str, headers: dict[str, str], problem: str | None) -> None:
    feed = parse_feed(arabic_rss(declared), "https://ar.example/rss", headers)
    assert feed.title == "روسيا اليوم"
    assert [e.title for e in feed.entries] == ARABIC_TITLES
    assert feed.language == "ar"
    assert entry(feed).published == datetime(2022, 2, 9, 11, 35, tzinfo=UTC)
    if problem is None:
        assert feed.problems == ()
    else:
        assert any(problem in p for p in feed.problems), feed.problems


def test_invalid_utf8_bytes_are_replaced_not_fatal() -> None:
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>Новости</title><item><title>Новость дня: переговоры XX</title>"
        "<link>https://x.example/1</link></item></channel></rss>"
    ).encode()
    body = body.replace(b"XX", b"\xff\xfe\xc3")
    feed = parse_feed(body, "https://x.example/rss")
    assert entry(feed).title.startswith("Новость дня: переговоры ")
    assert "\ufffd" in entry(feed).title
    assert any("invalid UTF-8" in p for p in feed.problems)


# --------------------------------------------------------------------------------------------
# Bozo policy: harmless trouble is recorded, the rest refused
# --------------------------------------------------------------------------------------------

PLAIN_RSS = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Лента</title>'
    "<item><title>A B</title><link>https://p.example/a</link></item>"
    "<item><title>C</title><link>https://p.example/c</link></item></channel></rss>"
)


@pytest.mark.parametrize(
    ("body", "headers", "problem"),
    [
        (PLAIN_RSS.replace("A B", "A&nbsp;B"), {}, "undefined entity"),
        ("\n\n   " + PLAIN_RSS, {}, "whitespace before the XML declaration"),
        (
            "<br />\n<b>Warning</b>: Undefined variable $x in feed.php on line 3<br />\n"
            + PLAIN_RSS,
            {},
            "before the XML document removed",
        ),
        (PLAIN_RSS, {"Content-Type": "text/html; charset=utf-8"}, "not an XML media type"),
        (PLAIN_RSS + "<script>cloudflare()</script>", {}, "junk after document element"),
        (PLAIN_RSS.replace('encoding="utf-8"', 'encoding="no-such-charset"'), {}, "unknown"),
        (PLAIN_RSS, {"Content-Type": "text/xml; charset=koi8-r"}, "the bytes are UTF-8"),
    ],
)
def test_harmless_problems_are_recorded(body: str, headers: dict[str, str], problem: str) -> None:
    feed = parse_feed(body.encode("utf-8"), "https://p.example/rss", headers)
    assert feed.title == "Лента"
    assert [e.title for e in feed.entries] == ["A B", "C"]
    assert any(problem in p for p in feed.problems), feed.problems


def test_truncated_feed_keeps_what_arrived() -> None:
    body = PLAIN_RSS.encode()
    feed = parse_feed(body[: body.index(b"<item><title>C")] + b"<item><title>C", "u")
    assert entry(feed).title == "A B"
    assert any("not well-formed" in p for p in feed.problems)


def test_empty_channel_is_a_feed() -> None:
    feed = parse_feed(b'<rss version="2.0"><channel><title>Quiet</title></channel></rss>', "u")
    assert feed.title == "Quiet"
    assert feed.entries == ()


CLOUDFLARE = b"""<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"></head><body><div class="main-wrapper">
<noscript>Enable JavaScript and cookies to continue</noscript>
<script>window._cf_chl_opt={cvId: '3'};</script>
<script src="/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1"></script></body></html>"""
CLOUDFLARE_BLOCK = b"""<!DOCTYPE html><html><head>
<title>Attention Required! | Cloudflare</title></head><body>
<h1>Sorry, you have been blocked</h1></body></html>"""
DDOS_GUARD = b"""<html><head><title>DDoS-Guard</title></head>
<body><div id="ddg-challenge">Checking your browser before accessing</div></body></html>"""


@pytest.mark.parametrize(
    ("body", "headers", "kind", "words"),
    [
        (b"", {}, "empty", "an empty response"),
        (b"  \r\n\t ", {}, "empty", "an empty response"),
        (
            b"<!DOCTYPE html><html><head><title>Agency &amp; News | Home</title></head>"
            b"<body><p>Hello</p></body></html>",
            {"Content-Type": "text/html"},
            "html",
            "an HTML page (title 'Agency & News | Home')",
        ),
        (CLOUDFLARE, {"Content-Type": "text/html"}, "challenge", "bot-challenge page (Cloudflare)"),
        (CLOUDFLARE_BLOCK, {}, "challenge", "bot-challenge page (Cloudflare)"),
        (DDOS_GUARD, {}, "challenge", "bot-challenge page (DDoS-Guard)"),
        (b"Service temporarily unavailable", {}, "not-a-feed", "not XML"),
        (b"<?xml version='1.0'?><note><to>A</to></note>", {}, "not-a-feed", "root <note>"),
        (
            b'<?xml version="1.0"?><opml version="2.0"><body><outline text="x" '
            b'xmlUrl="https://x/rss"/></body></opml>',
            {},
            "not-a-feed",
            "parse_opml",
        ),
        (b'<?xml version="1.0"?><rss version="2.0"><chan', {}, "malformed", "malformed"),
    ],
)
def test_what_is_not_a_feed_is_named(
    body: bytes, headers: dict[str, str], kind: str, words: str
) -> None:
    with pytest.raises(FeedParseError) as caught:
        parse_feed(body, "https://site.example/rss", headers)
    error = caught.value
    assert error.kind == kind
    assert words in str(error), str(error)
    assert str(error).startswith("https://site.example/rss: ")
    assert error.url == "https://site.example/rss"
    assert isinstance(error, FeedError)
    assert isinstance(error, WirecrawlError)


def test_ordinary_page_with_a_captcha_widget_is_an_html_page() -> None:
    # A comment form's reCAPTCHA or Cloudflare's bot-detection script on a full page is not a
    # challenge; only the proving markers count on long pages.
    page = (
        b"<!DOCTYPE html><html><head><title>Weekly digest</title>"
        b'<script src="/cdn-cgi/challenge-platform/scripts/jsd/main.js"></script></head><body>'
        + b"<p>Article text.</p>" * 5000
        + b'<div class="g-recaptcha"></div></body></html>'
    )
    with pytest.raises(FeedParseError) as caught:
        parse_feed(page, "https://blog.example/")
    assert caught.value.kind == "html"
    assert "'Weekly digest'" in str(caught.value)


def test_utf16_feed_and_charset_header_that_lies() -> None:
    body = RUSSIAN_RSS.replace("windows-1251", "utf-16").encode("utf-16")
    assert entry(parse_feed(body, "u")).title == "Переговоры в Женеве продолжатся"
    feed = parse_feed(
        RUSSIAN_RSS.encode("cp1251"), "u", {"Content-Type": "text/xml; charset=UTF-8"}
    )
    assert entry(feed).title == "Переговоры в Женеве продолжатся"
    assert any("declared UTF-8, but the bytes are not" in p for p in feed.problems)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><link>http://a.example/</link></item></channel></rss>"""

# One flat entity referenced many times: feedparser keeps such "safe" declarations and its
# tolerant parser expands them without a limit (300 MB here, seconds of work).
QUADRATIC_BLOWUP = (
    b'<?xml version="1.0"?>\n<!DOCTYPE x [\n<!ENTITY a "'
    + b"A" * 100_000
    + b'">\n]>\n<rss version="2.0"><channel><title>t</title><item><title>'
    + b"&a;" * 3000
    + b"</title></item></channel></rss>"
)
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>&xxe;</title></channel></rss>"""
# The entities are declared on one line with the DOCTYPE, which feedparser's own
# declaration filter does not see.
ONE_LINE_LAUGHS = BILLION_LAUGHS.replace(b"\n ", b"")


@pytest.mark.parametrize(
    "body", [BILLION_LAUGHS, ONE_LINE_LAUGHS, QUADRATIC_BLOWUP, EXTERNAL_ENTITY]
)
def test_entity_attacks_are_refused_quickly(body: bytes) -> None:
    started = time.perf_counter()
    with pytest.raises(FeedParseError) as caught:
        parse_feed(body, "https://evil.example/rss")
    assert caught.value.kind == "hostile"
    assert "refused" in str(caught.value)
    assert time.perf_counter() - started < 1.0


def test_small_internal_entities_are_fine() -> None:
    body = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
<!ENTITY nbsp "&#160;">
<!ENTITY mdash "&#8212;">
]>
<rss version="2.0"><channel><title>A&mdash;B</title>
<item><title>x&nbsp;y</title><link>http://e.example/1</link></item></channel></rss>"""
    feed = parse_feed(body, "http://e.example/rss")
    assert feed.title == "A\u2014B"
    assert entry(feed).title == "x y"


def test_ten_thousand_entries() -> None:
    items = "".join(
        f"<item><title>Item {i}</title><link>https://big.example/{i}?utm_source=rss</link>"
        f"<guid>https://big.example/{i}</guid><pubDate>Ср, 09 фев 2022 14:35:00 +0300</pubDate>"
        "</item>"
        for i in range(10_000)
    )
    body = f'<rss version="2.0"><channel><title>Big</title>{items}</channel></rss>'.encode()
    started = time.perf_counter()
    feed = parse_feed(body, "https://big.example/rss")
    elapsed = time.perf_counter() - started
    assert len(feed.entries) == 10_000
    assert len({e.entry_id for e in feed.entries}) == 10_000
    assert feed.entries[-1].title == "Item 9999"
    assert feed.entries[-1].published == datetime(2022, 2, 9, 11, 35, tzinfo=UTC)
    assert elapsed < 30, f"10,000 entries took {elapsed:.1f} s"


def test_body_must_be_bytes() -> None:
    with pytest.raises(TypeError):
        parse_feed("<rss/>", "u")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Arbitrary input
# --------------------------------------------------------------------------------------------

FRAGMENTS = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<?xml version="1.0" encoding="windows-1251"?>',
    "<!DOCTYPE rss>",
    '<!DOCTYPE x [<!ENTITY a "b">]>',
    '<rss version="2.0">',
    "</rss>",
    "<channel>",
    "</channel>",
    "<item>",
    "</item>",
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    "</feed>",
    "<entry>",
    "<title>",
    "</title>",
    "<link>",
    "</link>",
    '<link href="x"/>',
    "<guid>",
    "</guid>",
    "<pubDate>Ср, 09 фев 2022 14:35:00 +0300</pubDate>",
    "<![CDATA[",
    "]]>",
    "&amp;",
    "&nbsp;",
    "&a;",
    "&#0;",
    "<skipHours><hour>25</hour></skipHours>",
    "<ttl>-5</ttl>",
    "<html>",
    "{",
    '"version": "https://jsonfeed.org/version/1.1"',
    "Новости",
    "أخبار",
    " ",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_raise_only_feed_error(body: bytes) -> None:
    try:
        feed = parse_feed(body, "https://h.example/rss")
    except FeedError:
        return
    assert isinstance(feed, ParsedFeed)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=20), max_size=40),
    st.sampled_from(["utf-8", "cp1251", "cp1256", "utf-16"]),
)
def test_feed_like_input_raises_only_feed_error(parts: list[str], encoding: str) -> None:
    body = "".join(parts).encode(encoding, errors="replace")
    try:
        feed = parse_feed(body, "https://h.example/rss", {"Content-Type": "text/xml"})
    except FeedError:
        return
    for item in feed.entries:
        assert item.entry_id
        assert item.published is None or item.published.tzinfo is not None


# --------------------------------------------------------------------------------------------
# Discovery
# --------------------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html><html><head>
<base href="https://www.example/news/">
<title>News</title>
<link rel="stylesheet" href="/s.css">
<link rel="alternate" type="application/rss+xml" title="RSS" href="rss.xml">
<link rel="Alternate" type="application/atom+xml; charset=utf-8" href=" /atom.xml ">
<link rel="alternate" type="application/rss+xml" href="https://www.example/news/rss.xml">
<link rel="alternate" type="application/feed+json" href="//cdn.example/feed.json">
<link rel="alternate" type="application/json" href="https://www.example/wp-json/wp/v2/posts/1">
<link rel="alternate" type="application/json+oembed" href="/oembed?url=x">
<link rel="alternate" hreflang="ru" href="https://www.example/ru/">
<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
</head><body><link rel="alternate" type="application/json" href="/feed.json"></body></html>"""


def test_discover_feeds_in_page_order() -> None:
    assert discover_feeds(PAGE, "https://www.example/news/story") == [
        "https://www.example/news/rss.xml",
        "https://www.example/atom.xml",
        "https://cdn.example/feed.json",
        "https://www.example/feed.json",
    ]


def test_discover_feeds_from_bytes_and_odd_input() -> None:
    page = '<?xml version="1.0" encoding="utf-8"?>' + PAGE.split("\n", 1)[1]
    assert discover_feeds(page, "https://www.example/")[0] == "https://www.example/news/rss.xml"
    assert discover_feeds(page.encode("utf-8"), "https://www.example/")[0].endswith("rss.xml")
    assert discover_feeds("", "https://www.example/") == []
    assert discover_feeds(b"\x00\xff\xfe", "https://www.example/") == []
    assert discover_feeds("<p>no head at all</p>", "https://www.example/") == []


def test_common_feed_paths() -> None:
    for path in (
        "/feed",
        "/rss",
        "/rss.xml",
        "/feed.xml",
        "/atom.xml",
        "/index.xml",
        "/feeds/posts/default",
        "/?feed=rss2",
        "/export/rss2/archive/index.xml",
    ):
        assert path in COMMON_FEED_PATHS
    assert len(set(COMMON_FEED_PATHS)) == len(COMMON_FEED_PATHS)
    assert all(p.startswith("/") for p in COMMON_FEED_PATHS)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300) | st.binary(max_size=300))
def test_discover_feeds_never_raises(page: str | bytes) -> None:
    assert isinstance(discover_feeds(page, "https://www.example/"), list)


# --------------------------------------------------------------------------------------------
# Layering
# --------------------------------------------------------------------------------------------


def test_feeds_imports_no_framework() -> None:
    code = (
        "import sys, crawler.core.feeds; "
        "print(','.join(m for m in ('scrapy', 'twisted', 'click', 'sqlite_utils') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == ""


def test_only_feeds_imports_feedparser() -> None:
    importers = [
        path.relative_to(ROOT).as_posix()
        for folder in ("crawler", "spiders", "storage")
        for path in (ROOT / folder).rglob("*.py")
        if re.search(r"^\s*(?:import|from)\s+feedparser\b", path.read_text("utf-8"), re.M)
    ]
    assert importers == ["crawler/core/feeds.py"]


# --------------------------------------------------------------------------------------------
# Real feeds: rss-parser's test corpus with its expected parses
# --------------------------------------------------------------------------------------------

RSS_PARSER = DATA / "feeds" / "rss-parser" / "test"

# Feeds whose expected parse we deliberately differ from, and why.
RSS_PARSER_EXCEPTIONS = {
    # The expected JSON was produced by decoding this ISO-8859-1 feed (no XML declaration) as
    # UTF-8: its titles carry U+FFFD where "ç", "é", "º" belong. We read the letters, so an
    # expected U+FFFD matches any one non-ASCII character. Its pubDates are Portuguese
    # ("Seg, 24 Set 2018 ..."), which rss-parser leaves undated and we read.
    "uolNoticias": "wrong charset in the expected output; Portuguese dates read",
}
# Inputs without an expected parse: what we make of them instead.
RSS_PARSER_NO_OUTPUT = {
    "unrecognized": "html",  # an IIS "Object Moved" page, not a feed
    "itunes-missing-image": 131,  # entries
}


def normalise_expected(text: str | None) -> str:
    """rss-parser keeps markup and entities in titles; we give plain text."""
    text = re.sub(r"<[^>]+>", "", text or "")
    return " ".join(html.unescape(text).split())


def load_expected(path: Path) -> dict:
    raw = path.read_bytes()
    try:
        return json.loads(raw.decode("utf-8"))["feed"]
    except UnicodeDecodeError:
        return json.loads(raw.decode("latin-1"))["feed"]


def rss_parser_cases() -> list[str]:
    folder = RSS_PARSER / "output"
    if not folder.exists():
        return ["(absent)"]
    return sorted(p.stem for p in folder.glob("*.json"))


def same_text(expected: str, ours: str, wildcard: bool) -> bool:
    if not wildcard:
        return expected == ours
    # The misread byte may also have been a no-break space, which we read as a space.
    pattern = "".join("(?:[^\\x00-\\x7f]| )" if c == "\ufffd" else re.escape(c) for c in expected)
    return re.fullmatch(pattern, ours) is not None


@pytest.mark.parametrize("name", rss_parser_cases())
def test_rss_parser_corpus(name: str) -> None:
    output = need_shared(RSS_PARSER / "output" / f"{name}.json")
    (source,) = (RSS_PARSER / "input").glob(f"{name}.*")
    expected = load_expected(output)
    feed = parse_feed(source.read_bytes(), "")
    wildcard = name in RSS_PARSER_EXCEPTIONS

    assert same_text(normalise_expected(expected.get("title")), feed.title, wildcard)
    items = expected.get("items", [])
    assert len(feed.entries) == len(items)
    for number, (want, got) in enumerate(zip(items, feed.entries, strict=True)):
        where = f"{name} item {number}"
        assert same_text(normalise_expected(want.get("title")), got.title, wildcard), where
        assert (want.get("link") or "").strip() == got.link, where
        if want.get("isoDate"):
            stamp = datetime.fromisoformat(want["isoDate"].replace("Z", "+00:00"))
            # feedparser's time tuples have whole seconds; rss-parser keeps milliseconds.
            assert got.published == stamp.replace(microsecond=0), where
        elif wildcard and want.get("pubDate"):
            assert got.published is not None, where
            assert got.published_text == want["pubDate"], where
    for got in feed.entries:
        assert not MOJIBAKE.search(got.title), got.title


@pytest.mark.parametrize("name", sorted(RSS_PARSER_NO_OUTPUT))
def test_rss_parser_inputs_without_expected_output(name: str) -> None:
    (source,) = need_shared(RSS_PARSER / "input").glob(f"{name}.*")
    want = RSS_PARSER_NO_OUTPUT[name]
    if isinstance(want, str):
        with pytest.raises(FeedParseError) as caught:
            parse_feed(source.read_bytes(), "http://feeds.example/x")
        assert caught.value.kind == want
        assert "Document Moved" in str(caught.value)
    else:
        feed = parse_feed(source.read_bytes(), "http://feeds.example/x")
        assert len(feed.entries) == want
        assert all(e.title and e.link for e in feed.entries)


# --------------------------------------------------------------------------------------------
# Real feeds: miniflux's encoding test data
# --------------------------------------------------------------------------------------------

MINIFLUX = DATA / "feeds" / "miniflux" / "internal" / "reader"

# file -> (feed title, entry count, words that must appear in the entry titles)
MINIFLUX_FEEDS: dict[str, tuple[str, int, list[str]]] = {
    "parser/testdata/encoding_WINDOWS-1251.xml": ("iBash.Org.Ru", 50, ["Цитата"]),
    "xml/testdata/koi8r.xml": ("Пример RSS ленты", 2, ["Первая новость", "Вторая новость"]),
    "encoding/testdata/koi8r.xml": ("Пример RSS ленты", 2, ["Первая новость"]),
    "parser/testdata/urdu_UTF8.xml": (
        "BBC News اردو - پاکستان کے لیے امریکی امداد کی بہار و خزاں",
        26,
        ["امریکی", "پاکستان"],
    ),
    "parser/testdata/encoding_ISO-8859-1.xml": ("Golem.de", 40, ["Porträt", "Wochenrückblick"]),
    "parser/testdata/no_encoding_ISO-8859-1.xml": (
        "Flux RSS du magazine de psychologie Le Cercle Psy",
        10,
        ["très complexe", "criminalité"],
    ),
    "parser/testdata/rdf_UTF8.xml": ("heise online News", 60, ["Vorsichtsmaßnahmen", "übernimmt"]),
    "parser/testdata/large_rss.xml": ("Artificial truth", 25, ["Using vale with vim"]),
    "parser/testdata/large_atom.xml": ("Artificial truth", 25, ["Using vale with vim"]),
    "parser/testdata/small_atom.xml": ("Recent Commits to v2:main", 20, []),
    "encoding/testdata/utf8.xml": ("테스트 피드", 1, ["Café"]),
    "encoding/testdata/utf8-incorrect-prolog.xml": ("테스트 피드", 1, ["Café"]),
    "encoding/testdata/invalid-prolog.xml": ("테스트 피드", 1, ["Café"]),
    "encoding/testdata/windows-1252.xml": ("Euro €", 0, []),
    "encoding/testdata/windows-1252-incorrect-prolog.xml": ("Euro €", 0, []),
    "encoding/testdata/iso-8859-1.xml": ("Café", 0, []),
}
# Not feeds: XML-decoding fixtures with a <note> root, and HTML pages (whose titles must
# still come out in the right charset).
MINIFLUX_REFUSED = {
    "xml/testdata/iso88591.xml": ("not-a-feed", "<note>"),
    "xml/testdata/iso88591_utf8_mismatch.xml": ("not-a-feed", "<note>"),
    "encoding/testdata/utf8.html": ("html", "'Café'"),
    "encoding/testdata/iso-8859-1.html": ("html", "'Frédéric'"),
    "encoding/testdata/utf8-meta-after-1024.html": ("html", "'Frédéric'"),
    "encoding/testdata/iso-8859-1-meta-after-1024.html": ("html", "'Frédéric'"),
}


# The encoding fixtures' single <entry> has a title only; and one <item> of the French feed is
# empty in the source (<title></title>, nothing else).
MINIFLUX_WITHOUT_LINKS = {"utf8.xml", "utf8-incorrect-prolog.xml", "invalid-prolog.xml"}
MINIFLUX_EMPTY_ITEMS = {"parser/testdata/no_encoding_ISO-8859-1.xml": 1}


@pytest.mark.parametrize("name", sorted(MINIFLUX_FEEDS))
def test_miniflux_feeds_readable(name: str) -> None:
    path = need_shared(MINIFLUX / name)
    title, count, words = MINIFLUX_FEEDS[name]
    feed = parse_feed(path.read_bytes(), "https://reader.example/feed")
    assert feed.title == title
    assert len(feed.entries) == count
    titles = " | ".join(e.title for e in feed.entries)
    for word in words:
        assert word in titles
    empty = [e for e in feed.entries if not e.title and not e.link and not e.summary]
    assert len(empty) == MINIFLUX_EMPTY_ITEMS.get(name, 0)
    for item in feed.entries:
        if item in empty:
            continue
        assert item.title, item
        assert item.link or path.name in MINIFLUX_WITHOUT_LINKS, item
        assert not MOJIBAKE.search(item.title + item.summary), item.title
    assert not MOJIBAKE.search(feed.title)


def test_miniflux_rss_and_atom_of_one_blog_agree() -> None:
    folder = need_shared(MINIFLUX / "parser" / "testdata")
    rss = parse_feed((folder / "large_rss.xml").read_bytes(), "https://dustri.org/b/rss.xml")
    atom = parse_feed((folder / "large_atom.xml").read_bytes(), "https://dustri.org/b/atom.xml")
    assert [(e.title, e.link, e.published) for e in rss.entries] == [
        (e.title, e.link, e.published) for e in atom.entries
    ]


@pytest.mark.parametrize("name", sorted(MINIFLUX_REFUSED))
def test_miniflux_non_feeds_refused(name: str) -> None:
    path = need_shared(MINIFLUX / name)
    kind, words = MINIFLUX_REFUSED[name]
    with pytest.raises(FeedParseError) as caught:
        parse_feed(path.read_bytes(), "https://reader.example/feed")
    assert caught.value.kind == kind
    assert words in str(caught.value)


# --------------------------------------------------------------------------------------------
# Real feeds: fastfeedparser's 85 blogs and news sites
# --------------------------------------------------------------------------------------------

FASTFEEDPARSER = DATA / "feeds" / "fastfeedparser"

# Feeds that are fine but break the "every entry has a title and a link" rule, and why.
FASTFEEDPARSER_EXCEPTIONS: dict[str, set[str]] = {
    # Posts without a title (Tumblr, a micro-blog): the summary or just the link carries them.
    "6ca5c4168c5b374f": {"untitled"},
    "c2a4afd1f4ddcada": {"untitled"},
    # A change log whose <item>s have a date and description but no <link> or <guid>; two of
    # them have no title either.
    "cc314ce5dfbb3adc": {"no links", "untitled"},
    # A Jekyll Atom feed without a <title> element.
    "aaf373a6337e5efa": {"no feed title"},
}


def test_fastfeedparser_corpus() -> None:
    manifest_path = need_shared(FASTFEEDPARSER / "manifest.json")
    manifest = json.loads(manifest_path.read_text("utf-8"))
    formats: dict[str, int] = {}
    entries = 0
    for key, facts in sorted(manifest.items()):
        feed = parse_feed((FASTFEEDPARSER / "feeds" / key).read_bytes(), "")
        formats[feed.format] = formats.get(feed.format, 0) + 1
        entries += len(feed.entries)
        assert feed.entries, key
        exceptions = FASTFEEDPARSER_EXCEPTIONS.get(key, set())
        assert feed.title or "no feed title" in exceptions, key
        for item in feed.entries:
            assert item.entry_id, key
            assert item.title or "untitled" in exceptions, (key, item)
            assert item.link or "no links" in exceptions, (key, item)
            assert not MOJIBAKE.search(item.title), (key, item.title)
        if facts.get("link"):
            # The manifest's link is sometimes the feed's self link; the host agrees.
            assert urlsplit(facts["link"]).netloc == urlsplit(feed.site_url).netloc, key
        if feed.language and facts.get("lang") not in (None, "?"):
            assert feed.language == facts["lang"], key
    print(f"\nfastfeedparser: {len(manifest)} feeds, {entries} entries, formats {formats}")
    assert sum(formats.values()) == len(manifest) == 85
    assert formats.get("jsonfeed") == 1
