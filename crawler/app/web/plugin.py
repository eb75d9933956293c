"""The Datasette plugin for wirecrawl stores.

Registered as the ``wirecrawl`` entry point of the ``datasette`` group, so
``datasette wirecrawl.db`` picks it up; ``wirecrawl serve`` registers it itself.
A database counts as a wirecrawl store when it has the ``articles``,
``clusters`` and ``articles_fts`` tables; other databases served alongside
are left alone.

What it adds:

- SQL functions on every connection: ``wirecrawl_fold(text)`` folds text as
  the store folds its search columns (``crawler.core.text.normalise``), and
  ``wirecrawl_match(query)`` gives the FTS5 MATCH expression ``wirecrawl
  search`` uses (``storage.queries.fts_query``), for canned queries and the
  SQL editor. On a store, Datasette's own ``escape_fts`` (behind the search box
  of a table) is replaced by ``wirecrawl_match``, so the search box finds
  الأمن as الامن and ёлка as елка.
- The store's metadata (``metadata.json``) under whatever name the store is
  served: titles and descriptions, facets, full-text search and canned queries.
- Cluster pages: ``/-/wirecrawl/<database>/clusters`` lists the reprint
  clusters and ``/-/wirecrawl/<database>/clusters/<id>`` shows one: the
  timeline, why each member is there, and every copy beside the canonical text
  with shared passages marked and right-to-left text laid out right to left.
- Links: every ``cluster_id`` cell (articles table, canned queries) leads to
  its cluster page, every ``article_id`` cell of a query to the article; the
  home page and each store's page link the cluster pages.
- A readable first view of the articles table: opened without parameters, it
  shows ``ARTICLE_COLUMNS`` (title, outlet, publication time and cluster first;
  not the folded and JSON copies of the text), and its column descriptions are
  folded away under one line. Any query string (a sort, a filter, or the
  "all columns" link) shows the table as Datasette does.
"""

from __future__ import annotations

import asyncio
import copy
import json
import sqlite3
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode
from weakref import WeakKeyDictionary

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Request, Response
from jinja2 import BaseLoader, ChoiceLoader, Environment, FileSystemLoader
from markupsafe import Markup, escape

from crawler.app.web import pages
from crawler.core import wording
from crawler.core.errors import StoreError
from crawler.core.text import normalise
from storage import Store, queries

if TYPE_CHECKING:
    # Datasette loads this module while datasette.app itself is being imported.
    from datasette.app import Datasette

HERE = Path(__file__).resolve().parent
METADATA_FILE = HERE / "metadata.json"
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
#: The tables that make a database a wirecrawl store.
STORE_TABLES = frozenset({"articles", "clusters", "articles_fts"})
#: The name ``metadata.json`` files its database under (the default store is wirecrawl.db).
METADATA_NAME = "wirecrawl"
#: Clusters listed on the index page.
INDEX_LIMIT = 100

#: The articles table's columns at first view, in this order (the others stay one click away).
ARTICLE_COLUMNS = (
    "title",
    "outlet",
    "time_utc",
    "cluster_id",
    "is_canonical",
    "language",
    "wire_agency",
    "jaccard",
    "containment",
    "word_count",
    "url",
    "source_file",
)

_stores: WeakKeyDictionary[Datasette, frozenset[str]] = WeakKeyDictionary()


@cache
def metadata() -> dict[str, Any]:
    """The parsed ``metadata.json`` (do not modify; copy it)."""
    return json.loads(METADATA_FILE.read_text(encoding="utf-8"))


def store_metadata() -> dict[str, Any]:
    """A fresh copy of the metadata of one store (tables, columns, facets, queries)."""
    return copy.deepcopy(metadata()["databases"][METADATA_NAME])


def metadata_for(database: str) -> dict[str, Any]:
    """``metadata.json`` with its database entry filed under ``database``."""
    document = copy.deepcopy(metadata())
    document["databases"] = {database: document["databases"].pop(METADATA_NAME)}
    return document


def stores(datasette: Datasette) -> frozenset[str]:
    """Names of the databases of ``datasette`` that are wirecrawl stores (found at startup)."""
    return _stores.get(datasette, frozenset())


def _is_store(conn: sqlite3.Connection) -> bool:
    names = {
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (?, ?, ?)",
            sorted(STORE_TABLES),
        )
    }
    return names == STORE_TABLES


def fold(text: str | None) -> str | None:
    """``wirecrawl_fold(text)``: the folded form of ``text``."""
    return None if text is None else normalise(str(text))


def match(query: str | None) -> str:
    """``wirecrawl_match(query)``: an FTS5 MATCH expression; one that matches nothing when empty."""
    return queries.fts_query(str(query or "")) or '""'


@hookimpl
async def startup(datasette: Datasette) -> None:
    found = set()
    for name, database in datasette.databases.items():
        if database.is_memory:
            continue
        tables = set(await database.table_names())
        if tables >= STORE_TABLES:
            found.add(name)
    _stores[datasette] = frozenset(found)


