"""Shared fixtures. ``UNIT`` scales every timeout (CONSULT_ASSIST_TEST_UNIT, default 1 s)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pgtools import PgServer, pg_missing, running_pg

ROOT = Path(__file__).resolve().parents[1]
UNIT = float(os.environ.get("CONSULT_ASSIST_TEST_UNIT", "1.0"))


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def unit() -> float:
    return UNIT


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One real PostgreSQL for the whole run (skips with the reason when it is not installed)."""
    missing = pg_missing()
    if missing:
        pytest.skip(missing)
    with running_pg() as server:
        yield server


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """A fresh, empty database on the run's PostgreSQL."""
    return pg_server.create_database()
