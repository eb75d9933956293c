"""The seed-site spider against a loopback copy of russia-islworld.ru's layout.

The pages are the project's own golden pages (invented text in the site's
layout); the listing pages are written here. The crawl runs in a subprocess.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.core.seedformat import parse_seed_text, render_seed_text
from storage import Store
from tests.loopback import LoopbackSite

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "pages"
SITE = "http://russia-islworld.ru"
ARTICLE = "/ar/novosti/mjls-altaawn-alaqlymy-2022-02-09-31336"


def listing(*links: str, next_page: str = "") -> bytes:
    items = "".join(f'<li><a href="{link}">خبر</a></li>' for link in links)
    more = f'<a class="pager" href="{next_page}">التالي</a>' if next_page else ""
    return (
        '<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>أخبار</title>'
        '</head><body><nav><a href="/ar/">الرئيسية</a></nav>'
        f'<ul class="news-list">{items}</ul>{more}'
        '<footer><a href="/ar/hwl-almjmwt/">حول المجموعة</a></footer></body></html>'
    ).encode()


@pytest.mark.slow
def test_islworld_spider_walks_listings_into_seed_format_articles(tmp_path: Path) -> None:
    db = tmp_path / "islworld.db"
    html = (GOLDEN / "islworld_ar.html").read_bytes()
    expected = parse_seed_text((GOLDEN / "islworld_ar.txt").read_text(encoding="utf-8"))
    with LoopbackSite() as site:
        site.set(f"{SITE}/ar/novosti/", body=listing(ARTICLE, next_page="/ar/novosti/?page=2"))
        site.set(f"{SITE}/ar/novosti/?page=2", body=listing(ARTICLE + "-copy-not-linked"))
        site.set(f"{SITE}{ARTICLE}", body=html)
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "scrapy",
                "crawl",
                "islworld",
                "-a",
                f"start={SITE}/ar/novosti/",
                "-a",
                "pages=2",
                "-s",
                f"WIRECRAWL_DB={db}",
                "-s",
                f"WIRECRAWL_PROXY={site.proxy_url}",
                "-s",
                "DOWNLOAD_DELAY=0",
                "-s",
                "AUTOTHROTTLE_START_DELAY=0.01",
                "-s",
                "LOG_LEVEL=WARNING",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        # The second listing page was followed (pages=2); the about page was not.
        assert site.seen(f"{SITE}/ar/novosti/?page=2")
        assert not site.seen(f"{SITE}/ar/hwl-almjmwt/")
    with Store.open(db, readonly=True) as store:
        (row,) = list(store.iter_article_rows())
        article = store.get_article(row["id"])
    assert article.url == f"{SITE}{ARTICLE}"
    assert article.outlet == "russia-islworld.ru"
    assert article.title == expected.title
    assert article.body == expected.body
    assert article.published_text == expected.published_text
    assert article.wire_agency == expected.wire_agency
    assert [a.language for a in article.alternates] == ["ru", "en"]
    assert render_seed_text(article).split() == render_seed_text(expected).split()
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT cluster_id FROM articles").fetchone()[0] == row["id"]
    conn.close()
