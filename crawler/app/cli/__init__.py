"""The ``wirecrawl`` command line: thin click commands over the library and the store.

Every command takes the store from ``--db`` (or ``WIRECRAWL_DB``, default
``./wirecrawl.db``). Listing commands print one JSON object per line with
``--json``. Errors wirecrawl knows about become one line on stderr and an
exit code, never a traceback.

One module per command group, each adding its commands to ``main``
(:mod:`crawler.app.cli.base`) when it is imported:

``transfer``  import, export          ``query``     search, stats
``clusters``  clusters, dedup         ``feeds``     feeds add|import|export|list|...
``crawling``  crawl, run, extract     ``demo``      demo
``serve``     serve (Datasette)       ``distributed`` worker, store-writer, distributed
``stories``   stories
"""

from crawler.app.cli import (
    clusters,
    crawling,
    demo,
    distributed,
    feeds,
    query,
    serve,
    stories,
    transfer,
)
from crawler.app.cli.base import main

__all__ = [
    "clusters",
    "crawling",
    "demo",
    "distributed",
    "feeds",
    "main",
    "query",
    "serve",
    "stories",
    "transfer",
]
