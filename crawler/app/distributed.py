"""Several crawler workers over one deployment, through Redis.

The only module that imports redis and scrapy_redis (and, for the shared
reprint index, datasketch's Redis storage). Nothing here replaces a part of
the single-process crawler; it reroutes what the spiders already do.

Roles
-----
``wirecrawl store-writer`` (one per deployment, beside the SQLite file)
    owns the store. It schedules: every few seconds the feeds and sitemaps
    that are due are pushed, with their conditional-request state, onto a
    Redis list per kind and leased. It writes: it pops the records the
    workers push, in order, and applies each through ``Store`` exactly as the
    single-process pipelines do (``save_article``, ``record_fetch``,
    ``new_entries``, ``settle_entry``, ``link_entry``). Its SQLite reprint
    index decides every cluster, so the clusters are those a single process
    would have found from the same articles, whatever worker fetched what.
``wirecrawl worker`` (any number, anywhere that reaches Redis)
    runs the ordinary ``feeds`` and ``sitemaps`` spiders with scrapy-redis's
    scheduler and duplicate filter: every request goes to one shared frontier
    (a worker may download a page another worker's feed listed) and a URL is
    fetched once per deployment. A worker has no SQLite file: the spiders'
    reads of the store are answered from Redis (``RedisFeedState``) and their
    writes become records for the writer. Each article is signed
    (``crawler.core.dedup``) and put into one shared datasketch ``MinHashLSH`` with
    Redis storage, which names the reprint candidates any worker has seen; the
    keys ride along with the record.

Why a writer-side scheduler rather than a hash split of the feed list: the
feed state (ETag, Last-Modified, next poll, error streak) lives in the store,
so the process that owns the store hands it out with each due feed and gets
it back with the fetch record. Workers can come and go without re-balancing,
and a feed is never polled by two workers at once (it is leased).

Redis keys (``wirecrawl`` is the default prefix)
------------------------------------------------
=================================  ==============================================
``wirecrawl:records``              list: records from workers (LPUSH), oldest right
``wirecrawl:records:processing``   list: records the writer holds (BLMOVE), removed
                                   only after their SQLite commit
``wirecrawl:records:failed``       list: records the writer could not apply, with why
``wirecrawl:due:feed``             list: ids of due feeds to poll
``wirecrawl:due:sitemap``          list: ids of due news sitemaps
``wirecrawl:due:state``            hash: feed id -> the feed with its polling state (JSON)
``wirecrawl:leases``               hash: feed id -> lease expiry (Unix time)
``wirecrawl:stored``               set: keys of stored articles (``has_article``)
``wirecrawl:entries:<feed id>``    set: entry ids the feed listed (``new_entries``)
``wirecrawl:entries:<feed id>:failed``  set: entry ids whose page failed (``failed_entries``)
``wirecrawl:<spider>:requests``    scrapy-redis frontier (sorted set of requests)
``wirecrawl:dupefilter``           scrapy-redis fingerprints, shared by both spiders
``wirecrawl:lsh:params``           the shared index's parameters (JSON), checked on start
``wirecrawl:lsh:v1:<digest>...``   datasketch ``MinHashLSH`` storage (the basename
                                   carries a digest of the parameters)
``wirecrawl:workers``              hash: worker -> heartbeat (JSON)
``wirecrawl:writer``               the writer's lock (expires unless refreshed)
=================================  ==============================================

Failures
--------
A writer killed at any point loses nothing: the records it held are still in
the processing list and are applied again on restart; an article already
committed is known by its key and not stored twice. Records wait in Redis
while no writer runs. A worker stopped with SIGTERM finishes what it
downloads and leaves the rest of the frontier in Redis; a worker killed
outright loses the requests it was downloading (scrapy-redis has no
acknowledgement): their entries stay pending in the store, so the next poll
of that feed asks for them again, past the duplicate filter. A feed leased to
a dead worker is handed out again when its lease expires.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import pickle
import socket
import time
import warnings
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import redis
import scrapy
from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.exceptions import DontCloseSpider, ScrapyDeprecationWarning
from twisted.internet.task import LoopingCall

from crawler.core import dedup
from crawler.core.batches import chunks
from crawler.core.clock import iso_or_none as _iso
from crawler.core.clock import time_or_none as _time
from crawler.core.codec import article_from_json, article_to_json
from crawler.core.dedup import DEFAULT_PARAMS, DedupParams, Signature
from crawler.core.errors import IndexMismatchError, WirecrawlError
from crawler.core.items import Article, Feed, FeedEntry, FetchRecord
from crawler.core.storetype import CrawlStore, FeedState
from crawler.glue.crawl import crawl_settings
from crawler.glue.pipelines import Fetched
from spiders.base import STARTED_META, PollingSpider
from spiders.feeds import FeedsSpider
from spiders.sitemaps import SitemapsSpider
from storage import Store, queries

logger = logging.getLogger("wirecrawl.distributed")

#: Default Redis URL (env ``WIRECRAWL_REDIS``).
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
#: Prefix of every key of one deployment.
DEFAULT_PREFIX = "wirecrawl"
#: Version of the record format and of the shared index layout.
FORMAT_VERSION = 1
#: The feed kinds a worker polls, by spider name.
SPIDER_KINDS = {"feeds": "feed", "sitemaps": "sitemap"}
#: How long a feed handed to a worker stays its own before it is handed out again.
LEASE_SECONDS = 600.0
#: A worker whose last heartbeat is older than this counts as gone.
HEARTBEAT_STALE_SECONDS = 15.0
#: Seconds between two heartbeats of a worker.
HEARTBEAT_SECONDS = 1.0
#: Seconds the writer's lock lives unless refreshed.
WRITER_LOCK_SECONDS = 30
#: Due feeds a worker takes from the list at a time.
TAKE_FEEDS = 8


class RedisUnavailableError(WirecrawlError):
    """Redis cannot be reached, or another writer holds the deployment."""

    exit_code = 2


# -- keys -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Keys:
    """The Redis key names of one deployment."""

    prefix: str = DEFAULT_PREFIX

    @property
    def records(self) -> str:
        return f"{self.prefix}:records"

    @property
    def processing(self) -> str:
        return f"{self.prefix}:records:processing"

    @property
    def failed(self) -> str:
        return f"{self.prefix}:records:failed"

    def due(self, kind: str) -> str:
        """The list of due feeds of ``kind`` (``feed`` or ``sitemap``)."""
        return f"{self.prefix}:due:{kind}"

    @property
    def due_feeds(self) -> str:
        """Hash: feed id -> the due feed with its polling state (JSON)."""
        return f"{self.prefix}:due:state"

    @property
    def leases(self) -> str:
        return f"{self.prefix}:leases"

    @property
    def stored(self) -> str:
        return f"{self.prefix}:stored"

    def entries(self, feed_id: int) -> str:
        """The set of entry ids feed ``feed_id`` has listed."""
        return f"{self.prefix}:entries:{feed_id}"

    def failed_entries(self, feed_id: int) -> str:
        """The set of entry ids of feed ``feed_id`` whose page could not be had."""
        return f"{self.prefix}:entries:{feed_id}:failed"

    def frontier(self, spider: str) -> str:
        """scrapy-redis's request queue of ``spider``."""
        return f"{self.prefix}:{spider}:requests"

    @property
    def frontier_template(self) -> str:
        return f"{self.prefix}:%(spider)s:requests"

    @property
    def dupefilter(self) -> str:
        return f"{self.prefix}:dupefilter"

    @property
    def index_params(self) -> str:
        return f"{self.prefix}:lsh:params"

    @property
    def workers(self) -> str:
        return f"{self.prefix}:workers"

    @property
    def writer(self) -> str:
        return f"{self.prefix}:writer"


