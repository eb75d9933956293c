"""A hostile loopback server: what real servers do to crawlers, on purpose.

``HostileSite`` is a ``LoopbackSite`` (a proxy-style server on 127.0.0.1, so
test URLs keep made-up hosts) whose routes may also be ``Raw`` behaviours
that write to the socket themselves: stall in the middle of a body, stream
without end, drip a byte at a time, hang up early. The builders below make
the bodies: feeds in a lying charset, a gzip bomb, an entity-expansion bomb,
a feed of 10,000 entries, a bot-challenge page.

Stalling handlers wait on ``site.release``, which is set when the site is
closed, so a test never waits for its own server.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.loopback import LoopbackSite, Reply, Seen, page, rss

#: Longest a stalling handler holds its connection open.
STALL_LIMIT = 60.0
ROOT = Path(__file__).resolve().parents[1]
#: Settings of the test crawls: no politeness delays, short waits, and the private-redirect
#: guard off (test hosts are made-up names behind a proxy on 127.0.0.1).
QUICK = (
    "-s", "DOWNLOAD_DELAY=0",
    "-s", "AUTOTHROTTLE_START_DELAY=0.01",
    "-s", "LOG_LEVEL=WARNING",
    "-s", "RETRY_BACKOFF_BASE=0.05",
    "-s", "WIRECRAWL_BLOCK_PRIVATE_REDIRECTS=false",
)  # fmt: skip


def crawl(
    db: Path, proxy: str, *feeds: str, extra: tuple[str, ...] = (), timeout: float = 180
) -> tuple[dict, float]:
    """One ``wirecrawl crawl --feeds ...`` in a subprocess: its JSON summary and its seconds.

    ``extra`` settings come after ``QUICK`` and win over it.
    """
    args = [sys.executable, "-m", "crawler", "--db", str(db), "crawl", "--json", *QUICK, *extra]
    for feed in feeds:
        args += ["--feeds", feed]
    started = time.monotonic()
    result = subprocess.run(
        args,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, "WIRECRAWL_PROXY": proxy},
    )
    took = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1]), took


def rows(db: Path, sql: str, *params: object) -> list[tuple]:
    """Rows of a query on the store file (a plain connection, as any reader would)."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@dataclass(frozen=True)
class Raw:
    """A route that writes the HTTP response itself (``write(site, handler)``)."""

    write: Callable[[HostileSite, BaseHTTPRequestHandler], None]


class HostileSite(LoopbackSite):
    """A ``LoopbackSite`` whose routes can misbehave at the socket level."""

    def __init__(self) -> None:
        super().__init__()
        #: Set when the site closes: stalled handlers give up their connection.
        self.release = threading.Event()
        # A crawler hanging up on a bomb is the point, not a server error worth a traceback.
        self.open().handle_error = lambda request, client_address: None  # type: ignore[method-assign]

    def stop(self) -> None:
        self.release.set()
        super().stop()

    def raw(self, url: str, write: Callable[[HostileSite, BaseHTTPRequestHandler], None]) -> None:
        """Answer ``url`` with a function that writes the response to the socket."""
        self.routes[url] = Raw(write)  # type: ignore[assignment]

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        target = self.target_of(handler)
        route = self.routes.get(target) or self.routes.get(target.split("?")[0])
        if not isinstance(route, Raw):
            super().answer(handler)
            return
        with self._lock:
            self.requests.append(Seen(target, dict(handler.headers.items()), time.monotonic(), 0))
        # The crawler hanging up on a bomb or a stall is what the test wants to see.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            route.write(self, handler)
        handler.close_connection = True


# -- socket-level behaviours ----------------------------------------------------


def stall_mid_body(
    body: bytes, after: int = 200
) -> Callable[[HostileSite, BaseHTTPRequestHandler], None]:
    """Promise ``len(body)`` bytes, send ``after`` of them, then hold the connection open."""

    def write(site: HostileSite, handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body[:after])
        handler.wfile.flush()
        site.release.wait(STALL_LIMIT)

    return write


