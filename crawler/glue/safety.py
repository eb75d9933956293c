"""Which requests the crawler sends: http(s) only, and no redirect from the web into a LAN.

``SafetyMiddleware`` is the first downloader middleware every request meets
(before robots.txt, which would otherwise fetch the refused host's file).
It refuses, with a ``RefusedRequest`` that the spiders record on the feed
like any other failed fetch (outcome and a one-line reason):

* any request whose scheme is not ``http`` or ``https``. Scrapy can read
  ``file://``, ``data:``, ``ftp://`` and ``s3://`` URLs, and a ``--feeds``
  argument or a ``Location`` header can name one; none of them is a news
  page (settings also switch those download handlers off).
* with ``WIRECRAWL_BLOCK_PRIVATE_REDIRECTS`` (on by default), a redirect (a
  3xx or a meta refresh) to a private address when any URL before it in the
  chain was public. A feed on the public web must not be able to send the
  crawler to ``http://127.0.0.1:8080/admin``, ``http://10.0.0.5/`` or the
  cloud metadata address ``169.254.169.254``. A chain that starts private and
  stays private (a feed on the intranet the user added) is allowed.

What counts as private: the URL's host, never the proxy's. With
``WIRECRAWL_PROXY`` every connection goes to the proxy (the demo and the
tests run theirs on 127.0.0.1), and what matters is where the redirect
points. A host is private when ``crawler.core.urls.is_private_address`` says so
(IP literals that are not globally reachable, in any spelling; ``localhost``
and names under ``.localhost``, ``.local``, ``.internal``, ``.home.arpa``;
names without a dot). Other names are looked up with the system resolver, but
only for the hops of a redirect chain, never for ordinary requests; a name
with any private address is private. A name that does not resolve (within
``WIRECRAWL_RESOLVE_TIMEOUT`` seconds) counts as public: the fetch would fail
on the same resolver. Two limits, documented in docs/reliability.md: through
a proxy, the proxy resolves names and may see other answers; and a DNS server
that answers differently from one lookup to the next (DNS rebinding) can
still win the race between this check and the connection. An egress firewall
is the complete answer to both.

``RedirectCheckMiddleware`` sits just before Scrapy's redirect middleware and
refuses a 3xx whose ``Location`` has another scheme (Scrapy would hand it on
as a bare "HTTP 302") or leads back into its own chain (a redirect loop, which
Scrapy's duplicate filter would drop without a word for an article page).
"""

from __future__ import annotations

import asyncio
import socket
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from w3lib.url import canonicalize_url, safe_url_string

from crawler.core.urls import (
    is_private_address,
    private_redirect_refusal,
    scheme_refusal,
)

#: Statuses whose Location header is a redirect.
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class RefusedRequest(IgnoreRequest):
    """A request the crawler will not send; ``kind`` is the outcome recorded for it."""

    def __init__(self, message: str, kind: str = "refused") -> None:
        super().__init__(message)
        #: ``redirect`` for a refused redirect (a 3xx not followed), ``refused`` otherwise.
        self.kind = kind


def host_of(url: str) -> str:
    """The host of ``url`` (lower case, without brackets), or empty."""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def scheme_of(url: str) -> str:
    """The scheme of ``url`` in lower case, or empty."""
    try:
        return urlsplit(url).scheme.lower()
    except ValueError:
        return ""


def _chain(request: Request) -> list[str]:
    """The URLs a redirected request went through before its own."""
    return list(request.meta.get("redirect_urls") or [])


class SafetyMiddleware:
    """Refuses non-http(s) requests and redirects from public hosts to private ones."""

    def __init__(self, block_private_redirects: bool, resolve_timeout: float = 2.0) -> None:
        self.block_private_redirects = block_private_redirects
        self.resolve_timeout = resolve_timeout
        # One lookup per host and crawl: a redirect chain names few hosts.
        self._private: dict[str, bool] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SafetyMiddleware:
        return cls(
            crawler.settings.getbool("WIRECRAWL_BLOCK_PRIVATE_REDIRECTS", True),
            crawler.settings.getfloat("WIRECRAWL_RESOLVE_TIMEOUT", 2.0),
        )

    async def process_request(self, request: Request) -> None:
        chain = _chain(request)
        refusal = scheme_refusal(request.url, chain[-1] if chain else "")
        if refusal:
            raise RefusedRequest(refusal, "redirect" if chain else "refused")
        if not chain or not self.block_private_redirects:
            return
        # The rule is pure (crawler.core.urls); the hosts are resolved here, once each.
        hosts = {host_of(url) for url in (*chain, request.url)}
        private = {host: await self.is_private(host) for host in hosts}
        refusal = private_redirect_refusal(chain, request.url, private.__getitem__)
        if refusal:
            raise RefusedRequest(refusal, "redirect")

    async def is_private(self, host: str) -> bool:
        """Whether ``host`` is a private address (see the module doc for the rule)."""
        if not host:
            return False
        if host not in self._private:
            self._private[host] = is_private_address(host) or await self._resolves_private(host)
        return self._private[host]

    async def _resolves_private(self, host: str) -> bool:
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(host, None, proto=socket.IPPROTO_TCP), self.resolve_timeout
            )
        except (OSError, TimeoutError, UnicodeError, ValueError):
            return False
        return any(is_private_address(str(info[4][0])) for info in infos)


class RedirectCheckMiddleware:
    """Refuses, before Scrapy's redirect middleware sees them, redirects it would mishandle.

    A ``Location`` with another scheme would reach the spider as a bare 3xx ("HTTP
    302", no reason); a redirect back to a URL already in the chain would be dropped
    silently by the duplicate filter (for pages) or followed until REDIRECT_MAX_TIMES
    (for feeds). Both become a ``RefusedRequest`` naming the chain.
    """

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if (
            response.status not in REDIRECT_STATUSES
            or not location
            or request.meta.get("dont_redirect", False)
            or response.status in request.meta.get("handle_httpstatus_list", ())
            or request.meta.get("handle_httpstatus_all", False)
        ):
            return response
        target = urljoin(request.url, safe_url_string(location.decode("latin-1").strip()))
        refusal = scheme_refusal(target, request.url)
        if refusal:
            raise RefusedRequest(refusal, "redirect")
        chain = [*_chain(request), request.url]
        if canonicalize_url(target) in {canonicalize_url(url) for url in chain}:
            raise RefusedRequest(f"redirect loop: {' -> '.join([*chain, target])}", "redirect")
        return response
