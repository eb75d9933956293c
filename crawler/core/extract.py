"""Article pages to ``Article`` records: trafilatura for generic pages, rules for known sites.

``extract(html, url, options, headers=, feed_entry=)`` reads one fetched page:

1. **Decoding.** Bytes are decoded by, in order: a byte-order mark (unambiguous, so it
   wins, as in browsers); the charset of the HTTP ``Content-Type`` header; ``<meta
   charset>`` / ``http-equiv`` / the XML declaration; then detection (charset_normalizer,
   through trafilatura). One exception: bytes that are valid UTF-8 with non-ASCII text are
   read as UTF-8 even when a single-byte charset is declared, because stored and transcoded
   copies keep their old ``<meta charset="windows-1251">`` while the bytes became UTF-8,
   and real windows-1251/1256 or koi8-r text is practically never valid UTF-8. A declared
   single-byte charset whose reading is gibberish gives way to the legacy code page that
   reads as words (``crawler.core.charset.reread_garbled``, as for feeds). Input is
   cut at ``ExtractOptions.max_bytes`` (5 MB by default, ``MAX_HTML_BYTES``): no news
   article is that large, and the rest of such a page is inline data that only costs time.
2. **Parsing.** lxml, once. A page nested deeper than libxml2 accepts (it then drops the
   whole document) or with more than 50,000 elements (trafilatura's per-node work then
   takes minutes) is flattened to its paragraph-level tags and parsed again, so a broken
   or hostile page takes seconds at worst.
3. **Body.** A site rule (``crawler.core.sites``) when the host has one. Otherwise trafilatura's
   main text (comments left out), read from its XML tree: ``<head>`` elements become
   ``subheading`` blocks, ``<lb/>`` splits paragraphs, list items are paragraphs; tables
   that lay out the page are read as text, data tables only with ``include_tables``. The
   result is then trimmed to the article, because trafilatura sometimes takes a container
   wider than it: leading blocks that the page shows above the headline (other stories'
   teasers) go, and so do blocks at either end that lie outside the element holding 80%
   of the text (comments, related links). A leading copy of the headline and leading date
   lines (kept as date evidence) go too, and trailing "Photo:"/"Source:" lines become
   ``photo_credit`` and the source line. Fewer than 10 words (and 80 characters) of text
   is no article: ``ExtractionError``.
4. **Title.** The headline as printed: the ``<h1>`` that agrees with ``og:title``/``<title>``
   (its parts, a kicker and the headline set apart by the layout, joined by ": "), else
   ``og:title``, JSON-LD ``headline`` or ``<title>``, each without the site's name when it
   is printed before or after the headline (``og:site_name``, JSON-LD ``publisher``, or the
   host's name spelled in that part); any other part stays, whatever sets it apart. The
   feed entry's title when the page has none.
5. **Language**, first found: ``<html lang>``, ``og:locale`` and ``<meta
   http-equiv="content-language">``, JSON-LD ``inLanguage``, the HTTP ``Content-Language``
   header; the feed entry's language; ``ExtractOptions.language_hint``; then
   ``lang.detect_language`` on the text. A declaration that the text contradicts loses to
   detection: when the scripts differ (templates saying ``lang="en"`` over Russian text),
   and, for a text of 500 characters or more, between two Latin-script languages the
   detector tells apart by their function words (``en``, ``de``, ``fr``, ``es``, ``pt``,
   ``it``, ``id``, ``tr``). The text is the evidence; a template's attribute is a guess.
6. **Date**, weighed, each read with ``crawler.core.dates``. Strong evidence, strongest
   first: ``article:published_time`` and its sister meta tags, JSON-LD ``datePublished``, a
   ``<time datetime>`` marked as the publication time or inside the ``<article>``; a date
   printed with its year next to the headline or above the text (relative dates such as
   "Сегодня, 15:33" anchored at ``ExtractOptions.fetched_at``); the feed entry's date.
   Machine-readable metadata comes first because it is exact and carries a zone; the
   printed line next, because it is what readers saw. When the strongest witness and a date
   in the URL disagree, a strong witness that agrees with the URL wins. Then the date in the
   URL path. A date printed without its year ("5 de septiembre", "19 ноября", "٥ سبتمبر")
   only refines a stronger witness of the same day (its time of day when that witness knows
   only the day), or, when nothing else dates the page, is read in the latest year that keeps
   it no later than the fetch. Evidence dated more than a day after the fetch is impossible
   and dropped. When none of these dates a page read generically, htmldate's wider search
   (dates in attributes, image paths, page furniture; capped at the fetch day) gives the
   day, with source ``search``. With no evidence, ``published`` is None: the fetch time is
   never a publication date. On a page read by a site rule the printed date comes first: the rule
   reads it on purpose and the seed format keeps the date as printed. ``published_source``
   records which evidence won and ``published_text`` the exact text it was read from.
7. **Wire agency** through ``wire.detect_wire`` over the paragraphs and the source line.
8. **URL**: the page URL, or its ``rel=canonical`` when that is on the same host (another
   module canonicalises further); ``outlet`` is the host without ``www.``; ``alternates``
   come from the site's language switcher or ``<link rel="alternate" hreflang>`` (other
   languages than the article's only).

A page without article text raises ``ExtractionError`` naming the URL; nothing here
returns an empty article. ``article_from_entry`` builds a record from a feed entry's own
content when the page cannot be fetched. This is the only module that imports trafilatura.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import urljoin, urlsplit

import htmldate
import lxml.html
import trafilatura
from lxml import etree
from lxml.html import HtmlElement

from crawler.core import dates, sites, wire
from crawler.core.charset import BOMS, codec_for_label, reread_garbled
from crawler.core.errors import WirecrawlError
from crawler.core.items import (
    Alternate,
    Article,
    Block,
    BlockKind,
    DatePrecision,
    DateSource,
    FeedEntry,
)
from crawler.core.lang import detect_language
from crawler.core.scripts import latin

__all__ = [
    "MAX_HTML_BYTES",
    "ExtractOptions",
    "ExtractionError",
    "article_from_entry",
    "decode_html",
    "extract",
    "extract_main_text",
]

#: Input beyond this many bytes (characters for ``str`` input) is cut off before parsing.
MAX_HTML_BYTES = 5_000_000


class ExtractionError(WirecrawlError):
    """A page holds no article text that could be extracted; the message names the URL."""


@dataclass(frozen=True)
class ExtractOptions:
    """How to extract; one object instead of long keyword lists."""

    #: Prefer less text that is surely article over more that may include boilerplate.
    favor_precision: bool = False
    #: Prefer more text when unsure (the opposite trade; ignored with ``favor_precision``).
    favor_recall: bool = False
    #: Keep data tables of the main text, one paragraph per row with cells joined by " | ".
    #: Tables that lay out the page (cells holding paragraphs) are read as text regardless.
    include_tables: bool = False
    #: When the page was fetched (timezone-aware); anchors relative dates ("Сегодня, 15:33",
    #: "منذ 3 ساعات"), gives a date printed without its year the latest year that keeps it
    #: no later than the fetch, and rules out evidence dated after it. Never a publication
    #: date itself: a page without date evidence gets ``published=None``.
    fetched_at: datetime | None = None
    #: The outlet's zone, for printed dates without one; relative dates are then read in
    #: this zone. None keeps such dates naive (and relative ones in ``fetched_at``'s zone).
    timezone: tzinfo | None = None
    #: Language the caller expects (e.g. the feed's ``<language>``), ISO 639-1; used when
    #: the page does not declare one.
    language_hint: str = ""
    #: Input size cap in bytes (see ``MAX_HTML_BYTES``).
    max_bytes: int = MAX_HTML_BYTES
    #: ``article_from_entry`` returns None for entries with less body text than this.
    min_entry_chars: int = 200
    #: Use the rules for known sites (``crawler.core.sites``); False forces the generic path.
    site_rules: bool = True


DEFAULT_OPTIONS = ExtractOptions()

# --------------------------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------------------------

_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,400}?charset\s*=\s*["']?\s*([a-z0-9_.:-]{2,40})""", re.I
)
_XML_ENCODING = re.compile(
    rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([a-z0-9_.:-]{2,40})""", re.I
)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([a-z0-9_.:-]{2,40})""", re.I)
# Where a declaration may sit: browsers look at the first 1024 bytes; pages with long
# heads put it later, so look a little further.
_SNIFF_BYTES = 16_384
# Declarations that cannot be true of a page whose declaration we could read as ASCII,
# or that are unsafe to honour.
_REFUSED_CODECS = frozenset({"utf_16", "utf_16_le", "utf_16_be", "utf_32", "utf_7"})


