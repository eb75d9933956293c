"""Readers while a crawl writes, and two writers on one store.

While a crawl subprocess writes 150 articles, this process reads the store
in a loop the way users do: ``wirecrawl search``, ``clusters list``,
``export --format jsonl`` and ``stats`` (through CliRunner), Datasette's JSON
API, and plain read-only SQL. An ``import`` subprocess writes 120 more
articles at the same time. Every article a reader sees is whole (its
signature and cluster are there: in WAL mode each statement reads a snapshot
of committed transactions, and an article is one transaction), and nothing
fails with "database is locked". A second crawl of the store is refused with
a message naming the first; two imports into one store both finish, each
article stored once.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from crawler.app.cli import main
from storage import Store
from tests.hostile_site import QUICK, ROOT, HostileSite, reprint_site, rows, wire_story

pytestmark = pytest.mark.slow

#: Articles a reader may see without their signature or cluster (must stay 0).
HALF_WRITTEN = (
    "SELECT count(*) FROM articles a "
    "LEFT JOIN signatures s ON s.article_id = a.id "
    "LEFT JOIN clusters c ON c.id = a.cluster_id "
    "WHERE s.article_id IS NULL OR c.id IS NULL"
)


def seed_files(folder: Path, numbers: range) -> Path:
    """Seed-format files, one per number: the same number gives the same article."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in numbers:
        text = f"Imported story {n}\n\n9 февраля 2022\n\n" + "\n\n".join(wire_story(1000 + n))
        (folder / f"story_{n:04d}.txt").write_text(text + "\n", encoding="utf-8")
    return folder