# -- records ----------------------------------------------------------------------------


def feed_to_dict(feed: Feed) -> dict[str, Any]:
    """The feed with its polling state, as JSON-ready values."""
    record = dataclasses.asdict(feed)
    record["last_fetched_at"] = _iso(feed.last_fetched_at)
    record["next_due_at"] = _iso(feed.next_due_at)
    return record


def feed_from_dict(record: dict[str, Any]) -> Feed:
    """The feed ``feed_to_dict`` wrote."""
    values = dict(record)
    values["last_fetched_at"] = _time(values["last_fetched_at"])
    values["next_due_at"] = _time(values["next_due_at"])
    return Feed(**values)


def fetch_to_dict(fetch: FetchRecord) -> dict[str, Any]:
    """One fetch as JSON-ready values."""
    record = dataclasses.asdict(fetch)
    record["fetched_at"] = _iso(fetch.fetched_at)
    return record


def fetch_from_dict(record: dict[str, Any]) -> FetchRecord:
    """The fetch ``fetch_to_dict`` wrote."""
    values = dict(record)
    values["fetched_at"] = _time(values["fetched_at"])
    return FetchRecord(**values)


@dataclass(frozen=True)
class ArticleRecord:
    """An article a worker extracted, on its way to the writer."""

    article: Article
    #: The feed (the writer's id) whose entry led to it, if any.
    feed_id: int | None = None
    #: That entry's identity in the feed.
    entry_id: str = ""
    #: ``page`` or ``feed`` (built from the feed's own text), as in ``Fetched``.
    source: str = "page"
    #: Keys of articles the shared index names as likely copies (not yet verified).
    candidates: tuple[str, ...] = ()
    #: The worker that sent it.
    worker: str = ""


@dataclass(frozen=True)
class FetchMessage:
    """One fetch of a feed, sitemap or page, for the fetch log and the feed's schedule."""

    fetch: FetchRecord


@dataclass(frozen=True)
class EntriesMessage:
    """The (entry id, URL) pairs a feed listed, for ``feed_entries``."""

    feed_id: int
    entries: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class SettleMessage:
    """An entry handled without a new article (``known`` or ``failed``)."""

    feed_id: int
    entry_id: str
    status: str


Message = ArticleRecord | FetchMessage | EntriesMessage | SettleMessage


def encode(message: Message) -> bytes:
    """One record as the bytes pushed onto the records list."""
    body: dict[str, Any] = {"v": FORMAT_VERSION}
    if isinstance(message, ArticleRecord):
        body.update(
            kind="article",
            article=article_to_json(message.article),
            feed_id=message.feed_id,
            entry_id=message.entry_id,
            source=message.source,
            candidates=list(message.candidates),
            worker=message.worker,
        )
    elif isinstance(message, FetchMessage):
        body.update(kind="fetch", fetch=fetch_to_dict(message.fetch))
    elif isinstance(message, EntriesMessage):
        body.update(kind="entries", feed_id=message.feed_id, entries=list(message.entries))
    else:
        body.update(
            kind="settle",
            feed_id=message.feed_id,
            entry_id=message.entry_id,
            status=message.status,
        )
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode(raw: bytes) -> Message:
    """The record ``encode`` wrote; ValueError when it is not one."""
    body = json.loads(raw)
    if body.get("v") != FORMAT_VERSION:
        raise ValueError(f"record format {body.get('v')!r} (this version reads {FORMAT_VERSION})")
    kind = body.get("kind")
    if kind == "article":
        return ArticleRecord(
            article_from_json(body["article"]),
            body["feed_id"],
            body["entry_id"],
            body["source"],
            tuple(body["candidates"]),
            body["worker"],
        )
    if kind == "fetch":
        return FetchMessage(fetch_from_dict(body["fetch"]))
    if kind == "entries":
        return EntriesMessage(body["feed_id"], tuple((e, u) for e, u in body["entries"]))
    if kind == "settle":
        return SettleMessage(body["feed_id"], body["entry_id"], body["status"])
    raise ValueError(f"unknown record kind {kind!r}")


