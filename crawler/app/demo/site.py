"""The demo site: every outlet of ``site.json`` served from one local HTTP server.

``DemoSite`` serves the demo corpus (``crawler/app/demo/articles``) as the invented outlets'
web sites, so that the crawler can be run end to end without the network::

    python -m crawler.app.demo.site --port 8765
    curl -x http://127.0.0.1:8765 http://nile-herald.example/rss.xml
    curl -H 'Host: nile-herald.example' http://127.0.0.1:8765/rss.xml

**Routing by host.** The crawler reaches the site through its HTTP proxy setting, so a
request arrives in proxy form (``GET http://nile-herald.example/rss.xml HTTP/1.1``) and the
URLs the crawler stores keep the outlets' own hosts, with no port. The host is taken from
the absolute URI in the request line when there is one, else from the ``Host`` header.
A host that is not a demo outlet gets ``502 Bad Gateway`` naming the hosts served, as a
proxy that cannot reach an origin would answer.

**What each outlet serves.**

* ``/``: a home page that advertises the feed (``<link rel="alternate" type=...>``) and
  links every published article, newest first.
* the feed at the outlet's ``feed_path`` in ``site.json``, newest entry first, in a format
  picked by host (``FEED_FORMATS``) so that the site covers the three feed formats:

  - **JSON Feed 1.1**: ``maghreb-post.example`` (``/feed/``);
  - **Atom 1.0**: ``eastport-gazette.example`` and ``wire-desk-mirror.example``;
  - **RSS 2.0**: every other outlet, with the variations real feeds have:
    ``content:encoded`` with the full text on ``wire-desk.example`` (whose single feed
    carries its Arabic, Russian and English editions, each item marked with ``xml:lang``);
    ``isPermaLink="false"`` guids that differ from the link on ``nile-herald.example`` and
    ``neva-news.example``; links with ``?utm_source=rss&utm_medium=rss`` on
    ``levant-daily.example`` and ``tigris-courier.example`` (the guid is the clean URL);
    ``<ttl>`` on ``neva-news.example``.

* a Google News sitemap (``NEWS_SITEMAP_HOSTS``: ``wire-desk.example`` and
  ``gulf-wire-review.example``): ``/sitemap.xml`` is a ``<sitemapindex>`` pointing at
  ``/news-sitemap.xml``, whose ``<url>`` entries carry ``<news:news>`` with the publication,
  language, publication date and title. ``robots.txt`` names the index in a ``Sitemap:``
  line.
* an article page at each entry's ``path``: ``<html lang>`` (``dir="rtl"`` for Arabic), the
  title, ``og:title``, ``article:published_time`` and ``rel=canonical`` in the head; a site
  header (with the "Ru En" language switcher as links on pages whose seed file has one), an
  ``<article>`` with the ``<h1>``, a ``<time>`` showing the date as the outlet prints it,
  the body as ``<p>`` and ``<h2>``, and the publisher, photo and source lines; then a footer
  with share links and the copyright line. Query strings are ignored, so the tracking
  links of the feeds reach the same page.
* ``/robots.txt``: allows everything on every outlet except ``nile-herald.example``, which
  disallows ``/private/`` (a staff page its navigation links to, needed by no feed entry),
  so a crawl's request log shows whether robots rules were obeyed. No ``Crawl-delay``.
* editions ``/ar/``, ``/ru/``, ``/en/`` on the outlets whose pages carry the language
  switcher (the agency and its mirror), listing the articles in that language.

**HTTP semantics.** Every 200 response carries a strong ``ETag`` (a hash of the body) and,
except ``robots.txt`` and the staff page (which publish nothing), a ``Last-Modified``
equal to the newest publication time on the resource. ``If-None-Match`` (which wins when
both are sent) and ``If-Modified-Since`` are answered with ``304 Not Modified`` and no
body. ``Content-Type`` always names the charset.
A request that accepts gzip gets a gzip body whose ETag has a ``-gzip`` suffix; either tag
validates. Bodies hold no "now": they depend only on the corpus and on which articles are
published, so a restarted site answers a second crawl with 304s.

**Time.** By default every article is published. With a ``clock``, only articles published
at or before ``clock()`` appear in feeds, sitemaps and listings; pages of later articles
are 404. Tests move the clock to simulate new articles arriving.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import html
import json
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from typing import Any, Literal
from urllib.parse import urlsplit
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from crawler.app.demo import DemoEntry, entries, load_article
from crawler.app.demo import manifest as _manifest
from crawler.app.demo.server import ProxySite
from crawler.core import sites
from crawler.core.items import Article

__all__ = [
    "FEED_FORMATS",
    "NEWS_SITEMAP_HOSTS",
    "ROBOTS_DISALLOW",
    "DemoFeed",
    "DemoSite",
    "RequestLog",
    "main",
]

FeedFormat = Literal["rss20", "atom10", "jsonfeed"]

#: Feed format per outlet host; outlets not named serve RSS 2.0. The names are those of
#: ``ParsedFeed.format``.
FEED_FORMATS: dict[str, FeedFormat] = {
    "maghreb-post.example": "jsonfeed",
    "eastport-gazette.example": "atom10",
    "wire-desk-mirror.example": "atom10",
}
#: Outlets that publish a Google News sitemap (``/sitemap.xml`` -> ``/news-sitemap.xml``).
NEWS_SITEMAP_HOSTS = ("wire-desk.example", "gulf-wire-review.example")
#: The one robots.txt rule of the site: host -> disallowed path prefix.
ROBOTS_DISALLOW = {"nile-herald.example": "/private/"}

# RSS variations, each on a few outlets (see the module docstring).
_FULL_TEXT_HOSTS = frozenset({"wire-desk.example"})
_OPAQUE_GUID_HOSTS = frozenset({"nile-herald.example", "neva-news.example"})
_TRACKING_HOSTS = frozenset({"levant-daily.example", "tigris-courier.example"})
_TTL_MINUTES = {"neva-news.example": 15}
_TRACKING_QUERY = "?utm_source=rss&utm_medium=rss"

_MEDIA_TYPES: dict[str, str] = {
    "rss20": "application/rss+xml; charset=utf-8",
    "atom10": "application/atom+xml; charset=utf-8",
    "jsonfeed": "application/feed+json; charset=utf-8",
    "xml": "application/xml; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "text": "text/plain; charset=utf-8",
}

# Page furniture per language; the article text itself always comes from the corpus.
_WORDS: dict[str, dict[str, str]] = {
    "ar": {
        "home": "الرئيسية",
        "latest": "آخر الأخبار",
        "feed": "خلاصة الأخبار",
        "share": "شارك",
        "rights": "جميع الحقوق محفوظة",
        "staff": "دخول المحررين",
        "edition": "النسخة",
    },
    "ru": {
        "home": "Главная",
        "latest": "Последние новости",
        "feed": "Лента новостей",
        "share": "Поделиться",
        "rights": "Все права защищены",
        "staff": "Вход для редакции",
        "edition": "Версия",
    },
    "en": {
        "home": "Home",
        "latest": "Latest news",
        "feed": "News feed",
        "share": "Share",
        "rights": "All rights reserved",
        "staff": "Staff login",
        "edition": "Edition",
    },
}
# The corpus is set in November 2026; the copyright line is part of the stable body.
_COPYRIGHT_YEAR = 2026


@dataclass(frozen=True)
class DemoFeed:
    """One outlet's feed as the demo site serves it."""

    #: Absolute URL on the outlet's host ("http://nile-herald.example/rss.xml").
    url: str
    #: Feed title (the outlet's name).
    title: str
    #: The outlet's language (ISO 639-1).
    language: str
    #: ``rss20``, ``atom10`` or ``jsonfeed`` (as ``ParsedFeed.format`` names them).
    format: FeedFormat
    #: The outlet's host.
    outlet: str