def drip(body: bytes, every: float = 0.5) -> Callable[[HostileSite, BaseHTTPRequestHandler], None]:
    """Send the body one byte at a time: no single read ever times out."""

    def write(site: HostileSite, handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        for byte in body:
            if site.release.wait(every):
                return
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()

    return write


def endless(
    total: int = 50 * 1024 * 1024, content_type: str = "text/html"
) -> Callable[[HostileSite, BaseHTTPRequestHandler], None]:
    """Stream ``total`` bytes of a page with no Content-Length (the end is the hang-up)."""
    chunk = b"<p>" + b"padding " * 8000 + b"</p>\n"

    def write(site: HostileSite, handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(b"<!doctype html><html><body><article>")
        sent = 0
        while sent < total and not site.release.is_set():
            handler.wfile.write(chunk)
            sent += len(chunk)

    return write


def hang_up_early(
    body: bytes, after: int = 100
) -> Callable[[HostileSite, BaseHTTPRequestHandler], None]:
    """Promise ``len(body)`` bytes, send ``after`` of them and close the connection."""

    def write(site: HostileSite, handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body[:after])
        handler.wfile.flush()

    return write


# -- hostile bodies ---------------------------------------------------------------


@cache
def gzip_bomb(size: int = 200 * 1024 * 1024) -> bytes:
    """A small gzip body (about ``size`` / 1000 bytes) that inflates to ``size`` zero bytes."""
    out = io.BytesIO()
    block = b"\0" * (1024 * 1024)
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as packed:
        for _ in range(size // len(block)):
            packed.write(block)
    return out.getvalue()


def entity_bomb() -> bytes:
    """The 'billion laughs' document, dressed as an RSS feed."""
    levels = ['<!ENTITY lol0 "lol">']
    for k in range(1, 10):
        refs = f"&lol{k - 1};" * 10
        levels.append(f'<!ENTITY lol{k} "{refs}">')
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [' + "".join(levels) + "]>\n"
        '<rss version="2.0"><channel><title>&lol9;</title><link>http://bomb.example/</link>'
        "<item><title>&lol9;</title><link>http://bomb.example/a1</link></item>"
        "</channel></rss>"
    ).encode()


def huge_feed(host: str, count: int = 10_000) -> bytes:
    """An RSS feed of ``count`` entries linking to ``http://HOST/aN``."""
    return rss(
        "Huge",
        [
            {"title": f"Entry {k}", "link": f"http://{host}/a{k}", "guid": f"g{k}"}
            for k in range(count)
        ],
    )


def challenge_page() -> bytes:
    """A Cloudflare-style bot check, as sites send it instead of a feed."""
    return (
        b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
        b"<div id='cf-challenge-running'>Checking your browser before accessing the site."
        b"</div><script src='/cdn-cgi/challenge-platform/h/b/orchestrate/jsch/v1'></script>"
        b"</body></html>"
    )


def html_home(title: str = "Home") -> bytes:
    """A site's home page (no feed link)."""
    return page(title, ["Latest news", "Weather", "Contact us"])


def feed_in(charset: str, declared: str, title: str, items: list[dict[str, str]]) -> bytes:
    """An RSS feed encoded in ``charset`` whose XML declaration claims ``declared``."""
    text = rss(title, items).decode("utf-8").replace('encoding="utf-8"', f'encoding="{declared}"')
    return text.encode(charset)


def page_in(charset: str, declared: str, title: str, paragraphs: list[str], lang: str) -> bytes:
    """An article page encoded in ``charset`` whose meta tag claims ``declared``."""
    text = page(title, paragraphs, lang=lang).decode("utf-8")
    return text.replace('charset="utf-8"', f'charset="{declared}"').encode(charset)


def empty_article_page() -> bytes:
    """A page that is all navigation: nothing to extract."""
    return (
        b"<!doctype html><html><head><meta charset='utf-8'><title>Untitled</title></head>"
        b"<body><nav>Home | World | Sport</nav><article></article></body></html>"
    )


def story(topic: str, n: int = 4) -> list[str]:
    """Invented English paragraphs about ``topic``, long enough to be an article."""
    return [
        f"The {topic} committee met on Tuesday in the old town hall and agreed on item {i} of "
        f"its plan after a long discussion that lasted most of the afternoon and evening, "
        f"according to a statement released by the {topic} office later that night."
        for i in range(1, n + 1)
    ]


def arabic_story(n: int = 4) -> list[str]:
    """Invented Arabic paragraphs."""
    return [
        f"اجتمع وزراء خارجية الدول الأعضاء في حلف الناتو في بروكسل يوم الثلاثاء لبحث الوضع "
        f"الأمني في أوروبا الشرقية وسبل تعزيز التعاون الدفاعي، وهذه هي الفقرة رقم {i} من الخبر."
        for i in range(1, n + 1)
    ]


def russian_story(n: int = 4) -> list[str]:
    """Invented Russian paragraphs."""
    return [
        f"Участники съезда в Москве обсудили планы развития транспортной системы региона и "
        f"утвердили программу строительства новых дорог и мостов на пять лет, пункт {i}."
        for i in range(1, n + 1)
    ]


# -- a site of outlets reprinting wire copy ----------------------------------------

_SYLLABLES = ["ka", "ro", "mi", "tu", "sel", "dan", "vor", "pe", "li", "naz", "ob", "ure"]
_T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


def wire_story(n: int) -> list[str]:
    """The wire copy of story ``n``: five paragraphs of words no other story uses alike."""
    rng = random.Random(n)
    words = ["".join(rng.choice(_SYLLABLES) for _ in range(3)) for _ in range(60)]
    paragraphs = []
    for i in range(5):
        sentences = [
            " ".join(rng.choice(words) for _ in range(12)).capitalize() + "." for _ in range(3)
        ]
        paragraphs.append(f"Report {n}-{i}: " + " ".join(sentences))
    return paragraphs


def reprint_pages(
    outlets: int, per_outlet: int, seed: int = 20260302
) -> dict[int, list[tuple[str, str, list[str], str]]]:
    """Outlet -> its pages as (URL, title, paragraphs, publication time).

    Each outlet reprints ``per_outlet`` of ``2 * per_outlet`` wire stories, some
    with an outlet line added or a paragraph cut. Every page has its own
    publication time, so which copy is canonical does not depend on the order
    in which a crawl meets them.
    """
    rng = random.Random(seed)
    out: dict[int, list[tuple[str, str, list[str], str]]] = {}
    for outlet in range(outlets):
        pages = []
        for k, n in enumerate(rng.sample(range(2 * per_outlet), per_outlet)):
            paragraphs = wire_story(n)
            if (outlet + n) % 3 == 0:
                paragraphs = [f"Outlet {outlet} reports from its own desk.", *paragraphs]
            elif (outlet + n) % 3 == 1:
                paragraphs = paragraphs[:-1]
            when = _T0 + timedelta(minutes=n * 97 + outlet * 7 + k)
            url = f"http://outlet{outlet}.example/news/{n}"
            pages.append((url, f"Story {n} at outlet {outlet}", paragraphs, when.isoformat()))
        out[outlet] = pages
    return out


def reprint_site(
    site: LoopbackSite, outlets: int, per_outlet: int, *, delay: float = 0.03
) -> list[str]:
    """Serve ``reprint_pages`` on ``site`` (pages take ``delay`` s or a little more).

    Returns the outlets' feed URLs.
    """
    feeds = []
    for outlet, pages in reprint_pages(outlets, per_outlet).items():
        items = [
            {"title": title, "link": url, "guid": url, "pubDate": when}
            for url, title, _, when in pages
        ]
        feeds.append(f"http://outlet{outlet}.example/feed.xml")
        site.set(feeds[-1], body=rss(f"Outlet {outlet}", items))
        for k, (url, title, paragraphs, when) in enumerate(pages):
            body = page(title, paragraphs, published=when)
            wait = delay * (1 + 0.7 * (k % 5))

            def answer(_: object, body: bytes = body, wait: float = wait) -> Reply:
                time.sleep(wait)
                return Reply(200, body)

            site.set(url, answer)
    return feeds
