"""Latin spellings of Cyrillic words, for comparing a name across scripts.

A site calls itself "ОБКОМ" in its titles and lives at obkom.net.ua; "Лента.ру" lives at
lenta.ru. ``latin`` spells Cyrillic letters with the Latin letters a host name would use
(one common romanisation, close to the ones Russian and Ukrainian sites pick for their
domains) and leaves every other character as it is. It is a key for matching, not a
transliteration to print.
"""

from __future__ import annotations

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya",
    # Ukrainian and Belarusian letters.
    "є": "ye", "і": "i", "ї": "yi", "ґ": "g", "ў": "u",
}  # fmt: skip
_TABLE = str.maketrans(_CYRILLIC)


def latin(text: str) -> str:
    """``text`` in lower case, its Cyrillic letters spelled in Latin ones ("Лента" -> "lenta")."""
    return text.casefold().translate(_TABLE)
