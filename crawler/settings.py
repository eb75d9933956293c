"""Scrapy settings for wirecrawl, under the name ``scrapy.cfg`` gives them.

The settings live in :mod:`crawler.glue.settings`; this module only re-exports them, so
``scrapy crawl feeds`` run from the project folder finds them at ``crawler.settings``.
"""

from crawler.glue.settings import *  # noqa: F403
