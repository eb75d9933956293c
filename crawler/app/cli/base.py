"""The ``wirecrawl`` group and the helpers its commands share."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import sqlite3
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from crawler import __version__
from crawler.core.errors import StoreError, WirecrawlError

if TYPE_CHECKING:
    from storage import Store

T = TypeVar("T")


def lazy_module(name: str) -> Any:
    """``name``, imported on its first attribute access.

    The command modules hold the store, the importer and the Datasette pages this way,
    so that ``wirecrawl --help`` and a command's ``--help`` load none of them.
    """
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:  # pragma: no cover - a broken install
        raise ImportError(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


#: Articles committed together by `import` (each one stays atomic on its own).
IMPORT_BATCH = 200


class _Group(click.Group):
    """A click group that turns wirecrawl's own errors into a message and an exit code."""

    #: Subgroups (``feeds``, ``clusters`` ...) list their commands the same way.
    group_class = type

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Each command's whole first sentence, wrapped, never cut off with "...".
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=400)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except WirecrawlError as exc:
            click.echo(f"wirecrawl: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except sqlite3.DatabaseError as exc:
            # Raised mid-read by a damaged file (corrupt pages deep inside it).
            click.echo(f"wirecrawl: {damaged_store_message(ctx.obj, exc)}", err=True)
            ctx.exit(StoreError.exit_code)
        except BrokenPipeError:
            # The reader stopped early (`| head`): nothing to report.
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(0)
        except OSError as exc:
            where = exc.filename or "a file"
            click.echo(f"wirecrawl: {where}: {exc.strerror or exc}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("wirecrawl: interrupted", err=True)
            ctx.exit(130)


def damaged_store_message(db: object, exc: BaseException) -> str:
    """What to say when SQLite fails while reading or writing the store."""
    text = str(exc)
    if "malformed" in text or "not a database" in text:
        return (
            f"the store {db} is damaged ({text}): restore it from a backup, or save what "
            f"can be read with `sqlite3 {db} .recover | sqlite3 recovered.db`"
        )
    return f"the store {db} cannot be used: {text}"


@contextlib.contextmanager
def progress(items: Iterable[T], length: int, label: str) -> Iterator[Iterable[T]]:
    """A progress bar on stderr when it is a terminal; the plain iterable otherwise."""
    if sys.stderr.isatty() and length > 1:
        with click.progressbar(items, length=length, label=label, file=sys.stderr) as bar:
            yield bar
    else:
        yield items


def plural(count: int, word: str) -> str:
    """``1 article``, ``2 articles`` (English nouns that take an -s)."""
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def say(message: str) -> None:
    click.echo(f"wirecrawl: {message}", err=True)


def say_shown(shown: int, total: int, noun: str) -> None:
    """Tell stderr that a listing shows ``shown`` of ``total`` ``noun`` and how to see them all."""
    more = max(0, total - shown)
    if more:
        say(f"showing {shown} of {total} {noun} ({more} more): --limit 0 shows them all")


def json_line(record: dict[str, Any]) -> str:
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


def open_store(ctx: click.Context, *, readonly: bool = False) -> Store:
    """The store of ``--db``."""
    from storage import Store

    return Store.open(ctx.obj, readonly=readonly)