@dataclass(frozen=True)
class RequestLog:
    """One request the demo site answered."""

    method: str
    #: The outlet host the request was routed to (as sent, lower case).
    host: str
    #: Path with query string, as requested.
    path: str
    status: int
    if_none_match: str = ""
    if_modified_since: str = ""
    user_agent: str = ""


@dataclass(frozen=True)
class _Outlet:
    host: str
    name: str
    language: str
    feed_path: str
    #: The outlet's UTC offset ("+02:00"), in which its feeds print dates.
    timezone: str

    @property
    def home(self) -> str:
        return f"http://{self.host}/"

    @property
    def feed_format(self) -> FeedFormat:
        return FEED_FORMATS.get(self.host, "rss20")

    @property
    def feed_url(self) -> str:
        return f"http://{self.host}{self.feed_path}"


@dataclass(frozen=True)
class _Item:
    """A demo article with its place on the site."""

    entry: DemoEntry
    article: Article

    @property
    def url(self) -> str:
        return f"http://{self.entry.outlet}{self.entry.path}"

    @property
    def published(self) -> datetime:
        return self.entry.published


@dataclass
class _Response:
    status: int
    media: str
    body: bytes
    last_modified: datetime | None = None
    #: False for error responses, which carry no validators.
    cacheable: bool = True


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _text(value: str) -> str:
    return html.escape(value, quote=False)


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


