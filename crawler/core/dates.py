"""Publication dates read from news pages and feeds: Arabic, Russian, English and more.

Why this module exists: the sources wirecrawl follows print dates that the usual libraries
miss. dateparser returns nothing for the Levantine month names Arabic outlets use
("٩ شباط ٢٠٢٢", "١٢ كانون الأول ٢٠٢١"), and feedparser silently drops RSS pubDates whose day
and month names are not English ("Ср, 09 фев 2022 14:35:00 +0300", "Seg, 24 Set 2018 ...").
"Who published first" needs those dates, so this module reads them itself, with the standard
library only.

Three entry points:

``parse_feed_date(text)``
    a feed's pubDate/updated: RFC 822/2822 (with obsolete and military zones, and with day and
    month names in Russian, Arabic, German, French, Spanish or Portuguese), ISO 8601 and its
    W3C-DTF/Atom profile. Always timezone-aware; UTC when the text gives no offset.
``parse_date(text, now=, tz=, languages=)``
    a date line as printed on a page ("٠٩ فبراير ٢٠٢٢", "9 февраля 2022 г., 14:35",
    "Updated: February 9, 2022 at 2:35 p.m. EST", "Сегодня, 15:33", "منذ 3 ساعات").
``find_date(text, now=, tz=, languages=)``
    the first date inside a longer text, e.g. a dateline paragraph
    ("موسكو، 9 فبراير/شباط 2022 - ...", "Москва. 1 ноября. INTERFAX.RU -").

The rules they share:

* Text is folded before matching: Arabic-Indic and Persian digits become ASCII digits;
  tatweel, harakat and bidi marks are dropped; alef and hamza forms, ى/ي, ة/ه, ё/е and Latin
  accents are merged; everything is lower-cased. Positions are tracked through the folding, so
  ``ParsedDate.text`` is always the exact substring of the input that was read.
* Month names: English, Russian (genitive, nominative, abbreviations; Ukrainian and Belarusian
  genitives too), Arabic (Egyptian/Gulf, Levantine/Iraqi two-word names, Maghrebi and Moroccan),
  German, French, Spanish and Portuguese. A month with a year but no day ("февраль 2022") is
  not a date.
* Slash and dash dates: a number above 12 settles which part is the day. When both parts are
  12 or less, the order is month-first if ``languages`` names US English ("en", "en-US") and
  day-first otherwise, because every other source language (and British English) writes the
  day first. Dotted dates are always day-first.
* Two-digit years: 20yy when yy is at most next year's yy (taken from ``now``), else 19yy;
  without ``now`` the pivot is 69.
* Years outside 1900-2100 are treated as noise, not dates.
* A date printed without a year ("1 ноября", "5 de septiembre") takes the latest year that does
  not put it after ``now``, so a year-less date is never later than the fetch. "After" is read
  on the outlet's calendar: in ``tz`` when given; when ``now`` is aware and ``tz`` unknown, the
  page may be printing in any zone up to UTC+14, so its day may be one ahead of ``now``'s UTC
  day; a naive ``now`` is taken as the page's own clock. Without ``now`` it is not read.
  ``ParsedDate.yearless`` marks such dates: their year is inferred, not printed.
* Relative dates ("Вчера в 10:00", "منذ ساعتين", "3 hours ago") need ``now`` and carry its
  zone. "N hours/minutes ago" has minute precision, "N seconds ago" second precision, and
  "N days/weeks ago", "today" and "yesterday" without a time have day precision.
* Zone names in page text count only when printed in capitals ("EST", "МСК"), since the
  lower-case words are common ("est" is French for "is"). Single-letter military zones in feeds
  are read as UTC, as RFC 2822 advises. An unknown zone name in a feed gives None rather than
  a guess that could be hours off.
* Nothing raises on any input string; an unreadable or impossible date gives None.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Literal

__all__ = ["ParsedDate", "find_date", "parse_date", "parse_feed_date"]

Precision = Literal["day", "minute", "second"]


@dataclass(frozen=True)
class ParsedDate:
    """A publication date read from text."""

    #: The moment; timezone-aware when the text gives a zone/offset (or a tz was passed in),
    #: naive otherwise.
    value: datetime
    #: The exact substring that was read ("٠٩ فبراير ٢٠٢٢").
    text: str
    #: "day" when only the date is known, "minute" or "second" when a time is printed.
    precision: Precision
    #: True when the text gave day and month but no year, so the year was inferred from
    #: ``now``: weaker evidence than a date printed in full.
    yearless: bool = False


# --------------------------------------------------------------------------------------------
# Folding: one normalised string plus a map back to positions in the original text
# --------------------------------------------------------------------------------------------

_EARLIEST_YEAR = 1900
_LATEST_YEAR = 2100

# Invisible marks that sit inside words and numbers on real pages: tatweel, harakat, superscript
# alef, bidi controls, zero-width characters, soft hyphen.
_DROPPED = (
    "\u0640\u0670\u061c\u00ad\u200b\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
    + "".join(chr(c) for c in range(0x064B, 0x0660))
)
_GONE = "\x00"


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for digits in ("٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹"):
        for value, char in enumerate(digits):
            table[ord(char)] = str(value)
    merges = (
        ("أإآٱ", "ا"),
        ("ىی", "ي"),
        ("ة", "ه"),
        ("ک", "ك"),
        ("،", ","),
        ("؛", ";"),
        ("ё", "е"),
        ("‐‑‒–—−", "-"),
        ("‘’ʼ`", "'"),
        ("àáâãäå", "a"),
        ("ç", "c"),
        ("èéêë", "e"),
        ("ìíîï", "i"),
        ("òóôõö", "o"),
        ("ùúûü", "u"),
    )
    for chars, replacement in merges:
        for char in chars:
            table[ord(char)] = replacement
    for char in _DROPPED:
        table[ord(char)] = _GONE
    return table


_FOLD = _fold_table()


def _normalize(text: str) -> tuple[str, list[int] | None]:
    """Fold ``text`` for matching; the list maps folded positions back (None: unchanged)."""
    lowered = text.lower()
    if len(lowered) != len(text):
        # A few letters lower-case to two characters ("İ"); keep those as they are so that
        # positions stay one-to-one.
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    folded = lowered.translate(_FOLD)
    if _GONE not in folded:
        return folded, None
    where = [i for i, char in enumerate(folded) if char != _GONE]
    return folded.replace(_GONE, ""), where


def _fold(word: str) -> str:
    return _normalize(word)[0]


def _source(text: str, where: list[int] | None, start: int, end: int) -> str:
    """The original text behind folded positions ``start:end``."""
    if where is None:
        return text[start:end]
    return text[where[start] : where[end - 1] + 1]


# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------

# Twelve entries per language, January first; "|" separates spellings of one month. Alef and
# hamza forms need not be listed twice: the table is folded like the text.
_MONTH_NAMES: dict[str, tuple[str, ...]] = {
    "en": (
        "january|jan", "february|feb", "march|mar", "april|apr", "may", "june|jun",
        "july|jul", "august|aug", "september|sept|sep", "october|oct", "november|nov",
        "december|dec",
    ),
    "ru": (
        "января|январь|янв", "февраля|февраль|февр|фев", "марта|март|мар",
        "апреля|апрель|апр", "мая|май", "июня|июнь|июн", "июля|июль|июл",
        "августа|август|авг", "сентября|сентябрь|сент|сен", "октября|октябрь|окт",
        "ноября|ноябрь|нояб|ноя", "декабря|декабрь|дек",
    ),
    "uk": (
        "січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня",
        "вересня", "жовтня", "листопада", "грудня",
    ),
    "be": (
        "студзеня", "лютага", "сакавіка", "красавіка", "мая", "чэрвеня", "ліпеня", "жніўня",
        "верасня", "кастрычніка", "лістапада", "снежня",
    ),
    "ar": (
        "يناير|جانفي|كانون الثاني|كانون ثاني",
        "فبراير|فيفري|شباط",
        "مارس|آذار",
        "أبريل|أفريل|نيسان",
        "مايو|ماي|أيار",
        "يونيو|يونيه|جوان|حزيران",
        "يوليو|يوليه|جويلية|يوليوز|تموز",
        "أغسطس|أوت|غشت|آب",
        "سبتمبر|شتنبر|أيلول",
        "أكتوبر|تشرين الأول|تشرين أول",
        "نوفمبر|نونبر|تشرين الثاني|تشرين ثاني",
        "ديسمبر|دجنبر|كانون الأول|كانون أول",
    ),
    "de": (
        "januar|jänner|jan", "februar|feber|feb", "märz|mär|mrz", "april|apr", "mai",
        "juni|jun", "juli|jul", "august|aug", "september|sept|sep", "oktober|okt",
        "november|nov", "dezember|dez",
    ),
    "fr": (
        "janvier|janv", "février|févr|fév", "mars", "avril|avr", "mai", "juin",
        "juillet|juil", "août", "septembre|sept", "octobre|oct", "novembre|nov",
        "décembre|déc",
    ),
    "es": (
        "enero|ene", "febrero|feb", "marzo|mar", "abril|abr", "mayo|may", "junio|jun",
        "julio|jul", "agosto|ago", "septiembre|setiembre|sept|sep|set", "octubre|oct",
        "noviembre|nov", "diciembre|dic",
    ),
    "pt": (
        "janeiro|jan", "fevereiro|fev", "março|mar", "abril|abr", "maio|mai", "junho|jun",
        "julho|jul", "agosto|ago", "setembro|set", "outubro|out", "novembro|nov",
        "dezembro|dez",
    ),
}  # fmt: skip

# Seven entries per language, Monday first. Only used to recognise (and skip) the weekday a
# date line starts with; a wrong weekday does not reject a date, sites get it wrong.
_WEEKDAY_NAMES: dict[str, tuple[str, ...]] = {
    "en": (
        "monday|mon", "tuesday|tues|tue", "wednesday|wed", "thursday|thurs|thur|thu",
        "friday|fri", "saturday|sat", "sunday|sun",
    ),
    "ru": (
        "понедельник|пн", "вторник|вт", "среда|среду|ср", "четверг|чт", "пятница|пятницу|пт",
        "суббота|субботу|сб", "воскресенье|вс",
    ),
    "ar": (
        "الاثنين|الإثنين|الاتنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد",
    ),
    "de": (
        "montag|mo", "dienstag|di", "mittwoch|mi", "donnerstag|do", "freitag|fr",
        "samstag|sonnabend|sa", "sonntag|so",
    ),
    "fr": (
        "lundi|lun", "mardi|mar", "mercredi|mer", "jeudi|jeu", "vendredi|ven", "samedi|sam",
        "dimanche|dim",
    ),
    "es": (
        "lunes|lun", "martes|mar", "miércoles|mié", "jueves|jue", "viernes|vie", "sábado|sáb",
        "domingo|dom",
    ),
    "pt": (
        "segunda-feira|segunda|seg", "terça-feira|terça|ter", "quarta-feira|quarta|qua",
        "quinta-feira|quinta|qui", "sexta-feira|sexta|sex", "sábado|sáb", "domingo|dom",
    ),
}  # fmt: skip

#: Month spellings by language (January first); read-only, "|" separates spellings.
MONTH_NAMES: Mapping[str, tuple[str, ...]] = _MONTH_NAMES
#: Weekday spellings by language (Monday first); read-only.
WEEKDAY_NAMES: Mapping[str, tuple[str, ...]] = _WEEKDAY_NAMES

# Month abbreviations that are everyday words ("1 out of 5", "a set of 3"): read only when a
# year follows.
_NEEDS_YEAR = frozenset({"out", "set", "ago", "mar"})

# Offsets in minutes east of UTC. Ambiguous abbreviations (IST, AST, ET) are left out on purpose.
_ZONE_MINUTES: dict[str, int] = {
    "gmt": 0, "ut": 0, "utc": 0, "z": 0, "wet": 0, "west": 60, "bst": 60, "cet": 60,
    "cest": 120, "eet": 120, "eest": 180, "msk": 180, "мск": 180,
    "est": -300, "edt": -240, "cst": -360, "cdt": -300, "mst": -420, "mdt": -360,
    "pst": -480, "pdt": -420, "akst": -540, "akdt": -480, "hst": -600,
    "brt": -180, "brst": -120, "art": -180, "jst": 540, "kst": 540, "hkt": 480, "sgt": 480,
    "aest": 600, "aedt": 660, "nzst": 720, "nzdt": 780,
    "غرينتش": 0, "جرينتش": 0, "غرينيتش": 0, "توقيت غرينتش": 0, "بتوقيت غرينتش": 0,
    "بتوقيت جرينتش": 0, "بتوقيت غرينيتش": 0,
}  # fmt: skip

# Words for "today" and "yesterday" and the number of days they go back.
_DAY_WORDS: dict[str, int] = {
    "today": 0, "yesterday": 1,
    "сегодня": 0, "вчера": 1, "позавчера": 2, "сьогодні": 0, "вчора": 1,
    "اليوم": 0, "أمس": 1, "الأمس": 1, "بالأمس": 1, "البارحة": 1, "أول أمس": 2,
    "heute": 0, "gestern": 1, "vorgestern": 2,
    "aujourd'hui": 0, "hier": 1, "avant-hier": 2,
    "hoy": 0, "ayer": 1, "anteayer": 2,
    "hoje": 0, "ontem": 1, "anteontem": 2,
}  # fmt: skip

_SECOND, _MINUTE, _HOUR, _DAY, _WEEK = 1, 60, 3600, 86400, 604800

# "N units ago": unit word -> (seconds per unit, count the word implies alone: 1 for a
# singular, 2 for an Arabic dual, 0 when a number must be printed).
_AGO_UNITS: dict[str, dict[str, tuple[int, int]]] = {
    "en": {
        "second": (_SECOND, 1), "seconds": (_SECOND, 0), "sec": (_SECOND, 0),
        "secs": (_SECOND, 0), "minute": (_MINUTE, 1), "minutes": (_MINUTE, 0),
        "min": (_MINUTE, 0), "mins": (_MINUTE, 0), "hour": (_HOUR, 1), "hours": (_HOUR, 0),
        "hr": (_HOUR, 0), "hrs": (_HOUR, 0), "h": (_HOUR, 0), "day": (_DAY, 1),
        "days": (_DAY, 0), "week": (_WEEK, 1), "weeks": (_WEEK, 0),
    },
    "ru": {
        "секунду": (_SECOND, 1), "секунды": (_SECOND, 0), "секунд": (_SECOND, 0),
        "сек": (_SECOND, 0), "минуту": (_MINUTE, 1), "минуты": (_MINUTE, 0),
        "минут": (_MINUTE, 0), "мин": (_MINUTE, 0), "час": (_HOUR, 1), "часа": (_HOUR, 0),
        "часов": (_HOUR, 0), "ч": (_HOUR, 0), "день": (_DAY, 1), "дня": (_DAY, 0),
        "дней": (_DAY, 0), "неделю": (_WEEK, 1), "недели": (_WEEK, 0), "недель": (_WEEK, 0),
    },
    "ar": {
        "ثانية": (_SECOND, 1), "ثانيتين": (_SECOND, 2), "ثوان": (_SECOND, 0),
        "ثواني": (_SECOND, 0), "دقيقة": (_MINUTE, 1), "دقيقتين": (_MINUTE, 2),
        "دقائق": (_MINUTE, 0), "ساعة": (_HOUR, 1), "ساعتين": (_HOUR, 2), "ساعات": (_HOUR, 0),
        "يوم": (_DAY, 1), "يومين": (_DAY, 2), "أيام": (_DAY, 0), "أسبوع": (_WEEK, 1),
        "أسبوعين": (_WEEK, 2), "أسابيع": (_WEEK, 0),
    },
    "de": {
        "sekunde": (_SECOND, 0), "sekunden": (_SECOND, 0), "minute": (_MINUTE, 0),
        "minuten": (_MINUTE, 0), "stunde": (_HOUR, 0), "stunden": (_HOUR, 0),
        "tag": (_DAY, 0), "tagen": (_DAY, 0), "woche": (_WEEK, 0), "wochen": (_WEEK, 0),
    },
    "romance": {
        "seconde": (_SECOND, 0), "secondes": (_SECOND, 0), "segundo": (_SECOND, 0),
        "segundos": (_SECOND, 0), "minute": (_MINUTE, 0), "minutes": (_MINUTE, 0),
        "minuto": (_MINUTE, 0), "minutos": (_MINUTE, 0), "min": (_MINUTE, 0),
        "heure": (_HOUR, 0), "heures": (_HOUR, 0), "hora": (_HOUR, 0), "horas": (_HOUR, 0),
        "h": (_HOUR, 0), "jour": (_DAY, 0), "jours": (_DAY, 0), "día": (_DAY, 0),
        "días": (_DAY, 0), "dia": (_DAY, 0), "dias": (_DAY, 0), "semaine": (_WEEK, 0),
        "semaines": (_WEEK, 0), "semana": (_WEEK, 0), "semanas": (_WEEK, 0),
    },
}  # fmt: skip

# Number words that mean "one" in front of a unit ("an hour ago", "il y a une heure").
_ONE_WORDS = ("a", "an", "one", "un", "une", "una", "uma", "um", "ein", "einer", "einem")


def _index(table: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Folded spelling -> 1-based position in its language's tuple."""
    index: dict[str, int] = {}
    for names in table.values():
        for number, spellings in enumerate(names, 1):
            for spelling in spellings.split("|"):
                index[_fold(spelling)] = number
    return index


