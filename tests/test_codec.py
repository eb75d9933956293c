"""One JSON encoding of an article, under the store's, the manifest's and the workers' names."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from crawler.app.importer import MANIFEST_FIELDS, apply_manifest, manifest_entry
from crawler.core.codec import article_from_json, article_to_json
from crawler.core.items import Alternate, Article, Block
from storage.store import article_to_row, row_to_article

MOSCOW = timezone(timedelta(hours=3))
ARTICLE = Article(
    title="بانكين: منظمة معاهدة الأمن الجماعي لا تتعاون مع الناتو",
    body=(
        Block("صرح نائب وزير الخارجية الروسي ألكسندر بانكين بأن المنظمة لا تتعاون مع الحلف."),
        Block("تنفيذ مهام حفظ السلام", "subheading"),
        Block("وأضاف أن الحوار ممكن، حسب وكالة تاس."),
    ),
    url="https://example.org/ar/novosti/story-2022-02-09-1",
    outlet="example.org",
    published=datetime(2022, 2, 9, 13, 5, tzinfo=MOSCOW),
    published_text="٠٩ فبراير ٢٠٢٢",
    published_source="text",
    published_precision="day",
    language="ar",
    alternates=(Alternate("ru", "https://example.org/ru/1"), Alternate("en")),
    authors=("مراسل",),
    publisher='مجموعة الرؤية الاستراتيجية "روسيا - العالم الإسلامي"',
    photo_credit="Creative Commons",
    wire_agency="tass",
    attribution="المصدر: تاس",
    fetched_at=datetime(2026, 12, 6, 10, 0, tzinfo=UTC),
    source_file="000_fddc9570532f3f98.txt",
)


def test_the_json_encoding_reads_back_whole() -> None:
    record = article_to_json(ARTICLE)
    assert json.loads(json.dumps(record, ensure_ascii=False)) == record
    assert article_from_json(json.loads(json.dumps(record))) == ARTICLE
    assert record["published"] == "2022-02-09T13:05:00+03:00"
    # The derived hash travels for readers, and is computed again on the way back.
    assert record["content_hash"] == ARTICLE.content_hash
    assert article_from_json({**record, "content_hash": "x"}).content_hash == ARTICLE.content_hash


def test_an_article_with_nothing_but_title_and_body() -> None:
    bare = Article("Заголовок", (Block("Текст."),))
    assert article_from_json(article_to_json(bare)) == bare
    assert article_from_json({"title": "Заголовок", "body": [{"text": "Текст."}]}) == bare


def test_the_stores_row_is_the_same_encoding() -> None:
    row = article_to_row(ARTICLE)
    record = article_to_json(ARTICLE)
    assert row["published_at"] == record["published"]
    assert json.loads(row["body"]) == record["body"]
    assert json.loads(row["alternates"]) == record["alternates"]
    assert row_to_article(row) == ARTICLE
    assert article_to_row(Article("t", (Block("b"),)))["url"] is None  # empty text is NULL


def test_the_manifest_carries_what_a_seed_file_cannot() -> None:
    entry = manifest_entry("000_x.txt", ARTICLE)
    assert entry["file"] == "000_x.txt"
    assert entry["published_at"] == "2022-02-09T13:05:00+03:00"
    assert len(entry) == len(MANIFEST_FIELDS) + 1
    bare = Article(ARTICLE.title, ARTICLE.body)
    restored = apply_manifest(bare, entry)
    assert (restored.url, restored.published, restored.fetched_at) == (
        ARTICLE.url,
        ARTICLE.published,
        ARTICLE.fetched_at,
    )
