"""Options of the two terminal apps (what they need besides the hub client)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TuiConfig"]


@dataclass(frozen=True, kw_only=True)
class TuiConfig:
    """What the apps need besides the hub client."""

    server: str = ""
    """The server URL, shown in the connection line."""
    bell: bool = True
    """Ring the terminal bell on a critical attention word."""
    flash_s: float = 0.5
    """Half-period of the flashing help marker in seconds; 0 shows it steady (snapshots)."""
    tick_s: float = 1.0
    """How often call durations are redrawn, in seconds; 0 never (snapshots, tests)."""
    max_suggestions: int = 5
    """Manual sections listed at most."""
    replay_speed: float = 1.0
    """× real time for a training file started from the handler app."""