def _alternation(words: Iterable[str]) -> str:
    """A regex alternation of ``words``, longest first, any run of spaces inside a word."""
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    return "|".join(r"\s+".join(re.escape(part) for part in w.split()) for w in ordered)


def _key(matched: str) -> str:
    return " ".join(matched.split())


_MONTHS = _index(_MONTH_NAMES)
_WEEKDAYS = _index(_WEEKDAY_NAMES)
_ZONES = {_fold(name): minutes for name, minutes in _ZONE_MINUTES.items()}
_SHIFTS = {_fold(word): days for word, days in _DAY_WORDS.items()}
_UNITS = {
    lang: {_fold(word): unit for word, unit in units.items()} for lang, units in _AGO_UNITS.items()
}

# --------------------------------------------------------------------------------------------
# Patterns (all run on folded text)
# --------------------------------------------------------------------------------------------

_L = r"[^\W\d_]"  # one letter of any script
_MONTH_RX = _alternation(_MONTHS)
_WEEKDAY_RX = _alternation(_WEEKDAYS)
_ZONE_NAME_RX = _alternation(_ZONES)

# A month, optionally followed by the same month in another naming tradition:
# "فبراير/شباط", "شباط (فبراير)", "يناير/كانون الثاني". An abbreviation's dot is taken only
# when a number follows, so "1 ноября. INTERFAX" reads as "1 ноября".
_MONTHS_PART = rf"""
    (?<!{_L})(?P<mon>{_MONTH_RX})(?!{_L})(?:\.(?=\s*\d))?
    (?:\s*[/(]\s*(?P<mon2>{_MONTH_RX})(?!{_L})(?:\s*\))?)?
"""
_YEAR_SUFFIX = rf"(?:\s?(?:г\.|гг\.|р\.|(?:г|года|год|року|م|ad)(?!{_L})))?"