@hookimpl
def get_metadata(datasette: Datasette, key: str, database: str, table: str) -> dict[str, Any]:
    found = stores(datasette)
    if not found:
        return {}
    out: dict[str, Any] = {"databases": {}}
    for name in found:
        entry = store_metadata()
        index = datasette.urls.path(f"/-/wirecrawl/{quote(name)}/clusters")
        entry["description_html"] = (
            f"{escape(entry.pop('description', ''))} "
            f'<a href="{escape(index)}">Browse the reprint clusters</a>.'
        )
        out["databases"][name] = entry
    links = ", ".join(
        f'<a href="{escape(datasette.urls.path(f"/-/wirecrawl/{quote(name)}/clusters"))}">'
        f"{escape(name)}</a>"
        for name in sorted(found)
    )
    out["description_html"] = (
        f"{escape(metadata().get('description', ''))} Reprint clusters: {links}."
    )
    return out


@hookimpl
def asgi_wrapper(datasette: Datasette) -> Any:
    """Show the articles table, when no query string is given, with its readable columns."""

    def wrap(app: Any) -> Any:
        async def first_view(scope: dict[str, Any], receive: Any, send: Any) -> None:
            first = not scope.get("query_string")
            if scope.get("type") == "http" and scope.get("method") == "GET" and first:
                await datasette.invoke_startup()  # once; it finds the stores
                for name in stores(datasette):
                    if scope.get("path") == datasette.urls.table(name, "articles"):
                        # The address stays as it is; only the columns chosen change.
                        columns = urlencode([("_col", c) for c in ARTICLE_COLUMNS])
                        scope = {**scope, "query_string": columns.encode("ascii")}
                        break
            await app(scope, receive, send)

        return first_view

    return wrap


#: Folds the column descriptions of the articles table under one line (<details>).
_FOLD_DESCRIPTIONS = """
(function () {
  var list = document.querySelector("dl.column-descriptions");
  if (!list) return;
  var box = document.createElement("details");
  box.className = "wc-column-descriptions";
  var summary = document.createElement("summary");
  summary.textContent = "What the columns hold (" + list.querySelectorAll("dt").length + ")";
  list.parentNode.insertBefore(box, list);
  box.appendChild(summary);
  box.appendChild(list);
  var all = document.createElement("a");
  all.href = location.pathname + "?_sort_desc=time_utc";
  all.textContent = "show all columns";
  summary.appendChild(document.createTextNode(" \u00b7 "));
  summary.appendChild(all);
  // At first view (the readable columns), the facets fold under one line too, and the
  // suggested facets give way, so that the first rows show without scrolling.
  if (location.search) return;
  var suggested = document.querySelector(".suggested-facets");
  if (suggested) suggested.remove();
  var facets = document.querySelector(".facet-results");
  if (!facets) return;
  var names = Array.prototype.map.call(
    facets.querySelectorAll(".facet-info-name strong"), function (e) { return e.textContent; }
  );
  var fold = document.createElement("details");
  fold.className = "wc-facets";
  var label = document.createElement("summary");
  label.textContent = "Facets: " + names.join(", ");
  facets.parentNode.insertBefore(fold, facets);
  fold.appendChild(label);
  fold.appendChild(facets);
})();
"""


@hookimpl
def extra_body_script(template: str, database: str, table: str, datasette: Datasette) -> str:
    if table == "articles" and database in stores(datasette) and template == "table.html":
        return _FOLD_DESCRIPTIONS
    return ""


# trylast: Datasette registers its own escape_fts in this hook; ours must come after it.
@hookimpl(trylast=True)
def prepare_connection(conn: sqlite3.Connection, database: str, datasette: Datasette) -> None:
    conn.create_function("wirecrawl_fold", 1, fold, deterministic=True)
    conn.create_function("wirecrawl_match", 1, match, deterministic=True)
    if database.startswith("_"):
        return
    try:
        store = _is_store(conn)
    except sqlite3.Error:
        return
    if store:
        conn.create_function("escape_fts", 1, match, deterministic=True)


@hookimpl
def prepare_jinja2_environment(env: Environment, datasette: Datasette) -> None:
    loaders: list[BaseLoader] = [FileSystemLoader(str(TEMPLATES))]
    if env.loader is not None:
        loaders.append(env.loader)
    env.loader = ChoiceLoader(loaders)


@hookimpl
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Datasette
) -> Markup | None:
    if isinstance(value, dict):  # a foreign key Datasette expanded to {"value", "label"}
        value = value.get("value")
    if database not in stores(datasette) or not isinstance(value, int):
        return None
    if column == "cluster_id" or (table == "clusters" and column == "canonical_article_id"):
        href = cluster_url(datasette, database, value)
        return Markup(f'<a href="{escape(href)}" title="compare the copies">{value}</a>')
    if table is None and column == "article_id":
        href = datasette.urls.row(database, "articles", str(value))
        return Markup(f'<a href="{escape(href)}">{value}</a>')
    return None


