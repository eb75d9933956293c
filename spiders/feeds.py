"""The feeds spider: polls every due feed, follows new entries to their pages.

Feed bodies go to ``crawler.core.feeds.parse_feed``; a body whose bytes did not
change since the last poll counts as not modified even when the server sent
no 304 (some send a stale ETag). Run it with ``wirecrawl crawl`` or ``scrapy
crawl feeds`` (``-a feeds=URL,URL`` polls those feeds, added if new).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawler.core.errors import FeedError
from crawler.core.feeds import parse_feed
from crawler.core.items import Feed
from crawler.core.urls import canonical_url
from crawler.glue import polling
from spiders.base import FEED_META, PollingSpider, headers_of, permanent_redirect


class FeedsSpider(PollingSpider):
    """Polls due feeds with conditional requests and follows their new entries."""

    name = "feeds"
    kind = "feed"

    def parse_feed(self, response: Response) -> Iterator[Any]:
        feed: Feed = response.meta[FEED_META]
        redirected = permanent_redirect(response, feed.url)
        if response.status == 304:
            self._record(feed, response, outcome="not-modified", redirected_to=redirected)
            return
        if response.status >= 400:
            kind = polling.error_kind(response.status, "")
            error = f"HTTP {response.status}"
            challenge = self.error_page(response)
            if challenge:
                kind, error = "feed_challenge", f"{error}: {challenge}"
            self._record(feed, response, outcome=kind, error=error, redirected_to=redirected)
            return
        body_hash = hashlib.sha256(response.body).hexdigest()
        if feed.body_hash and body_hash == feed.body_hash and not feed.pending_entries:
            # A server that ignores If-None-Match, or sends a stale ETag: same bytes, nothing new.
            self._record(
                feed,
                response,
                outcome="not-modified",
                body_hash=body_hash,
                etag=feed.etag,
                last_modified=feed.last_modified,
            )
            return
        headers = headers_of(response)
        try:
            parsed = parse_feed(response.body, response.url, headers)
        except FeedError as exc:
            kind = getattr(exc, "kind", "parse")
            self._record(feed, response, outcome=f"feed_{kind}", error=str(exc))
            return
        entries = [e for e in parsed.entries if e.entry_id]
        new_ids = self.store.new_entries(feed.feed_id, [(e.entry_id, e.link) for e in entries])
        todo = []
        for entry in entries:
            url = canonical_url(entry.link)
            if not url.startswith(("http://", "https://")):
                continue
            if self.store.has_article(url):
                self.store.settle_entry(feed.feed_id, entry.entry_id, "known")
                continue
            todo.append((url, entry))
        chosen = self.choose_pages(feed, todo)
        for url, entry in chosen:
            yield self.page_request(url, entry, feed)
        wanted = len(chosen)
        problems = list(parsed.problems)
        if len(todo) > wanted:
            problems.append(
                f"{len(todo) - wanted} of {len(todo)} entries to fetch left for the next polls "
                f"(at most {self.max_pages} pages per poll)"
            )
        self._record(
            feed,
            response,
            outcome="ok",
            items=len(parsed.entries),
            items_new=len(new_ids),
            etag=headers.get("ETag", headers.get("Etag", "")),
            last_modified=headers.get("Last-Modified", ""),
            body_hash=body_hash,
            format=parsed.format,
            title=parsed.title,
            site_url=parsed.site_url,
            language=parsed.language,
            redirected_to=redirected,
            error="; ".join(problems)[:500],
            feed_hints={
                "ttl_minutes": parsed.ttl_minutes,
                "skip_hours": parsed.skip_hours,
                "skip_days": parsed.skip_days,
            },
        )
        self.logger.info(
            "feed %s: %d entries, %d new, %d pages to fetch",
            feed.url,
            len(parsed.entries),
            len(new_ids),
            wanted,
        )
