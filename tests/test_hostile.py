"""Hostile servers: each misbehaviour ends up on its feed's record, and nothing else suffers.

Every case is one real crawl (``python -m crawler crawl`` in a subprocess) of
two feeds on different hosts of one ``HostileSite``: the misbehaving feed and
a good one. The crawl must exit 0 within its time bound; the bad feed's row
in ``feeds`` and its ``fetch_log`` row carry the outcome, status and error
text; the good feed's article is stored; nothing comes from the bad host but
whole articles; and the store is consistent. A last test runs every case in
one crawl, to show that they do not disturb each other either.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from storage import Store
from tests.hostile_site import (
    HostileSite,
    arabic_story,
    challenge_page,
    drip,
    empty_article_page,
    endless,
    entity_bomb,
    feed_in,
    gzip_bomb,
    hang_up_early,
    html_home,
    huge_feed,
    page_in,
    rows,
    russian_story,
    stall_mid_body,
    story,
)
from tests.hostile_site import crawl as run_crawl
from tests.loopback import page, rss

#: DOWNLOAD_TIMEOUT of these crawls, in seconds.
TIMEOUT = 2
#: A stalling response is tried three times (RETRY_TIMES=2), each cut at TIMEOUT.
STALL_BOUND = 3 * TIMEOUT + 20
GOOD_FEED = "http://good.example/feed.xml"
GOOD_PAGE = "http://good.example/g1"

pytestmark = pytest.mark.slow


def crawl(db: Path, proxy: str, *feeds: str, extra: tuple[str, ...] = ()) -> tuple[dict, float]:
    """One quick crawl with these tests' timeouts (see ``tests.hostile_site.crawl``)."""
    return run_crawl(db, proxy, *feeds, extra=("-s", f"DOWNLOAD_TIMEOUT={TIMEOUT}", *extra))


# -- the cases -----------------------------------------------------------------

Setup = Callable[[HostileSite, str], None]


@dataclass(frozen=True)
class Case:
    """A misbehaving feed (set up on its own host) and what the crawl must record."""

    setup: Setup
    #: ``feeds.last_outcome`` and ``feeds.last_status`` of the bad feed.
    outcome: str
    status: int | None
    #: A piece of ``feeds.last_error``; empty when the feed has no error text.
    error: str
    #: (outcome, piece of the error) of the bad host's article page in the fetch log.
    page: tuple[str, str] | None = None
    #: Titles of the (whole) articles the bad host may give.
    titles: tuple[str, ...] = ()
    #: The feed's title as it must be stored (charset cases).
    feed_title: str = ""
    #: Requests the feed URL gets in one crawl (retries included).
    tries: int = 1
    #: Least seconds until the feed's next poll (a Retry-After honoured by the schedule).
    next_poll: float = 0.0
    #: Longest the crawl may take, in seconds.
    bound: float = 20.0
    extra: tuple[str, ...] = ()


def feed_url(host: str) -> str:
    return f"http://{host}/feed.xml"


def body(data: bytes, status: int = 200, /, **headers: str) -> Setup:
    """The feed answers ``data`` with ``status`` and ``headers``."""

    def setup(site: HostileSite, host: str) -> None:
        site.set(feed_url(host), status=status, body=data, headers=headers)

    return setup


def raw(make: Callable[[str], Callable]) -> Setup:
    """The feed is answered by a socket-level behaviour built for its host."""

    def setup(site: HostileSite, host: str) -> None:
        site.raw(feed_url(host), make(host))

    return setup


def one_entry(host: str) -> bytes:
    return rss("One", [{"title": "Story", "link": f"http://{host}/a1", "guid": "a1"}])


def bad_page(answer: Callable[[HostileSite, str], None]) -> Setup:
    """A good feed of one entry whose article page misbehaves."""

    def setup(site: HostileSite, host: str) -> None:
        site.set(feed_url(host), body=one_entry(host))
        answer(site, f"http://{host}/a1")

    return setup


def readable(document: Callable[[str], bytes], title: str) -> Setup:
    """A feed that is broken but readable, whose one entry leads to a good page."""

    def setup(site: HostileSite, host: str) -> None:
        site.set(feed_url(host), body=document(host), headers={"Content-Type": "text/xml"})
        site.set(f"http://{host}/a1", body=page(title, story(host.split(".")[0])))

    return setup


