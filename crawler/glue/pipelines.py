"""Scrapy item pipelines: thin adapters between the spiders and the store.

Items flow ``Fetched`` -> ``DedupPipeline`` -> ``Prepared`` -> ``StorePipeline``
-> ``Stored``; each stage returns a new record. The store is opened once per
crawler (``store_for``) and shared by the spider and both pipelines; it is
closed when the engine stops.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.asyncio import CallLaterResult, call_later

from crawler.core import dedup
from crawler.core.dedup import PreparedText
from crawler.core.items import Article
from crawler.core.storetype import CrawlStore, SaveResult
from crawler.glue.extraction import ExtractionPool
from storage import Store

_STORE_ATTRIBUTE = "_wirecrawl_store"
logger = logging.getLogger(__name__)


def store_for(crawler: Crawler) -> Store:
    """The store of this crawl (``WIRECRAWL_DB``), opened on first use and closed at the end."""
    store = getattr(crawler, _STORE_ATTRIBUTE, None)
    if store is None:
        store = Store.open(crawler.settings.get("WIRECRAWL_DB", "wirecrawl.db"))
        setattr(crawler, _STORE_ATTRIBUTE, store)
        crawler.signals.connect(store.close, signal=signals.engine_stopped)
    return store


@dataclass(frozen=True)
class Fetched:
    """An article a spider extracted, with where it came from."""

    #: The article.
    article: Article
    #: The feed whose entry led to it, if any.
    feed_id: int | None = None
    #: That entry's identity in the feed.
    entry_id: str = ""
    #: ``page`` when extracted from its page, ``feed`` when built from the feed's own text.
    source: str = "page"
    #: The body folded and hashed for the reprint index, when made where it was extracted.
    text: PreparedText | None = None
    #: Its story evidence keys, when read where it was extracted.
    story_keys: Mapping[str, str] | None = None

    def __repr__(self) -> str:
        # Scrapy logs items it drops or fails on; a whole article body is noise there.
        return f"Fetched({self.article.url or self.article.title[:60]!r}, feed={self.feed_id})"


@dataclass(frozen=True)
class Prepared:
    """A fetched article with its body folded and hashed for the reprint index."""

    fetched: Fetched
    text: PreparedText

    def __repr__(self) -> str:
        return f"Prepared({self.fetched!r})"


@dataclass(frozen=True)
class Stored:
    """A fetched article after the store saw it."""

    fetched: Fetched
    result: SaveResult

    def __repr__(self) -> str:
        return f"Stored({self.fetched!r}, article={self.result.article_id})"


class DedupPipeline:
    """Folds and hashes each article body (CPU work kept out of the store's transaction)."""

    def __init__(self, params: dedup.DedupParams = dedup.DEFAULT_PARAMS) -> None:
        self.params = params

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        params = store_for(crawler).params
        # Pages are then folded and hashed where they are extracted, off the crawl's thread.
        ExtractionPool.from_crawler(crawler).dedup_params = params
        return cls(params)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Fetched):
            return item
        if item.text is not None:
            return Prepared(item, item.text)
        return Prepared(item, dedup.prepare([b.text for b in item.article.body], self.params))


class StorePipeline:
    """Saves each article (row, signature, bands, cluster) whole, committed in small groups.

    Each article and its feed entry's state are one savepoint: stored whole or
    not at all. Articles commit together in a write group (``Store.open_group``)
    of at most ``WIRECRAWL_WRITE_GROUP_ARTICLES`` articles, at most
    ``WIRECRAWL_WRITE_GROUP_SECONDS`` after the group's first one, and when the
    spider closes (a SIGTERM closes it too). Readers see an article that late at
    most; a kill -9 loses the uncommitted group, whose feed entries stay pending
    for the next poll. ``WIRECRAWL_WRITE_GROUP_ARTICLES = 1`` commits each article
    on its own.
    """

    def __init__(
        self,
        store: CrawlStore,
        crawler: Crawler,
        *,
        group_articles: int = 100,
        group_seconds: float = 0.5,
    ) -> None:
        self.store = store
        self.crawler = crawler
        self.stats = crawler.stats
        self.stopping = False
        self.group_articles = max(1, group_articles)
        self.group_seconds = group_seconds
        # Articles saved in the open group, and the timer that commits it.
        self._grouped = 0
        self._timer: CallLaterResult | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        settings = crawler.settings
        return cls(
            store_for(crawler),
            crawler,
            group_articles=settings.getint("WIRECRAWL_WRITE_GROUP_ARTICLES", 100),
            group_seconds=settings.getfloat("WIRECRAWL_WRITE_GROUP_SECONDS", 0.5),
        )

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Prepared):
            return item
        fetched = item.fetched
        try:
            self._open_group()
            # The article and its feed entry's state are stored together.
            with self.store.transaction():
                result = self.store.save_article(
                    fetched.article,
                    feed_id=fetched.feed_id,
                    prepared=item.text,
                    story_keys=fetched.story_keys,
                )
                if fetched.feed_id is not None and fetched.entry_id:
                    if result.created:
                        self.store.link_entry(fetched.feed_id, fetched.entry_id, result.article_id)
                    else:
                        self.store.settle_entry(fetched.feed_id, fetched.entry_id, "known")
            self._grouped += 1
            if self._grouped >= self.group_articles:
                self.commit()
        except sqlite3.OperationalError as exc:
            if "full" not in str(exc).lower():
                raise
            self._disk_full(exc)
            raise DropItem(f"not stored, disk full: {fetched.article.url}") from exc
        if self.stats is not None:
            self.stats.inc_value(
                "wirecrawl/articles_new" if result.created else "wirecrawl/articles_known"
            )
            if result.membership is not None and not result.membership.is_canonical:
                self.stats.inc_value("wirecrawl/reprints")
            if fetched.source == "feed":
                self.stats.inc_value("wirecrawl/articles_from_feed_text")
        return Stored(fetched, result)

    def close_spider(self) -> None:
        self.commit()

    def commit(self) -> None:
        """Commit the open write group, if any."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        grouped, self._grouped = self._grouped, 0
        if not self.store.group_open:
            return
        try:
            self.store.commit_group()
        except sqlite3.OperationalError as exc:
            # The group is rolled back; its entries stay pending for the next poll.
            logger.error("%d articles not stored: %s", grouped, exc)
            if self.stats is not None:
                self.stats.inc_value("wirecrawl/articles_lost_at_commit", grouped)
            if "full" in str(exc).lower():
                self._disk_full(exc)

    def _open_group(self) -> None:
        if self.group_articles <= 1 or self.store.group_open:
            return
        self.store.open_group()
        self._timer = call_later(self.group_seconds, self.commit)

    def _disk_full(self, exc: sqlite3.OperationalError) -> None:
        # A full disk will not empty itself: stop the crawl instead of failing every
        # remaining article the same way. The store stays consistent.
        self.commit()
        if not self.stopping:
            self.stopping = True
            logger.error("the store's disk is full (%s): stopping the crawl", exc)
            if self.crawler.engine is not None and self.crawler.spider is not None:
                self.crawler.engine.close_spider(self.crawler.spider, "disk_full")
