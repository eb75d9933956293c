"""`wirecrawl feeds ...` through CliRunner: add with discovery, OPML, status, doctor, move."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from crawler.app.cli import main
from crawler.app.cli.feeds import DEFAULT_FEEDS
from crawler.core.items import FetchRecord
from storage import Store
from tests.conftest import DATA, need_shared


def run(db: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def test_import_the_default_list_and_export_it(tmp_path: Path) -> None:
    db = tmp_path / "feeds.db"
    out = run(db, "feeds", "import", "--json")
    summary = json.loads(out)
    assert summary["added"] == summary["feeds"] >= 15 and summary["problems"] == 0
    listed = [json.loads(line) for line in run(db, "feeds", "list", "--json").splitlines()]
    urls = {f["url"] for f in listed}
    assert "https://tass.ru/rss/v2.xml" in urls and "https://arabic.rt.com/rss/" in urls
    kinds = {f["url"]: f["kind"] for f in listed}
    assert (
        kinds["https://www.reuters.com/arc/outboundfeeds/news-sitemap-index/?outputType=xml"]
        == "sitemap"
    )
    assert {f["category"] for f in listed} == {"Arabic", "Russian", "English"}
    # Importing again adds nothing; export gives an OPML that reads back to the same feeds.
    assert json.loads(run(db, "feeds", "import", "--json"))["added"] == 0
    exported = tmp_path / "out.opml"
    run(db, "feeds", "export", "--out", str(exported))
    other = tmp_path / "other.db"
    json.loads(run(other, "feeds", "import", "--json", str(exported)))
    assert {
        f["url"] for f in map(json.loads, run(other, "feeds", "list", "--json").splitlines())
    } == {u for u, k in kinds.items() if k == "feed"}
    assert DEFAULT_FEEDS.exists()


def test_import_real_broken_opml_reports_problems(tmp_path: Path) -> None:
    folder = need_shared(DATA / "opml")
    broken = None
    from crawler.core.opml import parse_opml

    for path in sorted(folder.rglob("*.opml")):
        if parse_opml(path.read_bytes()).problems:
            broken = path
            break
    assert broken is not None
    result = CliRunner().invoke(
        main, ["--db", str(tmp_path / "o.db"), "feeds", "import", str(broken)]
    )
    assert result.exit_code == 0
    assert "problem" in result.output and broken.name in result.output


def _record(
    store: Store, feed_id: int, url: str, outcome: str, status: int | None, **more: Any
) -> None:
    from datetime import UTC, datetime

    store.record_fetch(
        FetchRecord(
            kind="feed",
            url=url,
            fetched_at=datetime.now(UTC),
            outcome=outcome,
            feed_id=feed_id,
            status=status,
            **more,
        )
    )


def test_status_and_doctor(tmp_path: Path) -> None:
    db = tmp_path / "doctor.db"
    with Store.open(db) as store:
        ok, _ = store.add_feed("http://ok.example/feed.xml")
        gone, _ = store.add_feed("http://gone.example/feed.xml")
        moved, _ = store.add_feed("http://old.example/feed.xml")
        html, _ = store.add_feed("http://html.example/feed.xml")
        _record(store, ok, "http://ok.example/feed.xml", "ok", 200, items=5, items_new=5)
        _record(
            store,
            gone,
            "http://gone.example/feed.xml",
            "http_410",
            410,
            error="HTTP 410",
            schedule={"dead": 1, "interval_reason": "dead: 410 Gone"},
        )
        _record(
            store,
            moved,
            "http://old.example/feed.xml",
            "ok",
            200,
            redirected_to="http://new.example/feed.xml",
        )
        _record(
            store,
            html,
            "http://html.example/feed.xml",
            "feed_html",
            200,
            error="got an HTML page instead of a feed",
        )
    status = [json.loads(x) for x in run(db, "feeds", "status", "--json").splitlines()]
    by_url = {s["url"]: s for s in status}
    assert by_url["http://gone.example/feed.xml"]["dead"] is True
    assert by_url["http://gone.example/feed.xml"]["last_status"] == 410
    assert by_url["http://ok.example/feed.xml"]["polls"] == 1
    assert "DEAD" in run(db, "feeds", "status")
    out = run(db, "feeds", "doctor", code=1)
    assert "dead" in out and "http://gone.example/feed.xml" in out
    assert "wirecrawl feeds move http://old.example/feed.xml http://new.example/feed.xml" in out
    assert "html" in out and "instead of a feed" in out
    assert "http://ok.example/feed.xml" not in out
    run(db, "feeds", "move", "http://old.example/feed.xml", "http://new.example/feed.xml")
    assert "old.example" not in run(db, "feeds", "doctor", code=1)
    moved_out = CliRunner().invoke(
        main, ["--db", str(db), "feeds", "move", "http://nope", "http://x"]
    )
    assert moved_out.exit_code == 1 and "there is no feed http://nope" in moved_out.output


def test_crawl_without_feeds_says_what_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "e.db"), "crawl"])
    assert result.exit_code == 1
    assert "wirecrawl feeds import" in result.output


@pytest.mark.parametrize("pair", ["NOEQUALS", "=value"])
def test_bad_setting_override(tmp_path: Path, pair: str) -> None:
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "s.db"), "crawl", "-s", pair])
    assert result.exit_code == 2 and "NAME=VALUE" in result.output
