"""Bad local input: each bad file is named with a reason, and the good ones are still imported.

Adds to tests/test_cli.py (binary, cp1256, empty, huge, dangling symlink,
10,000 files) and tests/test_opml.py (entities, 100,000 outlines) what they
leave out: things in a folder that are not files at all (a FIFO, a device, a
socket, a symlink loop, a folder named ``x.txt``), a file removed between
listing and reading, files in the wrong encoding (each named with the code
page it reads as), files larger than they say, and an entity bomb given to
``wirecrawl feeds import``. The imports run in a subprocess with a timeout:
a FIFO used to block the import forever.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.app.importer import find_seed_files, read_seed_file
from crawler.core.errors import InputFileError
from tests.hostile_site import ROOT, rows

GOOD = "Заголовок новости {n}\n\n9 февраля 2022\n\nПервый абзац текста номер {n}.\n"
RUSSIAN = "Заголовок новости\n\n9 февраля 2022\n\nПервый абзац текста о событиях в Москве.\n"
ARABIC = "عنوان الخبر\n\nنص الخبر عن اجتماع الوزراء في القاهرة يوم الثلاثاء.\n"
FRENCH = "Le café de la gare\n\nLes élèves ont visité le musée près de la rivière.\n"


def wirecrawl(db: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """``wirecrawl --db DB ARGS`` in a subprocess (a hang fails the test, not the suite)."""
    return subprocess.run(
        [sys.executable, "-m", "crawler", "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def skipped(stderr: str) -> dict[str, str]:
    """File name -> reason, from the import's ``skipped`` lines."""
    out = {}
    for line in stderr.splitlines():
        if line.startswith("wirecrawl: skipped "):
            path, _, reason = line.removeprefix("wirecrawl: skipped ").partition(": ")
            out[Path(path).name] = reason
    return out


def test_a_folder_with_things_that_are_not_files(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    (folder / "folder.txt").mkdir(parents=True)
    (folder / "folder.txt" / "inside.txt").write_text(GOOD.format(n=1), encoding="utf-8")
    (folder / "good.txt").write_text(GOOD.format(n=2), encoding="utf-8")
    os.mkfifo(folder / "fifo.txt")
    os.symlink("/dev/zero", folder / "zero.txt")
    os.symlink(folder / "loop.txt", folder / "loop.txt")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(folder / "socket.txt"))
    try:
        result = wirecrawl(tmp_path / "s.db", "import", "--json", str(folder))
    finally:
        server.close()
    assert result.returncode == 1
    reasons = skipped(result.stderr)
    assert reasons == {
        "fifo.txt": "is a named pipe (FIFO), not a text file",
        "zero.txt": "is a device, not a text file",
        "socket.txt": "is a socket, not a text file",
        "loop.txt": "cannot read it (Too many levels of symbolic links)",
    }
    summary = json.loads(result.stdout)
    assert (summary["imported"], summary["failed"]) == (2, 4)
    stored = rows(tmp_path / "s.db", "SELECT source_file FROM articles ORDER BY source_file")
    assert stored == [("good.txt",), ("inside.txt",)]


