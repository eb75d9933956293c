"""What the crawling layers ask of a store, declared as protocols.

The polling spiders and the item pipelines are written against these types, never
against a concrete store or its SQL. ``storage.Store`` (the SQLite file) implements
``CrawlStore``; a Redis worker, which has no store of its own, implements
``FeedState`` (``crawler.app.distributed.RedisFeedState``) and hands its writes to the
store writer. mypy checks both against the protocols.

::

    FeedState       the state of each polled feed: fetches, entries, stored articles
      CrawlStore    + the feed list, the crawl-run log and article writes
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from crawler.core.dedup import DedupParams, Membership, PreparedText
    from crawler.core.items import Article, Feed, FetchRecord


@dataclass(frozen=True)
class SaveResult:
    """What happened to one article handed to ``save_article``."""

    #: Row id of the article in ``articles``.
    article_id: int
    #: True when the article was new; False when a record with the same key was already stored.
    created: bool
    #: Its cluster membership when it was new (None for a known article).
    membership: Membership | None = None
    #: Other articles that changed cluster because this one arrived (an early copy arriving late).
    moved: int = 0
    #: True when a new article's title and body were already stored word for word under
    #: another identity (another outlet's or file's copy of the same text).
    same_text: bool = False


class FeedState(Protocol):
    """The state of each feed a polling spider reads and updates."""

    def record_fetch(self, fetch: FetchRecord) -> None:
        """Log one fetch and store the feed's new state (validators, schedule)."""

    def new_entries(self, feed_id: int, entries: Sequence[tuple[str, str]]) -> set[str]:
        """Remember ``(entry_id, link)`` pairs; the ids not seen before (or still pending)."""
        ...

    def failed_entries(self, feed_id: int) -> set[str]:
        """The entry ids of this feed whose page could not be had last time."""
        ...

    def has_article(self, key: str) -> bool:
        """True when an article with this URL (or identity key) is stored."""
        ...

    def settle_entry(self, feed_id: int, entry_id: str, status: str) -> None:
        """Mark an entry ``known`` (its article was already stored) or ``failed``."""


class CrawlStore(FeedState, Protocol):
    """A store a crawl runs on: the feed state, the feed list, the run log, article writes."""

    @property
    def params(self) -> DedupParams:
        """The reprint-detection parameters of the store's index."""
        ...

    def add_feed(self, url: str, *, kind: str = "feed") -> Any:
        """Add a feed (no-op when it is there)."""

    def feeds_by_url(self, urls: list[str]) -> list[Feed]:
        """The stored feeds with these URLs, in the order given."""
        ...

    def due_feeds(self, now: datetime, *, kind: str | None = None) -> list[Feed]:
        """The feeds due at ``now``, earliest first."""
        ...

    def start_run(self, command: str) -> int:
        """Open a crawl-run row; its id."""
        ...

    def add_run_figures(self, run_id: int, figures: dict[str, Any]) -> None:
        """Add a spider's figures (feeds polled, pages, new articles ...) to a run."""

    def finish_run(self, run_id: int, *, status: str = "finished") -> None:
        """Close a crawl run."""

    def transaction(self) -> AbstractContextManager[Any]:
        """One write transaction (a savepoint inside a batch or a write group)."""
        ...

    @property
    def group_open(self) -> bool:
        """Whether a write group is open."""
        ...

    def open_group(self) -> None:
        """Let the writes that follow share one transaction until ``commit_group``."""

    def commit_group(self) -> int:
        """Commit the open write group; returns how many articles it wrote."""
        ...

    def save_article(
        self,
        article: Article,
        *,
        feed_id: int | None = None,
        prepared: PreparedText | None = None,
        story_keys: Mapping[str, str] | None = None,
    ) -> SaveResult:
        """Write one article with its reprint decision, in one transaction."""
        ...

    def link_entry(self, feed_id: int, entry_id: str, article_id: int) -> None:
        """Record that a feed entry led to a stored article."""
