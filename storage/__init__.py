"""The SQLite store: migrations, writes (one transaction per article) and queries.

Nothing outside this package touches SQL. ``Store`` and ``SaveResult`` are loaded
when first asked for, so that ``storage.lock`` (and the command line's ``--help``)
does not pay for sqlite-utils and the reprint index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storage.store import SaveResult, Store

__all__ = ["SaveResult", "Store"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from storage import store

        return getattr(store, name)
    raise AttributeError(f"module 'storage' has no attribute {name!r}")
