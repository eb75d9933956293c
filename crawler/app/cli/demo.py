"""``demo``: crawl the bundled demo site and show its clusters."""

from __future__ import annotations

import click

from crawler.app.cli.base import json_line, main, open_store
from crawler.app.cli.clusters import clusters_list
from crawler.app.cli.crawling import crawl_summary_line
from crawler.app.cli.query import stats_command
from crawler.app.cli.stories import stories_command
from storage.lock import crawler_lock

#: Settings for crawling the demo site on loopback: no politeness delay needed.
DEMO_OVERRIDES = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_START_DELAY": 0.05, "LOG_LEVEL": "WARNING"}


@main.command("demo")
@click.option("--json", "as_json", is_flag=True, help="Print the crawl summary as one JSON object.")
@click.pass_context
def demo_command(ctx: click.Context, as_json: bool) -> None:
    """Crawl the bundled demo site and show the reprint clusters and stories it found.

    The demo site runs on 127.0.0.1 only: invented outlets in Arabic, Russian
    and English, with RSS, Atom and JSON Feed feeds and a news sitemap,
    reprinting invented wire stories the way real outlets do. Running it
    again polls the feeds conditionally and adds nothing new.
    """
    from crawler.app.demo.site import DemoSite
    from crawler.glue.crawl import run_crawl

    with DemoSite() as site:
        urls = []
        with open_store(ctx) as store:
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
        click.echo(json_line(run))
        return
    click.echo(crawl_summary_line(run))
    click.echo("")
    ctx.invoke(stats_command, as_json=False)
    click.echo("")
    ctx.invoke(clusters_list, limit=5)
    click.echo("")
    ctx.invoke(stories_command, limit=3)
    click.echo("")
    click.echo(
        f"next: wirecrawl --db {ctx.obj} clusters show <id>, stories, search, export, or serve"
    )
