"""The risk sheet of the call on screen, over the call (Esc goes back); it follows the call."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen

from consult_assist.events import Risk
from consult_assist.tui.widgets.risk_panel import RiskPanel

__all__ = ["RiskScreen"]


class RiskScreen(ModalScreen[None]):
    """The tier, the items with their evidence and the next questions, scrollable at 80×24."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "閉じる"),
        Binding("f10", "close", "閉じる"),
    ]
    DEFAULT_CSS = """
    RiskScreen { align: center middle; }
    RiskScreen > VerticalScroll {
        width: 100%; height: 100%; border: round $accent; background: $surface;
    }
    """

    def __init__(self, session: str, risk: Risk | None) -> None:
        super().__init__()
        self.session = session
        self.risk = risk

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = "リスクアセスメント（F10・Esc で閉じる）"
            yield RiskPanel(id="risk")

    def on_mount(self) -> None:
        self.query_one(RiskPanel).show_risk(self.risk)

    def show_risk(self, risk: Risk | None) -> None:
        """Redraw with the newest sheet of the call."""
        self.risk = risk
        for panel in self.query(RiskPanel).results(RiskPanel):
            panel.show_risk(risk)

    def action_close(self) -> None:
        self.dismiss(None)
