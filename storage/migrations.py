"""Schema of the wirecrawl store, as numbered migrations.

The store is one SQLite file. Every schema change is a new migration here,
appended at the end and never edited once released; ``apply_migrations``
runs the pending ones when a writer opens the file, all under one write
lock so that two processes opening a new file do not both create it. A
file that records migrations this version does not know was written by a
newer wirecrawl and is refused rather than misread.

Tables (columns are named so that ``SELECT`` and Datasette facets read naturally):

``articles``      one row per stored article: seed-format fields, folded text, cluster fields
``articles_fts``  FTS5 index over the folded title and body (``title_folded``, ``body_folded``)
``articles_trigram``  FTS5 trigram index over the same columns, for parts of words
``clusters``      one row per reprint cluster, named after its canonical (earliest) article
``dedup_params``  the parameters the persisted reprint index was built with
``signatures``    MinHash signature of each article (the persistent index; band keys are
                  computed from it and held in memory by the writer)
``signature_log`` signatures replaced after they were stored, and rebuilds (writers catch up)
``deferred_search``  1 only inside an uncommitted batch import (search index written at its end)
``outlet_lines``  how many articles of an outlet carry a given edge block (boilerplate)
``feeds``         feeds and news sitemaps to poll, with conditional-request state and schedule
``feed_entries``  every entry a feed has listed, and the article stored for it
``crawl_runs``    one row per crawl or import run with its figures
``fetch_log``     one row per HTTP fetch: status, outcome, error, size, time
``story_texts``   cross-language evidence keys of each article (JSON), with its day and language
``story_keys``    view: one row per key of each article, by key and day (the inverted index)
``story_key_days``  view: how many articles have a key on a day (the rarity of a piece of evidence)
``story_links``   two articles in different languages found to be one story, with the evidence

The DDL is written out in SQL rather than built from Python dicts: column
order, constraints, deferred foreign keys and the FTS triggers are part of
the interface that Datasette and ``sqlite-utils`` users see.
"""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database, Migrations

from crawler.core.errors import StoreError
from crawler.core.items import record_key

MIGRATION_SET = "wirecrawl"
migrations = Migrations(MIGRATION_SET)

