"""The risk model over the checkout's manuals, loaded once for the risk tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from consult_assist.knowledge.manual import load_manual
from consult_assist.risk.assess import assess_turns
from consult_assist.risk.model import RiskModel
from consult_assist.risk.sheet import Assessment

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def model() -> RiskModel:
    manuals = ROOT / "manuals"
    return RiskModel.load(manuals, load_manual(manuals))


@pytest.fixture(scope="session")
def sheet_of(model: RiskModel):  # type: ignore[no-untyped-def]
    """A function: ``[(speaker, text), …]`` -> the assessment after those turns."""

    def run(*turns: tuple[str, str]) -> Assessment:
        timed = [(speaker, text, float(10 * n)) for n, (speaker, text) in enumerate(turns)]
        return assess_turns(model.matcher, timed)

    return run


@pytest.fixture(scope="session")
def ticked(sheet_of):  # type: ignore[no-untyped-def]
    """A function: a caller's words -> the sub-items the sheet ticks on them alone."""

    def run(text: str) -> set[str]:
        sheet = sheet_of(("caller", text))
        return {sub for item in sheet.items for sub in item.subitems}

    return run
