"""The identity of a record without a URL: its text, its publisher and its source line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlite_utils import Database

from crawler.app.cli import main
from crawler.core.items import Article, Block, record_key
from crawler.core.seedformat import render_seed_text
from storage import Store
from storage.migrations import migrations

TITLE = "الخارجية: محادثات جديدة حول الممر البحري الأسبوع المقبل"
BODY = (
    "أعلنت وزارة الخارجية أن جولة جديدة من المحادثات حول الممر البحري ستعقد الأسبوع المقبل.",
    "وقال المتحدث باسم الوزارة إن الوفود ستناقش جدول الشحن ورسوم العبور والرقابة المشتركة.",
    "وأضاف أن الجولة السابقة انتهت بالاتفاق على تشكيل لجنة فنية تضم خبراء من البلدين.",
)


def _copy(publisher: str, attribution: str = "المصدر: تاس") -> Article:
    return Article(
        title=TITLE,
        body=tuple(Block(t) for t in BODY),
        publisher=publisher,
        attribution=attribution,
        wire_agency="tass",
        language="ar",
    )


def _import(db: Path, folder: Path) -> dict:
    result = CliRunner().invoke(
        main, ["--db", str(db), "import", "--json", str(folder)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_two_outlets_word_for_word_copies_are_two_records_in_one_cluster(tmp_path: Path) -> None:
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "000_first.txt").write_text(render_seed_text(_copy("وكالة الشرق")), "utf-8")
    (folder / "001_second.txt").write_text(render_seed_text(_copy("صحيفة النهار")), "utf-8")
    db = tmp_path / "copies.db"
    summary = _import(db, folder)
    assert (summary["imported"], summary["known"], summary["copies"]) == (2, 0, 1)
    with Store.open(db, readonly=True) as store:
        rows = store.db.conn.execute(
            "SELECT publisher, cluster_id, coalesce(jaccard, 1.0) FROM articles ORDER BY id"
        ).fetchall()
    assert [r[0] for r in rows] == ["وكالة الشرق", "صحيفة النهار"]
    assert rows[0][1] == rows[1][1]  # one cluster
    assert rows[0][2] == rows[1][2] == 1.0  # an exact copy (the canonical has no score)
    # The same files again: both known, nothing stored twice.
    again = _import(db, folder)
    assert (again["imported"], again["known"], again["copies"]) == (0, 2, 0)
    text = CliRunner().invoke(main, ["--db", str(db), "import", str(folder / "000_first.txt")])
    assert "imported 0 new articles from 1 file into" in text.stdout
    assert "1 already stored" in text.stdout


def test_the_key_counts_the_publisher_and_source_lines_only_without_a_url() -> None:
    first, second = _copy("وكالة الشرق"), _copy("صحيفة النهار")
    assert first.content_hash == second.content_hash
    assert first.key != second.key
    assert _copy("وكالة  الشرق ").key == first.key  # spacing is not identity
    assert _copy("", "").key == f"sha256:{first.content_hash}"
    assert record_key("https://a.example/1", first.content_hash, "x", "y") == "https://a.example/1"


def test_stored_records_without_a_url_get_their_new_key(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = Database(path)
    migrations.apply(db, stop_before="m010_copies_keep_their_publisher")
    article = _copy("وكالة الشرق")
    db.execute(
        "INSERT INTO articles (id, key, content_hash, title, body, publisher, attribution) "
        "VALUES (1, ?, ?, 'T', '[]', ?, ?)",
        [f"sha256:{article.content_hash}", article.content_hash, "وكالة الشرق", "المصدر: تاس"],
    )
    db.execute(
        "INSERT INTO articles (id, key, content_hash, title, body, url) "
        "VALUES (2, 'https://b.example/2', 'h2', 'T', '[]', 'https://b.example/2')"
    )
    db.close()
    with Store.open(path, check_index=False) as store:
        keys = [r[0] for r in store.db.conn.execute("SELECT key FROM articles ORDER BY id")]
    assert keys == [article.key, "https://b.example/2"]
