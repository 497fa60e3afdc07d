"""A real server on loopback (real websockets, real SQLite file) with a fake recognizer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hubtools import LiveServer, live_server


@pytest.fixture
async def server(tmp_path: Path, root: Path) -> AsyncIterator[LiveServer]:
    async with live_server(tmp_path, root) as s:
        yield s
