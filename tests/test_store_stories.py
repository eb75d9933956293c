"""Stories in a real store: linked on write, independent of arrival order, rebuilt, shown."""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from crawler.app.cli import main
from crawler.core.items import Article, Block
from storage import Store
from storage.migrations import migrations
from storage.queries import get_cluster, list_stories, story_links
from storage.stories import HELD_DAYS, WINDOW_DAYS, StoryIndex
from tests.conftest import DATA, SEED_FILE, need_shared
from tests.story_labels import STORY_HOLDOUT, story_set_corpus
from tests.test_stories import AR_GAS, EN_GAS, EN_OTHER_STATEMENT, RU_GAS

T0 = datetime(2025, 3, 12, 9, 0, tzinfo=UTC)


def article(name: str, language: str, text: tuple[str, list[str]], hours: float) -> Article:
    title, paragraphs = text
    return Article(
        title=title,
        body=tuple(Block(p) for p in paragraphs),
        url=f"https://{name}.example/{language}/{abs(hash(title)) % 10_000}",
        outlet=f"{name}.example",
        published=T0 + timedelta(hours=hours),
        published_source="text",
        published_precision="minute",
        language=language,
        wire_agency="tass",
        fetched_at=T0 + timedelta(hours=hours + 1),
    )


GAS = [
    article("wire", "ru", RU_GAS, 0),
    article("gulf", "ar", AR_GAS, 3),
    article("daily", "en", EN_GAS, 5),
]
OTHER = article("daily", "en", EN_OTHER_STATEMENT, 1)


def save(db: Path, articles: list[Article]) -> Store:
    store = Store.open(db)
    for item in articles:
        store.save_article(item)
    return store


def partition(store: Store) -> set[frozenset[str]]:
    """The stories as sets of article URLs (ids depend on arrival order, URLs do not)."""
    rows = store.db.conn.execute(
        "SELECT c.story_id, a.url FROM articles a JOIN clusters c ON c.id = a.cluster_id"
    ).fetchall()
    groups: dict[int, set[str]] = {}
    for story_id, url in rows:
        groups.setdefault(story_id, set()).add(url)
    return {frozenset(g) for g in groups.values()}


EXPECTED = {frozenset(a.url for a in GAS), frozenset({OTHER.url})}


def test_translations_are_one_story_and_the_other_statement_is_not(tmp_path: Path) -> None:
    with save(tmp_path / "s.db", [*GAS, OTHER]) as store:
        assert partition(store) == EXPECTED
        (story,) = list_stories(store)
        assert story.languages == ("ru", "ar", "en")
        # The story is named after its smallest cluster id: the Russian original's.
        assert story.story_id == story.clusters[0].cluster_id == 1
        links = story_links(store, story.story_id)
        assert {(link.left_id, link.right_id) for link in links} >= {(1, 2), (1, 3)}
        kinds = {e["kind"] for link in links for e in link.evidence}
        assert {"name", "figure", "wire"} <= kinds
        assert store.consistency_problems() == []


@pytest.mark.parametrize("order", [[3, 2, 1, 0], [1, 3, 0, 2], [2, 0, 3, 1]])
def test_stories_do_not_depend_on_arrival_order(tmp_path: Path, order: list[int]) -> None:
    articles = [*GAS, OTHER]
    with save(tmp_path / "s.db", [articles[i] for i in order]) as store:
        assert partition(store) == EXPECTED
        assert store.consistency_problems() == []


def crowd(size: int) -> list[Article]:
    """English reports of the gas story's day naming its minister and places, with figures
    of their own: none is a version of it, and together they make its names common."""
    return [
        article(
            f"local{n}",
            "en",
            (
                f"Varnavin tours Novorossiysk and Kazan sites, visit {n}",
                [
                    f"MOSCOW, March 12. Deputy Energy Minister Oleg Varnavin visited the port "
                    f"of Novorossiysk and a plant in Kazan on his tour number {n}, where "
                    f"{1000 + 37 * n} workers build {200 + 11 * n} new turbines for Egypt.",
                ],
            ),
            2 + n / 10,
        )
        for n in range(size)
    ]


