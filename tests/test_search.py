"""Search: any spelling of the seed article's title finds it, parts of words find other
forms, ranking puts the best first, filters narrow, and no query raises.

The store holds the real seed article (russia-islworld.ru reprinting TASS)
among the demo site's articles, so a query must pick it out of other Arabic
news, plus two Russian articles written for these tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.app import demo
from crawler.app.cli import main
from crawler.app.importer import read_seed_file
from crawler.core.items import Article, Block
from storage import Store
from storage.queries import fts_query, search, trigram_query, word_stem
from tests.conftest import SEED_FILE, SEEDS, need_shared

SEED_NAME = SEED_FILE.name

MOSCOW = Article(
    title="Выставка старинных самоваров открылась в Москве",
    body=(
        Block(
            "В Москве во вторник открылась выставка старинных самоваров из частных коллекций: "
            "посетители увидят более двухсот экземпляров, от дорожных до трактирных."
        ),
        Block("Экспозиция продлится до конца марта, сообщили организаторы."),
    ),
    url="https://capital-news.example/clocks",
    outlet="capital-news.example",
    published=datetime(2027, 3, 3, 9, 0, tzinfo=UTC),
    language="ru",
    wire_agency="tass",
)
REGIONS = Article(
    title="Мастера из регионов привезли самовары своей работы",
    body=(
        Block(
            "Мастера из Твери, Тулы и Вятки показали самовары, собранные вручную; "
            "многие экспонаты впервые покидают родные мастерские."
        ),
        Block("Выставка старинных самоваров в столице продлится до конца марта."),
    ),
    url="https://volga-news.example/watchmakers",
    outlet="volga-news.example",
    published=datetime(2027, 3, 4, 9, 0, tzinfo=UTC),
    language="ru",
)


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed among the demo site's articles and the two Russian articles."""
    path = tmp_path_factory.mktemp("search") / "search.db"
    seed = read_seed_file(need_shared(SEED_FILE))
    with Store.open(path) as store:
        store.save_articles([*demo.load_articles(), MOSCOW, REGIONS, seed])
    return path


@pytest.fixture
def store(store_path: Path) -> Iterator[Store]:
    with Store.open(store_path, readonly=True) as opened:
        yield opened


# Spellings of the seed's title; the first is the title as printed.
TITLE_VARIANTS = [
    'الخارجية الروسية: "منظمة معاهدة الأمن الجماعي" غير قادرة على إقامة تعاون مع الـ "ناتو"',
    "الخارجية الروسية",
    "الخارجيه الروسيه",  # ta marbuta written as ha
    "منظمة معاهدة الأمن الجماعي",
    "منظمه معاهده الامن الجماعى",  # ha, hamza dropped, alef maqsura for ya
    "الأمن الجماعي",
    "الامن الجماعى",
    "إقامة تعاون",
    "اقامة تعاون",  # hamza dropped under alef
    "آقامة تعاون",  # madda
    "علي اقامه تعاون",  # ya for alef maqsura
    "الناتو",
    "النـاتو",  # tatweel
    "الـ ناتو",  # tatweel across a space, as the page prints it
    'الـ "ناتو"',  # and across a quote
    "منـظـمـة معاهـدة",
    "مُنَظَّمَة مُعَاهَدَة الْأَمْن",  # harakat
    "غَيْرُ قَادِرَةٍ",
    '"معاهدة الأمن"',  # a phrase
    "٢٠٢٢ الناتو",  # Arabic-Indic digits (the body has 2022)
]


@pytest.mark.parametrize("query", TITLE_VARIANTS)
def test_the_seed_is_found_from_its_title_in_any_spelling(store: Store, query: str) -> None:
    need_shared(SEEDS)
    hits = search(store, query, limit=5)
    assert hits, query
    assert hits[0].source_file == SEED_NAME
    assert hits[0].matched == "words"
    assert hits[0].wire_agency == "tass"


def test_the_whole_title_finds_the_seed_alone(store: Store) -> None:
    hits = search(store, TITLE_VARIANTS[0])
    assert [h.source_file for h in hits] == [SEED_NAME]


def test_cli_search_finds_the_seed_in_any_spelling(store_path: Path) -> None:
    for query in ("الامن الجماعى", "النـاتو", "مُنَظَّمَة"):
        result = CliRunner().invoke(
            main, ["--db", str(store_path), "search", query, "--json", "--limit", "3"]
        )
        assert result.exit_code == 0, result.output
        hits = [json.loads(line) for line in result.output.splitlines()]
        assert hits[0]["source_file"] == SEED_NAME


@pytest.mark.parametrize("query", ["Москва", "москва", "Москв", "МОСКВЫ"])
def test_russian_case_endings_through_the_trigram_index(store: Store, query: str) -> None:
    hits = search(store, query)
    assert [h.title for h in hits] == [MOSCOW.title]
    assert hits[0].matched == "parts"
    assert "[москве]" in hits[0].snippet.lower()


def test_the_exact_form_is_a_word_match(store: Store) -> None:
    (hit,) = search(store, "Москве")
    assert hit.title == MOSCOW.title and hit.matched == "words"
    assert "[москве]" in hit.snippet.lower()