def _codec(label: str | bytes) -> str | None:
    codec = codec_for_label(label)
    if codec is None:
        return None
    if codec in _REFUSED_CODECS or codec.replace("-", "_") in _REFUSED_CODECS:
        return "utf-8" if codec.startswith("utf") else None
    return codec


def _utf8_or_none(data: bytes, *, truncated: bool) -> str | None:
    """``data`` as UTF-8 when it is valid UTF-8 (a cut multi-byte tail is allowed)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        return decoder.decode(data, final=not truncated)
    except UnicodeDecodeError:
        return None


def _declared_charsets(data: bytes, headers: Mapping[str, str] | None) -> list[str]:
    found: list[str] = []
    for name, value in (headers or {}).items():
        if name.lower() == "content-type" and isinstance(value, str):
            in_header = _HEADER_CHARSET.search(value)
            if in_header:
                found.append(in_header.group(1))
    head = data[:_SNIFF_BYTES]
    for pattern in (_XML_ENCODING, _META_CHARSET):
        in_page = pattern.search(head)
        if in_page:
            found.append(in_page.group(1).decode("ascii", "ignore"))
    return found


def _detected_charset(data: bytes) -> str | None:
    # charset_normalizer (through trafilatura) on a sample: whole large pages cost
    # seconds, and the first 64 KB hold plenty of text to tell Cyrillic from Arabic.
    try:
        from trafilatura.utils import detect_encoding
    except ImportError:  # pragma: no cover - a trafilatura without the helper
        return None
    sample = data[:65_536]
    try:
        guesses = detect_encoding(sample)
    except Exception:  # detection is a guess: any failure of it means "no guess"
        return None
    for guess in guesses:
        codec = _codec(guess)
        if codec is None:
            continue
        try:
            sample.decode(codec)
        except UnicodeDecodeError:
            continue
        return codec
    return None


def decode_html(
    data: bytes | str, headers: Mapping[str, str] | None = None, *, max_bytes: int = MAX_HTML_BYTES
) -> str:
    """The text of a page's bytes (see the module docstring for the order of evidence).

    Never raises: undecodable bytes become U+FFFD. ``str`` input is only cut to size.
    """
    if isinstance(data, str):
        return data[:max_bytes]
    truncated = len(data) > max_bytes
    data = data[:max_bytes]
    for bom, bom_codec in BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(bom_codec, errors="replace")
    as_utf8 = _utf8_or_none(data, truncated=truncated)
    for label in _declared_charsets(data, headers):
        codec = _codec(label)
        if codec is None:
            continue
        if codec == "utf-8":
            if as_utf8 is not None:
                return as_utf8
            # Declared UTF-8 but not: old pages served by new servers. Detection decides.
            break
        if as_utf8 is not None and not data.isascii():
            return as_utf8
        # A declared code page that gives gibberish (windows-1251 bytes labelled koi8-r, a
        # server's iso-8859-1 default in front of Arabic) loses to one that gives words.
        reread = reread_garbled(data, codec)
        return reread[1] if reread else data.decode(codec, errors="replace")
    if as_utf8 is not None:
        return as_utf8
    return data.decode(_detected_charset(data) or "cp1252", errors="replace")


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------

# Tags kept when a too-deep page is flattened: first enough for paragraphs, headings and
# the metadata in the head; if the page is still too deep (thousands of nested headings or
# quotes), only tags that cannot nest: a <p> closes the one before it.
_FLATTENINGS = (
    re.compile(
        r"<(/?)(p|br|h[1-6]|li|title|meta|link|html|head|body|time|blockquote)\b([^>]*)>", re.I
    ),
    re.compile(r"<(/?)(p|br|title|meta|link|html|head|body)\b([^>]*)>", re.I),
)
_ANY_TAG = re.compile(r"<[^>]*>")
_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.I | re.S)


def _flatten(text: str, keep: re.Pattern[str]) -> str:
    """Strip every tag but those ``keep`` matches, so that nesting stays shallow."""

    # JSON-LD must survive the flattening: keep those scripts as they are.
    def keep_ld(match: re.Match[str]) -> str:
        return match.group(0) if "ld+json" in match.group(0)[:200].lower() else " "

    text = _SCRIPT_OR_STYLE.sub(keep_ld, text)
    kept: list[str] = []
    position = 0
    for match in _ANY_TAG.finditer(text):
        kept.append(text[position : match.start()])
        tag = match.group(0)
        if keep.fullmatch(tag) or tag.lower().startswith(("<script", "</script")):
            kept.append(tag)
        else:
            kept.append(" ")
        position = match.end()
    kept.append(text[position:])
    return "".join(kept)


# Real article pages have a few thousand elements. Far more (a page of 100,000 links) makes
# trafilatura's per-node work take minutes, so such pages are flattened like deep ones.
_MAX_ELEMENTS = 50_000


def _cut_after_tags(text: str, limit: int) -> str:
    """``text`` up to its ``limit``-th tag."""
    for count, match in enumerate(_ANY_TAG.finditer(text)):
        if count >= limit:
            return text[: match.start()]
    return text


def _parse_once(text: str) -> tuple[HtmlElement | None, bool]:
    """Parse; the flag says the tree is unusable as it is (too deep or too large)."""
    parser = lxml.html.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True
    )
    data = text.encode("utf-8", errors="replace")
    try:
        tree = lxml.html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError):
        tree = None
    # libxml2 drops the whole document when it gives up on the nesting depth.
    too_deep = any("depth" in entry.message.lower() for entry in parser.error_log)
    too_large = tree is not None and any(
        index >= _MAX_ELEMENTS for index, _ in enumerate(tree.iter())
    )
    return tree, too_deep or too_large


def _parse(text: str, url: str) -> HtmlElement:
    text = text.replace("\x00", "")
    if not text.strip():
        raise ExtractionError(f"no article text on {url}: the page is empty")
    tree, unusable = _parse_once(text)
    for keep in _FLATTENINGS:
        if not unusable:
            break
        text = _flatten(text, keep)
        tree, unusable = _parse_once(text)
    if unusable:
        # Still hundreds of thousands of paragraphs or line breaks: keep the top of the
        # page, where the article is.
        tree, _ = _parse_once(_cut_after_tags(text, _MAX_ELEMENTS))
    if tree is None:
        raise ExtractionError(f"no article text on {url}: the page is not readable as HTML")
    return tree


# --------------------------------------------------------------------------------------------
# Page metadata
# --------------------------------------------------------------------------------------------

#: Meta tags that carry the publication time, strongest first (property/name/itemprop).
_DATE_META_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "article:published",
    "datepublished",
    "published_time",
    "og:published_time",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "citation_publication_date",
    "article.published",
    "date",
)
_DATE_META_RANK = {key: rank for rank, key in enumerate(_DATE_META_KEYS)}
_AUTHOR_META_KEYS = (
    "author",
    "article:author",
    "byl",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
)
_TITLE_META_KEYS = ("og:title", "twitter:title")
# How many headings the title may be checked against (sites print their headline early).
_HEADINGS_READ = 40
#: Where a page names its site: what a title may carry after (or before) the headline.
_SITE_NAME_META_KEYS = ("og:site_name", "application-name", "apple-mobile-web-app-title")
_LANG_META_KEYS = ("content-language", "language", "dc.language", "og:locale")
_ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "backgroundnewsarticle",
        "blogposting",
        "liveblogposting",
        "report",
        "scholarlyarticle",
        "webpage",
    }
)
_MAX_JSON_LD_CHARS = 1_000_000


@dataclass
class _PageMeta:
    """What the page says about itself outside the article text."""

    declared_languages: list[str] = field(default_factory=list)
    canonical: str = ""
    alternates: list[tuple[str, str]] = field(default_factory=list)
    meta_titles: list[str] = field(default_factory=list)
    page_title: str = ""
    headlines: list[str] = field(default_factory=list)
    #: The letters (``_letters``) of the page's first headings, h1 to h4.
    heading_letters: set[str] = field(default_factory=set)
    site_names: list[str] = field(default_factory=list)
    meta_dates: list[tuple[int, str]] = field(default_factory=list)
    json_ld_dates: list[str] = field(default_factory=list)
    json_ld_headlines: list[str] = field(default_factory=list)
    json_ld_authors: list[str] = field(default_factory=list)
    json_ld_languages: list[str] = field(default_factory=list)
    header_languages: list[str] = field(default_factory=list)
    meta_authors: list[str] = field(default_factory=list)
    time_dates: list[str] = field(default_factory=list)


def _language_code(value: str) -> str:
    """ISO 639-1 code of a language tag ("en-US", "ru_RU", "ar") or empty."""
    primary = re.split(r"[-_\s,;]", value.strip().lower(), maxsplit=1)[0]
    return primary if len(primary) == 2 and primary.isascii() and primary.isalpha() else ""


def _read_meta(tree: HtmlElement, url: str, headers: Mapping[str, str] | None) -> _PageMeta:
    meta = _PageMeta()
    root_lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    if _language_code(root_lang):
        meta.declared_languages.append(_language_code(root_lang))
    for element in tree.iter("meta"):
        key = (
            (element.get("property") or element.get("name") or element.get("itemprop") or "")
            .strip()
            .lower()
        )
        http_equiv = (element.get("http-equiv") or "").strip().lower()
        content = _squash(element.get("content") or element.get("datetime") or "")
        if not content:
            continue
        if key in _DATE_META_RANK:
            meta.meta_dates.append((_DATE_META_RANK[key], content))
        elif key in _TITLE_META_KEYS:
            meta.meta_titles.append(content)
        elif key in _SITE_NAME_META_KEYS:
            meta.site_names.append(content)
        elif key in _AUTHOR_META_KEYS and not content.startswith(("http://", "https://")):
            meta.meta_authors.append(content)
        if (key in _LANG_META_KEYS or http_equiv == "content-language") and _language_code(content):
            meta.declared_languages.append(_language_code(content))
    for name, value in (headers or {}).items():
        if name.lower() == "content-language" and isinstance(value, str) and _language_code(value):
            meta.header_languages.append(_language_code(value))
    meta.meta_dates.sort(key=lambda pair: pair[0])
    for element in tree.iter("link"):
        rel = (element.get("rel") or "").lower().split()
        href = (element.get("href") or "").strip()
        if not href:
            continue
        if "canonical" in rel and not meta.canonical:
            meta.canonical = _absolute(url, href)
        elif "alternate" in rel and element.get("hreflang"):
            meta.alternates.append((element.get("hreflang", ""), _absolute(url, href)))
    for element in tree.iter("title"):
        meta.page_title = _squash(element.text_content())
        break
    for heading in tree.iter("h1"):
        text = sites.heading_text(heading)
        if text:
            meta.headlines.append(text)
        if len(meta.headlines) >= 3:
            break
    for index, heading in enumerate(tree.iter("h1", "h2", "h3", "h4")):
        if index >= _HEADINGS_READ:
            break
        meta.heading_letters.add(_letters(heading.text_content()))
    _read_time_elements(tree, meta)
    _read_json_ld(tree, meta)
    return meta


def _read_time_elements(tree: HtmlElement, meta: _PageMeta) -> None:
    marked: list[str] = []
    in_article: list[str] = []
    every: list[str] = []
    for element in tree.iter("time"):
        value = _squash(element.get("datetime") or "")
        if not value:
            continue
        every.append(value)
        marks = f"{element.get('itemprop', '')} {element.get('class', '')}".lower()
        if element.get("pubdate") is not None or "datepublished" in marks or "publish" in marks:
            marked.append(value)
        elif any(ancestor.tag == "article" for ancestor in element.iterancestors()):
            in_article.append(value)
    # A lone <time> on the page is the article's; several outside an <article> are
    # usually the dates of other stories in lists and sidebars.
    meta.time_dates = marked + in_article[:1] + (every if len(every) == 1 else [])


def _json_objects(value: Any) -> Iterator[dict[str, Any]]:
    """Every dict in a JSON-LD value (lists and ``@graph`` flattened), breadth first."""
    queue = [value]
    seen = 0
    while queue and seen < 500:
        item = queue.pop(0)
        seen += 1
        if isinstance(item, list):
            queue.extend(item)
        elif isinstance(item, dict):
            yield item
            graph = item.get("@graph")
            if isinstance(graph, list):
                queue.extend(graph)
            main = item.get("mainEntity")
            if isinstance(main, dict | list):
                queue.append(main)


def _types_of(item: dict[str, Any]) -> set[str]:
    kind = item.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


def _names(value: Any) -> list[str]:
    """Names in a JSON-LD ``author``: a string, a Person, or a list of either."""
    items = value[:20] if isinstance(value, list) else [value]
    names = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str):
            names.append(name)
    return names


def _read_json_ld(tree: HtmlElement, meta: _PageMeta) -> None:
    page_dates: list[str] = []
    for script in tree.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        raw = (script.text or "").strip()
        if not raw or len(raw) > _MAX_JSON_LD_CHARS:
            continue
        raw = raw.removeprefix("<!--").removesuffix("-->").strip()
        try:
            value = json.loads(raw, strict=False)
        except (ValueError, RecursionError):
            continue
        for item in _json_objects(value):
            if not _types_of(item) & _ARTICLE_TYPES:
                continue
            is_page = _types_of(item) == {"webpage"}
            published = item.get("datePublished") or item.get("dateCreated")
            if isinstance(published, str) and published.strip():
                # A WebPage's date is the page's, weaker than an Article's.
                (page_dates if is_page else meta.json_ld_dates).append(published.strip())
            headline = item.get("headline") or (item.get("name") if not is_page else None)
            if isinstance(headline, str) and headline.strip():
                meta.json_ld_headlines.append(_squash(headline))
            meta.json_ld_authors += [_squash(n) for n in _names(item.get("author")) if n.strip()]
            meta.site_names += [_squash(n) for n in _names(item.get("publisher")) if n.strip()]
            language = item.get("inLanguage")
            if isinstance(language, str) and _language_code(language):
                meta.json_ld_languages.append(_language_code(language))
    meta.json_ld_dates += page_dates


def _absolute(base: str, href: str) -> str:
    try:
        return urljoin(base, href)
    except ValueError:
        return ""


def _squash(text: str) -> str:
    return " ".join(text.split())


def _host(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.lower().removeprefix("www.")


# --------------------------------------------------------------------------------------------
# Title
# --------------------------------------------------------------------------------------------

# The separators that set a site's name apart in a title: "Headline - Site", "Site | Headline".
_TITLE_SEPARATORS = re.compile(r"(\s+(?:[|–—•·:/»«-]|::|//|\|\|)\s+)")
_WORD = re.compile(r"\w+")
# Labels of a host name that say nothing about the site ("www.bbc.co.uk": "bbc").
_HOST_FILLER = frozenset({"www", "m", "amp", "mobile", "news", "co", "com", "org", "net", "gov"})
# A site's name is short: a part of more words is part of the headline.
_SITE_NAME_MAX_WORDS = 5


def _words(text: str) -> set[str]:
    return {w.casefold() for w in _WORD.findall(text)}


@dataclass(frozen=True)
class _SiteNames:
    """What the page and its URL say the site is called."""

    #: Words of the names the page gives itself (``og:site_name``, JSON-LD publisher).
    words: frozenset[str]
    #: The host's telling label ("lenta" for lenta.ru, "theguardian" for theguardian.com).
    label: str

    @classmethod
    def of(cls, meta: _PageMeta, url: str) -> _SiteNames:
        labels = [part for part in _host(url).split(".")[:-1] if part not in _HOST_FILLER]
        words = frozenset().union(*(_words(name) for name in meta.site_names))
        return cls(words, max(labels, key=len) if labels else "")

    def names(self, part: str) -> bool:
        """Whether a title part is the site's name rather than part of the headline."""
        words = _words(part)
        if not words or len(words) > _SITE_NAME_MAX_WORDS:
            return False
        if self.words and words <= self.words:
            return True
        if len(self.label) < 3:
            return False
        # "Lenta.ru", "BBC News", "The Guardian", "ОБКОМ": the host's label spelled at the
        # start of one of its words, or of all of them run together (a word that merely
        # holds it, "material" for ria.ru, is not the name).
        spelled = [latin(word) for word in _WORD.findall(part.casefold())]
        return "".join(spelled).startswith(self.label) or any(
            word.startswith(self.label) for word in spelled
        )


