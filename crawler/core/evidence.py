"""Evidence that two texts in different languages tell one story, read without translating.

A translation keeps what no translator changes: the numbers, and the names, spelled in
another script. This module turns a text into keys that are equal across Russian, Arabic
and English when they stand for the same thing:

* ``quantities``: numbers with their scale, whatever the digits and separators:
  "1,5 млрд", "1.5 billion", "١٫٥ مليار" are all ``1.5e9``; "42%", "42 процента",
  "٤٢ بالمئة" are ``42%``. Years (1900-2100 standing alone) are kept apart, in ``years``,
  because a year alone links nothing.
* ``name_keys``: a consonant skeleton in Latin letters of each name: "Лавров", "Lavrov" and
  "لافروف" are all ``lfrf``; "Панкин", "Pankin" and "بانكين" are ``bnkn``. Arabic writes no
  capitals and no short vowels, so every Arabic word long enough gives a key; in Cyrillic
  and Latin text only capitalised words do. The skeleton folds what the scripts cannot tell
  apart (p/b, v/f/w, g/k/q, the sibilants, h and the vowels), so it is a key for finding
  candidates and weighing them by rarity, not a proof by itself.

Everything here is a pure function of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# --------------------------------------------------------------------------------------------
# Name skeletons
# --------------------------------------------------------------------------------------------

# Latin spellings first: Cyrillic and Arabic letters are spelled in Latin, then folded.
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "є": "ye", "і": "i", "ї": "yi", "ґ": "g", "ў": "u",
}  # fmt: skip
# Long vowels and the glides that write vowels in borrowed names (ا و ي ى ة) are vowels
# here: "لافروف" is l-a-f-r-o-f.
_ARABIC = {
    "ا": "a", "أ": "a", "إ": "a", "آ": "a", "ء": "", "ئ": "", "ؤ": "", "ب": "b", "ت": "t",
    "ث": "s", "ج": "g", "ح": "h", "خ": "kh", "د": "d", "ذ": "z", "ر": "r", "ز": "z",
    "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "ع": "", "غ": "g",
    "ف": "f", "ق": "k", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h", "و": "o",
    "ي": "i", "ى": "a", "ة": "a", "پ": "p", "چ": "ch", "ڤ": "v", "گ": "g",
}  # fmt: skip
_SPELL = str.maketrans({**_CYRILLIC, **_ARABIC})
# Folded Latin: letters one script or another cannot tell apart become one letter.
_DIGRAPHS = re.compile(r"shch|sch|kh|ch|sh|zh|ts|th|ph|ck|qu|x")
_DIGRAPH_FOLD = {
    "shch": "s", "sch": "s", "kh": "h", "ch": "s", "sh": "s", "zh": "s", "ts": "s",
    "th": "s", "ph": "f", "ck": "k", "qu": "k", "x": "ks",
}  # fmt: skip
_LETTER_FOLD = str.maketrans(
    {"p": "b", "v": "f", "w": "f", "g": "k", "q": "k", "c": "k", "j": "k", "z": "s", "h": ""}
)
_VOWELS = re.compile(r"[aeiouy]")
_DOUBLED = re.compile(r"(.)\1+")
# Arabic words carry their article and some prepositions as prefixes ("والناتو").
_ARABIC_PREFIX = re.compile(r"^(?:و|ف|ب|ل|ك)?(?:ال|لل)")
_HARAKAT = re.compile(r"[\u064b-\u065f\u0670\u0640]")
_WORD = re.compile(r"[^\W\d_]+")
_ARABIC_LETTERS = re.compile(r"[\u0621-\u064a\u0671-\u06d3]")
# Shorter skeletons are too common to mean anything.
MIN_SKELETON = 2
# Arabic words shorter than this (after the article) are mostly particles.
_MIN_ARABIC_LETTERS = 4


def skeleton(word: str) -> str:
    """The folded Latin consonants of ``word`` ("Лавров", "Lavrov", "لافروف" -> "lfrf")."""
    text = _HARAKAT.sub("", word.casefold())
    if _ARABIC_LETTERS.search(text):
        text = _ARABIC_PREFIX.sub("", text)
    text = text.translate(_SPELL)
    text = _DIGRAPHS.sub(lambda m: _DIGRAPH_FOLD[m.group()], text)
    text = text.translate(_LETTER_FOLD)
    text = _VOWELS.sub("", text)
    return _DOUBLED.sub(r"\1", "".join(ch for ch in text if "a" <= ch <= "z"))


def _is_name(word: str) -> bool:
    if _ARABIC_LETTERS.search(word):
        return len(_ARABIC_PREFIX.sub("", _HARAKAT.sub("", word))) >= _MIN_ARABIC_LETTERS
    # All capitals ("NATO", "ТАСС") or a capital and lower case ("Lavrov").
    return word[:1].isupper()


def name_keys(text: str) -> frozenset[str]:
    """Skeletons of the words of ``text`` that may be names (see the module docstring)."""
    keys = set()
    for match in _WORD.finditer(text):
        word = match.group()
        if _is_name(word):
            key = skeleton(word)
            if len(key) >= MIN_SKELETON:
                keys.add(key)
    return frozenset(keys)


# --------------------------------------------------------------------------------------------
# Quantities
# --------------------------------------------------------------------------------------------

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# Arabic decimal and thousands separators, and the narrow spaces that group digits.
_SEPARATORS = str.maketrans({"٫": ".", "٬": ",", "\u00a0": " ", "\u202f": " ", "\u2009": " "})
_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:[ ,.]\d{3})+|\d+)(?:([.,])(\d+))?(?![\w])")
_SCALES = (
    (re.compile(r"^\s*(?:трлн|триллион\w*|trillion|tn|تريليون)", re.I), 12),
    (re.compile(r"^\s*(?:млрд|миллиард\w*|billion|bn|مليار\w*|بليون)", re.I), 9),
    (re.compile(r"^\s*(?:млн|миллион\w*|million|mln|m\b|مليون|ملايين)", re.I), 6),
    (re.compile(r"^\s*(?:тыс\w*|thousand|ألف|آلاف|الف)", re.I), 3),
)
_PERCENT = re.compile(r"^\s*(?:%|٪|процент\w*|per\s*cent|percent|بالمئة|بالمائة|في المئة)", re.I)


@dataclass(frozen=True)
class Quantities:
    """The numbers of a text, as keys equal across languages."""

    #: Numbers with their scale or percent sign ("1.5e9", "42%", "350").
    values: frozenset[str]
    #: Years standing alone (1900-2100): a year links nothing by itself.
    years: frozenset[str]


def _number_value(whole: str, mark: str | None, fraction: str | None) -> float | None:
    grouped = re.sub(r"[ ,.]", "", whole)
    if mark and fraction is not None:
        # "1,5" and "1.5" are decimals; "1,500" and "1.500" were caught as groups above.
        return float(f"{grouped}.{fraction}")
    return float(grouped)


def _key(value: float) -> str:
    return f"{value:.6g}"


def quantities(text: str) -> Quantities:
    """The numbers of ``text`` with their scale, in keys equal across languages."""
    text = text.translate(_DIGITS).translate(_SEPARATORS)
    values: set[str] = set()
    years: set[str] = set()
    for match in _NUMBER.finditer(text):
        whole, mark, fraction = match.groups()
        value = _number_value(whole, mark, fraction)
        if value is None:
            continue
        after = text[match.end() : match.end() + 24]
        if _PERCENT.match(after):
            values.add(_key(value) + "%")
            continue
        scale = next((power for pattern, power in _SCALES if pattern.match(after)), 0)
        if scale:
            values.add(_key(value) + f"e{scale}")
        elif not mark and len(whole) == 4 and 1900 <= value <= 2100:
            years.add(whole)
        else:
            values.add(_key(value))
    return Quantities(frozenset(values), frozenset(years))
