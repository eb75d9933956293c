"""The command line, through click's CliRunner, on real seed files and broken inputs."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.app.cli import main
from tests.conftest import SEEDS, need_shared

RECORD_COLUMNS = [
    "key",
    "url",
    "outlet",
    "title",
    "published_at",
    "published_text",
    "published_source",
    "published_precision",
    "language",
    "alternates",
    "body",
    "authors",
    "publisher",
    "photo_credit",
    "wire_agency",
    "attribution",
    "fetched_at",
    "content_hash",
]

GOOD_RU = "Заголовок новости\n\n9 февраля 2022\n\nПервый абзац текста.\n\nИсточник: ТАСС\n"


def run(db: Path, *args: str, ok: bool = True) -> str:
    result = CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result.output


def records(db: Path) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    rows = conn.execute(f"SELECT {', '.join(RECORD_COLUMNS)} FROM articles ORDER BY key")
    out = [dict(r) for r in rows]
    conn.close()
    return out


def test_import_seed_twice_stores_it_once(db_path: Path) -> None:
    seeds = need_shared(SEEDS)
    out = run(db_path, "import", str(seeds))
    assert "imported 1 new article from 1 file into" in out
    out = run(db_path, "import", str(seeds))
    assert "imported 0 new" in out and "1 already stored" in out
    summary = json.loads(run(db_path, "import", "--json", str(seeds)))
    assert summary == {
        "files": 1,
        "imported": 0,
        "known": 1,
        "copies": 0,
        "failed": 0,
        "store": str(db_path),
    }
    assert len(records(db_path)) == 1
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT source_file FROM articles").fetchone()[0] == (
        "000_fddc9570532f3f98.txt"
    )


def test_seed_round_trip_through_export(tmp_path: Path, db_path: Path) -> None:
    seeds = need_shared(SEEDS)
    run(db_path, "import", str(seeds))
    out_dir = tmp_path / "X"
    run(db_path, "export", "--format", "seed", "--out", str(out_dir))
    exported = sorted(p.name for p in out_dir.glob("*.txt"))
    assert len(exported) == 1
    assert exported[0][:4] == "000_" and len(exported[0]) == len("000_") + 16 + len(".txt")
    # Re-importing into the same store finds the record already there ...
    assert "imported 0 new" in run(db_path, "import", str(out_dir))
    # ... and importing into a fresh store gives the same record.
    fresh = tmp_path / "fresh.db"
    run(fresh, "import", str(out_dir))
    assert records(fresh) == records(db_path)
    # The exported text is the seed up to whitespace.
    original = (seeds / "000_fddc9570532f3f98.txt").read_text(encoding="utf-8")
    written = (out_dir / exported[0]).read_text(encoding="utf-8")
    assert [" ".join(x.split()) for x in written.splitlines() if x.split()] == [
        " ".join(x.split()) for x in original.splitlines() if x.split()
    ]


@pytest.mark.parametrize(
    "query", ["الناتو", "النـاتو", "ألناتو", "النّاتو", "حلف الناتو", "الامن الجماعى"]
)
def test_search_finds_the_seed_in_any_spelling(db_path: Path, query: str) -> None:
    run(db_path, "import", str(need_shared(SEEDS)))
    hits = [json.loads(line) for line in run(db_path, "search", query, "--json").splitlines()]
    assert len(hits) == 1
    assert hits[0]["source_file"] == "000_fddc9570532f3f98.txt"
    assert hits[0]["wire_agency"] == "tass"
    human = run(db_path, "search", query)
    assert "000_fddc9570532f3f98.txt" in human


def test_search_without_hits_says_so(db_path: Path, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(GOOD_RU, encoding="utf-8")
    run(db_path, "import", str(tmp_path / "a.txt"))
    result = CliRunner().invoke(main, ["--db", str(db_path), "search", "nothingsuch"])
    assert result.exit_code == 0
    assert "no article matches" in result.output
    assert run(db_path, "search", "nothingsuch", "--json") == ""


def test_stats_json(db_path: Path, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(GOOD_RU, encoding="utf-8")
    run(db_path, "import", str(tmp_path))
    figures = json.loads(run(db_path, "stats", "--json"))
    assert figures["articles"] == 1
    assert figures["languages"] == {"ru": 1}
    assert figures["wire_agencies"] == {"tass": 1}
    assert "articles" in run(db_path, "stats")


def test_commands_on_a_missing_store_explain(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "none.db"), "stats"])
    assert result.exit_code == 2
    assert "there is no store at" in result.output and "none.db" in result.output
    assert "Traceback" not in result.output


def test_db_from_environment(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(GOOD_RU, encoding="utf-8")
    db = tmp_path / "env.db"
    result = CliRunner().invoke(
        main, ["import", str(tmp_path / "a.txt")], env={"WIRECRAWL_DB": str(db)}
    )
    assert result.exit_code == 0, result.output
    assert db.exists()


def _broken_inputs(folder: Path) -> dict[str, str]:
    """Write one file per kind of bad input; returns file name -> expected message."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    (folder / "cp1256.txt").write_bytes("عنوان الخبر\n\nنص الخبر.\n".encode("cp1256"))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.txt").write_text(" \n\u00a0\n", encoding="utf-8")
    (folder / "title-only.txt").write_text("Only a title\n", encoding="utf-8")
    (folder / "huge.txt").write_bytes(b"a" * (3 * 1024 * 1024))
    os.symlink(folder / "does-not-exist", folder / "dangling.txt")
    return {
        "binary.txt": "binary file",
        "cp1256.txt": "is not UTF-8",
        "empty.txt": "empty",
        "blank.txt": "empty",
        "title-only.txt": "no body",
        "huge.txt": "too large",
        "dangling.txt": "cannot read",
    }