# -- the deployment ------------------------------------------------------------------------


def worker_name() -> str:
    """This process as the deployment names it: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Deployment:
    """A connection to one deployment's Redis keys."""

    url: str
    keys: Keys
    #: redis-py client; typed loosely because its results are sync-or-async unions.
    redis: Any

    @classmethod
    def connect(cls, url: str = DEFAULT_REDIS_URL, prefix: str = DEFAULT_PREFIX) -> Deployment:
        """Connect and check that the server answers."""
        client = redis.Redis.from_url(url, socket_connect_timeout=10, socket_timeout=60)
        try:
            client.ping()
        except redis.RedisError as exc:
            raise RedisUnavailableError(
                f"cannot reach Redis at {url}: {exc}. Start redis-server there, or pass --redis URL"
            ) from exc
        return cls(url, Keys(prefix), client)

    def push(self, messages: Iterable[Message]) -> None:
        """Push records for the writer, in order."""
        encoded = [encode(m) for m in messages]
        if encoded:
            self.redis.lpush(self.keys.records, *encoded)

    # -- due feeds -------------------------------------------------------------------

    def offer(self, feeds: Sequence[Feed], lease_seconds: float = LEASE_SECONDS) -> int:
        """Queue due feeds that are not leased already; returns how many were queued."""
        if not feeds:
            return 0
        now = time.time()
        leases = self.redis.hmget(self.keys.leases, [str(f.feed_id) for f in feeds])
        pipe = self.redis.pipeline()
        queued = 0
        for feed, lease in zip(feeds, leases, strict=True):
            if lease is not None and float(lease) > now:
                continue
            feed_id = str(feed.feed_id)
            pipe.hset(self.keys.due_feeds, feed_id, json.dumps(feed_to_dict(feed)))
            # Queued once: an id left in the list by an expired lease (no worker took it)
            # moves to the end instead of being listed twice.
            pipe.lrem(self.keys.due(feed.kind), 0, feed_id)
            pipe.rpush(self.keys.due(feed.kind), feed_id)
            pipe.hset(self.keys.leases, feed_id, now + lease_seconds)
            queued += 1
        pipe.execute()
        return queued

    def take(self, kind: str, count: int, lease_seconds: float = LEASE_SECONDS) -> list[Feed]:
        """Take up to ``count`` due feeds of ``kind``; the lease runs from now."""
        ids = self.redis.lpop(self.keys.due(kind), count) or []
        if not ids:
            return []
        # LPOP gave each id to one worker only; the state beside it is the newest offered.
        states = self.redis.hmget(self.keys.due_feeds, ids)
        feeds = [feed_from_dict(json.loads(state)) for state in states if state is not None]
        expiry = time.time() + lease_seconds
        pipe = self.redis.pipeline()
        pipe.hdel(self.keys.due_feeds, *ids)
        if feeds:
            pipe.hset(self.keys.leases, mapping={str(f.feed_id): expiry for f in feeds})
        pipe.execute()
        return feeds

    def release(self, feed_ids: Iterable[int]) -> None:
        """End the leases of feeds whose fetch came back."""
        ids = [str(i) for i in feed_ids]
        if ids:
            self.redis.hdel(self.keys.leases, *ids)

    # -- workers ---------------------------------------------------------------------

    def heartbeat(self, worker: str, state: dict[str, Any]) -> None:
        """Say that ``worker`` is alive, and whether it is busy."""
        record = dict(state, at=time.time())
        self.redis.hset(self.keys.workers, worker, json.dumps(record))

    def leave(self, worker: str) -> None:
        """Forget a worker that stops."""
        self.redis.hdel(self.keys.workers, worker)

    def live_workers(self) -> dict[str, dict[str, Any]]:
        """Workers whose heartbeat is recent, with their last state."""
        now = time.time()
        out = {}
        for name, raw in self.redis.hgetall(self.keys.workers).items():
            state = json.loads(raw)
            if now - state.get("at", 0) <= HEARTBEAT_STALE_SECONDS:
                out[name.decode()] = state
        return out

    # -- what is waiting -------------------------------------------------------------

    def status(self) -> DeploymentStatus:
        """How much work waits where."""
        now = time.time()
        pipe = self.redis.pipeline()
        pipe.llen(self.keys.records)
        pipe.llen(self.keys.processing)
        pipe.llen(self.keys.failed)
        for kind in SPIDER_KINDS.values():
            pipe.llen(self.keys.due(kind))
        for spider in SPIDER_KINDS:
            pipe.zcard(self.keys.frontier(spider))
        pipe.hvals(self.keys.leases)
        pipe.scard(self.keys.stored)
        pipe.scard(self.keys.dupefilter)
        pipe.get(self.keys.writer)
        results = pipe.execute()
        records, processing, failed = results[:3]
        rest = results[3:]
        due = dict(zip(SPIDER_KINDS.values(), rest[: len(SPIDER_KINDS)], strict=True))
        rest = rest[len(SPIDER_KINDS) :]
        frontier = dict(zip(SPIDER_KINDS, rest[: len(SPIDER_KINDS)], strict=True))
        leases, stored, seen, writer = rest[len(SPIDER_KINDS) :]
        index_size = 0
        basename = self.redis.get(self.keys.index_params)
        if basename is not None:
            name = json.loads(basename)["basename"].encode() + b"_keys"
            index_size = int(self.redis.hlen(name))
        return DeploymentStatus(
            records=records,
            processing=processing,
            failed=failed,
            due=due,
            frontier=frontier,
            leased=sum(1 for expiry in leases if float(expiry) > now),
            stored=stored,
            fingerprints=seen,
            index_size=index_size,
            workers=self.live_workers(),
            writer=writer.decode() if writer else "",
        )


