"""The dedup deciders: shingles, signatures, bands, verification, clustering (no store)."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
from datasketch import MinHash

from crawler.core import dedup
from crawler.core.dedup import (
    DEFAULT_PARAMS,
    IndexedDoc,
    Membership,
    Signature,
    are_reprints,
    band_keys,
    check_index_params,
    cluster,
    datasketch_signature,
    figures_agree,
    figures_of,
    join_or_lead,
    order_key,
    prepare,
    shingle_hashes,
    sign,
    similarity,
)
from crawler.core.errors import IndexMismatchError
from crawler.core.text import words
from tests.reprint_set import demo_corpus

P = DEFAULT_PARAMS

# Invented text long enough to be signed (about 120 words).
STORY = (
    "The regional museum opened an exhibition of astrolabes and other astronomical "
    "instruments on Tuesday, bringing together forty objects from six collections. "
    "The oldest instrument on display was made seven centuries ago and was restored "
    "over two years by a team of conservators who had to rebuild its rete by hand. "
    "Curators said the exhibition would travel to two other cities next spring after "
    "closing in March, and that a catalogue with photographs of every object would be "
    "published in three languages. Visitors will be able to handle working replicas "
    "made by students of the engineering faculty, who measured the originals with a "
    "laser scanner and printed the parts in brass. Admission is free for schoolchildren "
    "on weekdays, the museum said in a statement."
)
OTHER = (
    "Farmers in the northern provinces finished harvesting wheat earlier than expected "
    "this year after a dry September, the agriculture ministry said on Monday, adding "
    "that yields were slightly above the five-year average despite a cold spring. "
    "Barley and oilseeds were also gathered ahead of schedule, while storage capacity "
    "remained tight in several districts where new elevators are still being built. "
    "Officials said exports would start in October through the Caspian ports and by "
    "rail, and that prices on the domestic market had fallen by about eight percent "
    "since the summer as the size of the crop became clear to traders and mills."
)


def doc(
    article_id: int,
    text: str,
    when: str,
    *,
    agency: bool = False,
    chash: str = "",
    with_figures: bool = True,
) -> IndexedDoc:
    signature = sign(words(text), P)
    order = order_key(when, "minute", agency, when, f"k{article_id}")
    folded = prepare([text]).folded_text if with_figures else ""
    return IndexedDoc.build(article_id, signature, chash or f"h{article_id}", order, P, folded)


# -- shingles and signatures -----------------------------------------------------


def test_shingle_hashes_are_distinct_and_order_sensitive() -> None:
    a = shingle_hashes(["a", "b", "c", "d", "e"], 4)
    assert a.dtype == np.uint32 and len(a) == 2 and len(np.unique(a)) == 2
    assert not np.array_equal(
        shingle_hashes(["a", "b", "c", "d", "e"], 4), shingle_hashes(["b", "a", "c", "d", "e"], 4)
    )
    assert len(shingle_hashes(["one", "two"], 4)) == 1  # shorter than n: one shingle
    assert len(shingle_hashes([], 4)) == 0
    repeated = shingle_hashes(["x", "y", "z", "w", "x", "y", "z", "w"], 4)
    assert len(repeated) == 4  # distinct n-grams only


def test_signature_is_a_datasketch_minhash() -> None:
    a, b = sign(words(STORY)), sign(words(STORY[: len(STORY) // 2]))
    ma = MinHash(seed=P.seed, hashvalues=a.hashvalues, scheme="affine32")
    mb = MinHash(seed=P.seed, hashvalues=b.hashvalues, scheme="affine32")
    assert ma.jaccard(mb) == pytest.approx(similarity(a, b).jaccard, abs=1e-4)


def test_signature_bytes_round_trip() -> None:
    signature = sign(words(STORY))
    back = Signature.from_bytes(
        signature.to_bytes(), signature.shingle_count, signature.lede_bytes()
    )
    assert np.array_equal(back.hashvalues, signature.hashvalues)
    assert np.array_equal(back.lede, signature.lede)


def test_band_keys_mix_in_the_band_number() -> None:
    signature = sign(words(STORY))
    keys = band_keys(signature, P)
    assert keys.dtype == np.int64
    assert len(keys) == P.bands + P.lede_bands
    # A signature whose values are all equal still gets one distinct key per band.
    flat = Signature(np.full(P.num_perm, 7, dtype=np.uint32), 100, np.full(40, 7, dtype=np.uint32))
    assert len(set(band_keys(flat, P).tolist())) == P.bands + P.lede_bands


def _band_key_by_hand(values: list[int], rows: int, band: int) -> int:
    """One band's key as the docstring of ``dedup._keys`` says, in Python integers."""
    mask = (1 << 64) - 1
    multipliers = [int(m) for m in dedup._NGRAM_MULTIPLIERS[:rows]]
    key = sum(v * m for v, m in zip(values, multipliers, strict=True))
    key = (key + (band + 1) * 0x9E3779B97F4A7C15) & mask
    key ^= key >> 33
    key = (key * 0xFF51AFD7ED558CCD) & mask
    key ^= key >> 33
    key = (key * 0xC4CEB9FE1A85EC53) & mask
    key ^= key >> 33
    return key - (1 << 64) if key >= 1 << 63 else key


