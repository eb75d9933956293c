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

This module is cheap on purpose: it runs on every article. Words are folded
once and cached, so a token that recurs across articles costs one dict lookup.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

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
_TATWEEL_BREAK = re.compile("\u0640+[\\s\"'«»“”„]*")


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


def fold_lines(lines: Iterable[str]) -> list[str]:
    """Normalise each line; used to match outlet boilerplate across articles."""
    return [normalise(line) for line in lines]
