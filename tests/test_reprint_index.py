"""The reprint index in the store: one transaction, order independence, persistence, rebuild."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from crawler.core import dedup
from crawler.core.errors import IndexMismatchError
from crawler.core.items import Article, Block
from storage import Store
from storage.reprints import ReprintIndex
from tests.conftest import DATA, SEED_FILE
from tests.reprint_set import Labelled, demo_corpus, real_corpus, shuffled
from tests.test_dedup import RATES_AR, TUESDAY_AR, WEDNESDAY_AR

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def ingest(path: Path, corpus: list[Labelled], **kwargs: object) -> Store:
    store = Store.open(path, **kwargs)  # type: ignore[arg-type]
    for item in corpus:
        store.save_article(item.article)
    return store


def partition(store: Store) -> dict[str, frozenset[str]]:
    """Clusters as {canonical key: member keys}: comparable across stores and arrival orders."""
    rows = store.db.conn.execute(
        "SELECT a.key, c.key FROM articles a JOIN articles c ON c.id = a.cluster_id"
    ).fetchall()
    out: dict[str, set[str]] = {}
    for key, canonical in rows:
        out.setdefault(canonical, set()).add(key)
    return {k: frozenset(v) for k, v in out.items()}


def test_every_article_gets_signature_bands_and_cluster(tmp_path: Path) -> None:
    with ingest(tmp_path / "a.db", demo_corpus()) as store:
        assert store.consistency_problems() == []
        assert store.count("signatures") == store.count("articles") == 59
        row = store.db.conn.execute(
            "SELECT count(*) FROM articles WHERE dedup_rule IS NULL OR cluster_id IS NULL"
        ).fetchone()
        assert row[0] == 0
        reprints = store.db.conn.execute(
            "SELECT count(*) FROM articles WHERE is_canonical = 0 AND jaccard > 0 "
            "AND containment > 0 AND matched_to = cluster_id"
        ).fetchone()[0]
        assert reprints == 59 - store.count("clusters")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_demo_clusters_do_not_depend_on_arrival_order(tmp_path: Path, seed: int) -> None:
    corpus = demo_corpus()
    with ingest(tmp_path / "in-order.db", corpus) as store:
        expected = partition(store)
    with ingest(tmp_path / "shuffled.db", shuffled(corpus, seed)) as store:
        assert partition(store) == expected
        assert store.consistency_problems() == []


def test_real_clusters_do_not_depend_on_arrival_order(tmp_path: Path) -> None:
    if not DATA.exists():
        pytest.skip(f"real test data not found at {DATA} (../shared beside the project)")
    corpus = real_corpus(DATA, SEED_FILE)[:400]
    with ingest(tmp_path / "0.db", corpus) as store:
        expected = partition(store)
    for seed in (11, 12, 13):
        with ingest(tmp_path / f"{seed}.db", shuffled(corpus, seed)) as store:
            assert partition(store) == expected, f"arrival order {seed} changed the clusters"


def test_a_new_process_continues_the_index(tmp_path: Path) -> None:
    corpus = shuffled(demo_corpus(), 5)
    with ingest(tmp_path / "all.db", corpus) as store:
        expected = partition(store)
    half = len(corpus) // 2
    ingest(tmp_path / "split.db", corpus[:half]).close()
    # Reopened: the signatures and bands of the first half are read, not recomputed.
    with ingest(tmp_path / "split.db", corpus[half:]) as store:
        assert partition(store) == expected
        assert store.consistency_problems() == []


def _story(outlet: str, minutes: int, lead: str = "", tail: tuple[str, ...] = ()) -> Article:
    paragraphs = [
        lead + "The regional museum opened an exhibition of astrolabes and other astronomical "
        "instruments on Tuesday, bringing together forty objects from six collections.",
        "The oldest instrument on display was made seven centuries ago and was restored over "
        "two years by a team of conservators who had to rebuild its rete by hand.",
        "Curators said the exhibition would travel to two other cities next spring after "
        "closing in March, and that a catalogue would be published in three languages.",
        *tail,
    ]
    return _article(
        "Museum shows astrolabes", paragraphs, f"{outlet}/news/astrolabes", minutes, "en"
    )


def _article(title: str, paragraphs: list[str], at: str, minutes: int, language: str) -> Article:
    """An article at the URL ``https://{at}``, published ``minutes`` after T0."""
    return Article(
        title=title,
        body=tuple(Block(p) for p in paragraphs),
        url=f"https://{at}",
        outlet=at.split("/", 1)[0],
        published=T0 + timedelta(minutes=minutes),
        published_precision="minute",
        language=language,
    )


