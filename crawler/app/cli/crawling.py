"""``run``, ``crawl`` and ``extract``: fetching news."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from crawler.app.cli.base import json_line, lazy_module, main, open_store, say
from crawler.app.cli.feeds import fetcher, kind_of
from crawler.app.cli.options import parse_setting_overrides, settings_option
from crawler.core.errors import WirecrawlError
from storage.lock import crawler_lock

if TYPE_CHECKING:
    from storage import queries
else:
    queries = lazy_module("storage.queries")


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
    with crawler_lock(ctx.obj, wait=wait, on_wait=say):
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


def crawl_summary_line(run: dict[str, Any]) -> str:
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
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Print Scrapy's log (INFO) on stderr; by default only warnings and errors.",
)
@click.pass_context
def crawl_command(
    ctx: click.Context,
    feed_args: tuple[str, ...],
    as_json: bool,
    settings_pairs: tuple[str, ...],
    spiders: tuple[str, ...],
    proxy: str,
    wait: bool,
    verbose: bool,
) -> None:
    """Run one crawl pass: poll the due feeds, fetch new articles, find their reprints.

    Feeds are polled with conditional requests (ETag, Last-Modified), robots.txt
    is obeyed and servers are not hammered. The run's figures are recorded in
    the crawl_runs table and printed.
    """
    from datetime import UTC, datetime

    from crawler.core.opml import parse_opml
    from crawler.core.urls import feed_url_problem
    from crawler.glue.crawl import run_crawl

    overrides = parse_setting_overrides(settings_pairs)
    overrides.setdefault("LOG_LEVEL", "INFO" if verbose else "WARNING")
    urls: list[str] = []
    with open_store(ctx) as store:
        for arg in feed_args:
            path = Path(arg)
            if path.exists() and path.is_file():
                result = parse_opml(path.read_bytes(), str(path))
                for outline in result.outlines:
                    store.add_feed(
                        outline.url,
                        kind=kind_of(outline.url),
                        title=outline.title,
                        site_url=outline.site_url,
                        language=outline.language,
                        category=outline.category,
                    )
                    urls.append(outline.url)
                for problem in result.problems:
                    click.echo(f"wirecrawl: {path}: {problem}", err=True)
            else:
                problem = feed_url_problem(arg)
                if problem:
                    raise WirecrawlError(f"--feeds {arg}: no such OPML file, and {problem}")
                store.add_feed(arg, kind=kind_of(arg))
                urls.append(arg)
        if not urls and not queries.feeds(store) and "islworld" not in spiders:
            raise WirecrawlError(
                f"no feeds in {ctx.obj} yet: run `wirecrawl feeds import` to add the default "
                "list (wire agencies and outlets that reprint them), or `wirecrawl feeds add URL`"
            )
        due = len(urls) if urls else len(store.due_feeds(datetime.now(UTC)))
    say(f"crawling {ctx.obj}: {due} feed(s) and sitemap(s) due ...")
    with crawler_lock(ctx.obj, wait=wait, on_wait=say):
        run = run_crawl(
            ctx.obj,
            spiders=spiders or ("feeds", "sitemaps"),
            feed_urls=urls,
            proxy=proxy,
            overrides=overrides,
        )
    if as_json:
        click.echo(json_line(run))
    else:
        click.echo(crawl_summary_line(run))


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
        from crawler.core.errors import InputFileError
        from crawler.core.urls import is_http_url

        if not is_http_url(source):
            raise InputFileError(
                f"{source}: no such file, and not an http(s) URL; give a saved page "
                "(.html or .html.gz) or the page's URL"
            )
        fetched = fetcher()(source)
        data, headers, page_url = fetched.body, dict(fetched.headers), url or fetched.url
    article = extract(data, page_url, ExtractOptions(fetched_at=datetime.now(UTC)), headers=headers)
    if not as_json:
        click.echo(render_seed_text(article), nl=False)
        return
    record = asdict(article)
    for name in ("published", "fetched_at"):
        record[name] = record[name].isoformat() if record[name] else None
    record["content_hash"] = article.content_hash
    click.echo(json.dumps(record, ensure_ascii=False, indent=2, default=str))
