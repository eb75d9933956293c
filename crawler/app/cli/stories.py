"""``stories``: the same news across languages, and the evidence that links it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from crawler.app.cli.base import json_line, lazy_module, main, open_store, plural, say_shown
from crawler.app.cli.options import limit_option, read_filters
from crawler.core.filters import SINCE_HELP, limit_or_none
from crawler.core.wording import evidence_text, gap_text, when

if TYPE_CHECKING:
    from storage import queries
else:
    queries = lazy_module("storage.queries")


def version_record(version: queries.StoryVersion) -> dict[str, Any]:
    """One other-language version as JSON."""
    other = version.cluster
    return {
        "cluster_id": other.cluster_id,
        "language": other.language,
        "size": other.size,
        "title": other.canonical.title,
        "outlet": other.canonical.outlet,
        "time_utc": other.canonical.time_utc,
        "first_seen": other.canonical.first_seen,
        "seconds_after": version.seconds_after,
        "links": list(version.links),
    }


def print_versions(cluster: queries.ClusterSummary, found: list[queries.StoryVersion]) -> None:
    """The "in other languages" part of ``clusters show``."""
    if not found:
        return
    click.echo("")
    click.echo(
        f"in other languages (story {cluster.story_id}: {' '.join(cluster.story_languages)})"
    )
    for version in found:
        other, after, links = version.cluster, version.seconds_after, version.links
        if after is None:
            order = "time unknown"
        elif after >= 0:
            order = f"{gap_text(after)} after this cluster"
        else:
            order = f"{gap_text(after)} before this cluster (earlier)"
        click.echo(
            f"  [{other.language or '?'}] cluster {other.cluster_id}: {other.canonical.title}"
        )
        click.echo(
            f"      {other.canonical.outlet or other.canonical.source_file} · "
            f"{when(other.canonical)} · {order} · {plural(other.size, 'article')}"
        )
        if not links:
            click.echo("      linked through another cluster of the story")
        for link in links:
            click.echo(
                f"      article {link['article_id']} ~ article {link['other_article_id']}: "
                f"score {link['score']:.2f}, {gap_text(link['gap_seconds'])} apart"
            )
            for piece in link["evidence"]:
                shown = {**piece, "left": piece["this"], "right": piece["other"]}
                click.echo(f"        {evidence_text(shown)}")


def story_record(story: queries.StorySummary) -> dict[str, Any]:
    """A story as JSON: its languages and its clusters, earliest first."""
    return {
        "story_id": story.story_id,
        "languages": list(story.languages),
        "articles": story.articles,
        "first_time_utc": story.first_time_utc,
        "clusters": [
            {
                "cluster_id": c.cluster_id,
                "language": c.language,
                "size": c.size,
                "title": c.canonical.title,
                "outlet": c.canonical.outlet,
                "time_utc": c.canonical.time_utc,
                "first_seen": c.canonical.first_seen,
                "wire_agency": c.wire_agency,
            }
            for c in story.clusters
        ],
    }


@main.command("stories")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per story.")
@click.option(
    "--min-languages",
    default=2,
    show_default=True,
    help="Only stories told in at least N languages (1 lists every cluster's story).",
)
@click.option(
    "--since",
    help=f"Only stories first published (or, undated, first seen) at or after: {SINCE_HELP}.",
)
@limit_option(50, "stories")
@click.pass_context
def stories_command(
    ctx: click.Context,
    as_json: bool = False,
    min_languages: int = 2,
    since: str | None = None,
    limit: int = 50,
) -> None:
    """List stories: the same news in several languages, most languages and biggest first.

    A story joins reprint clusters in different languages (a wire original and its
    translations) on evidence a translation keeps: names spelled in another script,
    figures, dates, the wire both credit, the page's own language editions, a short time
    between them. `wirecrawl clusters show ID` lists the evidence of each link.
    """
    since = read_filters(since=since)["since"]
    with open_store(ctx, readonly=True) as store, store.snapshot():
        found = queries.list_stories(
            store, min_languages=min_languages, since=since, limit=limit_or_none(limit)
        )
        total = len(found)
        if limit_or_none(limit) is not None:
            total = queries.count_stories(store, min_languages=min_languages, since=since)
    if as_json:
        for story in found:
            click.echo(json_line(story_record(story)))
        return
    say_shown(len(found), total, "stories")
    if not found:
        click.echo(
            f"no stories in at least {min_languages} languages "
            "(`wirecrawl dedup rebuild` links articles stored before stories existed)",
            err=True,
        )
        return
    for story in found:
        first = story.clusters[0]
        click.echo(f"story {story.story_id}: {first.canonical.title}")
        click.echo(
            f"    {' '.join(story.languages)} · {plural(len(story.clusters), 'cluster')} · "
            f"{plural(story.articles, 'article')} · first {when(first.canonical)}"
        )
        for cluster in story.clusters:
            after = queries.seconds_between(first.canonical.time_utc, cluster.canonical.time_utc)
            order = "first" if cluster is first else f"+{gap_text(after)}"
            click.echo(
                f"    {order:>10}  [{cluster.language or '?'}] cluster {cluster.cluster_id}  "
                f"{cluster.canonical.outlet or cluster.canonical.source_file}  "
                f"{cluster.canonical.title}"
            )
