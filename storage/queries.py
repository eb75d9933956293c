"""Read-only questions asked of the store: search, clusters, feeds and figures.

Each function takes a ``Store`` and returns plain records; the CLI and the
Datasette plugin print them. Search folds the query with the same
normaliser as the indexed columns, so أ/ا/إ, ة/ه, ى/ي, tatweel, harakat and
ё/е variants all find each other.

Search runs in two tiers. Whole words first: every folded word of the query
occurs as a word (``articles_fts``), ranked by bm25 with a hit in the title
counting four times one in the body. When that gives fewer hits than asked
for, parts of words follow: the stem of each word ("москва" -> "москв",
"الناتو" -> "ناتو") occurs anywhere in the text (``articles_trigram``), which
finds other case endings and words with attached particles ("москве",
"والناتو") and the start of a word typed alone ("Москв").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from crawler.core.clock import time_or_none as _time
from crawler.core.items import Feed
from crawler.core.snippets import snippet as original_snippet
from crawler.core.text import normalise
from crawler.core.text import words as fold_words
from crawler.core.urls import feed_url_problem
from storage.store import Store

#: Weights of the title and body columns in bm25: a hit in the headline counts four times.
TITLE_WEIGHT = 4.0
#: Shortest stem the trigram index can look up (it indexes runs of three characters).
MIN_STEM = 3
#: Ranking orders at most this many of the newest matches. A word found in most
#: of a million articles would otherwise be scored in every one of them; the
#: newest matches are what a news search wants first anyway.
RANK_WINDOW = 20_000


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
    #: bm25 of a ``words`` hit (lower is better); 0.0 for a ``parts`` hit.
    rank: float
    #: A stretch of the body as printed around the first match, the match in [brackets].
    snippet: str
    #: ``words`` when every word of the query occurs as a word; ``parts`` when the
    #: stems occur inside other words (after every ``words`` hit, newest first).
    matched: str = "words"
    #: Publication time in UTC (``2026-11-19T09:30:00Z``); "" when unknown.
    published_utc: str = ""
    #: ``published_utc``, else when the article was first fetched ("first seen"); "" if neither.
    time_utc: str = ""

    @property
    def first_seen(self) -> bool:
        """True when the publication time is unknown and ``time_utc`` is the fetch time."""
        return not self.published_utc and bool(self.time_utc)


def _quoted(terms: list[str]) -> str:
    # Each term is quoted so that FTS5 operators typed by the user (AND, NEAR,
    # ``*``, quotes) are searched for as words instead of raising syntax errors.
    return " ".join('"' + t.replace('"', '""') + '"' for t in dict.fromkeys(terms))


_TATWEEL_QUOTE = re.compile('\u0640+\\s*"\\s*')


def fts_query(query: str) -> str:
    """An FTS5 MATCH expression for ``articles_fts``: every folded word must occur.

    A "quoted phrase" must occur as consecutive words; an unbalanced quote
    counts as a space.
    """
    terms: list[str] = []
    # A tatweel stretches a word across a quote (الـ "ناتو" is الناتو): join before splitting.
    pieces = _TATWEEL_QUOTE.sub("\u0640", query).split('"')
    for number, piece in enumerate(pieces):
        words = normalise(piece).split()
        # Odd pieces lie between a pair of quotes, unless the last quote is unclosed.
        if number % 2 and number < len(pieces) - 1 and len(words) > 1:
            terms.append(" ".join(words))
        else:
            terms.extend(words)
    return _quoted(terms)


# Inflections cut from the end of a query word, longest first. Cutting too much
# only widens the parts tier, which comes after the whole-word hits.
_RU_ENDINGS = (
    *("ами", "ями", "ого", "его", "ому", "ему", "ыми", "ими", "ать", "ять", "ить", "еть"),
    *("ешь", "ишь", "ой", "ей", "ом", "ем", "ам", "ям", "ах", "ях", "ми", "ов", "ев", "ую"),
    *("юю", "ая", "яя", "ое", "ее", "ые", "ие", "ый", "ий", "ых", "их", "ым", "им", "ет"),
    *("ит", "ут", "ют", "ат", "ят", "а", "я", "о", "е", "ы", "и", "у", "ю", "ь", "й"),
)
_AR_PREFIXES = ("وال", "فال", "بال", "كال", "لل", "ال")
_AR_SUFFIXES = ("هما", "ها", "هم", "هن", "كم", "نا", "ات", "ون", "ين", "ان", "ه", "ي")
_EN_SUFFIXES = ("ing", "ed", "es", "s")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_ARABIC = re.compile("[\u0600-\u06ff]")


def _cut_suffix(word: str, suffixes: tuple[str, ...] | list[str], keep: int) -> str:
    for suffix in suffixes:
        if word.endswith(suffix) and len(word) - len(suffix) >= keep:
            return word[: -len(suffix)]
    return word


def word_stem(word: str) -> str:
    """The part of a folded word its other forms share, for the trigram index.

    Russian loses a case or verb ending (keeping four letters), Arabic its
    article or attached particles and a pronoun or plural suffix (keeping
    three), English a plural, -ed or -ing (keeping four). Other words stay whole.
    """
    if _CYRILLIC.search(word):
        return _cut_suffix(word, _RU_ENDINGS, 4)
    if _ARABIC.search(word):
        for prefix in _AR_PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= MIN_STEM:
                word = word[len(prefix) :]
                break
        return _cut_suffix(word, _AR_SUFFIXES, MIN_STEM)
    if word.isascii() and word.isalpha() and not word.endswith("ss"):
        return _cut_suffix(word, _EN_SUFFIXES, 4)
    return word


def word_stems(query: str) -> list[str]:
    """The stems of the query's folded words that the trigram index can look up.

    Words whose stem is shorter than ``MIN_STEM`` (prepositions, particles) are left out.
    """
    stems = (word_stem(w) for w in normalise(query).split())
    return list(dict.fromkeys(s for s in stems if len(s) >= MIN_STEM))


def trigram_query(query: str) -> str:
    """An FTS5 MATCH expression for ``articles_trigram``: articles holding every stem's trigrams.

    The index keeps no positions, so these are candidates: ``search`` keeps
    those whose folded title or body holds each stem itself. Empty when the
    query has no stem of ``MIN_STEM`` characters.
    """
    grams = [s[i : i + 3] for s in word_stems(query) for i in range(len(s) - 2)]
    return " AND ".join('"' + g.replace('"', '""') + '"' for g in dict.fromkeys(grams))


#: The narrow index that holds the search filters' columns by article id (migration m006).
FILTER_INDEX = "idx_articles_filter_time"


def _has(store: Store, kind: str, name: str) -> bool:
    # A store written by an older wirecrawl and only read since lacks the newer
    # indexes (the migrations run when a writer opens it); search still works.
    row = store.db.conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = ? AND name = ?", [kind, name]
    ).fetchone()
    return row is not None


@dataclass(frozen=True)
class _Filters:
    """The search filters as SQL: a join to the article ``m.rowid`` as ``f``, and conditions."""

    join: str = ""
    #: `` AND ...`` conditions on ``f``.
    where: str = ""
    params: tuple[Any, ...] = ()


def _article_conditions(
    prefix: str,
    language: str | None,
    outlet: str | None,
    since: str | None,
    story_id: int | None = None,
) -> tuple[list[str], list[Any]]:
    """SQL conditions on the articles columns (``prefix`` names the table) and their values.

    ``since`` (UTC, ISO 8601) compares with ``time_utc``: the publication time, or the
    first fetch where that is unknown. ``story_id`` keeps the articles of that story's
    clusters, in every language.
    """
    where: list[str] = []
    params: list[Any] = []
    for column, value in (("language", language), ("outlet", outlet)):
        if value:
            where.append(f"{prefix}{column} = ?")
            params.append(value)
    if since:
        where.append(f"{prefix}time_utc >= ?")
        params.append(since)
    if story_id is not None:
        where.append(f"{prefix}cluster_id IN (SELECT id FROM clusters WHERE story_id = ?)")
        params.append(story_id)
    return where, params


def _filters(
    store: Store,
    language: str | None,
    outlet: str | None,
    since: str | None,
    story_id: int | None = None,
) -> _Filters:
    where, params = _article_conditions("f.", language, outlet, since, story_id)
    if not where:
        return _Filters()
    # Reading the filter columns from the narrow index, not from the article's row,
    # is what keeps a filtered search fast: a row is pages of text.
    indexed = f" INDEXED BY {FILTER_INDEX}" if _has(store, "index", FILTER_INDEX) else ""
    return _Filters(
        f" JOIN articles f{indexed} ON f.id = m.rowid",
        "".join(f" AND {w}" for w in where),
        tuple(params),
    )


def _best_words(store: Store, match: str, filters: _Filters, limit: int) -> list[tuple[int, float]]:
    """(article id, bm25) of the best word matches among the newest ``RANK_WINDOW``."""
    conn = store.db.conn
    params = list(filters.params)
    base = f"FROM articles_fts m{filters.join} WHERE articles_fts MATCH ?{filters.where}"
    # The id of the RANK_WINDOW-th newest match: walking the index backwards
    # that far is cheap, scoring every match of a common word is not.
    floor = conn.execute(
        f"SELECT m.rowid {base} ORDER BY m.rowid DESC LIMIT 1 OFFSET ?",
        [match, *params, RANK_WINDOW - 1],
    ).fetchone()
    window = " AND m.rowid >= ?" if floor else ""
    rows = conn.execute(
        f"SELECT m.rowid, bm25(articles_fts, {TITLE_WEIGHT}, 1.0) AS rank {base}{window} "
        "ORDER BY rank, m.rowid DESC LIMIT ?",
        [match, *params, *([floor[0]] if floor else []), limit],
    ).fetchall()
    return [(row[0], row[1]) for row in rows]


def _newest_parts(
    store: Store,
    query: str,
    filters: _Filters,
    exclude: list[int],
    limit: int,
) -> list[tuple[int, float]]:
    """(article id, 0.0) of the newest articles holding every stem of ``query``, newest first."""
    match = trigram_query(query)
    if not match or not _has(store, "table", "articles_trigram"):
        return []
    where, params = filters.where, list(filters.params)
    if exclude:
        where += f" AND m.rowid NOT IN ({','.join('?' * len(exclude))})"
        params = [*params, *exclude]
    for stem in word_stems(query):
        # The title is short and read first; the body only when the title lacks the stem.
        where += " AND (instr(a.title_folded, ?) > 0 OR instr(a.body_folded, ?) > 0)"
        params = [*params, stem, stem]
    rows = store.db.conn.execute(
        f"SELECT m.rowid FROM articles_trigram m{filters.join} JOIN articles a ON a.id = m.rowid "
        f"WHERE articles_trigram MATCH ?{where} ORDER BY m.rowid DESC LIMIT ?",
        [match, *params, limit],
    ).fetchall()
    return [(row[0], 0.0) for row in rows]


_HIT_COLUMNS = (
    "id, title, coalesce(url, ''), coalesce(outlet, ''), coalesce(published_at, ''), "
    "coalesce(language, ''), coalesce(wire_agency, ''), cluster_id, coalesce(source_file, ''), "
    "coalesce(published_at_utc, ''), coalesce(time_utc, '')"
)


def _hits(
    store: Store, best: list[tuple[int, float]], matched: str, snippet: Any
) -> list[SearchHit]:
    if not best:
        return []
    rank = dict(best)
    rows = store.db.conn.execute(
        f"SELECT {_HIT_COLUMNS} FROM articles WHERE id IN ({','.join('?' * len(best))})",
        list(rank),
    ).fetchall()
    rows.sort(key=lambda r: (rank[r[0]], _descending(r[10]), -r[0]))
    return [
        SearchHit(
            article_id=r[0],
            title=r[1],
            url=r[2],
            outlet=r[3],
            published_at=r[4],
            language=r[5],
            wire_agency=r[6],
            cluster_id=r[7],
            source_file=r[8],
            rank=rank[r[0]],
            snippet=snippet(r[0]),
            matched=matched,
            published_utc=r[9],
            time_utc=r[10],
        )
        for r in rows
    ]


def _descending(text: str) -> tuple[int, ...]:
    # Sorts ISO times newest first inside an ascending sort key.
    return tuple(-ord(c) for c in text)


#: Words of context either side of the matched word in a snippet.
_CONTEXT_WORDS = 10


def _snippet(store: Store, terms: list[str], *, inside: bool) -> Any:
    """Snippets in the article's own text (not the folded copy the indexes search)."""

    def snippet(article_id: int) -> str:
        row = store.db.conn.execute(
            "SELECT coalesce(body_text, '') FROM articles WHERE id = ?", [article_id]
        ).fetchone()
        if row is None:
            return ""
        body = row[0]
        found = original_snippet(body, terms, inside=inside, context=_CONTEXT_WORDS)
        if found:
            return found
        # The words are in the title only (or broken across a tatweel): the opening lines.
        opening = body.split()
        cut = 2 * _CONTEXT_WORDS
        return " ".join(opening[:cut]) + ("…" if len(opening) > cut else "")

    return snippet