def lying(charset: str, declared: str, title: str, lang: str) -> Setup:
    """A feed and its page encoded in ``charset`` but labelled ``declared``."""
    paragraphs = arabic_story() if lang == "ar" else russian_story()

    def setup(site: HostileSite, host: str) -> None:
        items = [{"title": title, "link": f"http://{host}/a1", "guid": "a1"}]
        site.set(feed_url(host), body=feed_in(charset, declared, title, items))
        site.set(f"http://{host}/a1", body=page_in(charset, declared, title, paragraphs, lang))

    return setup


def redirects(*hops: str) -> Setup:
    """The feed redirects through ``hops`` (paths on its host); the last leads back."""

    def setup(site: HostileSite, host: str) -> None:
        chain = [feed_url(host), *(f"http://{host}{hop}" for hop in hops)]
        for here, there in zip(chain, [*chain[1:], chain[0]], strict=True):
            site.set(here, status=302, headers={"Location": there})

    return setup


def redirect_chain(length: int) -> Setup:
    """The feed redirects through ``length`` distinct URLs, never arriving."""

    def setup(site: HostileSite, host: str) -> None:
        chain = [feed_url(host), *(f"http://{host}/hop{k}" for k in range(length))]
        for here, there in itertools.pairwise(chain):
            site.set(here, status=302, headers={"Location": there})

    return setup


def ten_thousand(site: HostileSite, host: str) -> None:
    site.set(feed_url(host), body=huge_feed(host, 10_000))


def page_loop(site: HostileSite, url: str) -> None:
    site.set(url, status=302, headers={"Location": url + "/b"})
    site.set(url + "/b", status=302, headers={"Location": url})


AR_TITLE = "الناتو يجتمع في بروكسل"
RU_TITLE = "Съезд в Москве завершился"
TRUNCATED = rss("Cut", [{"title": "t", "link": "http://x.invalid/a"}])[:120]
BROKEN_BYTES = (
    rss("Сломанный", [{"title": RU_TITLE, "link": "http://x.invalid/a1"}])
    .replace("Москве".encode(), "Москве".encode() + b"\xff\xfe\xc3")
    .replace(b"x.invalid", b"HOST")
)

