"""The store in Datasette: metadata, facets, search, canned queries and cluster pages.

A small store with known answers is built through ``Store.save_article``:
three wire stories (Arabic from RIA Novosti, Russian from Interfax, English
from AFP, texts of the bundled demo site) first published by a wire desk and
reprinted by other outlets at fixed delays, plus one story of an outlet's own.
Requests go through Datasette's own ASGI client, with the plugin registered
as ``wirecrawl serve`` registers it.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import httpx
import pytest
from click.testing import CliRunner
from datasette.app import Datasette

from crawler.app import demo
from crawler.app.cli.serve import serve_command
from crawler.app.web import pages, plugin
from crawler.app.web.server import make_datasette, register_plugin
from crawler.core import wording
from crawler.core.errors import StoreError
from crawler.core.items import Article, Block
from storage import Store

#: Publication times are relative to now, so that "the last 24 hours" has a known answer.
NOW = datetime.now(UTC).replace(second=0, microsecond=0)
DESK = "wire-desk.example"
NILE = "nile-herald.example"
GULF = "gulf-wire-review.example"
NEVA = "neva-news.example"
LEDGER = "northern-ledger.example"


def _demo(story: str) -> Article:
    (entry,) = [e for e in demo.entries() if e.story == story and e.role == "original"]
    return demo.load_article(entry)


def _copy(
    original: Article,
    outlet: str,
    minutes: int,
    dateline: str,
    *,
    wire: str | None = "same",
) -> Article:
    """A reprint: a dateline, the second paragraph cut, the outlet's own last line."""
    paragraphs = [b.text for b in original.body]
    del paragraphs[1]
    paragraphs[0] = dateline + paragraphs[0]
    paragraphs.append(f"Follow {outlet} for more news.")
    assert original.published is not None
    return replace(
        original,
        title=f"{original.title} ({outlet.split('.')[0]})",
        body=tuple(Block(p) for p in paragraphs),
        url=f"https://{outlet}/news/{original.url.rsplit('/', 1)[-1]}",
        outlet=outlet,
        published=original.published + timedelta(minutes=minutes),
        wire_agency=original.wire_agency if wire == "same" else wire,
    )


def _original(story: str, outlet: str, published: datetime) -> Article:
    article = _demo(story)
    return replace(article, url=f"https://{outlet}/{story}", outlet=outlet, published=published)


