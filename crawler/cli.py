"""The ``wirecrawl`` command line: thin click commands over the library and the store.

Every command takes the store from ``--db`` (or ``WIRECRAWL_DB``, default
``./wirecrawl.db``). Listing commands print one JSON object per line with
``--json``. Errors wirecrawl knows about become one line on stderr and an
exit code, never a traceback.
"""

from __future__ import annotations

import contextlib
import csv
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar

import click

from crawler import __version__
from crawler.errors import InputFileError, WirecrawlError
from crawler.importer import (
    apply_manifest,
    find_seed_files,
    load_manifest,
    read_seed_file,
    write_seed_files,
)
from storage import Store, queries

T = TypeVar("T")


class _Group(click.Group):
    """A click group that turns wirecrawl's own errors into a message and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except WirecrawlError as exc:
            click.echo(f"wirecrawl: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("wirecrawl: interrupted", err=True)
            ctx.exit(130)


@contextlib.contextmanager
def _progress(items: Iterable[T], length: int, label: str) -> Iterator[Iterable[T]]:
    """A progress bar on stderr when it is a terminal; the plain iterable otherwise."""
    if sys.stderr.isatty() and length > 1:
        with click.progressbar(items, length=length, label=label, file=sys.stderr) as bar:
            yield bar
    else:
        yield items


def _json_line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, default=str)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db_path",
    envvar="WIRECRAWL_DB",
    default="wirecrawl.db",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The SQLite store to use (env WIRECRAWL_DB).",
)
@click.version_option(__version__, prog_name="wirecrawl")
@click.pass_context
def main(ctx: click.Context, db_path: Path) -> None:
    """Crawl news, group wire-copy reprints, and query the store.

    Articles land in one SQLite file that this command, Datasette and
    sqlite-utils can all read. Start with `wirecrawl demo`, or import
    seed-format text files with `wirecrawl import FOLDER`.
    """
    ctx.obj = db_path


def _open(ctx: click.Context, *, readonly: bool = False) -> Store:
    return Store.open(ctx.obj, readonly=readonly)


# -- import -------------------------------------------------------------------


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.pass_context
def import_command(ctx: click.Context, paths: tuple[Path, ...], as_json: bool) -> None:
    """Import seed-format .txt files, or folders of them (searched recursively).

    Each file's name is kept as source_file. A file already stored (same URL,
    or same text when it has no URL) is counted as known, not stored twice.
    Files that cannot be read are reported by name and skipped; the others
    are still imported, and the exit code is 1 if any file failed.
    """
    found = find_seed_files(paths)
    problems = [f"{path}: {reason}" for path, reason in found.problems]
    manifests: dict[Path, dict[str, dict[str, Any]]] = {}
    created = known = 0
    with _open(ctx) as store, _progress(found.files, len(found.files), "importing") as files:
        for path in files:
            if path.parent not in manifests:
                manifests[path.parent] = load_manifest(path.parent)
            try:
                article = read_seed_file(path)
            except InputFileError as exc:
                problems.append(str(exc))
                continue
            article = apply_manifest(article, manifests[path.parent].get(path.name))
            if store.save_article(article).created:
                created += 1
            else:
                known += 1
    for problem in problems:
        click.echo(f"wirecrawl: skipped {problem}", err=True)
    summary = {
        "files": len(found.files),
        "imported": created,
        "known": known,
        "failed": len(problems),
        "store": str(ctx.obj),
    }
    if as_json:
        click.echo(_json_line(summary))
    else:
        click.echo(
            f"imported {created} new article(s) from {len(found.files)} file(s) into {ctx.obj}; "
            f"{known} already stored, {len(problems)} failed"
        )
    if problems:
        ctx.exit(1)


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
    "content_hash",
    "cluster_id",
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
@click.option("--since", help="Only articles published at or after this ISO date/time (UTC).")
@click.option("--outlet", help="Only articles of this outlet (host name).")
@click.option("--language", "language", help="Only articles in this language (ISO 639-1).")
@click.pass_context
def export_command(
    ctx: click.Context,
    fmt: str,
    out: Path,
    since: str | None,
    outlet: str | None,
    language: str | None,
) -> None:
    """Write stored articles as seed-format files, JSON lines or CSV."""
    where: list[str] = []
    params: list[Any] = []
    if since:
        where.append("published_at_utc >= ?")
        params.append(since)
    if outlet:
        where.append("outlet = ?")
        params.append(outlet)
    if language:
        where.append("language = ?")
        params.append(language)
    with _open(ctx, readonly=True) as store:
        rows = list(store.iter_article_rows(" AND ".join(where), params))
        if fmt == "seed":
            from storage.store import row_to_article

            articles = (row_to_article(row) for row in rows)
            with _progress(write_seed_files(articles, out, len(rows)), len(rows), "exporting") as w:
                written = sum(1 for _ in w)
            click.echo(f"wrote {written} seed file(s) to {out}", err=True)
            return
        records: list[dict[str, Any]] = [{c: row.get(c) for c in _FLAT_COLUMNS} for row in rows]
        for record in records:
            record["authors"] = json.loads(record["authors"] or "[]")
        with _output(out) as handle:
            if fmt == "jsonl":
                for record in records:
                    handle.write(_json_line(record) + "\n")
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
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as handle:
        yield handle


# -- search -------------------------------------------------------------------


@main.command("search")
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per hit.")
@click.option("--limit", default=20, show_default=True, help="At most this many hits.")
@click.option("--lang", "language", help="Only articles in this language (ISO 639-1).")
@click.option("--outlet", help="Only articles of this outlet (host name).")
@click.option("--since", help="Only articles published at or after this ISO date/time (UTC).")
@click.pass_context
def search_command(
    ctx: click.Context,
    query: str,
    as_json: bool,
    limit: int,
    language: str | None,
    outlet: str | None,
    since: str | None,
) -> None:
    """Full-text search over titles and bodies, best match first.

    Matching ignores Arabic letter variants (أ/ا/إ/آ, ة/ه, ى/ي), tatweel,
    harakat, Arabic-Indic digits and ё/е, so any spelling finds the article.
    """
    with _open(ctx, readonly=True) as store:
        hits = queries.search(
            store, query, limit=limit, language=language, outlet=outlet, since=since
        )
    if as_json:
        for hit in hits:
            click.echo(_json_line(asdict(hit)))
        return
    if not hits:
        click.echo(f"no article matches {query!r}", err=True)
        return
    for number, hit in enumerate(hits, 1):
        where = hit.url or hit.source_file
        facts = " · ".join(
            x
            for x in (
                hit.outlet,
                hit.published_at[:16],
                hit.language,
                hit.wire_agency,
                f"cluster {hit.cluster_id}" if hit.cluster_id else "",
            )
            if x
        )
        click.echo(f"{number:>3}. {hit.title}")
        click.echo(f"     {facts}")
        click.echo(f"     {where}  (article {hit.article_id})")


# -- stats --------------------------------------------------------------------


@main.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@click.pass_context
def stats_command(ctx: click.Context, as_json: bool) -> None:
    """Figures about the store: articles, clusters, feeds, languages, outlets, agencies."""
    with _open(ctx, readonly=True) as store:
        figures = queries.stats(store)
    if as_json:
        click.echo(_json_line(figures))
        return
    click.echo(f"store            {figures['store']} ({figures['size_bytes']:,} bytes)")
    click.echo(f"articles         {figures['articles']:,}")
    click.echo(
        f"clusters         {figures['clusters']:,} "
        f"({figures['clusters_with_reprints']:,} with reprints, "
        f"{figures['articles_in_reprint_clusters']:,} articles in them)"
    )
    click.echo(f"feeds            {figures['feeds']:,}")
    click.echo(
        f"published        {figures['first_published'] or '-'} .. "
        f"{figures['last_published'] or '-'}"
    )
    for label, key in (
        ("languages", "languages"),
        ("outlets", "outlets"),
        ("wire agencies", "wire_agencies"),
    ):
        items = ", ".join(f"{k or '(none)'} {v}" for k, v in list(figures[key].items())[:8])
        click.echo(f"{label:<16} {items or '-'}")


# -- demo ---------------------------------------------------------------------


@main.command("demo")
@click.pass_context
def demo_command(ctx: click.Context) -> None:
    """Fill the store from the bundled demo site and show what wirecrawl found.

    The demo corpus (invented articles of invented outlets, with wire stories
    reprinted several times) ships with wirecrawl, so this runs offline.
    """
    from crawler import demo

    with _open(ctx) as store:
        created = known = 0
        articles = demo.load_articles()
        with _progress(articles, len(articles), "importing demo") as items:
            for article in items:
                if store.save_article(article).created:
                    created += 1
                else:
                    known += 1
    click.echo(f"demo: {created} new article(s), {known} already stored, in {ctx.obj}")
    ctx.invoke(stats_command, as_json=False)