@dataclass(frozen=True)
class DeploymentStatus:
    """Queue lengths of a deployment (``wirecrawl distributed status``)."""

    #: Records waiting for the writer.
    records: int
    #: Records the writer holds now (or held when it stopped).
    processing: int
    #: Records the writer could not apply.
    failed: int
    #: Due feeds waiting for a worker, by kind.
    due: dict[str, int]
    #: Requests in the shared frontier, by spider.
    frontier: dict[str, int]
    #: Feeds handed out and not back yet.
    leased: int
    #: Articles the writer has stored (keys known to the workers).
    stored: int
    #: Request fingerprints in the shared duplicate filter.
    fingerprints: int
    #: Articles in the shared reprint index.
    index_size: int
    #: Live workers and their last heartbeat.
    workers: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Who holds the writer's lock (empty: no writer).
    writer: str = ""

    @property
    def quiet(self) -> bool:
        """Nothing waits anywhere and no worker is busy."""
        return (
            not self.records
            and not self.processing
            and not any(self.due.values())
            and not any(self.frontier.values())
            and not self.leased
            and not any(w.get("busy") for w in self.workers.values())
        )


# -- the shared reprint index ----------------------------------------------------------------


def index_identity(params: DedupParams) -> dict[str, str]:
    """What the shared index depends on: the store's index parameters and the LSH layout."""
    record = params.index_record()
    record["format"] = str(FORMAT_VERSION)
    record["lsh"] = "datasketch MinHashLSH redis, body bands, prepickled keys"
    return record


@dataclass
class SharedIndex:
    """One datasketch ``MinHashLSH`` in Redis for every worker of a deployment.

    The basename carries a digest of the parameters, and the parameters are
    stored beside it: a worker or writer of another version refuses to start
    instead of mixing signatures that mean different things. Only the body
    bands are indexed (the lede bands are the store's business).

    ``add`` looks up and inserts through datasketch's own storage objects and
    key layout, in one Redis pipeline each: ``MinHashLSH.query`` makes one
    round trip per band, and an insertion session re-creates the Redis client
    of each of the 43 storages when it flushes, about 0.3 s per article in a
    profile of a worker. The index stays the one ``MinHashLSH.query`` reads
    (a test checks it).
    """

    #: datasketch ``MinHashLSH`` (``crawler.core.dedup.datasketch_lsh``).
    lsh: Any
    params: DedupParams
    basename: bytes
    #: redis-py client for the pipelines (results are sync-or-async unions: typed loosely).
    redis: Any

    @classmethod
    def open(cls, deployment: Deployment, params: DedupParams = DEFAULT_PARAMS) -> SharedIndex:
        """Open the deployment's index, creating it on first use; refuse other parameters."""
        basename = check_index(deployment, params)
        lsh = dedup.datasketch_lsh(params, index_storage(deployment, basename))
        return cls(lsh, params, basename, deployment.redis)

    def minhash(self, signature: Signature) -> Any:
        """Our signature as the datasketch object it equals (same permutations and values)."""
        return dedup.datasketch_lean_minhash(signature, self.params)

    def add(self, key: str, signature: Signature) -> tuple[str, ...]:
        """Insert ``key``; returns the keys that share a band with it (itself left out).

        The same reads and writes as ``lsh.query`` then ``lsh.insert``.
        """
        lsh = self.lsh
        hashvalues = self.minhash(signature).hashvalues
        stored_key = pickle.dumps(key)  # prepickle=True: datasketch stores pickled keys
        bands = [lsh._H(hashvalues[start:end]) for start, end in lsh.hashranges]
        pipe = self.redis.pipeline(transaction=False)
        for band, table in zip(bands, lsh.hashtables, strict=True):
            table._get_items(pipe, table.redis_key(band))
        pipe.hexists(lsh.keys._name, stored_key)
        *members, present = pipe.execute()
        found = {pickle.loads(k) for keys in members for k in keys} - {key}
        if not present:
            pipe = self.redis.pipeline(transaction=True)
            lsh.keys._insert(pipe, stored_key, *bands)
            for band, table in zip(bands, lsh.hashtables, strict=True):
                table._insert(pipe, band, stored_key)
            pipe.execute()
        return tuple(sorted(found))


def index_storage(deployment: Deployment, basename: bytes) -> dict[str, Any]:
    """datasketch's ``storage_config`` for the shared index."""
    return {
        "type": "redis",
        "basename": basename,
        "redis": redis.connection.parse_url(deployment.url),
    }


