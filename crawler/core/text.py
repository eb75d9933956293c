"""Text normalisation for matching: one fold for Arabic, Cyrillic and Latin.

Two copies of one wire story differ in ways a reader ignores: Arabic
spelling (أ/ا/إ/آ, ى/ي, ة/ه, hamza seats), tatweel stretching a word
("النـاتو"), harakat, Arabic-Indic digits, ё/е, typographic quotes, bidi and
zero-width marks. ``normalise`` removes all of them so that matching (the
dedup stage, full-text search) sees the same words. Without it the median
Jaccard of Arabic reprint pairs collapses.

The fold, in order: a tatweel that ends a word joins it to the next one
("الـ ناتو" reads الناتو); NFKC; casefold; drop tatweel, harakat, Quranic marks,
bidi controls and zero-width characters; fold alef forms to ا, alef maqsura
to ي, ta marbuta to ه, hamza seats ؤ→و and ئ→ي, Persian/Urdu letters to
their Arabic twins, Arabic-Indic and Persian digits to ASCII, ё to е; every
punctuation or symbol character (، ؛ ؟ « » included) becomes a space.

``NORMALISER_VERSION`` changes whenever the fold changes, because stored
signatures and the folded search column depend on it.

This module is cheap on purpose: it runs on every article. ``fold_word`` is
the definition (per token, cached). ``fold_document`` gives the same words
for a whole document with numpy: each character goes through a 64K-entry
table, and word hashes come from prefix sums over the code points, so no
Python code runs per word. Characters whose fold is not one character
(ligatures, combining accents that compose) send a document down the
per-token path, which gives the same result more slowly.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

#: Bump when the fold changes: stored signatures and folded columns depend on it.
NORMALISER_VERSION = 1

_REMOVE = [
    0x0640,  # tatweel
    *range(0x064B, 0x0660),  # harakat, shadda, sukun, hamza above/below marks
    0x0670,  # superscript alef
    *range(0x0610, 0x061B),  # Quranic honorifics and small marks
    *range(0x06D6, 0x06DD),
    *range(0x06DF, 0x06E5),
    0x06E7,
    0x06E8,
    *range(0x06EA, 0x06EE),
    0x061C,  # Arabic letter mark
    0x200E,  # left-to-right and right-to-left marks
    0x200F,
    *range(0x202A, 0x202F),  # bidi embeddings and overrides
    *range(0x2066, 0x206A),  # bidi isolates
    0x200B,  # zero-width space, joiners, word joiner, BOM, soft hyphen
    0x200C,
    0x200D,
    0x2060,
    0xFEFF,
    0x00AD,
    *range(0xFE00, 0xFE10),  # variation selectors (emoji presentation)
    0x0300,  # stress marks on Russian vowels
    0x0301,
]

_FOLD = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ٲ": "ا",
    "ٳ": "ا",
    "ى": "ي",
    "ی": "ي",  # Persian yeh
    "ے": "ي",  # Urdu yeh barree
    "ئ": "ي",
    "ة": "ه",
    "ۀ": "ه",
    "ہ": "ه",
    "ە": "ه",
    "ؤ": "و",
    "ک": "ك",  # keheh
    "ڪ": "ك",
    "ё": "е",
    "ß": "ss",
}
for _zero, _script in ((0x0660, "arabic-indic"), (0x06F0, "persian")):
    for _digit in range(10):
        _FOLD[chr(_zero + _digit)] = str(_digit)


def _build_table() -> dict[int, str | None]:
    table: dict[int, str | None] = dict.fromkeys(_REMOVE)
    for source, target in _FOLD.items():
        table[ord(source)] = target
    # Every punctuation and symbol character becomes a word break. The Basic
    # Multilingual Plane plus the emoji blocks cover what news text uses, and
    # scanning only those keeps import time low.
    for code in [*range(0x10000), *range(0x1F000, 0x1FB00)]:
        if code in table:
            continue
        category = unicodedata.category(chr(code))
        if category[0] in "PS" or category in ("Zs", "Zl", "Zp", "Cc"):
            table[code] = " "
    return table


_TABLE = _build_table()

_WORD_CACHE: dict[str, tuple[str, ...]] = {}
_WORD_CACHE_LIMIT = 400_000


# A tatweel at the end of a word stretches it across a space or quote into the
# next one: real pages print "الـ ناتو", "النـ اتو" and 'الـ "ناتو"' for الناتو.
_TATWEEL_BREAK = re.compile("\u0640+(?:[^\\S\\x1c-\\x1f]|[\"'«»“”„])*")


def normalise(text: str) -> str:
    """Fold ``text`` for matching; words are separated by single spaces."""
    return " ".join(words(text))


def fold_word(token: str) -> tuple[str, ...]:
    """Fold one whitespace-free token; punctuation inside it may split it in several words."""
    cached = _WORD_CACHE.get(token)
    if cached is not None:
        return cached
    folded = unicodedata.normalize("NFKC", token).casefold().translate(_TABLE)
    # casefold can produce characters the table folds (e.g. "Ё" -> "ё"), so
    # translate after casefold; NFKC first so compatibility forms (ﻻ, ﺍ) fold too.
    result = tuple(folded.split())
    if len(_WORD_CACHE) >= _WORD_CACHE_LIMIT:
        _WORD_CACHE.clear()
    _WORD_CACHE[token] = result
    return result


def words(text: str) -> list[str]:
    """The folded words of ``text`` in order."""
    if "\u0640" in text:
        text = _TATWEEL_BREAK.sub("", text)
    out: list[str] = []
    extend = out.extend
    for token in text.split():
        extend(fold_word(token))
    return out


def shingles(tokens: Sequence[str], n: int) -> list[str]:
    """Word ``n``-grams of ``tokens`` joined by spaces; a text shorter than ``n`` is one shingle."""
    if n < 1:
        raise ValueError(f"shingle size must be at least 1, got {n}")
    if len(tokens) < n:
        return [" ".join(tokens)] if tokens else []
    return [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


# -- the vectorised fold ---------------------------------------------------------

#: Separates the blocks of a document in ``fold_documents`` (ASCII record separator).
BLOCK_MARK = 0x1E
#: Separates the documents of a batch (ASCII group separator).
DOC_MARK = 0x1D
_SPACE = 0x20
_SLOW = 0xFFFFFFFF


def _fold_char(char: str) -> str:
    return unicodedata.normalize("NFKC", char).casefold().translate(_TABLE)


def _composes(char: str) -> bool:
    """True for characters that may combine with a neighbour under NFKC."""
    if unicodedata.category(char) in ("Mn", "Mc", "Me") and _TABLE.get(ord(char), "x") is not None:
        return True
    decomposed = unicodedata.normalize("NFKD", char)
    return any(unicodedata.combining(c) for c in decomposed[1:]) and len(_fold_char(char)) != 1


@cache
def _char_table() -> tuple[np.ndarray, dict[str, str]]:
    """The fold of every BMP character, and the characters that fold to several.

    The table holds a code point, 0 (removed), a space, or the slow-path mark
    for characters that compose with a neighbour. Characters that fold to
    several characters on their own ("½" -> "1 2", "ß" -> "ss", "№" -> "no")
    are listed apart and expanded before the table is applied.
    """
    table = np.zeros(0x10000, dtype=np.uint32)
    expansions: dict[str, str] = {}
    for code in range(0x10000):
        if 0xD800 <= code < 0xE000:
            table[code] = _SLOW  # lone surrogates
            continue
        char = chr(code)
        if _composes(char):
            table[code] = _SLOW
            continue
        folded = _fold_char(char)
        if folded == "":
            table[code] = 0
        elif folded.isspace():
            table[code] = _SPACE
        elif len(folded) == 1:
            table[code] = ord(folded)
        else:
            table[code] = _SLOW
            expansions[char] = folded
    table[0x0300] = table[0x0301] = _SLOW  # removed in Russian, but compose in Latin
    table[0x1100:0x1200] = _SLOW  # conjoining jamo compose into syllables
    table[BLOCK_MARK] = BLOCK_MARK
    table[DOC_MARK] = DOC_MARK
    return table, expansions


def _fold_astral(code: int) -> int:
    """The fold of one character beyond the BMP (emoji, mathematical letters), or slow."""
    folded = _fold_char(chr(code))
    if folded == "":
        return 0
    if folded.isspace():
        return _SPACE
    if len(folded) == 1 and ord(folded) < 0x10000 and not _composes(chr(code)):
        return ord(folded)
    return _SLOW


_HASH_BASE = np.uint64(0x100000001B3 | 1)
_HASH_BASE_INVERSE = np.uint64(pow(int(_HASH_BASE), -1, 1 << 64))
_powers: list[np.ndarray] = []


def _hash_powers(length: int) -> tuple[np.ndarray, np.ndarray]:
    """BASE**i and BASE**-i (mod 2**64) for i < length, grown as needed and kept."""
    if not _powers or len(_powers[0]) < length:
        size = max(length, 2 * len(_powers[0]) if _powers else 0, 1 << 16)
        one = np.ones(1, dtype=np.uint64)
        with np.errstate(over="ignore"):
            forward = np.cumprod(np.full(size - 1, _HASH_BASE, dtype=np.uint64))
            backward = np.cumprod(np.full(size - 1, _HASH_BASE_INVERSE, dtype=np.uint64))
        _powers[:] = [np.concatenate([one, forward]), np.concatenate([one, backward])]
    return _powers[0], _powers[1]


def _fmix64(values: np.ndarray) -> np.ndarray:
    values = values ^ (values >> np.uint64(33))
    values = values * np.uint64(0xFF51AFD7ED558CCD)
    values = values ^ (values >> np.uint64(33))
    values = values * np.uint64(0xC4CEB9FE1A85EC53)
    return values ^ (values >> np.uint64(33))


def hash_words(codepoints: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each word span: a polynomial over its code points, then mixed.

    Prefix sums make this a handful of numpy operations for a whole batch;
    equal words hash equal wherever they stand.
    """
    if not len(starts):
        return np.empty(0, dtype=np.uint64)
    forward, backward = _hash_powers(len(codepoints) + 1)
    with np.errstate(over="ignore"):
        weighted = codepoints.astype(np.uint64)
        weighted *= forward[: len(codepoints)]
        prefix = np.empty(len(codepoints) + 1, dtype=np.uint64)
        prefix[0] = 0
        np.cumsum(weighted, dtype=np.uint64, out=prefix[1:])
        raw = (prefix[ends] - prefix[starts]) * backward[starts]
        raw += (ends - starts).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        return _fmix64(raw)