_M001 = """
CREATE TABLE clusters (
    id INTEGER PRIMARY KEY,              -- the article id of the canonical member
    canonical_article_id INTEGER NOT NULL,
    size INTEGER NOT NULL DEFAULT 1,
    first_published_at TEXT,             -- when the canonical was published (as stored)
    first_published_at_utc TEXT,
    last_published_at_utc TEXT,
    first_seen_at TEXT,                  -- when wirecrawl first stored a member
    wire_agency TEXT,
    language TEXT,
    outlets INTEGER NOT NULL DEFAULT 1,  -- distinct outlets among the members
    updated_at TEXT
);
CREATE INDEX idx_clusters_size ON clusters (size DESC, first_published_at_utc DESC);
CREATE INDEX idx_clusters_first ON clusters (first_published_at_utc);

CREATE TABLE feeds (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    title TEXT,
    site_url TEXT,
    language TEXT,
    added_at TEXT,
    etag TEXT,
    last_modified TEXT,
    body_hash TEXT,
    last_fetched_at TEXT,
    last_status INTEGER,
    last_outcome TEXT,
    last_error TEXT,
    error_streak INTEGER NOT NULL DEFAULT 0,
    next_due_at TEXT,
    interval_seconds INTEGER,
    interval_reason TEXT,
    dead INTEGER NOT NULL DEFAULT 0
);

-- Small columns first: SQLite reads a column past a long text only by walking the
-- row's overflow pages, and the reprint index reads these for every candidate.
CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,            -- canonical URL, or sha256:<content hash> without one
    content_hash TEXT NOT NULL,
    cluster_id INTEGER REFERENCES clusters(id) DEFERRABLE INITIALLY DEFERRED,
    is_canonical INTEGER,
    matched_to INTEGER REFERENCES articles(id) DEFERRABLE INITIALLY DEFERRED,
    jaccard REAL,
    containment REAL,
    outlet TEXT,
    published_at TEXT,                   -- ISO 8601, with offset when the source gave one
    published_at_utc TEXT,               -- the same moment in UTC, for sorting
    published_precision TEXT,            -- day, minute, second
    published_source TEXT,               -- text, meta, feed, url
    language TEXT,
    wire_agency TEXT,
    fetched_at TEXT,
    stored_at TEXT,
    feed_id INTEGER REFERENCES feeds(id),
    source_file TEXT,
    word_count INTEGER,
    dedup_rule TEXT,                     -- the parameters the membership was decided with
    url TEXT,
    title TEXT NOT NULL,
    published_text TEXT,                 -- the date as printed
    attribution TEXT,
    publisher TEXT,
    photo_credit TEXT,
    authors TEXT,                        -- JSON list
    alternates TEXT,                     -- JSON list of {language, url}
    title_folded TEXT,
    body TEXT NOT NULL,                  -- JSON list of {kind, text}
    body_text TEXT,
    body_folded TEXT
);
CREATE INDEX idx_articles_content_hash ON articles (content_hash);
CREATE INDEX idx_articles_cluster ON articles (cluster_id);
CREATE INDEX idx_articles_published ON articles (published_at_utc);
CREATE INDEX idx_articles_outlet ON articles (outlet, published_at_utc);
CREATE INDEX idx_articles_wire ON articles (wire_agency, published_at_utc);
CREATE INDEX idx_articles_source_file ON articles (source_file);
CREATE INDEX idx_articles_matched_to ON articles (matched_to);

CREATE VIRTUAL TABLE articles_fts USING fts5(
    title_folded, body_folded, content='articles', content_rowid='id'
);
CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title_folded, body_folded)
    VALUES (new.id, new.title_folded, new.body_folded);
END;
CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title_folded, body_folded)
    VALUES ('delete', old.id, old.title_folded, old.body_folded);
END;
-- Only a change of the text re-indexes it; cluster updates do not.
CREATE TRIGGER articles_au AFTER UPDATE OF title_folded, body_folded ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title_folded, body_folded)
    VALUES ('delete', old.id, old.title_folded, old.body_folded);
    INSERT INTO articles_fts (rowid, title_folded, body_folded)
    VALUES (new.id, new.title_folded, new.body_folded);
END;

CREATE TABLE dedup_params (name TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;

CREATE TABLE signatures (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id),
    hashvalues BLOB NOT NULL,            -- num_perm little-endian uint32
    shingle_count INTEGER NOT NULL,
    lede_hashvalues BLOB                 -- MinHash of the first words, for excerpts
);

CREATE TABLE lsh_bands (
    bucket INTEGER NOT NULL,             -- band number mixed with the band's values
    article_id INTEGER NOT NULL,         -- an article id; no foreign key: nothing indexes it
    PRIMARY KEY (bucket, article_id)
) WITHOUT ROWID;

CREATE TABLE outlet_lines (
    outlet TEXT NOT NULL,
    line_hash INTEGER NOT NULL,
    articles INTEGER NOT NULL,           -- articles of the outlet carrying the block
    pending_ids TEXT,                    -- their ids while fewer than the boilerplate threshold
    PRIMARY KEY (outlet, line_hash)
) WITHOUT ROWID;

CREATE TABLE crawl_runs (
    id INTEGER PRIMARY KEY,
    command TEXT,
    started_at TEXT,
    finished_at TEXT,
    status TEXT,
    feeds_polled INTEGER,
    pages_fetched INTEGER,
    articles_new INTEGER,
    articles_known INTEGER,
    reprints INTEGER,
    errors INTEGER,
    note TEXT
);

CREATE TABLE fetch_log (
    id INTEGER PRIMARY KEY,
    run_id INTEGER REFERENCES crawl_runs(id),
    feed_id INTEGER REFERENCES feeds(id),
    url TEXT,
    fetched_at TEXT,
    status INTEGER,
    outcome TEXT,
    error TEXT,
    bytes INTEGER,
    elapsed_ms INTEGER,
    items_new INTEGER
);
CREATE INDEX idx_fetch_log_feed ON fetch_log (feed_id, fetched_at);
"""


def _execute_script(db: Database, script: str) -> None:
    # executescript() would COMMIT the migration's transaction; run statement by statement.
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if ";" in line and sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        db.execute(statement)


