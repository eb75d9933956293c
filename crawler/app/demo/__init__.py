"""The demo corpus: invented outlets reprinting invented wire stories.

``site.json`` lists every article with its outlet, path, publication time
and the story it belongs to (the ground truth the dedup tests score
against). ``load_articles`` reads them as ``Article`` records.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from crawler.core.items import Article
from crawler.core.seedformat import parse_seed_text

DEMO_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class DemoEntry:
    """One article of the demo site as ``site.json`` describes it."""

    #: Path of the seed-format file, relative to the demo folder.
    file: str
    #: Host of the invented outlet.
    outlet: str
    #: Path of the article page on the outlet's site.
    path: str
    #: ISO 639-1 language.
    language: str
    #: Exact publication time (timezone-aware).
    published: datetime
    #: Ground-truth story id; None for an article that reprints nothing.
    story: str | None
    #: original, reprint, excerpt, mirror or unrelated.
    role: str
    #: The agency the text is attributed to, if any.
    wire_agency: str | None


@cache
def manifest() -> dict[str, Any]:
    """The parsed ``site.json``."""
    return json.loads((DEMO_DIR / "site.json").read_text(encoding="utf-8"))


def entries() -> list[DemoEntry]:
    """Every article of the demo site, in manifest order."""
    return [
        DemoEntry(
            file=item["file"],
            outlet=item["outlet"],
            path=item["path"],
            language=item["language"],
            published=datetime.fromisoformat(item["published"]),
            story=item.get("story"),
            role=item["role"],
            wire_agency=item.get("wire_agency"),
        )
        for item in manifest()["articles"]
    ]


def load_article(entry: DemoEntry, base_url: str | None = None) -> Article:
    """The article of one demo entry, with the URL it has on the demo site."""
    text = (DEMO_DIR / entry.file).read_text(encoding="utf-8")
    url = f"{base_url or 'http://' + entry.outlet}{entry.path}"
    article = parse_seed_text(text, source_file=Path(entry.file).name, url=url, outlet=entry.outlet)
    return replace(article, published=entry.published, published_precision="minute")


def load_articles(base_url: str | None = None) -> list[Article]:
    """All demo articles."""
    return [load_article(entry, base_url) for entry in entries()]