def search(
    store: Store,
    query: str,
    *,
    limit: int | None = 20,
    language: str | None = None,
    outlet: str | None = None,
    since: str | None = None,
    story_id: int | None = None,
) -> list[SearchHit]:
    """Articles matching ``query`` best first; filters narrow by language, outlet, date, story.

    Whole-word matches come first, ranked by bm25; when there are fewer than
    ``limit`` of them, matches of the words' stems inside other words follow,
    newest first (``SearchHit.matched`` says which). ``since`` is an ISO date
    or time (UTC). ``limit`` None means every match.
    """
    words = fts_query(query)
    if not words or (limit is not None and limit <= 0):
        return []
    filters = _filters(store, language, outlet, since, story_id)
    best = _best_words(store, words, filters, -1 if limit is None else limit)
    terms = fold_words(query)
    hits = _hits(store, best, "words", _snippet(store, terms, inside=False))
    if limit is None or len(hits) < limit:
        seen = [h.article_id for h in hits]
        rest = -1 if limit is None else limit - len(hits)
        best = _newest_parts(store, query, filters, seen, rest)
        hits += _hits(store, best, "parts", _snippet(store, word_stems(query), inside=True))
    return hits


def _grouped(store: Store, column: str) -> dict[str, int]:
    rows = store.db.conn.execute(
        f"SELECT coalesce({column}, ''), count(*) FROM articles GROUP BY 1 ORDER BY 2 DESC, 1"
    )
    return {key: count for key, count in rows}


