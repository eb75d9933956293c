"""Extraction in worker processes (crawler.glue.extraction): same records, nothing lost.

The pool runs real worker processes (``python -m crawler.glue.extraction``); the
pages are our own, in English, Russian and Arabic.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from crawler.core import dedup
from crawler.core.extract import ExtractionError, ExtractOptions
from crawler.core.feeds import FeedParseError, parse_feed
from crawler.glue.extraction import (
    MAX_AUTO_PROCESSES,
    ExtractedPage,
    ExtractionPool,
    extract_page,
    usable_cpus,
    worker_count,
)
from tests.loopback import page, rss

ROOT = Path(__file__).resolve().parents[1]
OPTIONS = ExtractOptions(fetched_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
PARAMS = dedup.DEFAULT_PARAMS

PAGES = {
    "https://port.example/news/grain": page(
        "Grain shipments through the port rose by a fifth in February",
        [
            "Grain shipments through the port of Aktau rose by 21.5% in February, to 1,250,000 "
            "tonnes, the port authority said on Monday in its monthly report on cargo.",
            "Most of the grain went to Iran and Azerbaijan, and the authority expects the "
            "figure to grow again in March once the new terminal opens its second berth.",
            "The terminal, built over two years, can load two ships at once and store "
            "up to 60,000 tonnes of grain in its silos, according to the operator.",
        ],
        published="2026-03-02T08:15:00+00:00",
    ),
    "https://gazeta.example/news/zerno": page(
        "Отгрузка зерна через порт выросла на пятую часть",
        [
            "Отгрузка зерна через порт Актау в феврале выросла на 21,5% и составила "
            "1,25 млн тонн, сообщила в понедельник администрация порта в ежемесячном отчёте.",
            "Большая часть зерна ушла в Иран и Азербайджан; в администрации ожидают, что "
            "в марте объём вырастет снова, когда новый терминал откроет второй причал.",
            "Терминал, строившийся два года, может грузить два судна одновременно и хранить "
            "до 60 тысяч тонн зерна, по данным оператора.",
        ],
        lang="ru",
        published="2026-03-02T09:40:00+03:00",
    ),
    "https://akhbar.example/news/qamh": page(
        "ارتفاع شحنات الحبوب عبر الميناء بمقدار الخمس",
        [
            "ارتفعت شحنات الحبوب عبر ميناء أكتاو في شباط/فبراير بنسبة ٢١٫٥٪ لتبلغ ١٫٢٥ مليون "
            "طن، وفق ما أعلنته إدارة الميناء يوم الاثنين في تقريرها الشهري عن البضائع.",
            "وذهب معظم الحبوب إلى إيران وأذربيجان، وتتوقع الإدارة أن يرتفع الرقم مجددا في "
            "آذار/مارس عندما يفتتح المحطة الجديدة رصيفها الثاني.",
            "ويمكن للمحطة التي استغرق بناؤها عامين تحميل سفينتين في وقت واحد وتخزين ما "
            "يصل إلى ٦٠ ألف طن من الحبوب في صوامعها، بحسب الجهة المشغلة.",
        ],
        lang="ar",
        published="2026-03-02T10:05:00+03:00",
    ),
}


def run(coroutine_of: Callable[[ExtractionPool], Any], processes: int = 1) -> Any:
    """Run ``coroutine_of(pool)`` on a fresh pool, closing the pool afterwards."""
    pool = ExtractionPool(processes)

    async def main() -> Any:
        try:
            return await coroutine_of(pool)
        finally:
            pool.close()

    return asyncio.run(main())


def same_page(a: ExtractedPage, b: ExtractedPage) -> None:
    assert a.article == b.article
    assert a.story_keys == b.story_keys
    assert (a.text is None) == (b.text is None)
    if a.text is not None and b.text is not None:
        assert a.text.block_texts == b.text.block_texts
        assert np.array_equal(a.text.hashes, b.text.hashes)
        assert a.text.edge_hashes == b.text.edge_hashes
        assert a.text.presigned is not None and b.text.presigned is not None
        assert np.array_equal(a.text.presigned.keys, b.text.presigned.keys)


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


# -- the setting -------------------------------------------------------------------------


def test_auto_leaves_one_cpu_to_the_crawl() -> None:
    assert worker_count("auto") == max(0, min(MAX_AUTO_PROCESSES, usable_cpus() - 1))
    assert worker_count(None) == worker_count("auto")
    assert worker_count(" 3 ") == 3
    assert worker_count(0) == 0


@pytest.mark.parametrize("value", ["-1", "many", "1.5"])
def test_a_bad_setting_is_refused_with_its_name(value: str) -> None:
    with pytest.raises(ValueError, match="WIRECRAWL_EXTRACT_PROCESSES"):
        worker_count(value)


# -- what crosses ------------------------------------------------------------------------


def test_pages_extracted_in_workers_equal_pages_extracted_here() -> None:
    here = [extract_page(body, url, OPTIONS, {}, None, PARAMS) for url, body in PAGES.items()]

    async def extract_all(pool: ExtractionPool) -> list[ExtractedPage]:
        calls = [
            pool.run(extract_page, body, url, OPTIONS, {}, None, PARAMS)
            for url, body in PAGES.items()
        ]
        return list(await asyncio.gather(*calls))

    there = run(extract_all, processes=2)
    for a, b in zip(here, there, strict=True):
        same_page(a, b)
    languages = [p.article.language for p in there]
    assert languages == ["en", "ru", "ar"]
    # The Arabic figures were read in the worker as they are here.
    assert there[2].story_keys is not None
    assert any(key.startswith("f:") for key in there[2].story_keys)


def test_without_dedup_parameters_only_the_article_comes_back() -> None:
    url, body = next(iter(PAGES.items()))
    got = run(lambda pool: pool.run(extract_page, body, url, OPTIONS, {}, None, None))
    assert got.text is None and got.story_keys is None
    assert got.article.title.startswith("Grain shipments")


def test_errors_cross_with_their_message_and_fields() -> None:
    empty = page("Nothing here", ["Subscribe."])

    async def both(pool: ExtractionPool) -> tuple[BaseException, BaseException]:
        errors: list[BaseException] = []
        with pytest.raises(ExtractionError) as no_text:
            await pool.run(extract_page, empty, "https://x.example/a", OPTIONS, {}, None, None)
        errors.append(no_text.value)
        with pytest.raises(FeedParseError) as not_a_feed:
            await pool.run(
                parse_feed, PAGES["https://port.example/news/grain"], "https://x.example/rss"
            )
        errors.append(not_a_feed.value)
        return errors[0], errors[1]

    no_text, not_a_feed = run(both)
    assert "https://x.example/a" in str(no_text)
    with pytest.raises(FeedParseError) as here:
        parse_feed(PAGES["https://port.example/news/grain"], "https://x.example/rss")
    assert isinstance(not_a_feed, FeedParseError)
    assert (not_a_feed.kind, not_a_feed.url, str(not_a_feed)) == (
        here.value.kind,
        here.value.url,
        str(here.value),
    )


def test_feeds_parsed_in_a_worker_equal_feeds_parsed_here() -> None:
    body = rss(
        "Лента новостей",
        [
            {
                "title": "Отгрузка зерна выросла",
                "link": "https://gazeta.example/news/zerno",
                "guid": "zerno-1",
                "pubDate": "Mon, 02 Mar 2026 09:40:00 +0300",
                "description": "Отгрузка зерна через порт Актау в феврале выросла на 21,5%.",
            }
        ],
    )
    there = run(lambda pool: pool.run(parse_feed, body, "https://gazeta.example/rss"))
    assert there == parse_feed(body, "https://gazeta.example/rss")


def test_what_a_worker_prints_does_not_reach_the_answers() -> None:
    url, body = next(iter(PAGES.items()))

    async def noisy(pool: ExtractionPool) -> ExtractedPage:
        await pool.run(print, "a line on the worker's stdout")
        return await pool.run(extract_page, body, url, OPTIONS, {}, None, PARAMS)

    same_page(run(noisy), extract_page(body, url, OPTIONS, {}, None, PARAMS))


def test_no_workers_runs_the_call_here() -> None:
    url, body = next(iter(PAGES.items()))
    pool = ExtractionPool(0)
    got = asyncio.run(pool.run(extract_page, body, url, OPTIONS, {}, None, PARAMS))
    assert pool.worker_pids() == []
    same_page(got, extract_page(body, url, OPTIONS, {}, None, PARAMS))


# -- workers that stop ---------------------------------------------------------------------


def test_a_worker_killed_mid_page_loses_no_page() -> None:
    url, body = next(iter(PAGES.items()))
    pool = ExtractionPool(1)

    async def main() -> tuple[ExtractedPage, ExtractedPage]:
        pool.start()
        pid = pool.worker_pids()[0]
        # The worker is still importing: the page is surely in flight when it dies.
        call = asyncio.ensure_future(pool.run(extract_page, body, url, OPTIONS, {}, None, PARAMS))
        await asyncio.sleep(0)
        os.kill(pid, signal.SIGKILL)
        first = await call
        later = await pool.run(extract_page, body, url, OPTIONS, {}, None, PARAMS)
        assert pool.worker_pids() and pool.worker_pids()[0] != pid
        return first, later

    try:
        first, later = asyncio.run(main())
    finally:
        pool.close()
    assert pool.fallbacks == 1
    expected = extract_page(body, url, OPTIONS, {}, None, PARAMS)
    same_page(first, expected)
    same_page(later, expected)


def test_workers_ignore_sigterm_and_exit_when_the_pool_closes() -> None:
    url, body = next(iter(PAGES.items()))
    pool = ExtractionPool(1)

    async def main() -> list[int]:
        await pool.run(extract_page, body, url, OPTIONS, {}, None, None)
        pids = pool.worker_pids()
        os.kill(pids[0], signal.SIGTERM)
        got = await pool.run(extract_page, body, url, OPTIONS, {}, None, None)
        assert got.article.title.startswith("Grain shipments")
        assert pool.worker_pids() == pids
        return pids

    pids = asyncio.run(main())
    pool.close()
    assert pool.fallbacks == 0
    assert not _running(pids[0])


def test_workers_leave_when_the_crawl_process_is_killed() -> None:
    script = textwrap.dedent(
        """
        import asyncio, os, signal, sys
        from crawler.glue.extraction import ExtractionPool, extract_page
        from crawler.core.extract import ExtractOptions
        from tests.loopback import page

        body = page("A headline", ["A paragraph of news that goes on for a while. " * 8])

        async def main():
            pool = ExtractionPool(2)
            url = "https://x.example/a"
            await asyncio.gather(*[
                pool.run(extract_page, body, url, ExtractOptions(), {}, None, None)
                for _ in range(4)
            ])
            print(*pool.worker_pids(), flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

        asyncio.run(main())
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == -signal.SIGKILL, result.stderr[-2000:]
    pids = [int(p) for p in result.stdout.split()]
    assert len(pids) == 2
    deadline = time.monotonic() + 10
    while any(_running(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_running(p) for p in pids)
