"""One way to write an ``Article`` as JSON values, and to read it back.

The store's rows, the export manifest and the workers' Redis records are all this
encoding, seen through their own column names: ``article_to_json`` gives every field
(times as ISO 8601 text with their offset, blocks and alternates as small objects);
``article_from_json`` reads it back whole, ignoring the derived ``content_hash`` (it is
computed again from the title and body).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crawler.core.clock import iso_or_none, time_or_none
from crawler.core.items import Alternate, Article, Block


def article_to_json(article: Article) -> dict[str, Any]:
    """Every field of ``article`` as JSON-ready values."""
    return {
        "title": article.title,
        "body": [{"kind": b.kind, "text": b.text} for b in article.body],
        "url": article.url,
        "outlet": article.outlet,
        "published": iso_or_none(article.published),
        "published_text": article.published_text,
        "published_source": article.published_source,
        "published_precision": article.published_precision,
        "language": article.language,
        "alternates": [{"language": a.language, "url": a.url} for a in article.alternates],
        "authors": list(article.authors),
        "publisher": article.publisher,
        "photo_credit": article.photo_credit,
        "wire_agency": article.wire_agency,
        "attribution": article.attribution,
        "fetched_at": iso_or_none(article.fetched_at),
        "source_file": article.source_file,
        "content_hash": article.content_hash,
    }


def article_from_json(record: Mapping[str, Any]) -> Article:
    """The article ``article_to_json`` wrote; missing fields take their defaults."""

    def text(name: str) -> str:
        return record.get(name) or ""

    return Article(
        title=record["title"],
        body=tuple(Block(b["text"], b.get("kind", "paragraph")) for b in record["body"]),
        url=text("url"),
        outlet=text("outlet"),
        published=time_or_none(record.get("published")),
        published_text=text("published_text"),
        published_source=text("published_source"),  # type: ignore[arg-type]
        published_precision=text("published_precision"),  # type: ignore[arg-type]
        language=text("language"),
        alternates=tuple(
            Alternate(a["language"], a.get("url") or "") for a in record.get("alternates") or ()
        ),
        authors=tuple(record.get("authors") or ()),
        publisher=text("publisher"),
        photo_credit=text("photo_credit"),
        wire_agency=record.get("wire_agency"),
        attribution=text("attribution"),
        fetched_at=time_or_none(record.get("fetched_at")),
        source_file=text("source_file"),
    )
