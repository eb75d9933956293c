"""Reprint detection: MinHash signatures, LSH band keys, verification, clustering.

The only module that imports datasketch. Everything here is pure: the store
passes documents in and writes the decisions out.

How two articles are found to be copies of one story
----------------------------------------------------
1. The body (title left out: reprints retitle) is cut into blocks; blocks
   that are outlet boilerplate (recurring in several articles of the same
   outlet at the start or end of the body) are dropped; the rest is folded
   by ``crawler.core.text`` and cut into word ``n``-grams (shingles).
2. Each word is hashed once with xxhash (and cached); n-gram hashes are
   combined from word hashes with numpy, never one Python call per shingle.
3. MinHash signatures use datasketch's ``affine32`` scheme: the same
   permutations and the same values as ``MinHash.update_batch`` (a test
   checks the two agree), one numpy expression per document.
4. Candidates share at least one LSH band (``bands`` x ``rows``; with 42 x 3
   a pair at Jaccard 0.4 is a candidate with probability 0.94). A second,
   small set of bands over the first ``lede_words`` words finds excerpts: a
   reprint of a quarter of an article has Jaccard 0.25 with it, which the
   body bands miss half the time, but the same opening paragraph.
5. A candidate is a reprint when the estimated Jaccard is high enough, or
   when the smaller document is mostly contained in the larger (an excerpt
   of half an article has Jaccard 0.5 and containment 1.0) and the Jaccard
   is not negligible. Documents with fewer than ``min_shingles`` shingles
   are never called reprints, except exact copies (same content hash).
6. A block shared only at the edge of two bodies (a footer or an "about
   the agency" paragraph not yet known as boilerplate) never makes them
   reprints on its own: what remains without the shared edge blocks must
   be alike too (``beyond_shared_edges``). Each signed edge block records
   which signature positions take their minimum from its own shingles
   (``edge_dtype``), so no text is read to set them aside.
7. Two texts alike in their words but not in their figures are different
   reports of one kind (the day's exchange rates, tomorrow's weather): a
   templated report repeats its wording every day with new numbers. When
   both print at least ``min_figures`` figures (``figures_of``), the smaller
   set must be found in the other at least ``figure_agreement`` of the way.
   Copies keep their figures, and an excerpt's are a subset of the
   original's; this is checked last, on pairs that pass everything else.

Clusters
--------
Articles are taken in publication order (earliest first; at equal times
the agency's own copy, then the first fetched, then the URL). Each article
joins the cluster of the earliest canonical it is a reprint of, or starts
a cluster of its own as its canonical. So every member resembles its
canonical (chains cannot drift), and the result is a function of the set of
articles, not of the order they arrive in: ``cluster`` recomputes a
neighbourhood when an early article arrives late.
"""

from __future__ import annotations

import dataclasses
import mmap
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import xxhash
from datasketch import LeanMinHash, MinHash, MinHashLSH

from crawler.core.errors import IndexMismatchError
from crawler.core.text import NORMALISER_VERSION, fold_documents, word_hashes

#: Seed of the word hash; part of the index parameters.
_TOKEN_SEED = 0x5EED
#: Odd 64-bit multipliers that combine word hashes into an n-gram hash.
_NGRAM_MULTIPLIERS = np.array(
    [
        0x9E3779B97F4A7C15,
        0xC2B2AE3D27D4EB4F,
        0x165667B19E3779F9,
        0xD6E8FEB86659FD93,
        0xFF51AFD7ED558CCD,
        0xC4CEB9FE1A85EC53,
        0x94D049BB133111EB,
        0xBF58476D1CE4E5B9,
    ],
    dtype=np.uint64,
)
_MAX_SHINGLE_SIZE = len(_NGRAM_MULTIPLIERS)
#: Added to each band's combination of values, so that equal values in two
#: bands make different keys.
_BAND_SALTS = np.arange(1, 257, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class DedupParams:
    """Parameters of reprint detection.

    The index fields decide what a stored signature means; a store built with
    other index fields must be rebuilt. The thresholds only decide clusters.
    """

    #: Words per shingle.
    shingle_size: int = 4
    #: MinHash permutations (signature length).
    num_perm: int = 128
    #: LSH bands; ``bands * rows <= num_perm``.
    bands: int = 42
    #: Signature values per band.
    rows: int = 3
    #: Words at the start of the body signed separately, so that an excerpt
    #: (a reprint of only the first paragraphs) is found even at low Jaccard.
    lede_words: int = 30
    #: LSH bands over the lede signature ...
    lede_bands: int = 10
    #: ... of this many values each.
    lede_rows: int = 4
    #: datasketch permutation seed.
    seed: int = 1
    #: datasketch permutation scheme.
    scheme: str = "affine32"
    #: Version of the text fold the shingles were made from.
    normaliser_version: int = NORMALISER_VERSION
    #: A pair is a reprint at or above this estimated Jaccard ...
    jaccard_threshold: float = 0.35
    #: ... or when the smaller document is contained in the larger at least this much ...
    containment_threshold: float = 0.6
    #: ... and their Jaccard is at least this (a paragraph quoted in a long feature is not a copy).
    containment_jaccard_floor: float = 0.1
    #: Documents with fewer shingles are never reprints (unless exact copies).
    min_shingles: int = 20
    #: Two documents sharing edge blocks are judged on what remains of them
    #: (``beyond_shared_edges``) when at least this many signature positions remain.
    remainder_min_positions: int = 16
    #: A block is outlet boilerplate once this many articles of the outlet carry it.
    boilerplate_min_articles: int = 3
    #: Blocks at each end of the body that are checked for boilerplate.
    boilerplate_edge_blocks: int = 3
    #: Two texts that each print at least this many figures (``figures_of``) ...
    min_figures: int = 4
    #: ... are copies only when at least this share of the smaller set of figures
    #: is in the other (step 7 of the module docstring).
    figure_agreement: float = 0.3

    INDEX_FIELDS = (
        "shingle_size",
        "num_perm",
        "bands",
        "rows",
        "lede_words",
        "lede_bands",
        "lede_rows",
        "seed",
        "scheme",
        "normaliser_version",
    )

    def __post_init__(self) -> None:
        if not 1 <= self.shingle_size <= _MAX_SHINGLE_SIZE:
            raise ValueError(f"shingle_size must be 1..{_MAX_SHINGLE_SIZE}")
        if self.bands * self.rows > self.num_perm:
            raise ValueError("bands * rows must not exceed num_perm")
        if self.lede_bands * self.lede_rows > self.num_perm:
            raise ValueError("lede_bands * lede_rows must not exceed num_perm")
        if max(self.rows, self.lede_rows) > len(_NGRAM_MULTIPLIERS):
            raise ValueError(f"a band holds at most {len(_NGRAM_MULTIPLIERS)} values")
        if self.bands + self.lede_bands > len(_BAND_SALTS):
            raise ValueError(f"at most {len(_BAND_SALTS)} bands in all")
        if self.scheme != "affine32":
            raise ValueError("only the affine32 scheme is supported")

    def index_record(self) -> dict[str, str]:
        """The parameters a persisted index depends on, as strings for the store."""
        record = {name: str(getattr(self, name)) for name in self.INDEX_FIELDS}
        record["word_hash"] = "utf32-poly64-fmix64"
        record["ngram"] = "poly64-fold32"
        return record

    @property
    def label(self) -> str:
        """Short description stored with each cluster member: which rule put it there."""
        return (
            f"n={self.shingle_size} perm={self.num_perm} lsh={self.bands}x{self.rows}"
            f"+lede{self.lede_words}:{self.lede_bands}x{self.lede_rows} "
            f"J>={self.jaccard_threshold:g} or C>={self.containment_threshold:g}"
            f"&J>={self.containment_jaccard_floor:g} min={self.min_shingles}"
            f" figures>={self.figure_agreement:g}@{self.min_figures}"
        )


DEFAULT_PARAMS = DedupParams()


def check_index_params(stored: dict[str, str], params: DedupParams, store_name: str) -> None:
    """Refuse to use an index built with other parameters than ``params``."""
    wanted = params.index_record()
    differing = [
        f"{name} {stored[name]} (this version uses {wanted[name]})"
        for name in wanted
        if name in stored and stored[name] != wanted[name]
    ]
    missing = [name for name in wanted if name not in stored]
    if differing or missing:
        what = ", ".join(differing) or f"no record of {', '.join(missing)}"
        raise IndexMismatchError(
            f"the reprint index in {store_name} was built with {what}. "
            f"Run `wirecrawl --db {store_name} dedup rebuild` to rebuild it "
            "(it re-reads every stored article once)."
        )


# -- words, blocks and shingles ----------------------------------------------


@dataclass(frozen=True, eq=False, slots=True)
class PreparedText:
    """An article body cut into folded blocks, ready for boilerplate checks and shingling."""

    #: Folded text of each body block (words separated by single spaces).
    block_texts: tuple[str, ...]
    #: Hash of every word, all blocks in order (uint64).
    hashes: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint64))
    #: Number of words in each block.
    counts: tuple[int, ...] = ()
    #: Hash of each block checked for boilerplate (the blocks at both ends), by block index.
    edge_hashes: dict[int, int] = field(default_factory=dict)
    #: The signature made ahead of the write (``presign``), if it was.
    presigned: Presigned | None = None

    def signed(
        self, boilerplate: set[int] | frozenset[int], params: DedupParams
    ) -> tuple[Signature, np.ndarray]:
        """The signature and band keys of the blocks that are not ``boilerplate``.

        Made ahead of time when they were and the boilerplate is the same.
        """
        if self.presigned is not None and self.presigned.boilerplate == boilerplate:
            return self.presigned.signature, self.presigned.keys
        tokens = kept_hashes(self, boilerplate)
        signature = sign_many([tokens], params, [kept_edges(self, boilerplate)])[0]
        return signature, band_keys(signature, params)

    @property
    def blocks(self) -> tuple[tuple[str, ...], ...]:
        """Folded words of each block."""
        return tuple(tuple(text.split()) for text in self.block_texts)

    @property
    def folded_text(self) -> str:
        """The whole body folded, words separated by single spaces (the search column)."""
        return " ".join(text for text in self.block_texts if text)