_DAY_MONTH = re.compile(
    rf"""
    (?<!\d)(?<!\d[./:-])
    (?P<d>\d{{1,2}})(?!\d)
    (?:st|nd|rd|th|er|-?го|º|ª)?\.?
    \s*(?:[-/,]\s*)?
    (?:(?:de|of|من)\s+)?
    {_MONTHS_PART}
    (?:\s*(?:[,/-]\s*)?(?:(?:de|del)\s+)?(?P<y>\d{{4}})(?!\d|:\d){_YEAR_SUFFIX})?
    """,
    re.X,
)
_MONTH_DAY = re.compile(
    rf"""
    {_MONTHS_PART}
    \s*(?P<d>\d{{1,2}})(?!\d|:\d)(?:st|nd|rd|th)?
    (?:\s*(?:,\s*)?(?P<y>\d{{4}})(?!\d|:\d){_YEAR_SUFFIX})?
    """,
    re.X,
)
_YEAR_MONTH_DAY = re.compile(
    r"(?<!\d)(?<!\d[./:-])(?P<y>\d{4})(?P<sep>[./-])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
    r"(?!\d)(?![./-]\d)"
)
_NUMERIC_DAY_FIRST = re.compile(
    r"(?<!\d)(?<!\d[./:-])(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)"
    r"(?P<y>\d{4}|\d{2})(?!\d)(?![./:-]\d)"
)

