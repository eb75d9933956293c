"""The seed format: one article as plain text, the way the seed site prints it.

::

    Ru En                                   language switcher: other editions (optional)
    <title>
    ٠٩ فبراير ٢٠٢٢                           date as printed (optional)
    <paragraphs, blank-line separated>      body; short unpunctuated lines are subheadings
    <publisher line>                        optional
    Photo : Creative Commons                photo credit (optional)
    المصدر: تاس                              source line: the wire agency (optional)

``parse_seed_text`` reads whatever of this a text has: a file without the
switcher, the date or the footer still gives an article. Only a text with no
title or no body raises ``SeedFormatError``. ``render_seed_text`` writes an
article back; parsing the rendering gives the same article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from crawler.core import dates, wire
from crawler.core.errors import SeedFormatError
from crawler.core.items import Alternate, Article, Block
from crawler.core.lang import detect_language
from crawler.core.text import normalise

#: Language-switcher labels as the seed site and its peers print them.
_SWITCHER_LABELS = {
    "ru": "ru",
    "en": "en",
    "ar": "ar",
    "fr": "fr",
    "de": "de",
    "es": "es",
    "tr": "tr",
    "fa": "fa",
    "zh": "zh",
    "ur": "ur",
    "uk": "uk",
    "english": "en",
    "русский": "ru",
    "рус": "ru",
    "عربي": "ar",
    "العربية": "ar",
    "français": "fr",
    "deutsch": "de",
    "español": "es",
    "türkçe": "tr",
    "فارسی": "fa",
}
_SWITCHER_SPLIT = re.compile(r"[\s|/•·]+")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

_PHOTO_LINE = re.compile(
    r"^\s*(?P<label>photo(?:\s+credit)?|фото|foto|الصورة|صورة|تصوير)\s*[:：]\s*(?P<value>.+?)\s*$",
    re.IGNORECASE,
)
_SOURCE_LINE = re.compile(
    r"^\s*(?P<label>المصدر|المصادر|المصدر\s+الأصلي|источник|source|quelle|fuente|fonte)"
    r"\s*[:：]\s*(?P<value>.+?)\s*$",
    re.IGNORECASE,
)
# Sentence-final punctuation: a body line ending in one of these is a paragraph.
_FINAL_PUNCTUATION = tuple(".!?؟…۔:;؛,،")
_QUOTES = "\"'»”’)]"

#: Publisher lines of outlets we know, folded, mapped to the outlet's host.
_KNOWN_PUBLISHERS = {
    normalise('مجموعة الرؤية الاستراتيجية "روسيا - العالم الإسلامي"'): "russia-islworld.ru",
    normalise('Группа стратегического видения "Россия - исламский мир"'): "russia-islworld.ru",
    normalise('Group of Strategic Vision "Russia - Islamic World"'): "russia-islworld.ru",
}

_SUBHEADING_MAX_WORDS = 12
_SUBHEADING_MAX_CHARS = 90
#: Blank lines on both sides that set a subheading apart (the seed site uses 3 to 5).
_SUBHEADING_GAP = 3
_PUBLISHER_MAX_CHARS = 160

_SOURCE_LABELS = {"ar": "المصدر", "ru": "Источник"}
_MONTHS_FOR_RENDERING = {
    "ar": (
        "يناير",
        "فبراير",
        "مارس",
        "أبريل",
        "مايو",
        "يونيو",
        "يوليو",
        "أغسطس",
        "سبتمبر",
        "أكتوبر",
        "نوفمبر",
        "ديسمبر",
    ),
    "ru": (
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ),
}
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@dataclass(frozen=True)
class _Line:
    """A non-blank line and the number of blank lines before and after it."""

    text: str
    blank_before: int
    blank_after: int


def _clean(line: str) -> str:
    # NBSP, bidi marks and zero-width characters make a line look empty to a
    # reader; treat them as whitespace so such lines count as blank.
    return " ".join(
        line.replace("\u200e", " ")
        .replace("\u200f", " ")
        .replace("\u200b", " ")
        .replace("\ufeff", " ")
        .split()
    )


def _lines(text: str) -> list[_Line]:
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cleaned = [_clean(line) for line in raw]
    out: list[_Line] = []
    blanks = 0
    for line in cleaned:
        if not line:
            blanks += 1
            continue
        if out:
            last = out[-1]
            out[-1] = _Line(last.text, last.blank_before, blanks)
        out.append(_Line(line, blanks, 0))
        blanks = 0
    if out:
        last = out[-1]
        out[-1] = _Line(last.text, last.blank_before, blanks)
    return out


def parse_switcher(line: str) -> tuple[Alternate, ...]:
    """The editions a language-switcher line names ("Ru En"); empty when it is not one."""
    tokens = [t for t in _SWITCHER_SPLIT.split(line.strip()) if t]
    if not 1 <= len(tokens) <= 8:
        return ()
    languages: list[str] = []
    for token in tokens:
        language = _SWITCHER_LABELS.get(token.casefold())
        if language is None:
            return ()
        if language not in languages:
            languages.append(language)
    return tuple(Alternate(language) for language in languages)


def _is_date_line(line: str) -> dates.ParsedDate | None:
    if len(line) > 80:
        return None
    parsed = dates.parse_date(line)
    # The whole line must be the date (a headline that mentions a date is not one).
    if parsed is None or len(parsed.text) < 0.6 * len(line):
        return None
    return parsed


def _ends_like_sentence(text: str) -> bool:
    stripped = text.rstrip(_QUOTES + " ")
    return not stripped or stripped.endswith(_FINAL_PUNCTUATION)


def _looks_like_heading(text: str) -> bool:
    return (
        len(text) <= _SUBHEADING_MAX_CHARS
        and len(text.split()) <= _SUBHEADING_MAX_WORDS
        and not _ends_like_sentence(text)
    )


def _classify_body(lines: list[_Line]) -> tuple[Block, ...]:
    """Mark subheadings: short unpunctuated lines inside the body.

    When the text sets such lines apart with wider gaps than its paragraphs
    (the seed site puts three or more blank lines around a subheading), only
    the lines set apart are subheadings; otherwise any short unpunctuated line
    between two other blocks is one.
    """
    if not lines:
        return ()
    heading_like = [_looks_like_heading(line.text) for line in lines]
    inner = [0 < i < len(lines) - 1 for i in range(len(lines))]
    set_apart = [
        inner[i] and line.blank_before >= _SUBHEADING_GAP and line.blank_after >= _SUBHEADING_GAP
        for i, line in enumerate(lines)
    ]
    gap_mode = any(h and s for h, s in zip(heading_like, set_apart, strict=True))
    marks = set_apart if gap_mode else inner
    return tuple(
        Block(line.text, "subheading" if heading_like[i] and marks[i] else "paragraph")
        for i, line in enumerate(lines)
    )


@dataclass(frozen=True)
class _Footer:
    publisher: str = ""
    photo_credit: str = ""
    source_line: str = ""
    size: int = 0


def _read_footer(lines: list[_Line]) -> _Footer:
    """Read the publisher, photo and source lines from the end of the text."""
    photo = source = publisher = ""
    size = 0
    for line in reversed(lines):
        if size >= 3:
            break
        if not source and _SOURCE_LINE.match(line.text):
            source = line.text
        elif not photo and (match := _PHOTO_LINE.match(line.text)):
            photo = match.group("value")
        else:
            break
        size += 1
    rest = lines[: len(lines) - size]
    if rest:
        candidate = rest[-1].text
        known = normalise(candidate) in _KNOWN_PUBLISHERS
        # Under a photo or source line, a short unpunctuated line is the publisher.
        plausible = (
            size > 0
            and rest[-1].blank_after == 0
            and len(candidate) <= _PUBLISHER_MAX_CHARS
            and not _ends_like_sentence(candidate)
        )
        if (known or plausible) and len(rest) > 2:
            publisher = candidate
            size += 1
    return _Footer(publisher, photo, source, size)


def parse_seed_text(
    text: str,
    *,
    source_file: str = "",
    url: str = "",
    outlet: str = "",
    fetched_at: datetime | None = None,
) -> Article:
    """Read one article in the seed format; see the module docstring for the layout.

    Raises ``SeedFormatError`` only when the text has no title or no body.
    """
    # A lone surrogate cannot come from a decoded file, but a str may carry one;
    # it could not be stored (SQLite wants valid UTF-8), so it becomes U+FFFD.
    lines = _lines(_LONE_SURROGATE.sub("\ufffd", text))
    if not lines:
        raise SeedFormatError("the text is empty: no title and no body")
    alternates = parse_switcher(lines[0].text)
    if alternates:
        lines = lines[1:]
    if not lines:
        raise SeedFormatError("the text has a language switcher line but no title")
    title = lines[0].text
    rest = lines[1:]
    parsed_date = _is_date_line(rest[0].text) if rest else None
    if parsed_date is not None:
        rest = rest[1:]
    footer = _read_footer(rest)
    body_lines = rest[: len(rest) - footer.size]
    if not body_lines:
        raise SeedFormatError(f"the article {title[:60]!r} has a title but no body")
    body = _classify_body(body_lines)
    paragraphs = [b.text for b in body]

    attribution = wire.parse_source_line(footer.source_line) if footer.source_line else None
    if attribution is None:
        attribution = wire.detect_wire(paragraphs)
    attribution_text = footer.source_line or (attribution.text if attribution else "")

    language = detect_language(title + "\n" + "\n".join(paragraphs[:5]))
    return Article(
        title=title,
        body=body,
        url=url,
        outlet=outlet or _KNOWN_PUBLISHERS.get(normalise(footer.publisher), ""),
        published=parsed_date.value if parsed_date else None,
        published_text=parsed_date.text if parsed_date else "",
        published_source="text" if parsed_date else "",
        published_precision=parsed_date.precision if parsed_date else "",
        language=language,
        alternates=alternates,
        publisher=footer.publisher,
        photo_credit=footer.photo_credit,
        wire_agency=attribution.agency if attribution else None,
        attribution=attribution_text,
        fetched_at=fetched_at,
        source_file=source_file,
    )


def format_date(value: datetime, language: str) -> str:
    """A date as the seed site prints it: "٠٩ فبراير ٢٠٢٢", "9 февраля 2022", "February 9, 2022"."""
    if language == "ar":
        month = _MONTHS_FOR_RENDERING["ar"][value.month - 1]
        return f"{value.day:02d} {month} {value.year}".translate(_ARABIC_INDIC)
    if language == "ru":
        return f"{value.day} {_MONTHS_FOR_RENDERING['ru'][value.month - 1]} {value.year}"
    return f"{value:%B} {value.day}, {value.year}"


def _source_line_for(article: Article) -> str:
    if _SOURCE_LINE.match(article.attribution):
        return article.attribution
    if not article.wire_agency:
        return ""
    body = article.body_text
    if article.attribution and article.attribution in body:
        # The attribution is woven into the text; parsing finds it there again.
        return ""
    agency = wire.AGENCIES.get(article.wire_agency)
    name = article.attribution or (agency.name if agency else article.wire_agency)
    return f"{_SOURCE_LABELS.get(article.language, 'Source')}: {name}"


def render_seed_text(article: Article) -> str:
    """Write ``article`` in the seed format (the inverse of ``parse_seed_text``)."""
    parts: list[str] = []
    if article.alternates:
        parts.append(" ".join(a.language.capitalize() for a in article.alternates))
        parts.append("")
    parts += [article.title, ""]
    if article.published_text:
        parts += [article.published_text, ""]
    elif article.published is not None:
        parts += [format_date(article.published, article.language), ""]
    # Paragraphs are two blank lines apart; subheadings get wider gaps, which
    # is how the seed site sets them apart and how the parser recognises them.
    for index, block in enumerate(article.body):
        if block.kind == "subheading" and index > 0:
            parts += ["", ""]
        parts.append(block.text)
        parts += ["", "", "", ""] if block.kind == "subheading" else ["", ""]
    footer = [
        article.publisher,
        f"Photo : {article.photo_credit}" if article.photo_credit else "",
        _source_line_for(article),
    ]
    footer = [line for line in footer if line]
    if footer:
        parts += footer
    else:
        while parts and parts[-1] == "":
            parts.pop()
    return "\n".join(parts) + "\n"