def article_rows(
    store: Store,
    *,
    only_canonical: bool = False,
    cluster_id: int | None = None,
    since: str | None = None,
    outlet: str | None = None,
    language: str | None = None,
    story_id: int | None = None,
) -> list[dict[str, Any]]:
    """Whole article rows in id order, filtered as ``wirecrawl export`` is."""
    where, params = _article_conditions("", language, outlet, since, story_id)
    if only_canonical:
        where.append("is_canonical = 1")
    if cluster_id is not None:
        where.append("cluster_id = ?")
        params.append(cluster_id)
    return list(store.iter_article_rows(" AND ".join(where), params))


def stats(store: Store) -> dict[str, Any]:
    """Figures about the store: counts by language, outlet and agency, date range, size."""
    conn = store.db.conn
    first, last, dated = conn.execute(
        "SELECT min(published_at_utc), max(published_at_utc), count(published_at_utc) FROM articles"
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
        # Articles whose page, feed and URL gave no publication date.
        "undated": store.count("articles") - dated,
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
    #: Minutes after the canonical, from their ``time_utc``; None when either is unknown.
    minutes_after: float | None
    #: The parameters the membership was decided with.
    rule: str
    #: ``published_utc``, else when the article was first fetched ("first seen"); "" if neither.
    time_utc: str = ""

    @property
    def first_seen(self) -> bool:
        """True when the publication time is unknown and ``time_utc`` is the fetch time."""
        return not self.published_utc and bool(self.time_utc)


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
    #: The story the cluster belongs to: the smallest cluster id among its clusters.
    story_id: int = 0
    #: Languages of the story's clusters: this cluster's, then the others earliest first.
    story_languages: tuple[str, ...] = ()


_MEMBER_COLUMNS = (
    "id, coalesce(url, ''), coalesce(source_file, ''), coalesce(outlet, ''), title, "
    "coalesce(published_at, ''), coalesce(language, ''), coalesce(wire_agency, ''), jaccard, "
    "containment, matched_to, is_canonical, published_at_utc, coalesce(dedup_rule, ''), "
    "coalesce(time_utc, '')"
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
        "ORDER BY is_canonical DESC, coalesce(time_utc, '9999'), id",
        [cluster_id],
    ).fetchall()
    canonical_time = rows[0][14] if rows and rows[0][11] else None
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
            minutes_after=_minutes_between(canonical_time, r[14]),
            rule=r[13],
            time_utc=r[14],
        )
        for r in rows
    ]


