"""Read-only questions asked of the store: search and figures.

Each function takes a ``Store`` and returns plain records; the CLI and the
Datasette metadata print them. Search folds the query with the same
normaliser as the indexed columns, so أ/ا/إ, ة/ه, ى/ي, tatweel, harakat and
ё/е variants all find each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from crawler.items import Feed
from crawler.text import normalise
from storage.store import Store


@dataclass(frozen=True)
class SearchHit:
    """One article that matches a search."""

    #: Row id in ``articles``.
    article_id: int
    #: Headline as printed.
    title: str
    #: Canonical URL; empty for imported files.
    url: str
    #: Outlet host.
    outlet: str
    #: Publication time as stored (ISO 8601), or empty.
    published_at: str
    #: ISO 639-1 language code.
    language: str
    #: Wire agency id or empty.
    wire_agency: str
    #: Reprint cluster id, or None before dedup has seen the article.
    cluster_id: int | None
    #: File the article was imported from, if any.
    source_file: str
    #: FTS5 bm25 rank: lower is better.
    rank: float
    #: A stretch of the folded body around the first match, matches in [brackets].
    snippet: str


def fts_query(query: str) -> str:
    """An FTS5 MATCH expression for a user's query: every folded word must occur.

    Each word is quoted so that FTS5 operators typed by the user (AND, NEAR,
    ``*``, quotes) are searched for as words instead of raising syntax errors.
    """
    words = normalise(query).split()
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def search(
    store: Store,
    query: str,
    *,
    limit: int = 20,
    language: str | None = None,
    outlet: str | None = None,
    since: str | None = None,
) -> list[SearchHit]:
    """Articles matching ``query`` best first; filters narrow by language, outlet and date."""
    match = fts_query(query)
    if not match:
        return []
    where = ["articles_fts MATCH ?"]
    params: list[Any] = [match]
    if language:
        where.append("a.language = ?")
        params.append(language)
    if outlet:
        where.append("a.outlet = ?")
        params.append(outlet)
    if since:
        where.append("a.published_at_utc >= ?")
        params.append(since)
    sql = f"""
        SELECT a.id, a.title, a.url, a.outlet, a.published_at, a.language, a.wire_agency,
               a.cluster_id, a.source_file, bm25(articles_fts, 4.0, 1.0) AS rank,
               snippet(articles_fts, 1, '[', ']', '…', 16) AS snippet
        FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
        WHERE {" AND ".join(where)}
        ORDER BY rank, a.published_at_utc DESC
        LIMIT ?
    """
    params.append(limit)
    return [
        SearchHit(
            article_id=row[0],
            title=row[1],
            url=row[2] or "",
            outlet=row[3] or "",
            published_at=row[4] or "",
            language=row[5] or "",
            wire_agency=row[6] or "",
            cluster_id=row[7],
            source_file=row[8] or "",
            rank=row[9],
            snippet=row[10] or "",
        )
        for row in store.db.conn.execute(sql, params)
    ]


def _grouped(store: Store, column: str) -> dict[str, int]:
    rows = store.db.conn.execute(
        f"SELECT coalesce({column}, ''), count(*) FROM articles GROUP BY 1 ORDER BY 2 DESC, 1"
    )
    return {key: count for key, count in rows}


def stats(store: Store) -> dict[str, Any]:
    """Figures about the store: counts by language, outlet and agency, date range, size."""
    conn = store.db.conn
    first, last = conn.execute(
        "SELECT min(published_at_utc), max(published_at_utc) FROM articles"
    ).fetchone()
    clusters_with_reprints = conn.execute(
        "SELECT count(*), coalesce(sum(size), 0) FROM clusters WHERE size > 1"
    ).fetchone()
    return {
        "store": str(store.path),
        "articles": store.count("articles"),
        "clusters": store.count("clusters"),
        "clusters_with_reprints": clusters_with_reprints[0],
        "articles_in_reprint_clusters": clusters_with_reprints[1],
        "feeds": store.count("feeds"),
        "crawl_runs": store.count("crawl_runs"),
        "first_published": first,
        "last_published": last,
        "languages": _grouped(store, "language"),
        "outlets": _grouped(store, "outlet"),
        "wire_agencies": _grouped(store, "wire_agency"),
        "size_bytes": store.path.stat().st_size if store.path.exists() else 0,
    }


@dataclass(frozen=True)
class ClusterMember:
    """One article of a reprint cluster, with why it is there."""

    article_id: int
    url: str
    source_file: str
    outlet: str
    title: str
    #: Publication time as stored (ISO 8601, the outlet's own offset), or empty.
    published: str
    #: The same moment in UTC ("2026-11-23T04:05:00Z"), or empty.
    published_utc: str
    language: str
    #: Wire agency id, or empty.
    wire: str
    #: Estimated Jaccard with ``matched_to`` (None for the canonical).
    jaccard: float | None
    #: Estimated containment with ``matched_to`` (None for the canonical).
    containment: float | None
    #: The article it was matched to: the cluster's canonical (None for the canonical itself).
    matched_to: int | None
    #: True for the canonical (earliest) member.
    is_canonical: bool
    #: Minutes after the canonical's publication, when both times are known.
    minutes_after: float | None
    #: The parameters the membership was decided with.
    rule: str


@dataclass(frozen=True)
class ClusterSummary:
    """A reprint cluster: its canonical article and every member in publication order."""

    cluster_id: int
    size: int
    outlets: int
    first_published_at: str
    wire_agency: str
    language: str
    canonical: ClusterMember
    members: tuple[ClusterMember, ...]


_MEMBER_COLUMNS = (
    "id, coalesce(url, ''), coalesce(source_file, ''), coalesce(outlet, ''), title, "
    "coalesce(published_at, ''), coalesce(language, ''), coalesce(wire_agency, ''), jaccard, "
    "containment, matched_to, is_canonical, published_at_utc, coalesce(dedup_rule, '')"
)


def _minutes_between(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    delta = datetime.fromisoformat(end.replace("Z", "+00:00")) - datetime.fromisoformat(
        start.replace("Z", "+00:00")
    )
    return round(delta.total_seconds() / 60, 1)


def _members(store: Store, cluster_id: int) -> list[ClusterMember]:
    rows = store.db.conn.execute(
        f"SELECT {_MEMBER_COLUMNS} FROM articles WHERE cluster_id = ? "
        "ORDER BY is_canonical DESC, coalesce(published_at_utc, '9999'), id",
        [cluster_id],
    ).fetchall()
    canonical_time = rows[0][12] if rows and rows[0][11] else None
    return [
        ClusterMember(
            article_id=r[0],
            url=r[1],
            source_file=r[2],
            outlet=r[3],
            title=r[4],
            published=r[5],
            published_utc=r[12] or "",
            language=r[6],
            wire=r[7],
            jaccard=r[8],
            containment=r[9],
            matched_to=r[10],
            is_canonical=bool(r[11]),
            minutes_after=_minutes_between(canonical_time, r[12]),
            rule=r[13],
        )
        for r in rows
    ]


def _summary(store: Store, row: tuple) -> ClusterSummary:
    members = _members(store, row[0])
    return ClusterSummary(
        cluster_id=row[0],
        size=row[1],
        outlets=row[2],
        first_published_at=row[3] or "",
        wire_agency=row[4] or "",
        language=row[5] or "",
        canonical=members[0],
        members=tuple(members),
    )


def list_clusters(
    store: Store,
    *,
    min_size: int = 2,
    since: str | None = None,
    wire: str | None = None,
    outlet: str | None = None,
    limit: int | None = 50,
) -> list[ClusterSummary]:
    """Clusters biggest and newest first; ``min_size`` 2 leaves out articles nobody reprinted."""
    where = ["size >= ?"]
    params: list[Any] = [min_size]
    if since:
        where.append("first_published_at_utc >= ?")
        params.append(since)
    if wire:
        where.append("wire_agency = ?")
        params.append(wire)
    if outlet:
        where.append("id IN (SELECT cluster_id FROM articles WHERE outlet = ?)")
        params.append(outlet)
    sql = (
        "SELECT id, size, outlets, first_published_at, wire_agency, language FROM clusters "
        f"WHERE {' AND '.join(where)} "
        "ORDER BY size DESC, coalesce(first_published_at_utc, '') DESC, id DESC"
    )
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    rows = store.db.conn.execute(sql, params).fetchall()
    return [_summary(store, row) for row in rows]


def get_cluster(store: Store, cluster_id: int) -> ClusterSummary | None:
    """One cluster by id (the article id of its canonical), or None."""
    row = store.db.conn.execute(
        "SELECT id, size, outlets, first_published_at, wire_agency, language FROM clusters "
        "WHERE id = ?",
        [cluster_id],
    ).fetchone()
    return _summary(store, row) if row else None


def cluster_of_article(store: Store, article_id: int) -> int | None:
    """The cluster id of an article, or None."""
    row = store.db.conn.execute(
        "SELECT cluster_id FROM articles WHERE id = ?", [article_id]
    ).fetchone()
    return row[0] if row else None


_FEED_COLUMNS = (
    "id, url, kind, title, site_url, language, category, etag, last_modified, body_hash, "
    "format, last_fetched_at, last_status, last_outcome, last_error, error_streak, next_due_at, "
    "interval_seconds, interval_reason, dead, redirected_to, schedule_state, "
    "(SELECT count(*) FROM feed_entries e WHERE e.feed_id = feeds.id AND e.status = 'pending')"
)


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _feed(row: tuple) -> Feed:
    return Feed(
        feed_id=row[0],
        url=row[1],
        kind=row[2] or "feed",
        title=row[3] or "",
        site_url=row[4] or "",
        language=row[5] or "",
        category=row[6] or "",
        etag=row[7] or "",
        last_modified=row[8] or "",
        body_hash=row[9] or "",
        format=row[10] or "",
        last_fetched_at=_time(row[11]),
        last_status=row[12],
        last_outcome=row[13] or "",
        last_error=row[14] or "",
        error_streak=row[15] or 0,
        next_due_at=_time(row[16]),
        interval_seconds=row[17],
        interval_reason=row[18] or "",
        dead=bool(row[19]),
        redirected_to=row[20] or "",
        schedule_state=row[21] or "",
        pending_entries=row[22] or 0,
    )


def feeds(store: Store, *, kind: str | None = None) -> list[Feed]:
    """Every feed in the store, in the order they were added."""
    sql = f"SELECT {_FEED_COLUMNS} FROM feeds"
    params: list[Any] = []
    if kind:
        sql += " WHERE kind = ?"
        params.append(kind)
    return [_feed(r) for r in store.db.conn.execute(sql + " ORDER BY id", params)]


def feeds_by_url(store: Store, urls: list[str]) -> list[Feed]:
    """The stored feeds with these URLs, in the order given."""
    by_url = {f.url: f for f in feeds(store)}
    return [by_url[u] for u in urls if u in by_url]


def due_feeds(store: Store, now: datetime, *, kind: str | None = None) -> list[Feed]:
    """Feeds due at ``now`` (never polled, or their next poll has come), earliest first.

    Dead feeds are polled when their (distant) next poll comes, so they can come back.
    """
    stamp = now.astimezone(UTC).isoformat()
    sql = f"SELECT {_FEED_COLUMNS} FROM feeds WHERE (next_due_at IS NULL OR next_due_at <= ?)"
    params: list[Any] = [stamp]
    if kind:
        sql += " AND kind = ?"
        params.append(kind)
    sql += " ORDER BY coalesce(next_due_at, ''), id"
    return [_feed(r) for r in store.db.conn.execute(sql, params)]


def last_run(store: Store) -> dict[str, Any] | None:
    """The newest crawl run with its figures."""
    rows = list(store.db.query("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1"))
    return rows[0] if rows else None


def run(store: Store, run_id: int) -> dict[str, Any] | None:
    """One crawl run with its figures."""
    rows = list(store.db.query("SELECT * FROM crawl_runs WHERE id = ?", [run_id]))
    return rows[0] if rows else None


def next_due(store: Store) -> datetime | None:
    """When the next feed is due (a feed never polled is due at once); None without feeds."""
    row = store.db.conn.execute(
        "SELECT count(*), sum(next_due_at IS NULL), min(next_due_at) FROM feeds"
    ).fetchone()
    if not row[0]:
        return None
    if row[1]:
        return datetime.min.replace(tzinfo=UTC)
    return _time(row[2])


@dataclass(frozen=True)
class FeedHealth:
    """A feed's state and figures, for ``feeds status`` and ``feeds doctor``."""

    feed: Feed
    #: Fetches recorded for the feed.
    polls: int
    #: Entries first seen in the last 7 days, per day.
    items_per_day: float
    #: Articles stored from the feed.
    articles: int
    #: Share of those articles that are reprints of an earlier copy.
    reprint_share: float | None
    #: When the feed last listed an entry never seen before.
    last_new_item_at: datetime | None


