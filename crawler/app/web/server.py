"""Datasette on a wirecrawl store, read-only, with the wirecrawl plugin.

Datasette reads the file through connections that cannot write (``mode=ro``,
and the connection it would write through is read-only too), so a crawler can
keep writing to the store while it is served and every page shows the latest
commit. An immutable store (an archived copy nothing writes to any more) is
opened with ``immutable=1``: no locking, and tables are counted once.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import uvicorn
from datasette.app import Datasette
from datasette.database import Database
from datasette.plugins import pm

from crawler.app.web import plugin

#: Datasette settings for a store: facets and counts may take longer on large stores.
SETTINGS = {
    "facet_time_limit_ms": 500,
    "sql_time_limit_ms": 5000,
    "default_page_size": 50,
}


class ReadOnlyDatabase(Database):
    """A Datasette database that never writes: even its write connection is read-only."""

    def connect(self, write: bool = False) -> sqlite3.Connection:
        conn = super().connect(write=False)
        conn.execute("PRAGMA query_only = 1")
        return conn


def register_plugin() -> None:
    """Register the wirecrawl plugin with Datasette unless the entry point already did."""
    if not pm.is_registered(plugin):
        pm.register(plugin, name="wirecrawl")


def make_datasette(path: Path, *, immutable: bool = False, **options: Any) -> Datasette:
    """A Datasette instance serving the store at ``path`` read-only with the wirecrawl plugin."""
    register_plugin()
    ds = Datasette(
        [str(path)],
        metadata=plugin.metadata_for(path.stem),
        settings=SETTINGS,
        **options,
    )
    (name,) = ds.databases.keys() - {"_internal", "_memory"}
    ds.remove_database(name)
    ds.add_database(ReadOnlyDatabase(ds, path=str(path), is_mutable=not immutable), name=name)
    return ds


def run(ds: Datasette, *, host: str, port: int) -> None:
    """Serve ``ds`` on ``host``:``port`` until interrupted."""
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on")
