"""The feeds spider: polls every due feed, follows new entries to their pages.

Feed bodies go to ``crawler.core.feeds.parse_feed``; a body whose bytes did not
change since the last poll counts as not modified even when the server sent
no 304 (some send a stale ETag). Run it with ``wirecrawl crawl`` or ``scrapy
crawl feeds`` (``-a feeds=URL,URL`` polls those feeds, added if new).
"""

from __future__ import annotations

from scrapy.http import Response

from crawler.core.feeds import parse_feed
from crawler.core.items import Feed
from spiders.base import Listing, PollingSpider, headers_of


class FeedsSpider(PollingSpider):
    """Polls due feeds with conditional requests and follows their new entries."""

    name = "feeds"
    kind = "feed"

    async def read(self, response: Response, feed: Feed) -> Listing:
        parsed = await self.extraction.run(
            parse_feed, response.body, response.url, headers_of(response)
        )
        return Listing(
            entries=parsed.entries,
            items=len(parsed.entries),
            fields={
                "format": parsed.format,
                "title": parsed.title,
                "site_url": parsed.site_url,
                "language": parsed.language,
            },
            problems=parsed.problems,
            hints={
                "ttl_minutes": parsed.ttl_minutes,
                "skip_hours": parsed.skip_hours,
                "skip_days": parsed.skip_days,
            },
        )
