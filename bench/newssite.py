"""A generated news web of many outlets, served on 127.0.0.1 for crawl benchmarks.

    python bench/newssite.py --articles 20000          # serve it; print the proxy and an OPML

``NewsSite(articles=20_000)`` builds outlets with section RSS feeds and
article pages from recombined sentences of real article text (../shared/data
when present: English and Russian; the demo corpus for Arabic, and for all
languages when ../shared is absent). About one article in ten is an edited
reprint of an earlier article of another outlet in the same language (new
headline and dateline, a paragraph cut or an agency line added), as in
crawler/app/demo. Everything is a function of the seed.

Like the demo site it is reached as an HTTP proxy (or a SOCKS5 proxy on the
same port, for clients that only speak that): URLs keep made-up hosts
(``http://outlet-07.example/world/1234.html``), every request goes to
127.0.0.1. Pages look like news pages (navigation, an article with its
metadata, related links, a footer) so that extraction does real work. Feeds
and pages are rendered when asked for; nothing is written to disk.
"""

from __future__ import annotations

import argparse
import html
import random
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import escape as xml_escape

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from crawler.app.demo.server import ProxySite  # noqa: E402

SHARED_DATA = ROOT.parent / "shared" / "data"
#: Section feeds per outlet.
SECTIONS = ("world", "politics", "economy", "business", "science", "culture", "sport", "society")
#: Share of articles that reprint an earlier one.
REPRINT_SHARE = 0.1
_DATELINES = {
    "en": ["MOSCOW, Nov 3 (Reuters) - ", "CAIRO (AFP) - ", "LONDON, Nov 4 - "],
    "ru": ["Москва. 3 ноября. ИНТЕРФАКС - ", "МОСКВА, 3 ноя - РИА Новости. ", "(ТАСС) "],
    "ar": ["موسكو- الأمة برس - ", "القاهرة (أ ف ب) - ", "حسب وكالة تاس، "],
}
_CREDITS = {"en": "Reuters reported.", "ru": "Об этом сообщает ТАСС.", "ar": "المصدر: تاس"}
_WORDS = {
    "en": ("Home", "Latest news", "Related", "Share", "All rights reserved", "Subscribe"),
    "ru": (
        "Главная",
        "Последние новости",
        "Читайте также",
        "Поделиться",
        "Все права защищены",
        "Подписаться",
    ),
    "ar": ("الرئيسية", "آخر الأخبار", "اقرأ أيضا", "شارك", "جميع الحقوق محفوظة", "اشترك"),
}


def sentence_pools() -> dict[str, list[str]]:
    """Sentences of real article text by language (the demo corpus fills the gaps)."""
    texts: dict[str, list[str]] = {"en": [], "ru": [], "ar": []}
    if SHARED_DATA.exists():
        from tests.reprint_set import benchmark_sources, daniel_sources

        for source in benchmark_sources(SHARED_DATA) + daniel_sources(SHARED_DATA):
            if source.language in texts:
                texts[source.language].extend(source.paragraphs)
    from crawler.app import demo

    for article in demo.load_articles():
        if article.language in texts and (
            article.language == "ar" or not texts[article.language] or not SHARED_DATA.exists()
        ):
            texts[article.language].extend(article.paragraphs)
    pools = {}
    for language, paragraphs in texts.items():
        sentences = []
        for paragraph in paragraphs:
            for sentence in paragraph.replace("؟", ".").replace("!", ".").split("."):
                if len(sentence.split()) >= 6:
                    sentences.append(sentence.strip() + ".")
        if sentences:
            pools[language] = sentences
    return pools


@dataclass(frozen=True)
class Story:
    """One article of the site."""

    number: int
    outlet: str
    section: str
    language: str
    title: str
    paragraphs: tuple[str, ...]
    published: datetime
    #: The article it reprints, if any.
    reprint_of: int | None = None

    @property
    def url(self) -> str:
        return f"http://{self.outlet}/{self.section}/{self.number}.html"


@dataclass(frozen=True)
class Outlet:
    """One outlet: a host with one feed per section."""

    host: str
    name: str
    language: str

    def feed_url(self, section: str) -> str:
        return f"http://{self.host}/rss/{section}.xml"


