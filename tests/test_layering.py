"""The core never imports the frameworks around it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

CORE = [
    "crawler.items",
    "crawler.seedformat",
    "crawler.dates",
    "crawler.wire",
    "crawler.text",
    "crawler.lang",
    "crawler.importer",
    "crawler.dedup",
    "crawler.compare",
    "crawler.feeds",
    "crawler.urls",
    "crawler.extract",
    "crawler.sites",
    "crawler.schedule",
    "crawler.sitemaps",
    "crawler.polling",
]
#: Each heavy dependency is imported by exactly one module (or, ending in "/", one package).
OWNERS = {
    "datasketch": "crawler/dedup.py",
    "feedparser": "crawler/feeds.py",
    "trafilatura": "crawler/extract.py",
    "redis": "crawler/distributed.py",
    "sqlite_utils": "storage/",
    "datasette": "crawler/web/",
}
FRAMEWORKS = ["scrapy", "twisted", "click", "sqlite_utils"]


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_no_framework(module: str) -> None:
    code = f"import sys, {module}; print(','.join(m for m in {FRAMEWORKS!r} if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"{module} pulls in {result.stdout.strip()}"


@pytest.mark.parametrize("dependency, owner", OWNERS.items())
def test_one_module_imports_each_heavy_dependency(dependency: str, owner: str) -> None:
    root = Path(__file__).resolve().parents[1]
    importers = []
    for path in sorted(
        [
            *root.glob("crawler/**/*.py"),
            *root.glob("spiders/**/*.py"),
            *root.glob("storage/**/*.py"),
        ]
    ):
        text = path.read_text(encoding="utf-8")
        if re.search(rf"^\s*(import|from) {dependency}\b", text, re.M):
            importers.append(path.relative_to(root).as_posix())
    if owner.endswith("/"):
        assert importers and all(p.startswith(owner) for p in importers), importers
    else:
        assert importers == [owner]
