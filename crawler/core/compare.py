"""What a reprint kept, changed, added and cut, paragraph by paragraph.

``align(canonical, copy)`` pairs each paragraph of a copy with the paragraph
of the canonical text it reproduces (matching on folded word trigrams, so
spelling variants, a dateline or a dropped word still match) and lists the
canonical paragraphs the copy left out. A paired paragraph is kept only when
its folded words are the canonical's, word for word: a dateline put in front
or a credit ("передает «Интерфакс»") put at the end makes it changed, and the
words added and cut are counted. ``shared_spans`` marks the exact word runs
two paragraphs have in common. The CLI and the cluster page render
these; nothing here prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from crawler.core.text import fold_word

#: Share of a paragraph's word trigrams found in the other for the two to count as one.
MATCH_THRESHOLD = 0.5
RowKind = Literal["same", "changed", "added", "cut"]


@dataclass(frozen=True)
class AlignedRow:
    """One row of a comparison: a paragraph of the copy, of the canonical, or both."""

    #: ``same`` (kept), ``changed`` (kept with edits), ``added`` (only in the copy),
    #: ``cut`` (only in the canonical).
    kind: RowKind
    #: The canonical's paragraph, empty for ``added``.
    canonical: str
    #: The copy's paragraph, empty for ``cut``.
    copy: str
    #: Share of the smaller paragraph's trigrams found in the other (0 for added/cut).
    overlap: float = 0.0
    #: Words of the copy the canonical does not have (all of an added paragraph's).
    words_added: int = 0
    #: Words of the canonical the copy does not have (all of a cut paragraph's).
    words_cut: int = 0


def _folded_words(text: str) -> list[str]:
    return [w for token in text.split() for w in fold_word(token)]


def _trigrams(words: Sequence[str]) -> set[tuple[str, ...]]:
    if len(words) < 3:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def _overlap(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def word_changes(canonical: str, copy: str) -> tuple[int, int]:
    """(words the copy added, words it cut), comparing folded words in order."""
    a, b = _folded_words(canonical), _folded_words(copy)
    if a == b:
        return 0, 0
    shared = sum(
        block.size for block in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
    )
    return len(b) - shared, len(a) - shared


def align(canonical: Sequence[str], copy: Sequence[str]) -> list[AlignedRow]:
    """Rows in the copy's order; cut canonical paragraphs appear where they stood."""
    canonical_grams = [_trigrams(_folded_words(p)) for p in canonical]
    matched: dict[int, tuple[int, float]] = {}
    used: set[int] = set()
    cursor = 0
    for index, paragraph in enumerate(copy):
        grams = _trigrams(_folded_words(paragraph))
        best, best_score = -1, 0.0
        # Prefer the next canonical paragraphs (copies keep the order), but
        # look everywhere: some outlets move a paragraph up.
        order = list(range(cursor, len(canonical))) + list(range(cursor))
        for candidate in order:
            if candidate in used:
                continue
            score = _overlap(grams, canonical_grams[candidate])
            if score > best_score:
                best, best_score = candidate, score
        if best >= 0 and best_score >= MATCH_THRESHOLD:
            matched[index] = (best, best_score)
            used.add(best)
            cursor = best + 1
    rows: list[AlignedRow] = []
    next_canonical = 0
    for index, paragraph in enumerate(copy):
        if index not in matched:
            rows.append(AlignedRow("added", "", paragraph, words_added=len(paragraph.split())))
            continue
        target, score = matched[index]
        while next_canonical < target:
            if next_canonical not in used:
                rows.append(_cut(canonical[next_canonical]))
            next_canonical += 1
        next_canonical = max(next_canonical, target + 1)
        added, cut = word_changes(canonical[target], paragraph)
        kind: RowKind = "same" if added == cut == 0 else "changed"
        rows.append(AlignedRow(kind, canonical[target], paragraph, round(score, 3), added, cut))
    for leftover in range(next_canonical, len(canonical)):
        if leftover not in used:
            rows.append(_cut(canonical[leftover]))
    return rows


def _cut(paragraph: str) -> AlignedRow:
    return AlignedRow("cut", paragraph, "", words_cut=len(paragraph.split()))


def shared_spans(
    a: str, b: str, min_words: int = 3
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Character spans of word runs (at least ``min_words`` long) that ``a`` and ``b`` share.

    Words are compared folded, so "الأمن" in one matches "الامن" in the other.
    Returns the spans in ``a`` and the spans in ``b``.
    """
    words_a, spans_a = _word_spans(a)
    words_b, spans_b = _word_spans(b)
    matcher = SequenceMatcher(None, words_a, words_b, autojunk=False)
    out_a: list[tuple[int, int]] = []
    out_b: list[tuple[int, int]] = []
    for block in matcher.get_matching_blocks():
        if block.size >= min_words:
            out_a.append((spans_a[block.a][0], spans_a[block.a + block.size - 1][1]))
            out_b.append((spans_b[block.b][0], spans_b[block.b + block.size - 1][1]))
    return out_a, out_b


def _word_spans(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    words: list[str] = []
    spans: list[tuple[int, int]] = []
    position = 0
    for token in text.split():
        start = text.index(token, position)
        position = start + len(token)
        folded = " ".join(fold_word(token))
        if folded:
            words.append(folded)
            spans.append((start, position))
    return words, spans
