"""Feeds: RSS, Atom and JSON Feed documents into records (OPML lists: ``crawler.core.opml``).

This is the only module that imports feedparser. Everything here is pure: bytes (and the HTTP
response headers) in, records out; nothing reads files or the network.

``parse_feed(body, url, headers)``
    one fetched feed document into a ``ParsedFeed`` of ``FeedEntry`` records.
``discover_feeds(html, base_url)``
    the feed URLs a web page advertises; ``COMMON_FEED_PATHS`` lists the usual places to try
    when it advertises none.
``entry_identity(guid, link, title)``
    the stable id of an entry when the feed gives no guid.

Why the work around feedparser:

* feedparser must be given the raw bytes with the response headers: the charset and the
  Content-Location (the base for relative links) live there. Given a ``str`` it would also
  take a URL or a file name for something to open, so it only ever gets a ``BytesIO``.
* Its encoding rules (RFC 3023) go wrong on real servers: ``text/xml`` without a charset
  means US-ASCII, a server's default ``charset=iso-8859-1`` beats a correct XML declaration,
  and one stray byte in a UTF-8 feed turns every Cyrillic or Arabic letter into windows-1252
  mojibake. So the bytes are decoded here first (BOM, then strict UTF-8, then the declared
  charsets, then a guess among the legacy code pages of our source languages) and handed on
  as UTF-8 with a declaration that says so. Every decision is kept in ``problems``.
* feedparser does not read JSON Feed; it is read here.
* feedparser silently drops dates whose day and month names are not English
  ("Ср, 09 фев 2022 14:35:00 +0300"); those go through ``crawler.core.dates.parse_feed_date``.
* feedparser replaces the DOCTYPE but keeps simple entity declarations and expands them in
  its tolerant parser without a limit, so an entity-expansion document would take seconds
  and gigabytes. Such documents are refused before parsing.
* ``skipHours``/``skipDays`` are not exposed by feedparser (it keeps the last value only);
  they are read from the document with lxml.

What counts as harmless (kept in ``ParsedFeed.problems``) and what is refused (``FeedError``)
is described in ``parse_feed``.
"""

from __future__ import annotations

import codecs
import hashlib
import html as html_lib
import io
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urljoin

import feedparser
from lxml import etree
from lxml import html as lxml_html

from crawler.core.charset import charset_of, decode_document, try_decode
from crawler.core.dates import parse_feed_date
from crawler.core.errors import FeedError
from crawler.core.items import FeedEntry, ParsedFeed
from crawler.core.markup import HAS_SCHEME as _HAS_SCHEME
from crawler.core.markup import HTML_ROOTS as _HTML_ROOTS
from crawler.core.markup import DocumentShape as _Shape
from crawler.core.markup import document_shape as _shape
from crawler.core.markup import iso639_1 as _iso639_1
from crawler.core.markup import squash as _squash
from crawler.core.markup import unescape as _unescape
from crawler.core.markup import utf8_declared as _utf8_declared

__all__ = [
    "COMMON_FEED_PATHS",
    "FeedErrorKind",
    "FeedParseError",
    "discover_feeds",
    "entry_identity",
    "parse_feed",
]

#: What a response that is not a readable feed turned out to be.
#: ``empty`` - no body; ``html`` - a web page; ``challenge`` - a bot check / captcha page;
#: ``not-a-feed`` - some other document (XML with another root, JSON that is no JSON Feed,
#: plain text); ``malformed`` - a feed too broken to read; ``hostile`` - refused on purpose
#: (entity-expansion or external-entity declarations).
FeedErrorKind = Literal["empty", "html", "challenge", "not-a-feed", "malformed", "hostile"]


class FeedParseError(FeedError):
    """A response that cannot be read as a feed; ``kind`` says what was received instead."""

    def __init__(self, message: str, kind: FeedErrorKind, url: str = "") -> None:
        super().__init__(message)
        #: What the response was (see ``FeedErrorKind``).
        self.kind: FeedErrorKind = kind
        #: The feed URL the response came from, when known.
        self.url = url

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt with its own arguments when it crosses a process (crawler.glue.extraction).
        return (type(self), (str(self), self.kind, self.url))


