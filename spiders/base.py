"""What the polling spiders share: conditional feed requests, article pages, the run record.

Spiders only route: conditional requests are built from the stored feed
state, bodies go to the pure parsers, pages to ``crawler.core.extract.extract``,
outcomes to the store; items go through the dedup and store pipelines.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.core.clock import Clock, SystemClock, clock_from_spec
from crawler.core.errors import FeedError, WirecrawlError
from crawler.core.extract import ExtractOptions, article_from_entry
from crawler.core.feeds import FeedParseError, parse_feed
from crawler.core.items import Feed, FeedEntry, FetchRecord
from crawler.core.storetype import CrawlStore, FeedState
from crawler.core.urls import canonical_url, outlet_of, resolve_canonical
from crawler.glue import polling
from crawler.glue.extraction import ExtractionPool, extract_page
from crawler.glue.pipelines import Fetched, store_for
from crawler.glue.safety import RefusedRequest

#: Statuses a feed callback sees itself instead of Scrapy filtering them out.
FEED_STATUSES = [304, *range(400, 600)]
#: Request meta keys.
FEED_META = "wirecrawl_feed"
STARTED_META = "wirecrawl_started"
#: Set on the request of a document fetched as part of a polled one (a child sitemap).
PART_META = "wirecrawl_child"


@dataclass(frozen=True)
class Listing:
    """What a polling spider's ``read`` found in one fetched document."""

    #: The entries it lists, in document order.
    entries: Sequence[FeedEntry]
    #: How many items it lists (entries, and child documents for an index).
    items: int
    #: Fetch-record fields of its own: ``format``, ``title``, ``site_url``, ``language``.
    fields: dict[str, str] = field(default_factory=dict)
    #: What had to be decided or was skipped while reading it.
    problems: Sequence[str] = ()
    #: Polling hints it carries (``ttl_minutes``, ``skip_hours``, ``skip_days``).
    hints: dict[str, Any] | None = None
    #: Requests for documents that are part of it (the child sitemaps of an index).
    parts: Sequence[scrapy.Request] = ()


def headers_of(response: Response) -> dict[str, str]:
    """Response headers as a plain dict of strings (last value wins)."""
    out = {}
    for name, values in response.headers.items():
        if values:
            out[name.decode("latin-1")] = values[-1].decode("latin-1")
    return out


def permanent_redirect(response: Response, requested: str) -> str:
    """The URL a 301/308 moved ``requested`` to, or empty (temporary moves do not count)."""
    reasons = response.meta.get("redirect_reasons") or []
    if response.url != requested and any(r in (301, 308) for r in reasons):
        return response.url
    return ""


def failure_reason(failure: Failure) -> tuple[int | None, str, str]:
    """(HTTP status, error kind, message) of a failed request."""
    error = failure.value
    response = getattr(error, "response", None)
    status = getattr(response, "status", None)
    name = type(error).__name__
    text = str(error)
    if status is not None:
        return status, polling.error_kind(status, ""), f"HTTP {status}"
    if isinstance(error, RefusedRequest):
        return None, error.kind, text
    # Scrapy reports a size cap, a redirect loop and a truncated body in exceptions whose
    # names say little (IgnoreRequest, an empty DownloadCancelledError ...): name them.
    if name == "IgnoreRequest" and "DOWNLOAD_MAXSIZE" in text:
        return None, "too_large", text  # a compression bomb, cut off while inflating
    if name == "DownloadCancelledError":
        # Scrapy's HTTP handler cancels a download only when it outgrows DOWNLOAD_MAXSIZE.
        return None, "too_large", text or "the response outgrew DOWNLOAD_MAXSIZE; cancelled"
    if name == "IgnoreRequest" and "max redirections" in text:
        chain = [*_request_of(failure).meta.get("redirect_urls", []), _request_of(failure).url]
        return None, "redirect", f"too many redirects (REDIRECT_MAX_TIMES): {' -> '.join(chain)}"
    if name == "IgnoreRequest":
        text = text or "request ignored"
        return None, "robots" if "robots" in text.lower() else "ignored", text
    if name == "ResponseDataLossError":
        return None, "network", "the server closed the connection before the end of the body"
    return None, polling.error_kind(None, name), f"{name}: {error}"


def _request_of(failure: Failure) -> scrapy.Request:
    # Scrapy attaches the failed request to the Failure it hands to errbacks.
    return failure.request  # type: ignore[attr-defined]


