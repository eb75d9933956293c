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
from crawler.app.distributed_cli import register as register_distributed
from crawler.app.importer import (
    apply_manifest,
    find_seed_files,
    load_manifest,
    read_seed_file,
    write_seed_files,
)
from crawler.app.web.cli import serve_command
from crawler.app.web.pages import delay
from crawler.core.errors import InputFileError, WirecrawlError
from crawler.glue.scrapy_options import parse_setting_overrides, settings_option
from storage import Store, queries
from storage.lock import crawler_lock

T = TypeVar("T")

#: Articles committed together by `import` (each one stays atomic on its own).
IMPORT_BATCH = 200


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


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


def _say(message: str) -> None:
    click.echo(f"wirecrawl: {message}", err=True)


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
        for chunk in _chunks(files, IMPORT_BATCH):
            articles = []
            for path in chunk:
                if path.parent not in manifests:
                    manifests[path.parent] = load_manifest(path.parent)
                try:
                    article = read_seed_file(path)
                except InputFileError as exc:
                    problems.append(str(exc))
                    continue
                articles.append(apply_manifest(article, manifests[path.parent].get(path.name)))
            for result in store.save_articles(articles):
                created += result.created
                known += not result.created
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
@click.option(
    "--only-canonical",
    is_flag=True,
    help="Only the canonical (first published) article of each cluster: the clean set.",
)
@click.option("--cluster", "cluster_id", type=int, help="Only the articles of this cluster.")
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
) -> None:
    """Write stored articles as seed-format files, JSON lines or CSV.

    Seed files are named NNN_<16 hex>.txt after the article, never after its
    title, so nothing is written outside the --out folder. Feeds are exported
    with `wirecrawl feeds export`.
    """
    where: list[str] = []
    params: list[Any] = []
    if only_canonical:
        where.append("is_canonical = 1")
    if cluster_id is not None:
        where.append("cluster_id = ?")
        params.append(cluster_id)
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
    Whole words come first, ranked by relevance; when there are fewer than
    --limit, articles holding the words' stems inside other words follow,
    newest first: Russian case endings (Москва finds Москве), Arabic attached
    particles (ناتو finds والناتو). Several words must all match.
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


# -- clusters -----------------------------------------------------------------


def _member_record(member: queries.ClusterMember) -> dict[str, Any]:
    return {
        "article_id": member.article_id,
        "url": member.url,
        "source_file": member.source_file,
        "outlet": member.outlet,
        "title": member.title,
        "published": member.published,
        "published_utc": member.published_utc,
        "language": member.language,
        "wire": member.wire,
        "jaccard": member.jaccard,
        "containment": member.containment,
        "matched_to": member.matched_to,
        "is_canonical": member.is_canonical,
        "minutes_after": member.minutes_after,
        "rule": member.rule,
    }


def _cluster_record(cluster: queries.ClusterSummary) -> dict[str, Any]:
    return {
        "cluster_id": cluster.cluster_id,
        "size": cluster.size,
        "outlets": cluster.outlets,
        "first_published_at": cluster.first_published_at,
        "wire_agency": cluster.wire_agency,
        "language": cluster.language,
        "canonical": _member_record(cluster.canonical),
        "members": [_member_record(m) for m in cluster.members],
    }