_AMPM_RX = r"a\.?\s?m\.?|p\.?\s?m\.?|صباحا|صباح|ص|مساءا|مساء|م|ظهرا|عصرا"
_ZONE_TEXT_RX = rf"""
    (?:gmt|utc|ut)\s*[+-]\s*\d{{1,2}}(?::?\d{{2}})?(?!\d)
    | [+-]\d{{2}}:?\d{{2}}(?!\d)
    | (?<!{_L})(?:{_ZONE_NAME_RX})(?!{_L})
"""
_CLOCK = rf"""
    (?P<h>\d{{1,2}})
    (?: :(?P<mi>\d{{2}})(?::(?P<sec>\d{{2}})(?P<frac>[.,]\d{{1,9}})?)? | h(?P<mi2>\d{{2}}) )
    (?!\d)
    (?:\s*(?P<ampm>{_AMPM_RX})(?!{_L}))?
    (?:\s*(?:\((?P<pzone>{_ZONE_TEXT_RX})\)|(?P<zone>{_ZONE_TEXT_RX})))?
"""
# What may stand between a date and the time printed after it: punctuation, "г.", "года",
# "в", "at", "à", "um", "a las", "às", "الساعة", ISO's "T" ...
_GLUE_WORDS = (
    "г", "гг", "года", "год", "р", "року", "в", "о", "at", "a", "as", "a las", "a la", "um",
    "om", "alle", "ore", "de", "das", "الساعة", "ساعة", "في", "على", "م", "ad",
)  # fmt: skip
_GLUE_RX = _alternation(map(_fold, _GLUE_WORDS))
_GLUE = rf"(?:[\s,;|/•·()-]|\.|t(?=\d)|(?<!{_L})(?:{_GLUE_RX})(?!{_L}))"
_TIME_AFTER = re.compile(rf"{_GLUE}{{0,12}}(?P<clock>{_CLOCK})", re.X)
_TIME_BEFORE = re.compile(rf"(?<![\d:.])(?P<clock>{_CLOCK})[\s,;|/•·-]*\Z", re.X)
_WEEKDAY_BEFORE = re.compile(
    rf"(?<!{_L})(?:{_WEEKDAY_RX})(?!{_L})\.?\s*(?:[,-]\s*)?(?:الموافق\s*)?\Z"
)

