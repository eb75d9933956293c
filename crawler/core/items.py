"""The records that flow through wirecrawl.

Every record is a frozen dataclass: a later stage builds a new record
(``dataclasses.replace`` or a wrapper such as ``Deduped``) instead of mutating
the one it was given. Scrapy accepts dataclass instances as items, so the
spiders yield these directly.

Records in this module:

``Article``
    one news article as one outlet published it (the seed format's fields);
``Block``
    one paragraph or subheading of an article body;
``Alternate``
    another language edition of the same article ("Ru En" on the seed site);
``FeedEntry``
    one entry of a feed, before its page is fetched;
``ParsedFeed``
    a feed document read into entries, with its polling hints;
``Feed``
    a feed or news sitemap in the store, with the state of its last poll;
``FetchRecord``
    one HTTP fetch as the crawler saw it, for the fetch log and the feed's state.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

#: How a body block is used on the page.
BlockKind = Literal["paragraph", "subheading"]

#: Where a publication date was read from.
#: ``text`` - the date line printed on the page or seed file;
#: ``meta`` - HTML metadata (``article:published_time``, JSON-LD ...);
#: ``feed`` - the feed entry's pubDate/updated;
#: ``url`` - a date in the URL path (``.../2022-02-09-12345``);
#: ``search`` - the day htmldate's wider search of the page found, when none of the above
#: gives one (attributes, image paths, page furniture: the weakest evidence);
#: ``""`` - no date known: ``published`` is None, and the fetch time, kept apart in
#: ``fetched_at``, never stands in for it (stores of older versions said ``fetched`` here).
DateSource = Literal["text", "meta", "feed", "url", "search", ""]

#: How much of the publication time is known.
DatePrecision = Literal["day", "minute", "second", ""]


@dataclass(frozen=True)
class Block:
    """One block of an article body, in reading order."""

    #: The block's text, whitespace-collapsed, as printed.
    text: str
    #: ``paragraph`` for running text, ``subheading`` for a section title inside the body.
    kind: BlockKind = "paragraph"


@dataclass(frozen=True)
class Alternate:
    """Another language edition of the same article."""

    #: ISO 639-1 code of the edition (``ru``, ``en``, ``ar`` ...).
    language: str
    #: URL of that edition when known, else empty.
    url: str = ""


@dataclass(frozen=True)
class Article:
    """One news article as published by one outlet.

    Only ``title`` and ``body`` are required; everything else is filled in
    when the source says it. ``content_hash`` is computed from the title and
    body, so two identical copies hash alike whatever their URL.
    """

    #: Headline as printed.
    title: str
    #: Body in reading order: paragraphs, with subheadings marked.
    body: tuple[Block, ...]
    #: Canonical URL (tracking parameters and fragment removed); empty when unknown,
    #: e.g. for a seed file imported from disk.
    url: str = ""
    #: The outlet that published it: its site's host name without ``www.``.
    outlet: str = ""
    #: Publication time; timezone-aware when the source gives a zone or offset,
    #: naive when it does not. None when unknown.
    published: datetime | None = None
    #: The date exactly as printed ("٠٩ فبراير ٢٠٢٢"), kept for the seed format.
    published_text: str = ""
    #: Where ``published`` came from (see ``DateSource``).
    published_source: DateSource = ""
    #: How much of ``published`` is known: a date alone is ``day``.
    published_precision: DatePrecision = ""
    #: ISO 639-1 code of the article's language; empty when unknown.
    language: str = ""
    #: Other language editions of the same article, in the order the page lists them.
    alternates: tuple[Alternate, ...] = ()
    #: Bylines, in the order printed.
    authors: tuple[str, ...] = ()
    #: The publisher line printed under the body
    #: (``مجموعة الرؤية الاستراتيجية "روسيا - العالم الإسلامي"``).
    publisher: str = ""
    #: Photo credit as printed after its label ("Creative Commons").
    photo_credit: str = ""
    #: Normalised id of the wire agency the text comes from (``tass``, ``ria``,
    #: ``reuters`` ...); None when the article names no agency.
    wire_agency: str | None = None
    #: The attribution exactly as printed ("المصدر: تاس", "(Reuters) -", "сообщает ТАСС").
    attribution: str = ""
    #: When wirecrawl fetched the page or read the file (timezone-aware, UTC).
    fetched_at: datetime | None = None
    #: Name of the file the record was imported from (seed files); empty for crawled pages.
    source_file: str = ""
    #: Hex digest of the whitespace-normalised title and body; equal for exact copies.
    #: Always derived (never passed in), so ``dataclasses.replace`` keeps it true.
    content_hash: str = field(init=False, default="")

    def __post_init__(self) -> None:
        object.__setattr__(self, "content_hash", compute_content_hash(self.title, self.body))

    @property
    def paragraphs(self) -> tuple[str, ...]:
        """The body's paragraph texts, subheadings left out."""
        return tuple(b.text for b in self.body if b.kind == "paragraph")

    @property
    def body_text(self) -> str:
        """The body as plain text, one block per line pair."""
        return "\n\n".join(b.text for b in self.body)

    @property
    def key(self) -> str:
        """The identity of the record in the store (see ``record_key``)."""
        return record_key(self.url, self.content_hash, self.publisher, self.attribution)