def _http_date(value: datetime) -> str:
    return format_datetime(value.astimezone(UTC).replace(microsecond=0), usegmt=True)


def _rfc822(value: datetime, offset: str) -> str:
    # In the outlet's own offset, as the outlet's CMS would print it.
    zone = datetime.fromisoformat(f"2000-01-01T00:00:00{offset}").tzinfo
    return format_datetime(value.astimezone(zone).replace(microsecond=0))


def _iso(value: datetime) -> str:
    return value.replace(microsecond=0).isoformat()


def _newest(items: Sequence[_Item]) -> datetime | None:
    return max((item.published for item in items), default=None)


def _first_paragraph(article: Article) -> str:
    return next(iter(article.paragraphs), "")


def _body_html(article: Article) -> list[str]:
    return [
        f"<h2>{_text(block.text)}</h2>"
        if block.kind == "subheading"
        else f"<p>{_text(block.text)}</p>"
        for block in article.body
    ]


def _source_line(article: Article) -> str:
    """The printed source line ("المصدر: تاس"); empty when the attribution is in the text."""
    return article.attribution if sites.SOURCE_LINE.match(article.attribution) else ""


def _words(language: str) -> dict[str, str]:
    return _WORDS.get(language, _WORDS["en"])


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _gzip_tag(tag: str) -> str:
    return tag[:-1] + '-gzip"'


def _tags_in(header: str) -> set[str]:
    """The entity tags of an ``If-None-Match`` header; weak tags compare as strong ones."""
    tags = set()
    for part in header.split(","):
        part = part.strip()
        if part.startswith("W/"):
            part = part[2:]
        if part:
            tags.add(part)
    return tags


def _accepts_gzip(header: str) -> bool:
    for part in header.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "x-gzip"):
            return params.replace(" ", "").lower() not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


# --------------------------------------------------------------------------------------------
# The site
# --------------------------------------------------------------------------------------------