@dataclass(frozen=True, eq=False, slots=True)
class Presigned:
    """A signature made before the article's write, and the boilerplate it assumed."""

    #: Hashes of the edge blocks left out as boilerplate.
    boilerplate: frozenset[int]
    #: The signature of the other blocks.
    signature: Signature
    #: Its band keys (``band_keys``).
    keys: np.ndarray


def _edge_hashes(
    block_texts: tuple[str, ...], counts: tuple[int, ...], params: DedupParams
) -> dict[int, int]:
    edge = params.boilerplate_edge_blocks
    total = len(block_texts)
    # The first and last ``edge`` blocks, each once, in order.
    indices = range(total) if total <= 2 * edge else (*range(edge), *range(total - edge, total))
    out = {}
    for index in indices:
        # A line of one or two words ("Share", a date) carries no story; leave it be.
        if counts[index] >= 3:
            line = block_texts[index]
            digest = xxhash.xxh64_intdigest(line.encode("utf-8", "surrogatepass"), seed=_TOKEN_SEED)
            out[index] = _to_int64(digest)
    return out


def prepare_many(
    documents: Sequence[Sequence[str]], params: DedupParams = DEFAULT_PARAMS
) -> list[PreparedText]:
    """Fold and hash the blocks of many article bodies at once (see ``text.fold_documents``)."""
    return [
        PreparedText(
            doc.block_texts,
            doc.hashes,
            doc.counts,
            _edge_hashes(doc.block_texts, doc.counts, params),
        )
        for doc in fold_documents(documents)
    ]


def prepare(blocks: Sequence[str], params: DedupParams = DEFAULT_PARAMS) -> PreparedText:
    """Fold and hash each body block, and hash the blocks at both ends of the body."""
    return prepare_many([blocks], params)[0]


def kept_words(text: PreparedText, boilerplate: set[int] | frozenset[int]) -> list[str]:
    """The words of the blocks that are not boilerplate, in order."""
    words: list[str] = []
    for index, block in enumerate(text.blocks):
        if text.edge_hashes.get(index) not in boilerplate:
            words.extend(block)
    return words


def kept_hashes(text: PreparedText, boilerplate: set[int] | frozenset[int]) -> np.ndarray:
    """The word hashes of the blocks that are not boilerplate, in order."""
    dropped = [i for i, h in text.edge_hashes.items() if h in boilerplate]
    if not dropped:
        return text.hashes
    keep = np.ones(len(text.counts), dtype=bool)
    keep[dropped] = False
    return text.hashes[np.repeat(keep, text.counts)]


def kept_edges(
    text: PreparedText, boilerplate: set[int] | frozenset[int]
) -> tuple[tuple[int, int, int], ...]:
    """``(block hash, first word, words)`` of the edge blocks that are not boilerplate.

    Words are counted in the sequence ``kept_hashes`` gives, which is what
    ``sign_many`` signs: these spans say which of its shingles lie inside
    each block (see ``edge_dtype``).
    """
    spans = []
    start = 0
    for index, count in enumerate(text.counts):
        line_hash = text.edge_hashes.get(index)
        if line_hash is not None and line_hash in boilerplate:
            continue  # dropped: takes no words in the kept sequence
        if line_hash is not None:
            spans.append((line_hash, start, count))
        start += count
    return tuple(spans)


def edge_blocks(
    text: PreparedText,
    boilerplate: set[int] | frozenset[int],
    hashvalues: np.ndarray,
    params: DedupParams = DEFAULT_PARAMS,
) -> np.ndarray:
    """The kept edge blocks of ``text`` (``edge_dtype`` records), against a signature made before.

    For signatures stored without their edge blocks: each block's shingles are
    signed alone and compared with ``hashvalues``. ``sign_many`` gives the
    same records from the matrix it has already made (a test checks they agree).
    """
    a, b = _permutations(params)
    n = params.shingle_size
    tokens = kept_hashes(text, boilerplate)
    spans = kept_edges(text, boilerplate)
    records = np.zeros(len(spans), dtype=edge_dtype(len(hashvalues)))
    for record, (line_hash, start, words) in zip(records, spans, strict=True):
        record["hash"] = line_hash
        if words >= n:
            inside = ngram_hashes(tokens[start : start + words], n)
            record["shingles"] = words - n + 1
            record["explains"] = np.packbits(_minhash(inside, a, b) == hashvalues)
    return records


def ngram_hashes(tokens: np.ndarray, n: int) -> np.ndarray:
    """Distinct 32-bit hashes of the ``n``-grams of a sequence of word hashes.

    Combined with numpy (uint64 arithmetic wraps around, the modulo we want),
    never one Python call per shingle. A text shorter than ``n`` words is one shingle.
    """
    if not len(tokens):
        return np.empty(0, dtype=np.uint32)
    span = min(n, len(tokens))
    count = len(tokens) - span + 1
    combined = np.zeros(count, dtype=np.uint64)
    for offset in range(span):
        combined += tokens[offset : offset + count] * _NGRAM_MULTIPLIERS[offset]
    folded = (combined ^ (combined >> np.uint64(32))).astype(np.uint32)
    # Sorting and dropping repeats is several times faster than np.unique on
    # arrays of a few hundred values.
    folded.sort()
    if len(folded) > 1:
        folded = folded[np.concatenate(([True], folded[1:] != folded[:-1]))]
    return folded


