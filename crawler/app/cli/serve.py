"""``wirecrawl serve``: the store in Datasette, read-only, with the wirecrawl plugin.

It takes the store from the ``wirecrawl`` group's ``--db``. Datasette is imported only
when the command runs, so the other commands start as fast as before.
"""

from __future__ import annotations

import os
import webbrowser
from pathlib import Path

import click

from crawler.app.cli.base import main
from crawler.core.errors import WirecrawlError


def _db_path(ctx: click.Context) -> Path:
    obj = ctx.find_root().obj
    if isinstance(obj, Path | str):
        return Path(obj)
    return Path(os.environ.get("WIRECRAWL_DB", "wirecrawl.db"))


def _check_port(host: str, port: int) -> None:
    """Refuse at once, before saying anything is served, when the port is taken."""
    import socket

    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        raise WirecrawlError(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}): another program "
            "may be using the port; choose another with --port"
        ) from exc


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8001, show_default=True, type=int, help="Port to listen on.")
@click.option("--open-browser", is_flag=True, help="Open the store in a web browser.")
@click.option(
    "--immutable",
    is_flag=True,
    help="The file no longer changes (an archived copy): faster counts, no locking. "
    "A store on read-only media is always read this way.",
)
@click.pass_context
def serve_command(
    ctx: click.Context, host: str, port: int, open_browser: bool, immutable: bool
) -> None:
    """Browse and query the store in Datasette, read-only.

    Tables with facets (outlet, language, wire agency, date), full-text search
    that ignores spelling variants, canned queries (newest and biggest
    clusters, who published first, outlets ranked by reprinted wire copy, one
    outlet's reprints of one agency) and a page per reprint cluster comparing
    each copy with the canonical text. Listens on 127.0.0.1 unless --host says
    otherwise; nothing served can write to the store, and a crawler may keep
    writing to it meanwhile.
    """
    path = _db_path(ctx)
    # Opening it as the other commands do checks that it is a wirecrawl store, with their errors.
    from storage import Store
    from storage.store import is_writable

    Store.open(path, readonly=True).close()
    # A store on read-only media cannot have its -shm beside it: read it as immutable.
    immutable = immutable or not is_writable(path)
    _check_port(host, port)
    from crawler.app.web import server

    ds = server.make_datasette(path, immutable=immutable)
    url = f"http://{host}:{port}{ds.urls.path(f'/-/wirecrawl/{path.stem}/clusters')}"
    click.echo(f"wirecrawl: serving {path} read-only at http://{host}:{port}/", err=True)
    click.echo(f"reprint clusters: {url}   (Ctrl-C stops)", err=True)
    if open_browser:
        webbrowser.open(url)
    server.run(ds, host=host, port=port)


main.add_command(serve_command)