def _title_part(title: str, site: _SiteNames, printed: set[str]) -> str:
    """A title without what it adds to the headline ("Headline - Site", "Site | Headline").

    The site's name printed before or after the headline goes. Of what stays, the run of
    parts the page prints as a heading is the headline ("Headline - Section" over a page
    whose heading says "Headline"); without such a heading every other part stays, however
    it is set apart: "Мэр – министру: ..." keeps its speaker, "Police appeal – 'critical'"
    its end. ``printed`` holds the letters of the page's headings.
    """
    pieces = _TITLE_SEPARATORS.split(title)
    # pieces alternate: part, separator, part, ...
    parts, separators = pieces[0::2], pieces[1::2]

    def joined(start: int, end: int) -> str:
        kept = [parts[start]]
        for index in range(start + 1, end):
            kept += [separators[index - 1], parts[index]]
        return "".join(kept).strip()

    start, end = 0, len(parts)
    while end - start > 1 and site.names(parts[end - 1]):
        end -= 1
    while end - start > 1 and site.names(parts[start]):
        start += 1
    runs = [(i, j) for i in range(start, end) for j in range(i + 1, end + 1)]
    shown = [run for run in runs if _letters(joined(*run)) in printed]
    if shown:
        start, end = max(shown, key=lambda run: len(joined(*run)))
    return joined(start, end) if (start, end) != (0, len(parts)) else title