_DAY_WORD = re.compile(rf"(?<!{_L})(?P<w>{_alternation(_SHIFTS)})(?!{_L})")
_ONE_RX = "|".join(_ONE_WORDS)


def _units_rx(lang: str) -> str:
    return _alternation(_UNITS[lang])


_AGO_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            rf"(?<![\d\w])(?P<n>\d{{1,4}}|{_ONE_RX})\s+(?P<u>{_units_rx('en')})\.?\s+ago(?!{_L})"
        ),
        "en",
    ),
    (
        re.compile(
            rf"(?<![\d\w])(?:(?P<n>\d{{1,4}})\s*)?(?P<u>{_units_rx('ru')})(?!{_L})\.?\s+назад(?!{_L})"
        ),
        "ru",
    ),
    (
        re.compile(
            rf"(?<!{_L})(?:منذ|قبل)\s+(?:(?P<n>\d{{1,4}})\s+)?(?P<u>{_units_rx('ar')})(?!{_L})"
        ),
        "ar",
    ),
    (
        re.compile(
            rf"(?<!{_L})vor\s+(?P<n>\d{{1,4}}|{_ONE_RX})\s+(?P<u>{_units_rx('de')})(?!{_L})"
        ),
        "de",
    ),
    (
        re.compile(
            rf"(?<!{_L})(?:il\s+y\s+a|hace|ha)\s+(?P<n>\d{{1,4}}|{_ONE_RX})\s+"
            rf"(?P<u>{_units_rx('romance')})(?!{_L})"
        ),
        "romance",
    ),
)

_WORD = re.compile(rf"{_L}+")

# Feed forms, matched against the whole (stripped, folded) value.
_FEED_CLOCK = r"(?P<h>\d{1,2}):?(?P<mi>\d{2})(?::?(?P<sec>\d{2})(?P<frac>[.,]\d{1,9})?)?"
_FEED_ZONE = rf"""
    (?:\(\s*)?(?P<zone>(?:gmt|utc|ut)?[+-]\d{{1,4}}(?::\d{{2}})?|{_L}{{1,5}})(?:\s*\))?
"""
_FEED_WEEKDAY = rf"(?:(?P<wd>{_L}(?:{_L}|-)*)\.?\s*(?:,\s*)?)?"
_RFC822 = re.compile(
    rf"""
    {_FEED_WEEKDAY}
    (?P<d>\d{{1,2}})\.?[\s-]+(?P<mon>{_MONTH_RX})\.?(?:\s*[\s,-]\s*)(?P<y>\d{{4}}|\d{{2}})
    (?:\s*(?:,\s*)?{_FEED_CLOCK}(?:\s*{_FEED_ZONE})?)?
    """,
    re.X,
)
# "Feb 09 2022 14:35:00 GMT" from broken feeds, and C's asctime/date(1) "Wed Feb  9 14:35:00 2022".
_RFC822_MONTH_FIRST = re.compile(
    rf"""
    {_FEED_WEEKDAY}
    (?P<mon>{_MONTH_RX})\.?\s+(?P<d>\d{{1,2}})(?:\s*,)?\s+
    (?: (?P<y>\d{{4}})(?:\s+{_FEED_CLOCK}(?:\s*{_FEED_ZONE})?)?
      | (?P<h2>\d{{1,2}}):(?P<mi2>\d{{2}}):(?P<sec2>\d{{2}})(?:\s+(?P<zone2>{_L}{{1,5}}))?
        \s+(?P<y2>\d{{4}}) )
    """,
    re.X,
)
_ISO8601 = re.compile(
    r"""
    (?P<y>\d{4})
    (?:(?P<ds>-?)(?P<m>\d{2})
      (?:(?P=ds)(?P<d>\d{2})
        (?:(?:t|\s+)(?P<h>\d{2}):?(?P<mi>\d{2})(?::?(?P<sec>\d{2})(?P<frac>[.,]\d{1,9})?)?
          (?:\s*(?P<zone>z|(?:gmt|utc)?[+-]\d{2}(?::?\d{2})?|gmt|utc))?
        )?
      )?
    )?
    """,
    re.X,
)
_OFFSET = re.compile(r"(?:gmt|utc|ut)?(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?")

# --------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------