CASES: dict[str, Case] = {
    "malformed-xml": Case(
        body(b"<?xml version='1.0'?><rss version='2.0'><channel><<<>>>&&&"),
        "feed_malformed",
        200,
        "malformed feed",
    ),
    "bozo-undefined-entity": Case(
        readable(
            lambda host: one_entry(host).replace(b"<title>One</title>", b"<title>A&nbsp;B</title>"),
            "Entity story",
        ),
        "ok",
        200,
        "undefined entity",
        titles=("Entity story",),
    ),
    "bozo-mismatched-tag": Case(
        readable(
            lambda host: one_entry(host).replace(b"<title>Story</title>", b"<title>S</b></title>"),
            "Mismatched story",
        ),
        "ok",
        200,
        "mismatched tag",
        titles=("Mismatched story",),
    ),
    "arabic-windows-1256-labelled-utf-8": Case(
        lying("cp1256", "utf-8", AR_TITLE, "ar"),
        "ok",
        200,
        "read as windows-1256",
        titles=(AR_TITLE,),
        feed_title=AR_TITLE,
    ),
    "russian-windows-1251-labelled-koi8-r": Case(
        lying("cp1251", "koi8-r", RU_TITLE, "ru"),
        "ok",
        200,
        "read as windows-1251",
        titles=(RU_TITLE,),
        feed_title=RU_TITLE,
    ),
    "russian-koi8-r-labelled-windows-1251": Case(
        lying("koi8-r", "windows-1251", RU_TITLE, "ru"),
        "ok",
        200,
        "read as koi8-r",
        titles=(RU_TITLE,),
        feed_title=RU_TITLE,
    ),
    "invalid-utf-8": Case(
        lambda site, host: site.set(
            feed_url(host), body=BROKEN_BYTES.replace(b"HOST", host.encode())
        ),
        "ok",
        200,
        "invalid UTF-8 byte sequence",
        page=("http_404", "HTTP 404"),
    ),
    "empty-200": Case(body(b""), "feed_empty", 200, "empty response"),
    "html-page": Case(
        body(html_home(), **{"Content-Type": "text/html"}), "feed_html", 200, "HTML page"
    ),
    "bot-challenge-403": Case(
        body(challenge_page(), 403, **{"Content-Type": "text/html"}),
        "feed_challenge",
        403,
        "bot-challenge page",
    ),
    "bot-challenge-503": Case(
        body(challenge_page(), 503, **{"Content-Type": "text/html"}),
        "feed_challenge",
        503,
        "bot-challenge page",
        tries=3,
    ),
    "http-404": Case(body(b"no such feed", 404), "http_404", 404, "HTTP 404"),
    "http-410": Case(body(b"gone", 410), "http_410", 410, "HTTP 410"),
    "http-500": Case(body(b"oops", 500), "http_5xx", 500, "HTTP 500", tries=3),
    "http-503": Case(body(b"busy", 503), "http_5xx", 503, "HTTP 503", tries=3),
    "http-429-retry-after": Case(
        body(b"slow down", 429, **{"Retry-After": "7200"}),
        "http_429",
        429,
        "HTTP 429",
        next_poll=7190,
    ),
    "stall-mid-body": Case(
        raw(lambda host: stall_mid_body(one_entry(host) * 20)),
        "timeout",
        None,
        f"took longer than {float(TIMEOUT)} seconds",
        tries=3,
        bound=STALL_BOUND,
    ),
    "hang-up-mid-body": Case(
        raw(lambda host: hang_up_early(one_entry(host) * 20)),
        "network",
        None,
        "closed the connection before the end of the body",
        tries=3,
    ),
    "redirect-loop": Case(redirects("/b.xml"), "redirect", None, "redirect loop"),
    "redirect-chain-too-long": Case(redirect_chain(8), "redirect", None, "too many redirects"),
    "feed-of-50-mb": Case(
        body(b"<rss>" + b" " * (50 * 1024 * 1024)), "too_large", None, "larger than download max"
    ),
    "gzip-bomb": Case(
        body(gzip_bomb(), **{"Content-Encoding": "gzip", "Content-Type": "application/rss+xml"}),
        "too_large",
        None,
        "DOWNLOAD_MAXSIZE",
    ),
    "entity-expansion-bomb": Case(body(entity_bomb()), "feed_hostile", 200, "entity-expansion"),
    "article-page-of-50-mb": Case(
        bad_page(lambda site, url: site.raw(url, endless())),
        "ok",
        200,
        "",
        page=("too_large", "DOWNLOAD_MAXSIZE"),
    ),
    "article-page-cut-short": Case(
        bad_page(
            lambda site, url: site.raw(url, hang_up_early(page("Cut", story("cut")), after=400))
        ),
        "ok",
        200,
        "",
        page=("network", "closed the connection"),
    ),
    "article-page-without-text": Case(
        bad_page(lambda site, url: site.set(url, body=empty_article_page())),
        "ok",
        200,
        "",
        page=("extract_failed", "no article text"),
    ),
    "article-page-redirect-loop": Case(
        bad_page(page_loop), "ok", 200, "", page=("redirect", "redirect loop")
    ),
}
#: Variations run only in the crawl of every case at once (they cost no crawl of their own).
MORE_CASES: dict[str, Case] = {
    "truncated-xml": Case(body(TRUNCATED), "feed_malformed", 200, "malformed feed"),
    "drip-feed": Case(
        raw(lambda host: drip(one_entry(host), every=0.3)),
        "timeout",
        None,
        f"took longer than {float(TIMEOUT)} seconds",
        tries=3,
        bound=STALL_BOUND,
    ),
    "redirect-to-itself": Case(redirects(), "redirect", None, "redirect loop"),
}
#: Read over several polls in a test of its own.
TEN_THOUSAND = "ten-thousand-entries"
ALL_CASES = {
    **CASES,
    **MORE_CASES,
    TEN_THOUSAND: Case(
        ten_thousand,
        "ok",
        200,
        "9980 of 10000 entries to fetch left for the next polls",
        extra=("-s", "WIRECRAWL_MAX_PAGES_PER_POLL=20"),
    ),
}


def host_of(name: str) -> str:
    return f"{name}.example"


@pytest.fixture(scope="module")
def site() -> Iterator[HostileSite]:
    with HostileSite() as hostile:
        hostile.set(GOOD_FEED, body=rss("Good", [{"title": "G", "link": GOOD_PAGE}]))
        hostile.set(GOOD_PAGE, body=page("Good story", story("harbour")))
        for name, case in ALL_CASES.items():
            case.setup(hostile, host_of(name))
        yield hostile


