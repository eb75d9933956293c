"""Language of a text from its script and its most common words.

Pages usually say their language (``<html lang>``, ``og:locale``, a feed's
``<language>``); this is the fallback when they do not. Script decides most
cases outright (Arabic, Cyrillic, Greek, Hebrew, CJK); letters unique to one
language split Persian and Urdu from Arabic and Ukrainian from Russian; for
Latin script a handful of very common function words decide.
"""

from __future__ import annotations

import re
from collections import Counter

_PERSIAN_ONLY = set("پچژگکی")
_URDU_ONLY = set("ٹڈڑںہےۓ")
_UKRAINIAN_ONLY = set("іїєґІЇЄҐ")
_BELARUSIAN_ONLY = set("ўЎ")

_LATIN_STOPWORDS = {
    "en": {"the", "and", "of", "to", "in", "is", "that", "for", "on", "with", "was", "said"},
    "de": {"der", "die", "und", "das", "nicht", "ist", "mit", "den", "von", "sich", "auch"},
    "fr": {"le", "la", "les", "et", "des", "est", "une", "dans", "pour", "que", "sur", "du"},
    "es": {"el", "la", "los", "las", "y", "que", "del", "una", "por", "con", "para", "se"},
    "pt": {"o", "a", "os", "as", "e", "que", "do", "da", "em", "uma", "não", "para", "com"},
    "it": {"il", "di", "che", "della", "per", "una", "sono", "non", "con", "gli", "del"},
    "id": {"yang", "dan", "di", "ini", "itu", "dengan", "untuk", "tidak", "dari", "akan"},
    "tr": {"ve", "bir", "bu", "için", "ile", "olarak", "da", "de", "çok", "daha"},
}
_LATIN_WORD = re.compile(r"[^\W\d_]+")


def _script_of(char: str) -> str | None:
    code = ord(char)
    if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0xFB50 <= code <= 0xFEFF:
        return "arabic"
    if 0x0400 <= code <= 0x052F:
        return "cyrillic"
    if char.isalpha() and code < 0x0250:
        return "latin"
    if 0x0370 <= code <= 0x03FF:
        return "greek"
    if 0x0590 <= code <= 0x05FF:
        return "hebrew"
    if 0x3040 <= code <= 0x30FF:
        return "kana"
    if 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF:
        return "hangul"
    if 0x4E00 <= code <= 0x9FFF:
        return "han"
    return None


def detect_language(text: str) -> str:
    """ISO 639-1 code of the dominant language of ``text``; empty when it cannot tell."""
    sample = text[:4000]
    # Counting characters is one C loop; a text has few distinct ones, so the script of
    # each is asked once rather than once per character.
    chars = Counter(sample)
    scripts: Counter[str] = Counter()
    for char, count in chars.items():
        script_name = _script_of(char)
        if script_name:
            scripts[script_name] += count
    if not scripts:
        return ""
    if scripts["kana"] and scripts["kana"] + scripts["han"] >= scripts.most_common(1)[0][1]:
        return "ja"
    script, _ = scripts.most_common(1)[0]
    letters = chars.keys()
    if script == "arabic":
        if letters & _URDU_ONLY:
            return "ur"
        # Persian keheh/yeh also occur in Arabic typed on Persian keyboards, so
        # require the letters Arabic lacks altogether (پ چ ژ گ).
        if len(letters & (_PERSIAN_ONLY - {"ک", "ی"})) >= 2:
            return "fa"
        return "ar"
    if script == "cyrillic":
        if letters & _UKRAINIAN_ONLY:
            return "uk"
        if letters & _BELARUSIAN_ONLY:
            return "be"
        return "ru"
    simple = {"greek": "el", "hebrew": "he", "hangul": "ko", "han": "zh", "kana": "ja"}
    if script in simple:
        return simple[script]
    counts = Counter(w.lower() for w in _LATIN_WORD.findall(sample))
    scores = {
        lang: sum(counts[w] for w in stopwords) for lang, stopwords in _LATIN_STOPWORDS.items()
    }
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] > 0 else ""
