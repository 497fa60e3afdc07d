"""How a node stops: SIGINT at once; SIGTERM drains first (no new calls, bounded), then stops.

Draining is what a rolling restart needs: the node refuses new calls (websocket
``session.start`` gets ``draining``, a SIP INVITE 503, ``/healthz`` says 503 so a load
balancer sends new clients elsewhere) but keeps carrying its calls and serving its clients
until the calls have ended or ``drain_s`` has passed. Then it stops as on SIGINT: what is still
live is ended (``shutdown``), the lease released, clients told 1001 (they move to another
node). A second SIGTERM during the drain stops at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from typing import Protocol

__all__ = ["Shutdown"]

log = logging.getLogger(__name__)

_LOOK_S = 0.25
"""Seconds between looks at the calls still carried while draining."""


class _Draining(Protocol):
    draining: bool

    @property
    def live_count(self) -> int: ...


class Shutdown:
    """The stop and drain requests of one server, and the signals that make them."""

    def __init__(self, stop: asyncio.Event | None = None) -> None:
        self.stop = stop or asyncio.Event()
        """Set: stop now (ending what is live)."""
        self.drain = asyncio.Event()
        """Set: drain, then stop."""
        self._loop: asyncio.AbstractEventLoop | None = None

    def install(self) -> None:
        """SIGINT stops, SIGTERM drains (a second one stops), on the running loop."""
        self._loop = asyncio.get_running_loop()
        for sig, handler in ((signal.SIGINT, self.stop.set), (signal.SIGTERM, self.terminate)):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                self._loop.add_signal_handler(sig, handler)

    def remove(self) -> None:
        if self._loop is None:
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                self._loop.remove_signal_handler(sig)

    def terminate(self) -> None:
        """SIGTERM: drain; if already draining, stop."""
        if self.drain.is_set():
            log.warning("second SIGTERM: stopping now")
            self.stop.set()
        else:
            self.drain.set()

    async def wait(self, hub: _Draining, drain_s: float) -> None:
        """Return when the server must stop: asked to, or drained (calls ended, or time out)."""
        stopping = asyncio.ensure_future(self.stop.wait())
        draining = asyncio.ensure_future(self.drain.wait())
        try:
            await asyncio.wait({stopping, draining}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in (stopping, draining):
                waiter.cancel()
        if self.stop.is_set():
            return
        hub.draining = True
        if not hub.live_count:
            log.info("SIGTERM: no calls carried; stopping")
            return
        log.warning(
            "draining: no new calls; waiting up to %.0f s for the %d call(s) carried to end",
            drain_s,
            hub.live_count,
        )
        deadline = time.monotonic() + drain_s
        while hub.live_count and not self.stop.is_set() and time.monotonic() < deadline:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), _LOOK_S)
        if hub.live_count:
            log.warning("drain over: ending the %d call(s) still carried", hub.live_count)