def _zone_minutes(zone: str, *, military: bool = False) -> int | None:
    """Minutes east of UTC for a printed zone; None when unknown or out of range."""
    key = _key(zone)
    offset = _OFFSET.fullmatch(key.replace(" ", ""))
    if offset:
        hours, minutes = int(offset["h"]), int(offset["m"] or 0)
        if hours > 14 or minutes > 59:
            return None
        total = hours * 60 + minutes
        return -total if offset["sign"] == "-" else total
    if key in _ZONES:
        return _ZONES[key]
    if military and len(key) == 1 and "a" <= key <= "z" and key != "j":
        # RFC 2822 section 4.3: the military letters were defined with the wrong sign, so
        # they carry no reliable offset; read them as UTC.
        return 0
    return None


def _tzinfo(minutes: int) -> tzinfo:
    return UTC if minutes == 0 else timezone(timedelta(minutes=minutes))


def _expand_year(year: int, digits: int, now: datetime | None) -> int:
    if digits != 2:
        return year
    pivot = (now.year % 100 + 1) if now is not None else 69
    return 2000 + year if year <= pivot else 1900 + year


def _microseconds(fraction: str | None) -> int:
    """Microseconds from a printed fraction of a second (".007", ",5"); digits past six are cut."""
    return int(fraction[1:7].ljust(6, "0")) if fraction else 0


def _year_ok(year: int) -> bool:
    return _EARLIEST_YEAR <= year <= _LATEST_YEAR


def _month_first(languages: Sequence[str]) -> bool:
    if isinstance(languages, str):
        languages = (languages,)
    return any(str(lang).lower().replace("_", "-") in ("en", "en-us") for lang in languages)


# --------------------------------------------------------------------------------------------
# Feed dates
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stamp:
    naive: datetime
    #: Minutes east of UTC, None when the text gives no zone.
    offset: int | None
    precision: Literal["year", "month", "day", "minute", "second"]


def _stamp(match: re.Match[str], *, military: bool) -> _Stamp | None:
    """Build a stamp from a feed-form match; None when the values are impossible."""
    groups = match.groupdict()
    year_text = groups.get("y") or groups.get("y2") or ""
    year = _expand_year(int(year_text), len(year_text), None)
    if not _year_ok(year):
        return None
    month = _MONTHS[_key(groups["mon"])] if groups.get("mon") else int(groups.get("m") or 1)
    day = int(groups.get("d") or 1)
    hour_text = groups.get("h") or groups.get("h2")
    minute_text = groups.get("mi") or groups.get("mi2")
    second_text = groups.get("sec") or groups.get("sec2")
    hour = int(hour_text) if hour_text else 0
    minute = int(minute_text) if minute_text else 0
    second = min(int(second_text), 59) if second_text else 0  # a leap second stays in its minute
    micro = _microseconds(groups.get("frac"))
    offset = None
    zone = groups.get("zone") or groups.get("zone2")
    if zone:
        offset = _zone_minutes(zone, military=military)
        if offset is None:
            return None
    precision: Literal["year", "month", "day", "minute", "second"]
    if second_text:
        precision = "second"
    elif hour_text:
        precision = "minute"
    elif groups.get("d"):
        precision = "day"
    elif groups.get("m") or groups.get("mon"):
        precision = "month"
    else:
        precision = "year"
    try:
        naive = datetime(year, month, day, hour, minute, second, micro)
    except ValueError:
        return None
    return _Stamp(naive, offset, precision)


def _feed_stamp(
    s: str, start: int, end: int, *, military: bool
) -> tuple[bool, _Stamp | None, re.Match[str] | None]:
    """Read ``s[start:end]`` as a whole feed date: (recognised, stamp or None, match)."""
    for pattern in (_ISO8601, _RFC822, _RFC822_MONTH_FIRST):
        match = pattern.fullmatch(s, start, end)
        if match:
            return True, _stamp(match, military=military), match
    return False, None, None


def parse_feed_date(text: str) -> datetime | None:
    """Read a feed's pubDate/updated/published value as a timezone-aware datetime.

    RFC 822/2822 with any of the supported languages' day and month names, obsolete zones
    (GMT, UT, EST, MSK, military letters) and numeric offsets; ISO 8601 and W3C-DTF, including
    the reduced forms "2022" and "2022-02" (first instant of the period). UTC when no offset is
    given. Anything else is read as a date line (``parse_date``) before giving up with None.
    """
    if not isinstance(text, str):
        return None
    s, _ = _normalize(text)
    start = len(s) - len(s.lstrip())
    end = len(s.rstrip())
    if start >= end:
        return None
    recognised, stamp, _ = _feed_stamp(s, start, end, military=True)
    if recognised:
        if stamp is None:
            return None
        return stamp.naive.replace(tzinfo=_tzinfo(stamp.offset or 0))
    found = parse_date(text, tz=UTC)
    return found.value if found is not None else None


# --------------------------------------------------------------------------------------------
# Dates in page text
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    #: ``now`` in the zone dates are read in (``tz`` when given).
    now: datetime | None
    tz: tzinfo | None
    month_first: bool


@dataclass(frozen=True)
class _Candidate:
    """A date found in folded text, not yet checked or completed with its time."""

    start: int
    end: int
    #: "calendar": year/month/day printed (year 0 when missing); "shift": days back from
    #: today ("yesterday"); "ago": a span back from now.
    kind: Literal["calendar", "shift", "ago"]
    year: int = 0
    year_digits: int = 4
    month: int = 0
    day: int = 0
    days_back: int = 0
    span: timedelta = timedelta(0)
    precision: Precision = "day"


def _context(now: datetime | None, tz: tzinfo | None, languages: Sequence[str]) -> _Context:
    local = now
    if now is not None and tz is not None:
        try:
            local = now.astimezone(tz) if now.tzinfo is not None else now.replace(tzinfo=tz)
        except (OverflowError, ValueError):
            local = now.replace(tzinfo=tz)  # a clock at the very edge of datetime's range
    return _Context(local, tz, _month_first(languages))


