"""The applications built on the layers below: the ``wirecrawl`` command line, seed-file
import and export, the demo site, the Datasette plugin and the Redis workers."""
