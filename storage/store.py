"""The SQLite store: the only writer of the wirecrawl file.

One ``Store`` wraps one sqlite-utils ``Database``. Opening it for writing
applies pending migrations and switches the file to WAL, so readers (the
CLI, Datasette) never block the crawler and never see half an article.
Every article is written in one ``BEGIN IMMEDIATE`` transaction together
with everything that belongs to it.

Conversions between ``Article`` and a row live here too: JSON for the
list-valued fields, ISO 8601 for times, folded copies of title and body for
full-text search.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from crawler.errors import StoreError
from crawler.items import Alternate, Article, Block
from crawler.text import normalise
from storage.migrations import apply_migrations

#: How long a writer waits for another writer's transaction before giving up.
BUSY_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class SaveResult:
    """What happened to one article handed to ``Store.save_article``."""

    #: Row id of the article in ``articles``.
    article_id: int
    #: True when the article was new; False when a record with the same key was already stored.
    created: bool


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _iso_utc(value: datetime | None) -> str | None:
    """The moment in UTC for sorting; a naive time is taken as UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def article_to_row(article: Article) -> dict[str, Any]:
    """The ``articles`` columns for ``article`` (without id and cluster fields)."""
    return {
        "key": article.key,
        "url": article.url or None,
        "outlet": article.outlet or None,
        "title": article.title,
        "published_at": _iso(article.published),
        "published_at_utc": _iso_utc(article.published),
        "published_text": article.published_text or None,
        "published_source": article.published_source or None,
        "published_precision": article.published_precision or None,
        "language": article.language or None,
        "alternates": json.dumps(
            [{"language": a.language, "url": a.url} for a in article.alternates],
            ensure_ascii=False,
        ),
        "body": json.dumps(
            [{"kind": b.kind, "text": b.text} for b in article.body], ensure_ascii=False
        ),
        "body_text": article.body_text,
        "authors": json.dumps(list(article.authors), ensure_ascii=False),
        "publisher": article.publisher or None,
        "photo_credit": article.photo_credit or None,
        "wire_agency": article.wire_agency,
        "attribution": article.attribution or None,
        "fetched_at": _iso(article.fetched_at),
        "source_file": article.source_file or None,
        "content_hash": article.content_hash,
        "word_count": len(article.body_text.split()),
        "title_folded": normalise(article.title),
        "body_folded": normalise(article.body_text),
    }


def row_to_article(row: dict[str, Any]) -> Article:
    """Rebuild the ``Article`` stored in an ``articles`` row."""
    return Article(
        title=row["title"],
        body=tuple(Block(b["text"], b["kind"]) for b in json.loads(row["body"])),
        url=row["url"] or "",
        outlet=row["outlet"] or "",
        published=_parse_time(row["published_at"]),
        published_text=row["published_text"] or "",
        published_source=row["published_source"] or "",
        published_precision=row["published_precision"] or "",
        language=row["language"] or "",
        alternates=tuple(
            Alternate(a["language"], a.get("url", "")) for a in json.loads(row["alternates"])
        ),
        authors=tuple(json.loads(row["authors"] or "[]")),
        publisher=row["publisher"] or "",
        photo_credit=row["photo_credit"] or "",
        wire_agency=row["wire_agency"],
        attribution=row["attribution"] or "",
        fetched_at=_parse_time(row["fetched_at"]),
        source_file=row["source_file"] or "",
    )


def _connect(path: Path, readonly: bool) -> sqlite3.Connection:
    try:
        if readonly:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        else:
            conn = sqlite3.connect(str(path))
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the store {path}: {exc}") from exc
    return conn


class Store:
    """The wirecrawl SQLite file, opened for reading or writing."""

    def __init__(self, db: Database, path: Path, readonly: bool) -> None:
        self.db = db
        self.path = path
        self.readonly = readonly

    @classmethod
    def open(cls, path: str | Path, *, readonly: bool = False) -> Store:
        """Open (and for writers create and upgrade) the store at ``path``."""
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
        try:
            if not readonly:
                with db.ensure_autocommit_on():
                    conn.execute("PRAGMA journal_mode = WAL")
                    # WAL with synchronous=NORMAL stays consistent after a crash;
                    # only the last commits before a power loss may be missing.
                    conn.execute("PRAGMA synchronous = NORMAL")
                apply_migrations(db)
            elif not db["articles"].exists():
                raise StoreError(f"{path} is not a wirecrawl store (it has no articles table)")
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(f"{path} is not a usable SQLite store: {exc}") from exc
        except StoreError:
            conn.close()
            raise
        return cls(db, path, readonly)

    def close(self) -> None:
        """Close the connection (a checkpoint folds the WAL back into the file)."""
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; takes the write lock at once so it cannot deadlock later."""
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    # -- articles -----------------------------------------------------------

    def article_id(self, key: str) -> int | None:
        """Row id of the article stored under ``key``, if any."""
        row = self.db.conn.execute("SELECT id FROM articles WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def save_article(self, article: Article, *, feed_id: int | None = None) -> SaveResult:
        """Store ``article`` unless a record with the same key is there already."""
        with self.transaction() as conn:
            existing = conn.execute(
                "SELECT id FROM articles WHERE key = ?", [article.key]
            ).fetchone()
            if existing:
                return SaveResult(existing[0], created=False)
            row = article_to_row(article)
            row["feed_id"] = feed_id
            row["stored_at"] = _iso(datetime.now(UTC))
            columns = ", ".join(row)
            marks = ", ".join("?" for _ in row)
            cursor = conn.execute(
                f"INSERT INTO articles ({columns}) VALUES ({marks})", list(row.values())
            )
            article_id = cursor.lastrowid
            assert article_id is not None
            return SaveResult(article_id, created=True)

    def get_article(self, article_id: int) -> Article:
        """The article stored with row id ``article_id``."""
        rows = list(self.db.query("SELECT * FROM articles WHERE id = ?", [article_id]))
        if not rows:
            raise StoreError(f"there is no article {article_id} in {self.path}")
        return row_to_article(rows[0])

    def iter_article_rows(self, where: str = "", params: list[Any] | None = None) -> Iterator[dict]:
        """Article rows in id order, optionally filtered by a SQL ``where`` clause."""
        sql = "SELECT * FROM articles"
        if where:
            sql += f" WHERE {where}"
        sql += " ORDER BY id"
        yield from self.db.query(sql, params or [])

    def count(self, table: str) -> int:
        """Number of rows in ``table``."""
        return int(self.db.conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0])
