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

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from crawler.core import dates
from crawler.core.scripts import latin

# --------------------------------------------------------------------------------------------
# Name skeletons
# --------------------------------------------------------------------------------------------

# Cyrillic is spelled in Latin by ``scripts.latin``; Arabic letters here. Long vowels and the
# glides that write vowels in borrowed names (ا و ي ى ة) are vowels: "لافروف" is l-a-f-r-o-f.
_ARABIC = {
    "ا": "a", "أ": "a", "إ": "a", "آ": "a", "ء": "", "ئ": "", "ؤ": "", "ب": "b", "ت": "t",
    "ث": "s", "ج": "g", "ح": "h", "خ": "kh", "د": "d", "ذ": "z", "ر": "r", "ز": "z",
    "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "ع": "", "غ": "g",
    "ف": "f", "ق": "k", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h", "و": "o",
    "ي": "i", "ى": "a", "ة": "a", "پ": "p", "چ": "ch", "ڤ": "v", "گ": "g",
}  # fmt: skip
_ARABIC_SPELL = str.maketrans(_ARABIC)
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
# Arabic words shorter than this are mostly particles.
_MIN_ARABIC_LETTERS = 4


def skeleton(word: str) -> str:
    """The folded Latin consonants of ``word`` ("Лавров", "Lavrov", "لافروف" -> "lfrf").

    An Arabic word loses its article and the preposition before it ("والناتو" -> "nt").
    """
    text = _HARAKAT.sub("", word)
    if _ARABIC_LETTERS.search(text):
        text = _ARABIC_PREFIX.sub("", text)
    return _consonants(text)


def _consonants(text: str) -> str:
    text = latin(text).translate(_ARABIC_SPELL)
    text = _DIGRAPHS.sub(lambda m: _DIGRAPH_FOLD[m.group()], text)
    text = text.translate(_LETTER_FOLD)
    text = _VOWELS.sub("", text)
    return _DOUBLED.sub(r"\1", "".join(ch for ch in text if "a" <= ch <= "z"))


def _is_name(word: str) -> bool:
    if _ARABIC_LETTERS.search(word):
        return len(_HARAKAT.sub("", word)) >= _MIN_ARABIC_LETTERS
    # All capitals ("NATO", "ТАСС") or a capital and lower case ("Lavrov").
    return word[:1].isupper()


def names(text: str) -> dict[str, str]:
    """Skeleton -> the word as printed, for the words of ``text`` that may be names.

    An Arabic word gives its skeleton without the article as well as with it, since
    "فالداي" (Valdai) starts like "ف" + "ال" + a word.
    """
    found: dict[str, str] = {}
    # A word met again gives nothing new: each is looked at once. Only a capitalised word
    # or (in Arabic) a long enough one can be a name: the others are left out before
    # anything is asked of them, in one pass.
    words = dict.fromkeys(_WORD.findall(text))
    if _ARABIC_LETTERS.search(text):
        maybe = [w for w in words if len(w) >= _MIN_ARABIC_LETTERS or w[0].isupper()]
    else:
        maybe = [w for w in words if w[0].isupper()]
    for word in maybe:
        for key in _word_keys(word):
            found.setdefault(key, word)
    return found


@functools.lru_cache(maxsize=1 << 17)
def _word_keys(word: str) -> tuple[str, ...]:
    # Words repeat across a day's news: each is spelled out once.
    if not _is_name(word):
        return ()
    keys = [skeleton(word)]
    prefix = _ARABIC_PREFIX.match(_HARAKAT.sub("", word))
    if prefix and len(prefix.group()) == 3:
        # "فال" may be a preposition and the article, or the start of "فالداي".
        keys.append(_consonants(_HARAKAT.sub("", word)))
    return tuple(dict.fromkeys(k for k in keys if len(k) >= MIN_SKELETON))


def name_keys(text: str) -> frozenset[str]:
    """Skeletons of the words of ``text`` that may be names (see the module docstring)."""
    return frozenset(names(text))


# --------------------------------------------------------------------------------------------
# Quantities
# --------------------------------------------------------------------------------------------

