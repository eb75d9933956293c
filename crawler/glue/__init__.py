"""The Scrapy glue: settings, middlewares, request safety, item pipelines, feed polling
and the crawl runner.

Thin adapters between Scrapy and the core; they reach the store only through the
``storage`` package. ``crawler.settings`` re-exports :mod:`crawler.glue.settings` so that
``scrapy.cfg`` and ``scrapy crawl`` keep working.
"""