def feed_health(store: Store, now: datetime) -> list[FeedHealth]:
    """Every feed with its polling figures."""
    week_ago = (now - timedelta(days=7)).astimezone(UTC).isoformat()
    conn = store.db.conn
    polls = dict(
        conn.execute(
            "SELECT feed_id, count(*) FROM fetch_log WHERE kind != 'page' GROUP BY feed_id"
        ).fetchall()
    )
    recent = dict(
        conn.execute(
            "SELECT feed_id, count(*) FROM feed_entries WHERE first_seen_at >= ? GROUP BY feed_id",
            [week_ago],
        ).fetchall()
    )
    newest = dict(
        conn.execute(
            "SELECT feed_id, max(first_seen_at) FROM feed_entries GROUP BY feed_id"
        ).fetchall()
    )
    articles = {
        row[0]: (row[1], row[2])
        for row in conn.execute(
            "SELECT feed_id, count(*), sum(is_canonical = 0) FROM articles "
            "WHERE feed_id IS NOT NULL GROUP BY feed_id"
        )
    }
    out = []
    for feed in feeds(store):
        stored, reprints = articles.get(feed.feed_id, (0, 0))
        out.append(
            FeedHealth(
                feed=feed,
                polls=polls.get(feed.feed_id, 0),
                items_per_day=round(recent.get(feed.feed_id, 0) / 7, 2),
                articles=stored,
                reprint_share=round((reprints or 0) / stored, 3) if stored else None,
                last_new_item_at=_time(newest.get(feed.feed_id)),
            )
        )
    return out


