"""One long-running crawler per store: an advisory lock next to the SQLite file.

SQLite serialises writes by itself, but two ``wirecrawl run`` processes on one
store would poll every feed twice. ``crawler_lock`` takes an exclusive
``flock`` on ``<store>.lock`` for as long as the process runs; the kernel
releases it when the process dies, even by ``kill -9``, so a crash never
leaves a stale lock behind. The lock file holds the owner's pid for messages.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from crawler.core.errors import StoreError


class StoreBusyError(StoreError):
    """Another wirecrawl process is crawling this store."""


def lock_path(store: Path) -> Path:
    """The lock file of a store."""
    return store.with_name(store.name + ".lock")


@contextlib.contextmanager
def crawler_lock(
    store: Path, *, wait: bool = False, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the store's crawler lock; refuse (or wait, with ``wait``) when another holds it."""
    path = lock_path(store)
    handle = path.open("a+")
    try:
        announced = False
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                handle.seek(0)
                owner = handle.read().strip() or "another process"
                if not wait:
                    raise StoreBusyError(
                        f"{store} is being crawled by process {owner} (lock {path}); "
                        "stop it first, or pass --wait to start when it ends"
                    ) from None
                if not announced and on_wait is not None:
                    on_wait(f"waiting for process {owner} to finish crawling {store}")
                    announced = True
                time.sleep(0.5)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()