# The columns ``_summary`` reads, in its order.
_CLUSTER_COLUMNS = (
    "id, size, outlets, first_published_at, wire_agency, language, coalesce(story_id, id), "
    "(SELECT group_concat(language, ' ') FROM (SELECT s.language FROM clusters s "
    "WHERE s.story_id = clusters.story_id AND s.language IS NOT NULL GROUP BY s.language "
    "ORDER BY min(coalesce(s.first_time_utc, '9999')), s.language))"
)


def _summary(store: Store, row: tuple) -> ClusterSummary:
    members = _members(store, row[0])
    language = row[5] or ""
    others = [x for x in (row[7] or "").split() if x != language]
    return ClusterSummary(
        cluster_id=row[0],
        size=row[1],
        outlets=row[2],
        first_published_at=row[3] or "",
        wire_agency=row[4] or "",
        language=language,
        canonical=members[0],
        members=tuple(members),
        story_id=row[6],
        story_languages=tuple(([language] if language else []) + others),
    )


def _cluster_filters(
    min_size: int, since: str | None, wire: str | None, outlet: str | None
) -> tuple[list[str], list[Any]]:
    where = ["size >= ?"]
    params: list[Any] = [min_size]
    if since:
        where.append("first_time_utc >= ?")
        params.append(since)
    if wire:
        where.append("wire_agency = ?")
        params.append(wire)
    if outlet:
        where.append("id IN (SELECT cluster_id FROM articles WHERE outlet = ?)")
        params.append(outlet)
    return where, params


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
    where, params = _cluster_filters(min_size, since, wire, outlet)
    sql = (
        f"SELECT {_CLUSTER_COLUMNS} FROM clusters "
        f"WHERE {' AND '.join(where)} "
        "ORDER BY size DESC, coalesce(first_time_utc, '') DESC, id DESC"
    )
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    rows = store.db.conn.execute(sql, params).fetchall()
    return [_summary(store, row) for row in rows]


