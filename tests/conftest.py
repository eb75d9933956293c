"""Shared fixtures: paths to the real test data beside the project, and fresh stores."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Real test data published by other projects; read at test time, never copied here.
SHARED = Path(os.environ.get("WIRECRAWL_SHARED", ROOT.parent / "shared"))
SEEDS = SHARED / "seeds"
SEED_FILE = SEEDS / "000_fddc9570532f3f98.txt"
DATA = SHARED / "data"


def need_shared(path: Path) -> Path:
    """Skip the calling test with a clear reason when the shared test data is absent."""
    if not path.exists():
        pytest.skip(f"real test data not found at {path} (../shared beside the project)")
    return path


@pytest.fixture
def seed_text() -> str:
    """The real seed article (russia-islworld.ru reprinting TASS)."""
    return need_shared(SEED_FILE).read_text(encoding="utf-8")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Path of a store that does not exist yet."""
    return tmp_path / "wirecrawl.db"
