"""Stories in the store: evidence keys, links across languages, and story ids of clusters.

``StoryIndex`` runs inside the writer's transaction, right after an article's row and its
cluster are written. It stores the article's evidence keys (one ``story_texts`` row: its
day, language and keys as JSON), finds candidates in other languages among the articles of
the days around it that share its rarer keys, lets ``crawler.core.stories.judge`` decide,
and keeps each cluster's ``story_id``: the smallest cluster id among the clusters its links
join. A link is judged on the counts of its pair's days; an article stored later in those
days that moves a shared key's count past a step judges the pair again (``_recheck``), so
the links are those of today's counts whatever order the articles came in.

The inverted index (key -> the articles of a day that have it) is held in memory for the
days a writer links (``HELD_DAYS`` at least, more up to ``HELD_ARTICLES``), read from
``story_texts`` by day the first time one is needed. Writing an article is then one row,
whatever its number of keys, and finding its candidates and its keys' rarity is a few
dictionary lookups per key and day. The cost per article depends on the window of days,
not on the store's size.
"""

from __future__ import annotations

import json
import sqlite3
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from crawler.core.clock import time_or_none
from crawler.core.stories import (
    MAX_CANDIDATE_FREQUENCY,
    MAX_GAP,
    MIN_SHARED_KEYS,
    StoryLink,
    StoryText,
    candidate_pair,
    crosses_step,
    finds_candidates,
    judge,
    story_keys,
)

#: Days either side of an article searched for its other-language versions. A pair's keys
#: are counted over its days and this many either side (``_judged``).
WINDOW_DAYS = MAX_GAP.days
#: Days of evidence keys a writer holds in memory at least, the most recently used. A new
#: article reads the days up to ``3 * WINDOW_DAYS`` either side of its own (``_recheck``).
HELD_DAYS = 4 * (2 * WINDOW_DAYS + 1)
#: More days are held while they hold no more articles than this (a few hundred MiB): a
#: first crawl of feeds reaching weeks back brings its articles in no order of days, and
#: with only ``HELD_DAYS`` held it read the same days from the store again and again.
HELD_ARTICLES = 200_000
#: Candidates judged per article, those sharing the most keys first. The one bound that can
#: make a link depend on arrival order: an article with more candidates than this is
#: judged against those it shares most with when it arrives.
MAX_CANDIDATES = 20
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


class _Day:
    """The evidence keys of one day's articles: key -> the ids of the articles that have it.

    ``linked`` is the same for the day's articles that have a link (and perhaps some whose
    links went since): only their links can change when a new article comes.
    """

    __slots__ = ("articles", "linked", "postings")

    def __init__(self) -> None:
        self.postings: dict[str, list[int]] = {}
        self.linked: dict[str, list[int]] = {}
        self.articles: list[int] = []

    def add(self, article_id: int, keys: Iterable[str]) -> None:
        self.articles.append(article_id)
        _post(self.postings, article_id, keys)


def _post(postings: dict[str, list[int]], article_id: int, keys: Iterable[str]) -> None:
    for key in keys:
        ids = postings.get(key)
        if ids is None:
            postings[key] = [article_id]
        else:
            ids.append(article_id)


def _evidence_json(link: StoryLink) -> str:
    """The link's evidence as ``story_links.evidence`` keeps it."""
    return json.dumps(
        [
            {"kind": e.kind, "key": e.key, "left": e.left, "right": e.right, "weight": e.weight}
            for e in link.evidence
        ],
        ensure_ascii=False,
    )


@dataclass(frozen=True)
class StoryUpdate:
    """What storing one article changed in the links."""

    #: The links the article made.
    links: tuple[StoryLink, ...]
    #: Links between other articles that no longer hold (article id pairs), deleted.
    unlinked: tuple[tuple[int, int], ...]