def test_a_file_removed_between_listing_and_reading(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(GOOD.format(n=1), encoding="utf-8")
    (tmp_path / "b.txt").write_text(GOOD.format(n=2), encoding="utf-8")
    found = find_seed_files([tmp_path])
    (tmp_path / "a.txt").unlink()
    with pytest.raises(InputFileError, match=r"a\.txt: cannot read it \(No such file"):
        read_seed_file(found.files[0])
    assert read_seed_file(found.files[1]).source_file == "b.txt"


def test_wrong_encodings_are_named_with_what_they_read_as(tmp_path: Path) -> None:
    folder = tmp_path / "enc"
    folder.mkdir()
    files = {
        "koi8-r.txt": RUSSIAN.encode("koi8-r"),
        "windows-1251.txt": RUSSIAN.encode("cp1251"),
        "windows-1256.txt": ARABIC.encode("cp1256"),
        "latin-1.txt": FRENCH.encode("latin-1"),
        "utf-16-le.txt": RUSSIAN.encode("utf-16-le"),
        "utf-16-be.txt": ARABIC.encode("utf-16-be"),
        "binary-tail.txt": RUSSIAN.encode() * 200 + bytes(range(32)) * 10,
        # Readable: UTF-8 and UTF-16 with byte-order marks.
        "utf-8-bom.txt": b"\xef\xbb\xbf" + GOOD.format(n=1).encode(),
        "utf-16-bom.txt": GOOD.format(n=2).encode("utf-16"),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    result = wirecrawl(tmp_path / "e.db", "import", str(folder))
    assert result.returncode == 1
    reasons = skipped(result.stderr)
    for name, iconv in [
        ("koi8-r.txt", "KOI8-R"),
        ("windows-1251.txt", "WINDOWS-1251"),
        ("windows-1256.txt", "WINDOWS-1256"),
        ("latin-1.txt", "WINDOWS-1252"),
    ]:
        assert reasons[name].startswith("is not UTF-8 text (byte 0x"), reasons[name]
        assert f"convert it first with `iconv -f {iconv} -t UTF-8`" in reasons[name]
    for name, codec in [("utf-16-le.txt", "UTF-16-LE"), ("utf-16-be.txt", "UTF-16-BE")]:
        assert reasons[name] == (
            f"looks like {codec} text without a byte-order mark; convert it first: "
            f"`iconv -f {codec} -t UTF-8`"
        )
    assert reasons["binary-tail.txt"] == "looks like a binary file, not a seed-format text file"
    assert len(reasons) == 7
    assert rows(tmp_path / "e.db", "SELECT count(*) FROM articles") == [(2,)]


def test_files_larger_than_the_limit_are_not_read(tmp_path: Path) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    with (folder / "sparse.txt").open("wb") as handle:
        handle.truncate(5 * 1024**3)  # 5 GB that take no disk: refused by its size alone
    (folder / "good.txt").write_text(GOOD.format(n=1), encoding="utf-8")
    result = wirecrawl(tmp_path / "b.db", "import", str(folder), timeout=30)
    assert result.returncode == 1
    assert skipped(result.stderr) == {
        "sparse.txt": "5,368,709,120 bytes is too large for one article (limit 2,097,152); "
        "is it really a seed-format file?"
    }
    assert rows(tmp_path / "b.db", "SELECT count(*) FROM articles") == [(1,)]


def test_feeds_import_of_an_entity_bomb_keeps_the_readable_feeds(tmp_path: Path) -> None:
    entities = ['<!ENTITY a "aaaaaaaaaa">'] + [
        f'<!ENTITY b{k} "{(f"&b{k - 1};" if k else "&a;") * 10}">' for k in range(10)
    ]
    opml = tmp_path / "bomb.opml"
    opml.write_text(
        '<?xml version="1.0"?><!DOCTYPE opml [' + "".join(entities) + "]>"
        '<opml version="2.0"><body>'
        '<outline type="rss" text="&b9;" xmlUrl="http://bomb.example/feed.xml"/>'
        '<outline type="rss" text="Plain" xmlUrl="http://plain.example/rss"/>'
        "</body></opml>",
        encoding="utf-8",
    )
    result = wirecrawl(tmp_path / "o.db", "feeds", "import", str(opml), timeout=60)
    assert result.returncode == 0, result.stderr
    assert "2 feeds read, 2 added" in result.stdout
    assert "entity" in result.stderr  # the refusal to expand is said, with the file's name
    titles = rows(tmp_path / "o.db", "SELECT url, length(coalesce(title, '')) FROM feeds")
    assert {url for url, _ in titles} == {
        "http://bomb.example/feed.xml",
        "http://plain.example/rss",
    }
    assert max(length for _, length in titles) < 1000  # nothing was expanded
