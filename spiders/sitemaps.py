"""The sitemaps spider: polls news sitemaps (and sitemap indexes), fetches new articles.

A ``news:`` sitemap gives each article's title and date, which fill what a
page lacks. Sitemaps are feeds of kind ``sitemap`` in the store (``wirecrawl
feeds add --kind sitemap URL``); ``scrapy crawl sitemaps`` polls the due ones.
"""

from __future__ import annotations

from scrapy.http import Response

from crawler.core.errors import FeedError
from crawler.core.items import Feed
from crawler.core.sitemaps import parse_sitemap
from spiders.base import PART_META, Listing, PollingSpider

#: Child sitemaps of an index followed per poll (the newest are usually listed first).
MAX_CHILD_SITEMAPS = 20


class SitemapsSpider(PollingSpider):
    """Polls due news sitemaps with conditional requests and follows new URLs."""

    name = "sitemaps"
    kind = "sitemap"

    async def read(self, response: Response, feed: Feed) -> Listing:
        sitemap = await self.extraction.run(parse_sitemap, response.body, response.url)
        parts = []
        for url in sitemap.sitemaps[:MAX_CHILD_SITEMAPS]:
            # A child of an index is fetched whole: its validators are not the index's.
            request = self.feed_request(feed).replace(url=url)
            request.meta[PART_META] = True
            request.headers.pop(b"If-None-Match", None)
            request.headers.pop(b"If-Modified-Since", None)
            parts.append(request)
        return Listing(
            entries=sitemap.entries,
            items=len(sitemap.entries) + len(sitemap.sitemaps),
            fields={"format": f"sitemap-{sitemap.kind}"},
            parts=parts,
        )

    def read_error_outcome(self, error: FeedError) -> str:
        return "feed_not-a-feed"
