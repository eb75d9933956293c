"""The persistent reprint index: signatures, LSH bands, boilerplate counts, cluster rows.

``ReprintIndex`` does the I/O around the pure deciders in ``crawler.core.dedup``.
It works inside the caller's transaction, so an article, its signature and
every cluster row it changes are committed together or not at all.

Adding an article:

1. Its edge blocks are counted per outlet; a block carried by
   ``boilerplate_min_articles`` articles of one outlet becomes boilerplate,
   and the earlier articles that carry it are signed again without it.
2. Its signature is stored; its band keys go to the in-memory ``BandIndex``
   (documents too short to ever be reprints stay out of it).
3. Candidates share a band key or the content hash. If the article copies a
   canonical published before it, it joins that cluster and nothing else
   changes. Otherwise the neighbourhood (the clusters of everything it copies,
   and of what they copy when they become canonical) is clustered again, so
   the clusters do not depend on the order articles arrive in.

The band index is built from the stored signatures the first time a writer
needs it. In each write transaction it first reads what other processes
stored since: newer articles' signatures, and the signatures listed in
``signature_log`` as replaced (a rebuild elsewhere makes it load afresh).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import compress
from operator import itemgetter
from typing import Any, TypeVar

import numpy as np

from crawler.core import dedup
from crawler.core.batches import chunks
from crawler.core.dedup import (
    BandIndex,
    DedupParams,
    IndexedDoc,
    Membership,
    PreparedText,
    Signature,
)
from crawler.core.wire import agency_of_outlet

#: Candidates beyond this many per article are ignored (the most band-sharing first).
MAX_CANDIDATES = 1000
#: Signatures read and indexed at a time when the band index is loaded. The
#: rows and numpy temporaries of a chunk this small fit in memory the allocator
#: reuses; those of chunks of thousands were mapped afresh for each chunk, and
#: faulting their pages in took a fifth of a large load's time.
LOAD_CHUNK = 500
#: Signatures a writer catching up indexes at a time (one sorted run each).
CATCH_UP_RUN = 50_000

_T = TypeVar("_T")
_FIRST, _SECOND, _THIRD = itemgetter(0), itemgetter(1), itemgetter(2)


@dataclass(frozen=True)
class _LogPosition:
    """How far a writer's band index has read the store."""

    #: The highest article id with a signature.
    top: int
    #: The first and last entries of ``signature_log`` (0 when empty).
    first: int
    last: int


@dataclass(frozen=True, slots=True)
class Plan:
    """What indexing decided for a new article before its row is written."""

    #: Its membership, or None when its neighbourhood must be clustered again.
    decision: Membership | None
    #: Earlier articles signed again because a block of theirs became boilerplate.
    resign: set[int]
    #: The new article's signature (stored by ``complete``, after its row).
    signature: Signature
    #: Its LSH band keys.
    keys: np.ndarray


@dataclass(frozen=True)
class IndexOutcome:
    """What indexing one article decided."""

    #: Membership of the article itself.
    membership: Membership
    #: Other articles whose membership changed (an early copy arriving late).
    moved: int


def _now() -> str:
    return datetime.now(UTC).isoformat()


_LineKey = tuple[str, int]
_LineState = tuple[int, tuple[int, ...]]
_MASK64 = (1 << 64) - 1


class _BatchLines:
    """Outlet block counts while a batch is written: kept here, stored once at its end.

    Each article's blocks would otherwise cost a statement of random-key
    writes. ``base`` holds the rows of every block of the batch as the batch
    began; the journal lists each count since, so that a rolled-back article's
    counts can be taken back. Blocks are numbered by one integer each, and the
    ids waiting for a block are one integer until there are two: a batch
    counts thousands of blocks, and tuples for each would keep Python's
    garbage collector busy.
    """

    def __init__(self, threshold: int, base: dict[_LineKey, _LineState]) -> None:
        self.threshold = threshold
        self._outlets: dict[str, int] = {}
        self._blocks: dict[int, _LineKey] = {}
        self._base_counts: dict[int, int] = {}
        self._base_pending: dict[int, int | tuple[int, ...]] = {}
        for (outlet, line_hash), (count, pending) in base.items():
            index = self._outlets.setdefault(outlet, len(self._outlets))
            key = ((line_hash & _MASK64) << 24) | index
            self._blocks[key] = (outlet, line_hash)
            self._base_counts[key] = count
            if pending:
                self._base_pending[key] = pending[0] if len(pending) == 1 else pending
        self.counts = dict(self._base_counts)
        self.pending = dict(self._base_pending)
        self._journal_keys: list[int] = []
        self._journal_ids: list[int] = []

    def __len__(self) -> int:
        return len(self._journal_keys)

    def key(self, outlet: str, line_hash: int) -> int | None:
        """The number of a block of the batch (None for a block the batch did not read)."""
        index = self._outlets.get(outlet)
        if index is None:
            return None
        key = ((line_hash & _MASK64) << 24) | index
        return key if key in self._base_counts else None

    def count(self, key: int, article_id: int) -> tuple[int, tuple[int, ...]]:
        """One more article carries the block: its count, and who to sign again now."""
        self._journal_keys.append(key)
        self._journal_ids.append(article_id)
        return self._apply(key, article_id)

    def _apply(self, key: int, article_id: int) -> tuple[int, tuple[int, ...]]:
        count = self.counts[key] + 1
        self.counts[key] = count
        waiting = self.pending.pop(key, None)
        if count >= self.threshold:
            if count == self.threshold and waiting is not None:
                return count, (waiting,) if isinstance(waiting, int) else waiting
            return count, ()
        if waiting is None:
            self.pending[key] = article_id
        elif isinstance(waiting, int):
            self.pending[key] = (waiting, article_id)
        else:
            self.pending[key] = (*waiting, article_id)
        return count, ()

    def rewind(self, length: int) -> None:
        """Forget the counts after the first ``length`` (their article was rolled back)."""
        if length >= len(self._journal_keys):
            return
        del self._journal_keys[length:]
        del self._journal_ids[length:]
        self.counts = dict(self._base_counts)
        self.pending = dict(self._base_pending)
        for key, article_id in zip(self._journal_keys, self._journal_ids, strict=True):
            self._apply(key, article_id)

    def changed_rows(self) -> list[tuple[str, int, int, str | None]]:
        """``outlet_lines`` rows to write, in key order."""
        rows = []
        base_counts = self._base_counts
        for key, count in self.counts.items():
            if base_counts[key] == count:
                continue
            waiting = self.pending.get(key)
            # The ids are plain integers: their JSON list needs no encoder.
            if waiting is None:
                ids = None
            elif isinstance(waiting, int):
                ids = f"[{waiting}]"
            else:
                ids = "[" + ", ".join(map(str, waiting)) + "]"
            outlet, line_hash = self._blocks[key]
            rows.append((outlet, line_hash, count, ids))
        rows.sort()
        return rows