def count_clusters(
    store: Store,
    *,
    min_size: int = 2,
    since: str | None = None,
    wire: str | None = None,
    outlet: str | None = None,
) -> int:
    """How many clusters ``list_clusters`` would list without a limit."""
    where, params = _cluster_filters(min_size, since, wire, outlet)
    sql = f"SELECT count(*) FROM clusters WHERE {' AND '.join(where)}"
    return int(store.db.conn.execute(sql, params).fetchone()[0])


def get_cluster(store: Store, cluster_id: int) -> ClusterSummary | None:
    """One cluster by id (the article id of its canonical), or None."""
    row = store.db.conn.execute(
        f"SELECT {_CLUSTER_COLUMNS} FROM clusters WHERE id = ?", [cluster_id]
    ).fetchone()
    return _summary(store, row) if row else None


def cluster_of_article(store: Store, article_id: int) -> int | None:
    """The cluster id of an article, or None."""
    row = store.db.conn.execute(
        "SELECT cluster_id FROM articles WHERE id = ?", [article_id]
    ).fetchone()
    return row[0] if row else None


# -- stories ------------------------------------------------------------------


@dataclass(frozen=True)
class StoryLinkRow:
    """Two articles of a story in different languages, and the evidence that linked them."""

    left_id: int
    right_id: int
    score: float
    #: Seconds between them; None when a time is unknown.
    gap_seconds: int | None
    #: Each piece: {kind, key, left, right, weight}, as printed in each article.
    evidence: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class StorySummary:
    """A story: its clusters in every language, earliest first."""

    story_id: int
    #: Languages of its clusters, the earliest cluster's first.
    languages: tuple[str, ...]
    clusters: tuple[ClusterSummary, ...]
    #: Articles in all its clusters.
    articles: int
    #: Publication time (or first seen) of the earliest cluster.
    first_time_utc: str


