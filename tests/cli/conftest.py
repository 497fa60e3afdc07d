"""Fixtures of the command-line tests: the fixture manual, a real server on its own thread."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from clitools import FIXTURE_MANUAL, LiveServer, start_server


@pytest.fixture(scope="session")
def manual_dir() -> Path:
    return FIXTURE_MANUAL


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    server = start_server(tmp_path)
    yield server
    server.stop()
