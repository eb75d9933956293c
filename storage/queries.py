"""Read-only questions asked of the store: search and figures.

Each function takes a ``Store`` and returns plain records; the CLI and the
Datasette metadata print them. Search folds the query with the same
normaliser as the indexed columns, so أ/ا/إ, ة/ه, ى/ي, tatweel, harakat and
ё/е variants all find each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