class DemoSite(ProxySite):
    """The bundled demo site on 127.0.0.1: every outlet of site.json as a virtual host.

    Use it as a context manager (``with DemoSite() as demo: ...``) or call ``start`` and
    ``stop``. ``port=0`` picks a free port; ``proxy_url`` says which.
    """

    server_version = "wirecrawl-demo/1.0"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(host, port)
        #: Where "now" comes from; None publishes everything. May be replaced at any time.
        self.clock = clock
        #: Every request answered, in order (tests read and clear it).
        self.requests: list[RequestLog] = []
        self._log_lock = threading.Lock()
        self._outlets = {
            item["host"]: _Outlet(
                host=item["host"],
                name=item["name"],
                language=item["language"],
                feed_path=item["feed_path"],
                timezone=item["timezone"],
            )
            for item in _manifest()["outlets"]
        }
        self._items = [_Item(entry, load_article(entry)) for entry in entries()]
        self._pages = {(item.entry.outlet, item.entry.path): item for item in self._items}
        # Outlets whose pages carry a language switcher get edition pages for its languages.
        self._editions: dict[str, set[str]] = {}
        for item in self._items:
            if item.article.alternates:
                languages = self._editions.setdefault(item.entry.outlet, set())
                languages.add(item.entry.language)
                languages.update(a.language for a in item.article.alternates)

    # ---------------------------------------------------------------- what it serves

    def feeds(self) -> list[DemoFeed]:
        """One feed per outlet, in ``site.json`` order."""
        return [
            DemoFeed(
                url=outlet.feed_url,
                title=outlet.name,
                language=outlet.language,
                format=outlet.feed_format,
                outlet=outlet.host,
            )
            for outlet in self._outlets.values()
        ]

    def sitemaps(self) -> list[str]:
        """The sitemap index URLs (each points at the outlet's news sitemap)."""
        return [f"http://{host}/sitemap.xml" for host in NEWS_SITEMAP_HOSTS]

    def home_pages(self) -> list[str]:
        """Each outlet's home page URL."""
        return [outlet.home for outlet in self._outlets.values()]

    # ---------------------------------------------------------------- time

    def _now(self) -> datetime | None:
        if self.clock is None:
            return None
        now = self.clock()
        return now if now.tzinfo is not None else now.replace(tzinfo=UTC)

    def _is_published(self, item: _Item, now: datetime | None) -> bool:
        return now is None or item.published <= now

    def _published(self, host: str, now: datetime | None) -> list[_Item]:
        """The outlet's published articles, newest first (path breaks ties, for stability)."""
        found = [
            item
            for item in self._items
            if item.entry.outlet == host and self._is_published(item, now)
        ]
        found.sort(key=lambda item: item.entry.path)
        found.sort(key=lambda item: item.published, reverse=True)
        return found

    # ---------------------------------------------------------------- routing

    def _respond(self, host: str, path: str) -> _Response:
        outlet = self._outlets.get(host)
        if outlet is None:
            served = ", ".join(sorted(self._outlets))
            message = (
                f"wirecrawl demo site: no outlet at host {host or '(none)'!r}.\n"
                f"Hosts served: {served}\n"
            )
            return _Response(502, "text", message.encode("utf-8"), cacheable=False)
        now = self._now()
        path = path.split("?", 1)[0].split("#", 1)[0] or "/"
        if path == "/robots.txt":
            return _Response(200, "text", self._robots(outlet).encode("utf-8"))
        if path == outlet.feed_path:
            items = self._published(host, now)
            body = _FEED_RENDERERS[outlet.feed_format](self, outlet, items)
            return _Response(200, outlet.feed_format, body, _newest(items))
        if host in NEWS_SITEMAP_HOSTS and path in ("/sitemap.xml", "/news-sitemap.xml"):
            items = self._published(host, now)
            render = _sitemap_index if path == "/sitemap.xml" else _news_sitemap
            return _Response(200, "xml", render(self, outlet, items), _newest(items))
        if path == "/":
            items = self._published(host, now)
            return _Response(200, "html", self._listing(outlet, items, ""), _newest(items))
        language = path.strip("/")
        if path == f"/{language}/" and language in self._editions.get(host, ()):
            items = [i for i in self._published(host, now) if i.entry.language == language]
            return _Response(200, "html", self._listing(outlet, items, language), _newest(items))
        item = self._pages.get((host, path))
        if item is not None and self._is_published(item, now):
            return _Response(200, "html", self._article_page(outlet, item, now), item.published)
        disallowed = ROBOTS_DISALLOW.get(host)
        if disallowed is not None and path.startswith(disallowed):
            # The page robots.txt keeps crawlers away from; fetching it is the tell.
            return _Response(200, "html", self._staff_page(outlet))
        return _Response(404, "text", f"Not found: http://{host}{path}\n".encode(), cacheable=False)

    # ---------------------------------------------------------------- documents

    def _robots(self, outlet: _Outlet) -> str:
        lines = ["User-agent: *"]
        disallowed = ROBOTS_DISALLOW.get(outlet.host)
        lines.append(f"Disallow: {disallowed}" if disallowed else "Disallow:")
        if outlet.host in NEWS_SITEMAP_HOSTS:
            lines += ["", f"Sitemap: http://{outlet.host}/sitemap.xml"]
        return "\n".join(lines) + "\n"

    def _counterparts(self, item: _Item, now: datetime | None) -> dict[str, _Item]:
        """The same story in other languages on the same outlet (real editions only)."""
        if item.entry.story is None:
            return {}
        return {
            other.entry.language: other
            for other in self._items
            if other.entry.outlet == item.entry.outlet
            and other.entry.story == item.entry.story
            and other.entry.language != item.entry.language
            and self._is_published(other, now)
        }

    def _head(
        self, outlet: _Outlet, language: str, title: str, extra: Iterable[str] = ()
    ) -> list[str]:
        direction = ' dir="rtl"' if language == "ar" else ""
        feed_type = _MEDIA_TYPES[outlet.feed_format].split(";")[0]
        return [
            "<!DOCTYPE html>",
            f'<html lang="{language}"{direction}>',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_text(title)}</title>",
            *extra,
            f'<link rel="alternate" type="{feed_type}" title="{_attr(outlet.name)}"'
            f' href="{_attr(outlet.feed_url)}">',
            "</head>",
        ]

    def _site_header(
        self, outlet: _Outlet, language: str, switcher: Sequence[str] = ()
    ) -> list[str]:
        words = _words(language)
        lines = ['<header class="site-header">']
        if switcher:
            lines.append(f'<nav class="language-switcher" aria-label="{_attr(words["edition"])}">')
            lines += switcher
            lines.append("</nav>")
        lines += [
            f'<a class="logo" href="/">{_text(outlet.name)}</a>',
            '<nav class="sections">',
            f'<a href="/">{_text(words["home"])}</a>',
            f'<a href="{_attr(outlet.feed_path)}">{_text(words["feed"])}</a>',
        ]
        disallowed = ROBOTS_DISALLOW.get(outlet.host)
        if disallowed:
            lines.append(f'<a href="{disallowed}login">{_text(words["staff"])}</a>')
        lines += ["</nav>", "</header>"]
        return lines

    def _site_footer(self, outlet: _Outlet, language: str, url: str) -> list[str]:
        words = _words(language)
        return [
            '<footer class="site-footer">',
            f'<div class="share">{_text(words["share"])}:',
            f'<a href="https://www.facebook.com/sharer/sharer.php?u={_attr(url)}">Facebook</a>',
            f'<a href="https://twitter.com/intent/tweet?url={_attr(url)}">X</a>',
            f'<a href="https://t.me/share/url?url={_attr(url)}">Telegram</a>',
            "</div>",
            f"<p>© {_COPYRIGHT_YEAR} {_text(outlet.name)}. {_text(words['rights'])}.</p>",
            "</footer>",
        ]

    def _listing(self, outlet: _Outlet, items: Sequence[_Item], edition: str) -> bytes:
        language = edition or outlet.language
        words = _words(language)
        title = f"{outlet.name} - {words['latest']}"
        url = f"{outlet.home}{edition + '/' if edition else ''}"
        lines = self._head(outlet, language, title, [f'<link rel="canonical" href="{_attr(url)}">'])
        lines += ["<body>", *self._site_header(outlet, language)]
        lines += ["<main>", f'<h1 class="section-title">{_text(words["latest"])}</h1>', "<ul>"]
        for item in items:
            direction = ' dir="rtl"' if item.entry.language == "ar" else ""
            lines.append(
                f'<li lang="{item.entry.language}"{direction}>'
                f'<a href="{_attr(item.entry.path)}">{_text(item.article.title)}</a> '
                f'<time datetime="{_iso(item.published)}">'
                f"{_text(item.article.published_text)}</time></li>"
            )
        lines += ["</ul>", "</main>", *self._site_footer(outlet, language, url)]
        lines += ["</body>", "</html>"]
        return ("\n".join(lines) + "\n").encode("utf-8")

    def _article_page(self, outlet: _Outlet, item: _Item, now: datetime | None) -> bytes:
        article, entry = item.article, item.entry
        counterparts = self._counterparts(item, now)
        extra = [
            '<meta property="og:type" content="article">',
            f'<meta property="og:title" content="{_attr(article.title)}">',
            f'<meta property="og:url" content="{_attr(item.url)}">',
            f'<meta property="og:site_name" content="{_attr(outlet.name)}">',
            f'<meta property="article:published_time" content="{_iso(entry.published)}">',
            f'<link rel="canonical" href="{_attr(item.url)}">',
            *(
                f'<link rel="alternate" hreflang="{language}" href="{_attr(other.url)}">'
                for language, other in sorted(counterparts.items())
            ),
        ]
        switcher = []
        for alternate in article.alternates:
            other = counterparts.get(alternate.language)
            href = other.entry.path if other is not None else f"/{alternate.language}/"
            switcher.append(
                f'<a href="{_attr(href)}" hreflang="{alternate.language}"'
                f' lang="{alternate.language}">{alternate.language.capitalize()}</a>'
            )
        lines = self._head(outlet, entry.language, f"{article.title} - {outlet.name}", extra)
        lines += ["<body>", *self._site_header(outlet, entry.language, switcher)]
        lines += [
            "<main>",
            "<article>",
            f"<h1>{_text(article.title)}</h1>",
            f'<time datetime="{_iso(entry.published)}">{_text(article.published_text)}</time>',
            *_body_html(article),
        ]
        if article.publisher:
            # A desk signature, not body text: marked up as a byline, which extractors
            # keep out of the article body.
            lines.append(f'<div class="byline publisher">{_text(article.publisher)}</div>')
        if article.photo_credit:
            lines.append(f'<p class="photo-credit">Photo : {_text(article.photo_credit)}</p>')
        if source := _source_line(article):
            lines.append(f'<p class="source">{_text(source)}</p>')
        lines += ["</article>", "</main>", *self._site_footer(outlet, entry.language, item.url)]
        lines += ["</body>", "</html>"]
        return ("\n".join(lines) + "\n").encode("utf-8")

    def _staff_page(self, outlet: _Outlet) -> bytes:
        words = _words(outlet.language)
        lines = self._head(outlet, outlet.language, f"{words['staff']} - {outlet.name}")
        lines += ["<body>", *self._site_header(outlet, outlet.language)]
        lines += ["<main>", f"<h1>{_text(words['staff'])}</h1>", "</main>", "</body>", "</html>"]
        return ("\n".join(lines) + "\n").encode("utf-8")

    # ---------------------------------------------------------------- HTTP

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        headers = {name.lower(): value for name, value in handler.headers.items()}
        self.send(handler, *self._serve(handler.command, handler.path, headers))

    def _serve(
        self, method: str, target: str, headers: Mapping[str, str]
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """Answer one request: status, headers and body (empty for HEAD and 304).

        ``headers`` are the request headers with lower-case names.
        """
        split = urlsplit(target)
        if split.scheme and split.netloc:
            host = (split.hostname or "").lower()
            path = split.path or "/"
            if split.query:
                path += "?" + split.query
        else:
            try:
                host = (urlsplit("//" + headers.get("host", "").strip()).hostname or "").lower()
            except ValueError:
                host = ""
            path = target
        response = self._respond(host, path)
        status, body = response.status, response.body
        out = [("Content-Type", _MEDIA_TYPES[response.media])]
        if response.cacheable:
            tag = _etag(body)
            compressed = _accepts_gzip(headers.get("accept-encoding", ""))
            out.append(("ETag", _gzip_tag(tag) if compressed else tag))
            if response.last_modified is not None:
                out.append(("Last-Modified", _http_date(response.last_modified)))
            out.append(("Cache-Control", "no-cache"))
            out.append(("Vary", "Accept-Encoding"))
            if self._not_modified(headers, tag, response.last_modified):
                status, body = 304, b""
            elif compressed:
                # mtime=0 keeps the compressed bytes as stable as the plain ones.
                body = gzip.compress(body, mtime=0)
                out.append(("Content-Encoding", "gzip"))
        if status != 304:
            out.append(("Content-Length", str(len(body))))
        if method == "HEAD":
            body = b""
        with self._log_lock:
            self.requests.append(
                RequestLog(
                    method=method,
                    host=host,
                    path=path,
                    status=status,
                    if_none_match=headers.get("if-none-match", ""),
                    if_modified_since=headers.get("if-modified-since", ""),
                    user_agent=headers.get("user-agent", ""),
                )
            )
        return status, out, body

    @staticmethod
    def _not_modified(headers: Mapping[str, str], tag: str, last_modified: datetime | None) -> bool:
        if_none_match = headers.get("if-none-match")
        if if_none_match is not None:
            # RFC 9110: when If-None-Match is present, If-Modified-Since is ignored.
            tags = _tags_in(if_none_match)
            return "*" in tags or tag in tags or _gzip_tag(tag) in tags
        since = headers.get("if-modified-since")
        if since is None or last_modified is None:
            return False
        try:
            when = parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return last_modified.replace(microsecond=0) <= when


# --------------------------------------------------------------------------------------------
# Feeds and sitemaps
# --------------------------------------------------------------------------------------------


def _guid(outlet: _Outlet, item: _Item) -> tuple[str, bool]:
    """The item's guid and whether it is the permalink."""
    if outlet.host in _OPAQUE_GUID_HOSTS:
        # CMS-style opaque ids: stable, and never the same string as the link.
        digest = hashlib.sha1(item.entry.path.encode("utf-8")).hexdigest()[:12]
        return f"{outlet.host.split('.')[0]}:{digest}", False
    return item.url, True


def _rss(site_: DemoSite, outlet: _Outlet, items: Sequence[_Item]) -> bytes:
    full_text = outlet.host in _FULL_TEXT_HOSTS
    namespaces = ' xmlns:atom="http://www.w3.org/2005/Atom"'
    if full_text:
        namespaces += ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<rss version="2.0"{namespaces}>',
        "<channel>",
        f"<title>{xml_escape(outlet.name)}</title>",
        f"<link>{xml_escape(outlet.home)}</link>",
        f"<description>{xml_escape(_words(outlet.language)['latest'])}</description>",
        f"<language>{outlet.language}</language>",
        f'<atom:link href={quoteattr(outlet.feed_url)} rel="self" type="application/rss+xml"/>',
    ]
    newest = _newest(items)
    if newest is not None:
        lines.append(f"<lastBuildDate>{_rfc822(newest, outlet.timezone)}</lastBuildDate>")
    if outlet.host in _TTL_MINUTES:
        lines.append(f"<ttl>{_TTL_MINUTES[outlet.host]}</ttl>")
    for item in items:
        language = item.entry.language
        # Only the agency feed mixes editions; its items say which language they are in.
        marker = f' xml:lang="{language}"' if language != outlet.language else ""
        link = item.url + (_TRACKING_QUERY if outlet.host in _TRACKING_HOSTS else "")
        guid, permalink = _guid(outlet, item)
        guid_attribute = "" if permalink else ' isPermaLink="false"'
        lines += [
            f"<item{marker}>",
            f"<title>{xml_escape(item.article.title)}</title>",
            f"<link>{xml_escape(link)}</link>",
            f"<guid{guid_attribute}>{xml_escape(guid)}</guid>",
            f"<pubDate>{_rfc822(item.published, outlet.timezone)}</pubDate>",
            f"<description>{xml_escape(_first_paragraph(item.article))}</description>",
        ]
        if full_text:
            content = "\n".join(_body_html(item.article))
            lines.append(f"<content:encoded>{xml_escape(content)}</content:encoded>")
        lines.append("</item>")
    lines += ["</channel>", "</rss>"]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _atom(site_: DemoSite, outlet: _Outlet, items: Sequence[_Item]) -> bytes:
    # An empty feed still needs <updated>; the oldest article of the outlet stands in.
    oldest = min(
        (i.published for i in site_._items if i.entry.outlet == outlet.host),
        default=datetime(1970, 1, 1, tzinfo=UTC),
    )
    updated = _newest(items) or oldest
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{outlet.language}">',
        f"<id>{xml_escape(outlet.home)}</id>",
        f"<title>{xml_escape(outlet.name)}</title>",
        f"<subtitle>{xml_escape(_words(outlet.language)['latest'])}</subtitle>",
        f"<updated>{_iso(updated)}</updated>",
        f"<author><name>{xml_escape(outlet.name)}</name></author>",
        f'<link rel="self" type="application/atom+xml" href={quoteattr(outlet.feed_url)}/>',
        f'<link rel="alternate" type="text/html" href={quoteattr(outlet.home)}/>',
    ]
    for item in items:
        day = item.published.date().isoformat()
        lines += [
            "<entry>",
            f"<id>tag:{outlet.host},{day}:{xml_escape(item.entry.path)}</id>",
            f"<title>{xml_escape(item.article.title)}</title>",
            f'<link rel="alternate" type="text/html" href={quoteattr(item.url)}/>',
            f"<published>{_iso(item.published)}</published>",
            f"<updated>{_iso(item.published)}</updated>",
            f"<summary>{xml_escape(_first_paragraph(item.article))}</summary>",
            "</entry>",
        ]
    lines.append("</feed>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _json_feed(site_: DemoSite, outlet: _Outlet, items: Sequence[_Item]) -> bytes:
    document: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": outlet.name,
        "home_page_url": outlet.home,
        "feed_url": outlet.feed_url,
        "language": outlet.language,
        "authors": [{"name": outlet.name}],
        "items": [
            {
                "id": item.url,
                "url": item.url,
                "title": item.article.title,
                "summary": _first_paragraph(item.article),
                "content_html": "\n".join(_body_html(item.article)),
                "date_published": _iso(item.published),
            }
            for item in items
        ],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


_FEED_RENDERERS: dict[str, Callable[[DemoSite, _Outlet, Sequence[_Item]], bytes]] = {
    "rss20": _rss,
    "atom10": _atom,
    "jsonfeed": _json_feed,
}


def _sitemap_index(site_: DemoSite, outlet: _Outlet, items: Sequence[_Item]) -> bytes:
    newest = _newest(items)
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
        "<sitemap>",
        f"<loc>http://{outlet.host}/news-sitemap.xml</loc>",
        *([f"<lastmod>{_iso(newest)}</lastmod>"] if newest is not None else []),
        "</sitemap>",
        "</sitemapindex>",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _news_sitemap(site_: DemoSite, outlet: _Outlet, items: Sequence[_Item]) -> bytes:
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">',
    ]
    for item in items:
        lines += [
            "<url>",
            f"<loc>{xml_escape(item.url)}</loc>",
            "<news:news>",
            "<news:publication>",
            f"<news:name>{xml_escape(outlet.name)}</news:name>",
            f"<news:language>{item.entry.language}</news:language>",
            "</news:publication>",
            f"<news:publication_date>{_iso(item.published)}</news:publication_date>",
            f"<news:title>{xml_escape(item.article.title)}</news:title>",
            "</news:news>",
            "</url>",
        ]
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def main(argv: Sequence[str] | None = None) -> None:
    """Serve the demo site in the foreground: ``python -m crawler.app.demo.site [--port N]``."""
    parser = argparse.ArgumentParser(
        prog="python -m crawler.app.demo.site",
        description="Serve the wirecrawl demo outlets; use the printed URL as an HTTP proxy.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (8765; 0 picks one)")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    demo = DemoSite(args.host, args.port)
    demo.verbose = args.verbose
    server = demo.open()
    print(f"wirecrawl demo site; HTTP proxy: {demo.proxy_url}")
    print(f"  try: curl -x {demo.proxy_url} {demo.feeds()[0].url}")
    print("feeds:")
    for feed in demo.feeds():
        print(f"  {feed.url}  ({feed.format}, {feed.language})")
    print("news sitemaps:")
    for url in demo.sitemaps():
        print(f"  {url}")
    print("Ctrl-C stops it.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