def test_an_early_original_arriving_late_becomes_canonical(tmp_path: Path) -> None:
    with Store.open(tmp_path / "late.db") as store:
        first = store.save_article(_story("copier-one.example", 60, "LONDON - "))
        second = store.save_article(_story("copier-two.example", 90, "CAIRO - "))
        assert second.membership and second.membership.cluster_id == first.article_id
        original = store.save_article(_story("tass.ru", 0))
        assert original.membership and original.membership.is_canonical
        assert original.moved == 2
        rows = store.db.conn.execute(
            "SELECT outlet, cluster_id, matched_to, is_canonical FROM articles ORDER BY id"
        ).fetchall()
        assert {r[1] for r in rows} == {original.article_id}
        assert [r[2] for r in rows] == [original.article_id, original.article_id, None]
        assert store.count("clusters") == 1
        assert store.consistency_problems() == []


def _rates(outlet: str, minutes: int, figures: dict[str, str], lead: str = "") -> Article:
    body = [lead + RATES_AR.format(**figures)]
    return _article("سعر الدولار اليوم", body, f"{outlet}/rates/{minutes}", minutes, "ar")


def test_a_templated_report_of_the_next_day_is_a_cluster_of_its_own(tmp_path: Path) -> None:
    tuesday = _rates("rates.example", 0, TUESDAY_AR)
    copy = _rates("copier.example", 30, TUESDAY_AR, "القاهرة - ")
    wednesday = _rates("rates.example", 24 * 60, WEDNESDAY_AR)
    # In the order of the day and with the original arriving last (a recluster).
    for name, order in (
        ("in-order", [tuesday, copy, wednesday]),
        ("late", [wednesday, copy, tuesday]),
    ):
        with Store.open(tmp_path / f"{name}.db") as store:
            for article in order:
                store.save_article(article)
            clusters = dict(store.db.conn.execute("SELECT key, cluster_id FROM articles"))
            assert clusters[tuesday.key] == clusters[copy.key] != clusters[wednesday.key]
            store.rebuild_index()
            rebuilt = dict(store.db.conn.execute("SELECT key, cluster_id FROM articles"))
            assert rebuilt[tuesday.key] == rebuilt[copy.key] != rebuilt[wednesday.key]
            assert store.consistency_problems() == []


def test_agency_own_copy_is_canonical_at_the_same_minute(tmp_path: Path) -> None:
    with Store.open(tmp_path / "tie.db") as store:
        store.save_article(_story("copier.example", 0, "MOSCOW - "))
        agency = store.save_article(_story("tass.ru", 0))
        assert agency.membership and agency.membership.is_canonical


def test_outlet_boilerplate_does_not_merge_different_stories(tmp_path: Path) -> None:
    about = (
        "The Daily Example was founded in nineteen ninety and is read by two million people "
        "each month; follow us on social media and subscribe to our morning newsletter for "
        "the day's most important stories, analysis and opinion, free of charge."
    )
    stories = [
        "Farmers finished the wheat harvest early after a dry September, the ministry said.",
        "A new tram line opened on the river embankment with twelve stops and low floors.",
        "The national chess championship ended in a draw between the two leading players.",
    ]
    with Store.open(tmp_path / "house.db") as store:
        ids = []
        for number, story in enumerate(stories):
            article = Article(
                title=f"Story {number}",
                body=(Block(story), Block(about)),
                url=f"https://daily.example/{number}",
                outlet="daily.example",
                published=T0 + timedelta(hours=number),
                language="en",
            )
            ids.append(store.save_article(article).article_id)
        assert store.count("clusters") == 3
        # Once the third article made the paragraph boilerplate, the first two were signed again.
        counts = dict(store.db.conn.execute("SELECT article_id, shingle_count FROM signatures"))
        assert all(counts[i] < 20 for i in ids)
        line = store.db.conn.execute(
            "SELECT articles, pending_ids FROM outlet_lines WHERE articles = 3"
        ).fetchone()
        assert line == (3, None)
        assert store.consistency_problems() == []


def test_same_paragraph_at_two_outlets_is_not_boilerplate(tmp_path: Path) -> None:
    with Store.open(tmp_path / "two.db") as store:
        a = store.save_article(_story("one.example", 0))
        b = store.save_article(_story("two.example", 5, "MOSCOW - "))
        assert b.membership and b.membership.cluster_id == a.article_id


