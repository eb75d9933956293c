"""The core: records and pure functions over them.

Parsers (feeds, OPML, sitemaps, pages, seed files), dates, wire attribution, text
normalisation, reprint signatures and decisions, URL rules, the poll schedule, and the
store protocol the layers above rely on. A core module imports only the standard library,
other core modules and the one heavy dependency it owns (datasketch in ``dedup``,
feedparser in ``feeds``, trafilatura in ``extract``); never scrapy, twisted, click,
sqlite_utils or the ``storage``, ``spiders`` and ``crawler.glue``/``crawler.app`` packages.
"""
