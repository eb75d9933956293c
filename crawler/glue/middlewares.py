"""Scrapy downloader middlewares of wirecrawl: polite retries, and a fixed proxy for the demo.

``PoliteRetryMiddleware`` replaces Scrapy's retry middleware: it retries the
same status codes and network errors, but waits first, as long as the
server's ``Retry-After`` asks (up to ``RETRY_AFTER_MAX`` seconds) or an
exponential backoff (``RETRY_BACKOFF_BASE`` x 2^attempt) when it gives none.
A ``Retry-After`` longer than the maximum is not waited out inside a crawl:
the response goes to the spider, which records it so the scheduler honours it.

``DelayMiddleware`` performs those waits without blocking other hosts.

``FixedProxyMiddleware`` sends every request through ``WIRECRAWL_PROXY`` when
it is set; the bundled demo site is a virtual-host server reached that way,
so its URLs keep their outlets' host names.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.response import response_status_message

#: Request meta key holding seconds to wait before the request is sent.
DELAY_META = "wirecrawl_delay"


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class PoliteRetryMiddleware(RetryMiddleware):
    """Retries 5xx, 429 and network errors after waiting as the server asks."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler.settings)
        self.crawler = crawler
        self.max_wait = crawler.settings.getfloat("RETRY_AFTER_MAX", 60.0)
        self.backoff_base = crawler.settings.getfloat("RETRY_BACKOFF_BASE", 1.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PoliteRetryMiddleware:
        return cls(crawler)

    def _wait(self, request: Request, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        return self.backoff_base * 2 ** request.meta.get("retry_times", 0)

    def _retry_later(
        self, request: Request, reason: str | Exception, wait: float
    ) -> Request | None:
        spider = self.crawler.spider
        assert spider is not None
        retry = get_retry_request(
            request,
            spider=spider,
            reason=reason,
            max_retry_times=request.meta.get("max_retry_times", self.max_retry_times),
            priority_adjust=request.meta.get("priority_adjust", self.priority_adjust),
        )
        if retry is not None:
            retry.meta[DELAY_META] = wait
        return retry

    def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        header = response.headers.get(b"Retry-After")
        retry_after = retry_after_seconds(header.decode("latin-1") if header else None)
        if retry_after is not None and retry_after > self.max_wait:
            # Too long to wait inside this crawl: the spider records it for the scheduler.
            return response
        wait = min(self._wait(request, retry_after), self.max_wait)
        reason = response_status_message(response.status)
        return self._retry_later(request, reason, wait) or response

    def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        if request.meta.get("dont_retry", False) or not isinstance(
            exception, self.exceptions_to_retry
        ):
            return None
        return self._retry_later(request, exception, min(self._wait(request, None), self.max_wait))


class DelayMiddleware:
    """Waits ``request.meta[DELAY_META]`` seconds before a request goes out."""

    async def process_request(self, request: Request) -> None:
        delay = request.meta.pop(DELAY_META, 0)
        if delay and delay > 0:
            await asyncio.sleep(delay)


class FixedProxyMiddleware:
    """Sends every request through the proxy in ``WIRECRAWL_PROXY`` (used by the demo site)."""

    def __init__(self, proxy: str) -> None:
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FixedProxyMiddleware:
        proxy = crawler.settings.get("WIRECRAWL_PROXY")
        if not proxy:
            raise NotConfigured
        return cls(proxy)

    def process_request(self, request: Request) -> None:
        request.meta.setdefault("proxy", self.proxy)
