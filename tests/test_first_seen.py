"""Articles without a publication date: stored undated, placed in time by when they were seen."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from crawler.app.cli import main
from crawler.core.items import Article, Block
from storage import Store

BODY = (
    "Портовые рабочие трёх городов объявили забастовку с понедельника, сообщили в профсоюзе.",
    "По словам председателя профсоюза, требования касаются зарплаты и графика смен в доках.",
    "Администрация порта заявила, что готова к переговорам и назначила встречу на среду.",
    "Грузовые суда, ожидающие разгрузки, будут направлены к соседним причалам до конца недели.",
)


def _article(url: str, published: datetime | None, fetched: datetime, extra: str = "") -> Article:
    blocks = tuple(Block(text) for text in BODY) + ((Block(extra),) if extra else ())
    return Article(
        title="Портовые рабочие объявили забастовку",
        body=blocks,
        url=url,
        outlet=url.split("/")[2],
        published=published,
        published_source="meta" if published else "",
        published_precision="minute" if published else "",
        language="ru",
        fetched_at=fetched,
    )


def _cli(db: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_an_undated_copy_seen_before_a_dated_one_is_first_and_says_first_seen(
    tmp_path: Path,
) -> None:
    db = tmp_path / "seen.db"
    with Store.open(db) as store:
        dated = store.save_article(
            _article(
                "https://dated.example/strike",
                datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
                datetime(2026, 11, 20, 12, 0, tzinfo=UTC),
            )
        )
        undated = store.save_article(
            _article(
                "https://undated.example/strike",
                None,
                datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
                extra="Читайте также наши новости в мессенджерах.",
            )
        )
        row = store.db.conn.execute(
            "SELECT published_at, published_at_utc, published_source, time_utc FROM articles "
            "WHERE id = ?",
            [undated.article_id],
        ).fetchone()
    # Never stamped with the crawl time: unknown, and placed in time by the fetch.
    assert row == (None, None, None, "2026-11-20T09:00:00Z")
    (cluster,) = [json.loads(line) for line in _cli(db, "clusters", "list", "--json").splitlines()]
    assert cluster["cluster_id"] == undated.article_id  # out by 09:00, before the 10:00 copy
    first, second = cluster["members"]
    assert (first["published_utc"], first["time_utc"], first["first_seen"]) == (
        "",
        "2026-11-20T09:00:00Z",
        True,
    )
    assert second["article_id"] == dated.article_id and second["minutes_after"] == 60.0
    assert second["first_seen"] is False
    listing = _cli(db, "clusters", "list")
    assert "first seen 2026-11-20 09:00 UTC" in listing
    timeline = _cli(db, "clusters", "show", str(undated.article_id))
    assert "first seen 2026-11-20 09:00 UTC" in timeline
    assert "2026-11-20 10:00 UTC" in timeline
    stats = json.loads(_cli(db, "stats", "--json"))
    assert stats["undated"] == 1
    assert stats["first_published"] == stats["last_published"] == "2026-11-20T10:00:00Z"


def test_since_reads_the_first_seen_time_of_undated_articles(tmp_path: Path) -> None:
    db = tmp_path / "since.db"
    with Store.open(db) as store:
        store.save_article(
            _article("https://old.example/a", None, datetime(2026, 11, 1, 9, 0, tzinfo=UTC))
        )
    assert _cli(db, "export", "--since", "2026-11-02", "--format", "jsonl", "--out", "-") == ""
    (line,) = _cli(
        db, "export", "--since", "2026-10-31", "--format", "jsonl", "--out", "-"
    ).splitlines()
    record = json.loads(line)
    assert record["published_at"] is None and record["time_utc"] == "2026-11-01T09:00:00Z"
    hits = _cli(db, "search", "забастовку", "--since", "2026-10-31", "--json").splitlines()
    assert [json.loads(h)["first_seen"] for h in hits] == [True]
    assert _cli(db, "search", "забастовку", "--since", "2026-11-02", "--json") == ""
