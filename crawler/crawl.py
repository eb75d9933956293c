"""Running a crawl pass in this process: Scrapy's reactor, our spiders and pipelines.

``run_crawl`` is what ``wirecrawl crawl`` and ``wirecrawl demo`` call; ``scrapy
crawl feeds`` runs the same spider with the same settings. A process runs
one crawl pass (Twisted's reactor cannot be restarted); ``wirecrawl run``
keeps one reactor for many passes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy.crawler import AsyncCrawlerRunner
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.log import configure_logging
from scrapy.utils.reactor import install_reactor

from storage import Store, queries


def crawl_settings(
    db_path: str | Path, *, proxy: str = "", overrides: dict[str, Any] | None = None
) -> Settings:
    """wirecrawl's Scrapy settings for a store, with a proxy and overrides."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("WIRECRAWL_DB", str(db_path), priority="cmdline")
    if proxy:
        settings.set("WIRECRAWL_PROXY", proxy, priority="cmdline")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def run_crawl(
    db_path: str | Path,
    *,
    spiders: tuple[str, ...] = ("feeds", "sitemaps"),
    feed_urls: list[str] | None = None,
    proxy: str = "",
    overrides: dict[str, Any] | None = None,
    command: str = "wirecrawl crawl",
) -> dict[str, Any]:
    """Run one crawl pass of ``spiders``, one after the other, to the end.

    With ``feed_urls`` only those feeds and sitemaps are polled, else every due
    one. The spiders run in turn so that a page one of them stored is not
    fetched again by the next. Returns the pass's crawl-run row.
    """
    settings = crawl_settings(db_path, proxy=proxy, overrides=overrides)
    with Store.open(db_path) as store:
        run_id = store.start_run(command)
    install_reactor(settings["TWISTED_REACTOR"])
    from twisted.internet import reactor

    configure_logging(settings)
    runner = AsyncCrawlerRunner(settings)
    failures: list[BaseException] = []

    async def crawl_all() -> None:
        for spider in spiders:
            await runner.crawl(spider, feeds=",".join(feed_urls or []), run=str(run_id))

    def done(result: Any) -> None:
        if hasattr(result, "value"):
            failures.append(result.value)
        reactor.stop()  # type: ignore[misc]

    deferred_from_coro(crawl_all()).addBoth(done)
    reactor.run()  # type: ignore[misc]
    with Store.open(db_path) as store:
        store.finish_run(run_id, status="failed" if failures else "finished")
    if failures:
        raise failures[0]
    with Store.open(db_path, readonly=True) as store:
        return queries.run(store, run_id) or {}