def _story(store: Store, story_id: int) -> StorySummary | None:
    rows = store.db.conn.execute(
        f"SELECT {_CLUSTER_COLUMNS} FROM clusters WHERE story_id = ? "
        "ORDER BY coalesce(first_time_utc, '9999'), id",
        [story_id],
    ).fetchall()
    if not rows:
        return None
    clusters = tuple(_summary(store, row) for row in rows)
    languages: list[str] = []
    for cluster in clusters:
        if cluster.language and cluster.language not in languages:
            languages.append(cluster.language)
    return StorySummary(
        story_id=story_id,
        languages=tuple(languages),
        clusters=clusters,
        articles=sum(c.size for c in clusters),
        first_time_utc=clusters[0].canonical.time_utc,
    )


def get_story(store: Store, story_id: int) -> StorySummary | None:
    """One story by id (the smallest id of its clusters), or None."""
    return _story(store, story_id)


def _story_filters(min_languages: int, since: str | None) -> tuple[str, list[Any]]:
    having = ["count(DISTINCT language) >= ?"]
    params: list[Any] = [min_languages]
    if since:
        having.append("min(first_time_utc) >= ?")
        params.append(since)
    return " AND ".join(having), params


def list_stories(
    store: Store, *, min_languages: int = 2, since: str | None = None, limit: int | None = 50
) -> list[StorySummary]:
    """Stories in at least ``min_languages`` languages: most languages, then biggest, newest."""
    having, params = _story_filters(min_languages, since)
    sql = (
        "SELECT story_id FROM clusters WHERE story_id IS NOT NULL GROUP BY story_id "
        f"HAVING {having} ORDER BY count(DISTINCT language) DESC, sum(size) DESC, "
        "min(coalesce(first_time_utc, '')) DESC, story_id DESC"
    )
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    ids = [r[0] for r in store.db.conn.execute(sql, params)]
    return [s for s in (_story(store, i) for i in ids) if s is not None]


def count_stories(store: Store, *, min_languages: int = 2, since: str | None = None) -> int:
    """How many stories ``list_stories`` would list without a limit."""
    having, params = _story_filters(min_languages, since)
    sql = (
        "SELECT count(*) FROM (SELECT story_id FROM clusters WHERE story_id IS NOT NULL "
        f"GROUP BY story_id HAVING {having})"
    )
    return int(store.db.conn.execute(sql, params).fetchone()[0])


