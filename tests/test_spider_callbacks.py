"""Scrapy's check of spider callbacks, run once here instead of on every response.

A generator callback that returns a value loses that value silently (Scrapy only
iterates it). Scrapy warns of it at run time by parsing the callback's source on
each response; the crawl turns that off (``WARN_ON_GENERATOR_RETURN_VALUE``, see
crawler/glue/settings.py), so every generator method of every spider is checked here.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Generator, Iterator
from typing import Any

import pytest
import scrapy
from scrapy.utils.misc import is_generator_with_return_value

import spiders
from crawler.glue import settings
from spiders.base import PollingSpider


def _spider_generators() -> Iterator[tuple[str, Callable[..., Any]]]:
    for module_info in pkgutil.iter_modules(spiders.__path__):
        module = importlib.import_module(f"spiders.{module_info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, scrapy.Spider) or not cls.__module__.startswith("spiders"):
                continue
            for name, function in inspect.getmembers(cls, inspect.isgeneratorfunction):
                yield f"{cls.__module__}.{cls.__qualname__}.{name}", function


GENERATORS = dict(_spider_generators())


def test_the_crawl_turns_the_per_response_check_off() -> None:
    assert settings.WARN_ON_GENERATOR_RETURN_VALUE is False


def test_the_spiders_callbacks_are_found() -> None:
    names = {name.rsplit(".", 1)[1] for name in GENERATORS}
    assert {"parse_article", "parse_listing"} <= names  # the islworld spider's


def test_the_polling_callbacks_are_async_generators() -> None:
    # They wait on the extraction workers; an async generator cannot return a value.
    assert inspect.isasyncgenfunction(PollingSpider.parse_feed)
    assert inspect.isasyncgenfunction(PollingSpider.parse_article)


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_no_spider_generator_returns_a_value(name: str) -> None:
    assert not is_generator_with_return_value(GENERATORS[name]), (
        f"{name} is a generator that returns a value; Scrapy would drop it"
    )


def _returns_a_value() -> Generator[int, None, int]:
    yield 1
    return 2


def test_the_check_sees_a_generator_that_returns_a_value() -> None:
    assert is_generator_with_return_value(_returns_a_value)
