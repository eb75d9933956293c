"""The ``-s NAME=VALUE`` option that the crawling commands share.

Shared by ``crawl`` and ``run`` (:mod:`crawler.app.cli.crawling`) and by the workers
(:mod:`crawler.app.cli.distributed`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click


def settings_option(help: str) -> Callable[[Any], Any]:
    """``-s/--set NAME=VALUE`` (repeatable), passed to the command as ``settings_pairs``."""
    return click.option(
        "-s",
        "--set",
        "settings_pairs",
        multiple=True,
        metavar="NAME=VALUE",
        help=help,
    )


def parse_setting_overrides(pairs: tuple[str, ...]) -> dict[str, Any]:
    """``NAME=VALUE`` pairs of Scrapy settings (values read as JSON when they parse)."""
    overrides: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--set")
        try:
            overrides[name.strip()] = json.loads(value)
        except json.JSONDecodeError:
            overrides[name.strip()] = value
    return overrides


def limit_option(default: int, noun: str) -> Callable[[Any], Any]:
    """``--limit N``, where 0 or a negative number means no limit (see ``limit_or_none``)."""
    return click.option(
        "--limit",
        default=default,
        show_default=True,
        help=f"At most this many {noun}; 0 (or a negative number) means no limit.",
    )


def read_filters(
    *,
    since: str | None = None,
    wire: str | None = None,
    language: str | None = None,
    outlet: str | None = None,
    language_option: str = "--lang",
) -> dict[str, str | None]:
    """The filter options as the store keeps their values; OptionError for what is unreadable."""
    from datetime import UTC, datetime

    from crawler.core import filters

    return {
        "since": filters.read_since(since, datetime.now(UTC)) if since else None,
        "wire": filters.read_wire(wire) if wire else None,
        "language": filters.read_language(language, language_option) if language else None,
        "outlet": filters.read_outlet(outlet) if outlet else None,
    }
