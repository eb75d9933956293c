"""The seed-site spider: russia-islworld.ru's news listings and article pages.

The site publishes Arabic, Russian and English editions; its news pages sit
at ``/ar/novosti/<slug>-YYYY-MM-DD-<id>`` (and ``/novosti/...``, ``/ru/...``,
``/en/...``). The spider walks the listing pages of each edition (``-a
pages=N`` of them, newest first), follows article links it has not stored,
and extracts them with the site's rule, which yields exactly the seed
format's fields. ``-a start=URL,URL`` replaces the default listings.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.core.clock import clock_from_spec
from crawler.core.errors import WirecrawlError
from crawler.core.extract import ExtractOptions, extract
from crawler.core.storetype import FeedState
from crawler.core.urls import canonical_url, outlet_of, resolve_canonical
from crawler.glue.pipelines import Fetched, store_for

#: The edition listings walked by default.
LISTINGS = (
    "https://russia-islworld.ru/ar/novosti/",
    "https://russia-islworld.ru/ru/novosti/",
    "https://russia-islworld.ru/en/novosti/",
)
#: An article page: a dated slug ending in a numeric id.
ARTICLE_PATH = re.compile(r"/(?:(?:ar|ru|en)/)?novosti/[^/?#]+-\d{4}-\d{2}-\d{2}-\d+/?$")
#: A further listing page of the same edition.
LISTING_PAGE = re.compile(r"/(?:(?:ar|ru|en)/)?novosti/?(?:\?(?:.*&)?page=\d+|page/\d+/?)$")


class IslworldSpider(scrapy.Spider):
    """Crawls russia-islworld.ru's news listings into seed-format articles."""

    name = "islworld"

    def __init__(self, pages: str = "2", start: str = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_pages = max(1, int(pages))
        self.listings = [u.strip() for u in start.split(",") if u.strip()] or list(LISTINGS)
        self.store: FeedState

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> IslworldSpider:
        # `wirecrawl crawl` passes the feeds and run of a pass; this spider walks listings.
        kwargs.pop("feeds", None)
        kwargs.pop("run", None)
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.store = store_for(crawler)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        for url in self.listings:
            yield scrapy.Request(url, callback=self.parse_listing, cb_kwargs={"depth": 1})

    def parse_listing(self, response: Response, depth: int) -> Iterator[Any]:
        seen: set[str] = set()
        for href in response.css("a::attr(href)").getall():
            url = canonical_url(urljoin(response.url, href))
            if url in seen or outlet_of(url) != outlet_of(response.url):
                continue
            seen.add(url)
            path = url.split(outlet_of(url), 1)[-1]
            if ARTICLE_PATH.search(path):
                if not self.store.has_article(url):
                    yield scrapy.Request(url, callback=self.parse_article)
            elif depth < self.max_pages and LISTING_PAGE.search(path):
                yield scrapy.Request(
                    url, callback=self.parse_listing, cb_kwargs={"depth": depth + 1}
                )

    def parse_article(self, response: Response) -> Iterator[Any]:
        now = clock_from_spec(self.settings.get("WIRECRAWL_CLOCK")).now()
        try:
            article = extract(response.body, response.url, ExtractOptions(fetched_at=now))
        except WirecrawlError as exc:
            self.logger.warning("%s: %s", response.url, exc)
            return
        url = canonical_url(resolve_canonical(response.url, article.url or response.url))
        yield Fetched(replace(article, url=url, outlet=outlet_of(url), fetched_at=now))
