"""A whole call as the handler sees it, shared by the handler app and the supervisor's watch."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget

from consult_assist.tui.callview import CallView, Part
from consult_assist.tui.widgets.advice_panel import AdvicePanel
from consult_assist.tui.widgets.alert_banner import AlertBanner
from consult_assist.tui.widgets.checklist_panel import ChecklistPanel
from consult_assist.tui.widgets.suggestion_list import SuggestionList
from consult_assist.tui.widgets.transcript_view import TranscriptView

__all__ = ["CallPanel"]


class CallPanel(Widget):
    """A whole call as the handler sees it: banner, transcript, manuals, checklist, advice."""

    DEFAULT_CSS = """
    CallPanel { height: 1fr; }
    CallPanel #call-body { height: 1fr; }
    CallPanel #transcript { width: 3fr; }
    CallPanel #side { width: 2fr; min-width: 28; }
    CallPanel #suggestions { height: 2fr; }
    CallPanel #checklist { height: 1fr; }
    """

    def __init__(self, *, limit: int = 5, id: str | None = None) -> None:
        super().__init__(id=id)
        self._limit = limit

    def compose(self) -> ComposeResult:
        yield AlertBanner(id="banner")
        with Horizontal(id="call-body"):
            yield TranscriptView(id="transcript")
            with Vertical(id="side"):
                yield SuggestionList(limit=self._limit, id="suggestions")
                yield ChecklistPanel(id="checklist")
                yield AdvicePanel(id="advice")

    def on_mount(self) -> None:
        self.show_view(None)

    def show_view(self, view: CallView | None, parts: frozenset[Part] | None = None) -> None:
        """Redraw ``parts`` of the screen from ``view`` (all of them when ``parts`` is None)."""

        def wants(*names: str) -> bool:
            return parts is None or any(n in parts for n in names)

        if wants("transcript"):
            self.query_one(TranscriptView).show_lines(view)
        if wants("alerts"):
            self.query_one(AlertBanner).show_alerts(view.alerts if view else [])
        if wants("suggestions"):
            self.query_one(SuggestionList).show_items(
                view.suggestions if view else (), call=view.session if view else None
            )
        if wants("checklist"):
            self.query_one(ChecklistPanel).show_items(
                view.covered if view else (),
                view.missing if view else (),
                view.asked if view else (),
            )
        if wants("help", "advice"):
            self.query_one(AdvicePanel).show_view(view)