@migrations(name="m001_initial")
def m001_initial(db: Database) -> None:
    _execute_script(db, _M001)


_M002 = """
ALTER TABLE feeds ADD COLUMN kind TEXT NOT NULL DEFAULT 'feed';   -- feed or sitemap
ALTER TABLE feeds ADD COLUMN category TEXT;
ALTER TABLE feeds ADD COLUMN format TEXT;                         -- rss20, atom10, jsonfeed ...
ALTER TABLE feeds ADD COLUMN redirected_to TEXT;                  -- a permanent redirect seen
ALTER TABLE feeds ADD COLUMN schedule_state TEXT;                 -- the scheduler's memory (JSON)
ALTER TABLE feeds ADD COLUMN items_total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN articles_stored INTEGER NOT NULL DEFAULT 0;
ALTER TABLE fetch_log ADD COLUMN kind TEXT;                       -- feed, sitemap, page
ALTER TABLE crawl_runs ADD COLUMN feeds_not_modified INTEGER;
-- The articles a run stored have ids >= first_article_id.
ALTER TABLE crawl_runs ADD COLUMN first_article_id INTEGER;
CREATE INDEX idx_feeds_due ON feeds (dead, next_due_at);

CREATE TABLE feed_entries (
    feed_id INTEGER NOT NULL REFERENCES feeds(id),
    entry_id TEXT NOT NULL,              -- guid, else link, else a hash of link and title
    url TEXT,
    first_seen_at TEXT NOT NULL,
    article_id INTEGER,                  -- the stored article, once there is one
    status TEXT NOT NULL DEFAULT 'pending',  -- pending, stored, known (stored before), failed
    PRIMARY KEY (feed_id, entry_id)
) WITHOUT ROWID;
"""


@migrations(name="m002_feed_state")
def m002_feed_state(db: Database) -> None:
    """Feed kinds, categories and formats, scheduler state, and the entries each feed listed."""
    _execute_script(db, _M002)


_M003 = """
CREATE TABLE lsh_bands_recent (
    bucket INTEGER NOT NULL,
    article_id INTEGER NOT NULL,
    PRIMARY KEY (bucket, article_id)
) WITHOUT ROWID;
"""


@migrations(name="m003_band_tiers")
def m003_band_tiers(db: Database) -> None:
    """A small tier for new band keys, merged into ``lsh_bands`` in sorted batches.

    Inserting 52 random keys per article into a band table of millions of
    rows dirties 52 pages per article; a small table absorbs them, and a
    sorted merge writes each page of the big one once per few thousand articles.
    """
    _execute_script(db, _M003)


def known_migrations() -> list[str]:
    """Names of the migrations this version knows, in order."""
    return [m.name for m in migrations._migrations]


def apply_migrations(db: Database, store_name: str) -> list[str]:
    """Bring the schema of ``db`` up to date; returns the names of the migrations applied.

    Raises ``StoreError`` when the file was written by a newer wirecrawl.
    """
    _refuse_newer(db, store_name)
    if not migrations.pending(db):
        return []
    # Two processes opening a new file at once would both see it empty and both
    # create the tables. The write lock, taken before looking again, makes the
    # second wait (busy_timeout) and then find nothing left to do.
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        _refuse_newer(db, store_name)
        pending = [m.name for m in migrations.pending(db)]
        migrations.apply(db)  # each step nests as a savepoint of this transaction
        db.conn.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    return pending


def pending_migrations(db: Database) -> list[str]:
    """The names of the schema steps not yet applied to ``db``."""
    return [m.name for m in migrations.pending(db)]


def _refuse_newer(db: Database, store_name: str) -> None:
    applied = [m.name for m in migrations.applied(db)]
    unknown = [name for name in applied if name not in known_migrations()]
    if unknown:
        raise StoreError(
            f"the store {store_name} was upgraded by a newer wirecrawl (schema step "
            f"{unknown[-1]} is unknown here); upgrade wirecrawl to open it"
        )


