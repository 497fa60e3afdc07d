"""Who may reach the SIP edge and how much of it: trusted networks, rates, caps; no I/O, no clock.

Three pure pieces the user agent and its adapter consult before doing any work for a peer:

* :class:`Allowlist`: the networks calls may come from (default: loopback only). The PBX's
  trunk address (or its network) goes here; anything else is refused before a call exists.
* :class:`RateLimiter`: a token bucket per source address, bounded in memory; used for new
  INVITEs and for the refusals we send (so a spoofed flood is never answered faster than a
  fixed rate, whatever its size).
* :class:`ConnectionTable`: SIP/TCP and SIP/TLS connections per source and in total, and which
  have been idle too long, so idle sockets cannot exhaust the process's file descriptors.

Time (``now``) is seconds of any monotonic clock, passed in.
"""

from __future__ import annotations

import ipaddress
import logging
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from consult_assist.errors import ConfigError

__all__ = [
    "LOOPBACK",
    "AdmissionOptions",
    "Allowlist",
    "ConnectionTable",
    "LogThrottle",
    "Network",
    "RateLimiter",
    "parse_networks",
]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
K = TypeVar("K", bound=Hashable)

LOOPBACK = ("127.0.0.0/8", "::1/128")
"""The default trusted networks: only this machine."""


def parse_networks(spec: str | Sequence[str]) -> tuple[Network, ...]:
    """``"10.0.0.5, 192.0.2.0/24"`` (or a list of them) → networks; :class:`ConfigError` if bad.

    A bare address is a one-address network. An empty spec trusts nobody (every call refused).
    """
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    out: list[Network] = []
    for raw in items:
        text = raw.strip()
        if not text:
            continue
        try:
            out.append(ipaddress.ip_network(text.replace("[", "").replace("]", ""), strict=False))
        except ValueError:
            raise ConfigError(
                f"sip_allow: {text!r} is not an address or a network (CIDR, e.g. 192.0.2.0/24)"
            ) from None
    return tuple(out)


@dataclass(frozen=True)
class AdmissionOptions:
    """Limits of the SIP edge (rates per second, times in seconds)."""

    allow: tuple[Network, ...] = field(default_factory=lambda: parse_networks(LOOPBACK))
    """Networks SIP requests are served from; anything else gets 403 (never a call)."""
    invites_per_s: float = 5.0
    """New INVITEs per second from one source address, sustained (bursts of twice that)."""
    calls_per_source: int = 16
    """Concurrent calls from one source address; more get 486 Busy Here."""
    max_calls: int = 64
    """Concurrent calls in total; more get 503 Service Unavailable with Retry-After."""
    retry_after_s: int = 10
    """The Retry-After of a 503 (the PBX may try another node meanwhile)."""
    refusals_per_s: float = 10.0
    """Refusals (403, 401, 503…) sent to one source address per second; beyond, silence.
    A refusal is one response per request, never resent on a timer, so a spoofed source can
    at most have this many small responses reflected at it."""


class Allowlist:
    """Whether a source address belongs to one of the trusted networks."""

    def __init__(self, networks: Iterable[Network]) -> None:
        self.networks = tuple(networks)

    def allows(self, host: str) -> bool:
        try:
            address = ipaddress.ip_address(host.split("%", 1)[0].strip("[]"))
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped  # an IPv4 peer on a dual-stack socket
        return any(address in net for net in self.networks if net.version == address.version)


