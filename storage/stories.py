"""Stories in the store: evidence keys, links across languages, and story ids of clusters.

``StoryIndex`` runs inside the writer's transaction, right after an article's row and its
cluster are written. It stores the article's evidence keys (``story_keys``, an inverted
index by key and day, and ``story_key_days``, how many articles have a key on a day),
finds candidates in other languages among the articles of the days around it that share
its rarer keys, lets ``crawler.core.stories.judge`` decide, and keeps each cluster's
``story_id``: the smallest cluster id among the clusters its links join. The cost per
article is a few indexed statements over a window of days, whatever the store's size.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime

from crawler.core.clock import time_or_none
from crawler.core.stories import (
    MAX_GAP,
    StoryLink,
    StoryText,
    indexed_keys,
    judge,
    story_keys,
)

#: Days either side of an article searched for its other-language versions.
WINDOW_DAYS = MAX_GAP.days
#: A key more articles of those days have than this finds no candidates (it still weighs).
MAX_CANDIDATE_FREQUENCY = 30
#: Candidates are found by this many of an article's rarest keys.
CANDIDATE_KEYS = 12
#: Candidates judged per article, those sharing the most keys first.
MAX_CANDIDATES = 20
#: Least keys a candidate shares to be judged at all.
MIN_SHARED_KEYS = 2
#: Articles read back together while ``rebuild`` links them.
REBUILD_CHUNK = 500
# The article columns a story text is read from.
_COLUMNS = ("language", "outlet", "wire_agency", "alternates", "time_utc")


def day_number(time_utc: str | None) -> int:
    """The day of an ISO time as a day number (0 when unknown)."""
    if not time_utc:
        return 0
    try:
        return date.fromisoformat(time_utc[:10]).toordinal()
    except ValueError:
        return 0


def _editions(alternates: str | None) -> frozenset[str]:
    try:
        entries = json.loads(alternates) if alternates else []
    except json.JSONDecodeError:
        return frozenset()
    return frozenset(e["language"] for e in entries if isinstance(e, dict) and e.get("language"))


def _time(time_utc: str | None) -> datetime | None:
    value = time_or_none(time_utc) if time_utc else None
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


class StoryIndex:
    """Cross-language story links of one store (see the module docstring)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    # -- adding -----------------------------------------------------------------------

    def add(
        self,
        article_id: int,
        title: str,
        paragraphs: Sequence[str],
        row: Mapping[str, object],
    ) -> list[StoryLink]:
        """Store the article's evidence keys and link it to its other-language versions.

        ``row`` holds the article's stored columns (language, outlet, wire_agency,
        alternates, time_utc). Returns the links made.
        """
        keys = story_keys(title, paragraphs)
        text = self._story_text(article_id, keys, row)
        day = day_number(str(row.get("time_utc") or ""))
        self._store_keys(article_id, day, text.language, keys)
        return self._link(text, day)

    def _story_text(
        self, article_id: int, keys: Mapping[str, str], row: Mapping[str, object]
    ) -> StoryText:
        return StoryText(
            article_id=article_id,
            language=str(row.get("language") or ""),
            outlet=str(row.get("outlet") or ""),
            wire_agency=str(row["wire_agency"]) if row.get("wire_agency") else None,
            editions=_editions(str(row.get("alternates") or "")),
            time=_time(str(row.get("time_utc") or "")),
            keys=keys,
        )

    def _store_keys(
        self, article_id: int, day: int, language: str, keys: Mapping[str, str]
    ) -> None:
        self.conn.executemany(
            "INSERT OR IGNORE INTO story_keys (key, day, article_id, language, shown) "
            "VALUES (?, ?, ?, ?, ?)",
            [(key, day, article_id, language, shown) for key, shown in keys.items()],
        )
        self.conn.executemany(
            "INSERT INTO story_key_days (key, day, articles) VALUES (?, ?, 1) "
            "ON CONFLICT (key, day) DO UPDATE SET articles = articles + 1",
            [(key, day) for key in keys],
        )

    def _frequencies(self, keys: Sequence[str], day: int) -> dict[str, int]:
        """How many articles of the window have each key (the new one included)."""
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        rows = self.conn.execute(
            f"SELECT key, sum(articles) FROM story_key_days WHERE key IN ({marks}) "
            "AND day BETWEEN ? AND ? GROUP BY key",
            [*keys, day - WINDOW_DAYS, day + WINDOW_DAYS],
        )
        return {key: count for key, count in rows}

    def _candidates(self, text: StoryText, day: int, frequency: Mapping[str, int]) -> list[int]:
        wanted = [
            k for k in indexed_keys(text.keys) if 1 < frequency.get(k, 1) <= MAX_CANDIDATE_FREQUENCY
        ]
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        rows = self.conn.execute(
            f"SELECT article_id, count(*) FROM story_keys WHERE key IN ({marks}) "
            "AND day BETWEEN ? AND ? AND language IS NOT ? AND article_id != ? "
            "GROUP BY article_id HAVING count(*) >= ? ORDER BY count(*) DESC, article_id "
            "LIMIT ?",
            [
                *wanted,
                day - WINDOW_DAYS,
                day + WINDOW_DAYS,
                text.language,
                text.article_id,
                MIN_SHARED_KEYS,
                MAX_CANDIDATES,
            ],
        )
        return [article_id for article_id, _ in rows]

    def _stored_texts(self, article_ids: Sequence[int]) -> list[StoryText]:
        """The story texts of stored articles, in the order asked (missing ones left out)."""
        if not article_ids:
            return []
        marks = ",".join("?" * len(article_ids))
        # Two statements for all the candidates: an article's keys are read by its id.
        rows = {
            row[0]: dict(zip(_COLUMNS, row[1:], strict=True))
            for row in self.conn.execute(
                f"SELECT id, {', '.join(_COLUMNS)} FROM articles WHERE id IN ({marks})",
                list(article_ids),
            )
        }
        keys: dict[int, dict[str, str]] = {}
        for article_id, key, shown in self.conn.execute(
            f"SELECT article_id, key, shown FROM story_keys WHERE article_id IN ({marks})",
            list(article_ids),
        ):
            keys.setdefault(article_id, {})[key] = shown
        return [
            self._story_text(article_id, keys.get(article_id, {}), rows[article_id])
            for article_id in article_ids
            if article_id in rows
        ]

    def _link(self, text: StoryText, day: int) -> list[StoryLink]:
        if not text.language:
            return []
        frequency = self._frequencies(list(text.keys), day)
        links = []
        for other in self._stored_texts(self._candidates(text, day, frequency)):
            link = judge(text, other, frequency)
            if link is not None:
                links.append(link)
        self.conn.executemany(
            "INSERT OR REPLACE INTO story_links (left_id, right_id, score, gap_seconds, "
            "evidence, linked_at) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    link.left_id,
                    link.right_id,
                    link.score,
                    link.gap_seconds,
                    json.dumps([asdict(e) for e in link.evidence], ensure_ascii=False),
                    datetime.now(UTC).isoformat(timespec="seconds"),
                )
                for link in links
            ],
        )
        return links

    # -- story ids --------------------------------------------------------------------

    def settle(self, cluster_ids: Iterable[int]) -> None:
        """Recompute ``story_id`` for the stories ``cluster_ids`` are (or were) part of.

        A story is a set of clusters joined by links between their articles; its id is
        the smallest of their ids. Clusters that shared a story with these before are
        settled too, so a story whose link moved away splits.
        """
        todo = set(cluster_ids)
        seen: set[int] = set()
        edges: list[tuple[int, int]] = []
        while todo:
            cluster_id = todo.pop()
            if cluster_id in seen:
                continue
            seen.add(cluster_id)
            todo.update(
                r[0]
                for r in self.conn.execute(
                    "SELECT id FROM clusters WHERE story_id = ? OR story_id = "
                    "(SELECT story_id FROM clusters WHERE id = ?)",
                    [cluster_id, cluster_id],
                )
            )
            for other in self._linked_clusters(cluster_id):
                edges.append((cluster_id, other))
                todo.add(other)
        parent = {c: c for c in seen}

        def root(c: int) -> int:
            while parent[c] != c:
                parent[c] = parent[parent[c]]
                c = parent[c]
            return c

        for a, b in edges:
            ra, rb = root(a), root(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
        self.conn.executemany(
            "UPDATE clusters SET story_id = ? WHERE id = ? AND story_id IS NOT ?",
            [(root(c), c, root(c)) for c in sorted(seen)],
        )

    def _linked_clusters(self, cluster_id: int) -> set[int]:
        rows = self.conn.execute(
            "SELECT a2.cluster_id FROM articles a1 "
            "JOIN story_links l ON l.left_id = a1.id "
            "JOIN articles a2 ON a2.id = l.right_id WHERE a1.cluster_id = ? "
            "UNION SELECT a2.cluster_id FROM articles a1 "
            "JOIN story_links l ON l.right_id = a1.id "
            "JOIN articles a2 ON a2.id = l.left_id WHERE a1.cluster_id = ?",
            [cluster_id, cluster_id],
        )
        return {r[0] for r in rows if r[0] is not None and r[0] != cluster_id}

    # -- rebuilding -------------------------------------------------------------------

    def clear(self) -> None:
        """Forget every evidence key and link (before a rebuild)."""
        for table in ("story_keys", "story_key_days", "story_links"):
            self.conn.execute(f"DELETE FROM {table}")

    def rebuild(self, progress: Callable[[str, int, int], None] | None = None) -> None:
        """Read every stored article's evidence again, link with the final rarities, settle.

        Every key is stored before any link is decided, so each pair is judged against the
        same frequencies whatever order the articles came in.
        """
        report = progress or (lambda phase, done, total: None)
        self.clear()
        total = self.conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        cursor = self.conn.cursor()
        cursor.execute(f"SELECT id, title, body, {', '.join(_COLUMNS)} FROM articles ORDER BY id")
        for done, (article_id, title, body, *columns) in enumerate(cursor, 1):
            row = dict(zip(_COLUMNS, columns, strict=True))
            keys = story_keys(title, [b["text"] for b in json.loads(body)])
            self._store_keys(
                article_id, day_number(row["time_utc"]), str(row["language"] or ""), keys
            )
            report("reading story evidence", done, total)
        # The keys are read back a chunk at a time: a million articles' texts would not fit
        # in memory together.
        done, last = 0, 0
        while days := dict(
            self.conn.execute(
                "SELECT id, time_utc FROM articles WHERE id > ? ORDER BY id LIMIT ?",
                [last, REBUILD_CHUNK],
            ).fetchall()
        ):
            chunk = list(days)
            for text in self._stored_texts(chunk):
                self._link(text, day_number(days[text.article_id]))
            done += len(chunk)
            last = chunk[-1]
            report("linking stories", done, total)
        self.conn.execute("UPDATE clusters SET story_id = id")
        linked = [
            r[0]
            for r in self.conn.execute(
                "SELECT DISTINCT a.cluster_id FROM story_links l JOIN articles a "
                "ON a.id IN (l.left_id, l.right_id) WHERE a.cluster_id IS NOT NULL"
            )
        ]
        self.settle(linked)
