"""``search`` and ``stats``: reading the store."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

import click

from crawler.app.cli.base import json_line, lazy_module, main, open_store, say
from crawler.app.cli.options import limit_option, read_filters
from crawler.core.filters import SINCE_HELP, limit_or_none
from crawler.core.wording import when

if TYPE_CHECKING:
    from storage import queries
else:
    queries = lazy_module("storage.queries")


@main.command("search")
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per hit.")
@limit_option(20, "hits")
@click.option("--lang", "language", help="Only articles in this language (ISO 639-1: ar, ru, en).")
@click.option("--outlet", help="Only articles of this outlet (host name, or a URL of the site).")
@click.option(
    "--since", help=f"Only articles published (or, undated, first seen) at or after: {SINCE_HELP}."
)
@click.option(
    "--story",
    "story_id",
    type=int,
    help="Only articles of this story, in every language (`wirecrawl stories` lists the ids).",
)
@click.pass_context
def search_command(
    ctx: click.Context,
    query: str,
    as_json: bool,
    limit: int,
    language: str | None,
    outlet: str | None,
    since: str | None,
    story_id: int | None = None,
) -> None:
    """Full-text search over titles and bodies, best match first.

    Matching ignores Arabic letter variants (أ/ا/إ/آ, ة/ه, ى/ي), tatweel,
    harakat, Arabic-Indic digits and ё/е, so any spelling finds the article.
    Whole words come first, ranked by relevance; when there are fewer than
    --limit, articles holding the words' stems inside other words follow,
    newest first: Russian case endings (Москва finds Москве), Arabic attached
    particles (ناتو finds والناتو). Several words must all match.
    """
    chosen = read_filters(since=since, language=language, outlet=outlet)
    with open_store(ctx, readonly=True) as store:
        hits = queries.search(
            store,
            query,
            limit=limit_or_none(limit),
            language=chosen["language"],
            outlet=chosen["outlet"],
            since=chosen["since"],
            story_id=story_id,
        )
    if as_json:
        for hit in hits:
            click.echo(json_line({**asdict(hit), "first_seen": hit.first_seen}))
        return
    if limit_or_none(limit) is not None and len(hits) >= limit:
        say(f"showing the first {len(hits)} hits; there may be more: --limit 0 shows them all")
    if not hits:
        click.echo(f"no article matches {query!r}", err=True)
        return
    for number, hit in enumerate(hits, 1):
        where = hit.url or hit.source_file
        facts = " · ".join(
            x
            for x in (
                hit.outlet,
                when(hit) if hit.time_utc else "",
                hit.language,
                hit.wire_agency,
                f"cluster {hit.cluster_id}" if hit.cluster_id else "",
            )
            if x
        )
        click.echo(f"{number:>3}. {hit.title}")
        click.echo(f"     {facts}")
        if hit.snippet:
            click.echo(f"     {hit.snippet}")
        click.echo(f"     {where}  (article {hit.article_id})")


# -- stats --------------------------------------------------------------------


@main.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@click.pass_context
def stats_command(ctx: click.Context, as_json: bool) -> None:
    """Figures about the store: articles, clusters, feeds, languages, outlets, agencies."""
    with open_store(ctx, readonly=True) as store:
        figures = queries.stats(store)
    if as_json:
        click.echo(json_line(figures))
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
        + (f" ({figures['undated']:,} undated)" if figures["undated"] else "")
    )
    for label, key in (
        ("languages", "languages"),
        ("outlets", "outlets"),
        ("wire agencies", "wire_agencies"),
    ):
        items = ", ".join(f"{k or '(none)'} {v}" for k, v in list(figures[key].items())[:8])
        click.echo(f"{label:<16} {items or '-'}")