def test_mismatched_index_is_refused_then_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "params.db"
    with ingest(path, demo_corpus()) as store:
        expected = partition(store)
    other = dedup.replace_params(dedup.DEFAULT_PARAMS, shingle_size=5)
    with pytest.raises(IndexMismatchError, match=r"dedup rebuild"):
        Store.open(path, params=other)
    with Store.open(path, params=other, check_index=False) as store:
        phases: list[str] = []
        store.rebuild_index(lambda phase, done, total: phases.append(phase))
        assert {"counting boilerplate", "signing", "clustering"} <= set(phases)
        assert store.index.stored_params()["shingle_size"] == "5"
        assert store.consistency_problems() == []
    with Store.open(path, params=other) as store:  # accepted now
        # The demo stories separate cleanly with 5-word shingles too.
        assert partition(store) == expected
    with Store.open(path, check_index=False) as store:
        store.rebuild_index()
        assert partition(store) == expected


def test_a_failed_write_leaves_no_partial_article(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.open(tmp_path / "fail.db") as store:
        store.save_article(_story("one.example", 0))

        def broken(self: ReprintIndex, *args: object) -> None:
            self.conn.execute("INSERT INTO clusters (id, canonical_article_id) VALUES (999, 999)")
            raise RuntimeError("power cut in the middle of indexing")

        # The article row, its signature and bands are written by now; the cluster is not.
        monkeypatch.setattr(ReprintIndex, "complete", broken)
        with pytest.raises(RuntimeError):
            store.save_article(_story("two.example", 5))
        assert store.count("articles") == 1
        assert store.count("signatures") == 1
        assert store.count("clusters") == 1
        assert store.consistency_problems() == []


def test_mirror_at_another_url_joins_the_cluster(tmp_path: Path) -> None:
    with Store.open(tmp_path / "mirror.db") as store:
        original = _story("rt.com", 0)
        a = store.save_article(original)
        b = store.save_article(
            replace(
                original,
                url="https://mirror.example/news/astrolabes",
                outlet="mirror.example",
                published=T0 + timedelta(minutes=1),
            )
        )
        assert b.membership == dedup.Membership(a.article_id, a.article_id, 1.0, 1.0)


def test_many_small_band_runs_give_the_same_clusters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = shuffled(demo_corpus(), 9)
    with ingest(tmp_path / "default.db", corpus) as store:
        expected = partition(store)
    # A run every two articles and levels twice the size of the one above: many merges.
    monkeypatch.setattr(dedup.BandIndex, "TAIL_KEYS", 100)
    monkeypatch.setattr(dedup.BandIndex, "FANOUT", 2)
    with ingest(tmp_path / "runs.db", corpus) as store:
        assert partition(store) == expected
        levels = [run for run in store.index.band_index()._levels if run is not None]
        assert len(levels) >= 2
        assert_every_key_indexed(store)
        assert store.consistency_problems() == []


def assert_every_key_indexed(store: Store) -> None:
    """Each stored signature's current band keys all lead to its article."""
    bands = store.index.band_index()
    ids = [r[0] for r in store.db.conn.execute("SELECT article_id FROM signatures")]
    for article_id, doc in store.index.load_docs(ids).items():
        found = bands.query(np.array(sorted(doc.bands), dtype=np.int64))
        assert found.count(article_id) == len(doc.bands) == 52


def _store_signatures(path: Path, count: int) -> list[dedup.Signature]:
    """A store of ``count`` articles with signatures written straight into its tables.

    Random values; every tenth article copies five bands of an earlier one
    (candidates with several ids); among the others, some have no lede
    values, a lede too short for its bands or an empty one, or too few
    shingles to be indexed at all.
    """
    params = dedup.DEFAULT_PARAMS
    width = params.lede_bands * params.lede_rows
    rng = np.random.default_rng(count)
    signatures: list[dedup.Signature] = []
    for i in range(count):
        values = rng.integers(0, 2**32, params.num_perm, dtype=np.uint32)
        if i >= 20 and i % 10 == 0:
            earlier = signatures[i - 17].hashvalues
            values[: 5 * params.rows] = earlier[: 5 * params.rows]
        lede_size = [width, width, width, 0, width // 2, width + 8][i % 6]
        lede = rng.integers(0, 2**32, lede_size, dtype=np.uint32)
        shingles = params.min_shingles - 1 if i % 13 == 0 else params.min_shingles + i % 400
        signatures.append(dedup.Signature(values, shingles, lede))
    with Store.open(path) as store, store.transaction() as conn:
        conn.executemany(
            "INSERT INTO articles (id, key, content_hash, title, body) VALUES (?, ?, ?, '', '[]')",
            [(i + 1, f"https://example.org/{i}", f"{i:064x}") for i in range(count)],
        )
        conn.executemany(
            "INSERT INTO signatures (article_id, hashvalues, shingle_count, lede_hashvalues) "
            "VALUES (?, ?, ?, ?)",
            [
                # Half of those without a lede have none stored at all (NULL), as
                # signatures stored before ledes were; the others an empty value.
                (i + 1, s.to_bytes(), s.shingle_count, s.lede_bytes() if i % 12 != 3 else None)
                for i, s in enumerate(signatures)
            ],
        )
    return signatures


@pytest.mark.parametrize("load_chunk", [500, 7])
def test_loaded_band_index_answers_as_one_built_article_by_article(
    tmp_path: Path, load_chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loaded from the stored signatures, the band index finds what adding each article finds."""
    monkeypatch.setattr("storage.reprints.LOAD_CHUNK", load_chunk)
    path = tmp_path / "signed.db"
    signatures = _store_signatures(path, 3000)
    params = dedup.DEFAULT_PARAMS
    reference = dedup.BandIndex()
    for i, signature in enumerate(signatures):
        if signature.shingle_count >= params.min_shingles:
            reference.add(i + 1, dedup.band_keys(signature, params))
    with Store.open(path) as store:
        loaded = store.index.band_index()
        assert len(loaded) == len(reference)
        queries = [dedup.band_keys(s, params) for s in signatures]
        rng = np.random.default_rng(1)
        queries.append(rng.integers(-(2**63), 2**63 - 1, size=52, dtype=np.int64))
        short = {i + 1 for i, s in enumerate(signatures) if s.shingle_count < params.min_shingles}
        for keys in queries:
            found = loaded.query(keys)
            assert sorted(found) == sorted(reference.query(keys))
            assert not short & set(found)
        # The copies' five shared bands lead to the copied article too.
        assert loaded.query(queries[20]).count(4) == 5


def test_a_load_outgrowing_its_room_keeps_every_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signatures beyond the room made at first (stored meanwhile) are indexed all the same."""
    path = tmp_path / "grown.db"
    signatures = _store_signatures(path, 400)
    with Store.open(path) as store:
        expected = sorted(store.index.band_index().query(dedup.band_keys(signatures[40])))
    monkeypatch.setattr("storage.reprints.LOAD_CHUNK", 50)
    monkeypatch.setattr(
        ReprintIndex, "_load_room", lambda self, top: dedup.BandIndex.entry_buffer(100)
    )
    with Store.open(path) as store:
        bands = store.index.band_index()
        assert sorted(bands.query(dedup.band_keys(signatures[40]))) == expected
        for i, signature in enumerate(signatures):
            keys = dedup.band_keys(signature)
            indexed = signature.shingle_count >= dedup.DEFAULT_PARAMS.min_shingles
            assert bands.query(keys).count(i + 1) == (len(keys) if indexed else 0)


def test_a_load_outside_a_transaction_indexes_a_row_stored_meanwhile_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer stores an article between a reader's first read and its scan."""
    path = tmp_path / "meanwhile.db"
    with Store.open(path) as store:
        store.save_article(_story("tass.ru", 0))
    reader, writer = Store.open(path), Store.open(path)
    make_room = ReprintIndex._load_room

    def room_then_a_write(index: ReprintIndex, top: int) -> np.ndarray:
        if index is reader.index:
            writer.save_article(_story("other.example", 30, "CAIRO - "))
        return make_room(index, top)

    monkeypatch.setattr(ReprintIndex, "_load_room", room_then_a_write)
    try:
        assert not reader.db.conn.in_transaction
        reader.index.band_index()
        reader.index.begin_write()  # the next use catches up with what was stored
        bands = reader.index.band_index()
        for article_id in (1, 2):
            (doc,) = reader.index.load_docs([article_id]).values()
            keys = np.array(sorted(doc.bands), dtype=np.int64)
            assert bands.query(keys).count(article_id) == len(doc.bands) == 52
    finally:
        reader.close()
        writer.close()


def _reprint(article: Article, outlet: str, minutes: int) -> Article:
    return replace(
        article,
        url=f"https://{outlet}/{article.url.rsplit('/', 1)[-1]}",
        outlet=outlet,
        published=(article.published or T0) + timedelta(minutes=minutes),
    )


def _assert_finds_what_the_other_stores(first: Store, second: Store) -> None:
    """``second`` stores a story; ``first``, still open, puts a reprint of it in its cluster."""
    story = replace(_story("second.example", 5), body=demo_corpus()[0].article.body)
    own = second.save_article(story)
    again = first.save_article(_reprint(story, "third.example", 60))
    assert again.membership and again.membership.cluster_id == own.article_id
    assert first.consistency_problems() == []


def test_a_writer_sees_what_another_process_stored_meanwhile(tmp_path: Path) -> None:
    """Two writers take turns on one file: each finds the other's articles as candidates."""
    path = tmp_path / "shared.db"
    first = Store.open(path)
    second = Store.open(path)
    try:
        original = first.save_article(_story("tass.ru", 0))
        assert len(first.index.band_index()) == 52  # loaded, holding the original
        # The second process stores a copy of it, and a story of its own.
        copy = second.save_article(_story("copier.example", 30, "MOSCOW - "))
        assert copy.membership and copy.membership.cluster_id == original.article_id
        # The first finds the second's story without reopening the file.
        _assert_finds_what_the_other_stores(first, second)
    finally:
        first.close()
        second.close()


def test_a_rebuild_elsewhere_makes_a_writer_load_the_index_afresh(tmp_path: Path) -> None:
    path = tmp_path / "rebuilt.db"
    corpus = demo_corpus()
    with ingest(path, corpus[:20]) as store:
        expected_size = store.count("signatures")
    writer = Store.open(path)
    try:
        stale = writer.index.band_index()
        assert len(stale) == 52 * expected_size
        with Store.open(path) as other:
            other.rebuild_index()
        # The rebuild left its mark in signature_log: the writer notices and loads again.
        for item in corpus[20:]:
            writer.save_article(item.article)
        assert writer.index.band_index() is not stale
        assert_every_key_indexed(writer)
    finally:
        writer.close()
    with ingest(tmp_path / "straight.db", corpus) as store:
        expected = partition(store)
    with Store.open(path) as store:
        assert partition(store) == expected


def test_a_rolled_back_article_leaves_the_position_right(tmp_path: Path) -> None:
    """The id of a rolled-back article is used again; the writer must read what is stored there."""
    path = tmp_path / "rollback.db"
    first = Store.open(path)
    second = Store.open(path)
    try:
        first.save_article(_story("tass.ru", 0))
        with pytest.raises(RuntimeError), first.batch():
            first.save_article(_story("copier.example", 30, "MOSCOW - "))
            raise RuntimeError("the batch fails after its article was indexed")
        assert first.count("articles") == 1
        # The id the failed batch used goes to the second writer's article; the first finds it.
        _assert_finds_what_the_other_stores(first, second)
    finally:
        first.close()
        second.close()


def _outlet_lines(store: Store) -> list[tuple[str, int, int, list[int]]]:
    rows = store.db.conn.execute(
        "SELECT outlet, line_hash, articles, pending_ids FROM outlet_lines ORDER BY 1, 2"
    )
    return [(o, h, n, json.loads(p) if p else []) for o, h, n, p in rows]


@pytest.mark.parametrize("batch", [1, 7, 500])
def test_batches_give_what_one_article_at_a_time_gives(tmp_path: Path, batch: int) -> None:
    """Signed, looked up and counted per batch: the same clusters, signatures and counts."""
    corpus = shuffled(demo_corpus(), 4)
    with ingest(tmp_path / "single.db", corpus) as store:
        expected = partition(store)
        lines = _outlet_lines(store)
        signatures = store.db.conn.execute("SELECT * FROM signatures ORDER BY 1").fetchall()
    assert any(n >= 3 for _, _, n, _ in lines)  # the demo outlets have boilerplate
    with Store.open(tmp_path / "batched.db") as store:
        articles = [item.article for item in corpus]
        for start in range(0, len(articles), batch):
            store.save_articles(articles[start : start + batch])
        assert partition(store) == expected
        assert _outlet_lines(store) == lines
        assert store.db.conn.execute("SELECT * FROM signatures ORDER BY 1").fetchall() == signatures
        assert store.consistency_problems() == []


def test_a_failed_batch_stores_none_of_its_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = demo_corpus()
    articles = [item.article for item in corpus]
    with ingest(tmp_path / "whole.db", corpus) as store:
        expected, lines = partition(store), _outlet_lines(store)
    with Store.open(tmp_path / "failed.db") as store:
        store.save_articles(articles[:20])
        original = ReprintIndex.complete
        calls = []

        def failing(self: ReprintIndex, *args: object) -> object:
            calls.append(1)
            if len(calls) == 15:
                raise RuntimeError("disk full in the middle of a batch")
            return original(self, *args)  # type: ignore[arg-type]

        monkeypatch.setattr(ReprintIndex, "complete", failing)
        with pytest.raises(RuntimeError):
            store.save_articles(articles[20:])
        monkeypatch.setattr(ReprintIndex, "complete", original)
        assert store.count("articles") == 20
        store.save_articles(articles[20:])
        assert partition(store) == expected
        assert _outlet_lines(store) == lines
        assert store.consistency_problems() == []
