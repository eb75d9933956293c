"""The SQLite store: the only writer of the wirecrawl file.

One ``Store`` wraps one sqlite-utils ``Database``. Opening it for writing
applies pending migrations and switches the file to WAL, so readers (the
CLI, Datasette) never block the crawler and never see half an article.
Every article is written atomically together with everything that belongs
to it: its own ``BEGIN IMMEDIATE`` transaction, or a savepoint inside a batch
(imports) or a write group (crawls), which commit many articles at once.

Conversions between ``Article`` and a row live here too: JSON for the
list-valued fields, ISO 8601 for times, folded copies of title and body for
full-text search.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from crawler.core import dedup
from crawler.core.clock import iso_or_none as _iso
from crawler.core.codec import article_from_json, article_to_json
from crawler.core.dedup import DEFAULT_PARAMS, DedupParams, PreparedText
from crawler.core.errors import StoreError
from crawler.core.items import Article, Feed, FetchRecord
from crawler.core.storetype import SaveResult
from crawler.core.text import normalise
from crawler.core.wire import agency_of_outlet
from storage.migrations import apply_migrations, pending_migrations
from storage.reprints import ReprintIndex
from storage.stories import StoryIndex

#: How long a writer waits for another writer's transaction before giving up.
BUSY_TIMEOUT_MS = 30_000
#: Articles whose bodies are folded in one numpy pass.
PREPARE_BATCH = 32
#: SQLite page cache per connection, in KiB.
CACHE_KIB = 64 * 1024
#: Bytes of the file SQLite may memory-map for reading.
MMAP_BYTES = 256 * 1024 * 1024


def _iso_utc(value: datetime | None) -> str | None:
    """The moment in UTC for sorting; a naive time is taken as UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


#: Article fields stored under another column name.
_COLUMN_OF = {"published": "published_at"}
#: Article fields whose JSON value is stored as JSON text.
_JSON_COLUMNS = ("body", "alternates", "authors")


def article_to_row(article: Article, folded_body: str | None = None) -> dict[str, Any]:
    """The ``articles`` columns for ``article`` (without id and cluster fields).

    The article's JSON encoding (``crawler.core.codec``) under the column names, empty
    text as NULL, plus the columns derived for sorting and search. ``folded_body`` is the
    body already folded (by dedup's preparation), to fold it only once.
    """
    row: dict[str, Any] = {"key": article.key}
    for name, value in article_to_json(article).items():
        if name in _JSON_COLUMNS:
            value = json.dumps(value, ensure_ascii=False)
        elif value == "":
            value = None
        row[_COLUMN_OF.get(name, name)] = value
    published_utc = _iso_utc(article.published)
    row.update(
        published_at_utc=published_utc,
        # Where the publication time is unknown, the fetch time ("first seen") places it.
        time_utc=published_utc or _iso_utc(article.fetched_at),
        body_text=article.body_text,
        word_count=len(article.body_text.split()),
        title_folded=normalise(article.title),
        body_folded=normalise(article.body_text) if folded_body is None else folded_body,
    )
    return row


def row_to_article(row: Mapping[str, Any]) -> Article:
    """Rebuild the ``Article`` stored in an ``articles`` row."""
    record = {name: row[_COLUMN_OF.get(name, name)] for name in _ARTICLE_FIELDS}
    for name in _JSON_COLUMNS:
        record[name] = json.loads(record[name] or "[]")
    return article_from_json(record)


_ARTICLE_FIELDS = tuple(n for n in article_to_json(Article("", ())) if n != "content_hash")


def is_writable(path: Path) -> bool:
    """Whether this process may write the store at ``path`` and the files beside it.

    SQLite in WAL mode keeps ``-wal`` and ``-shm`` files beside the store, so even a
    reader needs a writable folder unless the file is opened as immutable.
    """
    folder = path.resolve().parent
    if path.exists() and not os.access(path, os.W_OK):
        return False
    return os.access(folder, os.W_OK)