def test_band_keys_are_the_documented_hash_of_each_band() -> None:
    """Body bands of ``rows`` values, then lede bands, each salted with its band number."""
    rng = np.random.default_rng(3)
    for _ in range(5):
        body = rng.integers(0, 2**32, P.num_perm, dtype=np.uint32)
        lede = rng.integers(0, 2**32, P.lede_bands * P.lede_rows, dtype=np.uint32)
        keys = band_keys(Signature(body, 100, lede), P).tolist()
        expected = [
            _band_key_by_hand(body[b * P.rows : (b + 1) * P.rows].tolist(), P.rows, b)
            for b in range(P.bands)
        ] + [
            _band_key_by_hand(
                lede[b * P.lede_rows : (b + 1) * P.lede_rows].tolist(), P.lede_rows, P.bands + b
            )
            for b in range(P.lede_bands)
        ]
        assert keys == expected


def random_signatures(
    rng: np.random.Generator, count: int, every_lede_missing: int
) -> list[Signature]:
    """Signatures of random values; one in ``every_lede_missing`` has no lede values."""
    width = P.lede_bands * P.lede_rows
    return [
        Signature(
            rng.integers(0, 2**32, P.num_perm, dtype=np.uint32),
            100,
            rng.integers(0, 2**32, width if i % every_lede_missing else 0, dtype=np.uint32),
        )
        for i in range(count)
    ]


def test_pack_band_entries_are_the_packed_band_keys() -> None:
    """Written into one buffer: the entries ``pack`` makes of each signature's ``band_keys``."""
    width = P.lede_bands * P.lede_rows
    signatures = random_signatures(np.random.default_rng(4), 30, every_lede_missing=3)
    ids = np.arange(100, 130)
    with_lede = np.array([len(s.lede) == width for s in signatures])
    out = dedup.BandIndex.entry_buffer(len(signatures) * (P.bands + P.lede_bands) + 5)
    written = dedup.pack_band_entries(
        out,
        ids,
        np.stack([s.hashvalues for s in signatures]),
        np.stack([s.lede for s in signatures if len(s.lede)]),
        with_lede,
        P,
    )
    expected = np.concatenate(
        [
            dedup.BandIndex.pack(np.array([i]), band_keys(s, P)[None, :])
            for i, s in zip(ids, signatures, strict=True)
        ]
    )
    assert written == len(expected) == 20 * 52 + 10 * 42
    assert np.array_equal(np.sort(out[:written]), np.sort(expected))
    assert not out[written:].any()  # nothing written past the entries


def test_batch_signing_equals_datasketch_update_batch() -> None:
    """sign_many (n-grams of a whole batch, lede from the body's matrix) = datasketch's values."""
    texts = [item.article.body_text for item in demo_corpus()]
    texts += ["", "one two", "a b c d", "a b c d e", " ".join(f"w{i}" for i in range(29))]
    token_sets = [dedup.word_hashes(words(t)) for t in texts]
    batch = dedup.sign_many(token_sets, P)
    width = P.lede_bands * P.lede_rows
    for tokens, ours in zip(token_sets, batch, strict=True):
        shingles = dedup.ngram_hashes(tokens, P.shingle_size)
        lede_shingles = dedup.ngram_hashes(tokens[: P.lede_words], P.shingle_size)
        reference = datasketch_signature(shingles, P)
        assert np.array_equal(ours.hashvalues, reference.hashvalues)
        assert ours.shingle_count == len(shingles)
        lede = MinHash(num_perm=P.num_perm, seed=P.seed, scheme="affine32", hashfunc=int)
        if len(lede_shingles):
            lede.update_batch(lede_shingles)
        assert np.array_equal(ours.lede, np.asarray(lede.hashvalues[:width], dtype=np.uint32))