def links_of(store: Store) -> dict[tuple[str, str], tuple[float, list[tuple[str, float]]]]:
    """Each link by its articles' URLs -> its score and evidence weights."""
    rows = store.db.conn.execute(
        "SELECT a1.url, a2.url, l.score, l.evidence FROM story_links l "
        "JOIN articles a1 ON a1.id = l.left_id JOIN articles a2 ON a2.id = l.right_id"
    )
    return {
        (min(left, right), max(left, right)): (
            score,
            sorted((e["key"], e["weight"]) for e in json.loads(evidence)),
        )
        for left, right, score, evidence in rows
    }


def test_a_link_is_judged_again_when_later_articles_make_its_names_common(
    tmp_path: Path,
) -> None:
    pair = GAS[:2]
    with save(tmp_path / "alone.db", pair) as store:
        assert partition(store) == {frozenset(a.url for a in pair)}
    # The day's other reports come after the pair was linked, or before: the same result.
    with (
        save(tmp_path / "after.db", [*pair, *crowd(12)]) as after,
        save(tmp_path / "before.db", [*crowd(12), *pair]) as before,
    ):
        assert links_of(after) == links_of(before) == {}
        assert partition(after) == partition(before)
        assert {a.url for a in pair} not in partition(after)
        assert after.consistency_problems() == []


def test_links_and_their_evidence_do_not_depend_on_arrival_order(tmp_path: Path) -> None:
    corpus = [item.article for item in story_set_corpus(STORY_HOLDOUT)]
    orders = [
        corpus,
        corpus[::-1],
        *(random.Random(seed).sample(corpus, len(corpus)) for seed in range(3)),
    ]
    with save(tmp_path / "listed.db", corpus) as store:
        store.rebuild_index()
        expected = links_of(store), partition(store)
    assert len(expected[0]) >= 20
    for number, order in enumerate(orders):
        with save(tmp_path / f"{number}.db", order) as store:
            assert (links_of(store), partition(store)) == expected, number


def test_a_reprint_joins_the_cluster_and_keeps_the_story(tmp_path: Path) -> None:
    copy = Article(
        title=AR_GAS[0],
        body=tuple(Block(p) for p in AR_GAS[1]),
        url="https://levant.example/ar/copy",
        outlet="levant.example",
        published=T0 + timedelta(hours=4),
        published_source="text",
        language="ar",
        wire_agency="tass",
    )
    with save(tmp_path / "s.db", [*GAS, copy]) as store:
        cluster = get_cluster(store, 2)
        assert cluster is not None and cluster.size == 2
        assert cluster.story_id == 1
        assert cluster.story_languages == ("ar", "ru", "en")
        assert partition(store) == {frozenset({*(a.url for a in GAS), copy.url})}


def test_rebuild_links_the_same_stories(tmp_path: Path) -> None:
    with save(tmp_path / "s.db", [*GAS, OTHER]) as store:
        before = partition(store)
        store.db.conn.execute("DELETE FROM story_links")
        store.db.conn.execute("UPDATE clusters SET story_id = id")
        store.db.conn.commit()
        assert partition(store) != before
        store.rebuild_index()
        assert partition(store) == before == EXPECTED
        assert store.consistency_problems() == []


def test_each_article_is_one_row_and_the_keys_stay_queryable_by_day(tmp_path: Path) -> None:
    with save(tmp_path / "s.db", GAS) as store:
        conn = store.db.conn
        day = T0.date().toordinal()
        texts = conn.execute("SELECT article_id, day, language, keys FROM story_texts").fetchall()
        assert [(r[0], r[1], r[2]) for r in texts] == [
            (1, day, "ru"),
            (2, day, "ar"),
            (3, day, "en"),
        ]
        assert json.loads(texts[1][3])["n:frnfn"] == "فارنافين"
        # The views keep the inverted index queryable where the writer holds it in memory.
        rows = conn.execute(
            "SELECT article_id, shown FROM story_keys WHERE key = 'n:frnfn' AND day = ? "
            "ORDER BY article_id",
            [day],
        ).fetchall()
        assert rows == [(1, "Варнавин"), (2, "فارنافين"), (3, "Varnavin")]
        (count,) = conn.execute(
            "SELECT articles FROM story_key_days WHERE key = 'n:frnfn' AND day = ?", [day]
        ).fetchone()
        assert count == 3


def held_keys(index: StoryIndex, day: int) -> list[dict[str, list[int]]]:
    """What ``index`` holds of the days around ``day``."""
    span = index._span(day - WINDOW_DAYS, day + WINDOW_DAYS)
    return [held.postings for held in span.values() if held.articles]


