"""Reading seed-format files from disk, and writing them back.

``find_seed_files`` expands the paths a user gave (files and folders, walked
recursively) into ``.txt`` files; ``read_seed_file`` turns one file into an
``Article`` or raises ``InputFileError`` naming the file and what is wrong
with it, so one bad file never stops an import.

Export writes ``NNN_<16 hex>.txt`` files (the seed's own naming) plus a
``manifest.jsonl`` with what the seed format has no line for (URL, outlet,
exact publication and fetch times). Importing a folder with that manifest
restores those fields, so export followed by import gives the same records.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.core.charset import guess_legacy_charset
from crawler.core.clock import time_or_none
from crawler.core.codec import article_to_json
from crawler.core.errors import InputFileError, SeedFormatError
from crawler.core.items import Article
from crawler.core.seedformat import parse_seed_text, render_seed_text

#: Files larger than this are refused: a news article is a few kilobytes.
MAX_SEED_FILE_BYTES = 2 * 1024 * 1024
MANIFEST_NAME = "manifest.jsonl"
SEED_SUFFIX = ".txt"


@dataclass(frozen=True)
class FoundFiles:
    """The seed files under the paths a user gave, and the paths that could not be used."""

    #: Readable-looking ``.txt`` files, in a stable order.
    files: list[Path]
    #: (path, reason) for each given path that could not be used.
    problems: list[tuple[Path, str]]


def find_seed_files(paths: Iterable[str | Path]) -> FoundFiles:
    """Expand files and folders (recursively) into seed-format ``.txt`` files."""
    files: list[Path] = []
    problems: list[tuple[Path, str]] = []
    for given in map(Path, paths):
        if given.is_dir():
            found: list[Path] = []

            def _walk_error(error: OSError, root: Path = given) -> None:
                problems.append((Path(error.filename or root), f"cannot read: {error.strerror}"))

            for root, dirs, names in os.walk(given, onerror=_walk_error):
                dirs.sort()
                found.extend(Path(root) / n for n in names if n.endswith(SEED_SUFFIX))
            files.extend(sorted(found))
        elif given.is_file():
            files.append(given)
        elif given.exists():
            problems.append((given, "is neither a file nor a folder"))
        else:
            problems.append((given, "does not exist"))
    return FoundFiles(files, problems)


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` when ``data`` reads as BOM-less UTF-16 text, else None."""
    head = data[:8192]
    if len(head) < 4 or len(head) % 2:
        return None
    # ASCII characters (spaces, newlines) put their zero byte always on the same side.
    odd, even = head[1::2].count(0), head[0::2].count(0)
    codec = "utf-16-le" if odd and not even else "utf-16-be" if even and not odd else None
    if codec is None:
        return None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    return None if _CONTROLS.search(text) else codec