class PollingSpider(scrapy.Spider):
    """What the feeds and sitemaps spiders share: the store, the run, pages and their fallbacks.

    Subclasses set ``kind`` (the feeds they poll) and ``parse_feed``.
    """

    #: The kind of stored feed this spider polls (``feed`` or ``sitemap``).
    kind = "feed"

    def __init__(self, feeds: str = "", run: str = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Feed URLs given on the command line; empty means "every due feed".
        self.feed_urls = [u.strip() for u in feeds.split(",") if u.strip()]
        #: Where each feed's state is read and written (the SQLite store, or a worker's Redis).
        self.store: FeedState
        #: The store that also keeps the feed list and the crawl runs; None in a worker.
        self.runs: CrawlStore | None = None
        self.clock: Clock = SystemClock()
        #: The crawl-run row this pass reports to; 0 means the spider opens its own.
        self.run_id = int(run) if run else 0
        self.owns_run = not run
        self.figures = {
            "feeds_polled": 0,
            "feeds_not_modified": 0,
            "pages_fetched": 0,
            "errors": 0,
        }
        #: Article pages one feed may have requested in this pass (WIRECRAWL_MAX_PAGES_PER_POLL).
        self.max_pages = 500
        self._pages_taken: dict[int, int] = {}
        #: Where article pages are extracted (worker processes, or this one).
        self.extraction = ExtractionPool(0)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> PollingSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.store, spider.runs = cls.open_state(crawler)
        spider.clock = clock_from_spec(crawler.settings.get("WIRECRAWL_CLOCK"))
        spider.max_pages = crawler.settings.getint("WIRECRAWL_MAX_PAGES_PER_POLL", 500)
        spider.extraction = ExtractionPool.from_crawler(crawler)
        # The workers' imports overlap the crawl's first requests.
        spider.extraction.start()
        crawler.signals.connect(spider.finish_run, signal=scrapy.signals.spider_closed)
        return spider

    @classmethod
    def open_state(cls, crawler: Crawler) -> tuple[FeedState, CrawlStore | None]:
        """The feed state and the crawl store of this crawler: here both are the SQLite store."""
        store = store_for(crawler)
        return store, store

    # -- feeds -----------------------------------------------------------------

    def due(self) -> list[Feed]:
        """The feeds this pass polls."""
        runs = self.runs
        assert runs is not None, "a spider without a crawl store takes its feeds elsewhere"
        if self.feed_urls:
            for url in self.feed_urls:
                runs.add_feed(url, kind=self.kind)
            return [f for f in runs.feeds_by_url(self.feed_urls) if f.kind == self.kind]
        return runs.due_feeds(self.clock.now(), kind=self.kind)

    async def start(self) -> AsyncIterator[Any]:
        if not self.run_id and self.runs is not None:
            self.run_id = self.runs.start_run(f"scrapy crawl {self.name}")
        for feed in self.due():
            try:
                request = self.feed_request(feed)
            except ValueError as exc:
                # A URL Scrapy cannot request fails alone, recorded on its feed.
                self._record(feed, None, outcome="bad_url", error=f"cannot be requested: {exc}")
                continue
            yield request

    def feed_request(self, feed: Feed) -> scrapy.Request:
        """A conditional request for ``feed`` from its stored ETag and Last-Modified."""
        headers = {
            "Accept": "application/rss+xml, application/atom+xml, application/feed+json, "
            "application/xml;q=0.9, */*;q=0.8"
        }
        # With entries left pending by an interrupted poll, the full feed is needed again.
        if feed.etag and not feed.pending_entries:
            headers["If-None-Match"] = feed.etag
        if feed.last_modified and not feed.pending_entries:
            headers["If-Modified-Since"] = feed.last_modified
        return scrapy.Request(
            feed.url,
            headers=headers,
            callback=self.parse_feed,
            errback=self.feed_failed,
            dont_filter=True,
            meta={
                FEED_META: feed,
                STARTED_META: time.monotonic(),
                # Errors and 304 reach the callback, which records them on the feed;
                # redirects are still followed (a redirect status is not in the list).
                "handle_httpstatus_list": FEED_STATUSES,
            },
        )

    async def read(self, response: Response, feed: Feed) -> Listing:
        """What one fetched document of this spider's kind lists; raises ``FeedError``.

        The parse itself goes to ``self.extraction`` (a worker process when there are any).
        """
        raise NotImplementedError

    def read_error_outcome(self, error: FeedError) -> str:
        """The fetch outcome of a document ``read`` refused (``feed_html``, ``feed_parse`` ...)."""
        return f"feed_{getattr(error, 'kind', 'parse')}"

    async def parse_feed(self, response: Response) -> AsyncIterator[Any]:
        """One polled document: its status, whether it changed, its entries, the record.

        The same for every kind of polled document; ``read`` is what differs. A
        document fetched as part of another (a child sitemap of an index) adds its
        entries but records nothing of its own.
        """
        feed: Feed = response.meta[FEED_META]
        part = response.meta.get(PART_META, False)
        redirected = permanent_redirect(response, feed.url)
        if response.status == 304:
            if not part:
                self._record(feed, response, outcome="not-modified", redirected_to=redirected)
            return
        if response.status >= 400:
            if not part:
                kind = polling.error_kind(response.status, "")
                error = f"HTTP {response.status}"
                challenge = self.error_page(response)
                if challenge:
                    kind, error = "feed_challenge", f"{error}: {challenge}"
                self._record(feed, response, outcome=kind, error=error, redirected_to=redirected)
            return
        body_hash = hashlib.sha256(response.body).hexdigest()
        if not part and feed.body_hash == body_hash and not feed.pending_entries:
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
        try:
            listing = await self.read(response, feed)
        except FeedError as exc:
            if not part:
                self._record(feed, response, outcome=self.read_error_outcome(exc), error=str(exc))
            return
        for request in listing.parts:
            yield request
        entries = [e for e in listing.entries if e.entry_id]
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
        if part:
            return
        problems = list(listing.problems)
        if len(todo) > len(chosen):
            problems.append(
                f"{len(todo) - len(chosen)} of {len(todo)} entries to fetch left for the next "
                f"polls (at most {self.max_pages} pages per poll)"
            )
        headers = headers_of(response)
        self._record(
            feed,
            response,
            outcome="ok",
            items=listing.items,
            items_new=len(new_ids),
            etag=headers.get("ETag", headers.get("Etag", "")),
            last_modified=headers.get("Last-Modified", ""),
            body_hash=body_hash,
            redirected_to=redirected,
            error="; ".join(problems)[:500],
            feed_hints=listing.hints,
            **listing.fields,
        )
        self.logger.info(
            "%s %s: %d entries, %d new, %d pages to fetch",
            self.kind,
            feed.url,
            listing.items,
            len(new_ids),
            len(chosen),
        )

    def _record(
        self,
        feed: Feed,
        response: Response | None,
        *,
        feed_hints: dict[str, Any] | None = None,
        **fields: Any,
    ) -> None:
        started = (response.meta if response is not None else {}).get(STARTED_META)
        now = self.clock.now()
        status = response.status if response is not None else fields.pop("status", None)
        record = FetchRecord(
            kind=self.kind,
            url=feed.url,
            fetched_at=now,
            feed_id=feed.feed_id,
            run_id=self.run_id,
            status=status,
            size=len(response.body) if response is not None else 0,
            elapsed_ms=int((time.monotonic() - started) * 1000) if started else None,
            **fields,
        )
        headers = headers_of(response) if response is not None else {}
        schedule = polling.schedule_after(
            feed,
            record,
            headers,
            now,
            memory=polling.load_memory(feed.schedule_state),
            **(feed_hints or {}),
        )
        self.store.record_fetch(replace(record, schedule=schedule))
        self.figures["feeds_polled"] += 1
        if record.outcome not in ("ok", "not-modified"):
            self.figures["errors"] += 1
            self.logger.warning("feed %s: %s", feed.url, record.error or record.outcome)
        elif record.outcome == "not-modified":
            self.figures["feeds_not_modified"] += 1

    def choose_pages(
        self, feed: Feed, todo: list[tuple[str, FeedEntry]]
    ) -> list[tuple[str, FeedEntry]]:
        """The (URL, entry) pairs of ``todo`` whose pages this poll fetches.

        At most ``WIRECRAWL_MAX_PAGES_PER_POLL`` per feed and pass: a feed of
        10,000 entries would otherwise hold a pass for hours. Over the cap,
        entries whose page already failed go last, so that retrying them cannot
        starve the others. Entries left over stay pending, and the feed's next
        poll (a full fetch, because of them) carries on.
        """
        taken = self._pages_taken.get(feed.feed_id, 0)
        left = max(0, self.max_pages - taken)
        if len(todo) > left:
            failed = self.store.failed_entries(feed.feed_id)
            todo = sorted(todo, key=lambda item: item[1].entry_id in failed)
        chosen = todo[:left]
        self._pages_taken[feed.feed_id] = taken + len(chosen)
        return chosen

    def error_page(self, response: Response) -> str:
        """What a bot-challenge page sent with an error status says, or empty.

        Challenges arrive as 403, 429 or 503; naming them (outcome ``feed_challenge``)
        is more useful than the status, and ``wirecrawl feeds doctor`` lists them.
        """
        if response.status not in (403, 429, 503) or not response.body.strip():
            return ""
        try:
            parse_feed(response.body, response.url, headers_of(response))
        except FeedParseError as exc:
            return str(exc) if exc.kind == "challenge" else ""
        except WirecrawlError:
            return ""
        return ""

    def page_request(self, url: str, entry: FeedEntry, feed: Feed) -> scrapy.Request:
        """The request for one new entry's article page."""
        return scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            cb_kwargs={"entry": entry, "feed": feed},
            meta={STARTED_META: time.monotonic()},
        )

    def feed_failed(self, failure: Failure) -> None:
        feed: Feed = _request_of(failure).meta[FEED_META]
        status, kind, message = failure_reason(failure)
        self._record(feed, None, outcome=kind, error=message, status=status)

    # -- pages -----------------------------------------------------------------

    def _log_page(
        self,
        url: str,
        feed: Feed,
        status: int | None,
        outcome: str,
        error: str = "",
        response: Response | None = None,
    ) -> None:
        started = (response.meta if response is not None else {}).get(STARTED_META)
        self.store.record_fetch(
            FetchRecord(
                kind="page",
                url=url,
                fetched_at=self.clock.now(),
                outcome=outcome,
                feed_id=feed.feed_id,
                run_id=self.run_id,
                status=status,
                error=error,
                size=len(response.body) if response is not None else 0,
                elapsed_ms=int((time.monotonic() - started) * 1000) if started else None,
            )
        )

    async def parse_article(
        self, response: Response, entry: FeedEntry, feed: Feed
    ) -> AsyncIterator[Any]:
        self.figures["pages_fetched"] += 1
        now = self.clock.now()
        options = ExtractOptions(fetched_at=now, language_hint=feed.language)
        try:
            page = await self.extraction.run(
                extract_page,
                response.body,
                response.url,
                options,
                headers_of(response),
                entry,
                self.extraction.dedup_params,
            )
        except WirecrawlError as exc:
            self._log_page(
                response.url, feed, response.status, "extract_failed", str(exc), response
            )
            fallback = list(self._from_entry(entry, feed, now))
            if not fallback:
                self.store.settle_entry(feed.feed_id, entry.entry_id, "failed")
            for item in fallback:
                yield item
            return
        article = page.article
        url = canonical_url(resolve_canonical(response.url, article.url or response.url))
        article = replace(article, url=url, outlet=outlet_of(url), fetched_at=now)
        self._log_page(response.url, feed, response.status, "ok", response=response)
        yield Fetched(article, feed.feed_id, entry.entry_id, "page", page.text, page.story_keys)

    def article_failed(self, failure: Failure) -> Iterator[Any]:
        entry: FeedEntry = _request_of(failure).cb_kwargs["entry"]
        feed: Feed = _request_of(failure).cb_kwargs["feed"]
        status, kind, message = failure_reason(failure)
        self._log_page(_request_of(failure).url, feed, status, kind, message)
        fallback = list(self._from_entry(entry, feed, self.clock.now()))
        if not fallback:
            self.store.settle_entry(feed.feed_id, entry.entry_id, "failed")
        yield from fallback

    def _from_entry(self, entry: FeedEntry, feed: Feed, now: datetime) -> Iterator[Fetched]:
        """The feed's own text stands in when the page cannot be had."""
        article = article_from_entry(entry, feed.language, ExtractOptions(fetched_at=now))
        if article is None:
            return
        url = canonical_url(entry.link)
        yield Fetched(
            replace(article, url=url, outlet=outlet_of(url), fetched_at=now),
            feed.feed_id,
            entry.entry_id,
            "feed",
        )

    # -- the run ---------------------------------------------------------------

    def finish_run(self, spider: scrapy.Spider, reason: str) -> None:
        if spider is not self or not self.run_id or self.runs is None:
            return
        stats = self.crawler.stats
        get = stats.get_value if stats is not None else (lambda key, default=0: default)
        figures: dict[str, Any] = dict(self.figures)
        figures.update(
            articles_new=get("wirecrawl/articles_new", 0),
            articles_known=get("wirecrawl/articles_known", 0),
            reprints=get("wirecrawl/reprints", 0),
            note=f"{self.name}: {reason}",
        )
        self.runs.add_run_figures(self.run_id, figures)
        if self.owns_run:
            self.runs.finish_run(self.run_id, status="finished" if reason == "finished" else reason)
