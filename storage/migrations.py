"""Schema of the wirecrawl store, as numbered migrations.

The store is one SQLite file. Every schema change is a new migration here,
appended at the end and never edited once released; ``apply_migrations``
runs the pending ones, each in its own transaction, when a writer opens
the file. A file that records migrations this version does not know was
written by a newer wirecrawl and is refused rather than misread.

Tables (columns are named so that ``SELECT`` and Datasette facets read naturally):

``articles``      one row per stored article: seed-format fields, folded text, cluster fields
``articles_fts``  FTS5 index over the folded title and body (``title_folded``, ``body_folded``)
``clusters``      one row per reprint cluster: canonical article, size, first publication
``dedup_params``  the parameters the persisted reprint index was built with
``signatures``    MinHash signature of each article (the persistent index)
``lsh_bands``     band buckets of each signature, indexed for candidate search
``feeds``         feeds to poll, with conditional-request state and schedule
``crawl_runs``    one row per crawl or import run with its figures
``fetch_log``     one row per HTTP fetch: status, outcome, error, size, time
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from crawler.errors import StoreError

MIGRATION_SET = "wirecrawl"
migrations = Migrations(MIGRATION_SET)


@migrations(name="m001_initial")
def m001_initial(db: Database) -> None:
    db.table("clusters").create(
        {
            "id": int,
            "canonical_article_id": int,
            "size": int,
            "first_published_at": str,
            "first_seen_at": str,
            "wire_agency": str,
            "language": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"size"},
        defaults={"size": 0},
    )
    db.table("feeds").create(
        {
            "id": int,
            "url": str,
            "title": str,
            "site_url": str,
            "language": str,
            "added_at": str,
            "etag": str,
            "last_modified": str,
            "body_hash": str,
            "last_fetched_at": str,
            "last_status": int,
            "last_outcome": str,
            "last_error": str,
            "error_streak": int,
            "next_due_at": str,
            "interval_seconds": int,
            "interval_reason": str,
            "dead": int,
        },
        pk="id",
        not_null={"url", "error_streak", "dead"},
        defaults={"error_streak": 0, "dead": 0},
    )
    db.table("feeds").create_index(["url"], unique=True)
    db.table("articles").create(
        {
            "id": int,
            "key": str,
            "url": str,
            "outlet": str,
            "title": str,
            "published_at": str,
            "published_at_utc": str,
            "published_text": str,
            "published_source": str,
            "published_precision": str,
            "language": str,
            "alternates": str,
            "body": str,
            "body_text": str,
            "authors": str,
            "publisher": str,
            "photo_credit": str,
            "wire_agency": str,
            "attribution": str,
            "fetched_at": str,
            "stored_at": str,
            "source_file": str,
            "feed_id": int,
            "content_hash": str,
            "word_count": int,
            "title_folded": str,
            "body_folded": str,
            "cluster_id": int,
            "is_canonical": int,
            "matched_to": int,
            "jaccard": float,
            "containment": float,
        },
        pk="id",
        not_null={"key", "title", "body", "content_hash"},
        foreign_keys=[("cluster_id", "clusters", "id"), ("feed_id", "feeds", "id")],
    )
    db.table("articles").create_index(["key"], unique=True)
    db.table("articles").create_index(["content_hash"])
    db.table("articles").create_index(["cluster_id"])
    db.table("articles").create_index(["published_at_utc"])
    db.table("articles").create_index(["outlet", "published_at_utc"])
    db.table("articles").create_index(["wire_agency", "published_at_utc"])
    db.table("articles").create_index(["source_file"])
    db.table("articles").enable_fts(
        ["title_folded", "body_folded"], fts_version="FTS5", create_triggers=True
    )
    db.table("clusters").create_index(["size", "first_published_at"])
    db.table("dedup_params").create({"name": str, "value": str}, pk="name")
    db.table("signatures").create(
        {"article_id": int, "hashvalues": bytes, "shingle_count": int},
        pk="article_id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db.table("lsh_bands").create(
        {"band": int, "bucket": int, "article_id": int},
        foreign_keys=[("article_id", "articles", "id")],
    )
    db.table("lsh_bands").create_index(["band", "bucket"])
    db.table("lsh_bands").create_index(["article_id"])
    db.table("crawl_runs").create(
        {
            "id": int,
            "command": str,
            "started_at": str,
            "finished_at": str,
            "status": str,
            "feeds_polled": int,
            "pages_fetched": int,
            "articles_new": int,
            "articles_known": int,
            "reprints": int,
            "errors": int,
            "note": str,
        },
        pk="id",
    )
    db.table("fetch_log").create(
        {
            "id": int,
            "run_id": int,
            "feed_id": int,
            "url": str,
            "fetched_at": str,
            "status": int,
            "outcome": str,
            "error": str,
            "bytes": int,
            "elapsed_ms": int,
            "items_new": int,
        },
        pk="id",
        foreign_keys=[("run_id", "crawl_runs", "id"), ("feed_id", "feeds", "id")],
    )
    db.table("fetch_log").create_index(["feed_id", "fetched_at"])


def known_migrations() -> list[str]:
    """Names of the migrations this version knows, in order."""
    return [m.name for m in migrations._migrations]


def apply_migrations(db: Database) -> list[str]:
    """Bring the schema of ``db`` up to date; returns the names of the migrations applied.

    Raises ``StoreError`` when the file was written by a newer wirecrawl.
    """
    applied = [m.name for m in migrations.applied(db)]
    unknown = [name for name in applied if name not in known_migrations()]
    if unknown:
        raise StoreError(
            f"the store {db.conn.execute('PRAGMA database_list').fetchone()[2]} was upgraded "
            f"by a newer wirecrawl (schema step {unknown[-1]} is unknown here); "
            "upgrade wirecrawl to open it"
        )
    pending = [m.name for m in migrations.pending(db)]
    if pending:
        migrations.apply(db)
    return pending
