"""The core never imports the frameworks around it."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE = [
    "crawler.items",
    "crawler.seedformat",
    "crawler.dates",
    "crawler.wire",
    "crawler.text",
    "crawler.lang",
    "crawler.importer",
]
FRAMEWORKS = ["scrapy", "twisted", "click", "sqlite_utils"]


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_no_framework(module: str) -> None:
    code = f"import sys, {module}; print(','.join(m for m in {FRAMEWORKS!r} if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"{module} pulls in {result.stdout.strip()}"