def _numeric_candidates(s: str, ctx: _Context) -> list[_Candidate]:
    found: list[_Candidate] = []
    for m in _YEAR_MONTH_DAY.finditer(s):
        found.append(
            _Candidate(m.start(), m.end(), "calendar", int(m["y"]), 4, int(m["m"]), int(m["d"]))
        )
    for m in _NUMERIC_DAY_FIRST.finditer(s):
        a, b, year_text = m["a"], m["b"], m["y"]
        if len(year_text) == 2 and (len(a) != 2 or len(b) != 2):
            continue  # "1.2.33" is a version number, not a date
        first, second = int(a), int(b)
        # Dotted dates are always day-first; see the module docstring for slashes and dashes.
        if m["sep"] == "." or first > 12 or (second <= 12 and not ctx.month_first):
            day, month = first, second
        else:
            day, month = second, first
        found.append(
            _Candidate(m.start(), m.end(), "calendar", int(year_text), len(year_text), month, day)
        )
    found.sort(key=lambda c: c.start)
    return found


def _worded_candidates(s: str) -> list[_Candidate]:
    found: list[_Candidate] = []
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        for m in pattern.finditer(s):
            month_word = _key(m["mon"])
            if m["y"] is None and month_word in _NEEDS_YEAR:
                continue
            year = int(m["y"]) if m["y"] else 0
            found.append(
                _Candidate(
                    m.start(), m.end(), "calendar", year, 4, _MONTHS[month_word], int(m["d"])
                )
            )
    found.sort(key=lambda c: c.start)
    return found


def _relative_candidates(s: str) -> list[_Candidate]:
    found: list[_Candidate] = []
    for m in _DAY_WORD.finditer(s):
        found.append(_Candidate(m.start(), m.end(), "shift", days_back=_SHIFTS[_key(m["w"])]))
    for pattern, lang in _AGO_PATTERNS:
        for m in pattern.finditer(s):
            seconds, implied = _UNITS[lang][_key(m["u"])]
            number = m["n"]
            if number is None:
                count = implied
            elif number.isdigit():
                count = int(number)
            else:
                count = 1
            if count <= 0:
                continue
            precision: Precision
            if seconds == _SECOND:
                precision = "second"
            elif seconds < _DAY:
                precision = "minute"
            else:
                precision = "day"
            found.append(
                _Candidate(
                    m.start(),
                    m.end(),
                    "ago",
                    span=timedelta(seconds=seconds * count),
                    precision=precision,
                )
            )
    found.sort(key=lambda c: c.start)
    return found


def _calendar_day(c: _Candidate, ctx: _Context) -> date | None:
    now = ctx.now
    if c.kind == "shift":
        return None if now is None else now.date() - timedelta(days=c.days_back)
    if c.year:
        year = _expand_year(c.year, c.year_digits, now)
        return date(year, c.month, c.day) if _year_ok(year) else None
    if now is None:
        return None
    # No year printed: the latest year that does not put the day after ``now``.
    latest = _latest_day(now, ctx.tz)
    # Eight years back reaches the previous 29 February.
    for year in range(latest.year, latest.year - 9, -1):
        try:
            day = date(year, c.month, c.day)
        except ValueError:
            continue
        if day <= latest:
            return day
    return None


# The easternmost zone in use (Kiribati): a page's calendar is at most this far ahead of UTC.
_EASTERNMOST = timedelta(hours=14)


def _latest_day(now: datetime, tz: tzinfo | None) -> date:
    """The latest calendar day the page can have printed at ``now`` (see the module docstring)."""
    if tz is not None or now.tzinfo is None:
        # ``now`` is already on the outlet's clock (``_context`` moved it into ``tz``).
        return now.date()
    try:
        return (now.astimezone(UTC) + _EASTERNMOST).date()
    except OverflowError:
        return now.date()


def _read_clock(
    text: str, s: str, where: list[int] | None, m: re.Match[str]
) -> tuple[time, Precision, int | None, int] | None:
    """(time of day, precision, zone offset or None, folded end) from a clock match."""
    hour = int(m["h"])
    minute = int(m["mi"] or m["mi2"])
    second = min(int(m["sec"]), 59) if m["sec"] else 0
    if m["ampm"] and 1 <= hour <= 12:
        afternoon = not m["ampm"].startswith(("a", "ص"))
        hour = hour % 12 + (12 if afternoon else 0)
    if hour > 23 or minute > 59:
        return None
    core_end = max(m.end(g) for g in ("mi", "mi2", "sec", "frac", "ampm") if m[g] is not None)
    zone_group = "pzone" if m["pzone"] else "zone" if m["zone"] else None
    offset = None
    end = core_end
    if zone_group is not None:
        printed = _source(text, where, m.start(zone_group), m.end(zone_group))
        # Zone names count only in capitals: "à 14:35 est annulé" has no zone in it.
        if printed == printed.upper():
            offset = _zone_minutes(m[zone_group])
            if offset is not None:
                end = m.end("clock")
    at = time(hour, minute, second, _microseconds(m["frac"]))
    return at, ("second" if m["sec"] else "minute"), offset, end


def _complete(
    text: str,
    s: str,
    where: list[int] | None,
    c: _Candidate,
    ctx: _Context,
    *,
    need_time: bool = False,
) -> ParsedDate | None:
    """Check a candidate, attach the time and zone printed beside it, build the result."""
    try:
        return _complete_unchecked(text, s, where, c, ctx, need_time)
    except (ValueError, OverflowError):
        # Impossible calendar values ("31 февраля") and arithmetic past datetime's range.
        return None