def test_a_writer_hears_of_what_another_writer_stored(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    day = T0.date().toordinal()
    first = save(db, [GAS[0]])  # holds the Russian original's day in memory
    second = save(db, [GAS[1]])  # another process stores the Arabic translation
    second.close()
    with first:
        first.save_article(GAS[2])  # the English version meets both
        assert held_keys(first.stories, day) == held_keys(StoryIndex(first.db.conn), day)
        assert partition(first) == {frozenset(a.url for a in GAS)}
        # A rebuild elsewhere renumbers every row: the days held are read again.
        with Store.open(db) as third:
            third.rebuild_index()
        first.save_article(OTHER)
        assert held_keys(first.stories, day) == held_keys(StoryIndex(first.db.conn), day)
        assert partition(first) == EXPECTED


def test_a_write_rolled_back_leaves_nothing_held(tmp_path: Path) -> None:
    day = T0.date().toordinal()
    with save(tmp_path / "s.db", [GAS[0]]) as store:
        store.open_group()
        store.save_article(GAS[1])
        store.abandon_group()
        # The next article takes the abandoned one's id, with other keys.
        store.save_article(OTHER)
        assert held_keys(store.stories, day) == held_keys(StoryIndex(store.db.conn), day)
        with pytest.raises(RuntimeError), store.batch():
            store.save_article(GAS[2])
            raise RuntimeError("the batch fails after the article's savepoint")
        assert held_keys(store.stories, day) == held_keys(StoryIndex(store.db.conn), day)
        assert partition(store) == {frozenset({GAS[0].url}), frozenset({OTHER.url})}


def run(db: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_command_line_shows_stories_and_their_evidence(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    save(db, [*GAS, OTHER]).close()
    (line,) = run(db, "stories", "--json").splitlines()
    story = json.loads(line)
    assert story["languages"] == ["ru", "ar", "en"]
    assert [c["language"] for c in story["clusters"]] == ["ru", "ar", "en"]

    clusters = [
        json.loads(x) for x in run(db, "clusters", "list", "--min-size", "1", "--json").splitlines()
    ]
    by_language = {c["language"]: c for c in clusters if c["story_id"] == 1}
    assert set(by_language) == {"ru", "ar", "en"}
    assert by_language["ar"]["story_languages"] == ["ar", "ru", "en"]
    assert [c["story_languages"] for c in clusters if c["story_id"] != 1] == [["en"]]

    shown = run(db, "clusters", "show", "2", "--width", "100")
    assert "in other languages (story 1: ar ru en)" in shown
    assert "[ru] cluster 1" in shown and "before this cluster (earlier)" in shown
    assert "name: فارنافين = Варнавин" in shown
    assert "figure: ١٫٥ مليار = 1,5 млрд" in shown
    record = json.loads(run(db, "clusters", "show", "2", "--json"))
    versions = {v["language"]: v for v in record["other_languages"]}
    assert versions["ru"]["seconds_after"] == -3 * 3600
    assert versions["ru"]["links"][0]["evidence"][0]["this"]

    hits = [
        json.loads(x) for x in run(db, "search", "Varnavin", "--story", "1", "--json").splitlines()
    ]
    assert {h["language"] for h in hits} == {"en"} and len(hits) == 1
    exported = run(db, "export", "--format", "jsonl", "--out", "-", "--story", "1")
    rows = [json.loads(x) for x in exported.splitlines()]
    assert sorted(r["language"] for r in rows) == ["ar", "en", "ru"]
    assert {r["story_id"] for r in rows} == {1}
    assert "story 1:" in run(db, "stories")


def test_evidence_keys_of_an_older_store_become_one_row_per_article(tmp_path: Path) -> None:
    db = Database(tmp_path / "s.db")
    migrations.apply(db, stop_before="m013_story_texts")
    for article_id, key, shown in ((1, "n:frnfn", "Варнавин"), (1, "f:1.5e9", "1,5 млрд")):
        db.execute(
            "INSERT INTO story_keys (key, day, article_id, language, shown) VALUES (?, 9, ?, ?, ?)",
            [key, article_id, "ru", shown],
        )
    db.execute("INSERT INTO story_key_days (key, day, articles) VALUES ('n:frnfn', 9, 1)")
    db.close()
    with Store.open(tmp_path / "s.db", check_index=False) as store:
        conn = store.db.conn
        ((article_id, day, language, keys),) = conn.execute(
            "SELECT article_id, day, language, keys FROM story_texts"
        ).fetchall()
        assert (article_id, day, language) == (1, 9, "ru")
        assert json.loads(keys) == {"n:frnfn": "Варнавин", "f:1.5e9": "1,5 млрд"}
        assert conn.execute("SELECT key, articles FROM story_key_days ORDER BY key").fetchall() == [
            ("f:1.5e9", 1),
            ("n:frnfn", 1),
        ]


def test_an_old_store_gets_stories_through_its_migration(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    save(db, GAS).close()
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM clusters WHERE story_id IS NULL").fetchone() == (0,)
    assert "m012_stories" in {r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")}
    conn.close()


def test_the_seed_and_its_english_edition_are_one_story(tmp_path: Path) -> None:
    """The real seed with the crosslang set: one translation, three texts that are not."""
    folder = need_shared(DATA / "crosslang")
    db = tmp_path / "s.db"
    run(db, "import", str(need_shared(SEED_FILE)), str(folder))
    store = Store.open(db, readonly=True)
    with store:
        rows = store.db.conn.execute(
            "SELECT coalesce(a.source_file, ''), c.story_id FROM articles a "
            "JOIN clusters c ON c.id = a.cluster_id"
        ).fetchall()
        story_of = {Path(name).name: story for name, story in rows}
        seed = story_of[SEED_FILE.name]
        assert story_of["en_russia-islworld_csto-nato_2022-02-09.txt"] == seed
        others = [n for n in story_of if n.startswith("ru_")]
        assert len(others) == 3
        assert all(story_of[n] != seed for n in others)
        links = story_links(store, seed)
        assert len(links) == 1
        shown = {(e["kind"], e["right"]) for e in links[0].evidence}
        assert {("name", "Pankin"), ("name", "Valdai")} <= shown


def test_cluster_page_shows_the_other_languages_side_by_side(tmp_path: Path) -> None:
    import asyncio

    from crawler.app.web.server import make_datasette

    db = tmp_path / "wires.db"
    save(db, [*GAS, OTHER]).close()
    ds = make_datasette(db)
    try:

        async def get() -> str:
            response = await ds.client.get("/-/wirecrawl/wires/clusters/1")
            assert response.status_code == 200
            return response.text

        html = asyncio.run(get())
    finally:
        for database in ds.databases.values():
            database.close()
    assert 'id="other-languages"' in html
    assert html.count('class="wc-comparison wc-version"') == 2
    # The Arabic version reads right to left beside the Russian original.
    assert AR_GAS[0] in html and 'dir="rtl" lang="ar"' in html
    assert "name: Варнавин = فارنافين" in html
    assert "after this cluster" in html
    assert EN_OTHER_STATEMENT[0] not in html


def test_a_crawl_reaching_weeks_back_reads_each_day_once(tmp_path: Path) -> None:
    # Feeds list their items by outlet, not by day: a first crawl brings weeks of
    # articles in no order of days, more days than HELD_DAYS.
    days = HELD_DAYS * 2
    articles = [
        article(f"outlet{n % 7}", "en", (f"Report {n} of the harbour", story_lines(n)), 24.0 * d)
        for n, d in enumerate(list(range(days)) * 3)
    ]
    random.Random(5).shuffle(articles)
    reads: list[str] = []
    with Store.open(tmp_path / "weeks.db") as store:
        store.db.conn.set_trace_callback(
            lambda sql: reads.append(sql) if "FROM story_texts WHERE day = " in sql else None
        )
        for item in articles:
            store.save_article(item)
        store.db.conn.set_trace_callback(None)
    # Each day of the span, and the window around it, once: none is read again.
    read_days = [sql.rsplit("=", 1)[1].strip() for sql in reads]
    assert len(read_days) == len(set(read_days))
    assert len(read_days) <= days + 6 * WINDOW_DAYS


def story_lines(n: int) -> list[str]:
    return [
        f"The harbour board met for the {n}th time and approved dredging of berth {n % 13}, "
        f"the board's chairman told reporters after a meeting that lasted {n % 5 + 2} hours.",
        f"Work on the berth is to begin within {n % 9 + 1} weeks and cost about {n * 7} "
        "thousand, according to the board's statement published on its website.",
    ]
