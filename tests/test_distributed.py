"""Two crawler workers and one store-writer over Redis, against a single-process crawl.

Everything is real: Debian's redis-server on a free port of 127.0.0.1 (the
test skips when it is not installed), the demo site as the loopback web,
``wirecrawl worker`` and ``wirecrawl store-writer`` as subprocesses, and the
reference is ``wirecrawl crawl`` of the same feeds into another store. The
clusters are compared as partitions of article keys, keyed by the canonical's.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.app.demo.site import DemoSite

redis = pytest.importorskip("redis", reason="the distributed extra (redis) is not installed")

ROOT = Path(__file__).resolve().parents[1]
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_START_DELAY=0.01", "-s", "LOG_LEVEL=WARNING"]
#: The command line with the distributed commands added (``python -m crawler`` once registered).
CLI = [sys.executable, "-m", "crawler"]
REDIS_SERVER = "/usr/bin/redis-server"

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A fresh redis-server of this test alone, on 127.0.0.1, persisting nothing."""
    server = REDIS_SERVER if Path(REDIS_SERVER).exists() else shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = _free_port()
    folder = tmp_path / "redis"
    folder.mkdir()
    args = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    args += ["--appendonly", "no", "--dir", str(folder)]
    process = subprocess.Popen(
        args,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail(f"redis-server did not start on port {port}")
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def site() -> Iterator[DemoSite]:
    with DemoSite() as demo:
        yield demo


@pytest.fixture(scope="module")
def single(site: DemoSite, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference: one `wirecrawl crawl` of the demo feeds in one process."""
    db = tmp_path_factory.mktemp("single") / "single.db"
    args = [sys.executable, "-m", "crawler", "--db", str(db), "crawl", "--spider", "feeds"]
    for feed in site.feeds():
        args += ["--feeds", feed.url]
    _run(args + FAST, site, timeout=180)
    return db


def _env(site: DemoSite) -> dict[str, str]:
    return {**os.environ, "WIRECRAWL_PROXY": site.proxy_url}


def _run(args: list[str], site: DemoSite, timeout: float = 120) -> subprocess.CompletedProcess:
    result = subprocess.run(
        args, capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=_env(site)
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def _start(args: list[str], site: DemoSite) -> subprocess.Popen:
    return subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=_env(site),
    )


def _finish(process: subprocess.Popen, timeout: float = 120) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-3000:]
    return out


def _rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _partition(db: Path) -> dict[str, frozenset[str]]:
    """Clusters as sets of article keys, keyed by the canonical's key."""
    clusters: dict[str, set[str]] = {}
    for key, canonical in _rows(
        db, "SELECT a.key, c.key FROM articles a JOIN articles c ON c.id = a.cluster_id"
    ):
        clusters.setdefault(canonical, set()).add(key)
    return {canonical: frozenset(keys) for canonical, keys in clusters.items()}


def _add_feeds(db: Path, site: DemoSite) -> None:
    urls = [f.url for f in site.feeds()]
    _run(
        [sys.executable, "-m", "crawler", "--db", str(db), "feeds", "add", "--no-check", *urls],
        site,
    )


def _writer(db: Path, url: str, site: DemoSite, *extra: str) -> subprocess.Popen:
    return _start([*CLI, "--db", str(db), "store-writer", "--redis", url, "--json", *extra], site)


def _workers(url: str, site: DemoSite, count: int = 2) -> list[subprocess.Popen]:
    args = [*CLI, "worker", "--redis", url, "--once", "--spider", "feeds", "--json", *FAST]
    return [_start(args, site) for _ in range(count)]


def _wait_for_due_feeds(url: str, count: int) -> None:
    """Workers with --once exit when nothing is due: start them once the writer handed out."""
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 30
    while client.llen("wirecrawl:due:feed") < count:
        assert time.monotonic() < deadline, "the writer handed out no due feeds"
        time.sleep(0.05)


def test_two_workers_and_a_writer_cluster_like_one_process(
    site: DemoSite, single: Path, redis_url: str, tmp_path: Path
) -> None:
    db = tmp_path / "deployment.db"
    _add_feeds(db, site)
    writer = _writer(db, redis_url, site, "--idle-exit", "3")
    _wait_for_due_feeds(redis_url, len(site.feeds()))
    workers = _workers(redis_url, site)
    summaries = [json.loads(_finish(w).strip().splitlines()[-1]) for w in workers]
    report = json.loads(_finish(writer).strip().splitlines()[-1])

    # Which worker took which feed depends on timing; between them they sent every article.
    sent = sum(s["feeds"]["wirecrawl/records_sent"] for s in summaries)
    assert sent == report["articles_new"] == 59
    # Same articles and the same clusters as one process crawling alone.
    keys = {k for (k,) in _rows(db, "SELECT key FROM articles")}
    assert keys == {k for (k,) in _rows(single, "SELECT key FROM articles")}
    assert _partition(db) == _partition(single)
    # Every feed's poll came back to the store: state, log, entries, the run's figures.
    assert _rows(db, "SELECT count(*) FROM feeds WHERE last_outcome = 'ok'") == [(14,)]
    assert _rows(db, "SELECT status, count(*) FROM feed_entries GROUP BY 1") == [("stored", 59)]
    assert _rows(db, "SELECT kind, count(*) FROM fetch_log GROUP BY 1 ORDER BY 1") == [
        ("feed", 14),
        ("page", 59),
    ]
    run = _rows(db, "SELECT status, feeds_polled, articles_new, reprints FROM crawl_runs")
    single_run = _rows(
        single, "SELECT status, feeds_polled, articles_new, reprints FROM crawl_runs"
    )
    assert run == single_run
    # The shared index saw every article; the queues are empty.
    client = redis.Redis.from_url(redis_url)
    params = json.loads(client.get("wirecrawl:lsh:params"))
    assert client.hlen(params["basename"].encode() + b"_keys") == 59
    assert client.llen("wirecrawl:records") == client.llen("wirecrawl:records:processing") == 0


def test_a_writer_killed_mid_way_loses_nothing(
    site: DemoSite, single: Path, redis_url: str, tmp_path: Path
) -> None:
    db = tmp_path / "deployment.db"
    _add_feeds(db, site)
    # Small batches: the kill falls among many commits, never after one that took everything.
    writer = _writer(db, redis_url, site, "--batch", "5")
    _wait_for_due_feeds(redis_url, len(site.feeds()))
    workers = _workers(redis_url, site)
    deadline = time.monotonic() + 60
    while not _rows(db, "SELECT count(*) FROM articles WHERE 1")[0][0] >= 5:
        assert time.monotonic() < deadline, "the writer stored nothing"
        time.sleep(0.02)
    writer.send_signal(signal.SIGKILL)
    writer.communicate(timeout=10)
    stored_before = _rows(db, "SELECT count(*) FROM articles")[0][0]
    for worker in workers:
        _finish(worker)
    client = redis.Redis.from_url(redis_url)
    waiting = client.llen("wirecrawl:records") + client.llen("wirecrawl:records:processing")
    assert stored_before < 59 and waiting > 0  # the rest waits in Redis

    restarted = _writer(db, redis_url, site, "--idle-exit", "2")
    report = json.loads(_finish(restarted).strip().splitlines()[-1])
    assert report["failed"] == 0
    assert stored_before + report["articles_new"] == 59
    assert _rows(db, "SELECT count(*), count(DISTINCT key) FROM articles") == [(59, 59)]
    assert _partition(db) == _partition(single)
    assert _rows(db, "SELECT status, count(*) FROM feed_entries GROUP BY 1") == [("stored", 59)]
    assert _rows(db, "SELECT count(*) FROM feeds WHERE last_outcome = 'ok'") == [(14,)]


def test_mismatched_index_parameters_are_refused(
    site: DemoSite, redis_url: str, tmp_path: Path
) -> None:
    client = redis.Redis.from_url(redis_url)
    other = {"basename": "wirecrawl:lsh:v1:0000", "params": {"num_perm": "256", "bands": "64"}}
    client.set("wirecrawl:lsh:params", json.dumps(other))
    for args in (
        [*CLI, "worker", "--redis", redis_url, "--once"],
        [*CLI, "--db", str(tmp_path / "x.db"), "store-writer", "--redis", redis_url, "--once"],
    ):
        result = subprocess.run(
            args, capture_output=True, text=True, timeout=60, cwd=ROOT, env=_env(site)
        )
        assert result.returncode == 2, result.stderr
        message = result.stderr.strip()
        assert "num_perm 256 (this version uses 128)" in message
        assert "wirecrawl distributed reset-index" in message
        assert "Traceback" not in message
    # Nothing was crawled or written with the wrong index.
    assert client.llen("wirecrawl:records") == 0
    assert client.get("wirecrawl:lsh:params") == json.dumps(other).encode()


def test_a_second_writer_is_refused(site: DemoSite, redis_url: str, tmp_path: Path) -> None:
    client = redis.Redis.from_url(redis_url)
    # A live writer of another store (this test process stands in for it) holds the lock.
    holder = {"writer": "elsewhere.db", "host": socket.gethostname(), "pid": os.getpid()}
    client.set("wirecrawl:writer", json.dumps(holder), ex=60)
    result = subprocess.run(
        [*CLI, "--db", str(tmp_path / "y.db"), "store-writer", "--redis", redis_url, "--once"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=_env(site),
    )
    assert result.returncode == 2
    assert "another store-writer (elsewhere.db)" in result.stderr


def test_the_shared_index_is_datasketchs_own(redis_url: str) -> None:
    """What workers add is what a plain datasketch ``MinHashLSH.query`` finds in Redis."""
    from datasketch import MinHashLSH

    from crawler.app.distributed import Deployment, SharedIndex, index_storage
    from crawler.core import dedup

    words = [f"word{i}" for i in range(120)]
    copy = ["MOSCOW", "(TASS)", *words[:100]]
    other = [f"other{i}" for i in range(120)]
    deployment = Deployment.connect(redis_url)
    index = SharedIndex.open(deployment)
    signatures = {
        name: dedup.sign(text) for name, text in (("a", words), ("b", copy), ("c", other))
    }
    assert index.add("http://a.example/1", signatures["a"]) == ()
    assert index.add("http://b.example/1", signatures["b"]) == ("http://a.example/1",)
    assert index.add("http://c.example/1", signatures["c"]) == ()
    assert index.add("http://a.example/1", signatures["a"]) == ("http://b.example/1",)  # known

    plain = MinHashLSH(
        num_perm=128,
        params=(dedup.DEFAULT_PARAMS.bands, dedup.DEFAULT_PARAMS.rows),
        storage_config=index_storage(deployment, index.basename),
        prepickle=True,
    )
    found = plain.query(index.minhash(signatures["b"]))
    assert sorted(found) == ["http://a.example/1", "http://b.example/1"]
    assert sorted(plain.keys.keys()) == sorted(
        pickle.dumps(k) for k in ("http://a.example/1", "http://b.example/1", "http://c.example/1")
    )


def test_a_worker_takes_at_most_the_pages_per_poll_setting(
    site: DemoSite, redis_url: str, tmp_path: Path
) -> None:
    """``WIRECRAWL_MAX_PAGES_PER_POLL`` holds for workers too, and a feed over it is cut, not lost.

    A cut makes the spider ask the feed state which entries failed before; a worker
    answers from Redis (it has no SQLite store), and its spider reads the setting
    like any polling spider.
    """
    db = tmp_path / "deployment.db"
    _add_feeds(db, site)
    writer = _writer(db, redis_url, site, "--idle-exit", "3")
    _wait_for_due_feeds(redis_url, len(site.feeds()))
    args = [*CLI, "worker", "--redis", redis_url, "--once", "--spider", "feeds", "--json", *FAST]
    worker = _start([*args, "-s", "WIRECRAWL_MAX_PAGES_PER_POLL=1"], site)
    _out, err = worker.communicate(timeout=180)
    assert worker.returncode == 0, err[-3000:]
    assert "Traceback" not in err and "AttributeError" not in err, err[-3000:]
    _finish(writer)
    pages = _rows(db, "SELECT feed_id, count(*) FROM fetch_log WHERE kind = 'page' GROUP BY 1")
    assert pages and all(count == 1 for _, count in pages), pages
    # The feeds that list more than one entry were cut, and say so; their rest waits.
    stored = _rows(db, "SELECT count(*) FROM articles")[0][0]
    assert stored == len(pages) < 59
    cut = _rows(db, "SELECT count(*) FROM feeds WHERE last_error LIKE '%at most 1 pages per poll%'")
    assert cut[0][0] > 0
    pending = _rows(db, "SELECT count(*) FROM feed_entries WHERE status = 'pending'")[0][0]
    assert stored + pending == 59


def test_a_workers_feed_state_remembers_failed_pages(redis_url: str) -> None:
    from crawler.app.distributed import Deployment, RedisFeedState

    state = RedisFeedState(Deployment.connect(redis_url))
    assert state.new_entries(7, [("a", "http://x.example/a"), ("b", "http://x.example/b")]) == {
        "a",
        "b",
    }
    assert state.new_entries(7, [("a", "http://x.example/a")]) == set()
    state.settle_entry(7, "a", "failed")
    state.settle_entry(7, "b", "failed")
    assert state.failed_entries(7) == {"a", "b"}
    state.settle_entry(7, "b", "known")
    assert state.failed_entries(7) == {"a"}
    assert state.failed_entries(8) == set()


def test_distributed_status_and_reset_index(redis_url: str, tmp_path: Path) -> None:
    from crawler.app.distributed import Deployment, SharedIndex
    from crawler.core import dedup

    deployment = Deployment.connect(redis_url)
    index = SharedIndex.open(deployment)
    for n in range(3):
        index.add(f"http://a.example/{n}", dedup.sign([f"w{n}-{i}" for i in range(80)]))

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLI, *args], capture_output=True, text=True, timeout=60, cwd=ROOT, check=False
        )

    status = cli("distributed", "status", "--redis", redis_url, "--json")
    assert status.returncode == 0, status.stderr
    figures = json.loads(status.stdout)
    assert figures["index_size"] == 3 and figures["records"] == 0 and not figures["writer"]
    text = cli("distributed", "status", "--redis", redis_url)
    assert "in the shared index: 3" in text.stdout and "writer: none" in text.stdout

    reset = cli("distributed", "reset-index", "--redis", redis_url)
    assert reset.returncode == 0, reset.stderr
    deleted = int(reset.stdout.split("(")[1].split()[0])
    assert deleted >= 3
    after = json.loads(cli("distributed", "status", "--redis", redis_url, "--json").stdout)
    assert after["index_size"] == 0
    # Against no Redis at all: one line naming the address, exit 2.
    down = cli("distributed", "status", "--redis", "redis://127.0.0.1:9/0")
    assert down.returncode == 2 and "Traceback" not in down.stderr, down.stderr
    assert "127.0.0.1:9" in down.stderr
