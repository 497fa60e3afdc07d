"""The apps' tests read times as a person at the centre does: in Japan time (TZ)."""

from __future__ import annotations

import pytest

pytestmark: list[pytest.MarkDecorator] = []


@pytest.fixture(autouse=True)
def _japan_time(jst: None) -> None:
    """Every app test runs with TZ=JST (see tests/conftest.py's ``jst``)."""
