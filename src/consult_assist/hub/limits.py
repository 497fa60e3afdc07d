"""What one client may do, and how fast: the limits of a connection and the message rate.

Pure: time is passed in (seconds on any monotonic clock).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ConnectionLimits", "MessageRate"]


@dataclass(frozen=True, kw_only=True)
class ConnectionLimits:
    """Per-connection limits (see docs/protocol.md, "Limits and close codes")."""

    auth_timeout_s: float = 5.0
    """Seconds a new connection has to send ``auth``."""
    max_message_bytes: int = 2**20
    """Largest message accepted, text or binary (larger closes with 1009)."""
    max_queue: int = 5_000
    """Live events waiting for a slow client before it is disconnected (4008)."""
    rate_per_s: float = 50.0
    """Sustained text messages per second."""
    burst: int = 200
    """Text messages allowed at once above the sustained rate."""
    flood_close_s: float = 5.0
    """Seconds over the rate limit before the connection is closed (4009)."""
    max_audio_speed: float = 1.2
    """Audio may arrive on average at most this many times faster than real time; more is
    dropped (one call cannot take the model's time from the others)."""
    audio_burst_s: float = 10.0
    """Seconds of audio that may arrive at once above that (a client sending what it held
    during a reconnect)."""
    max_sessions_per_token: int = 4
    """Live sessions one token may have started at once (0: no limit)."""
    page: int = 500
    """Events read from the store per backlog page."""


class MessageRate:
    """Token bucket for the text-message rate limit, remembering since when it is exceeded."""

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.stamp = now
        self.over_since: float | None = None
        """When the client started sending too fast (None while it keeps to the rate)."""

    def take(self, now: float) -> bool:
        """Whether one more message is allowed at ``now`` (it is counted if so)."""
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            if self.tokens >= self.burst / 2:
                self.over_since = None  # calm again, not just one token refilled
            return True
        if self.over_since is None:
            self.over_since = now
        return False