def _connect(path: Path, readonly: bool) -> sqlite3.Connection:
    if readonly:
        try:
            return _configure(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True))
        except sqlite3.DatabaseError as exc:
            if not isinstance(exc, sqlite3.OperationalError) or is_writable(path):
                raise StoreError(f"cannot open the store {path}: {exc}") from exc
        # Read-only media (or a folder we may not write): nothing can change the file
        # through us, and SQLite cannot keep its -shm beside it; read it as immutable.
        try:
            uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
            return _configure(sqlite3.connect(uri, uri=True))
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the store {path}: {exc}") from exc
    if not path.exists() and not is_writable(path):
        raise StoreError(
            f"cannot create the store {path}: the folder {path.resolve().parent} is read-only; "
            "choose a writable place with --db"
        )
    if not is_writable(path):
        where = path if not os.access(path, os.W_OK) else path.resolve().parent
        raise StoreError(
            f"cannot write the store {path}: {where} is read-only; reading commands "
            "(stats, search, clusters, export, serve) still work, or copy the store "
            "to a writable folder"
        )
    try:
        return _configure(sqlite3.connect(str(path)))
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the store {path}: {exc}") from exc


def _needs_upgrade(db: Database, path: Path) -> bool:
    """Whether a store about to be read has schema steps to apply that this process may apply."""
    try:
        if not db["articles"].exists() or not pending_migrations(db):
            return False
    except sqlite3.DatabaseError:
        return False  # Store.open reports what is wrong with the file
    if not is_writable(path):
        raise StoreError(
            f"the store {path} was written by an older wirecrawl and is on read-only media: "
            "copy it to a writable folder and open it there once to upgrade it"
        )
    return True


def _configure(conn: sqlite3.Connection) -> sqlite3.Connection:
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        # The band index is written and read at random places: a page cache of
        # 64 MB and memory-mapped reads keep it off the disk as it grows.
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        conn.execute("PRAGMA temp_store = MEMORY")
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def _use_wal(conn: sqlite3.Connection) -> None:
    # Switching a new file to WAL needs a moment of exclusive access, and SQLite
    # answers "locked" at once, without the busy timeout, when another process
    # opening the same new file holds it: try again for as long as that timeout.
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


@dataclass(frozen=True)
class _WriteGroup:
    """An open write group (``Store.open_group``)."""

    #: What the reprint index needs to forget the group if it is rolled back.
    checkpoint: Any
    #: The highest article id before the group: its rows are those above.
    before_id: int