def build(articles: int, seed: int = 1, outlets: int = 40) -> tuple[list[Outlet], list[Story]]:
    """The outlets and articles of a site; the same for the same arguments."""
    rng = random.Random(seed)
    pools = sentence_pools()
    languages = [lang for lang in ("en", "ru", "ar") if lang in pools]
    weights = {"en": 5, "ru": 3, "ar": 2}
    plan = [lang for lang in languages for _ in range(weights[lang])]
    sites = [
        Outlet(f"outlet-{i:02d}.example", f"Outlet {i:02d}", plan[i % len(plan)])
        for i in range(outlets)
    ]
    by_language: dict[str, list[int]] = {}
    stories: list[Story] = []
    start = datetime(2026, 11, 1, tzinfo=UTC)
    for number in range(articles):
        outlet = sites[number % outlets]
        section = SECTIONS[(number // outlets) % len(SECTIONS)]
        language = outlet.language
        pool = pools[language]
        published = start + timedelta(minutes=number * 3 + rng.randrange(3))
        earlier = [
            i for i in by_language.get(language, [])[-500:] if stories[i].outlet != outlet.host
        ]
        if earlier and rng.random() < REPRINT_SHARE:
            source = stories[rng.choice(earlier)]
            paragraphs = list(source.paragraphs)
            if len(paragraphs) > 4 and rng.random() < 0.5:
                del paragraphs[rng.randrange(1, len(paragraphs) - 1)]
            paragraphs[0] = rng.choice(_DATELINES[language]) + paragraphs[0]
            if rng.random() < 0.5:
                paragraphs.append(_CREDITS[language])
            title = " ".join(source.title.split()[:-1]) or source.title
            story = Story(
                number,
                outlet.host,
                section,
                language,
                title,
                tuple(paragraphs),
                published,
                source.number,
            )
        else:
            paragraphs, words = [], 0
            target = rng.randrange(300, 700)
            while words < target:
                paragraph = " ".join(rng.choice(pool) for _ in range(rng.randrange(2, 5)))
                paragraphs.append(paragraph)
                words += len(paragraph.split())
            title = " ".join(paragraphs[0].split()[:9]).rstrip(".,;:")
            story = Story(
                number, outlet.host, section, language, title, tuple(paragraphs), published
            )
        stories.append(story)
        by_language.setdefault(language, []).append(number)
    return sites, stories


def _rfc822(value: datetime) -> str:
    return format_datetime(value, usegmt=True)


class NewsSite(ProxySite):
    """The generated site on 127.0.0.1 (a context manager, like ``DemoSite``)."""

    #: trafilatura reaches proxies only through SOCKS.
    speaks_socks = True

    def __init__(
        self, articles: int = 20_000, *, seed: int = 1, outlets: int = 40, items: int = 100
    ) -> None:
        super().__init__()
        self.outlets, self.stories = build(articles, seed, outlets)
        #: Entries per feed (newest first); feeds list every article once across the site.
        self.items = items
        self._feeds: dict[str, list[Story]] = {}
        self._pages: dict[tuple[str, str], Story] = {}
        for story in self.stories:
            self._pages[(story.outlet, f"/{story.section}/{story.number}.html")] = story
        by_outlet = {o.host: o for o in self.outlets}
        for story in self.stories:
            feed = by_outlet[story.outlet].feed_url(story.section)
            self._feeds.setdefault(feed, []).append(story)
        # Long feeds are split in pages of ``items`` (…/world.xml, …/world-2.xml, …).
        self.feed_urls: list[str] = []
        self._feed_pages: dict[str, list[Story]] = {}
        for url, stories in self._feeds.items():
            stories.sort(key=lambda s: s.published, reverse=True)
            for page in range(0, len(stories), items):
                name = url if page == 0 else url.replace(".xml", f"-{page // items + 1}.xml")
                self._feed_pages[name] = stories[page : page + items]
                self.feed_urls.append(name)

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        status, media, body = self.respond(self.target_of(handler))
        headers = [("Content-Type", media), ("Content-Length", str(len(body)))]
        self.send(handler, status, headers, body)

    def opml(self) -> str:
        """Every feed as an OPML list (``wirecrawl crawl --feeds site.opml``)."""
        outlines = "\n".join(
            f'<outline type="rss" text="{u}" xmlUrl="{xml_escape(u)}"/>' for u in self.feed_urls
        )
        return f'<?xml version="1.0"?>\n<opml version="2.0"><body>\n{outlines}\n</body></opml>\n'

    def respond(self, url: str) -> tuple[int, str, bytes]:
        """Status, content type and body for ``url``."""
        parts = urlsplit(url)
        host, path = parts.hostname or "", parts.path or "/"
        if path == "/robots.txt":
            return 200, "text/plain; charset=utf-8", b"User-agent: *\nDisallow:\n"
        feed = self._feed_pages.get(f"http://{host}{path}")
        if feed is not None:
            return 200, "application/rss+xml; charset=utf-8", self._rss(host, path, feed)
        story = self._pages.get((host, path))
        if story is not None:
            return 200, "text/html; charset=utf-8", self._page(story)
        return 404, "text/plain; charset=utf-8", b"not found\n"

    # -- documents -----------------------------------------------------------------------

    def _rss(self, host: str, path: str, stories: list[Story]) -> bytes:
        lines = [
            '<?xml version="1.0" encoding="utf-8"?>',
            '<rss version="2.0"><channel>',
            f"<title>{host} {path}</title><link>http://{host}/</link>",
            f"<description>{host}</description>",
        ]
        for story in stories:
            lines += [
                "<item>",
                f"<title>{xml_escape(story.title)}</title>",
                f"<link>{story.url}</link>",
                f"<guid>{story.url}</guid>",
                f"<pubDate>{_rfc822(story.published)}</pubDate>",
                f"<description>{xml_escape(story.paragraphs[0][:300])}</description>",
                "</item>",
            ]
        lines.append("</channel></rss>")
        return "\n".join(lines).encode("utf-8")

    def _page(self, story: Story) -> bytes:
        home, latest, related_label, share, rights, subscribe = _WORDS[story.language]
        direction = ' dir="rtl"' if story.language == "ar" else ""
        nav = "".join(
            f'<li><a href="http://{story.outlet}/{s}/">{s.title()}</a></li>' for s in SECTIONS
        )
        related = "".join(
            f'<li><a href="{other.url}">{html.escape(other.title)}</a></li>'
            for other in self._related(story)
        )
        body = "\n".join(f"<p>{html.escape(p)}</p>" for p in story.paragraphs)
        title = html.escape(story.title)
        stamp = story.published.isoformat()
        page = f"""<!doctype html>
<html lang="{story.language}"{direction}><head><meta charset="utf-8">
<title>{title} | {story.outlet}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta property="og:title" content="{title}">
<meta property="og:type" content="article">
<meta property="article:published_time" content="{stamp}">
<meta name="description" content="{html.escape(story.paragraphs[0][:200])}">
<link rel="canonical" href="{story.url}">
<link rel="stylesheet" href="/static/site.css">
<script>window.dataLayer=window.dataLayer||[];function gtag(){{dataLayer.push(arguments)}}</script>
</head><body>
<header class="site-header"><a class="logo" href="http://{story.outlet}/">{story.outlet}</a>
<nav class="main-nav"><ul><li><a href="http://{story.outlet}/">{home}</a></li>{nav}</ul></nav>
<form class="search" action="/search"><input name="q"></form>
<a class="subscribe" href="/subscribe">{subscribe}</a></header>
<div class="breadcrumbs"><a href="http://{story.outlet}/">{home}</a> /
<a href="http://{story.outlet}/{story.section}/">{story.section.title()}</a></div>
<main><article class="story">
<h1 class="headline">{title}</h1>
<div class="meta"><time datetime="{stamp}">{story.published:%d.%m.%Y %H:%M}</time>
<span class="byline">{story.outlet}</span></div>
<div class="story-body">
{body}
</div>
<div class="share"><span>{share}</span> <a href="#">Facebook</a> <a href="#">X</a>
<a href="#">Telegram</a></div>
</article>
<aside class="related"><h3>{related_label}</h3><ul>{related}</ul></aside>
<aside class="latest"><h3>{latest}</h3><ul>{related}</ul></aside>
</main>
<footer class="site-footer"><ul>{nav}</ul>
<p>© 2026 {story.outlet}. {rights}.</p></footer>
<script src="/static/site.js"></script>
</body></html>
"""
        return page.encode("utf-8")

    def _related(self, story: Story) -> list[Story]:
        start = max(0, story.number - 400)
        return [s for s in self.stories[start : story.number] if s.outlet == story.outlet][-6:]


def main() -> None:
    parser = argparse.ArgumentParser(description="serve a generated news site on 127.0.0.1")
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--opml", type=Path, help="write the feed list here")
    args = parser.parse_args()
    with NewsSite(args.articles) as site:
        if args.opml:
            args.opml.write_text(site.opml(), encoding="utf-8")
        print(f"{len(site.stories)} articles, {len(site.feed_urls)} feeds; proxy {site.proxy_url}")
        threading.Event().wait()


if __name__ == "__main__":
    main()
