"""Schema migrations applied to a store written by an earlier version."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from crawler.core.dedup import DEFAULT_PARAMS
from storage import Store
from storage.migrations import known_migrations, migrations


def test_a_first_version_store_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = Database(path)
    # The store as the first release left it: only the initial schema, with rows in it.
    migrations.apply(db, stop_before=known_migrations()[1])
    db.execute(
        "INSERT INTO feeds (url, title, error_streak, dead) "
        "VALUES ('http://a.example/rss', 'A', 0, 0)"
    )
    db.execute("INSERT INTO clusters (id, canonical_article_id, size) VALUES (1, 1, 1)")
    db.execute(
        "INSERT INTO articles (id, key, content_hash, cluster_id, is_canonical, title, body) "
        "VALUES (1, 'http://a.example/1', 'h', 1, 1, 'Old article', '[]')"
    )
    for name, value in DEFAULT_PARAMS.index_record().items():
        db.execute("INSERT INTO dedup_params (name, value) VALUES (?, ?)", [name, value])
    db.execute(
        "INSERT INTO signatures (article_id, hashvalues, shingle_count) VALUES (1, ?, 3)",
        [bytes(4 * DEFAULT_PARAMS.num_perm)],
    )
    db.close()
    with Store.open(path) as store:
        applied = [r["name"] for r in store.db["_sqlite_migrations"].rows]
        assert applied == known_migrations()
        feed = store.db.conn.execute("SELECT url, kind, items_total FROM feeds").fetchone()
        assert feed == ("http://a.example/rss", "feed", 0)  # new columns get their defaults
        assert store.count("articles") == 1
        assert "feed_entries" in store.db.table_names()
        # The band tables gave way to keys in memory and a log of signatures.
        assert not {"lsh_bands", "lsh_bands_recent"} & set(store.db.table_names())
        assert store.count("signature_log") == 0
        assert store.count("signatures") == 1
    # Opening again applies nothing.
    conn = sqlite3.connect(path)
    count = conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
    conn.close()
    assert count == len(known_migrations())


def _open_new_store(path: str, start: Any) -> None:
    start.wait()  # every process opens the file at the same moment
    with Store.open(path):
        pass


def test_processes_creating_one_new_store_at_once_all_succeed(tmp_path: Path) -> None:
    """The first creates the tables; the others wait for its write lock and find them made."""
    context = multiprocessing.get_context("spawn")
    for attempt in range(5):
        path = tmp_path / f"new{attempt}.db"
        start = context.Event()
        processes = [
            context.Process(target=_open_new_store, args=(str(path), start)) for _ in range(4)
        ]
        for process in processes:
            process.start()
        start.set()
        for process in processes:
            process.join(120)
        assert [p.exitcode for p in processes] == [0, 0, 0, 0]
        conn = sqlite3.connect(path)
        names = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
        conn.close()
        assert names == known_migrations()


def test_dates_that_stood_for_the_fetch_time_become_unknown(tmp_path: Path) -> None:
    path = tmp_path / "fetched.db"
    db = Database(path)
    migrations.apply(db, stop_before="m009_unknown_dates")
    for article_id, published, source in (
        (1, "2026-11-20T08:00:00+00:00", "fetched"),  # no date anywhere: the crawl time stood in
        (2, "2026-11-19T07:30:00+03:00", "meta"),
    ):
        utc = "2026-11-20T08:00:00Z" if source == "fetched" else "2026-11-19T04:30:00Z"
        db.execute(
            "INSERT INTO clusters (id, canonical_article_id, size, first_published_at, "
            "first_published_at_utc) VALUES (?, ?, 1, ?, ?)",
            [article_id, article_id, published, utc],
        )
        db.execute(
            "INSERT INTO articles (id, key, content_hash, cluster_id, is_canonical, title, body, "
            "published_at, published_at_utc, published_source, fetched_at) "
            "VALUES (?, ?, 'h', ?, 1, 'T', '[]', ?, ?, ?, '2026-11-20T11:00:00.250000+03:00')",
            [article_id, f"k{article_id}", article_id, published, utc, source],
        )
    db.close()
    with Store.open(path, check_index=False) as store:
        rows = store.db.conn.execute(
            "SELECT id, published_at, published_at_utc, published_source, time_utc "
            "FROM articles ORDER BY id"
        ).fetchall()
        assert rows == [
            (1, None, None, None, "2026-11-20T08:00:00Z"),  # first seen, not published
            (
                2,
                "2026-11-19T07:30:00+03:00",
                "2026-11-19T04:30:00Z",
                "meta",
                "2026-11-19T04:30:00Z",
            ),
        ]
        clusters = store.db.conn.execute(
            "SELECT id, first_published_at, first_published_at_utc, first_time_utc FROM clusters "
            "ORDER BY id"
        ).fetchall()
        assert clusters == [
            (1, None, None, "2026-11-20T08:00:00Z"),
            (2, "2026-11-19T07:30:00+03:00", "2026-11-19T04:30:00Z", "2026-11-19T04:30:00Z"),
        ]