_M004 = """
-- Which articles hold each run of three characters of the folded title and body,
-- so that part of a word finds them: a Russian stem without its case ending ("москв"
-- in "москве"), an Arabic word inside its attached particles ("ناتو" in "والناتو").
-- Contentless and without positions (detail=none): a third of the index and
-- write time a positional one costs. A match is a candidate that the query
-- confirms against the folded columns of articles; the triggers hand the index
-- the old values it needs to forget a row.
CREATE VIRTUAL TABLE articles_trigram USING fts5(
    title_folded, body_folded, content='', tokenize='trigram', detail=none
);
INSERT INTO articles_trigram (rowid, title_folded, body_folded)
    SELECT id, title_folded, body_folded FROM articles;
CREATE TRIGGER articles_trigram_ai AFTER INSERT ON articles BEGIN
    INSERT INTO articles_trigram (rowid, title_folded, body_folded)
    VALUES (new.id, new.title_folded, new.body_folded);
END;
CREATE TRIGGER articles_trigram_ad AFTER DELETE ON articles BEGIN
    INSERT INTO articles_trigram (articles_trigram, rowid, title_folded, body_folded)
    VALUES ('delete', old.id, old.title_folded, old.body_folded);
END;
CREATE TRIGGER articles_trigram_au AFTER UPDATE OF title_folded, body_folded ON articles BEGIN
    INSERT INTO articles_trigram (articles_trigram, rowid, title_folded, body_folded)
    VALUES ('delete', old.id, old.title_folded, old.body_folded);
    INSERT INTO articles_trigram (rowid, title_folded, body_folded)
    VALUES (new.id, new.title_folded, new.body_folded);
END;
"""


@migrations(name="m004_trigram_search")
def m004_trigram_search(db: Database) -> None:
    """A trigram index over the folded text, for parts of words (``storage.queries.search``).

    On a large store this migration indexes every stored article once (about
    half a millisecond each); afterwards each new article costs that much more
    to write.
    """
    _execute_script(db, _M004)


@migrations(name="m005_outlet_wire_index")
def m005_outlet_wire_index(db: Database) -> None:
    """Per-outlet figures (the share of reprinted wire copy) read an index, not every row.

    Without it, ranking the outlets of a million articles reads a million rows.
    """
    db.execute(
        "CREATE INDEX idx_articles_outlet_wire ON articles (outlet, wire_agency, is_canonical)"
    )


@migrations(name="m006_search_filter_indexes")
def m006_search_filter_indexes(db: Database) -> None:
    """Narrow indexes for filtered searches and for the clusters of one outlet.

    An article row spans pages of text; reading one to check a search hit's
    date, language or outlet costs more than the rest of the search. The first
    index holds those columns by article id; the second, the clusters each
    outlet's articles belong to (``wirecrawl clusters list --outlet``).
    """
    db.execute(
        "CREATE INDEX idx_articles_search_filter "
        "ON articles (id, published_at_utc, language, outlet)"
    )
    db.execute("CREATE INDEX idx_articles_outlet_cluster ON articles (outlet, cluster_id)")


_M007 = """
CREATE TABLE signature_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,   -- never reused, even after a rebuild
    article_id INTEGER NOT NULL              -- an article whose signature was replaced (0: rebuilt)
);
DROP TABLE lsh_bands;
DROP TABLE lsh_bands_recent;
"""


@migrations(name="m007_band_index_in_memory")
def m007_band_index_in_memory(db: Database) -> None:
    """Band keys live in memory, derived from the signatures; a log tells writers what changed.

    The band tables took 52 random-key inserts per article into B-trees that
    outgrow any page cache, so each article cost more as the store grew. Band
    keys are a pure function of a signature, so a writer computes them from
    ``signatures`` when it first needs them (numpy, about three seconds per
    200,000 articles) and keeps them in memory. A writer catches up with what
    other processes stored since it last looked from the signatures of newer
    articles and from ``signature_log``, which lists the signatures replaced
    (boilerplate found later) and marks each rebuild.
    """
    _execute_script(db, _M007)