def check_index(deployment: Deployment, params: DedupParams) -> bytes:
    """The basename of the deployment's index for ``params``; IndexMismatchError for others.

    The first process records its parameters; every later one compares.
    """
    identity = index_identity(params)
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]
    basename = f"{deployment.keys.prefix}:lsh:v{FORMAT_VERSION}:{digest}"
    wanted = json.dumps({"basename": basename, "params": identity}, sort_keys=True)
    deployment.redis.set(deployment.keys.index_params, wanted, nx=True)
    stored = json.loads(deployment.redis.get(deployment.keys.index_params))
    if stored.get("basename") != basename:
        theirs = stored.get("params", {})
        differing = [
            f"{name} {theirs.get(name)} (this version uses {value})"
            for name, value in identity.items()
            if name in theirs and theirs[name] != value
        ]
        raise IndexMismatchError(
            f"the shared reprint index in {deployment.url} (key {deployment.keys.index_params}) "
            f"was built with {', '.join(differing) or 'other parameters'}. Run the same wirecrawl "
            "version on every worker and the writer, or, to start a new index, stop them all "
            f"and run `wirecrawl distributed reset-index --redis {deployment.url}`."
        )
    return basename.encode()


def reset_index(deployment: Deployment) -> int:
    """Delete the shared index and its parameters; returns how many keys went."""
    raw = deployment.redis.get(deployment.keys.index_params)
    deleted = 0
    if raw is not None:
        basename = json.loads(raw)["basename"]
        for batch in chunks(deployment.redis.scan_iter(match=f"{basename}*", count=1000), 500):
            deleted += deployment.redis.unlink(*batch)
    deleted += deployment.redis.delete(deployment.keys.index_params)
    return deleted


# -- workers -----------------------------------------------------------------------------------

_DEPLOYMENT_ATTRIBUTE = "_wirecrawl_deployment"
_INDEX_ATTRIBUTE = "_wirecrawl_shared_index"


def deployment_for(crawler: Crawler) -> Deployment:
    """The deployment of this worker crawl (``WIRECRAWL_REDIS``), connected on first use."""
    found = getattr(crawler, _DEPLOYMENT_ATTRIBUTE, None)
    if found is None:
        found = Deployment.connect(
            crawler.settings.get("WIRECRAWL_REDIS", DEFAULT_REDIS_URL),
            crawler.settings.get("WIRECRAWL_REDIS_PREFIX", DEFAULT_PREFIX),
        )
        setattr(crawler, _DEPLOYMENT_ATTRIBUTE, found)
    return cast(Deployment, found)


def shared_index_for(crawler: Crawler) -> SharedIndex:
    """The shared reprint index of this worker crawl, opened on first use."""
    found = getattr(crawler, _INDEX_ATTRIBUTE, None)
    if found is None:
        found = SharedIndex.open(deployment_for(crawler))
        setattr(crawler, _INDEX_ATTRIBUTE, found)
    return cast(SharedIndex, found)


class RedisFeedState:
    """A worker's feed state (``crawler.core.storetype.FeedState``), kept in Redis.

    Reads are answered from Redis (entries seen, pages that failed, articles
    stored); writes become records for the writer, pushed at once and in order,
    so that a feed's entries always reach the writer before the articles they
    lead to. A worker keeps no crawl runs: the writer counts its run's figures
    from the records it applies.
    """

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment
        self.keys = deployment.keys

    def record_fetch(self, fetch: FetchRecord) -> None:
        self.deployment.push([FetchMessage(fetch)])

    def new_entries(self, feed_id: int, entries: Sequence[tuple[str, str]]) -> set[str]:
        if not entries:
            return set()
        pipe = self.deployment.redis.pipeline(transaction=False)
        for entry_id, _ in entries:
            pipe.sadd(self.keys.entries(feed_id), entry_id)
        added = pipe.execute()
        self.deployment.push([EntriesMessage(feed_id, tuple(entries))])
        return {entry_id for (entry_id, _), new in zip(entries, added, strict=True) if new}

    def has_article(self, key: str) -> bool:
        return bool(self.deployment.redis.sismember(self.keys.stored, key))

    def failed_entries(self, feed_id: int) -> set[str]:
        members = self.deployment.redis.smembers(self.keys.failed_entries(feed_id))
        return {m.decode() if isinstance(m, bytes) else str(m) for m in members}

    def settle_entry(self, feed_id: int, entry_id: str, status: str) -> None:
        # Failed pages are remembered here too, so that any worker's next poll of the
        # feed puts them behind the others when it cannot take every page.
        key = self.keys.failed_entries(feed_id)
        if status == "failed":
            self.deployment.redis.sadd(key, entry_id)
        else:
            self.deployment.redis.srem(key, entry_id)
        self.deployment.push([SettleMessage(feed_id, entry_id, status)])


