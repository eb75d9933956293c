"""The floors of the tree, and the arrows between them.

``crawler.app`` may import everything below it; ``crawler.glue`` and ``spiders`` (one
floor) import ``storage`` and the core; ``storage`` imports only the core; a
``crawler.core`` module imports only the standard library, other core modules and the one
heavy dependency it owns. The floor of a module is read from its package, never from a
hand-kept list, so a new module is checked the day it is added.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Floor of each package prefix, lowest first; a module may import its own floor or lower.
FLOORS = {
    "crawler.core": 0,
    "storage": 1,
    "crawler.glue": 2,
    "spiders": 2,
    "crawler.app": 3,
}
#: Top-level modules of the ``crawler`` package that only point elsewhere.
SHIMS = {"crawler", "crawler.__main__", "crawler.settings"}
#: Each heavy dependency is imported by exactly one module (or, ending in "/", one package).
OWNERS = {
    "datasketch": "crawler/core/dedup.py",
    "feedparser": "crawler/core/feeds.py",
    "trafilatura": "crawler/core/extract.py",
    "htmldate": "crawler/core/extract.py",
    "redis": "crawler/app/distributed.py",
    "sqlite_utils": "storage/",
    "datasette": "crawler/app/web/",
    "scrapy": None,
    "twisted": None,
    "click": None,
}
#: What no core module may load, directly or through another module (datasketch loads
#: redis when it is installed, so redis is only checked as a direct import).
FRAMEWORKS = ["scrapy", "twisted", "click", "sqlite_utils", "datasette"]


def project_modules() -> dict[str, Path]:
    """Every module of the three top-level packages, by dotted name."""
    modules = {}
    for package in ("crawler", "storage", "spiders"):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def floor_of(module: str) -> int | None:
    for prefix, floor in FLOORS.items():
        if module == prefix or module.startswith(prefix + "."):
            return floor
    return None


def imported_modules(path: Path) -> set[str]:
    """Absolute module names a file imports (``from x import y`` counts x and x.y)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


MODULES = project_modules()


def test_every_module_stands_on_a_floor() -> None:
    homeless = [m for m in MODULES if floor_of(m) is None and m not in SHIMS]
    assert homeless == [], f"modules outside crawler/core, glue, app, storage, spiders: {homeless}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m not in SHIMS))
def test_imports_only_run_down(module: str) -> None:
    floor = floor_of(module)
    assert floor is not None
    upward = sorted(
        name
        for name in imported_modules(MODULES[module])
        if name in MODULES and (other := floor_of(name)) is not None and other > floor
    )
    assert upward == [], f"{module} (floor {floor}) imports from above: {upward}"


def test_the_layering_check_sees_an_upward_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from storage import Store\nimport crawler.app.cli\n", encoding="utf-8")
    names = imported_modules(bad)
    assert {"storage", "storage.Store", "crawler.app.cli"} <= names
    assert floor_of("crawler.app.cli") == 3 and floor_of("storage.store") == 1


def test_core_imports_no_framework_when_loaded() -> None:
    core = sorted(m for m in MODULES if floor_of(m) == 0)
    assert len(core) >= 17, core  # the walk found the core
    code = (
        "import importlib, sys\n"
        f"for m in {core!r}: importlib.import_module(m)\n"
        f"print(','.join(m for m in {FRAMEWORKS!r} if m in sys.modules))\n"
        "print(','.join(m for m in sys.modules if m.split('.')[0] in ('storage', 'spiders')"
        " or m.startswith(('crawler.glue', 'crawler.app'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    frameworks, upper = result.stdout.splitlines()
    assert frameworks == "", f"the core pulls in {frameworks}"
    assert upper == "", f"the core pulls in {upper}"


def imports_of(path: Path, dependency: str) -> bool:
    return any(i == dependency or i.startswith(dependency + ".") for i in imported_modules(path))


@pytest.mark.parametrize("dependency, owner", OWNERS.items())
def test_one_module_imports_each_heavy_dependency(dependency: str, owner: str | None) -> None:
    importers = sorted(
        path.relative_to(ROOT).as_posix()
        for path in MODULES.values()
        if imports_of(path, dependency)
    )
    if owner is None:
        # A framework: imported anywhere above the core, never in it.
        assert importers and not any(p.startswith("crawler/core/") for p in importers), importers
    elif owner.endswith("/"):
        assert importers and all(p.startswith(owner) for p in importers), importers
    else:
        assert importers == [owner]


def test_the_command_lines_help_loads_no_store() -> None:
    """``wirecrawl --help`` and a command's ``--help`` stay quick: the store, the reprint
    index, the extractor and Scrapy load only when a command runs."""
    heavy = ["sqlite_utils", "datasketch", "numpy", "trafilatura", "scrapy", "storage.store"]
    for args in ([], ["clusters", "list"], ["import"]):
        code = (
            "import sys\n"
            "from click.testing import CliRunner\n"
            "from crawler.app.cli import main\n"
            f"result = CliRunner().invoke(main, {[*args, '--help']!r})\n"
            "assert result.exit_code == 0, result.output\n"
            f"print(','.join(m for m in {heavy!r} if m in sys.modules))\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
        )
        assert result.stdout.strip() == "", f"--help of {args} loads {result.stdout.strip()}"