def _choose_title(meta: _PageMeta, url: str) -> str:
    """The headline as printed (module docstring, step 4)."""
    site = _SiteNames.of(meta, url)
    references = [*meta.meta_titles, *meta.json_ld_headlines, meta.page_title]
    reference_words = set().union(*(_words(r) for r in references if r))
    titled = next((_title_part(t, site, meta.heading_letters) for t in references if t), "")
    title_words = _words(titled)
    for headline in meta.headlines:
        words = _words(headline)
        # An <h1> that shares most of its words with the metadata titles, and holds most
        # of the headline they give, is the headline (a kicker it prints and they leave
        # out is the page's own); other <h1>s are logos, section names and kickers alone.
        if (
            words
            and len(words & reference_words) >= 0.6 * len(words)
            and len(words & title_words) >= 0.6 * len(title_words)
        ):
            return headline
    return titled or (meta.headlines[0] if meta.headlines else "")


# --------------------------------------------------------------------------------------------
# Body through trafilatura
# --------------------------------------------------------------------------------------------


# trafilatura's XML: TEI-like names, plus plain HTML when one of its fallback extractors
# produced the body. ``head`` is a heading here, not the document head.
_TRAFILATURA_XML = sites.Vocabulary(
    blocks=sites.HTML.blocks
    | {"head", "list", "item", "quote", "row", "cell", "code", "doc", "main", "comments"},
    headings=sites.HTML.headings | {"head"},
    breaks=frozenset({"lb", "br"}),
    invisible=frozenset({"graphic", "script", "style"}),
)
# A table whose cells hold paragraphs or long text is page layout, not data: old sites
# (and some new ones) put the whole article in a table cell.
_LAYOUT_CELL_CHARS = 150
_STRUCTURE = frozenset({"p", "head", "list", "quote", "table", "div"})
_CELLS = ("cell", "td", "th")
_ROWS = ("row", "tr")


def _is_layout_table(table: Any) -> bool:
    for cell in table.iter(*_CELLS):
        if any(child.tag in _STRUCTURE for child in cell):
            return True
        if len(_squash("".join(cell.itertext()))) >= _LAYOUT_CELL_CHARS:
            return True
    return False


def _flatten_data_tables(body: Any, *, include_tables: bool) -> None:
    """Replace each data table by one paragraph per row ("a | b | c"), or drop it."""
    for table in list(body.iter("table")):
        parent = table.getparent()
        if parent is None or _is_layout_table(table):
            continue
        replacement: list[Any] = []
        if include_tables:
            for row in table.iter(*_ROWS):
                cells = [_squash("".join(cell.itertext())) for cell in row.iter(*_CELLS)]
                text = " | ".join(cell for cell in cells if cell)
                if text:
                    paragraph = etree.Element("p")
                    paragraph.text = text
                    replacement.append(paragraph)
        if replacement:
            replacement[-1].tail = table.tail
        elif table.tail:
            previous = table.getprevious()
            if previous is not None:
                previous.tail = (previous.tail or "") + table.tail
            else:
                parent.text = (parent.text or "") + table.tail
        index = parent.index(table)
        parent.remove(table)
        for offset, paragraph in enumerate(replacement):
            parent.insert(index + offset, paragraph)


#: A first, fast pass of trafilatura that finds less text than this runs again in full.
FAST_ENOUGH_CHARS = 1000


def _blocks_from_xml(body: Any, *, include_tables: bool) -> list[Block]:
    """Body blocks from trafilatura's XML tree: headings, paragraphs, list items, quotes."""
    _flatten_data_tables(body, include_tables=include_tables)
    return [
        Block(line.text, "subheading" if line.is_heading else "paragraph")
        for line in sites.page_lines(body, vocabulary=_TRAFILATURA_XML)
    ]