class _WorkerSpider(PollingSpider):
    """A polling spider whose feeds come from the deployment's due lists.

    Due feeds are taken a few at a time when the spider starts and each time
    it runs dry; with ``once`` it closes when nothing is due and the shared
    frontier is empty, else it waits for the writer to hand out more.
    """

    def __init__(self, once: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.once = once
        self.deployment: Deployment
        self.worker = worker_name()

    @classmethod
    def open_state(cls, crawler: Crawler) -> tuple[FeedState, CrawlStore | None]:
        """A worker has no SQLite store: its feed state lives in Redis."""
        return RedisFeedState(deployment_for(crawler)), None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> _WorkerSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        assert isinstance(spider, _WorkerSpider)
        spider.deployment = deployment_for(crawler)
        spider.heartbeat_name = f"{spider.worker}/{spider.name}"
        crawler.signals.connect(spider.take_more, signal=signals.spider_idle)
        crawler.signals.connect(spider.started, signal=signals.spider_opened)
        crawler.signals.connect(spider.stopped, signal=signals.spider_closed)
        return spider

    heartbeat_name = ""
    _beat: LoopingCall | None = None

    async def start(self) -> AsyncIterator[Any]:
        for feed in self.deployment.take(self.kind, TAKE_FEEDS):
            yield self.feed_request(feed)

    def take_more(self, spider: scrapy.Spider) -> None:
        if spider is not self:
            return
        feeds = self.deployment.take(self.kind, TAKE_FEEDS)
        for feed in feeds:
            self.crawler.engine.crawl(self.feed_request(feed))
        if feeds or not self.once:
            raise DontCloseSpider

    def feed_request(self, feed: Feed) -> scrapy.Request:
        request = super().feed_request(feed)
        # A start time from this process means nothing to the worker that may download it.
        request.meta.pop(STARTED_META, None)
        return request

    def page_request(self, url: str, entry: FeedEntry, feed: Feed) -> scrapy.Request:
        request = super().page_request(url, entry, feed)
        request.meta.pop(STARTED_META, None)
        if feed.pending_entries:
            # Entries left pending (a worker killed mid-download, whose request the
            # duplicate filter remembers) are asked for again; stored ones never reach here.
            return request.replace(dont_filter=True)
        return request

    def started(self, spider: scrapy.Spider) -> None:
        if spider is not self:
            return
        self._beat = LoopingCall(self.beat)
        self._beat.start(HEARTBEAT_SECONDS, now=True)

    def beat(self) -> None:
        engine = self.crawler.engine
        try:
            busy = engine is not None and not engine.spider_is_idle()
        except RuntimeError:  # the engine is between its spider's open and close
            busy = True
        stats = self.crawler.stats
        sent = stats.get_value("wirecrawl/records_sent", 0) if stats is not None else 0
        self.deployment.heartbeat(
            self.heartbeat_name, {"busy": busy, "spider": self.name, "sent": sent}
        )

    def stopped(self, spider: scrapy.Spider, reason: str) -> None:
        if spider is not self:
            return
        if self._beat is not None and self._beat.running:
            self._beat.stop()
        self.deployment.leave(self.heartbeat_name)


class WorkerFeedsSpider(_WorkerSpider, FeedsSpider):
    """The feeds spider of a worker."""


class WorkerSitemapsSpider(_WorkerSpider, SitemapsSpider):
    """The sitemaps spider of a worker."""


WORKER_SPIDERS: dict[str, type[_WorkerSpider]] = {
    "feeds": WorkerFeedsSpider,
    "sitemaps": WorkerSitemapsSpider,
}


@dataclass(frozen=True)
class Queued:
    """A fetched article after it was signed, indexed and pushed for the writer."""

    fetched: Fetched
    #: Keys of the likely copies the shared index named.
    candidates: tuple[str, ...]


class RecordPipeline:
    """A worker's only pipeline: sign, look up and insert in the shared index, push the record.

    The folding and signing are ``crawler.core.dedup``'s (the writer's store does
    them again with the outlet's boilerplate known; they are cheap next to
    the fetch).
    """

    def __init__(self, deployment: Deployment, index: SharedIndex, crawler: Crawler) -> None:
        self.deployment = deployment
        self.index = index
        self.params = index.params
        self.stats = crawler.stats
        self.worker = worker_name()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RecordPipeline:
        return cls(deployment_for(crawler), shared_index_for(crawler), crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Fetched):
            return item
        article = item.article
        text = dedup.prepare([b.text for b in article.body], self.params)
        signature = dedup.sign_hashes(text.hashes, self.params)
        candidates: tuple[str, ...] = ()
        if signature.shingle_count >= self.params.min_shingles:
            candidates = self.index.add(article.key, signature)
        self.deployment.push(
            [
                ArticleRecord(
                    article, item.feed_id, item.entry_id, item.source, candidates, self.worker
                )
            ]
        )
        if self.stats is not None:
            self.stats.inc_value("wirecrawl/records_sent")
            if candidates:
                self.stats.inc_value("wirecrawl/with_candidates")
        return Queued(item, candidates)


def worker_settings(
    redis_url: str,
    *,
    prefix: str = DEFAULT_PREFIX,
    proxy: str = "",
    overrides: dict[str, Any] | None = None,
) -> Any:
    """wirecrawl's Scrapy settings with scrapy-redis's scheduler and duplicate filter."""
    keys = Keys(prefix)
    shared = {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        # Keep the frontier and fingerprints when a worker stops: the others go on.
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_KEY": keys.frontier_template,
        # One set for both spiders: a page listed by a feed and a sitemap is fetched once.
        "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
        "REDIS_URL": redis_url,
        "WIRECRAWL_REDIS": redis_url,
        "WIRECRAWL_REDIS_PREFIX": prefix,
        "ITEM_PIPELINES": {"crawler.app.distributed.RecordPipeline": 300},
    }
    # A worker has no store; the name only satisfies the settings module.
    return crawl_settings(Path(os.devnull), proxy=proxy, overrides={**shared, **(overrides or {})})


@dataclass(frozen=True)
class WorkerSummary:
    """What one worker process did, per spider."""

    #: Spider name -> its Scrapy stats of interest.
    spiders: dict[str, dict[str, Any]]


def run_worker(
    redis_url: str,
    *,
    spiders: Sequence[str] = ("feeds", "sitemaps"),
    once: bool = False,
    prefix: str = DEFAULT_PREFIX,
    proxy: str = "",
    overrides: dict[str, Any] | None = None,
) -> WorkerSummary:
    """Run a worker until stopped (SIGTERM/SIGINT), or until nothing is due with ``once``."""
    deployment = Deployment.connect(redis_url, prefix)
    # Refuse a mismatched shared index before any request goes out.
    check_index(deployment, DEFAULT_PARAMS)
    # scrapy-redis 0.9 calls APIs newer Scrapy deprecates; nothing a user can act on.
    warnings.filterwarnings(
        "ignore", category=ScrapyDeprecationWarning, module=r"scrapy_redis(\.|$)"
    )
    process = CrawlerProcess(
        worker_settings(redis_url, prefix=prefix, proxy=proxy, overrides=overrides)
    )
    crawlers = {name: process.create_crawler(WORKER_SPIDERS[name]) for name in spiders}
    for crawler in crawlers.values():
        process.crawl(crawler, once=once)
    process.start()
    wanted = (
        "wirecrawl/records_sent",
        "wirecrawl/with_candidates",
        "downloader/request_count",
        "finish_reason",
    )
    figures = {}
    for name, crawler in crawlers.items():
        stats = crawler.stats.get_stats() if crawler.stats is not None else {}
        figures[name] = {key: stats.get(key, 0) for key in wanted}
    return WorkerSummary(figures)


# -- the writer ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WriterReport:
    """What a store-writer did."""

    #: Records applied (of every kind).
    applied: int = 0
    #: New articles stored.
    articles_new: int = 0
    #: Articles that were stored already (same key).
    articles_known: int = 0
    #: Records that could not be applied (kept in the failed list).
    failed: int = 0
    #: Records found in the processing list at start (a writer stopped mid-way).
    recovered: int = 0
    #: Due feeds handed out.
    offered: int = 0
    #: The crawl run the writer recorded.
    run_id: int = 0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class StoreWriter:
    """The one process that writes a deployment's records into the SQLite store.

    Records are moved from ``records`` to ``processing`` (BLMOVE), applied in
    one SQLite transaction per batch (each record in a savepoint of its own,
    so that a bad one is set aside alone), and removed from ``processing``
    only after the commit.
    """

    def __init__(
        self,
        store: Store,
        deployment: Deployment,
        *,
        batch: int = 200,
        lease_seconds: float = LEASE_SECONDS,
        kinds: Sequence[str] = tuple(SPIDER_KINDS.values()),
    ) -> None:
        self.store = store
        self.deployment = deployment
        self.keys = deployment.keys
        self.batch = batch
        self.lease_seconds = lease_seconds
        self.kinds = tuple(kinds)
        self.name = f"{worker_name()}:{store.path}"
        self.report = WriterReport()
        self.stopping = False

    # -- the lock --------------------------------------------------------------------

    def acquire(self) -> None:
        """Become the deployment's only writer; refuse while a live one is."""
        mine = json.dumps({"writer": self.name, "host": socket.gethostname(), "pid": os.getpid()})
        client = self.deployment.redis
        if client.set(self.keys.writer, mine, nx=True, ex=WRITER_LOCK_SECONDS):
            return
        held = client.get(self.keys.writer)
        holder = json.loads(held) if held else {}
        same_host = holder.get("host") == socket.gethostname()
        if held and same_host and not _pid_alive(int(holder.get("pid", 0))):
            # Its process is gone (killed): the lock would only expire later.
            client.set(self.keys.writer, mine, ex=WRITER_LOCK_SECONDS)
            return
        raise RedisUnavailableError(
            f"another store-writer ({holder.get('writer', 'unknown')}) is writing the records of "
            f"{self.deployment.url}; a deployment has one writer. Stop it first, or wait "
            f"{WRITER_LOCK_SECONDS} s if it was stopped on another machine."
        )

    def refresh(self) -> None:
        """Keep the lock while running."""
        self.deployment.redis.expire(self.keys.writer, WRITER_LOCK_SECONDS)

    def release(self) -> None:
        """Give the lock up when stopping."""
        held = self.deployment.redis.get(self.keys.writer)
        if held and json.loads(held).get("writer") == self.name:
            self.deployment.redis.delete(self.keys.writer)

    # -- scheduling ------------------------------------------------------------------

    def offer_due(self) -> int:
        """Hand the feeds due now to the workers."""
        now = datetime.now(UTC)
        offered = 0
        for kind in self.kinds:
            feeds = queries.due_feeds(self.store, now, kind=kind)
            offered += self.deployment.offer(feeds, self.lease_seconds)
        self.report = replace(self.report, offered=self.report.offered + offered)
        return offered

    # -- records ---------------------------------------------------------------------

    def recover(self) -> int:
        """Apply the records a stopped writer held, then forget them."""
        held = self.deployment.redis.lrange(self.keys.processing, 0, -1)
        held.reverse()  # BLMOVE pushed them to the left: the oldest is last
        for start in range(0, len(held), self.batch):
            self._apply(held[start : start + self.batch], replay=True)
        self.report = replace(self.report, recovered=self.report.recovered + len(held))
        return len(held)

    def step(self, timeout: float) -> int:
        """Take up to ``batch`` records (waiting ``timeout`` s for the first) and apply them."""
        client = self.deployment.redis
        if timeout > 0:
            first = client.blmove(self.keys.records, self.keys.processing, timeout, "RIGHT", "LEFT")
        else:
            first = client.lmove(self.keys.records, self.keys.processing, "RIGHT", "LEFT")
        if first is None:
            return 0
        more = min(self.batch - 1, int(client.llen(self.keys.records)))
        pipe = client.pipeline(transaction=False)
        for _ in range(more):
            pipe.lmove(self.keys.records, self.keys.processing, "RIGHT", "LEFT")
        raws = [first, *(r for r in (pipe.execute() if more else []) if r is not None)]
        self._apply(raws, replay=False)
        return len(raws)

    def _apply(self, raws: list[bytes], *, replay: bool) -> None:
        messages: list[Message | str] = []
        for raw in raws:
            try:
                messages.append(decode(raw))
            except (ValueError, KeyError, TypeError) as exc:
                messages.append(f"unreadable record: {exc}")
        # The bodies are folded together, outside the write lock's hot path.
        articles = [m.article for m in messages if isinstance(m, ArticleRecord)]
        prepared = iter(
            dedup.prepare_many([[b.text for b in a.body] for a in articles], self.store.params)
        )
        texts = [next(prepared) if isinstance(m, ArticleRecord) else None for m in messages]
        figures: dict[str, int] = {}
        failures: list[tuple[bytes, str]] = []
        stored_keys: list[str] = []
        released: list[int] = []
        new = known = 0
        with self.store.batch():
            for raw, message, text in zip(raws, messages, texts, strict=True):
                if isinstance(message, str):
                    failures.append((raw, message))
                    continue
                try:
                    # A savepoint per record: a bad one is undone alone and set aside.
                    with self.store.transaction():
                        if isinstance(message, ArticleRecord):
                            assert text is not None
                            created = self._save(message, text)
                            stored_keys.append(message.article.key)
                            new += created
                            known += not created
                            _count(figures, "articles_new" if created else "articles_known")
                        elif isinstance(message, FetchMessage):
                            self._fetched(message.fetch, figures, replay)
                            if message.fetch.kind != "page" and message.fetch.feed_id is not None:
                                released.append(message.fetch.feed_id)
                        elif isinstance(message, EntriesMessage):
                            self.store.new_entries(message.feed_id, list(message.entries))
                        else:
                            self.store.settle_entry(
                                message.feed_id, message.entry_id, message.status
                            )
                except Exception as exc:
                    # One record that cannot be applied must not stop the writer (or
                    # block the records behind it); it is kept with the reason.
                    logger.warning("record set aside: %s", exc)
                    failures.append((raw, f"{type(exc).__name__}: {exc}"))
            if self.report.run_id:
                self.store.add_run_figures(self.report.run_id, figures)
        # Committed: now, and only now, the records may leave the processing list.
        pipe = self.deployment.redis.pipeline()
        for raw in raws:
            pipe.lrem(self.keys.processing, 1, raw)
        for raw, problem in failures:
            pipe.lpush(
                self.keys.failed,
                json.dumps({"error": problem, "record": raw.decode(errors="replace")}),
            )
        if stored_keys:
            pipe.sadd(self.keys.stored, *stored_keys)
        if released:
            pipe.hdel(self.keys.leases, *[str(i) for i in released])
        pipe.execute()
        self.report = replace(
            self.report,
            applied=self.report.applied + len(raws) - len(failures),
            articles_new=self.report.articles_new + new,
            articles_known=self.report.articles_known + known,
            failed=self.report.failed + len(failures),
        )

    def _save(self, record: ArticleRecord, text: dedup.PreparedText) -> bool:
        result = self.store.save_article(record.article, feed_id=record.feed_id, prepared=text)
        if record.feed_id is not None and record.entry_id:
            if result.created:
                self.store.link_entry(record.feed_id, record.entry_id, result.article_id)
            else:
                self.store.settle_entry(record.feed_id, record.entry_id, "known")
        return result.created

    def _fetched(self, fetch: FetchRecord, figures: dict[str, int], replay: bool) -> None:
        if replay and fetch.kind != "page" and self._already_recorded(fetch):
            return
        self.store.record_fetch(replace(fetch, run_id=self.report.run_id or None))
        if fetch.kind == "page":
            if fetch.outcome in ("ok", "extract_failed"):
                _count(figures, "pages_fetched")
            return
        _count(figures, "feeds_polled")
        if fetch.outcome == "not-modified":
            _count(figures, "feeds_not_modified")
        elif fetch.outcome != "ok":
            _count(figures, "errors")

    def _already_recorded(self, fetch: FetchRecord) -> bool:
        """True when the feed's state already has this fetch (committed before a stop)."""
        for feed in queries.feeds_by_url(self.store, [fetch.url]):
            if feed.last_fetched_at is not None and feed.last_fetched_at >= fetch.fetched_at:
                return True
        return False

    # -- the loop --------------------------------------------------------------------

    def run(
        self,
        *,
        once: bool = False,
        idle_exit: float | None = None,
        schedule_every: float = 10.0,
    ) -> WriterReport:
        """Write records until stopped.

        ``once``: apply what waits now and return (no scheduling). ``idle_exit``:
        return once the deployment has been quiet (nothing queued, leased, in
        the frontier, or in a busy worker) for that many seconds.
        """
        self.acquire()
        run_id = self.store.start_run("wirecrawl store-writer")
        self.report = replace(self.report, run_id=run_id)
        status = "finished"
        try:
            self.recover()
            last_offer = float("-inf")
            quiet_since: float | None = None
            while not self.stopping:
                now = time.monotonic()
                if not once and now - last_offer >= schedule_every:
                    self.offer_due()
                    last_offer = now
                applied = self.step(0 if once else 1.0)
                self.refresh()
                if once:
                    if not applied:
                        break
                    continue
                if idle_exit is None:
                    continue
                if applied or not self.deployment.status().quiet:
                    quiet_since = None
                elif quiet_since is None:
                    quiet_since = time.monotonic()
                elif time.monotonic() - quiet_since >= idle_exit:
                    break
            if self.stopping:
                status = "stopped"
        except BaseException:
            status = "failed"
            raise
        finally:
            self.store.finish_run(run_id, status=status)
            self.release()
        return self.report

    def stop(self) -> None:
        """Stop after the batch in hand is committed."""
        self.stopping = True


def _count(figures: dict[str, int], name: str) -> None:
    figures[name] = figures.get(name, 0) + 1
