"""Shared fixtures. ``UNIT`` scales every timeout (CONSULT_ASSIST_TEST_UNIT, default 1 s)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UNIT = float(os.environ.get("CONSULT_ASSIST_TEST_UNIT", "1.0"))


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def unit() -> float:
    return UNIT