# Arabic-Indic and Persian digits, as Western digits.
_DIGITS = dict(zip("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789", strict=True))
# Arabic decimal and thousands separators, and the narrow spaces that group digits.
_SEPARATORS = {"٫": ".", "٬": ",", "\u00a0": " ", "\u202f": " ", "\u2009": " "}
_OTHER_NUMERALS = re.compile("[\u0660-\u0669\u06f0-\u06f9\u066b\u066c\u00a0\u202f\u2009]")
_OTHER_DIGITS = re.compile("[\u0660-\u0669\u06f0-\u06f9]")
_NUMERALS = _DIGITS | _SEPARATORS
# The look-ahead rules out a position that holds no digit in one test, before the
# look-behind and the two branches are tried: a quarter off the pass over a body. A number
# may open a word after an Arabic clitic ("و11", "ب20", "ل300": and, by, for).
_NUMBER = re.compile(
    r"(?=\d)(?:(?<![\w.,])|(?<=(?<!\w)[\u0648\u0628\u0644]))"
    r"(\d{1,3}(?:[ ,.]\d{3})+|\d+)(?:([.,])(\d+))?(?![\w])"
)
# Arabic goes on after a scale word: "٧١ ألفا و350" is 71,350, "1 مليار و200 مليون" 1.2
# billion ("ألفا" is "ألف" with its case ending).
_AND_MORE = re.compile("[\u0627\u064b]*\\s*\u0648\\s*(?=\\d)")
_SCALES = (
    (12, r"трлн|триллион\w*|trillion|tn|تريليون"),
    (9, r"млрд|миллиард\w*|billion|bn|مليار\w*|بليون"),
    (6, r"млн|миллион\w*|million|mln|m\b|مليون|ملايين"),
    (3, r"тыс\w*|thousand|ألف|آلاف|الف"),
)
_PERCENT = r"%|٪|процент\w*|per\s*cent|percent|بالمئة|بالمائة|في المئة"
# What may follow a number, in one pattern: its percent sign or its scale word. The
# group that matched names it ("pct", "e12" ...).
_SUFFIX = re.compile(
    r"\s*(?:(?P<pct>"
    + _PERCENT
    + ")|"
    + "|".join(f"(?P<e{power}>{words})" for power, words in _SCALES)
    + ")",
    re.I,
)


def _replace_found(text: str, pattern: re.Pattern[str], table: dict[str, str]) -> str:
    """``text`` with the characters ``pattern`` finds replaced from ``table``; one for one.

    A pass of ``str.replace`` per character present is far quicker than ``str.translate``,
    which looks every character of the text up in the table.
    """
    for character in set(pattern.findall(text)):
        text = text.replace(character, table[character])
    return text


@dataclass(frozen=True)
class Quantities:
    """The numbers of a text, as keys equal across languages."""

    #: Numbers with their scale or percent sign ("1.5e9", "42%", "350").
    values: frozenset[str]
    #: Years standing alone (1900-2100): a year links nothing by itself.
    years: frozenset[str]


def _number_value(whole: str, mark: str | None, fraction: str | None) -> float:
    grouped = whole.replace(" ", "").replace(",", "").replace(".", "") if len(whole) > 3 else whole
    if mark and fraction is not None:
        # "1,5" and "1.5" are decimals; "1,500" and "1.500" were caught as groups above.
        return float(f"{grouped}.{fraction}")
    return float(grouped)


def _key(value: float) -> str:
    return f"{value:.6g}"


def _is_time_of_day(
    text: str, start: int, end: int, whole: str, mark: str | None, fraction: str | None
) -> bool:
    """Whether a number is a time of day or a score ("07:40", "19:05", "2:1", "07.40").

    Neither is a figure. An hour keeps its zero ("07.40"); a decimal never has one.
    """
    if end + 1 < len(text) and text[end] == ":" and text[end + 1].isdigit():
        return True
    if start >= 2 and text[start - 1] == ":" and text[start - 2].isdigit():
        return True
    return mark == "." and len(whole) == 2 and whole[0] == "0" and len(fraction or "") == 2