def _spans(codepoints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    letter = (codepoints != _SPACE) & (codepoints != BLOCK_MARK) & (codepoints != DOC_MARK)
    edges = np.diff(letter.astype(np.int8), prepend=np.int8(0), append=np.int8(0))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _encode(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def word_hashes(folded_words: Sequence[str]) -> np.ndarray:
    """The hash of each already folded word (the values ``fold_documents`` gives)."""
    if not folded_words:
        return np.empty(0, dtype=np.uint64)
    codepoints = _encode(" ".join(folded_words))
    starts, ends = _spans(codepoints)
    return hash_words(codepoints, starts, ends)


@dataclass(frozen=True, eq=False, slots=True)
class FoldedDocument:
    """One document folded for matching."""

    #: Folded text of each block (words separated by single spaces).
    block_texts: tuple[str, ...]
    #: Hash of each word, all blocks in order (uint64).
    hashes: np.ndarray
    #: Number of words in each block (to cut ``hashes`` per block).
    counts: tuple[int, ...]

    @property
    def blocks(self) -> tuple[tuple[str, ...], ...]:
        """Folded words of each block."""
        return tuple(tuple(text.split()) for text in self.block_texts)

    @property
    def text(self) -> str:
        """All folded words, single spaces between them."""
        return " ".join(text for text in self.block_texts if text)


def _slow_document(blocks: Sequence[str]) -> FoldedDocument:
    folded = [words(block) for block in blocks]
    flat = [w for block in folded for w in block]
    return FoldedDocument(
        tuple(" ".join(b) for b in folded), word_hashes(flat), tuple(len(b) for b in folded)
    )


def _fold_joined(joined: str) -> tuple[np.ndarray, np.ndarray]:
    """Code points of ``joined`` through the fold table; and where the slow path is needed."""
    table, expansions = _char_table()
    raw = _encode(joined)
    # take() with mode="clip" maps every astral code point to the last entry
    # (fixed below) and skips the bounds checks and index copy of a[...].
    folded = table.take(raw, mode="clip")
    # Characters that fold to several ("½", "ß") are spelled out, then folded
    # with the rest. They are few and marked slow in the table: splicing them
    # in costs less than a regular expression over the whole text.
    marked = np.flatnonzero(folded == _SLOW)
    spelled = [
        (position, expansions[chr(code)])
        for position, code in zip(marked.tolist(), raw[marked].tolist(), strict=True)
        if code <= 0xFFFF and chr(code) in expansions
    ]
    if spelled:
        pieces = []
        previous = 0
        for position, expansion in spelled:
            pieces += [raw[previous:position], _encode(expansion)]
            previous = position + 1
        pieces.append(raw[previous:])
        raw = np.concatenate(pieces)
        folded = table.take(raw, mode="clip")
    astral = raw > 0xFFFF
    if astral.any():
        folded[astral] = [_fold_astral(int(code)) for code in raw[astral]]
    return raw, folded


def fold_documents(documents: Sequence[Sequence[str]]) -> list[FoldedDocument]:
    """Fold many documents (each a list of blocks) at once; the same words as ``words``.

    One numpy pass for the batch: characters through the fold table, word
    spans from where letters start and stop, word hashes from prefix sums,
    words per block from where the block marks stand. A document with a
    character that composes with a neighbour (a combining accent) is folded
    word by word instead.
    """
    if not documents:
        return []
    blocks_per_doc = [max(1, len(blocks)) for blocks in documents]
    joined = "\x1d".join("\x1e".join(blocks) for blocks in documents)
    expected_marks = sum(blocks_per_doc) - 1
    marks_found = joined.count("\x1e") + joined.count("\x1d")
    if marks_found != expected_marks or "\x1c" in joined or "\x1f" in joined:
        # A block carries one of the marks (or its neighbours): blank them first.
        joined = "\x1d".join(
            "\x1e".join(_MARKS.sub(" ", b) for b in blocks) for blocks in documents
        )
    if "\u0640" in joined:
        joined = _TATWEEL_BREAK.sub("", joined)
    raw, folded = _fold_joined(joined)
    slow = folded == _SLOW
    if slow.any():
        doc_of_char = np.cumsum(raw == DOC_MARK)
        slow_docs = set(np.unique(doc_of_char[slow]).tolist())
        fast = [i for i in range(len(documents)) if i not in slow_docs]
        results = dict(zip(fast, fold_documents([documents[i] for i in fast]), strict=True))
        for i in slow_docs:
            results[i] = _slow_document(documents[i])
        return [results[i] for i in range(len(documents))]
    folded = folded[folded != 0]
    starts, ends = _spans(folded)
    hashes = hash_words(folded, starts, ends)
    marks = np.flatnonzero((folded == BLOCK_MARK) | (folded == DOC_MARK))
    block_offsets = np.concatenate([[0], np.cumsum(blocks_per_doc)])
    block_of_word = np.searchsorted(marks, starts)
    counts = np.bincount(block_of_word, minlength=int(block_offsets[-1]))
    word_offsets = np.concatenate([[0], np.cumsum(counts)])[block_offsets]
    # Keep the words, the marks, and one space between two words of one block.
    keep = folded != _SPACE
    keep[ends[:-1][block_of_word[:-1] == block_of_word[1:]]] = True
    text = folded[keep].tobytes().decode("utf-32-le", "surrogatepass")
    out = []
    for index, document in enumerate(text.split("\x1d")):
        if not documents[index]:
            out.append(FoldedDocument((), hashes[:0], ()))
            continue
        first, last = block_offsets[index], block_offsets[index + 1]
        out.append(
            FoldedDocument(
                tuple(document.split("\x1e")),
                hashes[word_offsets[index] : word_offsets[index + 1]],
                tuple(counts[first:last].tolist()),
            )
        )
    return out


# The two marks and their neighbours, which Python's str.split treats as whitespace.
_MARKS = re.compile("[\x1c-\x1f]")


def fold_lines(lines: Iterable[str]) -> list[str]:
    """Normalise each line; used to match outlet boilerplate across articles."""
    return [normalise(line) for line in lines]