def story_links(store: Store, story_id: int) -> list[StoryLinkRow]:
    """The links between the articles of a story's clusters, strongest first."""
    rows = store.db.conn.execute(
        "SELECT l.left_id, l.right_id, l.score, l.gap_seconds, l.evidence FROM story_links l "
        "JOIN articles a ON a.id = l.left_id JOIN clusters c ON c.id = a.cluster_id "
        "WHERE c.story_id = ? ORDER BY l.score DESC, l.left_id, l.right_id",
        [story_id],
    ).fetchall()
    return [StoryLinkRow(r[0], r[1], r[2], r[3], tuple(json.loads(r[4]))) for r in rows]


@dataclass(frozen=True)
class StoryVersion:
    """A cluster of the same story in another language, seen from one cluster."""

    cluster: ClusterSummary
    #: Seconds from the first cluster's canonical to this one's (negative: this came first).
    seconds_after: float | None
    #: The links between the two clusters' articles, each turned so that ``article_id``
    #: and each piece's ``this`` belong to the first cluster, ``other`` to this one. Empty
    #: when the two are joined only through a third cluster.
    links: tuple[dict[str, Any], ...]


def seconds_between(first: str, second: str) -> float | None:
    """Seconds from one ISO time to another; None when either is missing."""
    a, b = _time(first), _time(second)
    if a is None or b is None:
        return None
    return (b - a).total_seconds()


def _turned(link: StoryLinkRow, article_ids: set[int]) -> dict[str, Any]:
    flip = link.left_id not in article_ids
    evidence = []
    for piece in link.evidence:
        this, other = (piece["right"], piece["left"]) if flip else (piece["left"], piece["right"])
        rest = {k: v for k, v in piece.items() if k not in ("left", "right")}
        evidence.append({**rest, "this": this, "other": other})
    return {
        "article_id": link.right_id if flip else link.left_id,
        "other_article_id": link.left_id if flip else link.right_id,
        "score": link.score,
        "gap_seconds": link.gap_seconds,
        "evidence": evidence,
    }


def story_versions(store: Store, cluster: ClusterSummary) -> list[StoryVersion]:
    """The other clusters of ``cluster``'s story, earliest first, with the links to them."""
    story = get_story(store, cluster.story_id)
    if story is None:
        return []
    links = story_links(store, cluster.story_id)
    mine = {m.article_id for m in cluster.members}
    found = []
    for other in story.clusters:
        if other.cluster_id == cluster.cluster_id:
            continue
        theirs = {m.article_id for m in other.members}
        direct = tuple(
            _turned(link, mine)
            for link in links
            if {link.left_id, link.right_id} & mine and {link.left_id, link.right_id} & theirs
        )
        after = seconds_between(cluster.canonical.time_utc, other.canonical.time_utc)
        found.append(StoryVersion(other, after, direct))
    return found


_FEED_COLUMNS = (
    "id, url, kind, title, site_url, language, category, etag, last_modified, body_hash, "
    "format, last_fetched_at, last_status, last_outcome, last_error, error_streak, next_due_at, "
    "interval_seconds, interval_reason, dead, redirected_to, schedule_state, "
    "(SELECT count(*) FROM feed_entries e WHERE e.feed_id = feeds.id AND e.status = 'pending')"
)


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
    #: dead, moved, bad-url, html, challenge, silent.
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
        bad_url = feed_url_problem(feed.url)
        if bad_url or feed.last_outcome == "bad_url":
            problems.append(
                FeedProblem(
                    feed,
                    "bad-url",
                    bad_url or feed.last_error or "the URL cannot be requested",
                    f"wirecrawl feeds remove {feed.url}, then add the feed's full http(s) URL",
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