class StoryIndex:
    """Cross-language story links of one store (see the module docstring)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        # Days held in memory, the least recently used first, and the language of
        # each article they hold.
        self._days: OrderedDict[int, _Day] = OrderedDict()
        self._languages: dict[int, str] = {}
        self._article_days: dict[int, int] = {}
        # Articles of the days held that have a link, and perhaps some that no longer do:
        # a new article's keys can only change the links of these.
        self._linked: set[int] = set()
        # The first and last ``story_texts.seq`` the days held reflect.
        self._seen = (0, 0)
        # Whether the days held are up to date within this write transaction.
        self._current = False

    # -- keeping the days in memory up to date ------------------------------------------

    def begin_write(self) -> None:
        """A write transaction began: other processes may have written since the last one."""
        self._current = False

    def forget(self) -> None:
        """A write was rolled back: read every day again from the store when needed."""
        self._days.clear()
        self._languages.clear()
        self._article_days.clear()
        self._linked.clear()
        self._seen = (0, 0)
        self._current = False

    def _catch_up(self) -> None:
        """Hold what other writers stored since; read afresh after a rebuild elsewhere.

        ``seq`` only grows, so other writers' rows are those above the last one
        seen; a rebuild deletes every row, so the first one changes.
        """
        if self._current:
            return
        self._current = True
        first, last = self.conn.execute(
            "SELECT (SELECT coalesce(min(seq), 0) FROM story_texts), "
            "(SELECT coalesce(max(seq), 0) FROM story_texts)"
        ).fetchone()
        known_first, known_last = self._seen
        if known_last and (first != known_first or last < known_last):
            self._days.clear()
            self._languages.clear()
            self._article_days.clear()
            self._linked.clear()
        elif last > known_last and self._days:
            rows = self.conn.execute(
                "SELECT article_id, day, language, keys FROM story_texts WHERE seq > ?",
                [known_last],
            )
            for article_id, day, language, keys in rows:
                held = self._days.get(day)
                if held is not None:
                    self._hold(held, article_id, day, language, json.loads(keys))
            # Their writers linked them, and perhaps articles held here.
            self._mark_linked(self._links_of("seq > ?1", known_last))
        self._seen = (first, last)

    def _span(self, first: int, last: int) -> dict[int, _Day]:
        """The days from ``first`` to ``last``, read from the store where not held."""
        span = {}
        for number in range(first, last + 1):
            held = self._days.get(number)
            if held is None:
                held = self._days[number] = _Day()
                for article_id, language, keys in self.conn.execute(
                    "SELECT article_id, language, keys FROM story_texts WHERE day = ?", [number]
                ):
                    self._hold(held, article_id, number, language, json.loads(keys))
                if held.articles:
                    self._mark_linked(self._links_of("day = ?1", number))
            else:
                self._days.move_to_end(number)
            span[number] = held
        # The span was just moved to the end: only days outside it are let go.
        while len(self._days) > HELD_DAYS and len(self._article_days) > HELD_ARTICLES:
            _, gone = self._days.popitem(last=False)
            for article_id in gone.articles:
                self._languages.pop(article_id, None)
                self._article_days.pop(article_id, None)
                self._linked.discard(article_id)
        return span

    def _links_of(self, where: str, value: int) -> list[int]:
        """The articles at either end of the links of the ``story_texts`` rows ``where`` picks."""
        rows = self.conn.execute(
            "SELECT l.left_id, l.right_id FROM story_texts t JOIN story_links l "
            f"ON l.left_id = t.article_id WHERE t.{where} UNION ALL "
            "SELECT l.left_id, l.right_id FROM story_texts t JOIN story_links l "
            f"ON l.right_id = t.article_id WHERE t.{where}",
            [value],
        )
        return [article_id for pair in rows for article_id in pair]

    def _mark_linked(
        self, article_ids: Iterable[int], known: Mapping[int, Iterable[str]] | None = None
    ) -> None:
        """Hold the keys of these articles (those of the days held) among the linked.

        Keys in ``known`` (article id -> its keys) are taken from there, the others read.
        """
        days = self._article_days
        new = {i for i in article_ids if i in days and i not in self._linked}
        found = [(i, keys) for i, keys in (known or {}).items() if i in new]
        unread = sorted(new.difference(known or ()))
        if unread:
            found += [
                (article_id, json.loads(keys))
                for article_id, keys in self.conn.execute(
                    f"SELECT article_id, keys FROM story_texts WHERE article_id IN "
                    f"({','.join('?' * len(unread))})",
                    unread,
                )
            ]
        for article_id, keys in found:
            self._linked.add(article_id)
            _post(self._days[days[article_id]].linked, article_id, keys)

    def _hold(
        self, held: _Day, article_id: int, day: int, language: str | None, keys: Iterable[str]
    ) -> None:
        held.add(article_id, keys)
        self._languages[article_id] = language or ""
        self._article_days[article_id] = day

    # -- adding -----------------------------------------------------------------------

    def add(
        self,
        article_id: int,
        title: str,
        paragraphs: Sequence[str],
        row: Mapping[str, object],
        keys: Mapping[str, str] | None = None,
    ) -> StoryUpdate:
        """Store the article's evidence keys, link it to its other-language versions, and
        judge again the links its keys weakened.

        ``row`` holds the article's stored columns (language, outlet, wire_agency,
        alternates, time_utc); ``keys`` are ``story_keys(title, paragraphs)`` when the
        caller has them already.
        """
        if keys is None:
            keys = story_keys(title, paragraphs)
        text = self._story_text(article_id, keys, row)
        day = day_number(str(row.get("time_utc") or ""))
        self._catch_up()
        stored = self._store(article_id, day, text.language, keys)
        links = self._link(text, day)
        unlinked = self._recheck(text, day) if stored else []
        return StoryUpdate(tuple(links), tuple(unlinked))

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

    def _store(self, article_id: int, day: int, language: str, keys: Mapping[str, str]) -> bool:
        """Write the article's keys (once); whether they were written now."""
        cursor = self.conn.execute(
            "INSERT OR IGNORE INTO story_texts (article_id, day, language, keys) "
            "VALUES (?, ?, ?, ?)",
            [article_id, day, language, json.dumps(keys, ensure_ascii=False)],
        )
        if not cursor.rowcount:
            return False
        seq = int(cursor.lastrowid or 0)
        self._seen = (self._seen[0] or seq, seq)
        # A day not held yet will read this row with the others of its day.
        held = self._days.get(day)
        if held is not None:
            self._hold(held, article_id, day, language, keys)
        return True

    def _look_up(self, text: StoryText, day: int, span: Mapping[int, _Day]) -> list[int]:
        """The candidates: articles in other languages sharing the most rare keys with it.

        Keys are counted over the article's window of days, which every pair's own span
        holds, so this finds every article ``candidate_pair`` would accept (and perhaps
        more); a weekday finds none.
        """
        window = [span[d] for d in range(day - WINDOW_DAYS, day + WINDOW_DAYS + 1)]
        shared: dict[int, int] = {}
        languages = self._languages
        for key in text.keys:
            found = [ids for held in window if (ids := held.postings.get(key))]
            count = sum(map(len, found))
            if 1 < count <= MAX_CANDIDATE_FREQUENCY and finds_candidates(key):
                for ids in found:
                    for other in ids:
                        if languages[other] != text.language and other != text.article_id:
                            shared[other] = shared.get(other, 0) + 1
        ranked = sorted(
            (item for item in shared.items() if item[1] >= MIN_SHARED_KEYS),
            key=lambda item: (-item[1], item[0]),
        )
        return [article_id for article_id, _ in ranked[:MAX_CANDIDATES]]

    def _judged(self, a: StoryText, b: StoryText, span: Mapping[int, _Day]) -> StoryLink | None:
        """``judge`` on the counts of the pair's own days: the same whoever came first.

        Both articles' days are held in ``span``, with ``WINDOW_DAYS`` either side.
        """
        day_a, day_b = self._article_days[a.article_id], self._article_days[b.article_id]
        days = [
            span[d]
            for d in range(min(day_a, day_b) - WINDOW_DAYS, max(day_a, day_b) + WINDOW_DAYS + 1)
        ]
        shared = a.keys.keys() & b.keys.keys()
        frequency = {key: sum(len(held.postings.get(key, ())) for held in days) for key in shared}
        if not candidate_pair(shared, frequency):
            return None
        return judge(a, b, frequency)

    def _stored_texts(self, article_ids: Sequence[int]) -> list[StoryText]:
        """The story texts of stored articles, in the order asked (missing ones left out)."""
        if not article_ids:
            return []
        marks = ",".join("?" * len(article_ids))
        columns = ", ".join(f"a.{column}" for column in _COLUMNS)
        texts = {}
        for article_id, *values, keys in self.conn.execute(
            f"SELECT a.id, {columns}, t.keys FROM articles a "
            f"LEFT JOIN story_texts t ON t.article_id = a.id WHERE a.id IN ({marks})",
            list(article_ids),
        ):
            row = dict(zip(_COLUMNS, values, strict=True))
            texts[article_id] = self._story_text(article_id, json.loads(keys or "{}"), row)
        return [texts[article_id] for article_id in article_ids if article_id in texts]

    def _link(self, text: StoryText, day: int) -> list[StoryLink]:
        # An article without a language or a day is never one story with another.
        if not text.language or not day:
            return []
        span = self._span(day - 2 * WINDOW_DAYS, day + 2 * WINDOW_DAYS)
        links = []
        keys_of = {text.article_id: text.keys}
        for other in self._stored_texts(self._look_up(text, day, span)):
            link = self._judged(text, other, span)
            if link is not None:
                links.append(link)
                keys_of[other.article_id] = other.keys
        self._write_links(links, keys_of)
        return links

    def _write_links(
        self, links: Sequence[StoryLink], keys_of: Mapping[int, Mapping[str, str]]
    ) -> None:
        """Write ``links``; ``keys_of`` holds the keys of their articles (by article id)."""
        self._mark_linked((i for link in links for i in (link.left_id, link.right_id)), keys_of)
        self.conn.executemany(
            "INSERT OR REPLACE INTO story_links (left_id, right_id, score, gap_seconds, "
            "evidence, linked_at) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    link.left_id,
                    link.right_id,
                    link.score,
                    link.gap_seconds,
                    _evidence_json(link),
                    datetime.now(UTC).isoformat(timespec="seconds"),
                )
                for link in links
            ],
        )

    def _recheck(self, text: StoryText, day: int) -> list[tuple[int, int]]:
        """Judge again the stored links whose keys this article moved past a count step.

        A link was judged on the counts of its days when its later article came; an
        article stored since in those days adds to the counts of the keys it shares,
        and a key weighs differently only past a step (``COUNT_STEPS``). Counts only
        grow, so a link can only weaken: those that no longer hold are deleted and
        returned (article id pairs), the others are written again where their weights
        changed. Every link then is what judging it on today's counts would give, in
        whatever order the articles came.
        """
        if not day:
            return []
        reach = WINDOW_DAYS
        first, last = day - 3 * reach, day + 3 * reach
        span = self._span(first, last)
        # The (earliest, latest) days of the pairs whose counts cover this article's day.
        pair_days = [
            (low, low + gap)
            for low in range(day - 2 * reach, day + reach + 1)
            for gap in range(reach + 1)
            if low + gap >= day - reach
        ]
        around = [span[d] for d in range(day - 2 * reach, day + 2 * reach + 1)]
        # The linked articles that have a key, and the pair days it crossed a step for.
        crossed: list[tuple[set[int], set[tuple[int, int]]]] = []
        for key in text.keys:
            holders = {
                other
                for held in around
                if (ids := held.linked.get(key))
                for other in ids
                if other != text.article_id
            }
            if len(holders) < 2:
                continue
            counts = [0]
            for number in range(first, last + 1):
                counts.append(counts[-1] + len(span[number].postings.get(key, ())))
            days = {
                (low, high)
                for low, high in pair_days
                if crosses_step(counts[high + reach - first + 1] - counts[low - reach - first])
            }
            if days:
                crossed.append((holders, days))
        if not crossed:
            return []
        ids = sorted(set().union(*(holders for holders, _ in crossed)))
        marks = ",".join("?" * len(ids))
        suspects: dict[tuple[int, int], tuple[float, str]] = {}
        for left, right, score, evidence in self.conn.execute(
            f"SELECT left_id, right_id, score, evidence FROM story_links "
            f"WHERE left_id IN ({marks}) AND right_id IN ({marks})",
            ids + ids,
        ):
            day_left, day_right = self._article_days[left], self._article_days[right]
            pair = (min(day_left, day_right), max(day_left, day_right))
            for holders, days in crossed:
                if pair in days and left in holders and right in holders:
                    suspects[left, right] = (score, evidence)
                    break
        if not suspects:
            return []
        texts = {
            t.article_id: t
            for t in self._stored_texts(sorted({i for pair in suspects for i in pair}))
        }
        unlinked, changed = [], []
        for (left, right), stored in sorted(suspects.items()):
            link = None
            if left in texts and right in texts:
                link = self._judged(texts[left], texts[right], span)
            if link is None:
                unlinked.append((left, right))
            elif (link.score, _evidence_json(link)) != stored:
                changed.append(link)
        self.conn.executemany(
            "DELETE FROM story_links WHERE left_id = ? AND right_id = ?", unlinked
        )
        self._write_links(changed, {i: t.keys for i, t in texts.items()})
        return unlinked

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

    def clusters_of(self, pairs: Iterable[tuple[int, int]]) -> set[int]:
        """The clusters of the articles of ``pairs`` (to settle after links between them went)."""
        ids = sorted({article_id for pair in pairs for article_id in pair})
        if not ids:
            return set()
        rows = self.conn.execute(
            f"SELECT cluster_id FROM articles WHERE id IN ({','.join('?' * len(ids))}) "
            "AND cluster_id IS NOT NULL",
            ids,
        )
        return {r[0] for r in rows}

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
        for table in ("story_texts", "story_links"):
            self.conn.execute(f"DELETE FROM {table}")
        self.forget()

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
            self._store(article_id, day_number(row["time_utc"]), str(row["language"] or ""), keys)
            report("reading story evidence", done, total)
        # The keys are read back a chunk at a time: a million articles' texts would not fit
        # in memory together.
        done, last = 0, 0
        while days := dict(
            self.conn.execute(
                "SELECT article_id, day FROM story_texts WHERE article_id > ? "
                "ORDER BY article_id LIMIT ?",
                [last, REBUILD_CHUNK],
            ).fetchall()
        ):
            chunk = list(days)
            for text in self._stored_texts(chunk):
                self._link(text, days[text.article_id])
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
