"""The store in a browser: a Datasette plugin, cluster pages and ``wirecrawl serve``.

``plugin``     Datasette hooks: SQL functions that fold a query like the store
               folds its text, the store's metadata (titles, descriptions,
               facets, full-text search, canned queries), cluster pages and
               links to them from every ``cluster_id`` cell
``pages``      what a cluster page shows, built from ``storage.queries`` and
               ``crawler.core.compare`` (no HTML, no Datasette)
``server``     Datasette on a store, read-only, with the plugin registered
``cli``        ``wirecrawl serve`` (imports Datasette only when it runs)
``metadata.json``  the Datasette metadata; the plugin files it under each
               store's name, and ``datasette wirecrawl.db -m metadata.json``
               uses it as it is (its canned search needs the plugin's functions)

This package is the only one that imports datasette.
"""