def _complete_unchecked(
    text: str,
    s: str,
    where: list[int] | None,
    c: _Candidate,
    ctx: _Context,
    need_time: bool,
) -> ParsedDate | None:
    now = ctx.now
    if c.kind == "ago":
        if now is None:
            return None
        moment = now - c.span
        if c.precision == "day":
            moment = datetime.combine(moment.date(), time(), tzinfo=moment.tzinfo)
        elif c.precision == "minute":
            moment = moment.replace(second=0, microsecond=0)
        else:
            moment = moment.replace(microsecond=0)
        return ParsedDate(moment, _source(text, where, c.start, c.end), c.precision)

    day = _calendar_day(c, ctx)
    if day is None:
        return None
    start, end = c.start, c.end
    clock = _TIME_AFTER.match(s, c.end)
    clock_after = clock is not None
    if clock is None:
        clock = _TIME_BEFORE.search(s, max(0, start - 40), start)
    if clock is None and need_time:
        return None

    precision: Precision = "day"
    at = time()
    offset = None
    if clock is not None:
        reading = _read_clock(text, s, where, clock)
        if reading is None:
            return None  # "25:00" next to a date spoils the whole date line
        at, precision, offset, clock_end = reading
        if clock_after:
            end = clock_end
        else:
            start = clock.start("clock")
    weekday = _WEEKDAY_BEFORE.search(s, max(0, start - 30), start)
    if weekday is not None:
        start = weekday.start()

    value = datetime.combine(day, at)
    if offset is not None:
        value = value.replace(tzinfo=_tzinfo(offset))
    elif ctx.tz is not None:
        value = value.replace(tzinfo=ctx.tz)
    elif c.kind == "shift" and now is not None:
        value = value.replace(tzinfo=now.tzinfo)
    yearless = c.kind == "calendar" and not c.year
    return ParsedDate(value, _source(text, where, start, end), precision, yearless)


def _whole_feed_form(
    text: str, s: str, where: list[int] | None, ctx: _Context
) -> ParsedDate | None:
    start = len(s) - len(s.lstrip())
    end = len(s.rstrip())
    if start >= end:
        return None
    # Military letters only mean a zone in feeds; on a page "... 14:35 a" is a stray word.
    recognised, stamp, match = _feed_stamp(s, start, end, military=False)
    if not recognised or stamp is None or match is None:
        return None
    if stamp.precision == "year" or stamp.precision == "month":
        return None
    weekday = match.groupdict().get("wd")
    if weekday and _key(weekday) not in _WEEKDAYS:
        return None  # "Москва 9 февраля 2022": a city, not a weekday; read as a date line
    value = stamp.naive
    if stamp.offset is not None:
        value = value.replace(tzinfo=_tzinfo(stamp.offset))
    elif ctx.tz is not None:
        value = value.replace(tzinfo=ctx.tz)
    return ParsedDate(value, _source(text, where, start, end), stamp.precision)


def parse_date(
    text: str,
    *,
    now: datetime | None = None,
    tz: tzinfo | None = None,
    languages: Sequence[str] = (),
) -> ParsedDate | None:
    """Read one date from a date line or a short text.

    Tries whole-line feed/ISO forms first, then numeric dates, then dates with month names,
    then relative dates. The line may carry a weekday, a time, a city, "г."/"года"/"م" or a
    zone around the date. ``now`` anchors relative and year-less dates ("Сегодня, 15:33",
    "منذ 3 ساعات", "2 hours ago", "Yesterday"); without it they give None. ``tz`` is applied
    when the text gives no offset. ``languages`` is a hint only (it settles "02/09/2022").
    """
    if not isinstance(text, str) or not text:
        return None
    s, where = _normalize(text)
    ctx = _context(now, tz, languages)
    whole = _whole_feed_form(text, s, where, ctx)
    if whole is not None:
        return whole
    for candidates in (_numeric_candidates(s, ctx), _worded_candidates(s)):
        for c in candidates:
            found = _complete(text, s, where, c, ctx)
            if found is not None:
                return found
    # A bare "today"/"اليوم" counts only in a short line: in running text it rarely dates
    # the article.
    short = len(_WORD.findall(s)) <= 3
    for c in _relative_candidates(s):
        found = _complete(text, s, where, c, ctx, need_time=c.kind == "shift" and not short)
        if found is not None:
            return found
    return None


def find_date(
    text: str,
    *,
    now: datetime | None = None,
    tz: tzinfo | None = None,
    languages: Sequence[str] = (),
) -> ParsedDate | None:
    """Find the first date inside a longer text, such as a dateline paragraph.

    Reads the same forms as ``parse_date``; "today"/"yesterday" count only with a time beside
    them. A date without a year ("Москва. 1 ноября. INTERFAX.RU -") takes the latest year
    that does not put it after ``now`` and is marked ``yearless``; without ``now`` it gives
    None.
    """
    if not isinstance(text, str) or not text:
        return None
    s, where = _normalize(text)
    ctx = _context(now, tz, languages)
    candidates = [
        *_numeric_candidates(s, ctx),
        *_worded_candidates(s),
        *_relative_candidates(s),
    ]
    # Stable sort: at one position a numeric form wins over a worded one, as in parse_date.
    candidates.sort(key=lambda c: c.start)
    for c in candidates:
        found = _complete(text, s, where, c, ctx, need_time=c.kind == "shift")
        if found is not None:
            return found
    return None