def _one_matrix_per_document(
    tokens: np.ndarray, spans: tuple[tuple[int, int, int], ...]
) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    """A document's values, lede and edge block records the straightforward way."""
    n = P.shingle_size
    a, b = dedup._permutations(P)
    count = len(tokens) - n + 1
    combined = sum(tokens[o : o + count] * dedup._NGRAM_MULTIPLIERS[o] for o in range(n))
    mixed = dedup._fmix32((combined ^ (combined >> np.uint64(32))).astype(np.uint32))
    values = np.multiply.outer(a, mixed) + b[:, None]
    minima = values.min(axis=1)
    width, lede_rows = P.lede_bands * P.lede_rows, P.lede_words - n + 1
    lede = values[:width, :lede_rows].min(axis=1)
    minimal = mixed[values.argmin(axis=1)]
    records = np.zeros(len(spans), dtype=dedup.edge_dtype(P.num_perm))
    for record, (line_hash, start, words_in) in zip(records, spans, strict=True):
        inside = mixed[start : start + max(0, words_in - n + 1)]
        record["hash"] = line_hash
        record["shingles"] = len(inside)
        record["explains"] = np.packbits(np.isin(minimal, inside))
    return minima, len(np.unique(mixed)), lede, records


@pytest.mark.parametrize("row_by_row", [1, 10**6])
def test_batch_signing_equals_one_matrix_per_document(
    row_by_row: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Padded groups of documents, one permutation at a time or broadcast, give the
    values, counts, ledes and edge blocks of one (permutations x n-grams) matrix each."""
    monkeypatch.setattr(dedup, "_ROW_BY_ROW", row_by_row)
    texts = [prepare([b.text for b in item.article.body], P) for item in demo_corpus()]
    # A body that repeats its opening: its minima are found in several columns.
    texts.append(prepare([" ".join([STORY] * 3), STORY, "Share this article"], P))
    token_sets = [dedup.kept_hashes(t, frozenset()) for t in texts]
    edges = [dedup.kept_edges(t, frozenset()) for t in texts]
    batch = dedup.sign_many(token_sets, P, edges)
    for tokens, spans, ours in zip(token_sets, edges, batch, strict=True):
        minima, distinct, lede, records = _one_matrix_per_document(tokens, spans)
        assert np.array_equal(ours.hashvalues, minima)
        assert ours.shingle_count == distinct
        assert np.array_equal(ours.lede, lede)
        assert ours.edges is not None
        assert ours.edges.tobytes() == records.tobytes()


def _remainder_with_numpy_sets(a: Signature, b: Signature) -> tuple[float, float] | None:
    """``beyond_shared_edges`` with numpy's set operations (the way it was first written)."""
    assert a.edges is not None and b.edges is not None
    ours, theirs = a.edges, b.edges
    shared = np.intersect1d(ours["hash"][ours["shingles"] > 0], theirs["hash"])
    if not len(shared):
        return None
    mine = np.isin(ours["hash"], shared)
    _, first = np.unique(ours["hash"][mine], return_index=True)
    inside = int(ours["shingles"][mine][first].sum())
    rest_a, rest_b = a.shingle_count - inside, b.shingle_count - inside
    if min(rest_a, rest_b) < P.min_shingles:
        return None
    explained_a = np.bitwise_or.reduce(ours["explains"][mine], axis=0)
    explained_b = np.bitwise_or.reduce(theirs["explains"][np.isin(theirs["hash"], shared)], axis=0)
    judged = ~np.unpackbits(explained_a & explained_b, count=len(a.hashvalues)).astype(bool)
    positions = int(np.count_nonzero(judged))
    if positions < P.remainder_min_positions:
        return None
    jaccard = int(np.count_nonzero((a.hashvalues == b.hashvalues) & judged)) / positions
    containment = min(1.0, jaccard / (1.0 + jaccard) * (rest_a + rest_b) / min(rest_a, rest_b))
    return round(jaccard, 4), round(containment, 4)


def test_remainder_beyond_shared_edges_equals_numpy_set_operations() -> None:
    texts = [prepare([b.text for b in item.article.body], P) for item in demo_corpus()]
    signatures = dedup.presign(texts, [frozenset()] * len(texts), P)
    bodies = [t.presigned.signature for t in signatures if t.presigned is not None]
    rng = random.Random(3)
    judged = 0
    for _ in range(400):
        a, b = rng.choice(bodies), rng.choice(bodies)
        assert a.edges is not None and b.edges is not None
        # Give b one of a's edge blocks (sometimes twice), as an outlet's footer would be.
        edges = b.edges.copy()
        edges[rng.randrange(len(edges))] = a.edges[rng.randrange(len(a.edges))]
        if rng.random() < 0.3:
            edges = np.concatenate([edges, edges[:1]])
        b = Signature(b.hashvalues, b.shingle_count, b.lede, edges)
        for x, y in ((a, b), (b, a)):
            ours = dedup.beyond_shared_edges(x, y, P)
            expected = _remainder_with_numpy_sets(x, y)
            assert (None if ours is None else (ours.jaccard, ours.containment)) == expected
            judged += ours is not None
    assert judged > 100


def test_band_keys_of_many_equal_each_alone() -> None:
    with_lede = sign(words(STORY))
    without = Signature(with_lede.hashvalues, with_lede.shingle_count)
    together = dedup.band_keys_of([with_lede, without, with_lede], P)
    assert [len(k) for k in together] == [52, 42, 52]
    for signature, keys in zip([with_lede, without, with_lede], together, strict=True):
        assert np.array_equal(keys, band_keys(signature, P))


def _random_keys(rng: np.random.Generator, rows: int) -> np.ndarray:
    return rng.integers(-(2**63), 2**63 - 1, size=(rows, 52), dtype=np.int64)


@pytest.mark.parametrize("tail, fanout", [(1 << 16, 8), (64, 2), (200, 3)])
def test_band_index_finds_what_a_dict_finds(
    tail: int, fanout: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loaded runs, merged levels and the dict of new keys answer like a plain dict."""
    monkeypatch.setattr(dedup.BandIndex, "TAIL_KEYS", tail)
    monkeypatch.setattr(dedup.BandIndex, "FANOUT", fanout)
    rng = np.random.default_rng(5)
    keys = _random_keys(rng, 400)
    # Reprints: some articles share a few band keys with earlier ones.
    for row in range(50, 400, 7):
        keys[row, :5] = keys[row - 30, :5]
    index = dedup.BandIndex()
    index.add_packed(dedup.BandIndex.pack(np.arange(1, 101), keys[:100]))
    for row in range(100, 400):
        index.add(row + 1, keys[row])
    reference: dict[int, list[int]] = {}
    for row in range(400):
        for key in dedup.BandIndex.short_keys(keys[row]).tolist():
            reference.setdefault(key, []).append(row + 1)
    assert len(index) == 400 * 52
    probes = np.concatenate([keys[::3], _random_keys(rng, 20)])
    for probe in probes:
        expected = [
            i for k in dedup.BandIndex.short_keys(probe).tolist() for i in reference.get(k, [])
        ]
        assert sorted(index.query(probe)) == sorted(expected)
    # Looked up ahead for a batch: the same answers, also for keys added after.
    index.prefetch(list(probes[:40]))
    index.add(401, probes[0])
    assert sorted(index.query(probes[0])) == sorted(
        [i for k in dedup.BandIndex.short_keys(probes[0]).tolist() for i in reference.get(k, [])]
        + [401] * 52
    )


@pytest.mark.parametrize("entries", [0, 1, 5, 1000, 4099])
def test_run_directory_counted_in_slices_is_the_whole_count(
    entries: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The directory of a run built a slice at a time: where every key prefix starts."""
    monkeypatch.setattr(dedup._Run, "COUNT_CHUNK", 64)
    rng = np.random.default_rng(entries)
    packed = np.sort(rng.integers(0, 2**64, entries, dtype=np.uint64, endpoint=False))
    run = dedup._Run.build(packed)
    assert run.packed is packed  # kept, not copied
    prefixes = (packed >> np.uint64(64 - run.bits)).astype(np.int64)
    expected = np.zeros((1 << run.bits) + 1, dtype=np.int64)
    expected[1:] = np.cumsum(np.bincount(prefixes, minlength=1 << run.bits))
    assert np.array_equal(run.directory, expected)


def test_owned_entries_are_sorted_in_place_and_kept() -> None:
    rng = np.random.default_rng(8)
    keys = _random_keys(rng, 300)
    packed = dedup.BandIndex.pack(np.arange(1, 301), keys)
    index = dedup.BandIndex()
    index.add_packed(packed, owned=True)
    runs = [run for run in index._levels if run is not None]
    assert len(runs) == 1 and runs[0].packed is packed
    assert (packed[1:] >= packed[:-1]).all()
    assert index.nbytes == packed.nbytes + runs[0].directory.nbytes
    assert index.query(keys[7]).count(8) == 52


# -- verification ------------------------------------------------------------------


def test_excerpt_of_half_an_article_is_contained() -> None:
    full, half = sign(words(STORY)), sign(words(STORY[: len(STORY) // 2]))
    sim = similarity(full, half)
    assert 0.3 < sim.jaccard < 0.7
    assert sim.containment > 0.85


@pytest.mark.parametrize(
    "left, right, expected",
    [
        (STORY, STORY.replace("Tuesday", "Wednesday"), True),  # a one-word edit
        (STORY, "MOSCOW (wire-desk) - " + STORY, True),  # a dateline in front
        (STORY, STORY[: len(STORY) // 2], True),  # an excerpt
        (STORY, OTHER, False),  # another story
        (STORY, STORY[:120], False),  # too short to tell
        (STORY[:120], STORY[:120] + " Extra words.", False),  # short, not identical
    ],
)
def test_are_reprints(left: str, right: str, expected: bool) -> None:
    a = doc(1, left, "2026-11-01T10:00:00Z")
    b = doc(2, right, "2026-11-01T11:00:00Z")
    assert (are_reprints(a, b, P) is not None) is expected


def test_exact_copies_are_reprints_whatever_their_length() -> None:
    a = doc(1, "Short brief.", "2026-11-01T10:00:00Z", chash="same")
    b = doc(2, "Short brief.", "2026-11-01T10:05:00Z", chash="same")
    assert are_reprints(a, b, P) is not None


def test_paragraph_quoted_in_a_long_feature_is_not_a_reprint() -> None:
    feature = " ".join([OTHER, STORY[:300], OTHER.replace("wheat", "rye"), OTHER.upper()])
    a, b = doc(1, STORY, "2026-11-01T10:00:00Z"), doc(2, feature, "2026-11-01T11:00:00Z")
    assert are_reprints(a, b, P) is None


# Invented daily reports of one template: the wording stays, the figures change.
RATES_AR = (
    "أغلق سعر صرف الدولار الأمريكي أمام الجنيه المصري في ختام تعاملات {day} عند {a} جنيه للشراء "
    "و{b} جنيه للبيع في البنك الأهلي المصري، وفق ما أعلنه البنك على موقعه الإلكتروني. "
    "وسجل اليورو {c} جنيه للشراء، فيما بلغ حجم التعاملات بين البنوك نحو {f} مليون دولار خلال "
    "الجلسة. ويترقب المتعاملون اجتماع لجنة السياسة النقدية في البنك المركزي المصري المقرر الشهر "
    "المقبل، وسط توقعات بأن يبقي البنك أسعار الفائدة دون تغيير بعد سلسلة من الزيادات العام "
    "الماضي. ويقول محللون إن تدفقات النقد الأجنبي من السياحة وتحويلات المصريين العاملين في الخارج "
    "تدعم استقرار العملة المحلية في الأسابيع الأخيرة، رغم ارتفاع فاتورة الواردات."
)
RATES_RU = (
    "Курс доллара на межбанковском рынке по итогам торгов {day} составил {a} рубля, следует из "
    "данных биржи; евро завершил день на отметке {c} рубля, юань - на отметке {b} рубля. "
    "Объем торгов за сессию составил {f} млрд рублей. Аналитики отмечают, что рубль "
    "поддерживают продажи валютной выручки экспортерами и высокая ключевая ставка Банка России, "
    "которая остается на прежнем уровне с прошлой осени. Участники рынка ожидают, что в "
    "ближайшие недели курс останется в привычном коридоре, если не изменятся цены на нефть и "
    "условия внешней торговли."
)
TUESDAY_AR = {"day": "الثلاثاء", "a": "47.62", "b": "47.72", "c": "51.38", "f": "318"}
WEDNESDAY_AR = {"day": "الأربعاء", "a": "47.81", "b": "47.91", "c": "51.06", "f": "295"}
TUESDAY_RU = {"day": "во вторник", "a": "81,45", "b": "11,27", "c": "88,12", "f": "412,6"}
WEDNESDAY_RU = {"day": "в среду", "a": "80,97", "b": "11,19", "c": "87,64", "f": "389,1"}


@pytest.mark.parametrize(
    "template, day1, day2",
    [(RATES_AR, TUESDAY_AR, WEDNESDAY_AR), (RATES_RU, TUESDAY_RU, WEDNESDAY_RU)],
    ids=["ar", "ru"],
)
def test_templated_reports_of_two_days_are_not_reprints(
    template: str, day1: dict[str, str], day2: dict[str, str]
) -> None:
    first, second = template.format(**day1), template.format(**day2)
    a = doc(1, first, "2026-11-03T15:00:00Z")
    b = doc(2, second, "2026-11-04T15:00:00Z")
    # The words alone make them copies; their figures do not.
    assert are_reprints(a, b, P) is None
    assert are_reprints(doc(1, first, "", with_figures=False), b, P) is not None
    # A copy of one day's report keeps its figures, whatever digits it prints them in.
    indic = first.translate(str.maketrans("0123456789.,", "٠١٢٣٤٥٦٧٨٩٫٫"))
    assert are_reprints(a, doc(3, "وكالات - " + indic, "2026-11-03T16:00:00Z"), P) is not None
    excerpt = doc(4, first[: len(first) * 2 // 3], "2026-11-03T17:00:00Z")
    assert are_reprints(a, excerpt, P) is not None


def test_figures_are_runs_of_numbers_as_folded() -> None:
    folded = prepare(["بلغ ١١٫٥١٤ روبل و74.6 مليار في 2 أبريل 2025، بزيادة 9% عن 1,250,000"])
    assert figures_of(folded.folded_text) == {"11 514", "74 6", "1 250 000"}
    russian = prepare(["до 11,514 рубля, 74,6 млрд, 2 апреля 2025 года, на 9%"]).folded_text
    assert figures_of(russian) == {"11 514", "74 6"}


def test_too_few_figures_to_tell_leaves_the_pair_alone() -> None:
    three = prepare(["rates 47.62 and 51.38 and 318 today"]).folded_text
    others = prepare(["rates 47.81 and 51.06 and 295 today"]).folded_text
    assert figures_agree(three, others, P)
    four = prepare(["rates 47.62 and 51.38 and 318 and 4410 today"]).folded_text
    other_four = prepare(["rates 47.81 and 51.06 and 295 and 4380 today"]).folded_text
    assert not figures_agree(four, other_four, P)
    assert figures_agree(four, "", P)


# -- order and clusters -----------------------------------------------------------


def test_order_key_rules() -> None:
    timed = order_key("2022-02-09T14:35:00Z", "minute", False, None, "a")
    day_only = order_key("2022-02-09T00:00:00Z", "day", False, None, "b")
    unknown = order_key(None, None, False, None, "c")
    agency = order_key("2022-02-09T14:35:00Z", "minute", True, None, "z")
    assert timed < day_only < unknown  # a bare date counts as the end of its day
    assert agency < timed  # at the same moment the agency's own copy comes first


def test_chains_do_not_drift() -> None:
    # b copies a; c copies b's second half plus new text, and no longer resembles a.
    half = len(STORY) // 2
    a = doc(1, STORY, "2026-11-01T10:00:00Z")
    b = doc(2, STORY[half // 2 :], "2026-11-01T11:00:00Z")
    c = doc(3, STORY[half:] + " " + OTHER, "2026-11-01T12:00:00Z")
    assert are_reprints(b, a, P) and are_reprints(c, b, P) and not are_reprints(c, a, P)
    result = cluster([a, b, c], P)
    assert result[2].cluster_id == 1
    assert result[3].cluster_id == 3  # it does not join a's cluster through b


def test_cluster_names_the_earliest_article_canonical() -> None:
    late_original = doc(1, STORY, "2026-11-01T09:00:00Z")
    copy = doc(2, "LONDON - " + STORY, "2026-11-01T10:00:00Z")
    result = cluster([copy, late_original], P)
    assert result[1] == Membership(1)
    assert result[2].cluster_id == 1 and result[2].matched_to == 1
    assert result[2].jaccard is not None and result[2].jaccard > 0.8


def test_cluster_does_not_depend_on_arrival_order() -> None:
    items = demo_corpus()
    docs = []
    for number, item in enumerate(items, 1):
        a = item.article
        order = order_key(
            a.published.astimezone().strftime("%Y-%m-%dT%H:%M:%SZ") if a.published else None,
            a.published_precision,
            False,
            None,
            a.key,
        )
        text = prepare([b.text for b in a.body])
        signature = sign(dedup.kept_words(text, set()))
        docs.append(IndexedDoc.build(number, signature, a.content_hash, order, P))
    expected = cluster(docs, P)
    for seed in range(3):
        shuffled = docs[:]
        random.Random(seed).shuffle(shuffled)
        assert cluster(shuffled, P) == expected


def test_join_or_lead() -> None:
    original = doc(1, STORY, "2026-11-01T09:00:00Z")
    copy = doc(2, "CAIRO - " + STORY, "2026-11-01T10:00:00Z")
    unrelated = doc(3, OTHER, "2026-11-01T08:00:00Z")
    # A later copy of a canonical joins it; nothing else needs to change.
    joined = join_or_lead(copy, [(original, True), (unrelated, True)], P)
    assert joined is not None and joined.cluster_id == 1
    # An early copy arriving after a later one: the neighbourhood must be reclustered.
    assert join_or_lead(original, [(copy, True)], P) is None
    # Nothing similar: it leads its own cluster.
    assert join_or_lead(unrelated, [(original, True)], P) == Membership(3)


# -- boilerplate and parameters ------------------------------------------------------


def test_prepare_hashes_only_edge_blocks_of_three_words_or_more() -> None:
    blocks = [
        "Share",
        "First paragraph of the story.",
        *[f"Middle {i} of it." for i in range(6)],
        "About us: an independent outlet.",
        "Subscribe now",
    ]
    text = prepare(blocks, P)
    assert set(text.edge_hashes) == {1, 2, 7, 8}  # not "Share"/"Subscribe now", not the middle
    boilerplate = {text.edge_hashes[8]}
    assert "independent" not in dedup.kept_words(text, boilerplate)
    assert "independent" in dedup.kept_words(text, set())


def test_index_parameters_mismatch_names_the_rebuild_command() -> None:
    stored = P.index_record()
    check_index_params(stored, P, "x.db")  # same parameters: fine
    other = dedup.replace_params(P, shingle_size=5)
    with pytest.raises(
        IndexMismatchError, match=r"shingle_size 4 .*uses 5.*wirecrawl --db x.db dedup rebuild"
    ):
        check_index_params(stored, other, "x.db")
    with pytest.raises(IndexMismatchError, match="no record"):
        check_index_params({}, P, "x.db")


def test_thresholds_are_not_index_parameters() -> None:
    looser = dedup.replace_params(P, jaccard_threshold=0.2)
    check_index_params(P.index_record(), looser, "x.db")


@pytest.mark.parametrize(
    "bad", [{"shingle_size": 0}, {"bands": 100, "rows": 3}, {"scheme": "legacy"}]
)
def test_invalid_parameters(bad: dict) -> None:
    with pytest.raises(ValueError):
        dedup.replace_params(P, **bad)


def test_arabic_spelling_variants_still_match() -> None:
    # The same sentence in standard and Egyptian spelling, with tatweel and harakat.
    standard = " ".join(
        ["أكد نائب وزير الخارجية الروسي أن منظمة معاهدة الأمن الجماعي ليست حلفاً عسكرياً"] * 3
        + ["وأضاف أن الدول الأعضاء في المنظمة تتحمل مسؤولية جماعية عن الأمن في المنطقة"] * 2
    )
    egyptian = (
        standard.replace("أكد", "اكد")
        .replace("الأمن", "الامن")
        .replace("الجماعي", "الجماعى")
        .replace("الخارجية", "الخـارجية")
        .replace("منظمة", "مُنظمة")
    )
    folded = similarity(sign(words(standard)), sign(words(egyptian)))
    raw_a = set(itertools.pairwise(standard.split()))
    raw_b = set(itertools.pairwise(egyptian.split()))
    raw_jaccard = len(raw_a & raw_b) / len(raw_a | raw_b)
    assert folded.jaccard > 0.9 > raw_jaccard + 0.3


def test_the_vectorised_pre_check_never_drops_a_reprint() -> None:
    """``could_be_reprints`` keeps every pair ``are_reprints`` accepts, at every overlap."""
    rng = np.random.default_rng(5)
    params = dedup.DEFAULT_PARAMS
    base = rng.integers(0, 2**32, size=params.num_perm, dtype=np.uint32)
    others, counts = [], []
    for shared in range(params.num_perm + 1):
        values = rng.integers(0, 2**32, size=params.num_perm, dtype=np.uint32)
        values[:shared] = base[:shared]
        others.append(values)
        counts.append(int(rng.integers(5, 600)))
    signature = dedup.Signature(base, 300)
    kept = dedup.could_be_reprints(signature, np.array(others), np.array(counts), params)
    doc = dedup.IndexedDoc(1, signature, "a", ("", 0, "", ""), frozenset({7}))
    accepted = []
    for number, (values, count) in enumerate(zip(others, counts, strict=True)):
        other = dedup.IndexedDoc(
            number + 2, dedup.Signature(values, count), "b", ("", 0, "", ""), frozenset({7})
        )
        accepted.append(dedup.are_reprints(doc, other, params) is not None)
    assert any(accepted) and not all(accepted)
    assert all(kept[i] for i, ok in enumerate(accepted) if ok)
    # It is a filter, not a pass-through: most clearly different signatures are dropped.
    assert sum(kept) <= sum(accepted) + 5


def test_band_index_batch_indexed_ahead_finds_the_earlier_members() -> None:
    """prefetch(..., ahead=ids): each article finds what it would find were they added in turn."""
    rng = np.random.default_rng(9)
    stored = _random_keys(rng, 50)
    batch = _random_keys(rng, 30)
    for row in range(3, 30, 4):
        batch[row, :3] = batch[row - 2, :3]  # a reprint inside the batch
        batch[row, 10:12] = stored[row, 10:12]  # and of a stored article
    ahead: list[int | None] = [100 + row for row in range(30)]
    ahead[5] = None  # already stored: it gets no id
    one_by_one = dedup.BandIndex()
    one_by_one.add_packed(dedup.BandIndex.pack(np.arange(1, 51), stored))
    expected = []
    for row in range(30):
        expected.append(sorted(one_by_one.query(batch[row])))
        if ahead[row] is not None:
            one_by_one.add(int(ahead[row]), batch[row])  # type: ignore[arg-type]
    together = dedup.BandIndex()
    together.add_packed(dedup.BandIndex.pack(np.arange(1, 51), stored))
    together.prefetch(list(batch), ahead)
    assert [sorted(together.query(batch[row])) for row in range(30)] == expected
    assert len(together) == len(one_by_one)
    assert any(100 + row - 2 in expected[row] for row in range(3, 30, 4))


def test_band_keys_of_a_large_batch_equal_each_alone() -> None:
    """A batch large enough to be keyed a row of each band at a time gives the same keys."""
    signatures = random_signatures(
        np.random.default_rng(6), 2 * dedup._KEYS_ROW_BY_ROW, every_lede_missing=4
    )
    together = dedup.band_keys_of(signatures, P)
    assert [k.tolist() for k in together] == [band_keys(s, P).tolist() for s in signatures]
