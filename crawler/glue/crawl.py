"""Running crawl passes in this process: one Twisted reactor, our spiders and pipelines.

``run_crawl`` runs one pass and returns (``wirecrawl crawl``, ``wirecrawl
demo``). ``serve`` runs passes for as long as it is allowed to (``wirecrawl
run``): it polls the feeds that are due, then sleeps until the next one is,
with a single reactor for the whole life of the process (a reactor cannot be
restarted). SIGTERM or SIGINT stops it gracefully: no new requests, the
articles in flight are finished and committed, the run is recorded; a second
signal stops it at once (each article is still written whole or not at all).
Every feed's next poll is stored as soon as it is fetched, so a restart,
even after ``kill -9``, carries on where the last process stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy.crawler import AsyncCrawlerRunner
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.log import configure_logging
from scrapy.utils.reactor import install_reactor

from crawler.core.clock import Clock, SystemClock
from crawler.glue.extraction import shared_pool
from storage import Store, queries

logger = logging.getLogger("wirecrawl.run")

#: Spiders of one pass, in turn: a page stored by the first is not fetched by the next.
PASS_SPIDERS = ("feeds", "sitemaps")
#: Longest real wait between two looks at the schedule (new feeds may be added meanwhile).
MAX_IDLE_SECONDS = 60.0


def crawl_settings(
    db_path: str | Path,
    *,
    proxy: str = "",
    clock: Clock | None = None,
    overrides: dict[str, Any] | None = None,
) -> Settings:
    """wirecrawl's Scrapy settings for a store, with a proxy, a clock and overrides."""
    settings = Settings()
    settings.setmodule("crawler.glue.settings", priority="project")
    settings.set("WIRECRAWL_DB", str(db_path), priority="cmdline")
    if proxy:
        settings.set("WIRECRAWL_PROXY", proxy, priority="cmdline")
    if clock is not None and not isinstance(clock, SystemClock):
        settings.set("WIRECRAWL_CLOCK", clock.spec, priority="cmdline")  # type: ignore[attr-defined]
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


@dataclass
class Service:
    """Crawl passes over one store, in one reactor."""

    db_path: Path
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)
    spiders: tuple[str, ...] = PASS_SPIDERS
    command: str = "wirecrawl run"
    #: Called with one line per finished pass.
    report: Callable[[str], None] = logger.info
    stopping: bool = False
    passes: int = 0
    runs: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.runner = AsyncCrawlerRunner(self.settings)
        self._wake: asyncio.Event | None = None

    def stop(self) -> None:
        """Stop after the articles in flight (call again to stop at once)."""
        from twisted.internet import reactor

        if self.stopping:
            reactor.stop()  # type: ignore[misc]
            return
        self.stopping = True
        if self._wake is not None:
            self._wake.set()
        deferred_from_coro(self.runner.stop())

    async def one_pass(self, feed_urls: list[str] | None = None) -> dict[str, Any] | None:
        """Poll ``feed_urls`` (or every due feed and sitemap); the pass's run row, or None."""
        with Store.open(self.db_path) as store:
            if feed_urls:
                feeds = queries.feeds_by_url(store, feed_urls)
            else:
                feeds = queries.due_feeds(store, self.clock.now())
            if not feeds and feed_urls is None:
                return None
            run_id = store.start_run(self.command)
        status = "failed"
        try:
            for spider in self.spiders:
                kind = "sitemap" if spider == "sitemaps" else "feed"
                urls = [f.url for f in feeds if f.kind == kind]
                if self.stopping or (spider != "islworld" and not urls):
                    continue
                await self.runner.crawl(spider, feeds=",".join(urls), run=str(run_id))
            status = "stopped" if self.stopping else "finished"
        finally:
            # A failed pass is recorded as failed, never left "running".
            with Store.open(self.db_path) as store:
                store.finish_run(run_id, status=status)
        with Store.open(self.db_path, readonly=True) as store:
            run = queries.run(store, run_id) or {}
        self.passes += 1
        self.runs.append(run)
        return run

    def next_due(self) -> datetime | None:
        """When the next feed is due."""
        with Store.open(self.db_path, readonly=True) as store:
            return queries.next_due(store)

    async def serve(self, *, once: bool = False, max_passes: int | None = None) -> None:
        """Poll due feeds as they come due until stopped (or after one pass with ``once``)."""
        self._wake = asyncio.Event()
        while not self.stopping:
            run = await self.one_pass()
            if run is not None:
                self.report(pass_line(run, self.passes, self.next_due(), self.clock.now()))
            elif once:
                due = self.next_due()
                self.report(
                    f"no feed due; the next is due at {due:%Y-%m-%d %H:%M} UTC"
                    if due
                    else "no feeds to poll: add some with `wirecrawl feeds add`"
                )
            if once or (max_passes is not None and self.passes >= max_passes):
                break
            due = self.next_due()
            wait = MAX_IDLE_SECONDS
            if due is not None:
                simulated = max(0.0, (due - self.clock.now()).total_seconds())
                wait = min(wait, self.clock.real_seconds(simulated) + 0.01)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)


