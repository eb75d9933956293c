"""Normalisation: Arabic, Cyrillic and Latin variants fold to the same words."""

from __future__ import annotations

import numpy as np
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


def test_batch_fold_spells_out_characters_that_fold_to_several() -> None:
    """ "½", "ß", "№" spliced into the batch fold as the one-by-one fold (``words``) spells them."""
    from crawler.core.text import fold_documents, word_hashes

    documents = [
        ["Straße ½ km, № 5", "ß", "¼¾ and ½"],
        ["½"],
        ["no expansions here", "Ёлка"],
        ["𝐀 ½ ß", "e\u0301 ½"],  # an astral letter, and an accent that composes (slow path)
    ]
    folded = fold_documents(documents)
    for blocks, document in zip(documents, folded, strict=True):
        expected = [words(b) for b in blocks]
        assert document.block_texts == tuple(" ".join(w) for w in expected)
        assert document.counts == tuple(len(w) for w in expected)
        flat = [w for block in expected for w in block]
        assert np.array_equal(document.hashes, word_hashes(flat))


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
