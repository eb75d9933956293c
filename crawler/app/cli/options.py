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