def _trafilatura_blocks(tree: HtmlElement, url: str, options: ExtractOptions) -> list[Block]:
    body = _trafilatura_body(tree, url, options, fast=True)
    if body is None or _text_size(body) < FAST_ENOUGH_CHARS:
        # trafilatura's fallbacks (readability, jusText) find what its own pass missed on
        # some pages; they cost a third of the extraction, so only a short result pays it.
        body = _trafilatura_body(tree, url, options, fast=False)
    if body is None:
        return []
    return _blocks_from_xml(body, include_tables=options.include_tables)


def _text_size(body: Any) -> int:
    return sum(len(t) for t in body.itertext())


def _trafilatura_body(tree: HtmlElement, url: str, options: ExtractOptions, *, fast: bool) -> Any:
    try:
        document = trafilatura.bare_extraction(
            tree,
            url=url or None,
            fast=fast,
            favor_precision=options.favor_precision,
            favor_recall=options.favor_recall and not options.favor_precision,
            include_comments=False,
            # Always on: layout tables hold article text; data tables are dropped below
            # unless the caller asked for them.
            include_tables=True,
            include_images=False,
            include_links=False,
            include_formatting=False,
            deduplicate=False,
            with_metadata=False,
        )
    except RecursionError:
        return None
    except Exception as error:  # a library failure on one page must not end a crawl
        raise ExtractionError(
            f"no article text on {url}: trafilatura failed ({error!r})"
        ) from error
    return getattr(document, "body", None)


# --------------------------------------------------------------------------------------------
# The page as a reader sees it
# --------------------------------------------------------------------------------------------

# Lines are matched to body blocks by their opening characters: trafilatura and the line
# reader agree on text but not always on where a block ends.
_KEY_CHARS = 60


class _PageText:
    """The page's visible lines and where the headline sits among them, read on demand."""

    def __init__(self, tree: HtmlElement, title: str) -> None:
        self._tree = tree
        self._title = title
        self._lines: list[sites.Line] | None = None
        self._headline: int | None = None

    @property
    def lines(self) -> list[sites.Line]:
        if self._lines is None:
            body = self._tree.find("body")
            self._lines = sites.page_lines(body) if body is not None else []
            self._headline = self._find_headline(self._lines)
        return self._lines

    @property
    def headline(self) -> int | None:
        """Index of the headline's line, or None when the page does not show it."""
        _ = self.lines
        return self._headline

    def _find_headline(self, lines: list[sites.Line]) -> int | None:
        for index, line in enumerate(lines):
            if line.tag == "h1" and (not self._title or _holds_headline(line.text, self._title)):
                return index
        for index, line in enumerate(lines):
            if line.is_heading and self._title and _same_text(line.text, self._title):
                return index
        return None

    def first_positions(self) -> dict[str, int]:
        """Where each line's opening characters first occur."""
        positions: dict[str, int] = {}
        for index, line in enumerate(self.lines):
            positions.setdefault(line.text[:_KEY_CHARS], index)
        return positions


# --------------------------------------------------------------------------------------------
# Cleaning the generic body
# --------------------------------------------------------------------------------------------

_DATE_LINE_MAX_CHARS = 100
# Fewer words than this is no article: a one-line brief still has a sentence or two.
_MIN_ARTICLE_WORDS = 10
_MIN_ARTICLE_CHARS = 80
# How far from the start a lone date line or copy of the headline may sit.
_HEADER_BLOCKS = 3
# How many blocks at the end may be footer lines (photo, source).
_FOOTER_BLOCKS = 4


def _same_text(a: str, b: str) -> bool:
    """Whether two texts say the same in the same words, whatever their spaces and
    punctuation (a kicker joined with ": " and the same kicker set on its own line)."""
    return bool(a) and _letters(a) == _letters(b)


def _holds_headline(line: str, title: str) -> bool:
    """Whether a heading's line is the headline, with what the page prints inside the
    heading around it (a comment counter, a date stamp) or its parts run together."""
    headline, letters = _letters(title), _letters(line)
    return bool(headline) and headline in letters and len(headline) >= 0.6 * len(letters)


def _letters(text: str) -> str:
    return "".join(_WORD.findall(text.casefold()))


def _letters_end(text: str, count: int) -> int:
    """Where in ``text`` the first ``count`` characters of ``_letters(text)`` end."""
    if count <= 0:
        return 0
    seen = 0
    for match in _WORD.finditer(text.casefold()):
        if seen + len(match.group()) >= count:
            return match.start() + (count - seen)
        seen += len(match.group())
    return len(text)


@dataclass
class _Body:
    """An article body and the lines read around it."""

    blocks: list[Block]
    #: Date lines as printed around the text, best first.
    printed_dates: list[str] = field(default_factory=list)
    photo_credit: str = ""
    #: The source line as printed ("المصدر: تاس"), for the wire agency.
    source_line: str = ""
    publisher: str = ""


# A clock far in the future: read against it, a text shows whether it holds a date without a
# year or a relative one, whatever the fetch time (the date it gives is never used).
_PROBE = datetime(2099, 12, 31, 23, 59)


def _date_line(text: str, tz: tzinfo | None) -> dates.ParsedDate | None:
    """The date a short line holds when the line is mostly that date.

    Read against ``_PROBE``: whether a line is a date line does not depend on when the page
    was fetched (the date itself is read later, against the fetch time).
    """
    if len(text) > _DATE_LINE_MAX_CHARS:
        return None
    found = dates.find_date(text, now=_PROBE, tz=tz)
    if found is None or len(found.text) < 0.4 * len(text):
        return None
    return found


def _clean_blocks(blocks: list[Block], title: str, tz: tzinfo | None) -> _Body:
    cleaned = _Body([])
    kept: list[Block] = []
    headline = _letters(title)
    # The letters of the headline's parts read so far as blocks of their own.
    seen = ""
    for index, block in enumerate(blocks):
        if index < _HEADER_BLOCKS + 2 and not kept:
            # The headline repeated as the first block (whole, in its parts, or with the
            # date stamp it prints), and date lines above the text, belong to the page's
            # header, not to the article.
            letters = _letters(block.text)
            if _same_text(block.text, title):
                continue
            if letters and headline and headline.startswith(seen + letters):
                seen += letters
                continue
            if letters.startswith(headline) and headline and seen == "":
                rest = block.text[_letters_end(block.text, len(headline)) :].strip()
                if rest and _date_line(rest, tz) is not None:
                    cleaned.printed_dates.append(rest)
                    continue
            if index < _HEADER_BLOCKS and _date_line(block.text, tz) is not None:
                cleaned.printed_dates.append(block.text)
                continue
        if kept and kept[-1].text == block.text:
            continue
        kept.append(block)
    footer_start = max(0, len(kept) - _FOOTER_BLOCKS)
    body: list[Block] = []
    for index, block in enumerate(kept):
        if index >= footer_start and block.kind == "paragraph":
            if not cleaned.source_line and sites.SOURCE_LINE.match(block.text):
                cleaned.source_line = block.text
                continue
            photo = sites.PHOTO_LINE.match(block.text)
            if photo and not cleaned.photo_credit:
                cleaned.photo_credit = photo.group("value")
                continue
        body.append(block)
    # A trailing subheading with nothing under it is page furniture ("Related", "Read more").
    while body and body[-1].kind == "subheading":
        body.pop()
    cleaned.blocks = body
    return cleaned


