"""Command line of the distributed mode: ``worker``, ``store-writer``, ``distributed status``.

Redis and scrapy-redis are imported only when one of these commands runs,
so the rest of wirecrawl works without the ``distributed`` extra.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path
from types import ModuleType
from typing import Any

import click

from crawler.app.cli.base import main
from crawler.app.cli.options import parse_setting_overrides, settings_option
from crawler.core.errors import WirecrawlError

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"

_redis_option = click.option(
    "--redis",
    "redis_url",
    envvar="WIRECRAWL_REDIS",
    default=DEFAULT_REDIS_URL,
    show_default=True,
    help="The deployment's Redis server (env WIRECRAWL_REDIS).",
)
_prefix_option = click.option(
    "--prefix",
    envvar="WIRECRAWL_REDIS_PREFIX",
    default="wirecrawl",
    show_default=True,
    help="Prefix of the deployment's Redis keys (several deployments can share a server).",
)


def _distributed() -> ModuleType:
    """``crawler.app.distributed``, or a message naming the extra it needs."""
    try:
        from crawler.app import distributed
    except ImportError as exc:
        raise WirecrawlError(
            f"the distributed mode needs redis and scrapy-redis ({exc}): "
            "pip install 'wirecrawl[distributed]'"
        ) from exc
    return distributed


@click.command("worker")
@_redis_option
@click.option(
    "--spider",
    "spiders",
    multiple=True,
    type=click.Choice(["feeds", "sitemaps"]),
    help="What to poll (repeatable; default: feeds and sitemaps).",
)
@click.option(
    "--once", is_flag=True, help="Exit when nothing is due and the shared frontier is empty."
)
@settings_option("Override a Scrapy setting, e.g. -s CONCURRENT_REQUESTS=32.")
@click.option(
    "--proxy",
    envvar="WIRECRAWL_PROXY",
    default="",
    help="Send every request through this HTTP proxy (env WIRECRAWL_PROXY).",
)
@_prefix_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
def worker_command(
    redis_url: str,
    spiders: tuple[str, ...],
    once: bool,
    settings_pairs: tuple[str, ...],
    proxy: str,
    prefix: str,
    as_json: bool,
) -> None:
    """Crawl as one of several workers of a deployment (no SQLite file here).

    The worker polls the feeds the store-writer hands out, shares one request
    frontier and duplicate filter with the other workers (scrapy-redis), finds
    reprint candidates in the shared index, and pushes every record to Redis
    for the store-writer. SIGTERM or Ctrl-C stops it after the pages in flight;
    the rest of the frontier stays in Redis for the others.
    """
    distributed = _distributed()
    overrides = parse_setting_overrides(settings_pairs)
    overrides.setdefault("LOG_LEVEL", "WARNING")
    summary = distributed.run_worker(
        redis_url,
        spiders=spiders or ("feeds", "sitemaps"),
        once=once,
        prefix=prefix,
        proxy=proxy,
        overrides=overrides,
    )
    if as_json:
        click.echo(json.dumps(summary.spiders, default=str))
        return
    for name, figures in summary.spiders.items():
        click.echo(
            f"worker {name}: {figures['downloader/request_count']} request(s), "
            f"{figures['wirecrawl/records_sent']} article(s) sent, "
            f"{figures['wirecrawl/with_candidates']} with reprint candidates "
            f"({figures['finish_reason']})"
        )


@click.command("store-writer")
@_redis_option
@click.option("--once", is_flag=True, help="Write the records waiting now, then exit.")
@click.option(
    "--idle-exit",
    type=float,
    metavar="SECONDS",
    help="Exit once nothing has been queued, leased, fetched or written for SECONDS.",
)
@click.option(
    "--batch", type=int, default=200, show_default=True, help="Records committed together."
)
@click.option(
    "--lease",
    type=float,
    default=600.0,
    show_default=True,
    metavar="SECONDS",
    help="How long a worker may hold a due feed before it is handed out again.",
)
@click.option(
    "--schedule-every",
    type=float,
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="How often the due feeds are handed out.",
)
@_prefix_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.pass_context
def store_writer_command(
    ctx: click.Context,
    redis_url: str,
    once: bool,
    idle_exit: float | None,
    batch: int,
    lease: float,
    schedule_every: float,
    prefix: str,
    as_json: bool,
) -> None:
    """Write the workers' records into the store (--db), and hand out the due feeds.

    One per deployment, beside the SQLite file. Each record leaves Redis only
    after its SQLite commit, so a writer killed at any point loses nothing;
    start it again and it carries on. SIGTERM or Ctrl-C stops it after the
    batch in hand.
    """
    from dataclasses import asdict

    from storage import Store
    from storage.lock import crawler_lock

    distributed = _distributed()
    db_path = Path(ctx.obj) if ctx.obj else Path("wirecrawl.db")
    deployment = distributed.Deployment.connect(redis_url, prefix)
    with crawler_lock(db_path), Store.open(db_path) as store:
        distributed.check_index(deployment, store.params)
        writer = distributed.StoreWriter(store, deployment, batch=batch, lease_seconds=lease)

        def on_signal(_signum: int, _frame: Any) -> None:
            writer.stop()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        report = writer.run(once=once, idle_exit=idle_exit, schedule_every=schedule_every)
    if as_json:
        click.echo(json.dumps(asdict(report)))
        return
    click.echo(
        f"store-writer (run {report.run_id}): {report.applied} record(s) written, "
        f"{report.articles_new} new article(s), {report.articles_known} known, "
        f"{report.recovered} recovered from a stopped writer, {report.failed} set aside, "
        f"{report.offered} due feed(s) handed out"
    )


@click.group("distributed")
def distributed_group() -> None:
    """Look at or reset a deployment of several workers (see docs/distributed.md)."""


@distributed_group.command("status")
@_redis_option
@_prefix_option
@click.option("--json", "as_json", is_flag=True, help="Print the status as one JSON object.")
def status_command(redis_url: str, prefix: str, as_json: bool) -> None:
    """What waits where: records, due feeds, the frontier, leases, workers, the writer."""
    from dataclasses import asdict

    distributed = _distributed()
    status = distributed.Deployment.connect(redis_url, prefix).status()
    if as_json:
        click.echo(json.dumps(asdict(status)))
        return
    due = ", ".join(f"{n} {kind}(s)" for kind, n in status.due.items())
    frontier = ", ".join(f"{n} for {spider}" for spider, n in status.frontier.items())
    click.echo(f"records waiting for the writer: {status.records} (held: {status.processing})")
    click.echo(f"records set aside: {status.failed}")
    click.echo(f"due, not taken yet: {due}; leased to workers: {status.leased}")
    click.echo(f"frontier: {frontier}; fingerprints: {status.fingerprints}")
    click.echo(f"articles stored: {status.stored}; in the shared index: {status.index_size}")
    click.echo(f"writer: {status.writer or 'none'}")
    click.echo(f"live workers: {len(status.workers)}")
    for name, state in sorted(status.workers.items()):
        click.echo(f"  {name}: {'busy' if state.get('busy') else 'idle'}, {state.get('sent')} sent")


@distributed_group.command("reset-index")
@_redis_option
@_prefix_option
def reset_index_command(redis_url: str, prefix: str) -> None:
    """Delete the shared reprint index (after an upgrade that changes its parameters).

    Stop every worker first. The store's own index and clusters are untouched.
    """
    distributed = _distributed()
    deleted = distributed.reset_index(distributed.Deployment.connect(redis_url, prefix))
    click.echo(f"shared reprint index deleted ({deleted} key(s))")


main.add_command(worker_command)
main.add_command(store_writer_command)
main.add_command(distributed_group)
