"""wirecrawl: a news crawler with a reprint store.

The core modules (``items``, ``seedformat``, ``dates``, ``wire``, ``text``,
``lang``, ``dedup``, ``feeds``, ``extract``, ``urls``, ``schedule``) are pure
functions over records; they never import scrapy, twisted, click or
sqlite_utils. The Scrapy glue (``settings``, ``pipelines``), the CLI and the
``storage`` package sit around them.
"""

__version__ = "0.1.0"