# Leading blocks above the headline are cut only when what stays is still an article.
_MIN_KEPT_CHARS = 200


def _trim_above_headline(blocks: list[Block], page: _PageText) -> list[Block]:
    """Drop leading blocks that the page shows above the headline (teasers, menus).

    trafilatura sometimes takes a container that holds other stories' teasers above the
    article. The headline marks where the article starts; blocks that occur only above it
    are cut, as long as what stays is still an article's worth of text.
    """
    headline = page.headline
    if headline is None or not blocks:
        return blocks
    positions = page.first_positions()
    cut = 0
    for block in blocks:
        position = positions.get(block.text[:_KEY_CHARS])
        if position is None or position > headline:
            break
        cut += 1
    if not cut:
        return blocks
    kept = sum(len(b.text) for b in blocks[cut:] if b.kind == "paragraph")
    return blocks[cut:] if kept >= _MIN_KEPT_CHARS else blocks


# The share of the body's text that the article's own container holds.
_CONTAINER_SHARE = 0.8


def _trim_to_container(blocks: list[Block], page: _PageText) -> list[Block]:
    """Drop blocks at either end that sit outside the container of the article's text.

    An article's paragraphs share one container; trafilatura sometimes sweeps in the
    teasers or comments beside it. The deepest element that holds 80% of the body's text
    is taken as the article's container, and leading or trailing blocks outside it are
    cut. Blocks inside the run are kept whatever their place (an inset box, a quote).
    """
    if len(blocks) < 2:
        return blocks
    lines = page.lines
    positions = page.first_positions()
    holders: list[HtmlElement | None] = []
    for block in blocks:
        position = positions.get(block.text[:_KEY_CHARS])
        holders.append(lines[position].element if position is not None else None)
    chars: dict[HtmlElement, int] = {}
    depths: dict[HtmlElement, int] = {}
    total = 0
    for block, holder in zip(blocks, holders, strict=True):
        if holder is None:
            continue
        total += len(block.text)
        chain = [holder, *holder.iterancestors()]
        for depth, element in enumerate(reversed(chain)):
            chars[element] = chars.get(element, 0) + len(block.text)
            depths[element] = depth
    if not total:
        return blocks
    container = max(
        (element for element, count in chars.items() if count >= _CONTAINER_SHARE * total),
        key=lambda element: depths[element],
    )
    inside = [
        holder is None or holder is container or container in holder.iterancestors()
        for holder in holders
    ]
    if not any(inside):
        return blocks
    first = inside.index(True)
    last = len(inside) - 1 - inside[::-1].index(True)
    return blocks[first : last + 1]


# --------------------------------------------------------------------------------------------
# Language
# --------------------------------------------------------------------------------------------

_SCRIPTS = {
    **dict.fromkeys(("ar", "fa", "ur", "ps", "ku", "sd", "ug"), "arabic"),
    **dict.fromkeys(("ru", "uk", "be", "bg", "mk", "kk", "ky", "tg", "mn", "sr"), "cyrillic"),
    "el": "greek",
    "he": "hebrew",
    "yi": "hebrew",
    "ja": "cjk",
    "zh": "cjk",
    "ko": "hangul",
    "hy": "armenian",
    "ka": "georgian",
    "th": "thai",
    "hi": "devanagari",
}


def _script(language: str) -> str:
    return _SCRIPTS.get(language, "latin")


# Latin-script languages that ``lang.detect_language`` tells apart by their function words;
# between two of them, a long text outvotes a template's lang attribute.
_WORD_DETECTED = frozenset({"en", "de", "fr", "es", "pt", "it", "id", "tr"})
_LONG_TEXT_CHARS = 500


def _choose_language(candidates: Iterable[str], text: str) -> str:
    """The first declared language the text does not contradict, else the detected one."""
    detected = detect_language(text) if text else ""
    for candidate in candidates:
        code = _language_code(candidate)
        if not code:
            continue
        # Serbian is written in both scripts; everything else has one.
        if detected and code != "sr" and _script(code) != _script(detected):
            continue
        if (
            detected in _WORD_DETECTED
            and code in _WORD_DETECTED
            and code != detected
            and len(text) >= _LONG_TEXT_CHARS
        ):
            continue
        return code
    return detected


# --------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------

_URL_DATE = re.compile(
    r"(?<![0-9])((?:19|20)\d\d)([-/_.])(0?[1-9]|1[0-2])\2(0?[1-9]|[12]\d|3[01])(?![0-9])"
    r"|(?<![0-9A-Za-z])((?:19|20)\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?![0-9A-Za-z])"
)


@dataclass(frozen=True)
class _Dated:
    value: datetime
    text: str
    source: DateSource
    precision: DatePrecision


def _precision_of(text: str) -> DatePrecision:
    if re.search(r"\d{1,2}:\d{2}:\d{2}", text):
        return "second"
    if re.search(r"\d{1,2}:\d{2}", text):
        return "minute"
    return "day"


def _url_date(url: str) -> _Dated | None:
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    for match in _URL_DATE.finditer(path):
        if match.group(1):
            year, month, day = match.group(1), match.group(3), match.group(4)
        else:
            year, month, day = match.group(5), match.group(6), match.group(7)
        try:
            value = datetime(int(year), int(month), int(day))
        except ValueError:
            continue
        return _Dated(value, match.group(0), "url", "day")
    return None


def _machine_date(text: str, tz: tzinfo | None) -> dates.ParsedDate | None:
    parsed = dates.parse_date(text, tz=tz)
    # Metadata holds a date and nothing else: a partial read is a misread.
    if parsed is None or len(parsed.text) < 0.6 * len(text.strip()):
        return None
    return parsed


def _probe_yearless(text: str, tz: tzinfo | None, languages: Sequence[str]) -> bool:
    found = dates.find_date(text, now=_PROBE, tz=tz, languages=languages)
    return found is not None and found.yearless


def _near_headline_lines(page: _PageText) -> list[str]:
    """Short lines just after (then just before) the headline: where pages print the date."""
    anchor = page.headline
    if anchor is None:
        return []
    lines = page.lines
    after = lines[anchor + 1 : anchor + 9]
    before = list(reversed(lines[max(0, anchor - 3) : anchor]))
    return [line.text for line in (*after, *before) if len(line.text) <= _DATE_LINE_MAX_CHARS * 1.2]


@dataclass(frozen=True)
class _Evidence:
    """The date evidence of one page, sorted by strength (see ``_choose_date``)."""

    #: Exact or printed in full: metadata, printed dates with their year, relative dates
    #: anchored at the fetch, the feed's date; strongest first.
    strong: list[_Dated]
    #: The day in the URL path.
    url: _Dated | None
    #: Printed texts holding a date without its year, nearest the headline first.
    yearless: list[str]


def _local_day(value: datetime, tz: tzinfo | None) -> datetime:
    if tz is not None and value.tzinfo is not None:
        return value.astimezone(tz)
    return value


def _yearless_agreeing(
    texts: Sequence[str], anchor: _Dated, tz: tzinfo | None, languages: Sequence[str]
) -> dates.ParsedDate | None:
    """A year-less printed date on ``anchor``'s day (a day either side for the zone), read
    in ``anchor``'s year; None when none agrees."""
    day = _local_day(anchor.value, tz).date()
    # Read as if fetched at the end of the day after: the year that puts it nearest ``day``.
    now = datetime.combine(day + timedelta(days=2), datetime.min.time())
    for text in texts:
        found = dates.find_date(text, now=now, tz=tz, languages=languages)
        if found is not None and found.yearless and abs((found.value.date() - day).days) <= 1:
            return found
    return None


