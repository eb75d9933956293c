"""The feeds behind a URL, as ``wirecrawl feeds add`` finds them, and the one-off fetch it uses.

``discover(url, fetch)`` decides: the URL itself when it is a feed, else the feeds its
page advertises (``<link rel="alternate">``), else the first of the usual feed paths
that answers with a feed. It only calls ``fetch``, so it runs the same over the network
and over any other source of pages.

``SafeFetcher`` is that fetch for the command line (``feeds add``, ``extract URL``): a
plain blocking GET with the crawler's own rules (``crawler.core.urls``): http(s) only,
no redirect from a public host into the local network, a size cap, the crawler's
User-Agent, and ``WIRECRAWL_PROXY`` when it is set, as for crawls.
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from crawler.core.errors import FeedError
from crawler.core.feeds import COMMON_FEED_PATHS, discover_feeds, parse_feed
from crawler.core.urls import is_private_address, private_redirect_refusal, scheme_refusal

#: Seconds a one-off fetch may take.
FETCH_TIMEOUT = 20.0
#: Bytes read of one response (the crawler's own cap).
MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class FetchedPage:
    """One response: where it ended up, its headers and its body."""

    #: The URL after redirects.
    url: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


Fetch = Callable[[str], FetchedPage]


def discover(url: str, fetch: Fetch) -> list[tuple[str, str]]:
    """The (feed URL, title) pairs behind ``url``; raises ``FeedError`` when there are none."""
    page = fetch(url)
    try:
        parsed = parse_feed(page.body, page.url, page.headers)
        return [(url, parsed.title)]
    except FeedError as exc:
        if getattr(exc, "kind", "") not in ("html", "not-a-feed"):
            raise
    advertised = discover_feeds(page.body, page.url)
    candidates = advertised or [urllib.parse.urljoin(page.url, p) for p in COMMON_FEED_PATHS]
    feeds = []
    for candidate in candidates:
        try:
            answer = fetch(candidate)
            parsed = parse_feed(answer.body, answer.url, answer.headers)
        except FeedError:
            continue
        feeds.append((candidate, parsed.title))
        if not advertised:
            break  # one usual path that works is enough
    if not feeds:
        raise FeedError(
            f"{url}: no feed found (the page advertises none and the usual feed paths "
            "gave nothing); add the feed URL itself"
        )
    return feeds


def resolves_private(host: str) -> bool:
    """Whether ``host`` is private: by its name or literal, or by any address it resolves to."""
    if not host:
        return False
    if is_private_address(host):
        return True
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError, ValueError):
        return False  # the fetch would fail on the same resolver
    return any(is_private_address(str(info[4][0])) for info in infos)


class SafeFetcher:
    """A blocking GET with the crawler's safety rules; errors are ``FeedError`` naming the URL."""

    def __init__(
        self,
        user_agent: str,
        *,
        proxy: str = "",
        block_private_redirects: bool = True,
        timeout: float = FETCH_TIMEOUT,
        is_private: Callable[[str], bool] = resolves_private,
    ) -> None:
        self.user_agent = user_agent
        self.timeout = timeout
        self.block_private_redirects = block_private_redirects
        self.is_private = is_private
        handlers: list[Any] = [self._redirect_handler()]
        # A given proxy is used for http and https alike; without one, none is (the
        # environment's http_proxy would bypass what WIRECRAWL_PROXY says for crawls).
        handlers.append(
            urllib.request.ProxyHandler({"http": proxy, "https": proxy} if proxy else {})
        )
        self.opener = urllib.request.build_opener(*handlers)

    def _redirect_handler(self) -> urllib.request.HTTPRedirectHandler:
        fetcher = self

        class CheckedRedirects(urllib.request.HTTPRedirectHandler):
            def http_error_302(
                self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any
            ) -> Any:
                # Judged before urllib's own scheme check, so the refusal reads as a crawl's.
                location = headers.get("location") or headers.get("uri")
                if location:
                    chain = [*getattr(req, "wirecrawl_chain", []), req.full_url]
                    fetcher.refuse(chain, urllib.parse.urljoin(req.full_url, location.strip()))
                return super().http_error_302(req, fp, code, msg, headers)

            http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

            def redirect_request(
                self,
                req: urllib.request.Request,
                fp: Any,
                code: int,
                msg: str,
                headers: Any,
                newurl: str,
            ) -> urllib.request.Request | None:
                new = super().redirect_request(req, fp, code, msg, headers, newurl)
                if new is not None:
                    # The hops so far travel with the request: urllib keeps no chain.
                    chain = [*getattr(req, "wirecrawl_chain", []), req.full_url]
                    setattr(new, "wirecrawl_chain", chain)  # noqa: B010
                return new

        return CheckedRedirects()

    def refuse(self, chain: list[str], target: str) -> None:
        """Raise ``FeedError`` when the crawler would not follow ``chain`` to ``target``."""
        refusal = scheme_refusal(target, chain[-1])
        if refusal is None and self.block_private_redirects:
            refusal = private_redirect_refusal(chain, target, self.is_private)
        if refusal:
            raise FeedError(refusal)

    def __call__(self, url: str) -> FetchedPage:
        refusal = scheme_refusal(url)
        if refusal:
            raise FeedError(refusal)
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent})
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                body = response.read(MAX_BYTES)
                return FetchedPage(response.geturl(), body, dict(response.headers.items()))
        except urllib.error.HTTPError as exc:
            raise FeedError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise FeedError(f"{url}: cannot fetch it ({reason})") from exc
