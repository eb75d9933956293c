"""Scrapy settings of wirecrawl (``scrapy.cfg`` points here)."""

import os

BOT_NAME = "wirecrawl"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

#: The store the pipelines write to; the CLI overrides it with ``--db``.
WIRECRAWL_DB = os.environ.get("WIRECRAWL_DB", "wirecrawl.db")

USER_AGENT = "wirecrawl/0.1 (+https://github.com/wirecrawl/wirecrawl; news reprint research)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 5
TELNETCONSOLE_ENABLED = False
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