ARABIC = _original("library-astrakhan", DESK, NOW - timedelta(hours=3))
ARABIC_NILE = _copy(ARABIC, NILE, 30, "القاهرة - ")
# Drops the attribution: the story is still RIA's, the article names no agency.
ARABIC_GULF = _copy(ARABIC, GULF, 95, "دبي - ", wire=None)
RUSSIAN = _original("festival-nizhny", DESK, NOW - timedelta(days=2))
RUSSIAN_NEVA = _copy(RUSSIAN, NEVA, 12, "Санкт-Петербург. ")
ENGLISH = _original("port-aktau", DESK, NOW - timedelta(hours=30))
ENGLISH_NILE = _copy(ENGLISH, NILE, 240, "CAIRO - ")
ENGLISH_GULF = _copy(ENGLISH, GULF, 600, "DUBAI - ")
ENGLISH_LEDGER = _copy(ENGLISH, LEDGER, 45, "LONDON - ")
# An outlet's own story, reprinted by nobody.
WEATHER = replace(
    demo.load_article(
        next(e for e in demo.entries() if e.file.endswith("nile-herald_weather-week.txt"))
    ),
    outlet=NILE,
    published=NOW - timedelta(hours=5),
)
ARTICLES = [
    ARABIC,
    ARABIC_NILE,
    ARABIC_GULF,
    RUSSIAN,
    RUSSIAN_NEVA,
    ENGLISH,
    ENGLISH_NILE,
    ENGLISH_GULF,
    ENGLISH_LEDGER,
    WEATHER,
]


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The known store, written once for the module."""
    path = tmp_path_factory.mktemp("web") / "wires.db"
    with Store.open(path) as store:
        for article in ARTICLES:
            assert store.save_article(article).created
    return path


@pytest.fixture(scope="module")
def ids(store_path: Path) -> dict[str, int]:
    """Article ids by URL: a story's cluster id is the id of its canonical (the desk's copy)."""
    conn = sqlite3.connect(store_path)
    found = dict(conn.execute("SELECT url, id FROM articles").fetchall())
    conn.close()
    return found


@pytest.fixture
def ds(store_path: Path) -> Iterator[Datasette]:
    """A fresh Datasette on the store per test: its locks belong to one event loop."""
    instance = make_datasette(store_path)
    yield instance
    for database in instance.databases.values():
        database.close()


def fetch(ds: Datasette, *paths: str) -> list[httpx.Response]:
    """GET each path in one event loop."""

    async def run() -> list[httpx.Response]:
        return [await ds.client.get(path) for path in paths]

    return asyncio.run(run())


def rows(ds: Datasette, path: str) -> list[dict[str, Any]]:
    """The rows of a table or query as JSON objects."""
    sep = "&" if "?" in path else "?"
    (response,) = fetch(ds, f"{path}{sep}_shape=array")
    assert response.status_code == 200, response.text
    return response.json()


def test_the_known_store_clusters_as_expected(store_path: Path, ids: dict[str, int]) -> None:
    conn = sqlite3.connect(store_path)
    clusters = dict(conn.execute("SELECT url, cluster_id FROM articles").fetchall())
    conn.close()
    for story in (
        [ARABIC, ARABIC_NILE, ARABIC_GULF],
        [RUSSIAN, RUSSIAN_NEVA],
        [ENGLISH, ENGLISH_NILE, ENGLISH_GULF, ENGLISH_LEDGER],
        [WEATHER],
    ):
        assert {clusters[a.url] for a in story} == {ids[story[0].url]}


def test_metadata_titles_descriptions_and_hidden_index_tables(ds: Datasette) -> None:
    (meta, database, articles) = fetch(ds, "/-/metadata.json", "/wires.json", "/wires/articles")
    tables = meta.json()["databases"]["wires"]["tables"]
    assert tables["articles"]["title"] == "Articles"
    assert "any spelling" in tables["articles"]["description"]
    assert "Jaccard" in tables["articles"]["columns"]["jaccard"]
    assert tables["clusters"]["description"].startswith("Copies of one story")
    visible = {t["name"] for t in database.json()["tables"] if not t["hidden"]}
    assert {"articles", "clusters", "feeds", "crawl_runs", "fetch_log"} <= visible
    assert not visible & {
        "signatures",
        "signature_log",
        "deferred_search",
        "articles_trigram",
        "articles_fts",
    }
    assert "The reprint cluster: the id of its canonical" in articles.text


def test_facets_on_outlet_language_agency_and_date(ds: Datasette) -> None:
    (response,) = fetch(ds, "/wires/articles.json")
    facets = response.json()["facet_results"]
    assert set(facets) == {"outlet", "language", "wire_agency", "time_utc"}
    counts = {f: {v["value"]: v["count"] for v in facets[f]["results"]} for f in facets}
    assert counts["outlet"] == {DESK: 3, NILE: 3, GULF: 2, NEVA: 1, LEDGER: 1}
    assert counts["language"] == {"ar": 4, "ru": 2, "en": 4}
    assert counts["wire_agency"] == {"ria": 2, "interfax": 2, "afp": 4}
    assert facets["time_utc"]["type"] == "date"
    assert sum(counts["time_utc"].values()) == len(ARTICLES)


@pytest.mark.parametrize(
    "query, language",
    [
        ("أستراخان", "ar"),
        ("استراخان", "ar"),  # hamza dropped
        ("المكتبة العلمية", "ar"),
        ("المكتبه العلميه", "ar"),  # ta marbuta as ha
        ("المكـتبة", "ar"),  # tatweel
        ("الْمَكْتَبَة", "ar"),  # harakat
        ("четырех дней", "ru"),  # printed четырёх
        ("Артем Колесников", "ru"),  # printed Артём
        ("Aktau", "en"),
    ],
)
def test_search_box_folds_the_query(ds: Datasette, query: str, language: str) -> None:
    found = rows(ds, f"/wires/articles.json?_search={query}&_col=language")
    assert found and {r["language"] for r in found} == {language}


@pytest.mark.parametrize("query", ['"', "NEAR(", '"(qqq OR', "*", "^", "qqq:"])
def test_search_box_takes_fts_syntax_as_words(ds: Datasette, query: str) -> None:
    (response,) = fetch(ds, f"/wires/articles.json?_search={query}")
    assert response.status_code == 200
    assert response.json()["rows"] == []


def test_sql_functions(ds: Datasette) -> None:
    found = rows(
        ds,
        "/wires.json?sql=select wirecrawl_fold('النـاتو الأمن ёлка') as folded, "
        "wirecrawl_match('الأمن \"منظمة معاهدة\"') as expression, wirecrawl_match('') as empty",
    )
    assert found == [
        {"folded": "الناتو الامن елка", "expression": '"الامن" "منظمه معاهده"', "empty": '""'}
    ]


def test_canned_search(ds: Datasette, ids: dict[str, int]) -> None:
    found = rows(ds, "/wires/search.json?query=الامن+استراخان")
    assert found == [] or all(r["cluster_id"] == ids[ARABIC.url] for r in found)
    found = rows(ds, "/wires/search.json?query=استراخان")
    assert {r["article_id"] for r in found} == {
        ids[ARABIC.url],
        ids[ARABIC_NILE.url],
        ids[ARABIC_GULF.url],
    }
    assert rows(ds, "/wires/search.json?query=") == []


def test_newest_clusters(ds: Datasette, ids: dict[str, int]) -> None:
    found = rows(ds, "/wires/newest_clusters.json")
    assert [(r["cluster_id"], r["size"], r["first_outlet"]) for r in found] == [
        (ids[ARABIC.url], 3, DESK),
        (ids[ENGLISH.url], 4, DESK),
        (ids[RUSSIAN.url], 2, DESK),
    ]
    assert found[0]["title"] == ARABIC.title


def test_biggest_clusters_of_the_last_24_hours(ds: Datasette, ids: dict[str, int]) -> None:
    # The English story (30 hours ago) is bigger but older than a day.
    found = rows(ds, "/wires/biggest_clusters_24h.json")
    assert [(r["cluster_id"], r["size"], r["outlets"]) for r in found] == [(ids[ARABIC.url], 3, 3)]


def test_reprint_timeline(ds: Datasette, ids: dict[str, int]) -> None:
    found = rows(ds, "/wires/reprint_timeline.json?agency=")
    assert [(r["cluster_id"], r["reprinted_by"], r["minutes_later"]) for r in found] == [
        (ids[ARABIC.url], NILE, 30.0),
        (ids[ARABIC.url], GULF, 95.0),
        (ids[ENGLISH.url], LEDGER, 45.0),
        (ids[ENGLISH.url], NILE, 240.0),
        (ids[ENGLISH.url], GULF, 600.0),
        (ids[RUSSIAN.url], NEVA, 12.0),
    ]
    assert {r["first_outlet"] for r in found} == {DESK}
    assert all(0 < r["jaccard"] <= 1 and 0 < r["containment"] <= 1 for r in found)
    only = rows(ds, "/wires/reprint_timeline.json?agency=interfax")
    assert [(r["reprinted_by"], r["minutes_later"]) for r in only] == [(NEVA, 12.0)]


def test_outlets_ranked_by_share_of_reprinted_wire_copy(ds: Datasette) -> None:
    found = rows(ds, "/wires/outlet_wire_share.json")
    assert [
        (r["outlet"], r["articles"], r["reprinted_wire_copy"], r["share_percent"]) for r in found
    ] == [
        (NEVA, 1, 1, 100.0),
        (LEDGER, 1, 1, 100.0),
        (NILE, 3, 2, 66.7),  # its weather column is its own
        (GULF, 2, 1, 50.0),  # its Arabic copy names no agency
        (DESK, 3, 0, 0.0),
    ]


def test_one_outlets_reprints_of_one_agency(ds: Datasette, ids: dict[str, int]) -> None:
    # The story's agency counts even where the copy dropped the attribution.
    found = rows(ds, f"/wires/outlet_agency_reprints.json?outlet={GULF}&agency=ria")
    assert [(r["article_id"], r["first_outlet"], r["minutes_later"]) for r in found] == [
        (ids[ARABIC_GULF.url], DESK, 95.0)
    ]
    found = rows(ds, f"/wires/outlet_agency_reprints.json?outlet={NILE}&agency=afp")
    assert [r["article_id"] for r in found] == [ids[ENGLISH_NILE.url]]
    assert rows(ds, f"/wires/outlet_agency_reprints.json?outlet={DESK}&agency=afp") == []


def test_cluster_page_shows_timeline_reasons_marks_and_rtl(
    ds: Datasette, ids: dict[str, int]
) -> None:
    cluster = ids[ARABIC.url]
    (response,) = fetch(ds, f"/-/wirecrawl/wires/clusters/{cluster}")
    assert response.status_code == 200
    html = response.text
    for article in ARTICLES[:3]:
        assert article.title in html
    assert html.count('<tr class="wc-member') == 3
    assert "+30 min" in html and "+95 min" in html and "first" in html
    assert f"matched to article {cluster}: Jaccard" in html and "containment" in html
    # What a copy added or cut inside a paragraph is marked, not what it shares.
    assert "<ins>" in html and "<mark>" not in html
    # The cut second paragraph, in both copies.
    assert html.count('class="wc-row wc-cut"') == 2
    assert html.count('class="wc-row wc-added"') == 2
    assert 'dir="rtl" lang="ar"' in html
    assert 'class="wc-side-by-side" dir="rtl"' in html


def test_cluster_page_of_a_member_redirects_and_unknown_is_404(
    ds: Datasette, ids: dict[str, int]
) -> None:
    member, missing, wrong_db = fetch(
        ds,
        f"/-/wirecrawl/wires/clusters/{ids[ARABIC_NILE.url]}",
        "/-/wirecrawl/wires/clusters/99999",
        f"/-/wirecrawl/other/clusters/{ids[ARABIC.url]}",
    )
    assert member.status_code == 302
    assert member.headers["location"] == f"/-/wirecrawl/wires/clusters/{ids[ARABIC.url]}"
    assert missing.status_code == 404
    assert wrong_db.status_code == 404


def test_cluster_index_with_filters(ds: Datasette, ids: dict[str, int]) -> None:
    everything, interfax, short, redirect = fetch(
        ds,
        "/-/wirecrawl/wires/clusters",
        "/-/wirecrawl/wires/clusters?wire=interfax",
        "/-/wirecrawl/clusters",
        "/-/wirecrawl/clusters/5",
    )
    for canonical in (ARABIC, RUSSIAN, ENGLISH):
        assert f"/-/wirecrawl/wires/clusters/{ids[canonical.url]}" in everything.text
    assert RUSSIAN.title.replace("«", "&#171;") in interfax.text or "Огни" in interfax.text
    assert ARABIC.title not in interfax.text
    assert short.status_code == 302 and short.headers["location"] == "/-/wirecrawl/wires/clusters"
    assert redirect.headers["location"] == "/-/wirecrawl/wires/clusters/5"


def test_cluster_ids_link_to_cluster_pages(ds: Datasette, ids: dict[str, int]) -> None:
    articles, query = fetch(ds, "/wires/articles", "/wires/newest_clusters")
    link = f'href="/-/wirecrawl/wires/clusters/{ids[ARABIC.url]}"'
    assert link in articles.text
    assert link in query.text
    assert "Reprint clusters" in articles.text  # the menu link


def test_stylesheet_is_served(ds: Datasette) -> None:
    css, missing = fetch(ds, "/-/wirecrawl/static/wirecrawl.css", "/-/wirecrawl/static/nothing.css")
    assert css.status_code == 200 and "wc-side-by-side" in css.text
    assert css.headers["content-type"].startswith("text/css")
    assert missing.status_code == 404


def test_served_store_cannot_be_written(ds: Datasette) -> None:
    database = ds.get_database("wires")

    async def write() -> None:
        await database.execute_write("DELETE FROM articles")

    with pytest.raises(sqlite3.OperationalError, match=r"readonly|query_only|read-only"):
        asyncio.run(write())
    (response,) = fetch(ds, "/wires.json?sql=delete+from+articles")
    assert response.status_code == 400
    assert len(rows(ds, "/wires/articles.json?_col=id&_size=max")) == len(ARTICLES)


def test_metadata_file_serves_a_store_named_wirecrawl(tmp_path: Path, store_path: Path) -> None:
    # `datasette wirecrawl.db -m crawler/app/web/metadata.json`, the plugin installed.
    path = tmp_path / "wirecrawl.db"
    path.write_bytes(store_path.read_bytes())
    register_plugin()
    ds = Datasette([str(path)], metadata=json.loads(plugin.METADATA_FILE.read_text("utf-8")))
    (queries,) = fetch(ds, "/wirecrawl.json")
    names = {q["name"] for q in queries.json()["queries"]}
    assert names == {
        "search",
        "newest_clusters",
        "biggest_clusters_24h",
        "reprint_timeline",
        "outlet_wire_share",
        "outlet_agency_reprints",
    }
    assert len(rows(ds, "/wirecrawl/newest_clusters.json")) == 3


def test_a_database_that_is_not_a_store_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIRTUAL TABLE notes USING fts5(text)")
    conn.execute("INSERT INTO notes VALUES ('ёлка')")
    conn.commit()
    conn.close()
    register_plugin()
    ds = Datasette([str(path)])
    index, search = fetch(ds, "/-/wirecrawl/clusters", "/notes/notes.json?_search=ёлка")
    assert index.status_code == 404
    # Datasette's own escape_fts, unfolded: ёлка is still found as ёлка.
    assert len(search.json()["rows"]) == 1
    assert plugin.stores(ds) == frozenset()


def test_serve_refuses_a_missing_store(tmp_path: Path) -> None:
    @click.group()
    @click.option("--db", "db_path", type=click.Path(path_type=Path))
    @click.pass_context
    def group(ctx: click.Context, db_path: Path) -> None:
        ctx.obj = db_path

    group.add_command(serve_command)
    result = CliRunner().invoke(group, ["--db", str(tmp_path / "none.db"), "serve"])
    assert isinstance(result.exception, StoreError)
    assert "there is no store at" in str(result.exception)
    help_text = CliRunner().invoke(group, ["serve", "--help"]).output
    assert "--host" in help_text and "--port" in help_text and "read-only" in help_text


DIRECTIONS = [
    ("ar", "rtl"),
    ("fa", "rtl"),
    ("ur", "rtl"),
    ("he", "rtl"),
    ("ar-EG", "rtl"),
    ("ru", "ltr"),
    ("en", "ltr"),
    ("", "auto"),
]


@pytest.mark.parametrize("language, expected", DIRECTIONS)
def test_text_direction(language: str, expected: str) -> None:
    assert wording.direction(language) == expected


def test_runs_split_text_into_shared_and_own() -> None:
    text = "موسكو - أكد نائب وزير الخارجية الروسي"
    spans = [(text.index("أكد"), len(text))]
    assert pages.runs(text, spans) == (
        pages.Run("موسكو - ", False),
        pages.Run("أكد نائب وزير الخارجية الروسي", True),
    )
    assert pages.runs("abc", []) == (pages.Run("abc", False),)


def test_compare_marks_what_a_copy_shares_with_the_canonical() -> None:
    canonical = [
        "أكد نائب وزير الخارجية الروسي أن المنظمة أقامت اتصالات مع العديد من الهياكل الدولية",
        "وقال إن التهديد الذي يتعرض له كل منا لم يتغير لعدة أسباب كثيرة ومعروفة",
    ]
    copy = [
        "موسكو - اكد نائب وزير الخارجية الروسى أن المنظمة اقامت اتصالات مع العديد من "
        "الهياكل الدولية",
        "تابعونا على مواقع التواصل الاجتماعي",
    ]
    rows = pages.compare(canonical, copy)
    assert [r.kind for r in rows] == ["changed", "added", "cut"]
    kept = rows[0]
    assert (kept.words_added, kept.words_cut) == (1, 0)
    # Spelling variants (hamza, alef maqsura) still count as shared; the dateline does not.
    assert [r.shared for r in kept.copy] == [False, True]
    assert kept.copy[0].text.startswith("موسكو")
    assert "".join(r.text for r in kept.copy) == copy[0]


def test_only_the_web_package_imports_datasette() -> None:
    root = Path(__file__).resolve().parents[1]
    importers = sorted(
        path.relative_to(root).as_posix()
        for folder in ("crawler", "storage", "spiders")
        for path in (root / folder).rglob("*.py")
        if re.search(r"^\s*(import|from) (datasette|uvicorn)\b", path.read_text("utf-8"), re.M)
    )
    assert importers == ["crawler/app/web/plugin.py", "crawler/app/web/server.py"]
    # The CLI module imports Datasette only when `serve` runs.
    code = "import sys, crawler.app.cli; print('datasette' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_articles_table_opens_on_readable_columns_and_home_links_clusters(ds: Datasette) -> None:
    from crawler.app.web.plugin import ARTICLE_COLUMNS

    first, home, every = fetch(ds, "/wires/articles", "/", "/wires/articles?_sort=id")
    assert first.status_code == 200
    shown = re.findall(r'scope="col" data-column="([a-z_]+)"', first.text)
    assert shown[:5] == ["id", *ARTICLE_COLUMNS[:4]]
    assert not {"body", "body_text", "body_folded", "title_folded", "alternates"} & set(shown)
    assert "wc-column-descriptions" in first.text  # the descriptions fold under one line
    # Any query string is left alone: every column is one click away.
    assert every.status_code == 200 and 'data-column="body_text"' in every.text
    assert 'href="/-/wirecrawl/wires/clusters"' in home.text