@dataclass(frozen=True)
class FeedProblem:
    """A feed that needs a person, and what to do."""

    feed: Feed
    #: dead, moved, html, challenge, silent.
    problem: str
    #: What is wrong, in a sentence.
    detail: str
    #: What to do about it.
    advice: str


def feed_problems(store: Store, now: datetime, *, silent_days: int = 14) -> list[FeedProblem]:
    """Feeds that are dead, moved for good, serving HTML or a bot check, or never new."""
    problems = []
    for health in feed_health(store, now):
        feed = health.feed
        if feed.dead:
            problems.append(
                FeedProblem(
                    feed,
                    "dead",
                    f"gone: {feed.last_error or feed.last_outcome}",
                    f"remove it from the list, or check {feed.site_url or feed.url} for a new feed",
                )
            )
        if feed.redirected_to and feed.redirected_to != feed.url:
            problems.append(
                FeedProblem(
                    feed,
                    "moved",
                    f"permanently redirected to {feed.redirected_to}",
                    f"wirecrawl feeds move {feed.url} {feed.redirected_to}",
                )
            )
        if feed.last_outcome == "feed_html":
            problems.append(
                FeedProblem(
                    feed,
                    "html",
                    "serves an HTML page instead of a feed",
                    f"wirecrawl feeds add {feed.site_url or feed.url} to find its real feed",
                )
            )
        if feed.last_outcome == "feed_challenge":
            problems.append(
                FeedProblem(
                    feed,
                    "challenge",
                    "serves a bot-challenge page instead of the feed",
                    "the site blocks crawlers; ask the publisher, or find another feed",
                )
            )
        quiet_since = health.last_new_item_at
        never = health.polls >= 3 and quiet_since is None
        stale = quiet_since is not None and now - quiet_since > timedelta(days=silent_days)
        if (never or stale) and not feed.dead:
            detail = (
                "never listed an item" if never else f"no new item since {quiet_since:%Y-%m-%d}"
            )
            problems.append(
                FeedProblem(
                    feed,
                    "silent",
                    detail,
                    "check that the feed is still maintained",
                )
            )
    return problems
