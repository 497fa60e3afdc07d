"""The supervisor's banner for calls whose risk tier reached 緊急一時保護を検討."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from consult_assist.tui.callview import CallView

__all__ = ["URGENT", "RiskBanner"]

URGENT = "緊急一時保護を検討"


class RiskBanner(Static):
    """Hidden until a call's tier reaches the top; then names the calls (ended ones drop)."""

    DEFAULT_CSS = """
    RiskBanner { height: auto; padding: 0 1; display: none;
                 background: #c00000; color: #ffffff; text-style: bold; }
    RiskBanner.-shown { display: block; }
    """

    def show_calls(self, views: Sequence[CallView]) -> None:
        """Show the live calls at the top tier, or hide when there are none."""
        live = [v for v in views if not v.ended]
        self.set_class(bool(live), "-shown")
        names = "、".join(f"{v.handler or '?'} さんの通話" for v in live)
        # Names come from the network: plain text, never markup.
        self.update(Text(f"⚠ {URGENT}: {names}（F4 で緊急度順）") if live else Text(""))
