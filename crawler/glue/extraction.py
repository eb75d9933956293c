"""Article extraction, feed parsing and dedup folding in worker processes, beside the crawl's.

Extraction (``crawler.core.extract.extract``) is pure CPU work on one page and
about two fifths of a crawl; the rest (Scrapy, dedup, the store) runs on the
crawl's one thread. With ``WIRECRAWL_EXTRACT_PROCESSES`` = N > 0 such work goes
to N worker processes and the crawl thread goes on with other responses
meanwhile: article pages (``extract_page``, which also folds, hashes and signs
the body and reads its story keys when the dedup pipeline asks), feeds and
sitemaps. The default (``auto``) is one fewer than the CPUs this process may
use, at most four; 0 does it all in the crawl's process, as on a one-CPU machine.

A worker is ``python -m crawler.glue.extraction``: it reads pickled calls of
module-level functions from its stdin and writes their pickled results (or the
error raised) to its stdout, one length-prefixed frame each. It imports the
extraction code only, not the crawl's main module, and leaves when its stdin
closes: when the crawl closes the pool, and when the crawl's process is gone (a
kill -9 closes the pipe too). Workers ignore SIGINT and SIGTERM, which are the
crawl's to act on: it finishes the pages in flight, then closes the pool and
waits for the workers, so their CPU time is counted in the crawl's.

What a page gives does not depend on where it was extracted: the worker runs the
same function on the same bytes. A worker that dies (killed, out of memory)
loses no page: its calls are run in the crawl's process instead, and a new
worker takes its place for the next ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

from crawler.core import dedup
from crawler.core.extract import ExtractOptions, extract
from crawler.core.items import Article, FeedEntry
from crawler.core.stories import story_keys

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)
T = TypeVar("T")

_POOL_ATTRIBUTE = "_wirecrawl_extraction"
#: Most worker processes ``auto`` starts: past a few, the crawl's own thread is the bound.
MAX_AUTO_PROCESSES = 4
#: Seconds ``close`` waits for a worker to finish before it is killed.
CLOSE_TIMEOUT = 30.0
_FRAME = struct.Struct("!Q")
#: An answer's head: the call's id, and whether it returned (else it raised).
_ANSWER = struct.Struct("!Q?")
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity where the system tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def worker_count(setting: str | int | None) -> int:
    """Worker processes for a ``WIRECRAWL_EXTRACT_PROCESSES`` value (``auto``, or a count).

    Raises ``ValueError`` naming the setting for anything else.
    """
    text = str(setting if setting is not None else "auto").strip().lower()
    if text in ("", "auto"):
        return max(0, min(MAX_AUTO_PROCESSES, usable_cpus() - 1))
    try:
        count = int(text)
    except ValueError:
        raise ValueError(
            f"WIRECRAWL_EXTRACT_PROCESSES must be 'auto' or a whole number, not {setting!r}"
        ) from None
    if count < 0:
        raise ValueError(f"WIRECRAWL_EXTRACT_PROCESSES must be 0 or more, not {count}")
    return count


def _write_frame(stream: IO[bytes], payload: bytes) -> None:
    stream.write(_FRAME.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def _read_frame(stream: IO[bytes]) -> bytes | None:
    """The next frame, or None at the end of the stream (a cut frame is the end too)."""
    head = stream.read(_FRAME.size)
    if len(head) < _FRAME.size:
        return None
    size = _FRAME.unpack(head)[0]
    payload = stream.read(size)
    return payload if len(payload) == size else None


@dataclass(frozen=True)
class ExtractedPage:
    """An article page's record and what the store computes from its body, made together."""

    #: The article, as ``extract`` reads it.
    article: Article
    #: Its body folded, hashed and signed as if no block were boilerplate
    #: (``dedup.presign``); the store signs again when some block is. None when not asked.
    text: dedup.PreparedText | None = None
    #: Its story evidence keys (``crawler.core.stories.story_keys``); None when not asked.
    story_keys: dict[str, str] | None = None


