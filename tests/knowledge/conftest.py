"""Shared fixtures: the small fixture manual and the knowledge base built from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from consult_assist.knowledge.engine import KnowledgeBase
from consult_assist.knowledge.manual import Manual, load_manual

FIXTURE_MANUAL = Path(__file__).parent / "fixtures" / "manual"


@pytest.fixture(scope="session")
def manual_dir() -> Path:
    return FIXTURE_MANUAL


@pytest.fixture(scope="session")
def manual() -> Manual:
    return load_manual(FIXTURE_MANUAL)


@pytest.fixture(scope="session")
def base(manual: Manual) -> KnowledgeBase:
    return KnowledgeBase(manual)