_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def decode_text(data: bytes, name: str) -> str:
    """Decode a seed file's bytes as UTF-8 (a BOM is allowed, UTF-16 with BOM too)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputFileError(f"{name}: broken UTF-16 text ({exc.reason})") from exc
    if b"\x00" in data:
        codec = _utf16_without_bom(data)
        if codec is not None:
            raise InputFileError(
                f"{name}: looks like {codec.upper()} text without a byte-order mark; convert "
                f"it first: `iconv -f {codec.upper()} -t UTF-8`"
            )
        raise InputFileError(f"{name}: looks like a binary file, not a seed-format text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        where = f"byte 0x{data[exc.start]:02x} at offset {exc.start}"
        charset = guess_legacy_charset(data)
        if charset is not None:
            raise InputFileError(
                f"{name}: is not UTF-8 text ({where}); it reads as {charset}: convert it "
                f"first with `iconv -f {charset.upper()} -t UTF-8`"
            ) from exc
        raise InputFileError(
            f"{name}: is not UTF-8 text ({where}) and not text in a code page wirecrawl "
            "knows either; convert it to UTF-8 first"
        ) from exc


#: What a path that is not a regular file is, for messages.
_NOT_A_FILE = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
)


def _read_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; InputFileError otherwise.

    Only regular files are opened for reading: a FIFO named ``x.txt`` would
    block the import forever and ``/dev/zero`` would never end. The file is
    opened without blocking and checked again once open, in case it was
    replaced in between; at most ``max_bytes + 1`` bytes are read, since
    ``/proc`` files and files still being written report the wrong size.
    """
    too_large = (
        f"{path}: {{size}} bytes is too large for one article (limit {max_bytes:,}); "
        "is it really a seed-format file?"
    )
    try:
        info = path.stat()
        for test, what in _NOT_A_FILE:
            if test(info.st_mode):
                raise InputFileError(f"{path}: is {what}, not a text file")
        if info.st_size > max_bytes:
            raise InputFileError(too_large.format(size=f"{info.st_size:,}"))
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
        with os.fdopen(os.open(path, flags), "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise InputFileError(f"{path}: is no longer a regular file; skipped")
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read it ({exc.strerror or exc})") from exc
    if len(data) > max_bytes:
        raise InputFileError(too_large.format(size=f"more than {max_bytes:,}"))
    return data


def read_seed_file(path: Path, *, max_bytes: int = MAX_SEED_FILE_BYTES) -> Article:
    """Read one seed-format file; its name is kept as ``source_file``."""
    data = _read_file(path, max_bytes)
    if not data.strip():
        raise InputFileError(f"{path}: the file is empty")
    text = decode_text(data, str(path))
    try:
        return parse_seed_text(text, source_file=path.name)
    except SeedFormatError as exc:
        raise InputFileError(f"{path}: {exc}") from exc


def load_manifest(folder: Path) -> dict[str, dict[str, Any]]:
    """The export manifest of ``folder`` by file name; empty when there is none or it is broken."""
    manifest = folder / MANIFEST_NAME
    entries: dict[str, dict[str, Any]] = {}
    try:
        lines = manifest.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return entries
    for line in lines:
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("file"), str):
            entries[entry["file"]] = entry
    return entries


def apply_manifest(article: Article, entry: dict[str, Any] | None) -> Article:
    """Restore the fields the seed format has no line for from a manifest entry."""
    if not entry:
        return article

    def _time(name: str) -> datetime | None:
        value = entry.get(name)
        return time_or_none(value) if isinstance(value, str) else None

    published = _time("published_at")
    return replace(
        article,
        url=entry.get("url") or article.url,
        outlet=entry.get("outlet") or article.outlet,
        fetched_at=_time("fetched_at") or article.fetched_at,
        published=published or article.published,
        published_source=entry.get("published_source") or article.published_source,
        published_precision=entry.get("published_precision") or article.published_precision,
        language=entry.get("language") or article.language,
    )


def seed_file_name(index: int, article: Article, total: int) -> str:
    """``NNN_<16 hex>.txt``: a running number and a hash of the article's key."""
    width = max(3, len(str(max(total - 1, 0))))
    digest = hashlib.sha256(article.key.encode("utf-8")).hexdigest()[:16]
    return f"{index:0{width}d}_{digest}{SEED_SUFFIX}"


#: The fields of a manifest line besides ``file``: what a seed file has no line for.
MANIFEST_FIELDS = (
    "url",
    "outlet",
    "language",
    "published",
    "published_source",
    "published_precision",
    "fetched_at",
    "source_file",
    "content_hash",
)


def manifest_entry(name: str, article: Article) -> dict[str, Any]:
    """The manifest line for one exported file (the article's JSON fields it needs)."""
    record = article_to_json(article)
    entry: dict[str, Any] = {"file": name}
    for field_name in MANIFEST_FIELDS:
        entry["published_at" if field_name == "published" else field_name] = record[field_name]
    return entry


def write_seed_files(articles: Iterable[Article], folder: Path, total: int) -> Iterator[Path]:
    """Write each article as a seed file into ``folder`` (created if needed); yields the paths.

    File names never come from titles, so nothing is written outside ``folder``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / MANIFEST_NAME).open("w", encoding="utf-8") as manifest:
        for index, article in enumerate(articles):
            name = seed_file_name(index, article, total)
            path = folder / name
            path.write_text(render_seed_text(article), encoding="utf-8")
            manifest.write(json.dumps(manifest_entry(name, article), ensure_ascii=False) + "\n")
            yield path