@main.group("clusters", invoke_without_command=True)
@click.pass_context
def clusters_group(ctx: click.Context) -> None:
    """Reprint clusters: copies of one story, named after the earliest (canonical) article.

    Without a subcommand, lists the clusters (same as `clusters list`).
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(clusters_list)


@clusters_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per cluster.")
@click.option(
    "--min-size", default=2, show_default=True, help="Only clusters with at least N articles."
)
@click.option("--since", help="Only clusters first published at or after this ISO date/time.")
@click.option("--wire", help="Only clusters of this wire agency (tass, ria, reuters, ...).")
@click.option("--outlet", help="Only clusters with an article from this outlet (host name).")
@click.option("--limit", default=50, show_default=True, help="At most this many clusters.")
@click.pass_context
def clusters_list(
    ctx: click.Context,
    as_json: bool = False,
    min_size: int = 2,
    since: str | None = None,
    wire: str | None = None,
    outlet: str | None = None,
    limit: int = 50,
) -> None:
    """List clusters, biggest and newest first, with who published first and who copied."""
    with _open(ctx, readonly=True) as store, store.snapshot():
        found = queries.list_clusters(
            store, min_size=min_size, since=since, wire=wire, outlet=outlet, limit=limit
        )
    if as_json:
        for cluster in found:
            click.echo(_json_line(_cluster_record(cluster)))
        return
    if not found:
        click.echo(
            "no clusters match (reprint clusters have at least --min-size articles)", err=True
        )
        return
    for cluster in found:
        facts = " · ".join(
            x
            for x in (
                f"{cluster.size} articles",
                f"{cluster.outlets} outlets",
                cluster.wire_agency,
                cluster.language,
                cluster.first_published_at[:16],
            )
            if x
        )
        click.echo(f"cluster {cluster.cluster_id}: {cluster.canonical.title}")
        click.echo(f"    {facts}")
        for member in cluster.members:
            why = (
                "canonical"
                if member.is_canonical
                else f"J={member.jaccard:.2f} C={member.containment:.2f}"
            )
            click.echo(f"    {delay(member):>10}  {member.outlet or member.source_file:<28} {why}")


@clusters_group.command("show")
@click.argument("cluster_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="The cluster and its comparison as JSON.")
@click.option(
    "--width", type=int, default=None, help="Terminal width for the side-by-side columns."
)
@click.pass_context
def clusters_show(ctx: click.Context, cluster_id: int, as_json: bool, width: int | None) -> None:
    """Show one cluster: the timeline, then each copy beside the canonical text.

    Rows are marked = kept, ~ changed, + added by the copy, - cut from the
    canonical. In changed rows the words that differ are wrapped in [- -]
    (canonical) and {+ +} (copy). CLUSTER_ID is the article id of the canonical;
    an article id of any member works too.
    """
    from crawler.core.compare import align

    with _open(ctx, readonly=True) as store, store.snapshot():
        cluster = queries.get_cluster(store, cluster_id)
        if cluster is None:
            owner = queries.cluster_of_article(store, cluster_id)
            cluster = queries.get_cluster(store, owner) if owner else None
        if cluster is None:
            raise WirecrawlError(
                f"there is no cluster {cluster_id} in {ctx.obj}; `wirecrawl clusters list` "
                "shows the ids"
            )
        bodies = {m.article_id: store.get_article(m.article_id) for m in cluster.members}
    canonical_blocks = [b.text for b in bodies[cluster.canonical.article_id].body]
    comparisons = {
        m.article_id: align(canonical_blocks, [b.text for b in bodies[m.article_id].body])
        for m in cluster.members
        if not m.is_canonical
    }
    if as_json:
        record = _cluster_record(cluster)
        for member in record["members"]:
            rows = comparisons.get(member["article_id"], [])
            member["rows"] = [asdict(r) for r in rows]
        click.echo(_json_line(record))
        return
    _print_cluster(cluster, comparisons, width)


def _mark_differences(left: str, right: str) -> tuple[str, str]:
    """Wrap the words the two sides do not share in [- -] and {+ +}."""
    from crawler.core.compare import shared_spans

    spans_left, spans_right = shared_spans(left, right, min_words=2)

    def wrap(text: str, spans: list[tuple[int, int]], opener: str, closer: str) -> str:
        out, position = [], 0
        for start, end in spans:
            if text[position:start].strip():
                out.append(f"{opener}{text[position:start].strip()}{closer} ")
            out.append(text[start:end] + " ")
            position = end
        if text[position:].strip():
            out.append(f"{opener}{text[position:].strip()}{closer}")
        return "".join(out).strip()

    return wrap(left, spans_left, "[-", "-]"), wrap(right, spans_right, "{+", "+}")


def _print_cluster(
    cluster: queries.ClusterSummary, comparisons: dict[int, list], width: int | None
) -> None:
    import shutil
    import textwrap

    total = width or shutil.get_terminal_size((120, 40)).columns
    column = max(30, (total - 5) // 2)
    click.echo(f"cluster {cluster.cluster_id}: {cluster.canonical.title}")
    click.echo(
        f"{cluster.size} articles from {cluster.outlets} outlets"
        + (f", wire: {cluster.wire_agency}" if cluster.wire_agency else "")
    )
    click.echo("")
    click.echo("timeline")
    for member in cluster.members:
        why = (
            "canonical (published first)"
            if member.is_canonical
            else f"matched {member.matched_to}: Jaccard {member.jaccard:.2f}, "
            f"containment {member.containment:.2f}"
        )
        click.echo(
            f"  {member.published_utc[:16].replace('T', ' ') or '?':<16} UTC {delay(member):>9}  "
            f"{member.outlet or member.source_file}  (article {member.article_id})  {why}"
        )
    marks = {"same": "=", "changed": "~", "added": "+", "cut": "-"}
    for member in cluster.members:
        if member.is_canonical:
            continue
        rows = comparisons[member.article_id]
        counts = {kind: sum(1 for r in rows if r.kind == kind) for kind in marks}
        click.echo("")
        click.echo("=" * min(total, 2 * column + 5))
        click.echo(
            f"{cluster.canonical.outlet or 'canonical'}  vs  {member.outlet or member.source_file}"
            f"  ({counts['same']} kept, {counts['changed']} changed, {counts['added']} added, "
            f"{counts['cut']} cut)"
        )
        click.echo("-" * min(total, 2 * column + 5))
        for row in rows:
            left, right = row.canonical, row.copy
            if row.kind == "changed":
                left, right = _mark_differences(left, right)
            left_lines = textwrap.wrap(left, column) or [""]
            right_lines = textwrap.wrap(right, column) or [""]
            for index in range(max(len(left_lines), len(right_lines))):
                mark = marks[row.kind] if index == 0 else " "
                left_part = left_lines[index] if index < len(left_lines) else ""
                right_part = right_lines[index] if index < len(right_lines) else ""
                click.echo(f"{left_part:<{column}} {mark} | {right_part}")


# -- dedup --------------------------------------------------------------------


@main.group("dedup")
def dedup_group() -> None:
    """The reprint index: signatures, LSH bands and clusters."""


@dedup_group.command("rebuild")
@click.pass_context
def dedup_rebuild(ctx: click.Context) -> None:
    """Recompute every signature, band and cluster from the stored texts.

    Needed after upgrading wirecrawl when the index parameters changed (the
    store refuses new articles until then). Runs in one transaction: readers
    keep seeing the old clusters until it is done.
    """
    phases: dict[str, Any] = {}

    def progress(phase: str, done: int, total: int) -> None:
        if not sys.stderr.isatty() or total < 2:
            return
        bar = phases.get(phase)
        if bar is None:
            for other in phases.values():
                other.render_finish()
            bar = phases[phase] = click.progressbar(length=total, label=phase, file=sys.stderr)
        bar.update(1)

    with Store.open(ctx.obj, check_index=False) as store:
        store.rebuild_index(progress)
        for bar in phases.values():
            bar.render_finish()
        figures = queries.stats(store)
    click.echo(
        f"rebuilt the reprint index of {ctx.obj}: {figures['articles']:,} articles in "
        f"{figures['clusters']:,} clusters ({figures['clusters_with_reprints']:,} with reprints)"
    )


# -- feeds --------------------------------------------------------------------

_FEED_TIMEOUT = 20


def _fetch(url: str) -> tuple[bytes, dict[str, str], str]:
    """GET ``url`` (body, headers, final URL); raises FeedError naming the URL."""
    import urllib.error
    import urllib.parse
    import urllib.request

    from crawler.core.errors import FeedError
    from crawler.core.urls import is_private_address
    from crawler.glue.settings import USER_AGENT

    def host(address: str) -> str:
        return (urllib.parse.urlsplit(address).hostname or "").lower()

    def refuse_unsafe(source: str, target: str) -> None:
        # The same rules as the crawler's: http(s) only, and a public site may
        # not send us into the local network.
        if urllib.parse.urlsplit(target).scheme not in ("http", "https"):
            raise FeedError(f"{source}: refused redirect to {target} (only http and https)")
        if is_private_address(host(target)) and not is_private_address(host(source)):
            raise FeedError(f"{source}: refused redirect to the private address {host(target)}")

    class SafeRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):
            refuse_unsafe(req.full_url, newurl)
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise FeedError(f"{url}: only http and https URLs can be added as feeds")
    opener = urllib.request.build_opener(SafeRedirects)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with opener.open(request, timeout=_FEED_TIMEOUT) as response:
            body = response.read(10 * 1024 * 1024)
            return body, dict(response.headers.items()), response.geturl()
    except urllib.error.HTTPError as exc:
        raise FeedError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FeedError(f"{url}: cannot fetch it ({reason})") from exc


def _discover(url: str) -> list[tuple[str, str]]:
    """The feeds behind ``url``: itself if it is a feed, else those its page advertises.

    Returns (feed URL, title) pairs; raises FeedError when none is found.
    """
    from urllib.parse import urljoin

    from crawler.core.errors import FeedError
    from crawler.core.feeds import COMMON_FEED_PATHS, discover_feeds, parse_feed

    body, headers, final = _fetch(url)
    try:
        parsed = parse_feed(body, final, headers)
        return [(url, parsed.title)]
    except FeedError as exc:
        if getattr(exc, "kind", "") not in ("html", "not-a-feed"):
            raise
    found = discover_feeds(body, final)
    candidates = found or [urljoin(final, path) for path in COMMON_FEED_PATHS]
    feeds = []
    for candidate in candidates:
        try:
            feed_body, feed_headers, feed_final = _fetch(candidate)
            parsed = parse_feed(feed_body, feed_final, feed_headers)
        except FeedError:
            continue
        feeds.append((candidate, parsed.title))
        if not found:
            break  # one common path that works is enough
    if not feeds:
        raise FeedError(
            f"{url}: no feed found (the page advertises none and the usual feed paths "
            "gave nothing); add the feed URL itself"
        )
    return feeds


def _feed_record(feed: Any) -> dict[str, Any]:
    record = asdict(feed)
    for name in ("last_fetched_at", "next_due_at"):
        record[name] = record[name].isoformat() if record[name] else None
    return record


@main.group("feeds")
def feeds_group() -> None:
    """The feeds and news sitemaps wirecrawl polls."""


@feeds_group.command("add")
@click.argument("urls", nargs=-1, required=True)
@click.option(
    "--kind",
    type=click.Choice(["feed", "sitemap"]),
    default="feed",
    show_default=True,
    help="feed: RSS/Atom/JSON Feed (or a site page that advertises one); sitemap: a news sitemap.",
)
@click.option("--no-check", is_flag=True, help="Add the URLs as given, without fetching them.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per feed added.")
@click.pass_context
def feeds_add(
    ctx: click.Context, urls: tuple[str, ...], kind: str, no_check: bool, as_json: bool
) -> None:
    """Add feeds: a feed URL, or a site URL whose page is searched for its feeds.

    Each URL is fetched once to check it is a feed (or to find the feeds a
    page advertises with <link rel="alternate">, else at the usual feed
    paths). URLs that give no feed are reported and skipped.
    """
    from crawler.core.errors import FeedError
    from crawler.core.urls import canonical_url

    failed = 0
    with _open(ctx) as store:
        for url in urls:
            if no_check or kind == "sitemap":
                found = [(url, "")]
            else:
                try:
                    found = _discover(url)
                except FeedError as exc:
                    click.echo(f"wirecrawl: {exc}", err=True)
                    failed += 1
                    continue
            for feed_url, title in found:
                feed_id, created = store.add_feed(
                    canonical_url(feed_url) or feed_url, kind=kind, title=title
                )
                record = {"feed_id": feed_id, "url": feed_url, "title": title, "created": created}
                if as_json:
                    click.echo(_json_line(record))
                else:
                    state = "added" if created else "already listed"
                    click.echo(f"{state}: {feed_url}" + (f"  ({title})" if title else ""))
    if failed:
        ctx.exit(1)


#: The default feed list: wire agencies and outlets that reprint them, in ar/ru/en.
DEFAULT_FEEDS = Path(__file__).resolve().parent / "data" / "feeds.opml"


def _kind_of(url: str) -> str:
    """A news sitemap or a feed, from its URL (OPML has no field for it)."""
    return "sitemap" if "sitemap" in url.lower() else "feed"


@feeds_group.command("import")
@click.argument(
    "opml", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.pass_context
def feeds_import(ctx: click.Context, opml: Path | None, as_json: bool) -> None:
    """Add every feed of an OPML file; broken OPML is read as far as it can be.

    Without OPML, adds wirecrawl's default list (wire agencies and outlets that
    reprint them, in Arabic, Russian and English). Outlines that could not be
    read are listed with their line numbers. URLs naming a sitemap are added
    as news sitemaps.
    """
    from crawler.core.feeds import parse_opml

    opml = opml or DEFAULT_FEEDS
    result = parse_opml(opml.read_bytes(), str(opml))
    added = known = 0
    # One commit for the whole list: a list of 100,000 feeds is not 100,000 commits.
    with _open(ctx) as store, store.batch():
        for outline in result.outlines:
            _, created = store.add_feed(
                outline.url,
                kind=_kind_of(outline.url),
                title=outline.title,
                site_url=outline.site_url,
                language=outline.language,
                category=outline.category,
            )
            added += created
            known += not created
    for problem in result.problems:
        click.echo(f"wirecrawl: {opml}: {problem}", err=True)
    summary = {
        "file": str(opml),
        "feeds": len(result.outlines),
        "added": added,
        "known": known,
        "problems": len(result.problems),
    }
    if as_json:
        click.echo(_json_line(summary))
    else:
        click.echo(
            f"{opml}: {len(result.outlines)} feeds read, {added} added, {known} already "
            f"listed, {len(result.problems)} problem(s)"
        )


@feeds_group.command("export")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the OPML to this file (default: standard output).",
)
@click.pass_context
def feeds_export(ctx: click.Context, out: Path | None) -> None:
    """Write every feed as OPML 2.0 (folders by category)."""
    from crawler.core.feeds import OpmlOutline, render_opml

    with _open(ctx, readonly=True) as store:
        outlines = [
            OpmlOutline(
                url=f.url,
                title=f.title,
                site_url=f.site_url,
                category=f.category,
                language=f.language,
            )
            for f in queries.feeds(store, kind="feed")
        ]
    text = render_opml(outlines, "wirecrawl feeds")
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {len(outlines)} feed(s) to {out}", err=True)


@feeds_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per feed.")
@click.pass_context
def feeds_list(ctx: click.Context, as_json: bool) -> None:
    """List the feeds with their last fetch and next poll."""
    with _open(ctx, readonly=True) as store:
        listed = queries.feeds(store)
    if as_json:
        for feed in listed:
            click.echo(_json_line(_feed_record(feed)))
        return
    if not listed:
        click.echo("no feeds yet: wirecrawl feeds add URL, or feeds import FILE.opml", err=True)
        return
    for feed in listed:
        last = feed.last_fetched_at.strftime("%Y-%m-%d %H:%M") if feed.last_fetched_at else "never"
        state = "DEAD " if feed.dead else ""
        click.echo(f"{feed.feed_id:>4} {state}{feed.url}")
        click.echo(
            f"      {feed.title or '-'} · {feed.kind} · last {last} {feed.last_outcome} · "
            f"next {feed.next_due_at.strftime('%Y-%m-%d %H:%M') if feed.next_due_at else 'now'}"
        )


@feeds_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per feed.")
@click.pass_context
def feeds_status(ctx: click.Context, as_json: bool) -> None:
    """Each feed's last fetch, errors, interval and why, next poll, and figures.

    Items per day count entries first seen in the last 7 days; the reprint share
    is the share of the feed's stored articles that copy an earlier article.
    """
    from datetime import UTC, datetime

    with _open(ctx, readonly=True) as store:
        listed = queries.feed_health(store, datetime.now(UTC))
    if as_json:
        for health in listed:
            record = _feed_record(health.feed)
            record.pop("schedule_state", None)
            record.update(
                polls=health.polls,
                items_per_day=health.items_per_day,
                articles=health.articles,
                reprint_share=health.reprint_share,
                last_new_item_at=health.last_new_item_at.isoformat()
                if health.last_new_item_at
                else None,
            )
            click.echo(_json_line(record))
        return
    if not listed:
        click.echo("no feeds yet: wirecrawl feeds add URL, or feeds import", err=True)
        return
    for health in listed:
        feed = health.feed
        last = feed.last_fetched_at.strftime("%Y-%m-%d %H:%M") if feed.last_fetched_at else "never"
        due = feed.next_due_at.strftime("%Y-%m-%d %H:%M") if feed.next_due_at else "now"
        share = f"{health.reprint_share:.0%}" if health.reprint_share is not None else "-"
        click.echo(f"{feed.feed_id:>4} {'DEAD ' if feed.dead else ''}{feed.url}")
        click.echo(
            f"      last {last} {feed.last_outcome or '-'} (HTTP {feed.last_status or '-'}), "
            f"{feed.error_streak} error(s) in a row"
            + (f": {feed.last_error}" if feed.last_error else "")
        )
        click.echo(f"      next {due}: {feed.interval_reason or 'not scheduled yet'}")
        click.echo(
            f"      {health.items_per_day:g} items/day, {health.articles} articles, "
            f"{share} reprints, {health.polls} polls"
        )


@feeds_group.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per problem.")
@click.pass_context
def feeds_doctor(ctx: click.Context, as_json: bool) -> None:
    """The feeds that need a person: dead, moved, not a feed, blocked, or silent.

    Each comes with what to do; a moved feed with the command that updates it.
    The exit code is 1 when there is anything to do.
    """
    from datetime import UTC, datetime

    with _open(ctx, readonly=True) as store:
        problems = queries.feed_problems(store, datetime.now(UTC))
    for problem in problems:
        if as_json:
            click.echo(
                _json_line(
                    {
                        "feed_id": problem.feed.feed_id,
                        "url": problem.feed.url,
                        "problem": problem.problem,
                        "detail": problem.detail,
                        "advice": problem.advice,
                    }
                )
            )
        else:
            click.echo(f"{problem.problem:<9} {problem.feed.url}")
            click.echo(f"          {problem.detail}; {problem.advice}")
    if not problems and not as_json:
        click.echo("all feeds look healthy")
    if problems:
        ctx.exit(1)


@feeds_group.command("move")
@click.argument("old_url")
@click.argument("new_url")
@click.pass_context
def feeds_move(ctx: click.Context, old_url: str, new_url: str) -> None:
    """Give a feed a new URL (e.g. after a permanent redirect), keeping its history."""
    with _open(ctx) as store:
        if not store.move_feed(old_url, new_url):
            raise WirecrawlError(f"there is no feed {old_url} in {ctx.obj}")
    click.echo(f"moved: {old_url} -> {new_url}")


# -- run ----------------------------------------------------------------------


@main.command("run")
@click.option("--once", is_flag=True, help="One pass over the due feeds, then exit (for cron).")
@click.option("--wait", is_flag=True, help="If another crawl of this store runs, wait for it.")
@settings_option("Override a Scrapy setting, e.g. -s CONCURRENT_REQUESTS=8.")
@click.option(
    "--proxy",
    envvar="WIRECRAWL_PROXY",
    default="",
    help="Send every request through this HTTP proxy (env WIRECRAWL_PROXY).",
)
@click.option("--clock", envvar="WIRECRAWL_CLOCK", default="system", hidden=True)
@click.option("--passes", type=int, default=None, hidden=True)
@click.pass_context
def run_command(
    ctx: click.Context,
    once: bool,
    wait: bool,
    settings_pairs: tuple[str, ...],
    proxy: str,
    clock: str,
    passes: int | None,
) -> None:
    """Poll every feed on its own schedule, day and night, until stopped.

    Each feed is polled when it is due (see `wirecrawl feeds status`); one log
    line is printed per pass. SIGTERM or Ctrl-C stops after the articles in
    flight are stored; a restart (even after a crash) carries on where it
    stopped. Only one crawl runs per store: a second `wirecrawl run` refuses
    to start, or waits with --wait.
    """
    import logging

    from crawler.core.clock import clock_from_spec
    from crawler.glue.crawl import serve

    overrides = parse_setting_overrides(settings_pairs)
    overrides.setdefault("LOG_LEVEL", "WARNING")
    with crawler_lock(ctx.obj, wait=wait, on_wait=_say):
        service = serve(
            ctx.obj,
            once=once,
            max_passes=passes,
            proxy=proxy,
            clock=clock_from_spec(clock),
            overrides=overrides,
            report=lambda line: logging.getLogger("wirecrawl.run").warning(line),
        )
    click.echo(f"wirecrawl run: stopped after {service.passes} pass(es)", err=True)


# -- crawl --------------------------------------------------------------------


def _crawl_summary_line(run: dict[str, Any]) -> str:
    polled = run.get("feeds_polled") or 0
    not_modified = run.get("feeds_not_modified") or 0
    errors = run.get("errors") or 0
    return (
        f"crawl run {run.get('id')}: {polled} feed(s) polled ({polled - not_modified - errors} "
        f"fetched, {not_modified} not modified, {errors} failed), {run.get('pages_fetched') or 0} "
        f"page(s) fetched, {run.get('articles_new') or 0} new article(s), "
        f"{run.get('reprints') or 0} reprint(s) found"
    )


@main.command("crawl")
@click.option(
    "--feeds",
    "feed_args",
    multiple=True,
    help="An OPML file or feed URL to poll now (repeatable); default: every due feed.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as one JSON object.")
@settings_option("Override a Scrapy setting for this crawl, e.g. -s DOWNLOAD_DELAY=2.")
@click.option(
    "--spider",
    "spiders",
    multiple=True,
    type=click.Choice(["feeds", "sitemaps", "islworld"]),
    help="Spiders to run, in turn (default: feeds, then sitemaps). islworld walks the seed "
    "site's news listings.",
)
@click.option(
    "--proxy",
    envvar="WIRECRAWL_PROXY",
    default="",
    help="Send every request through this HTTP proxy (env WIRECRAWL_PROXY).",
)
@click.option("--wait", is_flag=True, help="If another crawl of this store runs, wait for it.")
@click.pass_context
def crawl_command(
    ctx: click.Context,
    feed_args: tuple[str, ...],
    as_json: bool,
    settings_pairs: tuple[str, ...],
    spiders: tuple[str, ...],
    proxy: str,
    wait: bool,
) -> None:
    """Run one crawl pass: poll the due feeds, fetch new articles, find their reprints.

    Feeds are polled with conditional requests (ETag, Last-Modified), robots.txt
    is obeyed and servers are not hammered. The run's figures are recorded in
    the crawl_runs table and printed.
    """
    from crawler.core.feeds import parse_opml
    from crawler.glue.crawl import run_crawl

    overrides = parse_setting_overrides(settings_pairs)
    urls: list[str] = []
    with _open(ctx) as store:
        for arg in feed_args:
            path = Path(arg)
            if path.exists() and path.is_file():
                result = parse_opml(path.read_bytes(), str(path))
                for outline in result.outlines:
                    store.add_feed(
                        outline.url,
                        kind=_kind_of(outline.url),
                        title=outline.title,
                        site_url=outline.site_url,
                        language=outline.language,
                        category=outline.category,
                    )
                    urls.append(outline.url)
                for problem in result.problems:
                    click.echo(f"wirecrawl: {path}: {problem}", err=True)
            else:
                store.add_feed(arg, kind=_kind_of(arg))
                urls.append(arg)
        if not urls and not queries.feeds(store) and "islworld" not in spiders:
            raise WirecrawlError(
                f"no feeds in {ctx.obj} yet: run `wirecrawl feeds import` to add the default "
                "list (wire agencies and outlets that reprint them), or `wirecrawl feeds add URL`"
            )
    with crawler_lock(ctx.obj, wait=wait, on_wait=_say):
        run = run_crawl(
            ctx.obj,
            spiders=spiders or ("feeds", "sitemaps"),
            feed_urls=urls,
            proxy=proxy,
            overrides=overrides,
        )
    if as_json:
        click.echo(_json_line(run))
    else:
        click.echo(_crawl_summary_line(run))


# -- extract ------------------------------------------------------------------


@main.command("extract")
@click.argument("source")
@click.option("--url", help="The page's URL when SOURCE is a file (for links and site rules).")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the record as JSON (default: seed format)."
)
def extract_command(source: str, url: str | None, as_json: bool) -> None:
    """Print the article record one page gives (to write and debug site rules).

    SOURCE is a URL to fetch or a saved HTML file (.html or .html.gz).
    """
    import gzip
    from datetime import UTC, datetime

    from crawler.core.extract import ExtractOptions, extract
    from crawler.core.seedformat import render_seed_text

    path = Path(source)
    if path.exists():
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        headers: dict[str, str] = {}
        page_url = url or path.resolve().as_uri()
    else:
        data, headers, page_url = _fetch(source)
        page_url = url or page_url
    article = extract(data, page_url, ExtractOptions(fetched_at=datetime.now(UTC)), headers=headers)
    if not as_json:
        click.echo(render_seed_text(article), nl=False)
        return
    record = asdict(article)
    for name in ("published", "fetched_at"):
        record[name] = record[name].isoformat() if record[name] else None
    record["content_hash"] = article.content_hash
    click.echo(json.dumps(record, ensure_ascii=False, indent=2, default=str))


# -- demo ---------------------------------------------------------------------


#: Settings for crawling the demo site on loopback: no politeness delay needed.
DEMO_OVERRIDES = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_START_DELAY": 0.05, "LOG_LEVEL": "WARNING"}


@main.command("demo")
@click.option("--json", "as_json", is_flag=True, help="Print the crawl summary as one JSON object.")
@click.pass_context
def demo_command(ctx: click.Context, as_json: bool) -> None:
    """Crawl the bundled demo site and show the reprint clusters it found.

    The demo site runs on 127.0.0.1 only: invented outlets in Arabic, Russian
    and English, with RSS, Atom and JSON Feed feeds and a news sitemap,
    reprinting invented wire stories the way real outlets do. Running it
    again polls the feeds conditionally and adds nothing new.
    """
    from crawler.app.demo.site import DemoSite
    from crawler.glue.crawl import run_crawl

    with DemoSite() as site:
        urls = []
        with _open(ctx) as store:
            for feed in site.feeds():
                store.add_feed(feed.url, title=feed.title, language=feed.language)
                urls.append(feed.url)
            for sitemap in site.sitemaps():
                store.add_feed(sitemap, kind="sitemap")
                urls.append(sitemap)
        click.echo(f"demo site on {site.proxy_url}: {len(urls)} feeds and sitemaps", err=True)
        with crawler_lock(ctx.obj):
            run = run_crawl(
                ctx.obj,
                feed_urls=urls,
                proxy=site.proxy_url,
                overrides=DEMO_OVERRIDES,
                command="wirecrawl demo",
            )
    if as_json:
        click.echo(_json_line(run))
        return
    click.echo(_crawl_summary_line(run))
    click.echo("")
    ctx.invoke(stats_command, as_json=False)
    click.echo("")
    ctx.invoke(clusters_list, limit=5)
    click.echo("")
    click.echo(f"next: wirecrawl --db {ctx.obj} clusters show <id>, search, export, or serve")


# -- commands defined elsewhere -------------------------------------------------
# Their modules import Datasette, Redis or scrapy-redis only when the command runs.

main.add_command(serve_command)
register_distributed(main)
