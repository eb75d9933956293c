"""`wirecrawl clusters` and `wirecrawl dedup rebuild` through CliRunner, on a folder of reprints."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.app.cli import main
from crawler.core.compare import align, shared_spans
from crawler.core.seedformat import render_seed_text
from tests.reprint_set import demo_corpus


def run(db: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture
def reprints_db(tmp_path: Path) -> Path:
    """A store filled by `wirecrawl import` from a folder of seed files of the demo site."""
    folder = tmp_path / "reprints"
    folder.mkdir()
    for number, item in enumerate(demo_corpus()):
        (folder / f"{number:03d}_{item.article.content_hash[:16]}.txt").write_text(
            render_seed_text(item.article), encoding="utf-8"
        )
    db = tmp_path / "reprints.db"
    out = run(db, "import", str(folder))
    # Without URLs a file is known by its text: the exact mirror is the same record.
    assert "imported 58 new" in out and "1 already stored" in out
    return db


def test_clusters_list_json_shows_clusters_with_reasons(reprints_db: Path) -> None:
    lines = run(reprints_db, "clusters", "list", "--json").splitlines()
    clusters = [json.loads(line) for line in lines]
    # Ten stories, one of them in two languages: eleven reprint clusters.
    assert len(clusters) == 11
    sizes = [c["size"] for c in clusters]
    assert sizes == sorted(sizes, reverse=True)
    for cluster in clusters:
        assert cluster["canonical"]["article_id"] == cluster["cluster_id"]
        members = cluster["members"]
        assert len(members) == cluster["size"]
        for member in members:
            assert {
                "article_id",
                "url",
                "source_file",
                "outlet",
                "title",
                "published",
                "language",
                "wire",
                "jaccard",
                "containment",
                "matched_to",
            } <= member.keys()
            if member["is_canonical"]:
                assert member["matched_to"] is None
            else:
                assert member["matched_to"] == cluster["cluster_id"]
                assert member["jaccard"] > 0 and member["containment"] >= 0.6
        files = {m["source_file"] for m in members}
        assert len(files) == len(members)


def test_clusters_are_the_demo_stories(reprints_db: Path) -> None:
    hash_to_story = {item.article.content_hash[:16]: item.story for item in demo_corpus()}
    clusters = [
        json.loads(line) for line in run(reprints_db, "clusters", "list", "--json").splitlines()
    ]
    for cluster in clusters:
        stories = Counter(hash_to_story[m["source_file"][4:20]] for m in cluster["members"])
        assert len(stories) == 1 and None not in stories, stories


def test_clusters_list_filters(reprints_db: Path) -> None:
    tass = [
        json.loads(x)
        for x in run(reprints_db, "clusters", "list", "--json", "--wire", "tass").splitlines()
    ]
    assert tass and all(c["wire_agency"] == "tass" for c in tass)
    assert run(reprints_db, "clusters", "list", "--json", "--min-size", "99") == ""
    everything = run(
        reprints_db, "clusters", "list", "--json", "--min-size", "1", "--limit", "1000"
    )
    assert len(everything.splitlines()) > 11
    human = run(reprints_db, "clusters")
    assert "canonical" in human and "J=" in human and "C=" in human


def test_clusters_show_side_by_side(reprints_db: Path) -> None:
    first = json.loads(run(reprints_db, "clusters", "list", "--json", "--limit", "1"))
    out = run(reprints_db, "clusters", "show", str(first["cluster_id"]), "--width", "140")
    assert "timeline" in out and "canonical: published first" in out
    assert " = | " in out  # kept paragraphs side by side
    assert "kept," in out and "cut)" in out
    member = first["members"][1]["article_id"]
    # Any member's id finds its cluster.
    assert "timeline" in run(reprints_db, "clusters", "show", str(member))
    data = json.loads(run(reprints_db, "clusters", "show", str(first["cluster_id"]), "--json"))
    kinds = {row["kind"] for m in data["members"] for row in m.get("rows", [])}
    assert "same" in kinds


def test_clusters_show_unknown_id(reprints_db: Path) -> None:
    out = run(reprints_db, "clusters", "show", "999999", code=1)
    assert "there is no cluster 999999" in out


def test_dedup_rebuild_gives_the_same_clusters(reprints_db: Path) -> None:
    before = run(reprints_db, "clusters", "list", "--json", "--min-size", "1", "--limit", "1000")
    out = run(reprints_db, "dedup", "rebuild")
    assert "rebuilt the reprint index" in out and "58 articles" in out
    after = run(reprints_db, "clusters", "list", "--json", "--min-size", "1", "--limit", "1000")
    strip = lambda text: sorted(  # noqa: E731
        (c["cluster_id"], sorted(m["article_id"] for m in c["members"]))
        for c in map(json.loads, text.splitlines())
    )
    assert strip(after) == strip(before)


# -- compare ---------------------------------------------------------------------


def test_align_marks_kept_changed_added_and_cut() -> None:
    canonical = [
        "The museum opened an exhibition of astrolabes on Tuesday with forty objects.",
        "The oldest instrument was made seven centuries ago and restored by hand.",
        "Admission is free for schoolchildren on weekdays, the museum said.",
    ]
    copy = [
        "KAZAN - The museum opened an exhibition of astrolabes on Tuesday with forty objects.",
        "Admission is free for all schoolchildren on weekdays, the museum said.",
        "Our newsletter brings you the day's news every morning.",
    ]
    rows = align(canonical, copy)
    # A dateline put in front of a paragraph is a change; its word counts as added.
    assert [r.kind for r in rows] == ["changed", "cut", "changed", "added"]
    assert (rows[0].words_added, rows[0].words_cut) == (1, 0)
    assert (rows[2].words_added, rows[2].words_cut) == (1, 0)
    assert rows[1].canonical.startswith("The oldest")
    spans_a, spans_b = shared_spans(canonical[2], copy[1])
    assert spans_a and spans_b


def test_align_matches_arabic_spelling_variants() -> None:
    canonical = ["أكد نائب وزير الخارجية أن منظمة معاهدة الأمن الجماعي ليست حلفاً عسكرياً"]
    copy = ["اكد نائب وزير الخـارجية ان منظمة معاهدة الامن الجماعى ليست حلفاً عسكرياً"]
    assert [r.kind for r in align(canonical, copy)] == ["same"]


def test_export_only_canonical_and_one_cluster(reprints_db: Path, tmp_path: Path) -> None:
    canonical = run(reprints_db, "export", "--format", "jsonl", "--out", "-", "--only-canonical")
    rows = [json.loads(line) for line in canonical.splitlines()]
    assert rows and all(r["is_canonical"] == 1 for r in rows)
    everything = run(reprints_db, "export", "--format", "jsonl", "--out", "-").splitlines()
    assert len(rows) < len(everything)
    first = json.loads(run(reprints_db, "clusters", "list", "--json", "--limit", "1"))
    members = run(
        reprints_db,
        "export",
        "--format",
        "jsonl",
        "--out",
        "-",
        "--cluster",
        str(first["cluster_id"]),
    ).splitlines()
    assert len(members) == first["size"]
    folder = tmp_path / "one-cluster"
    run(
        reprints_db,
        "export",
        "--format",
        "seed",
        "--out",
        str(folder),
        "--cluster",
        str(first["cluster_id"]),
    )
    assert len(list(folder.glob("*.txt"))) == first["size"]
