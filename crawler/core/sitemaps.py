"""News sitemaps and sitemap indexes: the URLs they list, with the ``news:`` details.

A news sitemap (``<urlset>`` with ``<news:news>``) gives each article's URL,
title, publication date and language without fetching the page; a sitemap
index (``<sitemapindex>``) lists more sitemaps. Parsing is defensive: no
entities are resolved, nothing is fetched, and a huge document is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from crawler.core.dates import parse_feed_date
from crawler.core.errors import FeedError
from crawler.core.items import FeedEntry
from crawler.core.urls import canonical_url

#: Larger sitemaps are refused (the protocol caps them at 50 MB uncompressed).
MAX_SITEMAP_BYTES = 50 * 1024 * 1024

_NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@dataclass(frozen=True)
class Sitemap:
    """What one sitemap document lists."""

    #: ``index`` for a sitemap index, ``urlset`` for a list of pages.
    kind: str
    #: Sitemaps an index points to.
    sitemaps: tuple[str, ...] = ()
    #: Pages of a urlset, as feed entries (title and date from ``news:news`` when present).
    entries: tuple[FeedEntry, ...] = ()


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child_text(element: etree._Element, name: str) -> str:
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return ""


def parse_sitemap(body: bytes, url: str) -> Sitemap:
    """Read a sitemap index or urlset; raises ``FeedError`` naming ``url`` when it is neither."""
    if len(body) > MAX_SITEMAP_BYTES:
        raise FeedError(f"{url}: sitemap of {len(body):,} bytes is larger than the 50 MB limit")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, recover=True, remove_comments=True
    )
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"{url}: not a sitemap ({exc})") from exc
    if root is None:
        raise FeedError(f"{url}: not a sitemap (empty or not XML)")
    kind = _local(root.tag)
    if kind == "sitemapindex":
        children = tuple(loc for element in root if (loc := _child_text(element, "loc")))
        return Sitemap("index", sitemaps=children)
    if kind != "urlset":
        raise FeedError(f"{url}: not a sitemap (root element <{kind}>)")
    entries = []
    for element in root:
        if _local(element.tag) != "url":
            continue
        loc = _child_text(element, "loc")
        if not loc:
            continue
        title = published_text = language = ""
        for news in element.iter(f"{_NEWS}news"):
            title = _child_text(news, "title")
            published_text = _child_text(news, "publication_date")
            for publication in news.iter(f"{_NEWS}publication"):
                language = _child_text(publication, "language")
        published_text = published_text or _child_text(element, "lastmod")
        link = canonical_url(loc)
        entries.append(
            FeedEntry(
                entry_id=link or loc,
                link=link or loc,
                title=title,
                published=parse_feed_date(published_text) if published_text else None,
                published_text=published_text,
                language=language.split("-")[0].lower(),
            )
        )
    return Sitemap("urlset", entries=tuple(entries))