def check(db: Path, name: str, case: Case) -> None:
    """What every case must leave behind (see the module doc)."""
    host = host_of(name)
    url = feed_url(host)
    (outcome, status, error, title, dead, due, fetched), *_ = rows(
        db,
        "SELECT last_outcome, last_status, coalesce(last_error, ''), coalesce(title, ''), dead, "
        "next_due_at, last_fetched_at FROM feeds WHERE url = ?",
        url,
    )
    assert (outcome, status) == (case.outcome, case.status), (name, error)
    if case.error:
        assert case.error in error, (name, error)
    else:
        assert error == "", (name, error)
    if case.feed_title:
        assert title == case.feed_title
    assert dead == (1 if case.outcome == "http_410" else 0)
    wait = datetime.fromisoformat(due) - datetime.fromisoformat(fetched)
    assert wait.total_seconds() >= case.next_poll, name
    logged = rows(
        db, "SELECT outcome, status, coalesce(error, '') FROM fetch_log WHERE url = ?", url
    )
    assert logged[-1][:2] == (case.outcome, case.status), (name, logged)
    if case.page is not None:
        pages = rows(
            db,
            "SELECT outcome, coalesce(error, '') FROM fetch_log WHERE kind = 'page' AND url LIKE ?",
            f"http://{host}/%",
        )
        assert pages, name
        assert pages[0][0] == case.page[0] and case.page[1] in pages[0][1], (name, pages)
        entries = rows(
            db,
            "SELECT e.status FROM feed_entries e JOIN feeds f ON f.id = e.feed_id WHERE f.url = ?",
            url,
        )
        assert entries == [("failed",)], name
    # Only whole articles from the bad host, and none at all from a failure.
    stored = rows(
        db,
        "SELECT title, word_count, cluster_id FROM articles WHERE url LIKE ?",
        f"http://{host}/%",
    )
    assert sorted(t for t, _, _ in stored) == sorted(case.titles), (name, stored)
    assert all(words >= 10 and cluster for _, words, cluster in stored)
    # The good feed is untouched.
    assert rows(db, "SELECT last_outcome FROM feeds WHERE url = ?", GOOD_FEED) == [("ok",)]
    assert rows(db, "SELECT title FROM articles WHERE url = ?", GOOD_PAGE) == [("Good story",)]
    with Store.open(db, readonly=True) as store:
        assert store.consistency_problems() == []
        assert store.db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def crawl_case(site: HostileSite, db: Path, name: str) -> None:
    """Crawl case ``name`` beside the good feed, and check what it left."""
    case = ALL_CASES[name]
    url = feed_url(host_of(name))
    before = len(site.seen(url))
    run, took = crawl(db, site.proxy_url, url, GOOD_FEED, extra=case.extra)
    assert took < case.bound, f"{name}: the crawl took {took:.1f} s"
    assert len(site.seen(url)) - before == case.tries, name
    assert run["status"] == "finished"
    assert run["errors"] == (1 if case.outcome != "ok" else 0)
    assert run["articles_new"] == 1 + len(case.titles)
    check(db, name, case)


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_feed_beside_a_good_one(site: HostileSite, tmp_path: Path, name: str) -> None:
    crawl_case(site, tmp_path / "hostile.db", name)


def test_ten_thousand_entries_are_read_over_several_polls(
    site: HostileSite, tmp_path: Path
) -> None:
    """The page cap defers entries; they stay pending, and the next poll carries on."""
    db = tmp_path / "huge.db"
    crawl_case(site, db, TEN_THOUSAND)
    crawl(db, site.proxy_url, feed_url(host_of(TEN_THOUSAND)), extra=ALL_CASES[TEN_THOUSAND].extra)
    statuses = dict(rows(db, "SELECT status, count(*) FROM feed_entries GROUP BY status"))
    # Pages already failed go last: the second poll tried 20 new ones.
    assert statuses == {"failed": 40, "pending": 9960, "stored": 1}
    pages = rows(db, "SELECT count(DISTINCT url) FROM fetch_log WHERE kind = 'page'")
    assert pages == [(41,)]


def test_every_hostile_feed_in_one_crawl(tmp_path: Path) -> None:
    """Every case at once, on a fresh site: each feed still gets its own outcome."""
    db = tmp_path / "all.db"
    with HostileSite() as hostile:
        hostile.set(GOOD_FEED, body=rss("Good", [{"title": "G", "link": GOOD_PAGE}]))
        hostile.set(GOOD_PAGE, body=page("Good story", story("harbour")))
        for name, case in ALL_CASES.items():
            case.setup(hostile, host_of(name))
        feeds = [feed_url(host_of(name)) for name in ALL_CASES]
        run, took = crawl(
            db, hostile.proxy_url, *feeds, GOOD_FEED, extra=ALL_CASES[TEN_THOUSAND].extra
        )
    assert took < STALL_BOUND + 30
    assert run["status"] == "finished"
    assert run["feeds_polled"] == len(ALL_CASES) + 1
    for name, case in ALL_CASES.items():
        check(db, name, case)