#: Paths where sites commonly serve their feed, for callers to try (joined to the site's root)
#: when a page advertises none: generic names first, then those of particular platforms
#: (Blogger, WordPress without pretty links, RIA Novosti's export path) and language sections.
COMMON_FEED_PATHS: tuple[str, ...] = (
    "/feed",
    "/rss",
    "/rss.xml",
    "/feed.xml",
    "/atom.xml",
    "/index.xml",
    "/feed/",
    "/rss/",
    "/index.rss",
    "/atom",
    "/feed.json",
    "/feeds/posts/default",
    "/?feed=rss2",
    "/export/rss2/archive/index.xml",
    "/rss/all.xml",
    "/news/rss.xml",
    "/ru/rss/",
    "/ar/rss/",
    "/en/rss/",
)

# --------------------------------------------------------------------------------------------
# Small text helpers
# --------------------------------------------------------------------------------------------

# Only real HTML tag names are stripped from plain-text fields, so a title such as
# "Why x<y and y>z" keeps its text.
_KNOWN_TAG = re.compile(
    r"</?(?:a|abbr|b|big|blockquote|br|cite|code|del|div|em|font|h[1-6]|hr|i|img|ins|li|mark|"
    r"ol|p|pre|q|s|small|span|strike|strong|sub|sup|time|tt|u|ul|wbr)(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)
_SCRIPT_BLOCK = re.compile(
    r"<(script|style|template)\b.{0,200000}?</\1\s*>", re.IGNORECASE | re.DOTALL
)
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_ANY_TAG = re.compile(r"</?[A-Za-z!?][^>]*>")
_BLOCK_TAG = re.compile(
    r"</?(?:p|div|br|li|ul|ol|h[1-6]|blockquote|tr|td|th|table|pre|figure|figcaption|"
    r"section|article|header|footer|hr|dd|dt)\b[^>]*>",
    re.IGNORECASE,
)


def _html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, whitespace collapsed."""
    if "<" in markup:
        markup = _SCRIPT_BLOCK.sub(" ", markup)
        markup = _HTML_COMMENT.sub(" ", markup)
        markup = _BLOCK_TAG.sub(" ", markup)
        markup = _ANY_TAG.sub("", markup)
    return _squash(html_lib.unescape(markup))


def _plain_text(text: str) -> str:
    """A text field that should be plain but often carries escaped markup or entities."""
    if "<" in text:
        text = _KNOWN_TAG.sub(" ", text)
    return _squash(_unescape(text))


_HTML_TYPES = ("text/html", "application/xhtml+xml", "html", "xhtml")


def _detail_text(detail: Any, value: Any) -> str:
    """Text of a feedparser text construct, read as HTML when feedparser says it is HTML."""
    if not isinstance(value, str) or not value:
        return ""
    kind = detail.get("type", "") if isinstance(detail, Mapping) else ""
    if kind in _HTML_TYPES:
        return _html_to_text(value)
    return _plain_text(value)


def entry_identity(guid: str, link: str, title: str) -> str:
    """Stable identity of a feed entry: its guid, else its link, else a hash of link and title.

    The hash form is ``sha1:<hex>``; it only serves entries that carry neither a guid nor a
    link, so an edited title makes a new entry there (nothing better is known).
    """
    guid = (guid or "").strip()
    if guid:
        return guid
    link = (link or "").strip()
    if link:
        return link
    digest = hashlib.sha1(f"{link}\n{title or ''}".encode(), usedforsecurity=False)
    return f"sha1:{digest.hexdigest()}"


# What the document is
# --------------------------------------------------------------------------------------------

_FEED_ROOTS = {"rss", "rdf:rdf", "rdf", "feed", "channel", "atom:feed"}
_LATER_START = re.compile(r"<\?xml\b|<(?:rss|feed|rdf:RDF)\b", re.IGNORECASE)


# (who, markers that prove a challenge on any page, markers that count only on a short page).
# Ordinary pages also carry a comment-form reCAPTCHA, Cloudflare's bot-detection script or an
# article about DDoS-Guard, so the weak markers only count where there is little else.
_CHALLENGES = (
    ("DDoS-Guard", ("/.well-known/ddos-guard/", "<title>ddos-guard</title>"),
                   ("ddos-guard", "ddos guard")),
    ("Cloudflare", ("<title>just a moment...</title>", "attention required! | cloudflare",
                    "cf-browser-verification", "cf_chl_opt", "orchestrate/chl_page"),
                   ("/cdn-cgi/challenge-platform/",)),
    ("Sucuri", ("sucuri website firewall - access denied", "sucuri_cloudproxy_js"),
               ("sucuri",)),
    ("Imperva/Incapsula", ("_incapsula_resource", "incapsula incident id"), ()),
    ("DataDome", ("captcha-delivery.com",), ("datadome",)),
    ("PerimeterX", ("px-captcha",), ("_pxappid",)),
    ("Qrator", (), ("qrator",)),
    ("a captcha", (), ("g-recaptcha", "h-captcha", "hcaptcha.com", "cf-turnstile", "captcha",
                       "verify you are human", "are you a robot")),
    ("a browser check", (), ("checking your browser", "enable javascript and cookies to continue")),
)  # fmt: skip
_SHORT_PAGE = 64_000


def _challenge_vendor(page: str) -> str | None:
    sample = page[:100_000].lower()
    short = len(page) < _SHORT_PAGE
    for vendor, strong, weak in _CHALLENGES:
        if any(m in sample for m in strong) or (short and any(m in sample for m in weak)):
            return vendor
    return None


_TITLE_OPEN = re.compile(r"<title\b[^>]*>", re.IGNORECASE)


def _page_title(page: str) -> str:
    head = page[:200_000]
    found = _TITLE_OPEN.search(head)
    if found is None:
        return ""
    end = head.lower().find("</title", found.end())
    title = _html_to_text(head[found.end() : end if end >= 0 else found.end() + 300])
    return title if len(title) <= 80 else title[:77] + "..."


def _where(url: str) -> str:
    return url or "feed"


def _refuse_page(text: str, url: str) -> FeedParseError:
    vendor = _challenge_vendor(text)
    if vendor is not None:
        return FeedParseError(
            f"{_where(url)}: got a bot-challenge page ({vendor}) instead of a feed; the site "
            "blocks automated clients here - slow down, or find another feed URL",
            "challenge",
            url,
        )
    title = _page_title(text)
    named = f" (title {title!r})" if title else ""
    return FeedParseError(
        f"{_where(url)}: got an HTML page{named} instead of a feed; the URL is probably a web "
        "page - look for its feed with discover_feeds",
        "html",
        url,
    )


# Entity declarations in the internal DTD subset. feedparser drops those that refer to other
# entities or to outside files but expands the rest without a limit in its tolerant parser.
_ENTITY_DECL = re.compile(
    r"<!ENTITY\s+(%\s+)?([^\s>]+)\s+(?:(SYSTEM|PUBLIC)\b|([\"'])(.*?)\4)", re.DOTALL | re.I
)
_NAMED_REF = re.compile(r"&[A-Za-z_][\w.-]*;|%[A-Za-z_][\w.-]*;")
_FEED_ROOT_START = re.compile(r"<(?:rss|feed|rdf:RDF|channel)\b", re.IGNORECASE)
_MAX_ENTITY_DECLS = 64
_MAX_ENTITY_EXPANSION = 1_000_000  # characters entity references may add to a document


def _check_entities(text: str, shape: _Shape, url: str) -> None:
    """Refuse documents whose DTD would expand entities out of proportion (or fetch files).

    Declarations are looked for everywhere before the feed's root element, not only where
    the prolog parses cleanly, so a DOCTYPE mangled on purpose cannot slip one through.
    """
    root = _FEED_ROOT_START.search(text)
    zone_end = max(shape.prolog_end, root.start() if root else len(text))
    zone = text[:zone_end]
    if "<!ENTITY" not in zone.upper():
        return
    if zone.upper().count("<!ENTITY") > _MAX_ENTITY_DECLS:
        raise FeedParseError(
            f"{_where(url)}: refused: the document declares more than {_MAX_ENTITY_DECLS} "
            "XML entities (an entity-expansion attack)",
            "hostile",
            url,
        )
    expansion = 0
    for parameter, name, external, _quote, value in _ENTITY_DECL.findall(zone):
        if parameter or external:
            raise FeedParseError(
                f"{_where(url)}: refused: the document declares external or parameter XML "
                "entities, which a feed never needs (an XML external-entity attack)",
                "hostile",
                url,
            )
        if _NAMED_REF.search(value):
            raise FeedParseError(
                f"{_where(url)}: refused: the document declares XML entities built from other "
                "entities (an entity-expansion or 'billion laughs' document)",
                "hostile",
                url,
            )
        expansion += len(value) * text.count(f"&{name};", zone_end)
    if expansion > _MAX_ENTITY_EXPANSION:
        raise FeedParseError(
            f"{_where(url)}: refused: its XML entities would expand the document by "
            f"{expansion:,} characters (an entity-expansion attack)",
            "hostile",
            url,
        )


# --------------------------------------------------------------------------------------------
# JSON Feed
# --------------------------------------------------------------------------------------------

_JSONFEED_VERSION = "https://jsonfeed.org/version/"


def _str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _json_authors(item: Mapping[str, Any]) -> tuple[str, ...]:
    found: list[str] = []
    people = item.get("authors")
    if not isinstance(people, list):
        people = [item.get("author")]
    for person in people:
        if isinstance(person, Mapping):
            name = _squash(_str(person.get("name")) or _str(person.get("url")))
            if name and name not in found:
                found.append(name)
    return tuple(found)


def _json_date(text: str) -> datetime | None:
    value = parse_feed_date(text) if text else None
    return value.astimezone(UTC) if value else None


def _parse_json_feed(body: bytes, url: str, problems: list[str]) -> ParsedFeed:
    raw = body[3:] if body.startswith(codecs.BOM_UTF8) else body
    text = raw.decode("utf-8", errors="replace")
    if "\ufffd" in text and try_decode(raw, "utf-8") is None:
        problems.append("invalid UTF-8 bytes in the JSON replaced with U+FFFD")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise FeedParseError(
            f"{_where(url)}: got a JSON document that cannot be parsed ({error}) instead of a feed",
            "malformed",
            url,
        ) from None
    if not isinstance(data, dict) or not _str(data.get("version")).startswith(_JSONFEED_VERSION):
        raise FeedParseError(
            f"{_where(url)}: got a JSON document that is not a JSON Feed (no "
            f"'{_JSONFEED_VERSION}...' version) instead of a feed",
            "not-a-feed",
            url,
        )
    language = _iso639_1(data.get("language"))
    items = data.get("items")
    if not isinstance(items, list):
        problems.append("JSON Feed without an 'items' list")
        items = []
    entries: list[FeedEntry] = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, Mapping):
            problems.append(f"JSON Feed item {number} is not an object; skipped")
            continue
        link = _str(item.get("url")).strip() or _str(item.get("external_url")).strip()
        if link and url:
            link = _join(url, link) or link
        title = _plain_text(_str(item.get("title")))
        guid = _str(item.get("id")).strip()
        content_html = _str(item.get("content_html"))
        summary_source = _str(item.get("summary")) or _str(item.get("content_text"))
        summary = _plain_text(summary_source) if summary_source else _html_to_text(content_html)
        published_text = _str(item.get("date_published")).strip()
        updated_text = _str(item.get("date_modified")).strip()
        published = _json_date(published_text)
        updated = _json_date(updated_text)
        if published is None and not published_text and updated is not None:
            published, published_text = updated, updated_text
        tags = item.get("tags")
        categories: list[str] = []
        for tag in tags if isinstance(tags, list) else []:
            label = _squash(_str(tag))
            if label and label not in categories:
                categories.append(label)
        if not content_html and _str(item.get("content_text")):
            content_html = html_lib.escape(_str(item.get("content_text")))
        entries.append(
            FeedEntry(
                entry_id=entry_identity(guid, link, title),
                link=link,
                title=title,
                published=published,
                published_text=published_text,
                updated=updated,
                summary=summary,
                content_html=content_html,
                authors=_json_authors(item) or _json_authors(data),
                categories=tuple(categories),
                language=_iso639_1(item.get("language")) or language,
                guid=guid,
            )
        )
    home = _str(data.get("home_page_url")).strip()
    return ParsedFeed(
        url=url,
        format="jsonfeed",
        title=_plain_text(_str(data.get("title"))),
        site_url=(_join(url, home) or home) if url else home,
        language=language,
        entries=tuple(entries),
        problems=tuple(problems),
    )


# --------------------------------------------------------------------------------------------
# RSS and Atom
# --------------------------------------------------------------------------------------------

_XML_MEDIA = re.compile(r"^(?:application|text)/(?:[\w.+-]+\+)?xml$")
_HARMLESS_BOZO = (
    feedparser.CharacterEncodingOverride,
    feedparser.CharacterEncodingUnknown,
    feedparser.NonXMLContentType,
)


def _cut_junk(text: str, shape: _Shape, problems: list[str]) -> tuple[str, _Shape]:
    """Drop text printed before the feed (PHP warnings, a stray line) when a feed follows."""
    if shape.root in _FEED_ROOTS:
        return text, shape
    later = _LATER_START.search(text, 0, 8192)
    if later is None or later.start() == 0 or not text[: later.start()].strip():
        return text, shape
    junk = _squash(text[: later.start()])
    problems.append(f"{len(junk)} characters before the XML document removed ({junk[:40]!r})")
    text = text[later.start() :]
    return text, _shape(text)


def _feedparser_headers(headers: Mapping[str, str], url: str) -> dict[str, str]:
    given = {str(k).lower(): str(v) for k, v in headers.items()}
    out: dict[str, str] = {}
    location = given.get("content-location", "").strip()
    base = (_join(url, location) or url) if location else url
    if base:
        out["content-location"] = base
    media = given.get("content-type", "").split(";")[0].strip().lower()
    if media:
        out["content-type"] = f"{media}; charset=utf-8"
    if given.get("content-language"):
        out["content-language"] = given["content-language"]
    return out


def _struct_to_datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        year, month, day, hour, minute, second = (int(v) for v in value[:6])
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _entry_date(entry: Mapping[str, Any], key: str) -> tuple[datetime | None, str]:
    raw = entry.get(key)
    raw = raw.strip() if isinstance(raw, str) else ""
    value = _struct_to_datetime(entry.get(f"{key}_parsed"))
    if value is None and raw:
        parsed = parse_feed_date(raw)
        value = parsed.astimezone(UTC) if parsed else None
    return value, raw


# Bounded lazy groups keep a document full of unclosed tags linear to scan.
_GUID_ELEMENT = re.compile(
    r"<guid\b([^>]{0,400})>(.{0,4000}?)</guid\s*>", re.IGNORECASE | re.DOTALL
)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
_NOT_PERMALINK = re.compile(r"""ispermalink\s*=\s*["']\s*false""", re.IGNORECASE)
_HTTP_URL = re.compile(r"^https?://[^\s/]+", re.IGNORECASE)


def _printed_guids(text: str, base: str) -> dict[str, tuple[str, bool]]:
    """Guids as printed, keyed by what feedparser makes of them.

    feedparser resolves every guid not marked ``isPermaLink="false"`` against the feed URL,
    so ``<guid>12345</guid>`` comes out as ``https://site/12345``. The map gives back the
    printed guid and whether it is itself a URL (only then may it stand in for a link).
    """
    printed: dict[str, tuple[str, bool]] = {}
    if "<guid" not in text and "<GUID" not in text:
        return printed
    for attributes, content in _GUID_ELEMENT.findall(text):
        value = _CDATA.sub(lambda m: m.group(1), content)
        value = _unescape(value).strip()
        if not value:
            continue
        is_url = bool(_HTTP_URL.match(value)) and not _NOT_PERMALINK.search(attributes)
        printed.setdefault(value, (value, is_url))
        if base and not _NOT_PERMALINK.search(attributes):
            resolved = _join(base, value)
            if resolved:
                printed.setdefault(resolved, (value, is_url))
    return printed


def _entry_link(entry: Mapping[str, Any], guid_is_url: bool) -> str:
    alternates = [
        link
        for link in entry.get("links") or ()
        if isinstance(link, Mapping)
        and link.get("rel", "alternate") == "alternate"
        and isinstance(link.get("href"), str)
        and link["href"].strip()
    ]
    html_like = [a for a in alternates if a.get("type", "text/html") in _HTML_TYPES]
    for link in html_like or alternates:
        return str(link["href"]).strip()
    fallback = entry.get("link")
    if isinstance(fallback, str) and fallback.strip():
        if entry.get("guidislink") and fallback == entry.get("id"):
            return fallback.strip() if guid_is_url else ""
        return fallback.strip()
    return ""


def _names(people: Any, fallback: Any) -> tuple[str, ...]:
    found: list[str] = []
    for person in people if isinstance(people, list) else ():
        if isinstance(person, Mapping):
            name = _plain_text(_str(person.get("name")) or _str(person.get("email")))
            if name and name not in found:
                found.append(name)
    if not found and isinstance(fallback, str) and fallback.strip():
        found.append(_plain_text(fallback))
    return tuple(found)


def _labels(tags: Any) -> tuple[str, ...]:
    found: list[str] = []
    for tag in tags if isinstance(tags, list) else ():
        if isinstance(tag, Mapping):
            label = _plain_text(_str(tag.get("term")) or _str(tag.get("label")))
            if label and label not in found:
                found.append(label)
    return tuple(found)


def _content_html(entry: Mapping[str, Any]) -> str:
    best = ""
    for part in entry.get("content") or ():
        if not isinstance(part, Mapping):
            continue
        value = _str(part.get("value"))
        if part.get("type", "text/html") not in _HTML_TYPES:
            value = html_lib.escape(value)
        if len(value) > len(best):
            best = value
    return best


def _entry_language(entry: Mapping[str, Any], feed_language: str) -> str:
    for key in ("title_detail", "summary_detail"):
        detail = entry.get(key)
        if isinstance(detail, Mapping) and _iso639_1(detail.get("language")):
            return _iso639_1(detail.get("language"))
    for part in entry.get("content") or ():
        if isinstance(part, Mapping) and _iso639_1(part.get("language")):
            return _iso639_1(part.get("language"))
    return feed_language


def _make_entry(
    entry: Mapping[str, Any],
    base: str,
    feed_language: str,
    printed: Mapping[str, tuple[str, bool]],
) -> FeedEntry:
    # Plain dict access: FeedParserDict.get maps keys through aliases on every call.
    entry = dict(entry)
    raw_id = _str(entry.get("id")).strip()
    guid, guid_is_url = printed.get(raw_id, (raw_id, bool(_HTTP_URL.match(raw_id))))
    link = _entry_link(entry, guid_is_url)
    if link and base and not _HAS_SCHEME.match(link):
        link = _join(base, link)
    title = _detail_text(entry.get("title_detail"), entry.get("title"))
    published, published_text = _entry_date(entry, "published")
    updated, updated_text = _entry_date(entry, "updated")
    if published is None and not published_text and updated_text:
        # RSS 1.0 (dc:date) and Atom entries without <published> only give this date.
        published, published_text = updated, updated_text
    summary = _detail_text(entry.get("summary_detail"), entry.get("summary"))
    return FeedEntry(
        entry_id=entry_identity(guid, link, title),
        link=link,
        title=title,
        published=published,
        published_text=published_text,
        updated=updated,
        summary=summary,
        content_html=_content_html(entry),
        authors=_names(entry.get("authors"), entry.get("author")),
        categories=_labels(entry.get("tags")),
        language=_entry_language(entry, feed_language),
        guid=guid,
    )


_SKIP_BLOCK = re.compile(
    r"<(skipHours|skipDays)\b[^>]{0,400}>(.{0,20000}?)</\1\s*>", re.IGNORECASE | re.DOTALL
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_SNIPPET_PARSER = etree.XMLParser(
    recover=True, resolve_entities=False, no_network=True, load_dtd=False
)


def _skip_hints(text: str) -> tuple[frozenset[int], frozenset[str]]:
    """RSS ``<skipHours>`` and ``<skipDays>``, read with lxml from the channel's markup."""
    hours: set[int] = set()
    days: set[str] = set()
    for block in _SKIP_BLOCK.finditer(text):
        snippet = f"<x>{block.group(2)}</x>".encode()
        try:
            tree = etree.fromstring(snippet, _SNIPPET_PARSER)
        except etree.XMLSyntaxError:
            continue
        if tree is None:
            continue
        for element in tree.iter():
            if not isinstance(element.tag, str):
                continue
            name = etree.QName(element).localname.lower()
            value = (element.text or "").strip()
            if name == "hour" and value.isdigit():
                hour = int(value)
                if 0 <= hour <= 24:
                    hours.add(hour % 24)  # some feeds count 1-24; 24 is midnight
            elif name == "day":
                day = value.capitalize()
                if day in _DAYS:
                    days.add(day)
    return frozenset(hours), frozenset(days)


_TTL = re.compile(r"\s*(\d{1,7})")


def _ttl(value: Any) -> int | None:
    match = _TTL.match(value) if isinstance(value, str) else None
    minutes = int(match.group(1)) if match else 0
    return minutes if minutes > 0 else None


def _bozo_problem(error: BaseException) -> str:
    line = getattr(error, "getLineNumber", None)
    column = getattr(error, "getColumnNumber", None)
    where = ""
    if callable(line) and callable(column):
        where = f" at line {line()}, column {column()}"
        message = str(getattr(error, "getMessage", lambda: error)())
    else:
        message = str(error)
    if "undefined entity" in message:
        return f"undefined entity{where} (HTML entities in XML); read with the tolerant parser"
    return f"not well-formed XML ({message}{where}); read with the tolerant parser"


def _run_feedparser(data: bytes, headers: dict[str, str], url: str) -> Any:
    try:
        return feedparser.parse(
            io.BytesIO(data),
            response_headers=headers,
            resolve_relative_uris=True,
            sanitize_html=True,
        )
    except MemoryError:
        raise
    except Exception as error:  # an untrusted document must not surface as a random error
        raise FeedParseError(
            f"{_where(url)}: the feed parser failed on this document "
            f"({type(error).__name__}: {error})",
            "malformed",
            url,
        ) from error


def parse_feed(body: bytes, url: str, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    """Read one fetched feed (RSS 0.9x/1.0/2.0, Atom, JSON Feed) into a ``ParsedFeed``.

    ``url`` is where it came from (after redirects): the base for relative links unless the
    headers carry a Content-Location. ``headers`` are the HTTP response headers (any case).

    Harmless trouble is kept in ``ParsedFeed.problems`` and the feed is read anyway: a wrong
    or missing charset, bad bytes, whitespace or junk before the XML declaration, a feed served
    as ``text/html``, HTML entities such as ``&nbsp;`` in XML, and markup that is not
    well-formed but still yields the channel or its entries (read by feedparser's tolerant
    parser). ``FeedParseError`` (a ``FeedError``) is raised, naming what was received, for an
    empty body, an HTML page, a bot-challenge page, JSON that is not a JSON Feed, another kind
    of document, a document too broken to give a channel or entries, and documents refused on
    purpose (entity expansion, external entities).
    """
    if not isinstance(body, bytes | bytearray | memoryview):
        raise TypeError("parse_feed() takes the response body as bytes")
    body = bytes(body)
    lower = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    content_type = lower.get("content-type", "")
    media = content_type.split(";")[0].strip().lower()
    problems: list[str] = []

    if not body.strip():
        raise FeedParseError(
            f"{_where(url)}: got an empty response instead of a feed; the server sent no body "
            "- try again later",
            "empty",
            url,
        )
    start = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    # JSON Feeds are often served as text/plain or octet-stream: a body that opens with "{"
    # is read as JSON whatever the label says.
    if start == b"{" or (start == b"[" and media in ("application/feed+json", "application/json")):
        return _parse_json_feed(body, url, problems)

    text, _codec_used, decode_problems = decode_document(body, charset_of(content_type))
    problems.extend(decode_problems)
    if media and not _XML_MEDIA.match(media):
        problems.append(f"served as {media}, which is not an XML media type")

    shape = _shape(text)
    if shape.root in _HTML_ROOTS or (shape.html_doctype and shape.root not in _FEED_ROOTS):
        raise _refuse_page(text, url)
    text, shape = _cut_junk(text, shape, problems)
    if not shape.root and _LATER_START.search(text, 0, 8192) is None:
        if _challenge_vendor(text) is not None or "<html" in text[:4096].lower():
            raise _refuse_page(text, url)
        raise FeedParseError(
            f"{_where(url)}: got a text response that is not XML ({_squash(text[:60])!r}) "
            "instead of a feed",
            "not-a-feed",
            url,
        )
    _check_entities(text, shape, url)

    xml = _utf8_declared(text, problems)
    fp_headers = _feedparser_headers(lower, url)
    result = _run_feedparser(xml.encode("utf-8", errors="replace"), fp_headers, url)
    base = fp_headers.get("content-location", "")

    error = result.get("bozo_exception") if result.get("bozo") else None
    if isinstance(error, _HARMLESS_BOZO):
        error = None  # about charsets and media types, which were settled above
    if error is not None:
        problems.append(_bozo_problem(error))
    feed = result.get("feed") or {}
    raw_entries = result.get("entries") or []
    version = result.get("version") or ""
    if not raw_entries and not version:
        if shape.root == "opml":
            what = "an OPML feed list (read it with parse_opml)"
        elif shape.root:
            what = f"an XML document with root <{shape.root}>"
        else:
            what = "a document with no XML root element"
        raise FeedParseError(f"{_where(url)}: got {what} instead of a feed", "not-a-feed", url)
    if not raw_entries and error is not None and not feed.get("title") and not feed.get("link"):
        raise FeedParseError(
            f"{_where(url)}: got a malformed feed that gives no channel or entries "
            f"({_bozo_problem(error)})",
            "malformed",
            url,
        )

    language = _iso639_1(feed.get("language"))
    if not language:
        detail = feed.get("title_detail")
        language = _iso639_1(detail.get("language") if isinstance(detail, Mapping) else "")
    if not language:
        language = _iso639_1(lower.get("content-language"))
    printed = _printed_guids(xml, base)
    entries = tuple(_make_entry(e, base, language, printed) for e in raw_entries)
    skip_hours, skip_days = _skip_hints(xml)
    site_url = _str(feed.get("link")).strip()
    if site_url and base:
        site_url = _join(base, site_url) or site_url
    return ParsedFeed(
        url=url,
        format=version or "unknown",
        title=_detail_text(feed.get("title_detail"), feed.get("title")),
        site_url=site_url,
        language=language,
        entries=entries,
        ttl_minutes=_ttl(feed.get("ttl")),
        skip_hours=skip_hours,
        skip_days=skip_days,
        problems=tuple(problems),
    )


# --------------------------------------------------------------------------------------------
# Discovery
# --------------------------------------------------------------------------------------------

_FEED_TYPES = {
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/json",
}
_XML_DECL_STR = re.compile(r"^\ufeff?\s*<\?xml\b[^>]*\?>")


def discover_feeds(html: bytes | str, base_url: str) -> list[str]:
    """Feed URLs a page advertises with ``<link rel="alternate" type=...>``, in page order.

    URLs are made absolute (honouring ``<base href>``) and listed once each. WordPress's
    ``application/json`` alternates under ``/wp-json/`` are REST API records, not feeds, and
    are left out. When the list is empty, callers may try ``COMMON_FEED_PATHS``.
    """
    if isinstance(html, str):
        html = _XML_DECL_STR.sub("", html, count=1)
    if not html or not html.strip():
        return []
    try:
        document = lxml_html.document_fromstring(html)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return []
    base = base_url
    for element in document.iter("base"):
        href = (element.get("href") or "").strip()
        if href:
            base = _join(base_url, href) or base_url
            break
    found: list[str] = []
    for element in document.iter("link"):
        rel = (element.get("rel") or "").lower().split()
        kind = (element.get("type") or "").split(";")[0].strip().lower()
        href = (element.get("href") or "").strip()
        if "alternate" not in rel or kind not in _FEED_TYPES or not href:
            continue
        absolute = _join(base, href)
        scheme = _HAS_SCHEME.match(absolute)
        if scheme is None or scheme.group().lower() not in ("http:", "https:", "feed:"):
            continue
        if kind == "application/json" and "/wp-json/" in absolute:
            continue
        if absolute not in found:
            found.append(absolute)
    return found


def _join(base: str, href: str) -> str:
    try:
        return urljoin(base, href)
    except ValueError:
        return ""