class Store:
    """The wirecrawl SQLite file, opened for reading or writing."""

    def __init__(
        self, db: Database, path: Path, readonly: bool, params: DedupParams = DEFAULT_PARAMS
    ) -> None:
        self.db = db
        self.path = path
        self.readonly = readonly
        self.params = params
        self.index = ReprintIndex(db.conn, params)
        self.stories = StoryIndex(db.conn)
        self._savepoints = 0
        self._group: _WriteGroup | None = None

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        readonly: bool = False,
        params: DedupParams = DEFAULT_PARAMS,
        check_index: bool = True,
    ) -> Store:
        """Open (and for writers create and upgrade) the store at ``path``.

        A writer refuses a store whose reprint index was built with other
        parameters (``IndexMismatchError`` names ``wirecrawl dedup rebuild``),
        unless ``check_index`` is False, as the rebuild itself needs.
        """
        path = Path(path)
        if readonly and not path.exists():
            raise StoreError(
                f"there is no store at {path}: run `wirecrawl import` or `wirecrawl crawl` "
                "first, or pass --db"
            )
        if not readonly and path.parent and not path.parent.exists():
            raise StoreError(f"cannot create the store {path}: folder {path.parent} does not exist")
        conn = _connect(path, readonly)
        db = Database(conn)
        if readonly and _needs_upgrade(db, path):
            # Readers need this version's columns: upgrade the file once, as a writer
            # opening it would, then read it.
            conn.close()
            cls.open(path, params=params, check_index=False).close()
            conn = _connect(path, readonly)
            db = Database(conn)
        try:
            if not readonly:
                with db.ensure_autocommit_on():
                    _use_wal(conn)
                    # WAL with synchronous=NORMAL stays consistent after a crash;
                    # only the last commits before a power loss may be missing.
                    conn.execute("PRAGMA synchronous = NORMAL")
                apply_migrations(db, str(path))
            elif not db["articles"].exists():
                raise StoreError(f"{path} is not a wirecrawl store (it has no articles table)")
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(f"{path} is not a usable SQLite store: {exc}") from exc
        except StoreError:
            conn.close()
            raise
        store = cls(db, path, readonly, params)
        if not readonly and check_index:
            try:
                store._check_index()
            except StoreError:
                conn.close()
                raise
        return store

    def _check_index(self) -> None:
        stored = self.index.stored_params()
        if not stored and self.count("articles") == 0:
            with self.transaction():
                self.index.record_params()
            return
        dedup.check_index_params(stored, self.params, str(self.path))

    def close(self) -> None:
        """Close the connection (a checkpoint folds the WAL back into the file).

        An open write group is committed first: each of its writes is whole.
        """
        try:
            if self._group is not None:
                self.commit_group()
        finally:
            self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: all of it is stored or none of it.

        Outside a batch it is its own ``BEGIN IMMEDIATE`` transaction (the write
        lock is taken at once, so it cannot deadlock later). Inside ``batch()`` or
        a write group it is a savepoint: a failure undoes this write only, and the
        batch or group goes on.
        """
        conn = self.db.conn
        # The reprint index keeps band keys in memory; it must hear of a rollback.
        checkpoint = self.index.checkpoint()
        if conn.in_transaction:
            self._savepoints += 1
            name = f"wirecrawl_{self._savepoints}"
            conn.execute(f"SAVEPOINT {name}")
            try:
                yield conn
            except BaseException:
                conn.execute(f"ROLLBACK TO {name}")
                conn.execute(f"RELEASE {name}")
                self._rewind(checkpoint)
                raise
            else:
                conn.execute(f"RELEASE {name}")
            return
        conn.execute("BEGIN IMMEDIATE")
        self._begin_write()
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            self._rewind(checkpoint)
            raise
        else:
            conn.execute("COMMIT")

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """Read several statements from one consistent state of the store.

        In WAL mode a read transaction sees the store as of its first read,
        whatever a crawler commits meanwhile: a cluster and its members are
        read from the same moment.
        """
        conn = self.db.conn
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN")
        try:
            yield
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Group many writes in one commit (each write stays atomic on its own).

        A commit costs far more than an article's rows; imports and crawls
        commit every few hundred articles. A crash loses the uncommitted batch
        whole, never part of an article.
        """
        with self.transaction():
            yield

    # -- write groups ---------------------------------------------------------

    @property
    def group_open(self) -> bool:
        """Whether a write group is open (see ``open_group``)."""
        return self._group is not None

    def open_group(self) -> None:
        """Let the writes that follow share one transaction, until ``commit_group``.

        A crawl saves articles one at a time as their pages arrive; a commit
        each, with the search indexes filled row by row, costs more than the
        rows. Inside a group every write is still atomic on its own (a
        savepoint), the articles' search index is written once at the commit,
        and a crash loses the uncommitted group whole, never part of an
        article. The group holds the write lock: commit it within a second or
        so (``StorePipeline`` does after a short delay).
        """
        if self._group is not None:
            return
        conn = self.db.conn
        if conn.in_transaction:
            raise StoreError("a write group opens only outside a transaction")
        checkpoint = self.index.checkpoint()
        conn.execute("BEGIN IMMEDIATE")
        self._begin_write()
        self._group = _WriteGroup(checkpoint, self._defer_search(conn))

    def commit_group(self) -> int:
        """Write the group's search index and commit it; returns its articles' count."""
        group, self._group = self._group, None
        if group is None:
            return 0
        conn = self.db.conn
        try:
            written = self._write_deferred_search(conn, group.before_id)
            conn.execute("COMMIT")
        except BaseException:
            self._rollback_group(group)
            raise
        return written

    def abandon_group(self) -> None:
        """Roll the open group back (nothing of it is stored)."""
        group, self._group = self._group, None
        if group is not None:
            self._rollback_group(group)

    def _rollback_group(self, group: _WriteGroup) -> None:
        if self.db.conn.in_transaction:
            self.db.conn.execute("ROLLBACK")
        self._rewind(group.checkpoint)

    def _begin_write(self) -> None:
        # Both indexes keep part of themselves in memory: other processes may have
        # written since this one's last transaction.
        self.index.begin_write()
        self.stories.begin_write()

    def _rewind(self, checkpoint: Any) -> None:
        # A rollback undid rows the in-memory parts of the indexes had taken in.
        self.index.rewind(checkpoint)
        self.stories.forget()

    def _defer_search(self, conn: sqlite3.Connection) -> int:
        """Leave the search index of the rows written from now to the transaction's end.

        Returns the highest article id before (see migration m008; the flag is
        1 only in this uncommitted transaction).
        """
        before = int(conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0])
        conn.execute("UPDATE deferred_search SET active = 1")
        return before

    def _write_deferred_search(self, conn: sqlite3.Connection, before: int) -> int:
        """Index the rows above ``before`` for search; the triggers take over again."""
        # This transaction holds the write lock: the new rows are those above ``before``.
        written = 0
        for table in ("articles_fts", "articles_trigram"):
            written = conn.execute(
                f"INSERT INTO {table} (rowid, title_folded, body_folded) "
                "SELECT id, title_folded, body_folded FROM articles WHERE id > ?",
                [before],
            ).rowcount
        conn.execute("UPDATE deferred_search SET active = 0")
        return written

    # -- articles -----------------------------------------------------------

    def article_id(self, key: str) -> int | None:
        """Row id of the article stored under ``key``, if any."""
        row = self.db.conn.execute("SELECT id FROM articles WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def save_article(
        self,
        article: Article,
        *,
        feed_id: int | None = None,
        prepared: PreparedText | None = None,
        story_keys: Mapping[str, str] | None = None,
    ) -> SaveResult:
        """Store ``article`` and decide its reprint cluster, in one transaction.

        Nothing happens when a record with the same key is there already.
        ``prepared`` is the article's body folded for dedup, and ``story_keys``
        its ``crawler.core.stories.story_keys``; pass them when they were computed
        outside (CPU work that need not hold the write lock).
        """
        paragraphs = [b.text for b in article.body]
        if prepared is None:
            prepared = dedup.prepare(paragraphs, self.params)
        with self.transaction() as conn:
            # One statement asks the three questions every new article needs: a
            # crawl saves articles one by one, so each round trip counts.
            existing_id, same_text, article_id = conn.execute(
                "SELECT (SELECT id FROM articles WHERE key = ?), "
                "EXISTS (SELECT 1 FROM articles WHERE content_hash = ?), "
                "(SELECT coalesce(max(id), 0) + 1 FROM articles)",
                [article.key, article.content_hash],
            ).fetchone()
            if existing_id is not None:
                return SaveResult(existing_id, created=False)
            # The id is known before the row is written, so the row is written
            # once, with its cluster already decided (a later UPDATE would
            # rewrite the whole wide row).
            row = article_to_row(article, prepared.folded_text)
            row["id"] = article_id
            row["feed_id"] = feed_id
            row["stored_at"] = _iso(datetime.now(UTC))
            order = dedup.order_key(
                row["time_utc"],
                row["published_precision"],
                agency_of_outlet(article.outlet) is not None,
                row["fetched_at"],
                row["key"],
            )
            plan = self.index.plan(
                article_id, article.outlet, prepared, article.content_hash, order
            )
            row.update(self.index.membership_columns(plan.decision))
            columns = ", ".join(row)
            marks = ", ".join("?" for _ in row)
            conn.execute(f"INSERT INTO articles ({columns}) VALUES ({marks})", list(row.values()))
            outcome = self.index.complete(article_id, plan, row)
            update = self.stories.add(article_id, article.title, paragraphs, row, story_keys)
            touched = self.index.touched_clusters
            if update.unlinked:
                touched.update(self.stories.clusters_of(update.unlinked))
            # An article that links nothing and joins (or starts) one cluster leaves every
            # story as it was; a recluster, a link or a link undone may join or split stories.
            if (
                update.links
                or update.unlinked
                or outcome.moved
                or len(touched) > 1
                or plan.decision is None
            ):
                self.stories.settle(touched)
            touched.clear()
            return SaveResult(article_id, True, outcome.membership, outcome.moved, bool(same_text))

    def save_articles(
        self, articles: Sequence[Article], *, feed_id: int | None = None
    ) -> list[SaveResult]:
        """Store many articles: their bodies are folded and signed together, then each is saved.

        One commit for all of them; each article stays atomic on its own. Their
        search index is written once all their rows are.
        """
        texts = []
        for start in range(0, len(articles), PREPARE_BATCH):
            chunk = articles[start : start + PREPARE_BATCH]
            texts += dedup.prepare_many([[b.text for b in a.body] for a in chunk], self.params)
        with self.batch():
            conn = self.db.conn
            # Rows first, their search index at the end: the index's writes between
            # two articles would slow everything else down. An open write group
            # indexes them at its own commit.
            before = None if self._group is not None else self._defer_search(conn)
            texts = self.index.begin_batch(
                [(a.key, a.outlet, a.content_hash) for a in articles], texts
            )
            try:
                results = [
                    self.save_article(article, feed_id=feed_id, prepared=text)
                    for article, text in zip(articles, texts, strict=True)
                ]
            except BaseException:
                self.index.end_batch(written=False)
                raise
            self.index.end_batch()
            if before is not None:
                self._write_deferred_search(conn, before)
            return results

    def rebuild_index(self, progress: Callable[[str, int, int], None] | None = None) -> None:
        """Recompute the reprint index and every cluster with this version's parameters.

        One transaction: readers see the old clusters until the new ones are complete.
        """
        with self.transaction():
            self.index.rebuild(progress)
            self.stories.rebuild(progress)
            self.index.touched_clusters.clear()

    def consistency_problems(self) -> list[str]:
        """What is inconsistent between articles, signatures and clusters (empty if all is).

        Every article has a signature and a cluster; every signature belongs to
        an article; every cluster is named after its canonical member and its
        size is its member count.
        """
        checks = {
            "articles without a signature": "SELECT count(*) FROM articles a "
            "WHERE NOT EXISTS (SELECT 1 FROM signatures s WHERE s.article_id = a.id)",
            "signatures without an article": "SELECT count(*) FROM signatures s "
            "WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = s.article_id)",
            "articles without a cluster": "SELECT count(*) FROM articles a WHERE a.cluster_id IS "
            "NULL OR NOT EXISTS (SELECT 1 FROM clusters c WHERE c.id = a.cluster_id)",
            "clusters not named after their canonical": "SELECT count(*) FROM clusters c WHERE "
            "NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = c.id AND a.cluster_id = c.id "
            "AND a.is_canonical = 1)",
            "clusters whose size is wrong": "SELECT count(*) FROM clusters c WHERE c.size != "
            "(SELECT count(*) FROM articles a WHERE a.cluster_id = c.id)",
            "members matched to an article outside their cluster": "SELECT count(*) FROM "
            "articles a JOIN articles m ON m.id = a.matched_to WHERE m.cluster_id != a.cluster_id",
            "clusters in a story named after no cluster of it": "SELECT count(*) FROM clusters c "
            "WHERE c.story_id IS NULL OR NOT EXISTS (SELECT 1 FROM clusters s "
            "WHERE s.id = c.story_id AND s.story_id = c.story_id)",
        }
        problems = []
        for label, sql in checks.items():
            count = self.db.conn.execute(sql).fetchone()[0]
            if count:
                problems.append(f"{count} {label}")
        return problems

    # -- feeds ----------------------------------------------------------------

    def add_feed(
        self,
        url: str,
        *,
        kind: str = "feed",
        title: str = "",
        site_url: str = "",
        language: str = "",
        category: str = "",
    ) -> tuple[int, bool]:
        """Add a feed (or news sitemap) to poll; returns its id and whether it was new."""
        with self.transaction() as conn:
            row = conn.execute("SELECT id FROM feeds WHERE url = ?", [url]).fetchone()
            if row:
                return row[0], False
            cursor = conn.execute(
                "INSERT INTO feeds (url, kind, title, site_url, language, category, added_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    url,
                    kind,
                    title or None,
                    site_url or None,
                    language or None,
                    category or None,
                    _iso(datetime.now(UTC)),
                ],
            )
            return int(cursor.lastrowid or 0), True

    def record_fetch(self, fetch: FetchRecord) -> None:
        """Remember what one fetch of a feed gave: its state for the next poll, and a log row."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO fetch_log (run_id, feed_id, url, fetched_at, status, outcome, error, "
                "bytes, elapsed_ms, items_new, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    fetch.run_id,
                    fetch.feed_id,
                    fetch.url,
                    _iso(fetch.fetched_at),
                    fetch.status,
                    fetch.outcome,
                    fetch.error or None,
                    fetch.size,
                    fetch.elapsed_ms,
                    fetch.items_new,
                    fetch.kind,
                ],
            )
            if fetch.feed_id is None or fetch.kind == "page":
                return
            failed = fetch.outcome not in ("ok", "not-modified")
            updates: dict[str, Any] = {
                "last_fetched_at": _iso(fetch.fetched_at),
                "last_status": fetch.status,
                "last_outcome": fetch.outcome,
                "last_error": fetch.error or None,
            }
            if fetch.outcome == "ok":
                updates.update(
                    etag=fetch.etag or None,
                    last_modified=fetch.last_modified or None,
                    body_hash=fetch.body_hash or None,
                )
                if fetch.format:
                    updates["format"] = fetch.format
                if fetch.title:
                    updates["title"] = fetch.title
                if fetch.site_url:
                    updates["site_url"] = fetch.site_url
                if fetch.language:
                    updates["language"] = fetch.language
            if fetch.redirected_to:
                updates["redirected_to"] = fetch.redirected_to
            if fetch.schedule is not None:
                updates.update(fetch.schedule)
            assignments = ", ".join(f"{name} = ?" for name in updates)
            streak = "error_streak + 1" if failed else "0"
            conn.execute(
                f"UPDATE feeds SET {assignments}, error_streak = {streak}, "
                "items_total = items_total + ? WHERE id = ?",
                [*updates.values(), fetch.items, fetch.feed_id],
            )

    def move_feed(self, old_url: str, new_url: str) -> bool:
        """Give a feed its new URL (after a permanent redirect), keeping its history."""
        with self.transaction() as conn:
            if conn.execute("SELECT 1 FROM feeds WHERE url = ?", [new_url]).fetchone():
                raise StoreError(f"{new_url} is already listed as a feed of its own")
            cursor = conn.execute(
                "UPDATE feeds SET url = ?, redirected_to = NULL WHERE url = ?", [new_url, old_url]
            )
            return cursor.rowcount > 0

    def remove_feed(self, url: str) -> bool:
        """Stop polling a feed: drop it and its entries; its articles and log rows stay."""
        with self.transaction() as conn:
            row = conn.execute("SELECT id FROM feeds WHERE url = ?", [url]).fetchone()
            if row is None:
                return False
            conn.execute("DELETE FROM feed_entries WHERE feed_id = ?", [row[0]])
            conn.execute("UPDATE articles SET feed_id = NULL WHERE feed_id = ?", [row[0]])
            conn.execute("UPDATE fetch_log SET feed_id = NULL WHERE feed_id = ?", [row[0]])
            conn.execute("DELETE FROM feeds WHERE id = ?", [row[0]])
            return True

    def new_entries(self, feed_id: int, entries: Sequence[tuple[str, str]]) -> set[str]:
        """Remember the (entry id, URL) pairs a feed listed; returns the ids never seen before."""
        now = _iso(datetime.now(UTC))
        with self.transaction() as conn:
            seen: set[str] = set()
            for start in range(0, len(entries), 500):
                chunk = [entry_id for entry_id, _ in entries[start : start + 500]]
                marks = ",".join("?" * len(chunk))
                seen.update(
                    r[0]
                    for r in conn.execute(
                        f"SELECT entry_id FROM feed_entries WHERE feed_id = ? "
                        f"AND entry_id IN ({marks})",
                        [feed_id, *chunk],
                    )
                )
            fresh = [(feed_id, e, url, now) for e, url in entries if e not in seen]
            conn.executemany(
                "INSERT OR IGNORE INTO feed_entries (feed_id, entry_id, url, first_seen_at) "
                "VALUES (?, ?, ?, ?)",
                fresh,
            )
        return {e for _, e, _, _ in fresh}

    def link_entry(self, feed_id: int, entry_id: str, article_id: int) -> None:
        """Note which stored article a feed entry became."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE feed_entries SET article_id = ?, status = 'stored' "
                "WHERE feed_id = ? AND entry_id = ?",
                [article_id, feed_id, entry_id],
            )
            conn.execute(
                "UPDATE feeds SET articles_stored = articles_stored + 1 WHERE id = ?", [feed_id]
            )

    def settle_entry(self, feed_id: int, entry_id: str, status: str) -> None:
        """Mark a feed entry as handled without a new article (``known`` or ``failed``).

        Entries still ``pending`` after a poll were interrupted (a stop, a
        crash); the next poll of their feed fetches it in full to finish them.
        """
        with self.transaction() as conn:
            conn.execute(
                "UPDATE feed_entries SET status = ? WHERE feed_id = ? AND entry_id = ? "
                "AND status = 'pending'",
                [status, feed_id, entry_id],
            )

    def start_run(self, command: str) -> int:
        """Open a crawl-run row; returns its id."""
        with self.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO crawl_runs (command, started_at, status, first_article_id) VALUES "
                "(?, ?, 'running', (SELECT coalesce(max(id), 0) + 1 FROM articles))",
                [command, _iso(datetime.now(UTC))],
            )
            return int(cursor.lastrowid or 0)

    _RUN_FIGURES = (
        "feeds_polled",
        "feeds_not_modified",
        "pages_fetched",
        "articles_new",
        "articles_known",
        "reprints",
        "errors",
    )

    def add_run_figures(self, run_id: int, figures: dict[str, Any]) -> None:
        """Add one spider's figures to a crawl run (several spiders can share a run)."""
        counted = [c for c in self._RUN_FIGURES if c in figures]
        with self.transaction() as conn:
            if counted:
                assignments = ", ".join(f"{c} = coalesce({c}, 0) + ?" for c in counted)
                conn.execute(
                    f"UPDATE crawl_runs SET {assignments} WHERE id = ?",
                    [*(int(figures[c] or 0) for c in counted), run_id],
                )
            if figures.get("note"):
                conn.execute(
                    "UPDATE crawl_runs SET note = trim(coalesce(note, '') || ' ' || ?) "
                    "WHERE id = ?",
                    [figures["note"], run_id],
                )

    def finish_run(self, run_id: int, status: str = "finished") -> None:
        """Close a crawl-run row; its reprint count is that of the articles it stored.

        Counted at the end, because an early copy arriving late turns articles
        stored earlier in the run into reprints.
        """
        with self.transaction() as conn:
            conn.execute(
                "UPDATE crawl_runs SET finished_at = ?, status = ?, reprints = ("
                "SELECT count(*) FROM articles WHERE is_canonical = 0 AND id >= "
                "(SELECT first_article_id FROM crawl_runs WHERE id = ?)) WHERE id = ?",
                [_iso(datetime.now(UTC)), status, run_id, run_id],
            )

    def failed_entries(self, feed_id: int) -> set[str]:
        """The entry ids of a feed whose article page could not be had."""
        rows = self.db.conn.execute(
            "SELECT entry_id FROM feed_entries WHERE feed_id = ? AND status = 'failed'",
            [feed_id],
        )
        return {row[0] for row in rows}

    def feeds_by_url(self, urls: list[str]) -> list[Feed]:
        """The stored feeds with these URLs, in the order given."""
        from storage import queries  # queries reads through Store: imported when asked

        return queries.feeds_by_url(self, urls)

    def due_feeds(self, now: datetime, *, kind: str | None = None) -> list[Feed]:
        """The feeds due at ``now`` (never polled, or their next poll has come), earliest first."""
        from storage import queries

        return queries.due_feeds(self, now, kind=kind)

    def has_article(self, key: str) -> bool:
        """True when an article is stored under this key (canonical URL)."""
        row = self.db.conn.execute("SELECT 1 FROM articles WHERE key = ?", [key]).fetchone()
        return row is not None

    def get_article(self, article_id: int) -> Article:
        """The article stored with row id ``article_id``."""
        rows = list(self.db.query("SELECT * FROM articles WHERE id = ?", [article_id]))
        if not rows:
            raise StoreError(f"there is no article {article_id} in {self.path}")
        return row_to_article(rows[0])

    def iter_article_rows(self, where: str = "", params: list[Any] | None = None) -> Iterator[dict]:
        """Article rows in id order, optionally filtered by a SQL ``where`` clause.

        Each row carries its cluster's ``story_id`` besides the article's columns.
        """
        sql = (
            "SELECT *, (SELECT story_id FROM clusters c WHERE c.id = articles.cluster_id) "
            "AS story_id FROM articles"
        )
        if where:
            sql += f" WHERE {where}"
        sql += " ORDER BY id"
        yield from self.db.query(sql, params or [])

    def count(self, table: str) -> int:
        """Number of rows in ``table``."""
        return int(self.db.conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0])
