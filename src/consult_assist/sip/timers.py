"""SIP retransmission bookkeeping (RFC 3261 §17 timers) for the sans-I/O user agent; no clock.

Three kinds of things are resent until something stops them, each with T1 doubling up to
T2 and a give-up time of 64*T1:

* a 2xx to an INVITE, until the ACK (§13.3.1.4; the UAS core owns it);
* a 3xx-6xx to an INVITE over UDP, until the ACK (Timer G/H);
* our own non-INVITE request (BYE) over UDP, until any final response (Timer E/F).

Final responses to non-INVITE requests are cached (Timer J) so a retransmitted request is
answered with the same bytes instead of being processed twice.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Peer", "ResponseCache", "Retransmit", "TimerOptions"]


@dataclass(frozen=True)
class Peer:
    """Where a message came from or goes to: transport ("udp"/"tcp"), IP address and port."""

    transport: str
    host: str
    port: int


@dataclass(frozen=True)
class TimerOptions:
    """RFC 3261 timer values in seconds: T1 (RTT estimate) and T2 (cap on the interval)."""

    t1_s: float = 0.5
    t2_s: float = 4.0

    @property
    def give_up_s(self) -> float:
        """64*T1: how long a retransmitted message waits for its answer (Timers B/F/H/J)."""
        return 64 * self.t1_s


class Retransmit:
    """One message resent on a doubling interval until stopped or until it gives up."""

    def __init__(
        self, data: bytes, peer: Peer, now: float, timers: TimerOptions, *, reliable: bool = False
    ) -> None:
        self.data = data
        self.peer = peer
        self.timers = timers
        # Over TCP only the 2xx is resent (§13.3.1.4); callers pass reliable for the rest.
        self.next_at: float | None = None if reliable else now + timers.t1_s
        self.interval = timers.t1_s
        self.deadline = now + timers.give_up_s

    def due(self, now: float) -> bool:
        return self.next_at is not None and now >= self.next_at

    def expired(self, now: float) -> bool:
        return now >= self.deadline

    def fire(self, now: float) -> bytes:
        """The bytes to resend now; schedules the next time."""
        self.interval = min(self.interval * 2, self.timers.t2_s)
        self.next_at = now + self.interval
        return self.data

    def wake_at(self) -> float:
        return self.deadline if self.next_at is None else min(self.next_at, self.deadline)


class ResponseCache:
    """Final responses to non-INVITE requests by transaction key, kept for 64*T1 (Timer J)."""

    def __init__(self, timers: TimerOptions) -> None:
        self.timers = timers
        self._entries: dict[tuple[str, ...], tuple[bytes, float]] = {}

    def put(self, key: tuple[str, ...], data: bytes, now: float) -> None:
        self._entries[key] = (data, now + self.timers.give_up_s)

    def get(self, key: tuple[str, ...]) -> bytes | None:
        entry = self._entries.get(key)
        return None if entry is None else entry[0]

    def expire(self, now: float) -> None:
        self._entries = {k: v for k, v in self._entries.items() if v[1] > now}

    def wake_at(self) -> float | None:
        return min((v[1] for v in self._entries.values()), default=None)

    def __len__(self) -> int:
        return len(self._entries)