def _compound(text: str, position: int, value: float, power: int) -> tuple[str, int] | None:
    """The key and end of an Arabic compound figure going on at ``position``, if one does.

    ``value`` times ten to ``power`` was read before; "و" and a smaller part follow. A
    compound of thousands is keyed as the whole number ("71350", as "71 350" is), a bigger
    one in its scale ("1.2e9", as "1,2 млрд" is).
    """
    joint = _AND_MORE.match(text, position)
    number = _NUMBER.match(text, joint.end()) if joint else None
    if number is None or number.group(2):
        return None
    rest, end, rest_power = _number_value(number.group(1), None, None), number.end(), 0
    suffix = _SUFFIX.match(text, end, end + 24)
    if suffix and suffix.lastgroup == "pct":
        return None  # "3.5 billion and 12 percent": two figures
    if suffix:
        rest_power, end = int(str(suffix.lastgroup)[1:]), suffix.end()
    if rest_power >= power or rest * 10**rest_power >= 10**power:
        return None
    total = value * 10**power + rest * 10**rest_power
    if power == 3:
        return _key(total), end
    return _key(total / 10**power) + f"e{power}", end


def _quantity_matches(text: str) -> Iterator[tuple[str, bool, int, int]]:
    """(key, is a year, start, end) of each number of ``text``, with its scale word."""
    # The table maps one character to one, so spans are the printed text's.
    text = _replace_found(text, _OTHER_NUMERALS, _NUMERALS)
    read_to = 0
    for match in _NUMBER.finditer(text):
        if match.start() < read_to:
            continue  # the smaller part of a compound figure
        whole, mark, fraction = match.groups()
        if _is_time_of_day(text, match.start(), match.end(), whole, mark, fraction):
            continue
        value = _number_value(whole, mark, fraction)
        suffix = _SUFFIX.match(text, match.end(), match.end() + 24)
        if suffix:
            kind = suffix.lastgroup
            if kind != "pct" and (
                compound := _compound(text, suffix.end(), value, int(str(kind)[1:]))
            ):
                read_to = compound[1]
                yield compound[0], False, match.start(), compound[1]
                continue
            mark_text = "%" if kind == "pct" else str(kind)
            yield _key(value) + mark_text, False, match.start(), suffix.end()
        elif not mark and len(whole) == 4 and 1900 <= value <= 2100:
            yield whole, True, match.start(), match.end()
        else:
            yield _key(value), False, match.start(), match.end()


def quantities(text: str) -> Quantities:
    """The numbers of ``text`` with their scale, in keys equal across languages."""
    values: set[str] = set()
    years: set[str] = set()
    for key, is_year, _, _ in _quantity_matches(text):
        (years if is_year else values).add(key)
    return Quantities(frozenset(values), frozenset(years))


def figures(text: str) -> dict[str, str]:
    """Quantity key -> the figure as printed, for the numbers that can tell a story apart.

    Years, and whole numbers up to 31 with no scale (days of a month, "3 ministers"), are
    left out: they link nothing by themselves.
    """
    found: dict[str, str] = {}
    for key, is_year, start, end in _quantity_matches(text):
        if is_year or (key.isdigit() and int(key) <= 31):
            continue
        found.setdefault(key, text[start:end].strip())
    return found


# --------------------------------------------------------------------------------------------
# Days and weekdays named in the text
# --------------------------------------------------------------------------------------------

# One character for one, so a match's span is the printed text's: one alef (and ya), and
# Western digits (``_DIGITS``).
_ONE_ALEF = {"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي"}
_ALEF_FOLD = str.maketrans(_ONE_ALEF)
_STORY_LANGUAGES = ("en", "ru", "ar")


def _month_table() -> dict[str, int]:
    table: dict[str, int] = {}
    for language in _STORY_LANGUAGES:
        for number, spellings in enumerate(dates.MONTH_NAMES[language], 1):
            for spelling in spellings.split("|"):
                # Abbreviations ("mar", "мая" aside) are everyday words in running text.
                if len(spelling) >= 3 and spelling not in ("mar", "may", "ماي"):
                    table[spelling.translate(_ALEF_FOLD)] = number
    return table


def _weekday_table() -> dict[str, int]:
    table: dict[str, int] = {}
    for language in _STORY_LANGUAGES:
        for number, spellings in enumerate(dates.WEEKDAY_NAMES[language], 1):
            for spelling in spellings.split("|"):
                if len(spelling) >= 5:
                    table[spelling.translate(_ALEF_FOLD)] = number
    return table