def record_key(url: str, content_hash: str, publisher: str = "", attribution: str = "") -> str:
    """The identity of a record: its URL, else its text and the lines that say whose it is.

    Two outlets printing one wire text word for word differ only in their publisher
    and source lines, so without a URL those lines are part of the identity: both
    copies are kept (and clustered together), while one file imported twice is one
    record. A record without those lines is known by its text alone.
    """
    if url:
        return url
    publisher, attribution = _squash(publisher), _squash(attribution)
    if not publisher and not attribution:
        return f"sha256:{content_hash}"
    digest = hashlib.sha256(content_hash.encode("ascii"))
    for line in (publisher, attribution):
        digest.update(b"\n")
        digest.update(line.encode("utf-8", "surrogatepass"))
    return f"sha256:{digest.hexdigest()}"


def _squash(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def compute_content_hash(title: str, body: tuple[Block, ...]) -> str:
    """SHA-256 over the NFC, whitespace-collapsed title and body blocks."""
    digest = hashlib.sha256()
    # surrogatepass: a lone surrogate (possible in a str, never in a decoded file)
    # must not make hashing fail.
    digest.update(_squash(title).encode("utf-8", "surrogatepass"))
    for block in body:
        digest.update(b"\n")
        digest.update(block.kind[0].encode("ascii"))
        digest.update(_squash(block.text).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


@dataclass(frozen=True)
class FeedEntry:
    """One entry of a feed, as the feed describes it (before its page is fetched)."""

    #: Stable identity of the entry: its guid/id, else its link, else a hash of link and title.
    entry_id: str
    #: Absolute URL of the article page (resolved against the feed URL); empty when none.
    link: str
    #: Entry title, plain text.
    title: str = ""
    #: Publication time, timezone-aware; None when the feed gives none or it cannot be read.
    published: datetime | None = None
    #: The publication date exactly as the feed printed it.
    published_text: str = ""
    #: Last update time, timezone-aware, when the feed gives one.
    updated: datetime | None = None
    #: Summary/description as plain text.
    summary: str = ""
    #: Full text as HTML when the feed carries it (``content:encoded``, Atom content).
    content_html: str = ""
    #: Author names.
    authors: tuple[str, ...] = ()
    #: Category/tag labels.
    categories: tuple[str, ...] = ()
    #: Language of the entry when the feed says (ISO 639-1), else empty.
    language: str = ""
    #: The guid/id exactly as the feed printed it (may differ from the link).
    guid: str = ""


@dataclass(frozen=True)
class ParsedFeed:
    """A feed document read into entries, with the hints it gives for polling."""

    #: URL the feed was fetched from (after redirects).
    url: str
    #: Feed format: ``rss20``, ``rss10``, ``rss09x``, ``atom10``, ``atom03``, ``jsonfeed`` ...
    format: str
    #: Feed title, plain text.
    title: str = ""
    #: Home page of the site the feed belongs to.
    site_url: str = ""
    #: Language the feed declares (ISO 639-1), else empty.
    language: str = ""
    #: Entries in document order.
    entries: tuple[FeedEntry, ...] = ()
    #: RSS ``<ttl>`` in minutes, when given.
    ttl_minutes: int | None = None
    #: RSS ``<skipHours>``: hours (0-23, GMT) in which the feed asks not to be polled.
    skip_hours: frozenset[int] = frozenset()
    #: RSS ``<skipDays>``: weekday names in which the feed asks not to be polled.
    skip_days: frozenset[str] = frozenset()
    #: Harmless problems met while parsing (recovered bozo cases), for the fetch log.
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Feed:
    """A feed or news sitemap in the store, with what the last poll left behind."""

    #: Row id in ``feeds``.
    feed_id: int
    #: The feed's URL as added (after a permanent redirect it stays, see ``redirected_to``).
    url: str
    #: ``feed`` (RSS, Atom, JSON Feed) or ``sitemap`` (news sitemap or sitemap index).
    kind: str = "feed"
    #: Title as the feed gives it (or the OPML outline's).
    title: str = ""
    #: Home page of the site.
    site_url: str = ""
    #: Language the feed declares.
    language: str = ""
    #: Category from the OPML folder it was imported from.
    category: str = ""
    #: ETag of the last full response, sent back as If-None-Match.
    etag: str = ""
    #: Last-Modified of the last full response, sent back as If-Modified-Since.
    last_modified: str = ""
    #: SHA-256 of the last body: some servers send a stale ETag with a changed body.
    body_hash: str = ""
    #: Feed format seen last (rss20, atom10, jsonfeed ...).
    format: str = ""
    #: When it was last fetched (aware UTC), if ever.
    last_fetched_at: datetime | None = None
    #: HTTP status of the last fetch (None for network errors or never).
    last_status: int | None = None
    #: ok, not-modified, or the kind of error of the last fetch.
    last_outcome: str = ""
    #: The last error message, empty after a success.
    last_error: str = ""
    #: Failed fetches in a row.
    error_streak: int = 0
    #: When it is due next (aware UTC); None means now.
    next_due_at: datetime | None = None
    #: Current polling interval in seconds, if scheduled.
    interval_seconds: int | None = None
    #: Why the interval is what it is.
    interval_reason: str = ""
    #: True once it is gone for good (410, or many permanent errors); still listed.
    dead: bool = False
    #: The URL a permanent redirect pointed to, if one was seen.
    redirected_to: str = ""
    #: The scheduler's memory of this feed (JSON; see ``crawler.glue.polling``).
    schedule_state: str = ""
    #: Entries listed by the feed whose article was neither stored nor given up on
    #: (a poll that was interrupted); the next poll fetches the feed in full.
    pending_entries: int = 0


@dataclass(frozen=True)
class FetchRecord:
    """One HTTP fetch as the crawler saw it, for the fetch log and the feed's state."""

    #: feed, sitemap or page.
    kind: str
    url: str
    fetched_at: datetime
    #: ok, not-modified, or the kind of error ("http_404", "timeout", "parse", ...).
    outcome: str
    feed_id: int | None = None
    run_id: int | None = None
    status: int | None = None
    error: str = ""
    size: int = 0
    elapsed_ms: int | None = None
    #: Entries in the feed, and how many were new.
    items: int = 0
    items_new: int = 0
    etag: str = ""
    last_modified: str = ""
    body_hash: str = ""
    format: str = ""
    title: str = ""
    site_url: str = ""
    language: str = ""
    redirected_to: str = ""
    #: Schedule columns to store (next_due_at, interval_seconds, interval_reason, dead ...).
    schedule: dict[str, Any] | None = None
