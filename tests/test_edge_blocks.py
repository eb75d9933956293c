"""A block shared only at the edge of two bodies (a footer not yet known as boilerplate)."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import numpy as np

from crawler.core import dedup
from crawler.core.items import Article, Block
from storage import Store

#: A long standing paragraph an outlet prints under every story ("about the agency").
ABOUT = (
    "Агентство «Северный курьер» основано в 1998 году и выпускает ежедневную ленту новостей "
    "региона на русском и английском языках; у агентства работают корреспонденты в двенадцати "
    "городах, а его материалы перепечатывают областные газеты, радиостанции и сайты. "
    "Перепечатка материалов разрешена только со ссылкой на агентство и с указанием автора, "
    "фотографии предоставлены пресс-службами, если не указано иное, а вопросы о публикациях "
    "можно направлять в редакцию по электронной почте в рабочие дни с девяти до шести."
)

FERRY = (
    "Паромная переправа через залив возобновила работу после недельного перерыва из-за льда.",
    "Первый рейс вышел в семь утра, на борту было сорок автомобилей и около ста пассажиров.",
    "Капитан сообщил, что ледокол будет сопровождать паромы до конца месяца по новому графику.",
)
THEATRE = (
    "Городской драматический театр открыл сезон премьерой спектакля по пьесе местного автора.",
    "Режиссёр рассказал, что репетиции шли полгода, а декорации сделали студенты училища.",
    "Билеты на ближайшие показы раскуплены, дополнительные спектакли назначены на март.",
)


def _story(url: str, paragraphs: tuple[str, ...], footer: str = ABOUT) -> Article:
    return Article(
        title=paragraphs[0][:40],
        body=tuple(Block(p) for p in (*paragraphs, footer)),
        url=url,
        outlet="courier.example",
        language="ru",
    )


def _signed(blocks: list[str]) -> dedup.Signature:
    params = dedup.DEFAULT_PARAMS
    return dedup.prepare(blocks, params).signed(set(), params)[0]


def test_two_stories_sharing_only_a_footer_are_not_reprints(tmp_path: Path) -> None:
    ferry = _story("https://courier.example/ferry", FERRY)
    theatre = _story("https://courier.example/theatre", THEATRE)
    with Store.open(tmp_path / "edge.db") as store:
        first = store.save_article(ferry)
        second = store.save_article(theatre)
        clusters = store.db.conn.execute("SELECT count(*) FROM clusters").fetchone()[0]
    # Two articles of the outlet: too few for the footer to be known as boilerplate.
    assert second.membership is not None and second.membership.is_canonical
    assert first.article_id != second.article_id and clusters == 2
    # The footer alone makes them look like copies (that is what the rule is for);
    # without it they share nothing.
    a, b = _signed([*FERRY, ABOUT]), _signed([*THEATRE, ABOUT])
    assert dedup.similarity(a, b).jaccard >= dedup.DEFAULT_PARAMS.jaccard_threshold
    rest = dedup.beyond_shared_edges(a, b, dedup.DEFAULT_PARAMS)
    assert rest is not None and rest.jaccard < 0.05, rest


def test_a_reprint_that_keeps_the_footer_is_still_a_reprint(tmp_path: Path) -> None:
    original = _story("https://courier.example/ferry", FERRY)
    copy = Article(
        title="Паромы снова ходят",
        body=(*original.body[:3], Block(ABOUT)),
        url="https://mirror.example/ferry-copy",
        outlet="mirror.example",
        language="ru",
    )
    with Store.open(tmp_path / "copy.db") as store:
        first = store.save_article(original)
        second = store.save_article(copy)
    assert second.membership is not None
    assert second.membership.cluster_id == first.article_id


def test_an_excerpt_of_the_opening_is_still_a_copy() -> None:
    a, b = _signed([*FERRY, *THEATRE, ABOUT]), _signed([FERRY[0], FERRY[1]])
    # The excerpt is nothing but blocks at the edge of the longer text: it is judged whole.
    assert dedup.beyond_shared_edges(a, b, dedup.DEFAULT_PARAMS) is None


def _same_blocks(left: np.ndarray | None, right: np.ndarray | None) -> bool:
    assert left is not None and right is not None
    return left.tobytes() == right.tobytes()


def test_the_edge_blocks_survive_the_store() -> None:
    signature = _signed([*FERRY, ABOUT])
    assert signature.edges is not None and len(signature.edges) == 4
    # The footer holds most of the shingles, so it explains most positions.
    explained = np.unpackbits(signature.edges["explains"], axis=1).sum(axis=1)
    assert explained[-1] > explained[0] and explained[-1] > dedup.DEFAULT_PARAMS.num_perm / 2
    again = dedup.Signature.from_bytes(
        signature.to_bytes(),
        signature.shingle_count,
        signature.lede_bytes(),
        signature.edges_bytes(),
    )
    assert _same_blocks(again.edges, signature.edges)


def test_edge_blocks_read_from_the_body_are_those_signed_with_it() -> None:
    params = dedup.DEFAULT_PARAMS
    # The last story quotes the footer: its shingles are found inside the footer and before it.
    quoting = f"{THEATRE[0]} В редакции напомнили: {ABOUT[:160]}"
    cases = (
        [*FERRY, ABOUT],
        [*FERRY, *THEATRE, ABOUT],
        [FERRY[0], "Три слова тут"],
        [*FERRY, quoting, ABOUT],
    )
    for blocks in cases:
        text = dedup.prepare(blocks, params)
        for boilerplate in (set(), set(list(text.edge_hashes.values())[-1:])):
            signature, _ = text.signed(boilerplate, params)
            plain = dedup.sign_hashes(dedup.kept_hashes(text, boilerplate), params)
            assert (signature.hashvalues == plain.hashvalues).all()
            found = dedup.edge_blocks(text, boilerplate, signature.hashvalues, params)
            assert _same_blocks(found, signature.edges)
            (batch,) = dedup.presign([text], [frozenset(boilerplate)], params)
            assert batch.presigned is not None
            assert _same_blocks(batch.presigned.signature.edges, signature.edges)


def test_signatures_stored_without_their_edge_blocks_still_get_the_rule(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with Store.open(path) as store:
        store.save_article(_story("https://courier.example/ferry", FERRY))
    # As a store signed before edge blocks were kept leaves the column.
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE signatures SET edge_blocks = NULL")
    conn.close()
    with Store.open(path) as store:
        (doc,) = store.index.load_docs([1]).values()
        assert _same_blocks(doc.signature.edges, _signed([*FERRY, ABOUT]).edges)
        second = store.save_article(_story("https://courier.example/theatre", THEATRE))
    assert second.membership is not None and second.membership.is_canonical


def _corpus() -> list[Article]:
    copy = Article(
        title="Паромы снова ходят",
        body=tuple(Block(p) for p in (*FERRY, ABOUT)),
        url="https://mirror.example/ferry-copy",
        outlet="mirror.example",
        language="ru",
    )
    return [
        _story("https://courier.example/ferry", FERRY),
        _story("https://courier.example/theatre", THEATRE),
        copy,
        # Another outlet that prints the agency's paragraph: one article, so never boilerplate.
        dataclasses.replace(
            _story("https://digest.example/theatre", THEATRE[:2]), outlet="digest.example"
        ),
    ]


def _clusters(store: Store) -> list[tuple[str, str]]:
    rows = store.db.conn.execute(
        "SELECT a.key, c.key FROM articles a JOIN articles c ON c.id = a.cluster_id ORDER BY 1"
    )
    return [tuple(r) for r in rows]


def test_rebuild_and_batches_cluster_as_single_writes_do(tmp_path: Path) -> None:
    with Store.open(tmp_path / "one.db") as store:
        for article in _corpus():
            store.save_article(article)
        single = _clusters(store)
        store.rebuild_index()
        rebuilt = _clusters(store)
    with Store.open(tmp_path / "batch.db") as store:
        store.save_articles(_corpus())
        batch = _clusters(store)
    # Ferry and its copy; the theatre story and its excerpt; no cluster spans both stories.
    assert len({c for _, c in single}) == 2
    assert rebuilt == single and batch == single
