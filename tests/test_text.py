"""Normalisation: Arabic, Cyrillic and Latin variants fold to the same words."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.core.text import normalise, shingles, words

FOLDS = [
    # Arabic: alef forms, hamza seats, alef maqsura, ta marbuta
    ("الأمن", "الامن"),
    ("إقامة", "اقامه"),
    ("آخر", "اخر"),
    ("الجماعى", "الجماعي"),
    ("منظمة", "منظمه"),
    ("مسؤول", "مسوول"),
    ("رئيس", "رييس"),
    # tatweel, harakat, shadda, superscript alef
    ("النـاتو", "الناتو"),
    ("النــــاتو", "الناتو"),
    # a tatweel stretching a word across a space or a quote, as the seed site prints it
    ("الـ ناتو", "الناتو"),
    ("النـ اتو", "الناتو"),
    ('حلف الـ "ناتو"', "حلف الناتو"),
    ("مُنَظَّمَةُ", "منظمه"),
    ("وفعّالية", "وفعاليه"),
    ("هٰذا", "هذا"),
    # digits
    ("٢٠٢٢", "2022"),
    ("۱۴۰۱", "1401"),
    # punctuation, quotes, Arabic comma and question mark
    ("«الناتو»،", "الناتو"),
    ("لماذا؟", "لماذا"),
    ('"ناتو".', "ناتو"),
    # bidi and zero-width marks
    ("\u200fالناتو\u200e", "الناتو"),
    ("نا\u200bتو", "ناتو"),
    # Cyrillic: case and ё
    ("Ёлка", "елка"),
    ("ВСЁ", "все"),
    ("ТАСС.", "тасс"),
    # Latin: case and compatibility forms
    ("NATO’s", "nato s"),
    ("ﬁnance", "finance"),
    # Arabic presentation forms (NFKC)
    ("ﻻ", "لا"),
]


@pytest.mark.parametrize("raw, folded", FOLDS)
def test_fold(raw: str, folded: str) -> None:
    assert normalise(raw) == folded


def test_seed_title_variants_fold_alike() -> None:
    variants = ["الناتو", "النـاتو", "النـــاتو", "النّاتو", "الناتُو"]
    assert {normalise(v) for v in variants} == {"الناتو"}


def test_words_split_on_punctuation() -> None:
    assert words("موسكو- الأمة برس -وقال،") == ["موسكو", "الامه", "برس", "وقال"]


def test_shingles() -> None:
    assert shingles(["a", "b", "c", "d"], 2) == ["a b", "b c", "c d"]
    assert shingles(["a"], 3) == ["a"]
    assert shingles([], 3) == []
    with pytest.raises(ValueError):
        shingles(["a"], 0)


@given(st.text())
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


def test_batch_fold_gives_each_block_its_words_single_spaced() -> None:
    """Punctuation, dashes and tatweel leave no runs of spaces in the folded blocks."""
    from crawler.core.text import fold_documents

    documents = [
        ["«Привет», — сказал он.  Ёлка!", "", "  end  "],
        ["قالت الوكالة: «إن الاجتماع ... سيعقد» ، غدًا", "(AFP) -- Paris, 3 Nov."],
        [],
    ]
    folded = fold_documents(documents)
    for blocks, document in zip(documents, folded, strict=True):
        assert document.block_texts == tuple(" ".join(words(b)) for b in blocks)
        assert document.text == " ".join(w for b in blocks for w in words(b))
