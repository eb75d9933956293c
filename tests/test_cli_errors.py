"""What a user meets on bad input: one-line errors, exit codes, filters that say no.

Each test runs the real command (CliRunner, or a subprocess for crawls) on a
real SQLite store, and checks the message, the exit code and that no
traceback is printed.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.app.cli import main
from storage import Store
from tests.loopback import LoopbackSite, page, rss

ROOT = Path(__file__).resolve().parents[1]
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_START_DELAY=0.01"]


def cli(db: Path, *args: str) -> tuple[int, str, str]:
    """Run ``wirecrawl --db DB ARGS``; (exit code, stdout, stderr)."""
    result = CliRunner().invoke(main, ["--db", str(db), *args])
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("wirecrawl: "), lines[0]
    return lines[0]


# -- 1. feeds: a bad URL is refused, fails alone, is flagged, can be removed --------------------


@pytest.mark.parametrize("no_check", [True, False])
def test_feeds_add_refuses_what_is_not_a_url(tmp_path: Path, no_check: bool) -> None:
    db = tmp_path / "w.db"
    flag = ["--no-check"] if no_check else []
    code, out, err = cli(db, "feeds", "add", *flag, "nonsense")
    assert code == 1
    assert "nonsense" in one_line(err) and "https://" in err
    assert "added" not in out
    code, out, err = cli(db, "feeds", "add", *flag, "tass.ru/rss/v2.xml")
    assert code == 1
    assert "did you mean https://tass.ru/rss/v2.xml" in one_line(err)
    code, _, err = cli(db, "feeds", "add", *flag, "ftp://tass.ru/rss.xml")
    assert code == 1 and "only http and https" in one_line(err)
    with Store.open(db, readonly=True) as store:
        assert store.count("feeds") == 0


def test_feeds_remove(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    code, _, _ = cli(db, "feeds", "add", "--no-check", "https://tass.ru/rss/v2.xml")
    assert code == 0
    code, out, _ = cli(db, "feeds", "remove", "https://tass.ru/rss/v2.xml")
    assert code == 0 and "removed: https://tass.ru/rss/v2.xml" in out
    code, _, err = cli(db, "feeds", "remove", "https://tass.ru/rss/v2.xml")
    assert code == 1 and "no feed https://tass.ru/rss/v2.xml" in one_line(err)
    code, out, _ = cli(db, "feeds", "list", "--json")
    assert out == ""


@pytest.mark.slow
def test_one_bad_feed_fails_alone_and_is_flagged(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    good = "http://good.example/feed.xml"
    # A store written by an older version (or by sqlite-utils) may hold any text as a feed URL.
    with Store.open(db) as store:
        store.add_feed("nonsense")
        store.add_feed(good)
    with LoopbackSite() as site:
        site.set(good, body=rss("Good", [{"title": "Port", "link": "http://good.example/a1"}]))
        site.set(
            "http://good.example/a1",
            body=page("Port story", [f"The harbour board met for the {n} time." * 8 for n in "ab"]),
        )
        result = subprocess.run(
            [sys.executable, "-m", "crawler", "--db", str(db), "crawl", "--json", *FAST],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
            env={**os.environ, "WIRECRAWL_PROXY": site.proxy_url},
        )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    # Quiet by default: no Scrapy INFO log, a progress line and the bad feed's warning.
    assert "INFO" not in result.stderr
    assert len(result.stderr.splitlines()) < 10, result.stderr
    run = json.loads(result.stdout.strip().splitlines()[-1])
    assert run["feeds_polled"] == 2 and run["errors"] == 1
    assert run["articles_new"] == 1
    conn = sqlite3.connect(db)
    outcomes = dict(conn.execute("SELECT url, last_outcome FROM feeds"))
    conn.close()
    assert outcomes == {"nonsense": "bad_url", good: "ok"}
    code, out, _ = cli(db, "feeds", "doctor")
    assert code == 1
    assert "bad-url" in out and "nonsense" in out and "wirecrawl feeds remove nonsense" in out


def test_crawl_refuses_a_feeds_argument_that_is_neither_file_nor_url(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    code, _, err = cli(db, "crawl", "--feeds", "feeds.opml")
    assert code == 1
    assert "feeds.opml" in one_line(err) and "no such OPML file" in err