def test_arabic_word_inside_attached_particles(store: Store) -> None:
    # ناتو alone is never printed; الناتو and النـ اتو are.
    hits = search(store, "ناتو", limit=3)
    assert hits[0].source_file == SEED_NAME and hits[0].matched == "parts"
    assert word_stem("والناتو") == "ناتو"
    assert word_stem("الجماعي") == "جماع"


def test_word_matches_come_before_part_matches(store: Store) -> None:
    # "самоваров" is a word of both Russian articles; "самовары" (another form) of the second.
    hits = search(store, "самовары")
    assert [h.matched for h in hits] == ["words", "parts"]
    assert hits[0].title == REGIONS.title and hits[1].title == MOSCOW.title


def test_a_title_match_ranks_above_a_body_match(store: Store) -> None:
    # Both articles say "старинных самоваров" in the body; only MOSCOW has it in the title.
    hits = search(store, "старинных самоваров")
    assert [h.title for h in hits] == [MOSCOW.title, REGIONS.title]
    assert hits[0].rank < hits[1].rank


def test_more_matching_words_rank_higher(store: Store) -> None:
    hits = search(store, "منظمة", limit=3)
    assert hits[0].source_file == SEED_NAME  # the word is all over the seed


def test_filters(store: Store) -> None:
    assert [h.title for h in search(store, "самоваров", language="ru", outlet=REGIONS.outlet)] == [
        REGIONS.title
    ]
    assert search(store, "самоваров", language="ar") == []
    assert [h.title for h in search(store, "самоваров", since="2027-03-04")] == [REGIONS.title]
    assert [h.title for h in search(store, "самоваров", since="2027-03-04T09:01:00Z")] == []
    # Filters hold for part matches too.
    assert search(store, "Москва", outlet=REGIONS.outlet) == []
    assert [h.title for h in search(store, "Москва", since="2027-03-01", language="ru")] == [
        MOSCOW.title
    ]


def test_limit(store: Store) -> None:
    many = search(store, "في", limit=50)
    assert len(many) > 5
    assert [h.article_id for h in search(store, "في", limit=5)] == [h.article_id for h in many[:5]]
    assert search(store, "في", limit=0) == []
    # A limit the word matches fill leaves no room for part matches.
    assert all(h.matched == "words" for h in search(store, "Москве", limit=1))


def test_cli_filters(store_path: Path) -> None:
    def titles(*args: str) -> list[str]:
        result = CliRunner().invoke(main, ["--db", str(store_path), "search", *args, "--json"])
        assert result.exit_code == 0, result.output
        return [json.loads(line)["title"] for line in result.output.splitlines()]

    assert titles("самоваров", "--lang", "ru", "--outlet", REGIONS.outlet) == [REGIONS.title]
    assert titles("самоваров", "--since", "2027-03-04") == [REGIONS.title]
    assert len(titles("في", "--limit", "2")) == 2
    assert titles("Москва", "--lang", "en") == []


FTS_SYNTAX = [
    '"',
    '""',
    "AND",
    "OR",
    "NOT",
    "NEAR(a b)",
    "NEAR(",
    "a*",
    "*",
    "^x",
    "(x OR",
    "-",
    "title_folded:ناتو",
    "{title_folded body_folded}: x",
    "'",
    "\\",
    "%_%",
    "a AND NOT b",
    "x + y",
    "🙂",
    "ناتو*",
    '"unbalanced phrase',
]


@pytest.mark.parametrize("query", FTS_SYNTAX)
def test_fts_syntax_in_a_query_never_errors(store: Store, query: str) -> None:
    hits = search(store, query)
    assert isinstance(hits, list)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=40))
def test_no_text_makes_search_raise(store: Store, query: str) -> None:
    search(store, query, limit=3)


def test_match_expressions() -> None:
    assert fts_query('"منظمة معاهدة" الأمن') == '"منظمه معاهده" "الامن"'
    assert fts_query('الـ "ناتو"') == '"الناتو"'
    assert fts_query("  ") == ""
    assert trigram_query("в Москве") == '"мос" AND "оск" AND "скв"'
    assert trigram_query("в и") == ""


def test_reading_a_store_of_an_older_version_upgrades_it_first(tmp_path: Path) -> None:
    from sqlite_utils import Database

    from storage.migrations import migrations, pending_migrations

    path = tmp_path / "old.db"
    db = Database(path)
    migrations.apply(db, stop_before="m004_trigram_search")
    db.execute(
        "INSERT INTO articles (id, key, content_hash, title, body, title_folded, body_folded) "
        "VALUES (1, 'k', 'h', 'В Москве', '[]', 'в москве', 'в москве открылась выставка')"
    )
    db.close()
    with Store.open(path, readonly=True) as old:
        assert pending_migrations(old.db) == []
        assert [h.article_id for h in search(old, "Москве")] == [1]
        # The trigram index the upgrade built finds parts of words too.
        assert [h.article_id for h in search(old, "Москва")] == [1]
