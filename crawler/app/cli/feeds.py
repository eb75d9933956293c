"""``feeds add|remove|import|export|list|status|doctor|move``: the feed list."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from crawler.app.cli.base import json_line, lazy_module, main, open_store
from crawler.core.errors import WirecrawlError

if TYPE_CHECKING:
    from crawler.core.discovery import SafeFetcher
    from storage import queries
else:
    queries = lazy_module("storage.queries")


def fetcher() -> SafeFetcher:
    """The one-off fetch of ``feeds add`` and ``extract URL``: the crawler's rules and proxy."""
    from crawler.core.discovery import SafeFetcher
    from crawler.glue import settings

    return SafeFetcher(
        settings.USER_AGENT,
        proxy=settings.WIRECRAWL_PROXY,
        block_private_redirects=settings.WIRECRAWL_BLOCK_PRIVATE_REDIRECTS,
    )


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
@click.option(
    "--no-check",
    is_flag=True,
    help="Add the URLs without fetching them (they must still be http(s) URLs).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per feed added.")
@click.pass_context
def feeds_add(
    ctx: click.Context, urls: tuple[str, ...], kind: str, no_check: bool, as_json: bool
) -> None:
    """Add feeds: a feed URL, or a site URL whose page is searched for its feeds.

    Each URL is fetched once to check it is a feed (or to find the feeds a
    page advertises with <link rel="alternate">, else at the usual feed
    paths). URLs that give no feed are reported and skipped. Every URL must
    be an absolute http(s) address, --no-check or not.
    """
    from crawler.core.discovery import discover
    from crawler.core.errors import FeedError
    from crawler.core.urls import canonical_url, feed_url_problem

    failed = 0
    fetch = fetcher()
    with open_store(ctx) as store:
        for url in urls:
            problem = feed_url_problem(url)
            if problem:
                click.echo(f"wirecrawl: {url}: {problem}", err=True)
                failed += 1
                continue
            if no_check or kind == "sitemap":
                found = [(url, "")]
            else:
                try:
                    found = discover(url, fetch)
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
                    click.echo(json_line(record))
                else:
                    state = "added" if created else "already listed"
                    click.echo(f"{state}: {feed_url}" + (f"  ({title})" if title else ""))
    if failed:
        ctx.exit(1)


#: The default feed list: wire agencies and outlets that reprint them, in ar/ru/en.
DEFAULT_FEEDS = Path(__file__).resolve().parents[1] / "data" / "feeds.opml"


def kind_of(url: str) -> str:
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
    from crawler.core.opml import parse_opml

    opml = opml or DEFAULT_FEEDS
    result = parse_opml(opml.read_bytes(), str(opml))
    added = known = 0
    # One commit for the whole list: a list of 100,000 feeds is not 100,000 commits.
    with open_store(ctx) as store, store.batch():
        for outline in result.outlines:
            _, created = store.add_feed(
                outline.url,
                kind=kind_of(outline.url),
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
        click.echo(json_line(summary))
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
    from crawler.core.opml import OpmlOutline, render_opml

    with open_store(ctx, readonly=True) as store:
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
    with open_store(ctx, readonly=True) as store:
        listed = queries.feeds(store)
    if as_json:
        for feed in listed:
            click.echo(json_line(_feed_record(feed)))
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

    with open_store(ctx, readonly=True) as store:
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
            click.echo(json_line(record))
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

    with open_store(ctx, readonly=True) as store:
        problems = queries.feed_problems(store, datetime.now(UTC))
    for problem in problems:
        if as_json:
            click.echo(
                json_line(
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
    with open_store(ctx) as store:
        if not store.move_feed(old_url, new_url):
            raise WirecrawlError(f"there is no feed {old_url} in {ctx.obj}")
    click.echo(f"moved: {old_url} -> {new_url}")


@feeds_group.command("remove")
@click.argument("urls", nargs=-1, required=True)
@click.pass_context
def feeds_remove(ctx: click.Context, urls: tuple[str, ...]) -> None:
    """Stop polling feeds; the articles they brought stay in the store.

    Give each URL as `wirecrawl feeds list` shows it. Unknown URLs are
    reported and the exit code is then 1.
    """
    from crawler.core.urls import canonical_url

    missing = 0
    with open_store(ctx) as store:
        for url in urls:
            if store.remove_feed(url) or store.remove_feed(canonical_url(url) or url):
                click.echo(f"removed: {url}")
            else:
                click.echo(
                    f"wirecrawl: there is no feed {url} in {ctx.obj}; "
                    "`wirecrawl feeds list` shows them",
                    err=True,
                )
                missing += 1
    if missing:
        ctx.exit(1)
