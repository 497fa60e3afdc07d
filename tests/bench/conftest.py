"""Fixtures of the benchmark tests: the small fixture manual of the knowledge tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from consult_assist.knowledge.manual import Manual, load_manual

FIXTURE_MANUAL = Path(__file__).resolve().parents[1] / "knowledge" / "fixtures" / "manual"


@pytest.fixture(scope="session")
def manual_dir() -> Path:
    return FIXTURE_MANUAL


@pytest.fixture(scope="session")
def manual() -> Manual:
    return load_manual(FIXTURE_MANUAL)
