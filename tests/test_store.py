"""The SQLite store: schema, WAL, one row per article, search over folded text."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from crawler.core.errors import StoreError
from crawler.core.items import Alternate, Article, Block
from storage import Store
from storage.migrations import known_migrations
from storage.queries import fts_query, search, stats
from storage.store import article_to_row, row_to_article

ARTICLE = Article(
    title="أكد نائب وزير الخارجية الروسي أن منظمة معاهدة الأمن الجماعي",
    body=(
        Block("أكد نائب وزير الخارجية أن «النـاتو» حلف عسكري، وأن المنظمة دفاعية."),
        Block("تنفيذ مهام حفظ السلام", "subheading"),
        Block("وفي ٢٠٢٢ أُرسلت قوات حفظ السلام الجماعى."),
    ),
    url="https://russia-islworld.ru/ar/novosti/example-2022-02-09-1",
    outlet="russia-islworld.ru",
    published=datetime(2022, 2, 9, 14, 35, tzinfo=timezone(timedelta(hours=3))),
    published_text="٠٩ فبراير ٢٠٢٢",
    published_source="text",
    published_precision="minute",
    language="ar",
    alternates=(Alternate("ru", "https://russia-islworld.ru/ru/x"), Alternate("en")),
    authors=("Редакция",),
    publisher="مجموعة الرؤية",
    photo_credit="Creative Commons",
    wire_agency="tass",
    attribution="المصدر: تاس",
    fetched_at=datetime(2022, 2, 9, 12, 0, tzinfo=UTC),
    source_file="000_fddc9570532f3f98.txt",
)


def test_new_store_has_schema_and_wal(db_path: Path) -> None:
    with Store.open(db_path) as store:
        tables = set(store.db.table_names())
        assert {
            "articles",
            "articles_fts",
            "clusters",
            "feeds",
            "signatures",
            "signature_log",
            "dedup_params",
            "crawl_runs",
            "fetch_log",
        } <= tables
        mode = store.db.conn.execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"
        applied = [r["name"] for r in store.db["_sqlite_migrations"].rows]
        assert applied == known_migrations()


def test_reopening_applies_nothing_twice(db_path: Path) -> None:
    Store.open(db_path).close()
    with Store.open(db_path) as store:
        assert store.count("_sqlite_migrations") == len(known_migrations())


def test_row_round_trip() -> None:
    row = article_to_row(ARTICLE)
    assert row_to_article(row) == ARTICLE
    assert row["published_at_utc"] == "2022-02-09T11:35:00Z"
    assert row["title_folded"].startswith("اكد نايب وزير")


def test_same_article_is_stored_once(db_path: Path) -> None:
    with Store.open(db_path) as store:
        first = store.save_article(ARTICLE)
        second = store.save_article(ARTICLE)
        assert first.created and not second.created
        assert first.article_id == second.article_id
        assert store.count("articles") == 1
        assert store.get_article(first.article_id) == ARTICLE


def test_same_text_at_another_url_is_another_record(db_path: Path) -> None:
    from dataclasses import replace

    with Store.open(db_path) as store:
        store.save_article(ARTICLE)
        mirror = replace(ARTICLE, url="https://mirror.example/ar/x")
        assert store.save_article(mirror).created
        assert store.count("articles") == 2


def test_failed_transaction_leaves_nothing(db_path: Path) -> None:
    with Store.open(db_path) as store:
        with pytest.raises(RuntimeError), store.transaction() as conn:
            conn.execute(
                "INSERT INTO articles (key, title, body, content_hash) VALUES ('k', 't', '[]', 'h')"
            )
            raise RuntimeError("crash in the middle of a write")
        assert store.count("articles") == 0


@pytest.mark.parametrize(
    "query",
    [
        "الناتو",
        "النـاتو",
        "النّاتو",
        "ألناتو",
        "الامن الجماعى",
        "الأمن الجماعي",
        "٢٠٢٢",
        "2022",
        "مُنَظَّمَة",
    ],
)
def test_search_matches_spelling_variants(db_path: Path, query: str) -> None:
    with Store.open(db_path) as store:
        article_id = store.save_article(ARTICLE).article_id
        hits = search(store, query)
        assert [h.article_id for h in hits] == [article_id]


def test_search_filters_and_misses(db_path: Path) -> None:
    with Store.open(db_path) as store:
        store.save_article(ARTICLE)
        assert search(store, "الناتو", language="ru") == []
        assert search(store, "الناتو", outlet="other.example") == []
        assert search(store, "الناتو", since="2023-01-01") == []
        assert search(store, "الناتو", since="2022-02-01")
        assert search(store, "كلمة_غير_موجودة") == []
        assert search(store, "  ") == []


@pytest.mark.parametrize("query", ['"', "AND", "NEAR(", "a*", "(x OR", "-"])
def test_search_treats_fts_syntax_as_words(db_path: Path, query: str) -> None:
    with Store.open(db_path) as store:
        store.save_article(ARTICLE)
        assert search(store, query) == []


def test_fts_query_quotes_every_word() -> None:
    assert fts_query('النـاتو AND "x"') == '"الناتو" "and" "x"'


def test_stats(db_path: Path) -> None:
    with Store.open(db_path) as store:
        store.save_article(ARTICLE)
        figures = stats(store)
    assert figures["articles"] == 1
    assert figures["languages"] == {"ar": 1}
    assert figures["wire_agencies"] == {"tass": 1}


def test_readonly_open_of_missing_store_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.db"
    with pytest.raises(StoreError, match=r"nothing\.db.*wirecrawl import"):
        Store.open(missing, readonly=True)
    assert not missing.exists()


def test_not_a_database(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.db"
    bogus.write_bytes(b"this is not sqlite " * 100)
    with pytest.raises(StoreError, match=r"bogus\.db"):
        Store.open(bogus)


def test_store_from_a_newer_version_is_refused(db_path: Path) -> None:
    Store.open(db_path).close()
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
            "VALUES ('wirecrawl', 'm999_from_the_future', '2030-01-01')"
        )
    conn.close()
    with pytest.raises(StoreError, match="newer wirecrawl"):
        Store.open(db_path)


def test_readers_see_committed_rows_while_a_writer_holds_the_lock(db_path: Path) -> None:
    with Store.open(db_path) as writer:
        writer.save_article(ARTICLE)
        with writer.transaction() as conn:
            conn.execute(
                "INSERT INTO articles (key, title, body, content_hash) VALUES ('k', 't', '[]', 'h')"
            )
            with Store.open(db_path, readonly=True) as reader:
                # WAL: the reader sees the last commit, not the open transaction.
                assert reader.count("articles") == 1


def _search_rows(store: Store) -> tuple[int, int]:
    conn = store.db.conn
    words = conn.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'الناتو'")
    # Without positions (detail=none) a trigram index answers one trigram at a time.
    parts = conn.execute(
        "SELECT count(*) FROM articles_trigram WHERE articles_trigram MATCH ?", ["نات"]
    )
    return words.fetchone()[0], parts.fetchone()[0]


def _copies(count: int) -> list[Article]:
    return [
        Article(
            title=f"{ARTICLE.title} {n}",
            body=ARTICLE.body,
            url=f"https://outlet{n}.example/news/1",
            outlet=f"outlet{n}.example",
            language="ar",
        )
        for n in range(count)
    ]


def test_a_batch_is_indexed_for_search_at_its_end(db_path: Path) -> None:
    with Store.open(db_path) as store:
        results = store.save_articles(_copies(5))
        assert _search_rows(store) == (5, 5)
        assert {h.article_id for h in search(store, "النـاتو")} == {r.article_id for r in results}
        assert store.db.conn.execute("SELECT active FROM deferred_search").fetchone() == (0,)
    # Another program writing a row by hand still has it indexed at once (the trigger).
    conn = sqlite3.connect(db_path)
    row = article_to_row(_copies(6)[5])
    conn.execute(
        f"INSERT INTO articles ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
        list(row.values()),
    )
    conn.commit()
    conn.close()
    with Store.open(db_path) as store:
        assert _search_rows(store) == (6, 6)


def test_a_failed_batch_leaves_search_as_it_was(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.open(db_path) as store:
        store.save_articles(_copies(2))
        original = Store.save_article

        def failing(self: Store, article: Article, **kwargs: object) -> object:
            if article.outlet == "outlet3.example":
                raise RuntimeError("the disk filled up")
            return original(self, article, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(Store, "save_article", failing)
        with pytest.raises(RuntimeError):
            store.save_articles(_copies(5)[2:])
        assert store.count("articles") == 2
        assert _search_rows(store) == (2, 2)
        assert store.db.conn.execute("SELECT active FROM deferred_search").fetchone() == (0,)
        monkeypatch.setattr(Store, "save_article", original)
        store.save_articles(_copies(5)[2:])
        assert _search_rows(store) == (5, 5)


def test_a_write_group_commits_whole_and_is_searchable(db_path: Path) -> None:
    with Store.open(db_path) as store, Store.open(db_path, readonly=True) as reader:
        store.open_group()
        assert store.group_open
        for article in _copies(3):
            with store.transaction():
                store.save_article(article)
        # The group is one uncommitted transaction: readers see none of it yet.
        assert reader.count("articles") == 0
        assert store.commit_group() == 3
        assert not store.group_open
        assert reader.count("articles") == 3
        assert _search_rows(reader) == (3, 3)
        assert store.db.conn.execute("SELECT active FROM deferred_search").fetchone() == (0,)
        assert store.consistency_problems() == []


def test_a_failed_write_in_a_group_undoes_only_itself(db_path: Path) -> None:
    with Store.open(db_path) as store:
        store.open_group()
        copies = _copies(3)
        with store.transaction():
            store.save_article(copies[0])
        with pytest.raises(RuntimeError), store.transaction():
            store.save_article(copies[1])
            raise RuntimeError("the feed entry could not be written")
        with store.transaction():
            store.save_article(copies[2])
        store.commit_group()
        stored = {row[0] for row in store.db.conn.execute("SELECT outlet FROM articles")}
        assert stored == {"outlet0.example", "outlet2.example"}
        assert _search_rows(store) == (2, 2)
        assert store.consistency_problems() == []


def test_an_abandoned_group_leaves_nothing(db_path: Path) -> None:
    with Store.open(db_path) as store:
        store.save_article(_copies(1)[0])
        store.open_group()
        store.save_articles(_copies(4)[1:])
        store.abandon_group()
        assert store.count("articles") == 1
        assert _search_rows(store) == (1, 1)
        # The reprint index forgot the rolled-back articles: saving them again works.
        store.save_articles(_copies(4)[1:])
        assert _search_rows(store) == (4, 4)
        assert store.consistency_problems() == []


def test_closing_a_store_commits_its_open_group(db_path: Path) -> None:
    with Store.open(db_path) as store:
        store.open_group()
        # A batch inside a group leaves its search index to the group's commit.
        store.save_articles(_copies(2))
        store.save_article(_copies(3)[2])
    with Store.open(db_path, readonly=True) as store:
        assert store.count("articles") == 3
        assert _search_rows(store) == (3, 3)


def test_a_group_opens_only_outside_a_transaction(db_path: Path) -> None:
    with (
        Store.open(db_path) as store,
        store.transaction(),
        pytest.raises(StoreError, match="outside a transaction"),
    ):
        store.open_group()
