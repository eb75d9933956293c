"""The sitemaps spider: polls news sitemaps (and sitemap indexes), fetches new articles.

A ``news:`` sitemap gives each article's title and date, which fill what a
page lacks. Sitemaps are feeds of kind ``sitemap`` in the store (``wirecrawl
feeds add --kind sitemap URL``); ``scrapy crawl sitemaps`` polls the due ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawler.core.errors import FeedError
from crawler.core.items import Feed
from crawler.core.sitemaps import parse_sitemap
from crawler.core.urls import canonical_url
from crawler.glue import polling
from spiders.base import FEED_META, PollingSpider, headers_of, permanent_redirect

#: Child sitemaps of an index followed per poll (the newest are usually listed first).
MAX_CHILD_SITEMAPS = 20


class SitemapsSpider(PollingSpider):
    """Polls due news sitemaps with conditional requests and follows new URLs."""

    name = "sitemaps"
    kind = "sitemap"

    def parse_feed(self, response: Response) -> Iterator[Any]:
        feed: Feed = response.meta[FEED_META]
        child = response.meta.get("wirecrawl_child", False)
        redirected = permanent_redirect(response, feed.url)
        if response.status == 304:
            if not child:
                self._record(feed, response, outcome="not-modified", redirected_to=redirected)
            return
        if response.status >= 400:
            if not child:
                kind = polling.error_kind(response.status, "")
                error = f"HTTP {response.status}"
                challenge = self.error_page(response)
                if challenge:
                    kind, error = "feed_challenge", f"{error}: {challenge}"
                self._record(feed, response, outcome=kind, error=error, redirected_to=redirected)
            return
        body_hash = hashlib.sha256(response.body).hexdigest()
        if (
            not child
            and feed.body_hash
            and body_hash == feed.body_hash
            and not feed.pending_entries
        ):
            self._record(
                feed,
                response,
                outcome="not-modified",
                body_hash=body_hash,
                etag=feed.etag,
                last_modified=feed.last_modified,
            )
            return
        try:
            sitemap = parse_sitemap(response.body, response.url)
        except FeedError as exc:
            if not child:
                self._record(feed, response, outcome="feed_not-a-feed", error=str(exc))
            return
        for url in sitemap.sitemaps[:MAX_CHILD_SITEMAPS]:
            request = self.feed_request(feed).replace(url=url)
            request.meta["wirecrawl_child"] = True
            request.headers.pop(b"If-None-Match", None)
            request.headers.pop(b"If-Modified-Since", None)
            yield request
        entries = list(sitemap.entries)
        new_ids = self.store.new_entries(feed.feed_id, [(e.entry_id, e.link) for e in entries])
        todo = []
        for entry in entries:
            url = canonical_url(entry.link)
            if not url.startswith(("http://", "https://")):
                continue
            if self.store.has_article(url):
                self.store.settle_entry(feed.feed_id, entry.entry_id, "known")
            else:
                todo.append((url, entry))
        for url, entry in self.choose_pages(feed, todo):
            yield self.page_request(url, entry, feed)
        if child:
            return
        headers = headers_of(response)
        self._record(
            feed,
            response,
            outcome="ok",
            items=len(entries) + len(sitemap.sitemaps),
            items_new=len(new_ids),
            etag=headers.get("ETag", headers.get("Etag", "")),
            last_modified=headers.get("Last-Modified", ""),
            body_hash=body_hash,
            format=f"sitemap-{sitemap.kind}",
            redirected_to=redirected,
        )
