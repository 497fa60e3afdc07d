"""Shared fixtures. ``UNIT`` scales every timeout (CONSULT_ASSIST_TEST_UNIT, default 1 s)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pgtools import PgServer, pg_missing, running_pg

from consult_assist.events import RiskSuspicion

ROOT = Path(__file__).resolve().parents[1]
UNIT = float(os.environ.get("CONSULT_ASSIST_TEST_UNIT", "1.0"))


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def unit() -> float:
    return UNIT


@pytest.fixture(scope="session")
def suspicion() -> RiskSuspicion:
    """What the second reader might suspect in a child's words (it ticks nothing)."""
    return RiskSuspicion(
        subitem="strangling",
        label="首絞め・口と鼻をふさぐ",
        text="パパにぎゅむってされて",
        words=("ぎゅむ",),
        at=70.0,
        speaker="caller",
    )


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


@pytest.fixture
def jst() -> Iterator[None]:
    """This machine's time zone is Japan's (``TZ``) for the test, as at a Japanese centre.

    People read times in the local zone (labels.local_time); the tests pin it so what they
    compare does not depend on where they run.
    """
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "JST-9"
    time.tzset()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()