class ReprintIndex:
    """Reads and writes the reprint index tables on one connection."""

    def __init__(self, conn: sqlite3.Connection, params: DedupParams) -> None:
        self.conn = conn
        self.params = params
        # The band keys of every signature, loaded on first use ...
        self._bands: BandIndex | None = None
        # ... as the store was at this position: the newest signed article and
        # the first and last entries of signature_log (see _catch_up).
        self._position = _LogPosition(0, 0, 0)
        # Caught up in this write transaction: nobody else can write until it ends.
        self._current = False
        # Articles by content hash, for the hashes of the batch being added
        # (read by begin_batch, extended as the batch is written).
        self._same_content: dict[str, list[int]] | None = None
        # Outlet block counts of the batch being added (see _BatchLines).
        self._lines: _BatchLines | None = None
        # The batch's band keys indexed ahead, under the ids its articles will
        # get, by the bytes of the keys (see begin_batch).
        self._indexed_ahead: dict[bytes, int] = {}
        # Clusters written since the caller last took them (their stories may change).
        self.touched_clusters: set[int] = set()

    # -- parameters ------------------------------------------------------------

    def stored_params(self) -> dict[str, str]:
        """The index parameters recorded in the store."""
        return dict(self.conn.execute("SELECT name, value FROM dedup_params").fetchall())

    def record_params(self) -> None:
        """Record this version's index parameters (on a new or rebuilt index)."""
        self.conn.execute("DELETE FROM dedup_params")
        self.conn.executemany(
            "INSERT INTO dedup_params (name, value) VALUES (?, ?)",
            sorted(self.params.index_record().items()),
        )

    # -- boilerplate -------------------------------------------------------------

    def _count_edge_blocks(
        self, outlet: str, article_id: int, text: PreparedText
    ) -> tuple[set[int], set[int]]:
        """Count this article's edge blocks.

        Returns the ids of earlier articles to sign again (a block of theirs just
        became boilerplate) and the boilerplate blocks of this article.
        """
        threshold = self.params.boilerplate_min_articles
        hashes = sorted(set(text.edge_hashes.values()))
        if not hashes:
            return set(), set()
        lines = self._lines
        keys = [lines.key(outlet, h) for h in hashes] if lines is not None else []
        if lines is not None and None not in keys:
            to_resign: set[int] = set()
            boilerplate: set[int] = set()
            for line_hash, key in zip(hashes, keys, strict=True):
                assert key is not None
                count, resign = lines.count(key, article_id)
                if count >= threshold:
                    boilerplate.add(line_hash)
                    to_resign.update(resign)
            return to_resign, boilerplate
        first_pending = json.dumps([article_id]) if threshold > 1 else None
        values: list[object] = []
        for line_hash in hashes:
            values += [outlet, line_hash, first_pending]
        # One statement counts every block: below the threshold a block keeps the
        # ids of the articles carrying it; at the threshold it keeps them until
        # they are read back here (to be signed again) and cleared below.
        rows = self.conn.execute(
            "INSERT INTO outlet_lines (outlet, line_hash, articles, pending_ids) VALUES "
            + ", ".join(["(?, ?, 1, ?)"] * len(hashes))
            + " ON CONFLICT (outlet, line_hash) DO UPDATE SET articles = articles + 1, "
            "pending_ids = CASE WHEN articles + 1 < ? "
            "THEN json_insert(coalesce(pending_ids, '[]'), '$[#]', ?) "
            "WHEN articles + 1 = ? THEN pending_ids END "
            "RETURNING line_hash, articles, pending_ids",
            [*values, threshold, article_id, threshold],
        ).fetchall()
        to_resign = set()
        boilerplate = set()
        crossed = []
        for line_hash, count, pending in rows:
            if count >= threshold:
                boilerplate.add(line_hash)
                if count == threshold and pending:
                    to_resign.update(json.loads(pending))
                    crossed.append((outlet, line_hash))
        if crossed:
            self.conn.executemany(
                "UPDATE outlet_lines SET pending_ids = NULL WHERE outlet = ? AND line_hash = ?",
                crossed,
            )
        return to_resign, boilerplate

    def _boilerplate(self, outlet: str, text: PreparedText) -> set[int]:
        hashes = sorted(set(text.edge_hashes.values()))
        if not outlet or not hashes:
            return set()
        threshold = self.params.boilerplate_min_articles
        found: set[int] = set()
        if self._lines is not None:
            # Counted in this batch and not stored yet: the batch's counts are the truth.
            lines = self._lines
            keys = {h: lines.key(outlet, h) for h in hashes}
            found = {h for h, k in keys.items() if k is not None and lines.counts[k] >= threshold}
            hashes = [h for h, k in keys.items() if k is None]
            if not hashes:
                return found
        marks = ",".join("?" * len(hashes))
        rows = self.conn.execute(
            f"SELECT line_hash FROM outlet_lines WHERE outlet = ? AND line_hash IN ({marks}) "
            "AND articles >= ?",
            [outlet, *hashes, threshold],
        )
        return found | {r[0] for r in rows}

    # -- signatures and bands ------------------------------------------------------

    def _sign(self, outlet: str, text: PreparedText) -> Signature:
        return text.signed(self._boilerplate(outlet, text), self.params)[0]

    def begin_batch(
        self,
        articles: Sequence[tuple[str, str, str]],
        texts: Sequence[PreparedText],
    ) -> list[PreparedText]:
        """Get ready to add a batch of articles, in this order, in this write transaction.

        ``articles`` holds each article's key, outlet and content hash. Signs
        ``texts`` in one pass against the boilerplate known now (see
        ``dedup.presign``), adds their band keys to the band index under the
        ids the new ones will get, looks them all up in one pass, and reads
        which stored articles share their content hashes and blocks.
        ``end_batch`` stores the block counts and forgets what was read.

        A band key indexed ahead of its article is harmless: until the
        article's signature is stored, verification drops it as a candidate.
        """
        outlets = [outlet for _, outlet, _ in articles]
        content_hashes = [content_hash for _, _, content_hash in articles]
        # The boilerplate among the batch's edge blocks: one query per outlet.
        wanted: dict[str, set[int]] = {}
        for outlet, text in zip(outlets, texts, strict=True):
            if outlet and text.edge_hashes:
                wanted.setdefault(outlet, set()).update(text.edge_hashes.values())
        threshold = self.params.boilerplate_min_articles
        base: dict[_LineKey, _LineState] = {}
        for outlet, hashes in wanted.items():
            for line_hash in hashes:
                base[(outlet, line_hash)] = (0, ())
            for chunk in chunks(sorted(hashes), 500):
                rows = self.conn.execute(
                    "SELECT line_hash, articles, pending_ids FROM outlet_lines WHERE outlet = ? "
                    f"AND line_hash IN ({','.join('?' * len(chunk))})",
                    [outlet, *chunk],
                )
                for line_hash, count, pending in rows:
                    ids = tuple(json.loads(pending)) if pending else ()
                    base[(outlet, line_hash)] = (count, ids)
        # Absent rows are counted from nothing; they are written only if counted.
        self._lines = _BatchLines(threshold, base)
        known = {key for key, (count, _) in base.items() if count >= threshold}
        boilerplates = [
            frozenset(h for h in text.edge_hashes.values() if (outlet, h) in known)
            for outlet, text in zip(outlets, texts, strict=True)
        ]
        signed = dedup.presign(texts, boilerplates, self.params)
        self._index_ahead([key for key, _, _ in articles], signed)
        same_content: dict[str, list[int]] = {h: [] for h in content_hashes}
        for hashes_chunk in chunks(sorted(same_content), 500):
            rows = self.conn.execute(
                "SELECT content_hash, id FROM articles "
                f"WHERE content_hash IN ({','.join('?' * len(hashes_chunk))})",
                hashes_chunk,
            )
            for content_hash, article_id in rows:
                same_content[content_hash].append(article_id)
        self._same_content = same_content
        return signed

    def _index_ahead(self, keys: Sequence[str], texts: Sequence[PreparedText]) -> None:
        """Look the batch's band keys up, and index them under the ids its articles will get.

        Articles get the next ids in order; one already stored (by key, or
        earlier in the batch) gets none. ``_store_signature`` skips keys
        indexed here when its article did get that id.
        """
        stored: set[str] = set()
        for key_chunk in chunks(sorted(set(keys)), 500):
            found = self.conn.execute(
                f"SELECT key FROM articles WHERE key IN ({','.join('?' * len(key_chunk))})",
                key_chunk,
            )
            stored.update(r[0] for r in found)
        next_id = self.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM articles").fetchone()[0]
        band_keys: list[np.ndarray] = []
        ahead: list[int | None] = []
        for key, text in zip(keys, texts, strict=True):
            article_id = None
            if key not in stored:
                stored.add(key)
                article_id, next_id = next_id, next_id + 1
            presigned = text.presigned
            # Too short to ever be a reprint: never in the band index.
            if (
                presigned is not None
                and presigned.signature.shingle_count >= self.params.min_shingles
            ):
                band_keys.append(presigned.keys)
                ahead.append(article_id)
        self.band_index().prefetch(band_keys, ahead)
        self._indexed_ahead = {
            k.tobytes(): i for k, i in zip(band_keys, ahead, strict=True) if i is not None
        }

    def end_batch(self, *, written: bool = True) -> None:
        """The batch is written: store its outlet block counts, and drop what was read.

        With ``written`` False (the batch failed and is being rolled back) nothing is stored.
        """
        lines, self._lines = self._lines, None
        self._same_content = None
        self._indexed_ahead = {}
        if self._bands is not None:
            self._bands.prefetch([])
        if written and lines is not None:
            self.conn.executemany(
                "INSERT INTO outlet_lines (outlet, line_hash, articles, pending_ids) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (outlet, line_hash) DO UPDATE SET "
                "articles = excluded.articles, pending_ids = excluded.pending_ids",
                lines.changed_rows(),
            )

    def _store_signature(
        self, article_id: int, signature: Signature, keys: np.ndarray | None = None
    ) -> None:
        """Store the signature of an article that has none yet, and index its band keys."""
        bands = self._bands
        if bands is not None:
            self._catch_up(bands)  # before our write, so nobody else's is skipped
        self.conn.execute(
            "INSERT INTO signatures (article_id, hashvalues, shingle_count, lede_hashvalues, "
            "edge_blocks) VALUES (?, ?, ?, ?, ?)",
            [
                article_id,
                signature.to_bytes(),
                signature.shingle_count,
                signature.lede_bytes(),
                signature.edges_bytes(),
            ],
        )
        # Not loaded yet: the first load reads this signature with the others.
        if bands is None:
            return
        position = self._position
        self._position = _LogPosition(max(position.top, article_id), position.first, position.last)
        if keys is not None and self._indexed_ahead.get(keys.tobytes()) == article_id:
            return  # indexed with its batch (see begin_batch)
        self._index_keys(bands, article_id, signature, keys)

    def _index_keys(
        self, bands: BandIndex, article_id: int, signature: Signature, keys: np.ndarray | None
    ) -> None:
        # Too short to ever be a reprint: keep it out of the candidate search.
        if signature.shingle_count >= self.params.min_shingles:
            if keys is None:
                keys = dedup.band_keys(signature, self.params)
            bands.add(article_id, keys)

    # -- the band index in memory ---------------------------------------------------

    def band_index(self) -> BandIndex:
        """The band keys of every stored signature, up to date with the store."""
        with self._one_state():
            if self._bands is None:
                self._load_bands()
            else:
                self._catch_up(self._bands)
        assert self._bands is not None
        return self._bands

    @contextlib.contextmanager
    def _one_state(self) -> Iterator[None]:
        """The reads inside see one state of the file, as a write transaction's do.

        A load reads where the signatures end, then scans them: outside a
        transaction a row stored in between would be scanned and then, being
        above that end, indexed again by the next catch-up.
        """
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN")
        try:
            yield
        finally:
            if self.conn.in_transaction:
                self.conn.execute("COMMIT")

    def begin_write(self) -> None:
        """A write transaction began: other processes may have written since the last one."""
        self._current = False

    def _read_position(self) -> _LogPosition:
        # Subqueries: SQLite answers each max() and min() from the end of an
        # index, but not several aggregates in one SELECT.
        top, first, last = self.conn.execute(
            "SELECT (SELECT coalesce(max(article_id), 0) FROM signatures), "
            "(SELECT coalesce(min(seq), 0) FROM signature_log), "
            "(SELECT coalesce(max(seq), 0) FROM signature_log)"
        ).fetchone()
        return _LogPosition(top, first, last)

    def _catch_up(self, bands: BandIndex) -> None:
        """Index what other processes stored since; load afresh after a rebuild elsewhere.

        New articles have higher ids than every signed one, so their
        signatures are those above the newest we know. A signature replaced
        later (its boilerplate changed) is logged in ``signature_log``. A
        rebuild empties the log and starts it again with a mark, so its first
        entry changes.
        """
        if self._current:
            return
        self._current = True
        now = self._read_position()
        known = self._position
        if now == known:
            return
        if now.first != known.first or now.top < known.top or now.last < known.last:
            self._load_bands()
            return
        replaced = self.conn.execute(
            f"SELECT {self._key_columns('s.')} "
            "FROM signature_log l JOIN signatures s ON s.article_id = l.article_id "
            "WHERE l.seq > ? AND s.shingle_count >= ?",
            [known.last, self.params.min_shingles],
        )
        added = self.conn.execute(
            f"SELECT {self._key_columns()} FROM signatures "
            "WHERE article_id > ? AND shingle_count >= ?",
            [known.top, self.params.min_shingles],
        )
        for cursor in (replaced, added):
            while rows := cursor.fetchmany(CATCH_UP_RUN):
                bands.add_packed(self._packed_keys(rows), owned=True)
        self._position = now

    def _load_bands(self) -> None:
        """Build the band index from every stored signature (numpy, in chunks).

        The entries are written into one array with room for every signature
        (``_load_room``), sorted in place and kept as the index's run: at its
        peak the load holds the index, one chunk of rows and its temporaries,
        and SQLite's page cache.
        """
        position = self._read_position()
        per_signature = self.params.bands + self.params.lede_bands
        packed = self._load_room(position.top)
        filled = 0
        with self._reading_through():
            cursor = self.conn.execute(
                f"SELECT {self._key_columns()} FROM signatures WHERE shingle_count >= ?",
                [self.params.min_shingles],
            )
            while rows := cursor.fetchmany(LOAD_CHUNK):
                if filled + len(rows) * per_signature > len(packed):
                    # More rows than the id range allows for (not in one state of the file).
                    grown = BandIndex.entry_buffer(2 * (filled + len(rows) * per_signature))
                    grown[:filled] = packed[:filled]
                    packed = grown
                filled += self._pack_rows(rows, packed[filled:])
        bands = BandIndex()
        bands.add_packed(packed[:filled], owned=True)
        self._bands, self._position = bands, position
        self._current = True

    def _load_room(self, top: int) -> np.ndarray:
        """An entry buffer with room for the band keys of every stored signature.

        Article ids are unique, so there are at most as many signatures as
        ids from the lowest to the highest (``top``): two lookups at the ends
        of the table, where a count reads all of it. Room that is never
        written costs no memory (short signatures, missing ledes, ids left
        unused); where the ids are so far apart that their range cannot even
        be reserved, the signatures are counted.
        """
        per_signature = self.params.bands + self.params.lede_bands
        (bottom,) = self.conn.execute("SELECT min(article_id) FROM signatures").fetchone()
        if bottom is None:
            return BandIndex.entry_buffer(0)
        try:
            return BandIndex.entry_buffer((top - bottom + 1) * per_signature)
        except (OSError, MemoryError, OverflowError):
            (stored,) = self.conn.execute("SELECT count(*) FROM signatures").fetchone()
            return BandIndex.entry_buffer(stored * per_signature)

    @contextlib.contextmanager
    def _reading_through(self) -> Iterator[None]:
        """Scan the whole file without keeping it in memory: no memory map while it lasts.

        Pages read through SQLite's memory map stay resident in this process
        (up to ``mmap_size`` of them); read with ``read()`` they pass through
        the page cache, which stays within its ``cache_size``.
        """
        row = self.conn.execute("PRAGMA mmap_size").fetchone()
        if not row or not row[0]:
            yield  # no memory map (or an SQLite built without one)
            return
        self.conn.execute("PRAGMA mmap_size = 0")
        try:
            yield
        finally:
            self.conn.execute(f"PRAGMA mmap_size = {int(row[0])}")

    def _key_columns(self, table: str = "") -> str:
        """The columns of ``signatures`` that band keys are made of, as ``_pack_rows`` takes them.

        The lede is cut to the values its bands take, and read as empty
        when there is none.
        """
        lede_bytes = 4 * self.params.lede_bands * self.params.lede_rows
        return (
            f"{table}article_id, {table}hashvalues, "
            f"coalesce(substr({table}lede_hashvalues, 1, {lede_bytes}), x'')"
        )

    def _pack_rows(self, rows: Sequence[tuple[int, bytes, bytes]], out: np.ndarray) -> int:
        """Write the band index entries of stored signatures into ``out``; return how many.

        ``rows`` are read with ``_key_columns``. Only a complete lede has lede
        bands (``dedup.band_keys``).
        """
        lede_bytes = 4 * self.params.lede_bands * self.params.lede_rows
        # Column by column in C (map, join, compress): a Python step per row costs more.
        ids = np.fromiter(map(_FIRST, rows), dtype=np.int64, count=len(rows))
        values = np.frombuffer(b"".join(map(_SECOND, rows)), dtype="<u4")
        values = values.reshape(len(rows), self.params.num_perm)
        ledes = list(map(_THIRD, rows))
        lengths = np.fromiter(map(len, ledes), dtype=np.int64, count=len(ledes))
        with_lede = lengths == lede_bytes
        complete = np.frombuffer(b"".join(compress(ledes, with_lede.tolist())), dtype="<u4")
        complete = complete.reshape(-1, lede_bytes // 4)
        return dedup.pack_band_entries(out, ids, values, complete, with_lede, self.params)

    def _packed_keys(self, rows: list[tuple[int, bytes, bytes]]) -> np.ndarray:
        """Band index entries of stored signatures, read with ``_key_columns``."""
        per_signature = self.params.bands + self.params.lede_bands
        packed = np.empty(len(rows) * per_signature, dtype=np.uint64)
        filled = 0
        for chunk in chunks(rows, LOAD_CHUNK):
            filled += self._pack_rows(chunk, packed[filled:])
        return packed[:filled]

    def checkpoint(self) -> tuple[BandIndex | None, _LogPosition, int]:
        """What ``rewind`` needs to forget the writes of a transaction that fails."""
        counted = len(self._lines) if self._lines is not None else 0
        return self._bands, self._position, counted

    def rewind(self, checkpoint: tuple[BandIndex | None, _LogPosition, int]) -> None:
        """The transaction since ``checkpoint`` was rolled back.

        Its keys stay in memory (a key without its signature only yields a
        candidate that verification drops); the position goes back, so that
        articles and log entries written later with the same numbers are read.
        """
        bands, position, counted = checkpoint
        if self._lines is not None:
            self._lines.rewind(counted)
        if bands is None or bands is not self._bands:
            self._bands = None  # loaded or cleared inside the failed transaction: load again
        else:
            self._position = position

    def _replace_signature(self, article_id: int, signature: Signature) -> None:
        """Replace an article's signature (its boilerplate changed)."""
        row = self.conn.execute(
            "SELECT hashvalues, shingle_count, lede_hashvalues FROM signatures "
            "WHERE article_id = ?",
            [article_id],
        ).fetchone()
        if row is None:
            self._store_signature(article_id, signature)
            return
        self.conn.execute(
            "UPDATE signatures SET hashvalues = ?, shingle_count = ?, lede_hashvalues = ?, "
            "edge_blocks = ? WHERE article_id = ?",
            [
                signature.to_bytes(),
                signature.shingle_count,
                signature.lede_bytes(),
                signature.edges_bytes(),
                article_id,
            ],
        )
        bands = self._bands
        if bands is not None:
            self._catch_up(bands)  # before our entry, so nobody else's is skipped
        seq = self.conn.execute(
            "INSERT INTO signature_log (article_id) VALUES (?)", [article_id]
        ).lastrowid
        if bands is None or seq is None:
            return
        position = self._position
        self._position = _LogPosition(position.top, position.first or seq, seq)
        # The old keys stay in the band index (verification reads the new
        # signature); only the keys that changed are added.
        old = dedup.band_keys(Signature.from_bytes(row[0], row[1], row[2] or b""), self.params)
        if row[1] < self.params.min_shingles:
            old = old[:0]
        new = dedup.band_keys(signature, self.params)
        self._index_keys(bands, article_id, signature, new[~np.isin(new, old)])

    def _with_edges(self, article_id: int, signature: Signature) -> Signature:
        """``signature`` with the edge blocks of a body signed before they were stored.

        Read from the body each time it is loaded (the rows are not written
        back: loading happens in readers too); ``dedup rebuild`` stores them.
        """
        outlet, text = self._prepared_body(article_id)
        boilerplate = self._boilerplate(outlet, text)
        edges = dedup.edge_blocks(text, boilerplate, signature.hashvalues, self.params)
        return dataclasses.replace(signature, edges=edges)

    def _prepared_body(self, article_id: int) -> tuple[str, PreparedText]:
        outlet, body = self.conn.execute(
            "SELECT coalesce(outlet, ''), body FROM articles WHERE id = ?", [article_id]
        ).fetchone()
        blocks = [b["text"] for b in json.loads(body)]
        return outlet, dedup.prepare(blocks, self.params)

    # -- documents and candidates ---------------------------------------------------

    def load_docs(self, ids: Iterable[int]) -> dict[int, IndexedDoc]:
        """The indexed documents of ``ids`` (articles without a signature are left out)."""
        return {i: doc for i, (doc, _, _) in self._load(ids).items()}

    def _load(self, ids: Iterable[int]) -> dict[int, tuple[IndexedDoc, int | None, bool]]:
        """Indexed documents with their current cluster id and whether each is canonical."""
        wanted = sorted(set(ids))
        docs: dict[int, tuple[IndexedDoc, int | None, bool]] = {}
        for chunk in chunks(wanted, 500):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                "SELECT a.id, s.hashvalues, s.shingle_count, a.content_hash, a.time_utc, "
                "a.published_precision, coalesce(a.outlet, ''), a.fetched_at, a.key, "
                "s.lede_hashvalues, a.cluster_id, a.is_canonical, s.edge_blocks, "
                "coalesce(a.body_folded, '') "
                f"FROM articles a JOIN signatures s ON s.article_id = a.id WHERE a.id IN ({marks})",
                chunk,
            )
            for row in rows:
                (article_id, blob, count, content_hash, published, precision, outlet) = row[:7]
                fetched, key, lede, cluster_id, canonical, edges, folded = row[7:]
                order = dedup.order_key(
                    published, precision, agency_of_outlet(outlet) is not None, fetched, key
                )
                signature = Signature.from_bytes(blob, count, lede or b"", edges or b"")
                if edges is None:
                    signature = self._with_edges(article_id, signature)
                doc = IndexedDoc.build(
                    article_id, signature, content_hash, order, self.params, folded
                )
                docs[article_id] = (doc, cluster_id, bool(canonical))
        return docs

    def candidate_ids(self, doc: IndexedDoc, keys: np.ndarray | None = None) -> set[int]:
        """Articles sharing a band key or the content hash with ``doc`` (``doc`` excluded).

        Band candidates whose signatures cannot pass the Jaccard or
        containment rule are left out here, before their articles are read:
        on a large store with much shared phrasing an article may have
        hundreds of band candidates and only a few copies.
        """
        found: set[int] = set()
        if doc.signature.shingle_count >= self.params.min_shingles:
            if keys is None:
                keys = np.fromiter(doc.bands, dtype=np.int64, count=len(doc.bands))
            hits = self.band_index().query(keys)
            if len(hits) > MAX_CANDIDATES:
                # A flood of candidates: keep those sharing the most bands.
                hits = [i for i, _ in Counter(hits).most_common(MAX_CANDIDATES)]
            found.update(self._plausible(doc, set(hits) - {doc.article_id}))
        same = self._same_content
        if same is not None and doc.content_hash in same:
            # Read for the batch (a rolled-back id left here is only a candidate
            # more, and verification reads its real content hash).
            found.update(same[doc.content_hash])
        else:
            rows = self.conn.execute(
                "SELECT id FROM articles WHERE content_hash = ?", [doc.content_hash]
            )
            found.update(r[0] for r in rows)
        found.discard(doc.article_id)
        return found

    def _plausible(self, doc: IndexedDoc, ids: set[int]) -> set[int]:
        """The ``ids`` whose stored signatures may make them reprints of ``doc``."""
        wanted = sorted(ids)
        kept: set[int] = set()
        for chunk in chunks(wanted, 500):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                "SELECT article_id, hashvalues, shingle_count FROM signatures "
                f"WHERE article_id IN ({marks})",
                chunk,
            ).fetchall()
            if not rows:
                continue
            found = np.array([r[0] for r in rows], dtype=np.int64)
            values = np.frombuffer(b"".join(r[1] for r in rows), dtype="<u4")
            counts = np.array([r[2] for r in rows], dtype=np.int64)
            passing = dedup.could_be_reprints(
                doc.signature, values.reshape(len(rows), -1), counts, self.params
            )
            kept.update(found[passing].tolist())
        return kept

    def _memberships(self, ids: Iterable[int]) -> dict[int, tuple[int | None, bool]]:
        wanted = sorted(set(ids))
        out: dict[int, tuple[int | None, bool]] = {}
        for chunk in chunks(wanted, 500):
            marks = ",".join("?" * len(chunk))
            for article_id, cluster_id, canonical in self.conn.execute(
                f"SELECT id, cluster_id, is_canonical FROM articles WHERE id IN ({marks})", chunk
            ):
                out[article_id] = (cluster_id, bool(canonical))
        return out

    def _cluster_members(self, cluster_ids: Iterable[int | None]) -> set[int]:
        wanted = sorted({c for c in cluster_ids if c is not None})
        members: set[int] = set()
        for chunk in chunks(wanted, 500):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT id FROM articles WHERE cluster_id IN ({marks})", chunk
            )
            members.update(r[0] for r in rows)
        return members

    def _verified_neighbours(self, doc: IndexedDoc) -> list[IndexedDoc]:
        others = self.load_docs(self.candidate_ids(doc))
        return [o for o in others.values() if dedup.are_reprints(doc, o, self.params)]

    # -- adding and reclustering ---------------------------------------------------------

    def plan(
        self,
        article_id: int,
        outlet: str,
        text: PreparedText,
        content_hash: str,
        order: tuple[str, int, str, str],
    ) -> Plan:
        """Sign and index a new article before its row is written, and decide its cluster.

        Runs in the caller's transaction. ``article_id`` is the id its row will
        get. The decision is None when the neighbourhood must be clustered
        again (an early copy arriving late, or boilerplate that just appeared);
        ``complete`` does that once the row exists. Nothing that refers to the
        new row is written here: a reference to a row not yet written would
        make SQLite scan the referring tables when the row arrives.
        """
        resign: set[int] = set()
        boilerplate: set[int] = set()
        if outlet:
            resign, boilerplate = self._count_edge_blocks(outlet, article_id, text)
        signature, keys = text.signed(boilerplate, self.params)
        resign.discard(article_id)
        for other in sorted(resign):
            other_outlet, other_text = self._prepared_body(other)
            self._replace_signature(other, self._sign(other_outlet, other_text))
        if resign:
            return Plan(None, resign, signature, keys)
        doc = IndexedDoc(
            article_id, signature, content_hash, order, frozenset(keys.tolist()), text.folded_text
        )
        neighbours = self._load(self.candidate_ids(doc, keys))
        decision = dedup.join_or_lead(
            doc, ((n, canonical) for n, _, canonical in neighbours.values()), self.params
        )
        return Plan(decision, resign, signature, keys)

    def membership_columns(self, decision: Membership | None) -> dict[str, object]:
        """The cluster columns of an article row, as the plan decided them."""
        if decision is None:
            return dict.fromkeys(
                ("cluster_id", "is_canonical", "matched_to", "jaccard", "containment", "dedup_rule")
            )
        return {
            "cluster_id": decision.cluster_id,
            "is_canonical": int(decision.is_canonical),
            "matched_to": decision.matched_to,
            "jaccard": decision.jaccard,
            "containment": decision.containment,
            "dedup_rule": self.params.label,
        }

    def complete(self, article_id: int, plan: Plan, row: Mapping[str, Any]) -> IndexOutcome:
        """Write the signature, bands and cluster rows once the article's row exists.

        ``row`` holds the article's columns as just written (a new cluster of
        one is made from them rather than read back).
        """
        self._store_signature(article_id, plan.signature, plan.keys)
        if self._same_content is not None:
            self._same_content.setdefault(row["content_hash"], []).append(article_id)
        decision = plan.decision
        if decision is not None and decision.is_canonical:
            self._insert_singleton_cluster(article_id, row)
            return IndexOutcome(decision, 0)
        if decision is not None:
            self.refresh_clusters([decision.cluster_id])
            return IndexOutcome(decision, 0)
        result, moved = self.recluster({article_id} | plan.resign)
        return IndexOutcome(result[article_id], moved)

    def _insert_singleton_cluster(self, article_id: int, row: Mapping[str, Any]) -> None:
        """A new article that copies nothing is a cluster (and a story) of its own."""
        self.touched_clusters.add(article_id)
        self.conn.execute(
            "INSERT INTO clusters (id, canonical_article_id, size, first_published_at, "
            "first_published_at_utc, first_time_utc, last_published_at_utc, first_seen_at, "
            "wire_agency, language, outlets, updated_at, story_id) "
            "VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
            [
                article_id,
                article_id,
                row["published_at"],
                row["published_at_utc"],
                row["time_utc"],
                row["published_at_utc"],
                row["stored_at"],
                row["wire_agency"],
                row["language"],
                _now(),
                article_id,
            ],
        )

    def recluster(self, seeds: set[int]) -> tuple[dict[int, Membership], int]:
        """Cluster the neighbourhood of ``seeds`` again; returns memberships and how many moved."""
        expanded: set[int] = set()
        todo = set(seeds)
        docs: dict[int, IndexedDoc] = {}
        while True:
            while todo:
                current = todo.pop()
                if current in expanded:
                    continue
                expanded.add(current)
                if current not in docs:
                    docs.update(self.load_docs([current]))
                if current not in docs:
                    continue
                neighbours = self._verified_neighbours(docs[current])
                wanted = {n.article_id for n in neighbours} | {current}
                states = self._memberships(wanted)
                wanted |= self._cluster_members(c for c, _ in states.values())
                docs.update(self.load_docs(wanted - docs.keys()))
            result = dedup.cluster(docs.values(), self.params)
            before = self._memberships(docs)
            new_leaders = {
                i for i, m in result.items() if m.is_canonical and not before[i][1]
            } - expanded
            if not new_leaders:
                break
            todo = new_leaders
        moved = sum(1 for i, m in result.items() if i not in seeds and before[i][0] != m.cluster_id)
        self._write(result, before)
        return result, moved

    def _write(
        self, result: dict[int, Membership], before: dict[int, tuple[int | None, bool]]
    ) -> None:
        rule = self.params.label
        changed_clusters: set[int] = set()
        for article_id, m in result.items():
            old_cluster, _ = before.get(article_id, (None, False))
            self.conn.execute(
                "UPDATE articles SET cluster_id = ?, is_canonical = ?, matched_to = ?, "
                "jaccard = ?, containment = ?, dedup_rule = ? WHERE id = ?",
                [
                    m.cluster_id,
                    int(m.is_canonical),
                    m.matched_to,
                    m.jaccard,
                    m.containment,
                    rule,
                    article_id,
                ],
            )
            changed_clusters.add(m.cluster_id)
            if old_cluster is not None:
                changed_clusters.add(old_cluster)
        self.refresh_clusters(changed_clusters)

    def refresh_clusters(self, cluster_ids: Iterable[int]) -> None:
        """Recompute the ``clusters`` rows of ``cluster_ids`` from their members."""
        now = _now()
        cluster_ids = set(cluster_ids)
        self.touched_clusters.update(cluster_ids)
        for cluster_id in sorted(cluster_ids):
            row = self.conn.execute(
                "SELECT count(*), count(DISTINCT outlet), min(stored_at), "
                "max(published_at_utc) FROM articles WHERE cluster_id = ?",
                [cluster_id],
            ).fetchone()
            size, outlets, first_seen, last_published = row
            if not size:
                self.conn.execute("DELETE FROM clusters WHERE id = ?", [cluster_id])
                continue
            canonical = self.conn.execute(
                "SELECT published_at, published_at_utc, wire_agency, language, time_utc "
                "FROM articles WHERE id = ?",
                [cluster_id],
            ).fetchone()
            wire = canonical[2] or self._common_wire(cluster_id)
            self.conn.execute(
                "INSERT INTO clusters (id, canonical_article_id, size, first_published_at, "
                "first_published_at_utc, first_time_utc, last_published_at_utc, first_seen_at, "
                "wire_agency, language, outlets, updated_at, story_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET "
                "canonical_article_id = excluded.canonical_article_id, "
                "size = excluded.size, first_published_at = excluded.first_published_at, "
                "first_published_at_utc = excluded.first_published_at_utc, "
                "first_time_utc = excluded.first_time_utc, "
                "last_published_at_utc = excluded.last_published_at_utc, "
                "first_seen_at = excluded.first_seen_at, wire_agency = excluded.wire_agency, "
                "language = excluded.language, outlets = excluded.outlets, "
                "updated_at = excluded.updated_at",
                [
                    cluster_id,
                    cluster_id,
                    size,
                    canonical[0],
                    canonical[1],
                    canonical[4],
                    last_published,
                    first_seen,
                    wire,
                    canonical[3],
                    max(outlets, 1),
                    now,
                    cluster_id,
                ],
            )

    def _common_wire(self, cluster_id: int) -> str | None:
        row = self.conn.execute(
            "SELECT wire_agency FROM articles WHERE cluster_id = ? AND wire_agency IS NOT NULL "
            "GROUP BY wire_agency ORDER BY count(*) DESC, wire_agency LIMIT 1",
            [cluster_id],
        ).fetchone()
        return row[0] if row else None

    # -- rebuilding -------------------------------------------------------------------

    def clear(self) -> None:
        """Forget the whole index and every cluster (before a rebuild)."""
        for table in ("signatures", "signature_log", "outlet_lines", "clusters"):
            self.conn.execute(f"DELETE FROM {table}")
        # The mark tells other writers their band keys are stale (see _catch_up).
        self.conn.execute("INSERT INTO signature_log (article_id) VALUES (0)")
        self._bands = None  # loaded again from the new signatures when next needed
        self.conn.execute(
            "UPDATE articles SET cluster_id = NULL, is_canonical = NULL, matched_to = NULL, "
            "jaccard = NULL, containment = NULL, dedup_rule = NULL"
        )

    def rebuild(self, progress: Callable[[str, int, int], None] | None = None) -> None:
        """Recompute every signature, band and cluster from the stored article texts.

        Boilerplate is counted over the whole store first, so every article is
        signed once, against the final boilerplate. ``progress`` is called with
        (phase, done, total).
        """
        report = progress or (lambda phase, done, total: None)
        self.clear()
        total = self.conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        threshold = self.params.boilerplate_min_articles
        counts: dict[tuple[str, int], list[int]] = {}
        for done, (article_id, outlet, text) in enumerate(self._stored_texts(), 1):
            if outlet:
                for line_hash in set(text.edge_hashes.values()):
                    counts.setdefault((outlet, line_hash), []).append(article_id)
            report("counting boilerplate", done, total)
        self.conn.executemany(
            "INSERT INTO outlet_lines (outlet, line_hash, articles, pending_ids) VALUES (?,?,?,?)",
            [
                (outlet, h, len(ids), json.dumps(ids) if len(ids) < threshold else None)
                for (outlet, h), ids in counts.items()
            ],
        )
        for done, (article_id, outlet, text) in enumerate(self._stored_texts(), 1):
            self._store_signature(article_id, self._sign(outlet, text))
            report("signing", done, total)
        clustered: set[int] = set()
        for done, article_id in enumerate(self._signed_ids(), 1):
            if article_id not in clustered:
                result, _ = self.recluster({article_id})
                clustered.update(result)
            report("clustering", done, total)
        self.record_params()

    def _stored_texts(self) -> Iterator[tuple[int, str, PreparedText]]:
        cursor = self.conn.cursor()
        cursor.execute("SELECT id, coalesce(outlet, ''), body FROM articles ORDER BY id")
        for article_id, outlet, body in cursor:
            blocks = [b["text"] for b in json.loads(body)]
            yield article_id, outlet, dedup.prepare(blocks, self.params)

    def _signed_ids(self) -> list[int]:
        return [r[0] for r in self.conn.execute("SELECT article_id FROM signatures ORDER BY 1")]