def _refined(
    chosen: _Dated, yearless: Sequence[str], tz: tzinfo | None, languages: Sequence[str]
) -> _Dated:
    """``chosen``, with the time of a year-less printed date on the same day when ``chosen``
    only knows the day (a URL's "/2022/02/09/" and a printed "9 февраля, 14:35")."""
    if chosen.precision != "day" or not yearless:
        return chosen
    found = _yearless_agreeing(yearless, chosen, tz, languages)
    if found is None or found.precision == "day":
        return chosen
    return _Dated(found.value, found.text, "text", found.precision)


def _after_fetch(value: datetime, fetched_at: datetime | None) -> bool:
    """True when ``value`` is more than a day after the fetch: no page prints its future."""
    if fetched_at is None:
        return False
    if value.tzinfo is None or fetched_at.tzinfo is None:
        return value.replace(tzinfo=None) > fetched_at.replace(tzinfo=None) + timedelta(days=1)
    return value > fetched_at + timedelta(days=1)


def _gather_evidence(
    *,
    meta: _PageMeta | None,
    page: _PageText | None,
    printed: Sequence[str],
    url: str,
    entry: FeedEntry | None,
    options: ExtractOptions,
    languages: Sequence[str],
    printed_first: bool,
) -> _Evidence:
    tz = options.timezone
    now = options.fetched_at
    if now is not None and tz is not None and now.tzinfo is not None:
        now = now.astimezone(tz)
    in_full: list[_Dated] = []
    yearless: list[str] = []
    lines = [*printed, *(_near_headline_lines(page) if page is not None else [])]
    for text in lines:
        found = dates.find_date(text, now=now, tz=tz, languages=languages)
        if found is not None and not found.yearless:
            in_full.append(_Dated(found.value, found.text, "text", found.precision))
        # Read against the fetch, a year-less date is found (and marked); only without a
        # fetch time does it take a second reading to tell it is one.
        elif found is not None or (now is None and _probe_yearless(text, tz, languages)):
            yearless.append(text)
    from_meta: list[_Dated] = []
    if meta is not None:
        for text in (
            *(value for _, value in meta.meta_dates),
            *meta.json_ld_dates,
            *meta.time_dates,
        ):
            parsed = _machine_date(text, tz)
            if parsed is not None:
                from_meta.append(_Dated(parsed.value, text, "meta", parsed.precision))
    from_feed: list[_Dated] = []
    if entry is not None and entry.published is not None:
        text = entry.published_text or entry.published.isoformat()
        precision = _precision_of(entry.published_text) if entry.published_text else "second"
        from_feed.append(_Dated(entry.published, text, "feed", precision))
    strong = [*in_full, *from_meta] if printed_first else [*from_meta, *in_full]
    strong = [d for d in (*strong, *from_feed) if not _after_fetch(d.value, options.fetched_at)]
    from_url = _url_date(url)
    if from_url is not None and _after_fetch(from_url.value, options.fetched_at):
        from_url = None
    return _Evidence(strong, from_url, yearless)


def _choose_date(
    *,
    meta: _PageMeta | None,
    page: _PageText | None,
    printed: Sequence[str],
    url: str,
    language: str,
    entry: FeedEntry | None,
    options: ExtractOptions,
    printed_first: bool = False,
) -> _Dated | None:
    """The publication date the evidence supports (module docstring, step 6); None when the
    page gives none: the fetch time is never a publication date.

    ``printed_first`` puts the printed lines before the metadata: a site rule reads the
    date line on purpose, and the seed format keeps the date as printed.
    """
    tz = options.timezone
    languages = [language] if language else []
    evidence = _gather_evidence(
        meta=meta,
        page=page,
        printed=printed,
        url=url,
        entry=entry,
        options=options,
        languages=languages,
        printed_first=printed_first,
    )
    if evidence.strong:
        chosen = evidence.strong[0]
        if evidence.url is not None and not _same_day(chosen, evidence.url, tz):
            # The URL settles a disagreement between strong witnesses: metadata that gives
            # the last update, say, against a printed line that gives the publication day.
            chosen = next((d for d in evidence.strong if _same_day(d, evidence.url, tz)), chosen)
        return _refined(chosen, evidence.yearless, tz, languages)
    if evidence.url is not None:
        return _refined(evidence.url, evidence.yearless, tz, languages)
    if evidence.yearless and options.fetched_at is not None:
        # Nothing else dates the page: the year-less date, in the latest year that keeps it
        # no later than the fetch.
        now = options.fetched_at
        for text in evidence.yearless:
            found = dates.find_date(text, now=now, tz=tz, languages=languages)
            if found is not None:
                return _Dated(found.value, found.text, "text", found.precision)
    return None


def _searched_date(tree: HtmlElement, url: str, fetched_at: datetime | None) -> _Dated | None:
    """The day htmldate's wider search finds when our own evidence gives none.

    It reads what our rules leave alone (dates in attributes, in the page's furniture, in
    image paths), on a copy of the tree. Only a day is taken, never one after the fetch:
    htmldate caps its search at ``max_date`` (today's date without a fetch time).
    """
    latest = fetched_at.date().isoformat() if fetched_at is not None else None
    try:
        found = htmldate.find_date(tree, url=url or None, original_date=True, max_date=latest)
    except (ValueError, TypeError, RecursionError):
        return None
    if not found:
        return None
    try:
        day = datetime.fromisoformat(found)
    except ValueError:
        return None
    if day.day == 1 and not _prints_day(tree, day):
        # htmldate reads a year alone ("© 2022") or a month alone ("/2022/03/") as the
        # first day of it: a day it did not see is no evidence.
        return None
    return _Dated(day, found, "search", "day")


def _prints_day(tree: HtmlElement, day: datetime) -> bool:
    """Whether the page's markup holds ``day`` written out in numbers."""
    y, m, d = day.year, day.month, day.day
    forms = (
        f"{y}-{m:02}-{d:02}",
        f"{y}/{m:02}/{d:02}",
        f"{d:02}.{m:02}.{y}",
        f"{d:02}.{m:02}.{y % 100:02}",
        f"{d:02}/{m:02}/{y}",
        f"{m:02}/{d:02}/{y}",
    )
    markup = etree.tostring(tree, encoding="unicode")
    return any(form in markup for form in forms)


def _same_day(a: _Dated, b: _Dated, tz: tzinfo | None) -> bool:
    """Whether two dates fall within a day of each other (zones can move a day by one)."""
    day_a = _local_day(a.value, tz).date()
    day_b = _local_day(b.value, tz).date()
    return abs((day_a - day_b).days) <= 1


# --------------------------------------------------------------------------------------------
# Assembling the record
# --------------------------------------------------------------------------------------------


def _split_authors(values: Iterable[str]) -> tuple[str, ...]:
    found: list[str] = []
    for value in values:
        for name in re.split(r"\s*;\s*|\s*,\s*(?=[A-ZА-ЯЁ])|\s+(?:and|и)\s+|\s*&\s*", value):
            name = re.sub(r"^(?:by|от|автор[:\s]|автор:)\s*", "", name.strip(), flags=re.I).strip()
            if 2 <= len(name) <= 80 and name not in found:
                found.append(name)
    return tuple(found)


def _alternates(meta: _PageMeta | None, language: str, url: str) -> tuple[Alternate, ...]:
    if meta is None:
        return ()
    found: dict[str, str] = {}
    for hreflang, href in meta.alternates:
        code = _language_code(hreflang)
        if not code or code == language or href in ("", url) or code in found:
            continue
        found[code] = href
    return tuple(Alternate(code, href) for code, href in found.items())


