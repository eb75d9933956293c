"""The SQLite store: migrations, writes (one transaction per article) and queries.

Nothing outside this package touches SQL.
"""

from storage.store import SaveResult, Store

__all__ = ["SaveResult", "Store"]
