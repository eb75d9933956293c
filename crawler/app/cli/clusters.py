"""``clusters list|show`` and ``dedup rebuild``: the reprint clusters."""

from __future__ import annotations

import sys
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import click

from crawler.app.cli import stories
from crawler.app.cli.base import json_line, lazy_module, main, open_store, plural, say_shown
from crawler.app.cli.options import limit_option, read_filters
from crawler.core.errors import WirecrawlError
from crawler.core.filters import SINCE_HELP, limit_or_none
from crawler.core.wording import delay, reason, short_reason, when

if TYPE_CHECKING:
    from storage import queries
else:
    queries = lazy_module("storage.queries")


def _member_record(member: queries.ClusterMember) -> dict[str, Any]:
    return {
        "article_id": member.article_id,
        "url": member.url,
        "source_file": member.source_file,
        "outlet": member.outlet,
        "title": member.title,
        "published": member.published,
        "published_utc": member.published_utc,
        "time_utc": member.time_utc,
        "first_seen": member.first_seen,
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
        "story_id": cluster.story_id,
        "story_languages": list(cluster.story_languages),
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
@click.option(
    "--since",
    help=f"Only clusters first published (or, undated, first seen) at or after: {SINCE_HELP}.",
)
@click.option(
    "--wire", help="Only clusters of this wire agency (tass, ria, reuters, ...; any case or name)."
)
@click.option(
    "--outlet", help="Only clusters with an article from this outlet (host name, or a URL)."
)
@limit_option(50, "clusters")
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
    chosen = read_filters(since=since, wire=wire, outlet=outlet)
    since, wire, outlet = chosen["since"], chosen["wire"], chosen["outlet"]
    with open_store(ctx, readonly=True) as store, store.snapshot():
        found = queries.list_clusters(
            store,
            min_size=min_size,
            since=since,
            wire=wire,
            outlet=outlet,
            limit=limit_or_none(limit),
        )
        total = len(found)
        if limit_or_none(limit) is not None:
            total = queries.count_clusters(
                store, min_size=min_size, since=since, wire=wire, outlet=outlet
            )
    if as_json:
        for cluster in found:
            click.echo(json_line(_cluster_record(cluster)))
        return
    say_shown(len(found), total, "clusters")
    if not found:
        click.echo(
            "no clusters match (reprint clusters have at least --min-size articles)", err=True
        )
        return
    for cluster in found:
        facts = " · ".join(
            x
            for x in (
                plural(cluster.size, "article"),
                plural(cluster.outlets, "outlet"),
                cluster.wire_agency,
                cluster.language,
                f"story {cluster.story_id} ({' '.join(cluster.story_languages)})"
                if len(cluster.story_languages) > 1
                else "",
                when(cluster.canonical)
                if cluster.canonical.first_seen
                else f"first {when(cluster.canonical)}",
            )
            if x
        )
        click.echo(f"cluster {cluster.cluster_id}: {cluster.canonical.title}")
        click.echo(f"    {facts}")
        for member in cluster.members:
            why = short_reason(member)
            click.echo(f"    {delay(member):>10}  {member.outlet or member.source_file:<28} {why}")


@clusters_group.command("show")
@click.argument("cluster_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="The cluster and its comparison as JSON.")
@click.option(
    "--width", type=int, default=None, help="Terminal width for the side-by-side columns."
)
@click.pass_context
def clusters_show(ctx: click.Context, cluster_id: int, as_json: bool, width: int | None) -> None:
    """Show one cluster: timeline, other-language versions, each copy beside the canonical.

    The versions are the story's clusters in other languages (see `wirecrawl stories`):
    who ran it first, and the evidence of each link. Rows are marked = kept,
    ~ changed, + added by the copy, - cut from the canonical. In changed rows the
    words that differ are wrapped in [- -] (canonical) and {+ +} (copy). CLUSTER_ID
    is the article id of the canonical; an article id of any member works too.
    """
    from crawler.core.compare import align

    with open_store(ctx, readonly=True) as store, store.snapshot():
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
        found = queries.story_versions(store, cluster)
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
        record["other_languages"] = [stories.version_record(v) for v in found]
        click.echo(json_line(record))
        return
    _print_cluster(cluster, comparisons, width, found)


def _mark_differences(left: str, right: str) -> tuple[str, str]:
    """Wrap the words the two sides do not share in [- -] and {+ +}."""
    from crawler.core.compare import shared_spans

    spans_left, spans_right = shared_spans(left, right, min_words=1)

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
    cluster: queries.ClusterSummary,
    comparisons: dict[int, list],
    width: int | None,
    found: list[queries.StoryVersion],
) -> None:
    import shutil

    from crawler.core.width import pad, wrap

    total = width or shutil.get_terminal_size((120, 40)).columns
    column = max(30, (total - 5) // 2)
    click.echo(f"cluster {cluster.cluster_id}: {cluster.canonical.title}")
    click.echo(
        f"{plural(cluster.size, 'article')} from {plural(cluster.outlets, 'outlet')}"
        + (f", wire: {cluster.wire_agency}" if cluster.wire_agency else "")
    )
    click.echo("")
    click.echo("timeline")
    for member in cluster.members:
        click.echo(
            f"  {when(member):<31} {delay(member):>9}  "
            f"{member.outlet or member.source_file}  (article {member.article_id})  "
            f"{reason(member)}"
        )
    stories.print_versions(cluster, found)
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
            f"{counts['cut']} cut; {plural(sum(r.words_added for r in rows), 'word')} added, "
            f"{sum(r.words_cut for r in rows)} cut)"
        )
        click.echo("-" * min(total, 2 * column + 5))
        for row in rows:
            left, right = row.canonical, row.copy
            if row.kind == "changed":
                left, right = _mark_differences(left, right)
            left_lines = wrap(left, column) or [""]
            right_lines = wrap(right, column) or [""]
            for index in range(max(len(left_lines), len(right_lines))):
                mark = marks[row.kind] if index == 0 else " "
                left_part = left_lines[index] if index < len(left_lines) else ""
                right_part = right_lines[index] if index < len(right_lines) else ""
                click.echo(f"{pad(left_part, column)} {mark} | {right_part}")


# -- dedup --------------------------------------------------------------------


@main.group("dedup")
def dedup_group() -> None:
    """The reprint index: signatures, LSH bands and clusters."""


@dedup_group.command("rebuild")
@click.pass_context
def dedup_rebuild(ctx: click.Context) -> None:
    """Recompute every signature, band, cluster and story from the stored texts.

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

    from storage import Store

    with Store.open(ctx.obj, check_index=False) as store:
        store.rebuild_index(progress)
        for bar in phases.values():
            bar.render_finish()
        figures = queries.stats(store)
    click.echo(
        f"rebuilt the reprint index of {ctx.obj}: {figures['articles']:,} articles in "
        f"{figures['clusters']:,} clusters ({figures['clusters_with_reprints']:,} with reprints)"
    )