def extract_page(
    body: bytes,
    url: str,
    options: ExtractOptions,
    headers: Mapping[str, str],
    feed_entry: FeedEntry | None,
    params: dedup.DedupParams | None,
) -> ExtractedPage:
    """``extract`` of one page, and with ``params`` what the store needs of its body.

    Raises what ``extract`` raises.
    """
    article = extract(body, url, options, headers=headers, feed_entry=feed_entry)
    if params is None:
        return ExtractedPage(article)
    paragraphs = [b.text for b in article.body]
    text = dedup.presign([dedup.prepare(paragraphs, params)], [frozenset()], params)[0]
    return ExtractedPage(article, text, story_keys(article.title, paragraphs))


class WorkerLost(Exception):
    """The worker holding a page stopped before it answered."""


class _Worker:
    """One worker process, its writer thread and its reader thread."""

    def __init__(self) -> None:
        #: The crawl's event loop, where answers are handed over (set by the first page).
        self.loop: asyncio.AbstractEventLoop | None = None
        env = dict(os.environ)
        # The worker imports wirecrawl from where this process found it.
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH", "")) if p
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "crawler.glue.extraction"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self.alive = True
        self._outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        threading.Thread(target=self._write, daemon=True, name="extraction-writer").start()
        threading.Thread(target=self._read, daemon=True, name="extraction-reader").start()

    def submit(self, request_id: int, payload: bytes) -> asyncio.Future[Any]:
        self.loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = self.loop.create_future()
        self.pending[request_id] = future
        self._outbox.put(payload)
        return future

    def _write(self) -> None:
        # A page can be megabytes: a thread of its own keeps the crawl's thread from
        # waiting on a full pipe.
        stdin = self.process.stdin
        assert stdin is not None
        try:
            while (payload := self._outbox.get()) is not None:
                _write_frame(stdin, payload)
        except (BrokenPipeError, OSError, ValueError):
            pass  # the reader sees the worker go and fails its pages
        finally:
            with contextlib.suppress(OSError):
                stdin.close()

    def _read(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        while (frame := _read_frame(stdout)) is not None:
            request_id, ok = _ANSWER.unpack_from(frame)
            try:
                value = pickle.loads(frame[_ANSWER.size :])
            except Exception as exc:  # one answer is lost, not the worker
                ok, value = False, RuntimeError(f"an answer of a worker could not be read: {exc!r}")
            self._hand_over(self._answer, request_id, ok, value)
        self._hand_over(self._lost)

    def _hand_over(self, callback: Any, *args: Any) -> None:
        loop = self.loop
        if loop is None:
            self.alive = False
            return
        # A closed loop means the crawl is over and nothing waits for an answer.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(callback, *args)

    def _answer(self, request_id: int, ok: bool, value: Any) -> None:
        future = self.pending.pop(request_id, None)
        if future is None or future.done():
            return
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)

    def _lost(self) -> None:
        self.alive = False
        pending, self.pending = self.pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(WorkerLost())

    def finish(self) -> None:
        """Let the worker finish what it holds, then exit."""
        self._outbox.put(None)

    def wait(self) -> None:
        """Wait for the worker to exit (killed if it takes longer than ``CLOSE_TIMEOUT``)."""
        try:
            self.process.wait(timeout=CLOSE_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class ExtractionPool:
    """Runs pure work on fetched bodies in worker processes (or here with no workers)."""

    def __init__(self, processes: int) -> None:
        #: Worker processes; 0 extracts in the calling process.
        self.processes = processes
        #: Calls run here because the worker holding them stopped.
        self.fallbacks = 0
        #: Set by the dedup pipeline: pages are then also folded, hashed and signed, and
        #: their story keys read, where they are extracted (``extract_page``).
        self.dedup_params: dedup.DedupParams | None = None
        self._workers: list[_Worker] = []
        self._ids = itertools.count()
        self._closed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractionPool:
        """The pool of this crawl: the one ``shared_pool`` holds, else one of its own.

        A pool of its own is closed when the engine stops. Its workers start with the
        first call, or with ``start``.
        """
        from scrapy import signals

        pool = getattr(crawler, _POOL_ATTRIBUTE, None)
        if pool is None:
            pool = _held
            if pool is None:
                pool = cls.from_setting(crawler.settings.get("WIRECRAWL_EXTRACT_PROCESSES"))
                crawler.signals.connect(pool.close, signal=signals.engine_stopped)
            setattr(crawler, _POOL_ATTRIBUTE, pool)
        return pool

    @classmethod
    def from_setting(cls, setting: str | int | None) -> ExtractionPool:
        """A pool of ``worker_count(setting)`` workers."""
        return cls(worker_count(setting))

    def start(self) -> None:
        """Start the workers now, so that their imports overlap the crawl's start."""
        while not self._closed and len(self._workers) < self.processes:
            self._workers.append(_Worker())

    def worker_pids(self) -> list[int]:
        """Process ids of the running workers."""
        return [w.process.pid for w in self._workers if w.alive]

    def _worker(self) -> _Worker:
        self._workers = [w for w in self._workers if w.alive]
        self.start()
        return min(self._workers, key=lambda w: len(w.pending))

    async def run(self, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``function(*args, **kwargs)`` in a worker when there are any, else here.

        ``function`` is a module-level function (the worker imports it by name); what it
        raises is raised here. Used for ``extract_page``, ``parse_feed`` and
        ``parse_sitemap``, pure work on one fetched body.
        """
        if self.processes == 0 or self._closed:
            return function(*args, **kwargs)
        request_id = next(self._ids)
        payload = pickle.dumps((request_id, function, args, kwargs), pickle.HIGHEST_PROTOCOL)
        try:
            result: T = await self._worker().submit(request_id, payload)
        except WorkerLost:
            self.fallbacks += 1
            logger.warning(
                "a worker process stopped; %s is run in the crawl's process for this "
                "body and a new worker takes the next ones",
                getattr(function, "__name__", function),
            )
            return function(*args, **kwargs)
        return result

    def close(self) -> None:
        """Stop the workers (after the pages they hold) and wait for them to exit."""
        self._closed = True
        workers, self._workers = self._workers, []
        for worker in workers:
            worker.finish()
        for worker in workers:
            worker.wait()


_held: ExtractionPool | None = None


@contextlib.contextmanager
def shared_pool(setting: str | int | None) -> Iterator[ExtractionPool]:
    """One pool for every crawl this process runs meanwhile (the passes of ``wirecrawl run``).

    Starting workers costs about a second of CPU each; a pass that polls a few feeds
    should not pay it again. The pool is closed, and its workers waited for, at the end.
    """
    global _held
    pool = ExtractionPool.from_setting(setting)
    previous, _held = _held, pool
    try:
        yield pool
    finally:
        _held = previous
        pool.close()


def _serve(source: IO[bytes], sink: IO[bytes]) -> None:
    """Answer calls from ``source`` until it ends (the worker's side)."""
    while (frame := _read_frame(source)) is not None:
        request_id, function, args, kwargs = pickle.loads(frame)
        try:
            ok, value = True, function(*args, **kwargs)
        except Exception as exc:  # the crawl's process decides what it means
            ok, value = False, exc
        try:
            payload = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # a value that does not pickle
            ok, payload = False, pickle.dumps(RuntimeError(f"{value!r}: {exc!r}"))
        _write_frame(sink, _ANSWER.pack(request_id, ok) + payload)


def main() -> None:
    """Run as a worker: ``python -m crawler.glue.extraction``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # Nothing but frames may reach the crawl through stdout.
    sink = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout = sys.stderr
    _serve(sys.stdin.buffer, sink)


if __name__ == "__main__":
    main()
