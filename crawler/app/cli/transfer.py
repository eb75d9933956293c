"""``import`` and ``export``: seed files in, seed/JSON Lines/CSV out."""

from __future__ import annotations

import contextlib
import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from crawler.app.cli.base import (
    IMPORT_BATCH,
    json_line,
    lazy_module,
    main,
    open_store,
    plural,
    progress,
)
from crawler.app.cli.options import read_filters
from crawler.core.batches import chunks
from crawler.core.errors import InputFileError, OptionError
from crawler.core.filters import SINCE_HELP

if TYPE_CHECKING:
    from crawler.app import importer
    from storage import queries
else:
    importer = lazy_module("crawler.app.importer")
    queries = lazy_module("storage.queries")


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.pass_context
def import_command(ctx: click.Context, paths: tuple[Path, ...], as_json: bool) -> None:
    """Import seed-format .txt files, or folders of them (searched recursively).

    Each file's name is kept as source_file. A file already stored (same URL,
    or, without one, same text and same publisher and source lines) is counted
    as known, not stored twice; another outlet's word-for-word copy is stored
    and counted as a copy of a stored text.
    Files that cannot be read are reported by name and skipped; the others
    are still imported, and the exit code is 1 if any file failed.
    """
    found = importer.find_seed_files(paths)
    if not found.files and not found.problems:
        raise InputFileError(_nothing_to_import(paths))
    problems = [f"{path}: {reason}" for path, reason in found.problems]
    manifests: dict[Path, dict[str, dict[str, Any]]] = {}
    created = known = copies = 0
    with open_store(ctx) as store, progress(found.files, len(found.files), "importing") as files:
        for chunk in chunks(files, IMPORT_BATCH):
            articles = []
            for path in chunk:
                if path.parent not in manifests:
                    manifests[path.parent] = importer.load_manifest(path.parent)
                try:
                    article = importer.read_seed_file(path)
                except InputFileError as exc:
                    problems.append(str(exc))
                    continue
                articles.append(
                    importer.apply_manifest(article, manifests[path.parent].get(path.name))
                )
            for result in store.save_articles(articles):
                created += result.created
                known += not result.created
                copies += result.same_text
    for problem in problems:
        click.echo(f"wirecrawl: skipped {problem}", err=True)
    summary = {
        "files": len(found.files),
        "imported": created,
        "known": known,
        "copies": copies,
        "failed": len(problems),
        "store": str(ctx.obj),
    }
    if as_json:
        click.echo(json_line(summary))
    else:
        click.echo(
            f"imported {plural(created, 'new article')} from {plural(len(found.files), 'file')} "
            f"into {ctx.obj}"
            + (f" ({copies} of them word-for-word copies of stored texts)" if copies else "")
            + f"; {known} already stored, {len(problems)} failed"
        )
    if problems:
        ctx.exit(1)


def _nothing_to_import(paths: tuple[Path, ...]) -> str:
    """Why an import found no seed file, and what the folders hold instead."""
    from collections import Counter

    kinds: Counter[str] = Counter()
    for given in paths:
        for path in given.rglob("*"):
            if path.is_file():
                suffixes = [x for x in path.suffixes if len(x) <= 6][-2:]
                kinds["".join(suffixes).lower() or "(no suffix)"] += 1
    names = ", ".join(str(p) for p in paths)
    if not kinds:
        return f"{names}: no files to import; give seed-format .txt files or folders of them"
    held = ", ".join(f"{count} {suffix}" for suffix, count in kinds.most_common(3))
    hint = ""
    if any(".htm" in suffix for suffix in kinds):
        hint = "; `wirecrawl extract FILE.html` reads a saved page, `wirecrawl crawl` fetches sites"
    return f"{names}: no seed-format .txt files (found {held} file(s)){hint}"


# -- export -------------------------------------------------------------------

