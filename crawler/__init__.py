"""wirecrawl: a news crawler with a reprint store.

The code stands on floors, and imports only run down them::

    crawler.app    the command line, seed import/export, demo site, Datasette plugin, workers
    crawler.glue   Scrapy settings, middlewares, pipelines, polling  |  spiders (top level)
    storage        the SQLite store (top level), the only code that speaks SQL
    crawler.core   records and pure functions: parsers, dates, wire, text, dedup, schedule

``tests/test_layering.py`` checks the arrows package by package.
"""

__version__ = "0.1.0"