def _final_url(url: str, meta: _PageMeta | None) -> str:
    if meta is not None and meta.canonical and _host(meta.canonical) == _host(url):
        return meta.canonical
    return url


def _attribution(paragraphs: Sequence[str], source_line: str) -> tuple[str | None, str]:
    found = wire.detect_wire(paragraphs, source_line=source_line)
    if found is None:
        return None, ""
    if found.kind == "source_line" and source_line:
        return found.agency, source_line
    return found.agency, found.text


def _generic_body(
    tree: HtmlElement, url: str, page_text: _PageText, title: str, options: ExtractOptions
) -> _Body:
    """The body by trafilatura, trimmed to the article (see ``_trim_*``) and cleaned."""
    blocks = _trafilatura_blocks(tree, url, options)
    blocks = _trim_to_container(_trim_above_headline(blocks, page_text), page_text)
    return _clean_blocks(blocks, title, options.timezone)


def _require_text(blocks: Sequence[Block], url: str) -> None:
    paragraphs = [block.text for block in blocks if block.kind == "paragraph"]
    words = sum(len(text.split()) for text in paragraphs)
    # Characters count too: Chinese and Japanese put no spaces between words.
    if words < _MIN_ARTICLE_WORDS and sum(map(len, paragraphs)) < _MIN_ARTICLE_CHARS:
        # What the extractors fall back to on an empty page is its menu and footer.
        raise ExtractionError(
            f"no article text on {url}: {words} words of text, nothing but page furniture"
        )


def extract(
    html: str | bytes,
    url: str,
    options: ExtractOptions = DEFAULT_OPTIONS,
    *,
    headers: Mapping[str, str] | None = None,
    feed_entry: FeedEntry | None = None,
) -> Article:
    """Read one article page into an ``Article`` (see the module docstring for the steps).

    ``headers`` are the HTTP response headers (for the charset and ``Content-Language``);
    ``feed_entry`` is the entry that led to the page: its title, date, authors and language
    fill what the page lacks. Raises ``ExtractionError`` when the page has no article text.
    """
    tree = _parse(decode_html(html, headers, max_bytes=options.max_bytes), url)
    meta = _read_meta(tree, url, headers)
    title = _choose_title(meta, url)

    rule = sites.rule_for(url) if options.site_rules else None
    site_page = rule(tree, url) if rule is not None else None
    page_text: _PageText | None = None
    if site_page is not None:
        title = site_page.title or title
        body = _Body(
            list(site_page.body),
            [site_page.published_text] if site_page.published_text else [],
            site_page.photo_credit,
            site_page.source_line,
            site_page.publisher,
        )
    else:
        page_text = _PageText(tree, title)
        body = _generic_body(tree, url, page_text, title, options)
    _require_text(body.blocks, url)
    if not title and feed_entry is not None:
        title = _squash(feed_entry.title)

    paragraphs = [block.text for block in body.blocks if block.kind == "paragraph"]
    language = _choose_language(
        [
            site_page.language if site_page is not None else "",
            *meta.declared_languages,
            *meta.json_ld_languages,
            *meta.header_languages,
            feed_entry.language if feed_entry is not None else "",
            options.language_hint,
        ],
        "\n".join([title, *paragraphs[:8]]),
    )
    dated = _choose_date(
        meta=meta,
        page=page_text,
        printed=body.printed_dates,
        url=url,
        language=language,
        entry=feed_entry,
        options=options,
        printed_first=site_page is not None,
    )
    if dated is None and site_page is None:
        dated = _searched_date(tree, url, options.fetched_at)
    wire_agency, attribution = _attribution(paragraphs, body.source_line)
    authors = _split_authors(meta.json_ld_authors or meta.meta_authors)
    if not authors and feed_entry is not None:
        authors = tuple(feed_entry.authors)
    final_url = _final_url(url, meta)
    alternates = site_page.alternates if site_page is not None else ()
    return Article(
        title=title,
        body=tuple(body.blocks),
        url=final_url,
        outlet=_host(final_url),
        published=dated.value if dated else None,
        published_text=dated.text if dated else "",
        published_source=dated.source if dated else "",
        published_precision=dated.precision if dated else "",
        language=language,
        alternates=alternates or _alternates(meta, language, final_url),
        authors=authors,
        publisher=body.publisher,
        photo_credit=body.photo_credit,
        wire_agency=wire_agency,
        attribution=attribution,
        fetched_at=options.fetched_at,
    )


def extract_main_text(
    html: str | bytes, url: str = "", options: ExtractOptions = DEFAULT_OPTIONS
) -> list[str]:
    """The main text of a page as block texts (paragraphs and subheadings), generic path only.

    The cheap half of ``extract``: no dates, language or wire detection. Empty list when
    the page has no main text.
    """
    try:
        tree = _parse(decode_html(html, max_bytes=options.max_bytes), url)
    except ExtractionError:
        return []
    title = _choose_title(_read_meta(tree, url, None), url)
    body = _generic_body(tree, url, _PageText(tree, title), title, options)
    return [block.text for block in body.blocks]


# --------------------------------------------------------------------------------------------
# Feed entries
# --------------------------------------------------------------------------------------------


def _entry_blocks(entry: FeedEntry) -> list[Block]:
    if entry.content_html.strip():
        try:
            fragment = lxml.html.fragment_fromstring(
                entry.content_html[:MAX_HTML_BYTES], create_parent="div"
            )
        except (etree.ParserError, ValueError):
            fragment = None
        if fragment is not None:
            blocks = []
            for line in sites.page_lines(fragment):
                kind: BlockKind = "subheading" if line.is_heading else "paragraph"
                blocks.append(Block(line.text, kind))
            if blocks:
                return blocks
    paragraphs = re.split(r"\n\s*\n|\r\n\s*\r\n|\n", entry.summary)
    return [Block(_squash(p)) for p in paragraphs if _squash(p)]


def article_from_entry(
    entry: FeedEntry, feed_language: str = "", options: ExtractOptions = DEFAULT_OPTIONS
) -> Article | None:
    """An article built from a feed entry's own text (``content_html``, else ``summary``).

    For entries whose page cannot be fetched. None when the entry carries less than
    ``options.min_entry_chars`` of body text or no title: a teaser is not an article.
    """
    title = _squash(entry.title)
    cleaned = _clean_blocks(_entry_blocks(entry), title, options.timezone)
    body = cleaned.blocks
    paragraphs = [block.text for block in body if block.kind == "paragraph"]
    if not title or sum(len(p) for p in paragraphs) < options.min_entry_chars:
        return None
    language = _choose_language(
        [entry.language, feed_language, options.language_hint],
        "\n".join([title, *paragraphs[:8]]),
    )
    dated = _choose_date(
        meta=None,
        page=None,
        printed=[],
        url=entry.link,
        language=language,
        entry=entry,
        options=options,
    )
    wire_agency, attribution = _attribution(paragraphs, cleaned.source_line)
    return Article(
        title=title,
        body=tuple(body),
        url=entry.link,
        outlet=_host(entry.link),
        published=dated.value if dated else None,
        published_text=dated.text if dated else "",
        published_source=dated.source if dated else "",
        published_precision=dated.precision if dated else "",
        language=language,
        authors=tuple(entry.authors),
        photo_credit=cleaned.photo_credit,
        wire_agency=wire_agency,
        attribution=attribution,
        fetched_at=options.fetched_at,
    )