class RateLimiter:
    """A token bucket per key: ``rate`` per second, up to ``burst`` at once; bounded memory.

    Buckets are forgotten least-recently-used first beyond ``max_keys``; a forgotten key
    starts again with a full bucket, which only matters for floods from more than
    ``max_keys`` sources at once (and those are bounded by the global caps).
    """

    def __init__(self, rate: float, burst: float, *, max_keys: int = 4096) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("need rate > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        self._buckets: OrderedDict[Hashable, tuple[float, float]] = OrderedDict()

    def allow(self, key: Hashable, now: float, cost: float = 1.0) -> bool:
        """Take ``cost`` tokens from ``key``'s bucket if it has them."""
        tokens = self._tokens(key, now)
        allowed = tokens >= cost
        self._buckets[key] = (tokens - cost if allowed else tokens, now)
        self._buckets.move_to_end(key)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return allowed

    def wait_s(self, key: Hashable, now: float, cost: float = 1.0) -> float:
        """Seconds until ``cost`` tokens will be there (0: now)."""
        return max(0.0, (cost - self._tokens(key, now)) / self.rate)

    def _tokens(self, key: Hashable, now: float) -> float:
        tokens, then = self._buckets.get(key, (self.burst, now))
        return min(self.burst, tokens + max(0.0, now - then) * self.rate)


@dataclass
class _Connection:
    host: str
    last_active: float


class ConnectionTable(Generic[K]):
    """Stream connections by key: per-source and total caps, and idle detection.

    The adapter calls :meth:`open` when a connection is accepted (False: close it at once),
    :meth:`touch` when a complete message or a keep-alive arrives (bytes that never make a
    message do not count, so a connection trickling a header byte by byte still times out),
    :meth:`close` when it is gone, and :meth:`idle` to find the ones to close.
    """

    def __init__(self, *, per_source: int, total: int, idle_s: float) -> None:
        if per_source < 1 or total < 1 or idle_s <= 0:
            raise ValueError("need per_source >= 1, total >= 1 and idle_s > 0")
        self.per_source = per_source
        self.total = total
        self.idle_s = idle_s
        self._conns: dict[K, _Connection] = {}
        self._by_host: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._conns)

    def count(self, host: str) -> int:
        """Open connections from ``host``."""
        return self._by_host.get(host, 0)

    def open(self, key: K, host: str, now: float) -> str | None:
        """Register a new connection; returns why it must be refused, or None if it may stay."""
        if len(self._conns) >= self.total:
            return "total"
        if self._by_host.get(host, 0) >= self.per_source:
            return "per_source"
        self._conns[key] = _Connection(host, now)
        self._by_host[host] = self._by_host.get(host, 0) + 1
        return None

    def touch(self, key: K, now: float) -> None:
        conn = self._conns.get(key)
        if conn is not None:
            conn.last_active = now

    def close(self, key: K) -> None:
        conn = self._conns.pop(key, None)
        if conn is None:
            return
        left = self._by_host.get(conn.host, 1) - 1
        if left:
            self._by_host[conn.host] = left
        else:
            self._by_host.pop(conn.host, None)

    def idle(self, now: float, *, busy: Iterable[K] = ()) -> list[K]:
        """Connections silent for ``idle_s`` or more, except ``busy`` ones (carrying a call)."""
        keep = set(busy)
        return [
            key
            for key, conn in self._conns.items()
            if key not in keep and now - conn.last_active >= self.idle_s
        ]

    def next_idle_at(self, *, busy: Iterable[K] = ()) -> float | None:
        """When the next connection would become idle (None: no candidate)."""
        keep = set(busy)
        times = [c.last_active for k, c in self._conns.items() if k not in keep]
        return min(times) + self.idle_s if times else None


class LogThrottle:
    """Say each (kind, source) at WARNING once per ``every_s`` seconds, and at DEBUG between.

    A flood of refusals or dropped connections must not become a flood of log lines (one
    warning per source and kind a minute is what an operator needs; the counters have the
    numbers). Remembers at most ``max_keys`` keys, oldest forgotten first.
    """

    def __init__(self, *, every_s: float = 60.0, max_keys: int = 1024) -> None:
        self.every_s = every_s
        self.max_keys = max_keys
        self._last: OrderedDict[Hashable, float] = OrderedDict()

    def level(self, key: Hashable, now: float) -> int:
        last = self._last.get(key)
        if last is not None and now - last < self.every_s:
            return logging.DEBUG
        self._last[key] = now
        self._last.move_to_end(key)
        while len(self._last) > self.max_keys:
            self._last.popitem(last=False)
        return logging.WARNING