def shingle_hashes(words: Sequence[str], n: int) -> np.ndarray:
    """Distinct 32-bit hashes of the word ``n``-grams of folded ``words``."""
    return ngram_hashes(word_hashes(words), n)


# -- signatures ----------------------------------------------------------------


def edge_dtype(num_perm: int) -> np.dtype:
    """One edge block a body was signed with: its hash, its shingles, the positions it explains.

    ``hash`` is the hash of the block's folded text (``PreparedText.edge_hashes``);
    ``shingles`` counts the shingles wholly inside the block (none when it has
    fewer words than a shingle); ``explains`` holds one bit per signature
    position (``np.packbits`` order): whether the position's minimum comes from
    one of those shingles. A shingle that spans a block boundary holds words of
    the next block too, and two bodies that share the block but not its
    neighbour do not share it, so it is not the block's. The same records
    are kept in memory and in the store.
    """
    return np.dtype(
        [("hash", "<i8"), ("shingles", "<i4"), ("explains", "u1", (-(-num_perm // 8),))]
    )


@dataclass(frozen=True, eq=False, slots=True)
class Signature:
    """MinHash signature of one document, with what verification needs."""

    #: MinHash values of the whole (boilerplate-free) body: uint32, ``num_perm`` of them.
    hashvalues: np.ndarray
    #: Number of distinct shingles the signature was made from.
    shingle_count: int
    #: MinHash values of the first ``lede_words`` words (``lede_bands * lede_rows`` of them).
    lede: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint32))
    #: The edge blocks signed with the body (not boilerplate), in body order
    #: (``edge_dtype`` records); None when they are not known.
    edges: np.ndarray | None = None

    def to_bytes(self) -> bytes:
        """The hash values as little-endian bytes, for the store."""
        return self.hashvalues.astype("<u4").tobytes()

    def lede_bytes(self) -> bytes:
        """The lede values as little-endian bytes, for the store."""
        return self.lede.astype("<u4").tobytes()

    def edges_bytes(self) -> bytes:
        """The edge block records, for the store."""
        return b"" if self.edges is None else self.edges.tobytes()

    @classmethod
    def from_bytes(
        cls, data: bytes, shingle_count: int, lede: bytes = b"", edges: bytes = b""
    ) -> Signature:
        """Rebuild a signature stored with ``to_bytes``, ``lede_bytes`` and ``edges_bytes``."""
        hashvalues = np.frombuffer(data, dtype="<u4").astype(np.uint32)
        return cls(
            hashvalues,
            shingle_count,
            np.frombuffer(lede, dtype="<u4").astype(np.uint32),
            np.frombuffer(edges, dtype=edge_dtype(len(hashvalues))),
        )


def _identity(value: Any) -> Any:
    return value


def _datasketch_minhash(params: DedupParams) -> MinHash:
    # The shingle hashes are already 32-bit hashes: datasketch only permutes them.
    return MinHash(
        num_perm=params.num_perm, seed=params.seed, scheme=params.scheme, hashfunc=_identity
    )


_PERMUTATIONS: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}


def _permutations(params: DedupParams) -> tuple[np.ndarray, np.ndarray]:
    cache_key = (params.num_perm, params.seed)
    if cache_key not in _PERMUTATIONS:
        a, b = _datasketch_minhash(params).permutations
        _PERMUTATIONS[cache_key] = (a.astype(np.uint32), b.astype(np.uint32))
    return _PERMUTATIONS[cache_key]


def _fmix32(values: np.ndarray) -> np.ndarray:
    # MurmurHash3's finaliser: datasketch's affine32 scheme mixes inputs with it first.
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def datasketch_signature(shingles: np.ndarray, params: DedupParams = DEFAULT_PARAMS) -> Signature:
    """The signature as datasketch's own ``MinHash.update_batch`` computes it (reference path)."""
    minhash = _datasketch_minhash(params)
    if len(shingles):
        minhash.update_batch(shingles)
    return Signature(np.asarray(minhash.hashvalues, dtype=np.uint32), len(shingles))


def _minhash(shingles: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if not len(shingles):
        return np.full(len(a), np.iinfo(np.uint32).max, dtype=np.uint32)
    mixed = _fmix32(shingles.astype(np.uint32, copy=False))
    # (shingles x permutations), reduced over the shingles: the layout numpy's
    # min reduces fastest. One temporary, added to in place.
    values = np.multiply.outer(mixed, a)
    values += b
    return values.min(axis=0)


def sign(words: Sequence[str], params: DedupParams = DEFAULT_PARAMS) -> Signature:
    """The signature of one document's (boilerplate-free) folded words, lede included."""
    return sign_hashes(word_hashes(words), params)


def sign_hashes(tokens: np.ndarray, params: DedupParams = DEFAULT_PARAMS) -> Signature:
    """The signature of one document given the hashes of its words, lede included."""
    return sign_many([tokens], params)[0]


def sign_many(
    token_sets: Sequence[np.ndarray],
    params: DedupParams = DEFAULT_PARAMS,
    edges: Sequence[Sequence[tuple[int, int, int]]] | None = None,
) -> list[Signature]:
    """Signatures of many documents, given the word hashes of each (lede included).

    The values equal ``datasketch_signature`` of each document's distinct
    n-grams and of its first ``lede_words`` words' n-grams (a test checks
    them). The permutations come from datasketch once, which skips its
    per-value ``hashfunc`` call, and there is little numpy work per document:
    the n-grams of the whole batch are combined and mixed at once, documents
    of similar length are padded into one matrix, and each permutation finds
    the column of every document's minimum in one pass over it
    (``_minimum_columns``). The body values are those at the minima, and the
    lede values come from the first columns. Repeated n-grams do not change a
    minimum, so only the count needs the distinct ones.

    ``edges`` gives each document's edge blocks as ``kept_edges`` does. Where
    each minimum lies says which positions each block explains; the records
    of the whole batch are then made at once (``_edge_blocks``).
    """
    n = params.shingle_size
    a, b = _permutations(params)
    width = params.lede_bands * params.lede_rows
    lede_rows = max(1, params.lede_words - n + 1)
    lengths = np.array([len(t) for t in token_sets], dtype=np.int64)
    # A document shorter than n words (but not empty) is one shingle: sign those apart.
    regular = lengths >= n
    parts: dict[int, tuple[np.ndarray, int, np.ndarray]] = {}
    for index in np.flatnonzero(~regular).tolist():
        tokens = token_sets[index]
        shingles = ngram_hashes(tokens, n)
        lede = ngram_hashes(tokens[: params.lede_words], n)
        body = _minhash(shingles, a, b)
        parts[index] = (body, len(shingles), _minhash(lede, a[:width], b[:width]))
    # Documents signed with edge blocks: their index and the column of each
    # permutation's minimum; and the rows whose minimum n-gram is found more than
    # once (with the columns it is found in).
    located: list[tuple[int, np.ndarray]] = []
    ties: list[tuple[int, int, np.ndarray]] = []
    if regular.any():
        indices = np.flatnonzero(regular)
        mixed, starts, counts = _batch_ngrams(token_sets, indices, lengths[indices], n)
        columns = np.empty((len(indices), len(a)), dtype=np.intp)
        distinct = np.empty(len(indices), dtype=np.int64)
        for group in _length_groups(counts):
            padded = mixed[_padded_columns(starts[group], counts[group], int(counts[group].max()))]
            # fmix32 is a bijection on 32-bit values: distinct mixed values are
            # distinct n-grams. The padding repeats a value and adds none.
            ordered = np.sort(padded, axis=1)
            distinct[group] = 1 + np.count_nonzero(ordered[:, 1:] != ordered[:, :-1], axis=1)
            columns[group] = _minimum_columns(padded, a, b)
        # The values are recomputed at the minima: (documents x permutations), small.
        chosen = mixed[starts[:, None] + columns]
        bodies = chosen * a
        bodies += b
        firsts = mixed[_padded_columns(starts, np.minimum(counts, lede_rows), lede_rows)]
        ledes = (firsts[:, :, None] * a[:width] + b[:width]).min(axis=1)
        for row, index in enumerate(indices.tolist()):
            parts[index] = (bodies[row], int(distinct[row]), ledes[row])
            if not (edges and edges[index]):
                continue
            located.append((index, columns[row]))
            if distinct[row] < counts[row]:
                segment = mixed[starts[row] : starts[row] + counts[row]]
                ordered_segment = np.sort(segment)
                repeated = ordered_segment[1:][ordered_segment[1:] == ordered_segment[:-1]]
                minimal = segment[columns[row]]
                found = repeated[np.minimum(np.searchsorted(repeated, minimal), len(repeated) - 1)]
                for position in np.flatnonzero(found == minimal).tolist():
                    ties.append((index, position, np.flatnonzero(segment == minimal[position])))
    blocks = _edge_blocks(located, ties, edges or (), n)
    return [
        Signature(body, count, lede, blocks.get(index))
        for index, (body, count, lede) in sorted(parts.items())
    ]


def _batch_ngrams(
    token_sets: Sequence[np.ndarray], indices: np.ndarray, spans: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The mixed 32-bit n-gram hashes of the documents ``indices`` (each ``n`` words or more).

    Combined for the whole batch at once. Returns the hashes, all documents in
    order (the n-gram starting at each word, repeats included), where each
    document's begin, and how many each has.
    """
    tokens = np.concatenate([token_sets[i] for i in indices.tolist()])
    count = len(tokens) - n + 1
    combined = np.zeros(count, dtype=np.uint64)
    for offset in range(n):
        combined += tokens[offset : offset + count] * _NGRAM_MULTIPLIERS[offset]
    # Keep the n-grams that start and end inside one document.
    word_starts = np.concatenate([[0], np.cumsum(spans)[:-1]])
    per_doc = spans - n + 1
    starts = np.concatenate([[0], np.cumsum(per_doc)[:-1]])
    keep = np.repeat(word_starts - starts, per_doc)
    keep += np.arange(int(per_doc.sum()))
    folded = combined[keep]
    mixed = _fmix32((folded ^ (folded >> np.uint64(32))).astype(np.uint32))
    return mixed, starts, per_doc


def _length_groups(counts: np.ndarray) -> list[np.ndarray]:
    """Documents (positions in ``counts``) in groups of similar n-gram counts, shortest first.

    Each group is signed as one matrix padded to its longest document: the
    groups keep the padding under about a quarter of the work.
    """
    order = np.argsort(counts, kind="stable")
    ordered = counts[order].tolist()
    groups = []
    first, total = 0, 0
    for position, count in enumerate(ordered):
        if (position - first + 1) * count > 1.25 * (total + count) + 4096:
            groups.append(order[first:position])
            first, total = position, 0
        total += count
    groups.append(order[first:])
    return groups


def _padded_columns(starts: np.ndarray, counts: np.ndarray, width: int) -> np.ndarray:
    """Indices of each document's first ``width`` columns, its last one repeated past its end.

    A repeated n-gram changes no minimum, and ``argmin`` finds its first place.
    """
    return starts[:, None] + np.minimum(np.arange(width), counts[:, None] - 1)


#: From this many documents on, a group is signed one permutation at a time.
_ROW_BY_ROW = 16


def _minimum_columns(padded: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For each document (row of ``padded``), the column of each permutation's minimum.

    ``(padded * a[i] + b[i]).argmin(axis=1)`` for every permutation ``i``, the
    first column where the minimum lies (documents x permutations). Many
    documents are taken one permutation at a time: three operations over one
    contiguous array each, which numpy runs several times faster than the same
    work broadcast over a (permutations x documents x n-grams) array, in a
    buffer that stays in the CPU caches. A few documents are one broadcast.
    """
    if len(padded) < _ROW_BY_ROW:
        values = np.multiply.outer(a, padded)
        values += b[:, None, None]
        return values.argmin(axis=2).T
    out = np.empty((len(padded), len(a)), dtype=np.intp)
    values = np.empty_like(padded)
    for i, (factor, offset) in enumerate(zip(a, b, strict=True)):
        np.multiply(padded, factor, out=values)
        values += offset
        out[:, i] = values.argmin(axis=1)
    return out


def _edge_blocks(
    located: Sequence[tuple[int, np.ndarray]],
    ties: Sequence[tuple[int, int, np.ndarray]],
    edges: Sequence[Sequence[tuple[int, int, int]]],
    n: int,
) -> dict[int, np.ndarray]:
    """The edge block records (``edge_dtype``) of each document, for a whole batch at once.

    ``located`` holds each document's index and the column of each
    permutation's minimum in its (permutations x n-grams) matrix. Column
    ``i`` is the n-gram starting at word ``i``: a block of ``words`` words
    from ``start`` holds columns ``start`` to ``start + words - n``, and
    explains a position when the minimum's column is one of them. ``ties``
    are the positions whose minimum n-gram is found in several columns (any
    of them may be a block's). One array for the batch, a slice of it for
    each document: a few objects, not one per block.
    """
    if not located:
        return {}
    counts = [len(edges[index]) for index, _ in located]
    spans = np.array([span for index, _ in located for span in edges[index]], dtype=np.int64)
    first = np.cumsum([0, *counts]).tolist()
    starts = spans[:, 1:2]
    # A block with fewer words than a shingle has no column, and explains nothing.
    ends = starts + np.maximum(0, spans[:, 2:3] - n + 1)
    columns = np.repeat(np.stack([c for _, c in located]), counts, axis=0)
    explains = (columns >= starts) & (columns < ends)
    place = {index: k for k, (index, _) in enumerate(located)}
    for index, row, found in ties:
        k = place[index]
        low, high = first[k], first[k + 1]
        inside = (found >= starts[low:high]) & (found < ends[low:high])
        explains[low:high, row] = inside.any(axis=1)
    records = np.zeros(len(spans), dtype=edge_dtype(columns.shape[1]))
    records["hash"] = spans[:, 0]
    records["shingles"] = (ends - starts)[:, 0]
    records["explains"] = np.packbits(explains, axis=1)
    return {index: records[first[k] : first[k + 1]] for k, (index, _) in enumerate(located)}


def presign(
    texts: Sequence[PreparedText],
    boilerplates: Sequence[frozenset[int]],
    params: DedupParams = DEFAULT_PARAMS,
) -> list[PreparedText]:
    """``texts`` with their signatures and band keys made now, without the given boilerplate.

    Signing many documents in one pass costs less than signing each between
    its database writes: numpy's arrays, the permutations and numpy itself
    stay in the CPU caches, and the band keys of all of them are one
    computation. The store checks the
    boilerplate when it writes each article and signs again if it changed.
    """
    pairs = list(zip(texts, boilerplates, strict=True))
    kept = [kept_hashes(t, b) for t, b in pairs]
    signatures = sign_many(kept, params, [kept_edges(t, b) for t, b in pairs])
    keys = band_keys_of(signatures, params)
    return [
        dataclasses.replace(text, presigned=Presigned(boilerplate, signature, text_keys))
        for text, boilerplate, signature, text_keys in zip(
            texts, boilerplates, signatures, keys, strict=True
        )
    ]


def datasketch_lean_minhash(signature: Signature, params: DedupParams = DEFAULT_PARAMS) -> Any:
    """``signature`` as the datasketch ``LeanMinHash`` it equals (same permutations and values)."""
    return LeanMinHash(seed=params.seed, hashvalues=signature.hashvalues, scheme=params.scheme)


def datasketch_lsh(params: DedupParams, storage_config: dict[str, Any]) -> Any:
    """A datasketch ``MinHashLSH`` with the body bands of ``params`` in the given storage.

    Keys are pickled (``prepickle``), so any hashable key works with a Redis
    storage. Used where several processes share one index (``crawler.app.distributed``).
    """
    return MinHashLSH(
        num_perm=params.num_perm,
        params=(params.bands, params.rows),
        storage_config=storage_config,
        prepickle=True,
    )


#: MurmurHash3's 64-bit finaliser: shift, then multipliers between the shifts.
_FMIX_SHIFT = np.uint64(33)
_FMIX_1 = np.uint64(0xFF51AFD7ED558CCD)
_FMIX_2 = np.uint64(0xC4CEB9FE1A85EC53)
#: From this many signatures on, ``_keys`` works a row of each band at a time.
_KEYS_ROW_BY_ROW = 64


def _keys(values: np.ndarray, bands: int, rows: int, first_band: int) -> np.ndarray:
    """Band keys of each row of ``values`` (one signature per row), one row of keys each.

    The values of a band are combined with the odd n-gram multipliers (a dot
    product, wrapping around 2**64 as intended), salted with the band number
    and mixed with MurmurHash3's 64-bit finaliser.
    """
    grid = values[:, : bands * rows].reshape(len(values), bands, rows)
    if len(values) < _KEYS_ROW_BY_ROW:
        # A few signatures (a crawl's one article): one matrix product is the
        # fewest numpy calls.
        key = grid.astype(np.uint64) @ _NGRAM_MULTIPLIERS[:rows]
        term = np.empty_like(key)
    else:
        # One row of the band at a time, in place: the same sums (mod 2**64) as
        # a matrix product, at a third of its cost, and one temporary for all steps.
        key = grid[:, :, 0].astype(np.uint64)
        key *= _NGRAM_MULTIPLIERS[0]
        term = np.empty_like(key)
        for row in range(1, rows):
            np.multiply(grid[:, :, row], _NGRAM_MULTIPLIERS[row], out=term, casting="unsafe")
            key += term
    key += _BAND_SALTS[first_band : first_band + bands]
    for multiplier in (_FMIX_1, _FMIX_2, None):
        key ^= np.right_shift(key, _FMIX_SHIFT, out=term)
        if multiplier is not None:
            key *= multiplier
    return key.view(np.int64)


def band_keys(signature: Signature, params: DedupParams = DEFAULT_PARAMS) -> np.ndarray:
    """Signed 64-bit LSH keys: ``bands`` over the body, then ``lede_bands`` over the lede.

    Equal keys make a candidate pair. The band number is mixed into each key,
    so one index on the key serves all bands.
    """
    keys = _keys(signature.hashvalues[None, :], params.bands, params.rows, 0)[0]
    if len(signature.lede) >= params.lede_bands * params.lede_rows:
        lede = _keys(signature.lede[None, :], params.lede_bands, params.lede_rows, params.bands)
        keys = np.concatenate([keys, lede[0]])
    return keys


def band_key_groups(
    hashvalues: np.ndarray, ledes: Sequence[np.ndarray], params: DedupParams = DEFAULT_PARAMS
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``band_keys`` of many signatures at once, as (row numbers, one row of keys each) groups.

    ``hashvalues`` holds one signature per row and ``ledes`` their lede
    values. As in ``band_keys``, a signature gets its lede bands only when its
    lede is complete (an old or short one has none), so those with and
    without come in two groups.
    """
    width = params.lede_bands * params.lede_rows
    complete = np.array([len(lede) >= width for lede in ledes], dtype=bool)
    groups = []
    if complete.any():
        rows = np.flatnonzero(complete)
        body = _keys(hashvalues[rows], params.bands, params.rows, 0)
        lede_values = np.stack([ledes[i][:width] for i in rows.tolist()])
        lede = _keys(lede_values, params.lede_bands, params.lede_rows, params.bands)
        groups.append((rows, np.concatenate([body, lede], axis=1)))
    if not complete.all():
        rows = np.flatnonzero(~complete)
        groups.append((rows, _keys(hashvalues[rows], params.bands, params.rows, 0)))
    return groups


def pack_band_entries(
    out: np.ndarray,
    article_ids: np.ndarray,
    hashvalues: np.ndarray,
    ledes: np.ndarray,
    with_lede: np.ndarray,
    params: DedupParams = DEFAULT_PARAMS,
) -> int:
    """Write the ``BandIndex`` entries of many signatures into ``out``; return how many.

    ``hashvalues`` holds one signature per row, of the articles
    ``article_ids``; ``with_lede`` marks the rows whose lede is complete, and
    ``ledes`` holds their first ``lede_bands * lede_rows`` lede values, one row
    each, in the same order. The entries are those ``BandIndex.pack`` makes of
    ``band_keys``, body bands first, then lede bands; written straight into
    ``out``, so that a large index is filled without an intermediate copy.
    """
    body = _keys(hashvalues, params.bands, params.rows, 0)
    written = BandIndex.pack_into(out, article_ids, body)
    if len(ledes):
        lede = _keys(ledes, params.lede_bands, params.lede_rows, params.bands)
        written += BandIndex.pack_into(out[written:], article_ids[with_lede], lede)
    return written


def band_keys_of(
    signatures: Sequence[Signature], params: DedupParams = DEFAULT_PARAMS
) -> list[np.ndarray]:
    """``band_keys`` of each of ``signatures``, computed together."""
    if not signatures:
        return []
    values = np.stack([s.hashvalues for s in signatures])
    out: list[np.ndarray] = [np.empty(0, dtype=np.int64)] * len(signatures)
    for rows, keys in band_key_groups(values, [s.lede for s in signatures], params):
        for row, row_keys in zip(rows.tolist(), keys, strict=True):
            out[row] = row_keys
    return out


_LOW_HALF = np.uint64(0xFFFFFFFF)
#: Arrays at least this large get a memory map of their own (see ``_zeroed``).
_MAPPED_BYTES = 4 << 20


def _zeroed(count: int, dtype: type[np.generic]) -> np.ndarray:
    """A new zero-filled array; a large one in an anonymous memory map of its own.

    Fresh pages of a private map are zero, become resident only when
    written, and get no huge-page advice. numpy asks the kernel for huge
    pages for its large arrays, and where that advice makes the kernel
    compact memory on first touch, writing a fresh array costs several times
    more (on the benchmark machine, a second more for a million-article index).
    """
    nbytes = count * np.dtype(dtype).itemsize
    if nbytes < _MAPPED_BYTES:
        return np.zeros(count, dtype=dtype)
    return np.frombuffer(mmap.mmap(-1, nbytes), dtype=dtype)


@dataclass(frozen=True, eq=False)
class _Run:
    """A sorted array of packed (key << 32 | article id), with a directory by key prefix."""

    #: The packed values, sorted (so sorted by key).
    packed: np.ndarray
    #: Bits of the key prefix the directory is indexed by.
    bits: int
    #: ``packed[directory[p]:directory[p + 1]]`` holds the keys with prefix ``p``.
    directory: np.ndarray

    #: Entries whose prefixes are counted at a time while the directory is built.
    COUNT_CHUNK = 1 << 18

    @classmethod
    def build(cls, packed: np.ndarray) -> _Run:
        """Index a sorted packed array (kept as it is, not copied): about four keys per slot."""
        bits = max(1, min(28, int(len(packed) // 4).bit_length()))
        shift = np.uint64(64 - bits)
        # directory[p + 1] counts the keys of prefix p, then the sums make it
        # the start of the next prefix. Counted a slice at a time, in one small
        # buffer: the prefixes of the whole array at once would be two more
        # arrays its size. Sorted, a slice's prefixes span a short stretch.
        directory = _zeroed((1 << bits) + 1, np.int64)
        buffer = np.empty(min(len(packed), cls.COUNT_CHUNK), dtype=np.uint64)
        for start in range(0, len(packed), cls.COUNT_CHUNK):
            part = packed[start : start + cls.COUNT_CHUNK]
            prefixes = np.right_shift(part, shift, out=buffer[: len(part)])
            first = int(prefixes[0])
            prefixes -= np.uint64(first)
            counts = np.bincount(prefixes.view(np.int64))  # below 2**28: the same as signed
            directory[first + 1 : first + 1 + len(counts)] += counts
        np.cumsum(directory, out=directory)
        return cls(packed, bits, directory)

    def lookup(self, short: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where the 32-bit keys ``short`` are stored: (index into ``short``, article id) pairs."""
        prefixes = (short >> np.uint64(32 - self.bits)).astype(np.int64)
        starts = self.directory[prefixes]
        widths = self.directory[prefixes + 1] - starts
        widest = int(widths.max()) if len(widths) else 0
        if widest == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.uint64)
        # Every slot holds a few keys: compare them all at once, no binary search.
        offsets = np.arange(widest)
        inside = offsets < widths[:, None]
        positions = np.where(inside, starts[:, None] + offsets, 0)
        values = self.packed[positions]
        rows, columns = np.nonzero(inside & ((values >> np.uint64(32)) == short[:, None]))
        return rows, values[rows, columns] & _LOW_HALF


class BandIndex:
    """LSH band keys to article ids, in memory: the candidate search.

    Keys are kept as their low 32 bits (the 64-bit keys are well mixed; a
    false match only adds a candidate that verification drops), packed with
    the article id into one uint64 (key in the high half), so a sorted array
    of them is sorted by key, and a directory by key prefix finds a key in
    one step. New keys go to a dict; when it holds ``TAIL_KEYS`` it becomes a
    sorted run, and runs are merged level by level (each level ``FANOUT``
    times larger than the one above), so adding a key costs about the same at
    any size and a lookup reads a few runs.

    Nothing is removed: a key left over from an article's old signature only
    yields a candidate that verification, which reads the current signature,
    drops.
    """

    #: Keys held in the dict before they become a sorted run.
    TAIL_KEYS = 1 << 16
    #: Size ratio between consecutive levels of sorted runs.
    FANOUT = 8

    def __init__(self) -> None:
        # Sorted runs by level, smallest first.
        self._levels: list[_Run | None] = []
        # The newest keys: the first article id of each, the others (rare), and
        # the keys and ids as added, for building the next run.
        self._tail: dict[int, int] = {}
        self._tail_more: dict[int, list[int]] = {}
        self._tail_keys: list[np.ndarray] = []
        self._tail_ids: list[int] = []
        self._tail_size = 0
        # What ``prefetch`` found in the runs, with the 32-bit keys, by the
        # bytes of the keys looked up.
        self._prefetched: dict[bytes, tuple[list[int], np.ndarray]] = {}

    def __len__(self) -> int:
        runs = sum(len(run.packed) for run in self._levels if run is not None)
        return runs + self._tail_size

    @property
    def nbytes(self) -> int:
        """Bytes held by the sorted runs' arrays (the dict of the newest keys is not counted)."""
        return sum(
            run.packed.nbytes + run.directory.nbytes for run in self._levels if run is not None
        )

    @staticmethod
    def short_keys(keys: np.ndarray) -> np.ndarray:
        """The 32-bit form of 64-bit band keys, as the index holds them (as uint64)."""
        return keys.astype(np.uint64, copy=False) & _LOW_HALF

    def _short(self, keys: np.ndarray) -> tuple[list[int] | None, np.ndarray]:
        """What ``prefetch`` found for ``keys`` (None if it did not), and their 32-bit form."""
        prefetched = self._prefetched.get(keys.tobytes())
        if prefetched is not None:
            return prefetched
        return None, self.short_keys(keys)

    def add(self, article_id: int, keys: np.ndarray) -> None:
        """Index one article's band keys (64-bit, as ``band_keys`` gives them)."""
        _, short = self._short(keys)
        listed = short.tolist()
        tail = self._tail
        shared = tail.keys() & listed
        if shared:
            for key in shared:
                self._tail_more.setdefault(key, []).append(article_id)
            listed = [key for key in listed if key not in shared]
        tail.update(dict.fromkeys(listed, article_id))
        self._tail_keys.append(short)
        self._tail_ids.append(article_id)
        self._tail_size += len(short)
        if self._tail_size >= self.TAIL_KEYS:
            self._flush_tail()

    def _flush_tail(self) -> None:
        if not self._tail_size:
            return
        counts = [len(k) for k in self._tail_keys]
        ids = np.repeat(np.array(self._tail_ids, dtype=np.uint64), counts)
        packed = (np.concatenate(self._tail_keys) << np.uint64(32)) | ids
        self._tail.clear()
        self._tail_more.clear()
        self._tail_keys.clear()
        self._tail_ids.clear()
        self._tail_size = 0
        self._push(np.sort(packed))

    @classmethod
    def pack(cls, article_ids: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """Index entries of many articles: ``keys`` has one row of band keys per id."""
        packed = np.empty(keys.size, dtype=np.uint64)
        cls.pack_into(packed, article_ids, keys)
        return packed

    @staticmethod
    def entry_buffer(count: int) -> np.ndarray:
        """Room for ``count`` entries, to fill with ``pack_into`` and hand to ``add_packed``.

        Pages left unwritten at the end are never resident: a buffer sized for
        more entries than it receives costs no memory for the rest.
        """
        return _zeroed(count, np.uint64)

    @staticmethod
    def pack_into(out: np.ndarray, article_ids: np.ndarray, keys: np.ndarray) -> int:
        """``pack`` written into the start of ``out`` (uint64); return how many entries."""
        count = int(keys.size)
        entries = out[:count].reshape(keys.shape)
        np.bitwise_and(keys.view(np.uint64), _LOW_HALF, out=entries)
        entries <<= np.uint64(32)
        entries |= article_ids.astype(np.uint64)[:, None]
        return count

    def add_packed(self, packed: np.ndarray, *, owned: bool = False) -> None:
        """Index entries made by ``pack`` (in any order).

        With ``owned``, the caller hands ``packed`` over: it is sorted in place
        and kept as a run as it is, so loading a large index needs no copy of it.
        """
        if not len(packed):
            return
        if owned:
            packed.sort()
            self._push(packed)
        else:
            self._push(np.sort(packed))

    def prefetch(
        self, keys: Sequence[np.ndarray], ahead: Sequence[int | None] | None = None
    ) -> None:
        """Look up the keys of many articles in the sorted runs at once.

        A later ``query`` of one of these arrays then reads only the dict of
        the newest keys: one numpy pass for a batch instead of one per
        article. Until the runs change (a new run clears what was fetched).

        With ``ahead`` (the id each article will be stored under, None for one
        that will not be), the keys are also indexed now, as one run, under
        those ids, and each article's lookup finds the articles before it in
        the batch that share a key. Adding them one by one as they are stored
        would cost more.
        """
        self._prefetched = {}
        if not keys:
            return
        lengths = [len(k) for k in keys]
        short = self.short_keys(np.concatenate(keys))
        owners = np.repeat(np.arange(len(keys)), lengths)
        # Looked up in key order, the runs are read from start to end rather
        # than at random: far fewer cache misses once they are large.
        order = np.lexsort((owners, short))
        sorted_keys = short[order]
        sorted_owners = owners[order]
        found: list[list[int]] = [[] for _ in keys]
        for run in self._levels:
            if run is not None:
                rows, ids = run.lookup(sorted_keys)
                owned = sorted_owners[rows].tolist()
                for owner, article_id in zip(owned, ids.tolist(), strict=True):
                    found[owner].append(article_id)
        if ahead is not None:
            ahead_ids = np.array([-1 if i is None else i for i in ahead], dtype=np.int64)
            # Keys shared inside the batch: equal neighbours in key order.
            repeated = np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1]) + 1
            for position in repeated.tolist():
                start = position
                while start > 0 and sorted_keys[start - 1] == sorted_keys[position]:
                    start -= 1
                later = int(sorted_owners[position])
                for earlier in sorted_owners[start:position].tolist():
                    if ahead_ids[earlier] >= 0 and earlier != later:
                        found[later].append(int(ahead_ids[earlier]))
            entry_ids = ahead_ids[sorted_owners]
            kept = entry_ids >= 0
            if kept.any():
                # In order by key, then by place in the batch, whose ids usually rise.
                packed = (sorted_keys[kept] << np.uint64(32)) | entry_ids[kept].astype(np.uint64)
                if not (packed[1:] >= packed[:-1]).all():
                    packed.sort()
                self._push(packed)
        ends = np.cumsum(lengths).tolist()
        self._prefetched = {
            k.tobytes(): (f, short[end - len(k) : end])
            for k, f, end in zip(keys, found, ends, strict=True)
        }

    def query(self, keys: np.ndarray) -> list[int]:
        """Ids of the articles sharing a key with ``keys``, once per shared key."""
        prefetched, short = self._short(keys)
        if prefetched is not None:
            found = list(prefetched)
        else:
            found = []
            for run in self._levels:
                if run is not None:
                    found.extend(run.lookup(short)[1].tolist())
        if self._tail:
            for key in self._tail.keys() & short.tolist():
                found.append(self._tail[key])
                found.extend(self._tail_more.get(key, ()))
        return found

    def _push(self, packed: np.ndarray) -> None:
        self._prefetched = {}  # the runs change
        # Level i holds at most TAIL_KEYS * FANOUT ** (i + 1) keys. A run merges
        # into the first level it fits once merged with what is there; a full
        # level moves down into the next. Each key is copied about FANOUT / 2
        # times per level, and there are a few levels even at tens of millions.
        level = 0
        while True:
            if level == len(self._levels):
                self._levels.append(None)
            resident = self._levels[level]
            if resident is not None:
                # Both are sorted: insert the smaller where it belongs (linear).
                small, large = sorted((resident.packed, packed), key=len)
                packed = np.insert(large, np.searchsorted(large, small), small)
                self._levels[level] = None
            if len(packed) <= self.TAIL_KEYS * self.FANOUT ** (level + 1):
                self._levels[level] = _Run.build(packed)
                return
            level += 1


def _to_int64(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


# -- verification ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Similarity:
    """How much two documents share, estimated from their signatures."""

    #: Estimated Jaccard similarity of the shingle sets.
    jaccard: float
    #: Estimated share of the smaller document's shingles found in the larger one.
    containment: float


def similarity(a: Signature, b: Signature) -> Similarity:
    """Estimated Jaccard and containment of the smaller document."""
    if a.shingle_count == 0 or b.shingle_count == 0:
        return Similarity(0.0, 0.0)
    jaccard = float(np.count_nonzero(a.hashvalues == b.hashvalues)) / len(a.hashvalues)
    # |A∩B| = J/(1+J) * (|A|+|B|); relative to the smaller set it is the containment.
    shared = jaccard / (1.0 + jaccard) * (a.shingle_count + b.shingle_count)
    containment = min(1.0, shared / min(a.shingle_count, b.shingle_count))
    return Similarity(round(jaccard, 4), round(containment, 4))


def could_be_reprints(
    signature: Signature, others: np.ndarray, counts: np.ndarray, params: DedupParams
) -> np.ndarray:
    """Which of ``others`` (one signature per row) may pass ``are_reprints`` with ``signature``.

    One numpy pass over every candidate instead of one ``similarity`` call
    each. It errs only on the side of keeping: the band and content-hash
    checks are left to ``are_reprints``, which decides on what this keeps.
    """
    if len(counts) == 0 or signature.shingle_count < params.min_shingles:
        return np.zeros(len(counts), dtype=bool)
    jaccard = np.count_nonzero(others == signature.hashvalues, axis=1) / others.shape[1]
    shared = jaccard / (1.0 + jaccard) * (signature.shingle_count + counts)
    smaller = np.maximum(np.minimum(counts, signature.shingle_count), 1)
    containment = np.minimum(1.0, shared / smaller)
    slack = 1e-3  # similarity() rounds to 4 places; never drop what rounding would let pass
    return (counts >= params.min_shingles) & (
        (jaccard >= params.jaccard_threshold - slack)
        | (
            (containment >= params.containment_threshold - slack)
            & (jaccard >= params.containment_jaccard_floor - slack)
        )
    )


@dataclass(frozen=True, eq=False, slots=True)
class IndexedDoc:
    """What the clustering decider knows about one stored article."""

    #: Row id of the article.
    article_id: int
    #: Its signature (after boilerplate removal).
    signature: Signature
    #: Content hash of its title and body (exact copies share it).
    content_hash: str
    #: Sort key: who counts as first (see ``order_key``).
    order: tuple[str, int, str, str]
    #: Its LSH band keys.
    bands: frozenset[int]
    #: Its body folded (``PreparedText.folded_text``), read for its figures only
    #: when a pair passes every other test; empty when not known (no figure check).
    folded_text: str = ""

    @classmethod
    def build(
        cls,
        article_id: int,
        signature: Signature,
        content_hash: str,
        order: tuple[str, int, str, str],
        params: DedupParams = DEFAULT_PARAMS,
        folded_text: str = "",
    ) -> IndexedDoc:
        """An indexed document, with its band keys computed from the signature."""
        keys = frozenset(int(k) for k in band_keys(signature, params))
        return cls(article_id, signature, content_hash, order, keys, folded_text)

    @property
    def rank(self) -> tuple[tuple[str, int, str, str], int]:
        """Position in publication order (the article id breaks exact ties)."""
        return (self.order, self.article_id)


def order_key(
    time_utc: str | None,
    precision: str | None,
    agency_own: bool,
    fetched_at: str | None,
    key: str,
) -> tuple[str, int, str, str]:
    """Sort key for "who published first".

    ``time_utc`` is the publication time in UTC, or, where that is unknown, the
    time the article was first fetched: a page seen at noon was out by noon.
    Articles with neither sort last. A date without a time counts as the end of
    that day, so it never claims to precede a copy with a known time on the
    same day. At equal times the agency's own copy comes first, then the one
    fetched first, then the URL (or content key), which makes ties
    deterministic.
    """
    when = time_utc or "9999-12-31T23:59:59Z"
    if precision == "day" and time_utc:
        when = time_utc[:10] + "T23:59:59Z"
    return (when, 0 if agency_own else 1, fetched_at or "9999", key)


def are_reprints(a: IndexedDoc, b: IndexedDoc, params: DedupParams) -> Similarity | None:
    """The similarity of two documents when they are copies of one story, else None.

    Exact copies always are. Otherwise both must be long enough, share an LSH
    band, and pass the Jaccard or containment rule, and so must what remains
    of them once the edge blocks both carry are set aside
    (``beyond_shared_edges``): a footer two stories share is not a story.
    Last, their figures must agree (``figures_agree``).
    """
    if a.content_hash == b.content_hash:
        return Similarity(1.0, 1.0)
    if min(a.signature.shingle_count, b.signature.shingle_count) < params.min_shingles:
        return None
    if a.bands.isdisjoint(b.bands):
        return None
    sim = similarity(a.signature, b.signature)
    if not _passes(sim, params):
        return None
    rest = beyond_shared_edges(a.signature, b.signature, params)
    if rest is not None and not _remainder_passes(rest, params):
        return None
    if not figures_agree(a.folded_text, b.folded_text, params):
        return None
    return sim


# A run of numbers as the fold leaves them: "11,514", "11.514" and "١١٫٥١٤" are all "11 514".
_NUMBER_RUN = re.compile(r"[0-9]+(?: [0-9]+)*")


# A pair's texts are read again for each neighbour they are tried against.
@lru_cache(maxsize=256)
def figures_of(folded_text: str) -> frozenset[str]:
    """The figures a folded text prints that tell one report from the next of its kind.

    Each is a run of numbers as folded (a decimal or a grouped thousand is one
    run). Numbers of one or two digits (days, small counts, most percentages)
    and a year alone are left out: two reports of one kind share those anyway.
    """
    return frozenset(
        run
        for run in _NUMBER_RUN.findall(folded_text)
        if len(run) > 2 and not (len(run) == 4 and "1900" <= run <= "2100")
    )


def figures_agree(a: str, b: str, params: DedupParams = DEFAULT_PARAMS) -> bool:
    """Whether two folded texts print the same figures, or too few to tell (step 7)."""
    if not a or not b:
        return True
    small, large = sorted((figures_of(a), figures_of(b)), key=len)
    if len(small) < params.min_figures:
        return True
    return len(small & large) >= params.figure_agreement * len(small)


def _passes(sim: Similarity, params: DedupParams) -> bool:
    return sim.jaccard >= params.jaccard_threshold or (
        sim.containment >= params.containment_threshold
        and sim.jaccard >= params.containment_jaccard_floor
    )


def _remainder_passes(rest: Similarity, params: DedupParams) -> bool:
    # The whole pair has passed the rules; what remains need only show that the
    # likeness is not all in the shared blocks: a Jaccard not negligible, or
    # the smaller remainder found in the larger (an excerpt longer than the
    # opening blocks it shares). The full pair rules would be too strict here:
    # a copy that drops middle paragraphs has all its edits in the remainders
    # (on the labelled set they lose 11 true pairs, recall 0.991).
    return (
        rest.jaccard >= params.containment_jaccard_floor
        or rest.containment >= params.containment_threshold
    )


def beyond_shared_edges(a: Signature, b: Signature, params: DedupParams) -> Similarity | None:
    """The similarity of what remains of two documents without the edge blocks both carry.

    An outlet's footer, its "about the agency" paragraph or a standing
    introduction is boilerplate only once ``boilerplate_min_articles`` of its
    articles carry it; until then two unrelated stories of the outlet share it,
    and it alone can make them look like copies.

    A signature position whose minimum comes from a shared block on both
    sides is set aside; at every other position the minimum over both
    documents lies outside the shared blocks, in one of the remainders, and
    the two values are equal exactly when it lies in both. So the share of
    equal values among those positions estimates the Jaccard of the
    remainders, as the whole signature does for the whole documents. (Setting
    aside a position explained on one side only would keep too few of the
    positions where the remainders differ, and overstate their likeness.)

    None when the documents share no edge block, when one of them is hardly
    more than the shared blocks (fewer than ``min_shingles`` shingles
    besides: an excerpt of the other's opening is still a copy of it), or
    when fewer than ``remainder_min_positions`` positions are left to judge by.
    """
    if a.edges is None or b.edges is None or not len(a.edges) or not len(b.edges):
        return None
    ours, theirs = a.edges, b.edges
    # A body has a few edge blocks: sets of Python integers cost less than
    # numpy's set operations on arrays this small.
    our_hashes = ours["hash"].tolist()
    their_hashes = theirs["hash"].tolist()
    their_set = set(their_hashes)
    shared = {
        h
        for h, count in zip(our_hashes, ours["shingles"].tolist(), strict=True)
        if count > 0 and h in their_set
    }
    if not shared:
        return None
    mine = [i for i, h in enumerate(our_hashes) if h in shared]
    # Each shared block's shingles once, even where a body carries it twice.
    once: dict[int, int] = {}
    for i in mine:
        once.setdefault(our_hashes[i], int(ours["shingles"][i]))
    inside = sum(once.values())
    rest_a, rest_b = a.shingle_count - inside, b.shingle_count - inside
    if min(rest_a, rest_b) < params.min_shingles:
        return None
    theirs_shared = [i for i, h in enumerate(their_hashes) if h in shared]
    explained_a = np.bitwise_or.reduce(ours["explains"][mine], axis=0)
    explained_b = np.bitwise_or.reduce(theirs["explains"][theirs_shared], axis=0)
    both = np.unpackbits(explained_a & explained_b, count=len(a.hashvalues)).astype(bool)
    judged = ~both
    positions = int(np.count_nonzero(judged))
    if positions < params.remainder_min_positions:
        return None
    equal = int(np.count_nonzero((a.hashvalues == b.hashvalues) & judged))
    jaccard = equal / positions
    # As in similarity(), with the sizes of the remainders.
    common = jaccard / (1.0 + jaccard) * (rest_a + rest_b)
    containment = min(1.0, common / min(rest_a, rest_b))
    return Similarity(round(jaccard, 4), round(containment, 4))


@dataclass(frozen=True, slots=True)
class Membership:
    """Where one article belongs, and why."""

    #: Id of the cluster: the article id of its canonical member.
    cluster_id: int
    #: The canonical it matched (None for the canonical itself).
    matched_to: int | None = None
    #: Estimated Jaccard with ``matched_to``.
    jaccard: float | None = None
    #: Estimated containment with ``matched_to``.
    containment: float | None = None

    @property
    def is_canonical(self) -> bool:
        """True for the article the cluster is named after."""
        return self.matched_to is None


def cluster(
    docs: Iterable[IndexedDoc], params: DedupParams = DEFAULT_PARAMS
) -> dict[int, Membership]:
    """Leader clustering in publication order: each article joins the earliest canonical it copies.

    Deterministic for a given set of documents, whatever order they come in.
    """
    ordered = sorted(docs, key=lambda d: d.rank)
    leaders: list[IndexedDoc] = []
    result: dict[int, Membership] = {}
    for doc in ordered:
        for leader in leaders:
            sim = are_reprints(doc, leader, params)
            if sim is not None:
                result[doc.article_id] = Membership(
                    leader.article_id, leader.article_id, sim.jaccard, sim.containment
                )
                break
        else:
            leaders.append(doc)
            result[doc.article_id] = Membership(doc.article_id)
    return result


def join_or_lead(
    doc: IndexedDoc, neighbours: Iterable[tuple[IndexedDoc, bool]], params: DedupParams
) -> Membership | None:
    """The membership of a new ``doc`` when deciding it needs nobody else's.

    ``neighbours`` are candidate documents with whether each is a canonical
    now. If ``doc`` copies a canonical published before it, it joins the
    earliest such one and no other article changes. Returns None when ``doc``
    would lead a cluster that later articles may have to move to; the caller
    then reclusters the neighbourhood with ``cluster``.
    """
    best: tuple[IndexedDoc, Similarity] | None = None
    needs_recluster = False
    for other, is_canonical in neighbours:
        sim = are_reprints(doc, other, params)
        if sim is None:
            continue
        if other.rank > doc.rank:
            needs_recluster = True  # a later copy: it may have to follow doc now
        elif is_canonical and (best is None or other.rank < best[0].rank):
            best = (other, sim)
    if best is not None:
        leader, sim = best
        return Membership(leader.article_id, leader.article_id, sim.jaccard, sim.containment)
    if needs_recluster:
        return None
    return Membership(doc.article_id)


def replace_params(params: DedupParams, **changes: Any) -> DedupParams:
    """A copy of ``params`` with some fields changed (for evaluations)."""
    return dataclasses.replace(params, **changes)
