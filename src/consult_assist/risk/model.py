"""The risk model of a manual folder: the compiled cues and the manual's 聞くこと lines."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from consult_assist.knowledge.manual import Manual
from consult_assist.risk.asking import ask_lines
from consult_assist.risk.assess import RiskAssessor
from consult_assist.risk.backstop import Backstop
from consult_assist.risk.backstop import load as load_backstop
from consult_assist.risk.cues import CueMatcher
from consult_assist.risk.riskfile import RISK_FILE, load_risk_sheet

__all__ = ["BACKSTOP_FILE", "RiskModel"]

BACKSTOP_FILE = "risk_backstop.npz"
"""The second reader's model beside risk.toml (``consult-assist manuals backstop``); optional."""


@dataclass(frozen=True)
class RiskModel:
    """Immutable and shared by every call; :meth:`assessor` makes one call's sheet."""

    matcher: CueMatcher
    manual: Mapping[str, tuple[str, ...]]
    backstop: Backstop | None = None

    @classmethod
    def load(cls, root: Path, manual: Manual | None = None) -> RiskModel:
        """Load ``root/risk.toml`` (:class:`~consult_assist.errors.ManualError` when it is
        missing or invalid) with the 聞くこと lines of ``manual``'s sections, and the second
        reader ``root/risk_backstop.npz`` when there is one."""
        sheet = load_risk_sheet(root)
        lines = {s.id: ask_lines(s.body) for s in manual.sections} if manual else {}
        path = root / BACKSTOP_FILE
        backstop = load_backstop(path) if path.is_file() else None
        return cls(CueMatcher(sheet), lines, backstop)

    @staticmethod
    def available(root: Path) -> bool:
        """Whether the manual folder has a risk sheet."""
        return (root / RISK_FILE).is_file()

    def label(self, box: str) -> str:
        """The sheet's wording of a sub-item (or of an item's own box); the id if unknown."""
        spec = self.matcher.subitems.get(box)
        return spec.label if spec is not None else box

    def assessor(self) -> RiskAssessor:
        """A fresh sheet for one call."""
        return RiskAssessor(self.matcher, self.manual, self.backstop)