def cli(*args: str) -> subprocess.Popen:
    """A ``wirecrawl`` subprocess."""
    return subprocess.Popen(
        [sys.executable, "-m", "crawler", *args],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def ready(db: Path) -> bool:
    """Whether the crawler has created the store and listed its feeds.

    Feeds are added once every migration has run: a store still being
    created has some of its tables and not yet others.
    """
    if not db.exists() or not rows(db, "SELECT 1 FROM sqlite_master WHERE name = 'feeds'"):
        return False
    return bool(rows(db, "SELECT 1 FROM feeds LIMIT 1"))


class Readers:
    """The readers of the store, each read checked; counts what they saw."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.runner = CliRunner()
        self.seen: list[int] = []
        self.rounds = 0
        self._datasette: Any = None

    def sql(self) -> None:
        conn = sqlite3.connect(f"{self.db.resolve().as_uri()}?mode=ro", uri=True)
        try:
            query = f"SELECT (SELECT count(*) FROM articles), ({HALF_WRITTEN})"
            count, half = conn.execute(query).fetchone()
        finally:
            conn.close()
        assert half == 0, f"{half} half-written article(s) seen among {count}"
        self.seen.append(count)
        with Store.open(self.db, readonly=True) as store:
            assert store.consistency_problems() == []

    def command(self, *args: str) -> str:
        result = self.runner.invoke(main, ["--db", str(self.db), *args])
        assert "locked" not in result.output, result.output
        assert result.exit_code == 0, (args, result.output, result.exception)
        return result.output

    def commands(self) -> None:
        self.command("search", "Report", "--json")
        self.command("stats", "--json")
        for line in self.command("export", "--format", "jsonl", "--out", "-").splitlines():
            record = json.loads(line)
            assert record["cluster_id"] is not None, record

    def datasette(self) -> None:
        from datasette.app import Datasette

        if self._datasette is None:
            self._datasette = Datasette([str(self.db)])
        ds = self._datasette
        name = self.db.stem

        async def ask() -> dict:
            response = await ds.client.get(
                f"/{name}.json?sql={HALF_WRITTEN.replace(' ', '+')}&_shape=array"
            )
            assert response.status_code == 200, response.text
            return response.json()

        (answer,) = asyncio.run(ask())
        assert list(answer.values()) == [0]

    def clusters(self) -> None:
        for line in self.command("clusters", "list", "--json", "--min-size", "1").splitlines():
            cluster = json.loads(line)
            self.command("clusters", "show", str(cluster["cluster_id"]), "--json")

    def round(self) -> None:
        self.sql()
        self.commands()
        self.datasette()
        self.rounds += 1


def start_crawl(db: Path, site: HostileSite, outlets: int, per_outlet: int) -> tuple:
    """A crawl subprocess of a reprint site; returns it and its command-line arguments."""
    feeds = reprint_site(site, outlets, per_outlet, delay=0.2)
    args = ["--db", str(db), "crawl", "--json", *QUICK]
    for feed in feeds:
        args += ["--feeds", feed]
    crawler = subprocess.Popen(
        [sys.executable, "-m", "crawler", *args],
        cwd=ROOT,
        env={**os.environ, "WIRECRAWL_PROXY": site.proxy_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return crawler, args


def test_readers_and_an_import_while_a_crawl_writes(tmp_path: Path) -> None:
    db = tmp_path / "busy.db"
    folder = seed_files(tmp_path / "seeds", range(120))
    with HostileSite() as site:
        crawler, args = start_crawl(db, site, 10, 15)
        readers = Readers(db)
        importer: subprocess.Popen | None = None
        second: subprocess.Popen | None = None
        deadline = time.monotonic() + 180
        while crawler.poll() is None and time.monotonic() < deadline:
            if not ready(db):
                time.sleep(0.05)
                continue
            readers.round()
            stored = readers.seen[-1]
            if second is None and stored > 0:
                # A second writer of the crawling kind is refused, naming the first.
                second = subprocess.Popen(
                    [sys.executable, "-m", "crawler", *args],
                    cwd=ROOT,
                    env={**os.environ, "WIRECRAWL_PROXY": site.proxy_url},
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                importer = cli("--db", str(db), "import", "--json", str(folder))
        out, err = crawler.communicate(timeout=60)
        assert crawler.returncode == 0, err[-3000:]
        assert importer is not None and second is not None, "the crawl ended too soon"
        imported, import_err = importer.communicate(timeout=120)
        _, refused = second.communicate(timeout=60)
    assert importer.returncode == 0, import_err
    assert json.loads(imported)["imported"] == 120
    assert "locked" not in err + import_err
    assert second.returncode == 2
    assert "is being crawled by process" in refused and "--wait" in refused
    crawled = json.loads(out.strip().splitlines()[-1])
    assert crawled["articles_new"] == 150
    # The readers ran while the store was being written, not only before or after.
    assert readers.rounds >= 3, readers.seen
    assert any(0 < n < 270 for n in readers.seen), readers.seen
    readers.round()
    assert readers.seen[-1] == 270
    with Store.open(db, readonly=True) as store:
        assert store.db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_two_imports_into_one_store_both_finish(tmp_path: Path) -> None:
    """SQLite serialises the two writers (busy_timeout); shared files are stored once."""
    db = tmp_path / "two.db"
    first = seed_files(tmp_path / "a", range(0, 300))
    second = seed_files(tmp_path / "b", range(150, 450))
    processes = [cli("--db", str(db), "import", "--json", str(f)) for f in (first, second)]
    results = [p.communicate(timeout=300) for p in processes]
    for process, (_, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err
        assert "locked" not in err
    summaries = [json.loads(out) for out, _ in results]
    assert [s["imported"] + s["known"] for s in summaries] == [300, 300]
    assert sum(s["imported"] for s in summaries) == 450
    (articles, keys), *_ = rows(db, "SELECT count(*), count(DISTINCT key) FROM articles")
    assert articles == keys == 450
    with Store.open(db, readonly=True) as store:
        assert store.consistency_problems() == []


def test_clusters_list_and_show_while_a_crawl_writes(tmp_path: Path) -> None:
    db = tmp_path / "clusters.db"
    with HostileSite() as site:
        crawler, _ = start_crawl(db, site, 6, 15)
        readers = Readers(db)
        deadline = time.monotonic() + 120
        try:
            while crawler.poll() is None and time.monotonic() < deadline:
                if ready(db):
                    readers.clusters()
                else:
                    time.sleep(0.05)
        finally:
            _, err = crawler.communicate(timeout=60)
    assert crawler.returncode == 0, err[-3000:]
