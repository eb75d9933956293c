"""Scrapy settings of wirecrawl (``scrapy.cfg`` names them ``crawler.settings``).

Politeness first: robots.txt is obeyed for feeds and pages, AutoThrottle
adapts the pace to each server, at most two requests run at once per host,
responses are capped in size and time, and retries wait as the server asks
(``Retry-After``) or back off exponentially.
"""

import os

BOT_NAME = "wirecrawl"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

#: The store the spiders and pipelines use; the CLI sets it from ``--db``.
WIRECRAWL_DB = os.environ.get("WIRECRAWL_DB", "wirecrawl.db")
#: The clock the crawler reads (``system``, or ``accelerated:SPEED:START`` for simulations).
WIRECRAWL_CLOCK = os.environ.get("WIRECRAWL_CLOCK", "system")
#: An HTTP proxy every request goes through (the demo site is reached this way); empty for none.
WIRECRAWL_PROXY = os.environ.get("WIRECRAWL_PROXY", "")

USER_AGENT = (
    "wirecrawl/0.1 (news reprint research crawler; polite: robots.txt, 2 requests per host; "
    "+https://github.com/wirecrawl/wirecrawl)"
)
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Scrapy starts this many asyncio tasks for every callback's output, whatever it holds; an
# article page gives one item and our pipelines do not wait on anything, so 100 (the
# default) was 100 tasks per page for nothing.
CONCURRENT_ITEMS = 8
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
#: Seconds for a whole download, not per read: a server that stalls mid-body or drips a
#: byte at a time is cut off here (then retried like any timeout).
DOWNLOAD_TIMEOUT = 30
#: A news page or feed larger than this is refused (and logged on the feed). Scrapy applies
#: the same cap to the decompressed size of gzip/deflate/br/zstd bodies, so a compression
#: bomb stops at 10 MB of output too.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
#: A body cut short (the server hung up before Content-Length bytes) is an error, never
#: read as if complete: half a page would be stored as a whole article.
DOWNLOAD_FAIL_ON_DATALOSS = True
#: A longer chain of redirects is recorded as a redirect error (a loop is caught at its
#: first repeat by crawler.glue.safety).
REDIRECT_MAX_TIMES = 5
#: Feeds and pages are fetched over http(s) only. Scrapy's handlers for other schemes
#: could read local files (file://) or reach other services; they are switched off, and
#: crawler.glue.safety refuses such URLs with a reason before they get here.
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}
#: Refuse a redirect from a public host to a private, loopback or link-local one (see
#: crawler/glue/safety.py). Only the URLs' hosts are judged, never the proxy's, so the demo
#: site behind its proxy on 127.0.0.1 is not affected; the loopback tests switch it off
#: (``-s WIRECRAWL_BLOCK_PRIVATE_REDIRECTS=false``) except where they test it.
WIRECRAWL_BLOCK_PRIVATE_REDIRECTS = os.environ.get(
    "WIRECRAWL_BLOCK_PRIVATE_REDIRECTS", "1"
).lower() not in ("0", "false", "no", "off")
#: Longest wait for the system resolver when judging a redirect's host name.
WIRECRAWL_RESOLVE_TIMEOUT = 2.0
#: Article pages followed per feed and poll; the other new entries wait for the next
#: polls. A feed of 10,000 entries would otherwise hold a pass for hours.
WIRECRAWL_MAX_PAGES_PER_POLL = 500
#: A crawl commits its articles in groups of at most this many (1: each on its own) ...
WIRECRAWL_WRITE_GROUP_ARTICLES = 100
#: ... and at most this many seconds after the group's first article: readers see an
#: article that late at most, and a kill -9 loses no more.
WIRECRAWL_WRITE_GROUP_SECONDS = 0.5
#: Worker processes that extract article pages beside the crawl's own (``auto``: one
#: fewer than the usable CPUs, at most 4; 0 extracts in the crawl's process). See
#: crawler/glue/extraction.py.
WIRECRAWL_EXTRACT_PROCESSES = os.environ.get("WIRECRAWL_EXTRACT_PROCESSES", "auto")
COOKIES_ENABLED = False
# Scrapy re-reads and parses a callback's source on every response to warn of a
# generator that returns a value (its cache is keyed by the bound method, new per
# request): 1.7% of a crawl's CPU. tests/test_spider_callbacks.py runs it once instead.
WARN_ON_GENERATOR_RETURN_VALUE = False
# The crawler opens no listening sockets of its own: no telnet console, no remote control.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
#: Longest Retry-After waited out inside a crawl; longer ones go to the scheduler.
RETRY_AFTER_MAX = 60.0
#: First backoff wait when the server gives no Retry-After; doubles per attempt.
RETRY_BACKOFF_BASE = 1.0

DOWNLOADER_MIDDLEWARES = {
    # First of all (before robots.txt, which would otherwise fetch the refused host's file).
    "crawler.glue.safety.SafetyMiddleware": 25,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.glue.middlewares.PoliteRetryMiddleware": 550,
    # Sees each 3xx before Scrapy's RedirectMiddleware (600): other schemes, loops.
    "crawler.glue.safety.RedirectCheckMiddleware": 610,
    "crawler.glue.middlewares.FixedProxyMiddleware": 740,
    "crawler.glue.middlewares.DelayMiddleware": 990,
}
ITEM_PIPELINES = {
    "crawler.glue.pipelines.DedupPipeline": 300,
    "crawler.glue.pipelines.StorePipeline": 400,
}

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = os.environ.get("WIRECRAWL_LOG_LEVEL", "INFO")
