"""A real server on loopback (real websockets, a real store) with a fake recognizer.

``store_kind`` runs a test once with SQLite and once with PostgreSQL (a fresh database on the
run's server; skipped with the reason when PostgreSQL is not installed).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hubtools import LiveServer, live_server


@pytest.fixture(params=["sqlite", "postgres"])
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a test's store is: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_url"))
    return str(tmp_path / "store.db")


@pytest.fixture
async def server(tmp_path: Path, root: Path, store_location: str) -> AsyncIterator[LiveServer]:
    async with live_server(tmp_path, root, store=store_location) as s:
        yield s
