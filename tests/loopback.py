"""A scriptable HTTP server on 127.0.0.1 for crawl tests.

Like the demo site it is reached as a proxy, so test URLs keep made-up
hosts (``http://stale.example/feed.xml``) and need no port. Each URL is
answered by a fixed response or by a function of the request; every request
is recorded with its headers. Unknown URLs get 404; ``/robots.txt`` allows
everything unless a test sets it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from crawler.app.demo.server import ProxySite


@dataclass(frozen=True)
class Seen:
    """One request the server answered."""

    url: str
    headers: dict[str, str]
    at: float
    status: int


@dataclass
class Reply:
    """A response: status, headers and body."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Seen], Reply]


class LoopbackSite(ProxySite):
    """A proxy-style server: ``set(url, ...)`` decides what each URL answers."""

    def __init__(self) -> None:
        super().__init__()
        self.routes: dict[str, Reply | Handler] = {}
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        # Bound at once: a test may read proxy_url, or tune the server, before starting it.
        self.open()

    def set(self, url: str, reply: Reply | Handler | None = None, **fields: object) -> None:
        """Answer ``url`` with ``reply`` (or a Reply built from ``fields``)."""
        self.routes[url] = reply if reply is not None else Reply(**fields)  # type: ignore[arg-type]

    def seen(self, url: str) -> list[Seen]:
        """The requests made for ``url``."""
        with self._lock:
            return [r for r in self.requests if r.url == url]

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        target = self.target_of(handler)
        parts = urlsplit(target)
        url = f"{parts.scheme}://{parts.netloc}{parts.path}" + (
            f"?{parts.query}" if parts.query else ""
        )
        headers = {k: v for k, v in handler.headers.items()}
        route = self.routes.get(url) or self.routes.get(url.split("?")[0])
        if route is None and parts.path == "/robots.txt":
            route = Reply(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"})
        if route is None:
            reply = Reply(404, b"not found", {"Content-Type": "text/plain"})
        elif isinstance(route, Reply):
            reply = route
        else:
            reply = route(Seen(url, headers, time.monotonic(), 0))
        with self._lock:
            self.requests.append(Seen(url, headers, time.monotonic(), reply.status))
        out = [*reply.headers.items(), ("Content-Length", str(len(reply.body)))]
        self.send(handler, reply.status, out, b"" if reply.status == 304 else reply.body)


def rss(title: str, items: list[dict[str, str]], **channel: str) -> bytes:
    """An RSS 2.0 document; each item takes title, link, guid, pubDate, description, content."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>',
        f"<title>{escape(title)}</title><link>{escape(channel.get('link', 'http://example.invalid/'))}</link>",
        "<description>test feed</description>",
    ]
    if "ttl" in channel:
        parts.append(f"<ttl>{channel['ttl']}</ttl>")
    for item in items:
        parts.append("<item>")
        for name in ("title", "link", "guid", "pubDate", "description"):
            if name in item:
                parts.append(f"<{name}>{escape(item[name])}</{name}>")
        if "content" in item:
            parts.append(f"<content:encoded><![CDATA[{item['content']}]]></content:encoded>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts).encode("utf-8")


def page(title: str, paragraphs: list[str], *, lang: str = "en", published: str = "") -> bytes:
    """A small news article page."""
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>{meta}</head><body><nav>Home | World | Sport</nav>"
        f"<article><h1>{escape(title)}</h1>{body}</article>"
        "<footer>Copyright. All rights reserved.</footer></body></html>"
    ).encode()


def http_date(when: float) -> str:
    """An HTTP date for a Unix time."""
    from datetime import UTC, datetime

    return format_datetime(datetime.fromtimestamp(when, UTC), usegmt=True)