def test_bad_files_are_named_and_the_rest_imported(db_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    expected = _broken_inputs(folder)
    (folder / "good.txt").write_text(GOOD_RU, encoding="utf-8")
    (folder / "sub").mkdir()
    (folder / "sub" / "good2.txt").write_text(GOOD_RU.replace("Первый", "Второй"), "utf-8")
    result = CliRunner().invoke(
        main, ["--db", str(db_path), "import", str(folder), str(tmp_path / "missing")]
    )
    assert result.exit_code == 1
    assert "imported 2 new articles" in result.output
    for name, message in expected.items():
        lines = [line for line in result.output.splitlines() if name in line]
        assert lines and message in lines[0], (name, result.output)
    assert "missing: does not exist" in result.output
    assert len(records(db_path)) == 2


@pytest.mark.slow
def test_folder_of_ten_thousand_files_with_a_few_broken(db_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(10_000):
        (folder / f"{i:05d}.txt").write_text(
            f"Заголовок {i}\n\n9 февраля 2022\n\nАбзац номер {i}, текст статьи.\n",
            encoding="utf-8",
        )
    broken = ["00017.txt", "04242.txt", "09999.txt"]
    (folder / broken[0]).write_bytes(b"\xff\xfe\x00\xd8 broken")  # bad UTF-16
    (folder / broken[1]).write_bytes(b"")
    (folder / broken[2]).write_bytes("Заголовок\n\nТекст.\n".encode("koi8-r"))
    result = CliRunner().invoke(main, ["--db", str(db_path), "import", str(folder)])
    assert result.exit_code == 1
    assert "imported 9,997 new articles from 10,000 files" in result.output
    for name in broken:
        assert name in result.output
    assert len(records(db_path)) == 9997


def test_export_jsonl_and_csv(db_path: Path, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(GOOD_RU, encoding="utf-8")
    run(db_path, "import", str(tmp_path / "a.txt"))
    out = run(db_path, "export", "--format", "jsonl", "--out", "-")
    (row,) = [json.loads(line) for line in out.splitlines()]
    assert row["title"] == "Заголовок новости"
    assert row["wire_agency"] == "tass"
    assert {"cluster_id", "is_canonical", "jaccard", "containment", "matched_to"} <= row.keys()
    csv_path = tmp_path / "out" / "a.csv"
    run(db_path, "export", "--format", "csv", "--out", str(csv_path))
    text = csv_path.read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("id,url,outlet,title")
    assert "Заголовок новости" in text


def test_export_filters(db_path: Path, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(GOOD_RU, encoding="utf-8")
    run(db_path, "import", str(tmp_path / "a.txt"))
    assert run(db_path, "export", "--format", "jsonl", "--out", "-", "--since", "2023") == ""
    assert run(db_path, "export", "--format", "jsonl", "--out", "-", "--language", "ru")


def test_help_explains_every_command() -> None:
    out = CliRunner().invoke(main, ["--help"]).output
    for command in ("import", "export", "search", "stats", "demo"):
        assert command in out
        sub = CliRunner().invoke(main, [command, "--help"])
        assert sub.exit_code == 0 and len(sub.output) > 200


def test_python_dash_m_crawler_runs() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "crawler", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert "wirecrawl" in result.stdout