_M008 = """
-- 1 only inside a batch import that has not committed yet: its articles' rows are
-- then indexed for search together at the end of the batch, in the same transaction.
-- Every other writer (a crawl, sqlite-utils, a hand-written INSERT) sees 0.
CREATE TABLE deferred_search (active INTEGER NOT NULL);
INSERT INTO deferred_search (active) VALUES (0);
DROP TRIGGER articles_ai;
CREATE TRIGGER articles_ai AFTER INSERT ON articles
WHEN coalesce((SELECT active FROM deferred_search), 0) = 0 BEGIN
    INSERT INTO articles_fts (rowid, title_folded, body_folded)
    VALUES (new.id, new.title_folded, new.body_folded);
END;
DROP TRIGGER articles_trigram_ai;
CREATE TRIGGER articles_trigram_ai AFTER INSERT ON articles
WHEN coalesce((SELECT active FROM deferred_search), 0) = 0 BEGIN
    INSERT INTO articles_trigram (rowid, title_folded, body_folded)
    VALUES (new.id, new.title_folded, new.body_folded);
END;
"""


@migrations(name="m008_search_index_per_batch")
def m008_search_index_per_batch(db: Database) -> None:
    """A batch import writes its articles' search index once, at the end of the batch.

    Written row by row, the full-text and trigram indexes between two
    articles pushed everything else out of the CPU caches, and the import
    (reprint detection included) ran at two thirds of its speed. Other
    writers still index each row as it is inserted.
    """
    _execute_script(db, _M008)


_M009 = """
-- A date the source never gave is unknown: older versions stood the fetch time in for it.
UPDATE articles
SET published_at = NULL, published_at_utc = NULL, published_precision = NULL,
    published_source = NULL
WHERE published_source = 'fetched';
-- published_at_utc, else the moment the article was first fetched: its place in time.
ALTER TABLE articles ADD COLUMN time_utc TEXT;
UPDATE articles
SET time_utc = coalesce(published_at_utc, strftime('%Y-%m-%dT%H:%M:%SZ', fetched_at));
DROP INDEX idx_articles_published;
CREATE INDEX idx_articles_time ON articles (time_utc);
DROP INDEX idx_articles_search_filter;
CREATE INDEX idx_articles_filter_time ON articles (id, time_utc, language, outlet);
-- The canonical's time_utc: when the cluster's story was first published, or first seen.
ALTER TABLE clusters ADD COLUMN first_time_utc TEXT;
UPDATE clusters
SET first_published_at = (SELECT published_at FROM articles WHERE id = clusters.id),
    first_published_at_utc = (SELECT published_at_utc FROM articles WHERE id = clusters.id),
    first_time_utc = (SELECT time_utc FROM articles WHERE id = clusters.id);
DROP INDEX idx_clusters_size;
DROP INDEX idx_clusters_first;
CREATE INDEX idx_clusters_size ON clusters (size DESC, first_time_utc DESC);
CREATE INDEX idx_clusters_first ON clusters (first_time_utc);
"""


@migrations(name="m009_unknown_dates")
def m009_unknown_dates(db: Database) -> None:
    """Unknown publication dates stay unknown; timelines order by ``time_utc``.

    Older versions wrote the fetch time into ``published_at`` when a page gave no
    date (``published_source = 'fetched'``), which claimed the page was published
    when it was crawled. Those dates are cleared. ``articles.time_utc`` is the
    publication time where it is known and the fetch time ("first seen") where it is
    not; the canonical choice, time filters and orderings read it, and
    ``clusters.first_time_utc`` is the canonical's. The order of every cluster is
    unchanged: the fetch time stood in before as it does now.
    """
    _execute_script(db, _M009)


@migrations(name="m010_copies_keep_their_publisher")
def m010_copies_keep_their_publisher(db: Database) -> None:
    """Records without a URL are known by their text and their publisher and source lines.

    Before, two outlets' word-for-word copies of one wire text (imported from seed
    files, so without URLs) were one record and the second outlet's copy was lost.
    Stored records get their new key; no two can collide, as no two had the same text.
    """
    rows = db.execute(
        "SELECT id, content_hash, coalesce(publisher, ''), coalesce(attribution, '') "
        "FROM articles WHERE url IS NULL AND (publisher IS NOT NULL OR attribution IS NOT NULL)"
    ).fetchall()
    for article_id, content_hash, publisher, attribution in rows:
        db.execute(
            "UPDATE articles SET key = ? WHERE id = ?",
            [record_key("", content_hash, publisher, attribution), article_id],
        )