_MONTHS = _month_table()
_WEEKDAYS = _weekday_table()
#: Skeletons of month and weekday names ("March", "مارس"): words of the calendar, not names.
CALENDAR_SKELETONS = frozenset(
    key
    for language in _STORY_LANGUAGES
    for table in (dates.MONTH_NAMES, dates.WEEKDAY_NAMES)
    for spellings in table[language]
    for spelling in spellings.split("|")
    if len(key := skeleton(spelling)) >= 3
)
_ALEFS = re.compile(f"[{''.join(_ONE_ALEF)}]")
# One or two digits; that no digit precedes is tested on the match (``_day_numbers``).
_NUMBER_1_31 = re.compile(r"\d{1,2}(?!\d)")
# What follows a day ("9 февраля", "9th of May", "٦ كانون الثاني") and what may precede it
# ("February 9").
_MONTH_AFTER = re.compile(r"(?:st|nd|rd|th)?\s+(?:of\s+)?([^\W\d_]+)(?:\s+([^\W\d_]+))?")
_MONTH_BEFORE = re.compile(r"(?<![^\W\d_])([^\W\d_]+)\s+$")
# Arabic "الجمعة" is also "the group" and "الأحد" also "the one": read after "يوم".
_AMBIGUOUS_WEEKDAYS = {"الجمعه", "الجمعة", "الاحد"}
_WEEKDAY_RX = {
    spelling: re.compile(rf"(?<![^\W\d_]){re.escape(spelling)}(?![^\W\d_])")
    for spelling in _WEEKDAYS
}


def _day_numbers(text: str) -> Iterator[re.Match[str]]:
    """Numbers of one or two digits in ``text``, with no digit before or after them.

    Testing what precedes on each match is quicker than a look-behind, which would be
    tried at every character of the text and hold at nearly all of them.
    """
    position = 0
    while match := _NUMBER_1_31.search(text, position):
        start = match.start()
        if start and text[start - 1].isdecimal():
            position = start + 1  # as the look-behind would: one character on
            continue
        yield match
        position = match.end()


def _month_at(match: re.Match[str] | None) -> tuple[int, int] | None:
    """(month, end of the match) when the words matched start with a month's name."""
    if match is None:
        return None
    if match.group(2):
        two = f"{match.group(1)} {match.group(2)}"
        if two in _MONTHS:
            return _MONTHS[two], match.end()
    month = _MONTHS.get(match.group(1))
    return (month, match.end(1)) if month else None


def _fold_days(text: str) -> str:
    """Lower case, one alef, Western digits; one character for one."""
    folded = text.casefold()
    if len(folded) != len(text):
        folded = "".join(ch.casefold()[:1] for ch in text)
    folded = _replace_found(folded, _ALEFS, _ONE_ALEF)
    return _replace_found(folded, _OTHER_DIGITS, _DIGITS)


def named_days(text: str) -> dict[str, str]:
    """Days named with their month ("9 февраля", "February 9", "٩ شباط" -> "02-09").

    The values are the words as printed.
    """
    folded = _fold_days(text)
    found: dict[str, str] = {}
    for number in _day_numbers(folded):
        day = int(number.group())
        if not 1 <= day <= 31:
            continue
        start, end = number.start(), number.end()
        after = _month_at(_MONTH_AFTER.match(folded, end, end + 40))
        if after:
            month, end = after
        else:
            before = _MONTH_BEFORE.search(folded, max(0, start - 16), start)
            month = _MONTHS.get(before.group(1), 0) if before else 0
            if not month or before is None:
                continue
            start = before.start()
        found.setdefault(f"{month:02d}-{day:02d}", text[start:end])
    return found


def weekdays(text: str) -> dict[str, str]:
    """Weekdays named in ``text`` ("в среду", "on Wednesday", "الأربعاء" -> "wd3")."""
    folded = _fold_days(text)
    found: dict[str, str] = {}
    for spelling, pattern in _WEEKDAY_RX.items():
        if spelling not in folded:
            continue
        for match in pattern.finditer(folded):
            before = folded[: match.start()].rstrip()
            if spelling in _AMBIGUOUS_WEEKDAYS and not before.endswith("يوم"):
                continue
            found.setdefault(f"wd{_WEEKDAYS[spelling]}", text[match.start() : match.end()])
            break
    return found