def pass_line(run: dict[str, Any], number: int, next_due: datetime | None, now: datetime) -> str:
    """One log line with a pass's figures."""
    polled = run.get("feeds_polled") or 0
    not_modified = run.get("feeds_not_modified") or 0
    errors = run.get("errors") or 0
    following = "no feed scheduled"
    if next_due is not None:
        minutes = max(0.0, (next_due - now).total_seconds() / 60)
        following = f"next poll in {minutes:.0f} min"
    return (
        f"pass {number} (run {run.get('id')}): {polled} feed(s) polled "
        f"({polled - not_modified - errors} fetched, {not_modified} not modified, "
        f"{errors} failed), "
        f"{run.get('pages_fetched') or 0} page(s), {run.get('articles_new') or 0} new article(s), "
        f"{run.get('reprints') or 0} reprint(s); {following}"
    )


def _run_reactor(service: Service, main: Callable[[], Any], handle_signals: bool) -> None:
    """Run ``main`` (a coroutine function) in the reactor until it returns; raise what it raised."""
    from twisted.internet import reactor

    failures: list[BaseException] = []

    def done(result: Any) -> None:
        if hasattr(result, "value"):
            failures.append(result.value)
        if reactor.running:
            reactor.stop()  # type: ignore[misc]

    if handle_signals:

        def on_signal(signum: int, _frame: Any) -> None:
            logger.warning(
                "received %s: stopping after the articles in flight", signal.Signals(signum).name
            )
            reactor.callFromThread(service.stop)

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
    deferred_from_coro(main()).addBoth(done)
    # Our handlers above stop gracefully; Twisted's own would stop the reactor at once.
    reactor.run(installSignalHandlers=False)  # type: ignore[misc,call-arg]
    if failures:
        raise failures[0]


def _service(
    db_path: str | Path,
    *,
    spiders: tuple[str, ...],
    proxy: str,
    clock: Clock | None,
    overrides: dict[str, Any] | None,
    command: str,
    report: Callable[[str], None] | None = None,
) -> Service:
    settings = crawl_settings(db_path, proxy=proxy, clock=clock, overrides=overrides)
    install_reactor(settings["TWISTED_REACTOR"])
    configure_logging(settings)
    return Service(
        Path(db_path),
        settings,
        clock or SystemClock(),
        spiders,
        command,
        report or logger.info,
    )


def run_crawl(
    db_path: str | Path,
    *,
    spiders: tuple[str, ...] = PASS_SPIDERS,
    feed_urls: list[str] | None = None,
    proxy: str = "",
    clock: Clock | None = None,
    overrides: dict[str, Any] | None = None,
    command: str = "wirecrawl crawl",
) -> dict[str, Any]:
    """One crawl pass to the end; returns its crawl-run row.

    With ``feed_urls`` those feeds and sitemaps are polled now, else every due one.
    """
    service = _service(
        db_path, spiders=spiders, proxy=proxy, clock=clock, overrides=overrides, command=command
    )

    async def main() -> None:
        await service.one_pass(feed_urls or None)

    with shared_pool(service.settings.get("WIRECRAWL_EXTRACT_PROCESSES")):
        _run_reactor(service, main, handle_signals=True)
    if service.runs:
        return service.runs[-1]
    due = service.next_due()
    return {
        "id": None,
        "feeds_polled": 0,
        "note": f"no feed due; the next is due at {due.isoformat()}" if due else "no feeds",
    }


def serve(
    db_path: str | Path,
    *,
    once: bool = False,
    max_passes: int | None = None,
    spiders: tuple[str, ...] = PASS_SPIDERS,
    proxy: str = "",
    clock: Clock | None = None,
    overrides: dict[str, Any] | None = None,
    report: Callable[[str], None] | None = None,
) -> Service:
    """Poll due feeds as they come due until SIGTERM/SIGINT (or one pass with ``once``)."""
    service = _service(
        db_path,
        spiders=spiders,
        proxy=proxy,
        clock=clock,
        overrides=overrides,
        command="wirecrawl run",
        report=report,
    )

    async def main() -> None:
        await service.serve(once=once, max_passes=max_passes)

    with shared_pool(service.settings.get("WIRECRAWL_EXTRACT_PROCESSES")):
        _run_reactor(service, main, handle_signals=True)
    return service