@hookimpl
def menu_links(datasette: Datasette, actor: Any, request: Request | None) -> list[dict[str, str]]:
    found = sorted(stores(datasette))
    return [
        {
            "href": datasette.urls.path(f"/-/wirecrawl/{quote(name)}/clusters"),
            "label": f"Reprint clusters ({name})" if len(found) > 1 else "Reprint clusters",
        }
        for name in found
    ]


@hookimpl
def register_routes(datasette: Datasette) -> list[tuple[str, Any]]:
    return [
        (r"^/-/wirecrawl/static/(?P<name>[a-z0-9_-]+\.css)$", static_view),
        (r"^/-/wirecrawl/clusters(?P<rest>/\d+)?$", first_store_view),
        (r"^/-/wirecrawl/(?P<database>[^/]+)/clusters$", clusters_view),
        (r"^/-/wirecrawl/(?P<database>[^/]+)/clusters/(?P<cluster_id>\d+)$", cluster_view),
    ]


def cluster_url(datasette: Datasette, database: str, cluster_id: int) -> str:
    """Path of the page of one cluster."""
    return datasette.urls.path(f"/-/wirecrawl/{quote(database)}/clusters/{cluster_id}")


async def static_view(request: Request) -> Response:
    """The plugin's stylesheet."""
    path = STATIC / request.url_vars["name"]
    if not path.is_file():
        raise NotFound("no such file")
    return Response(
        path.read_text(encoding="utf-8"),
        content_type="text/css; charset=utf-8",
        headers={"Cache-Control": "max-age=3600"},
    )


async def first_store_view(request: Request, datasette: Datasette) -> Response:
    """``/-/wirecrawl/clusters[/<id>]``: the same page of the first store."""
    found = sorted(stores(datasette))
    if not found:
        raise NotFound("no wirecrawl store is being served")
    rest = request.url_vars.get("rest") or ""
    path = datasette.urls.path(f"/-/wirecrawl/{quote(found[0])}/clusters{rest}")
    if request.query_string:
        path += "?" + request.query_string
    return Response.redirect(path)


def _store_path(datasette: Datasette, database: str) -> Path:
    if database not in stores(datasette):
        raise NotFound(f"{database} is not a wirecrawl store")
    return Path(datasette.get_database(database).path)


async def _read(path: Path, work: Any) -> Any:
    """Run ``work(store)`` on the store opened read-only, in a worker thread."""

    def run() -> Any:
        try:
            with Store.open(path, readonly=True) as store:
                return work(store)
        except StoreError as exc:
            raise NotFound(str(exc)) from exc

    return await asyncio.to_thread(run)


def _helpers(datasette: Datasette, database: str) -> dict[str, Any]:
    return {
        "database": database,
        "css_url": datasette.urls.path("/-/wirecrawl/static/wirecrawl.css"),
        "database_url": datasette.urls.database(database),
        "index_url": datasette.urls.path(f"/-/wirecrawl/{quote(database)}/clusters"),
        "article_url": lambda article_id: datasette.urls.row(database, "articles", str(article_id)),
        "cluster_url": lambda cluster_id: cluster_url(datasette, database, cluster_id),
        "direction": wording.direction,
        "delay": wording.delay,
        "reason": wording.reason,
        "utc_text": wording.utc_text,
        "gap_text": wording.gap_text,
        "evidence_text": wording.evidence_text,
    }


async def cluster_view(request: Request, datasette: Datasette) -> Response:
    """One cluster: timeline, reasons, and every copy beside the canonical text."""
    database = request.url_vars["database"]
    path = _store_path(datasette, database)
    cluster_id = int(request.url_vars["cluster_id"])
    page = await _read(path, lambda store: pages.cluster_page(store, cluster_id))
    if page is None:
        raise NotFound(f"there is no cluster or article {cluster_id} in {database}")
    if page.cluster.cluster_id != cluster_id:
        # An article id of a member: the cluster's own address.
        return Response.redirect(cluster_url(datasette, database, page.cluster.cluster_id))
    context = {"page": page, "cluster": page.cluster, **_helpers(datasette, database)}
    return Response.html(
        await datasette.render_template("wirecrawl_cluster.html", context, request=request)
    )


async def clusters_view(request: Request, datasette: Datasette) -> Response:
    """The reprint clusters, biggest and newest first, with the CLI's filters."""
    database = request.url_vars["database"]
    path = _store_path(datasette, database)
    args = request.args
    filters = {
        "since": args.get("since") or None,
        "wire": args.get("wire") or None,
        "outlet": args.get("outlet") or None,
    }
    try:
        min_size = max(1, int(args.get("min_size") or 2))
    except ValueError:
        min_size = 2
    found = await _read(
        path,
        lambda store: queries.list_clusters(store, min_size=min_size, limit=INDEX_LIMIT, **filters),
    )
    context = {
        "clusters": found,
        "filters": {k: v or "" for k, v in filters.items()},
        "min_size": min_size,
        "limit": INDEX_LIMIT,
        "query_string": urlencode({k: v for k, v in filters.items() if v}),
        **_helpers(datasette, database),
    }
    return Response.html(
        await datasette.render_template("wirecrawl_clusters.html", context, request=request)
    )