@migrations(name="m011_signature_edge_blocks")
def m011_signature_edge_blocks(db: Database) -> None:
    """Each signature keeps its edge blocks: hash, shingles, and the positions each explains.

    Two articles that share only a block at the edge of their bodies (a footer not
    yet known as boilerplate) are not copies: verification sets the positions the
    shared blocks explain aside (``crawler.core.dedup.beyond_shared_edges``).
    Signatures stored before have NULL here; the store reads their edge blocks from
    the body when it loads them, and ``dedup rebuild`` stores them.
    """
    db.execute("ALTER TABLE signatures ADD COLUMN edge_blocks BLOB")


_M012 = """
-- Every cluster belongs to a story, named after its smallest cluster id.
ALTER TABLE clusters ADD COLUMN story_id INTEGER;
UPDATE clusters SET story_id = id;
CREATE INDEX idx_clusters_story ON clusters (story_id);
CREATE TABLE story_keys (
    key TEXT NOT NULL,                   -- kind prefix and key: n:bnkn, f:1.5e9, d:02-09
    day INTEGER NOT NULL,                -- the article's day (time_utc) as a day number
    article_id INTEGER NOT NULL,
    language TEXT,
    shown TEXT,                          -- the words as printed
    PRIMARY KEY (key, day, article_id)
) WITHOUT ROWID;
CREATE INDEX idx_story_keys_article ON story_keys (article_id);
CREATE TABLE story_key_days (
    key TEXT NOT NULL,
    day INTEGER NOT NULL,
    articles INTEGER NOT NULL,
    PRIMARY KEY (key, day)
) WITHOUT ROWID;
CREATE TABLE story_links (
    left_id INTEGER NOT NULL,            -- the smaller article id
    right_id INTEGER NOT NULL,
    score REAL NOT NULL,
    gap_seconds INTEGER,                 -- time between them; NULL when one is unknown
    evidence TEXT NOT NULL,              -- JSON list of {kind, key, left, right, weight}
    linked_at TEXT NOT NULL,
    PRIMARY KEY (left_id, right_id)
) WITHOUT ROWID;
CREATE INDEX idx_story_links_right ON story_links (right_id);
"""


@migrations(name="m012_stories")
def m012_stories(db: Database) -> None:
    """Stories above the clusters: the same news in other languages, and why.

    Each cluster is its own story until evidence links it to a cluster in another
    language (``crawler.core.stories``). Articles stored before have no evidence keys;
    ``wirecrawl dedup rebuild`` reads them and links their stories.
    """
    _execute_script(db, _M012)


_M013 = """
-- One row per article: its evidence keys with the words as printed, as JSON.
CREATE TABLE story_texts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, -- order written: other writers' rows are those above
    article_id INTEGER NOT NULL UNIQUE,
    day INTEGER NOT NULL,                -- the article's day (time_utc) as a day number, 0 if none
    language TEXT,
    keys TEXT NOT NULL                   -- JSON object: n:bnkn, f:1.5e9, d:02-09 -> as printed
);
CREATE INDEX idx_story_texts_day ON story_texts (day);
INSERT INTO story_texts (article_id, day, language, keys)
    SELECT article_id, min(day), min(language), json_group_object(key, shown)
    FROM story_keys GROUP BY article_id ORDER BY article_id;
DROP TABLE story_keys;
DROP TABLE story_key_days;
-- The inverted index as a query, for Datasette and sqlite-utils: a writer holds it in memory.
CREATE VIEW story_keys AS
    SELECT k.key AS key, t.day AS day, t.article_id AS article_id, t.language AS language,
        k.value AS shown
    FROM story_texts t, json_each(t.keys) k;
CREATE VIEW story_key_days AS
    SELECT key, day, count(*) AS articles FROM story_keys GROUP BY key, day;
"""


@migrations(name="m013_story_texts")
def m013_story_texts(db: Database) -> None:
    """Each article's story evidence is one row; the inverted index by key and day is in memory.

    Before, every key of every article was a row of ``story_keys`` with a second
    index by article, and ``story_key_days`` counted each key's articles per day:
    some 80 B-tree writes per article. A writer now keeps the keys of the days it
    links in memory (``storage.stories.StoryIndex``), read from ``story_texts`` by
    day. ``story_keys`` and ``story_key_days`` stay as views with the same columns.
    """
    _execute_script(db, _M013)