_FLAT_COLUMNS = [
    "id",
    "url",
    "outlet",
    "title",
    "published_at",
    "published_text",
    "language",
    "wire_agency",
    "attribution",
    "publisher",
    "photo_credit",
    "authors",
    "source_file",
    "fetched_at",
    "time_utc",
    "content_hash",
    "cluster_id",
    "story_id",
    "is_canonical",
    "matched_to",
    "jaccard",
    "containment",
    "body_text",
]


@main.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["seed", "jsonl", "csv"]),
    required=True,
    help="seed: one NNN_<16 hex>.txt file per article in the folder --out; "
    "jsonl/csv: one row per article with its cluster fields.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder for seed files; file for jsonl/csv ('-' for standard output).",
)
@click.option(
    "--since", help=f"Only articles published (or, undated, first seen) at or after: {SINCE_HELP}."
)
@click.option("--outlet", help="Only articles of this outlet (host name, or a URL of the site).")
@click.option(
    "--language", "--lang", "language", help="Only articles in this language (ISO 639-1)."
)
@click.option(
    "--only-canonical",
    is_flag=True,
    help="Only the canonical (first published) article of each cluster: the clean set.",
)
@click.option("--cluster", "cluster_id", type=int, help="Only the articles of this cluster.")
@click.option(
    "--story", "story_id", type=int, help="Only the articles of this story, in every language."
)
@click.option(
    "--excel",
    is_flag=True,
    help="CSV for spreadsheet programs: starts with a UTF-8 byte-order mark, without which "
    "Excel reads Arabic and Cyrillic as garbage.",
)
@click.pass_context
def export_command(
    ctx: click.Context,
    fmt: str,
    out: Path,
    since: str | None,
    outlet: str | None,
    language: str | None,
    only_canonical: bool,
    cluster_id: int | None,
    excel: bool,
    story_id: int | None = None,
) -> None:
    """Write stored articles as seed-format files, JSON lines or CSV.

    Seed files are named NNN_<16 hex>.txt after the article, never after its
    title, so nothing is written outside the --out folder. Feeds are exported
    with `wirecrawl feeds export`.
    """
    chosen = read_filters(
        since=since, outlet=outlet, language=language, language_option="--language"
    )
    since, outlet, language = chosen["since"], chosen["outlet"], chosen["language"]
    with open_store(ctx, readonly=True) as store:
        rows = queries.article_rows(
            store,
            only_canonical=only_canonical,
            cluster_id=cluster_id,
            since=since,
            outlet=outlet,
            language=language,
            story_id=story_id,
        )
        if fmt == "seed":
            from storage.store import row_to_article

            if out.exists() and not out.is_dir():
                raise InputFileError(
                    f"--out {out} is a file; the seed format is a folder of files: "
                    "give a folder (new or existing)"
                )

            articles = (row_to_article(row) for row in rows)
            with progress(
                importer.write_seed_files(articles, out, len(rows)), len(rows), "exporting"
            ) as w:
                written = sum(1 for _ in w)
            click.echo(f"wrote {written} seed file(s) to {out}", err=True)
            return
        records: list[dict[str, Any]] = [{c: row.get(c) for c in _FLAT_COLUMNS} for row in rows]
        for record in records:
            record["authors"] = json.loads(record["authors"] or "[]")
        if excel and fmt != "csv":
            raise OptionError("--excel applies to --format csv only")
        with _output(out) as handle:
            if excel:
                handle.write("\ufeff")
            if fmt == "jsonl":
                for record in records:
                    handle.write(json_line(record) + "\n")
            else:
                writer = csv.DictWriter(handle, fieldnames=_FLAT_COLUMNS)
                writer.writeheader()
                for record in records:
                    record["authors"] = "; ".join(record["authors"])
                    writer.writerow(record)
        if str(out) != "-":
            click.echo(f"wrote {len(records)} article(s) to {out}", err=True)


@contextlib.contextmanager
def _output(out: Path) -> Iterator[Any]:
    if str(out) == "-":
        yield sys.stdout
        return
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        handle = out.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise InputFileError(
            f"cannot write {out} ({exc.strerror or exc}); choose another --out"
        ) from exc
    with handle:
        yield handle
