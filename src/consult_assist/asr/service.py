"""The asyncio adapter around the shared model: worker tasks draining one :class:`DecodeQueue`.

This is the one place where blocking inference crosses into asyncio (``asyncio.to_thread``).
CTranslate2 releases the GIL while it computes, so the event loop keeps serving sockets while
``workers`` decodes run. Each stream registers a callback; results are delivered on the loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from consult_assist.asr.decoding import DecodeRequest, DecodeResult, Transcriber
from consult_assist.asr.scheduler import DecodeQueue

__all__ = ["AsrService"]

log = logging.getLogger(__name__)

ResultCallback = Callable[[DecodeResult], None]


class AsrService:
    """Shared decode workers; streams ``register``, ``submit`` requests, get results back."""

    def __init__(
        self, transcriber: Transcriber, *, workers: int = 1, max_partial_wait_s: float = 1.0
    ) -> None:
        self.transcriber = transcriber
        self.queue = DecodeQueue(max_partial_wait_s=max_partial_wait_s)
        self._workers = max(1, workers)
        self._callbacks: dict[str, ResultCallback] = {}
        self._clocks: dict[str, Callable[[], float]] = {}
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.busy_s = 0.0
        self.started = time.monotonic()

    async def __aenter__(self) -> AsrService:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def start(self) -> None:
        """Start the worker tasks on the running loop."""
        if not self._tasks:
            self._tasks = [asyncio.create_task(self._work(i)) for i in range(self._workers)]

    async def close(self) -> None:
        """Stop the workers (queued work is abandoned; call after streams drained)."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    def register(self, stream: str, clock: Callable[[], float], callback: ResultCallback) -> None:
        """Route results of ``stream`` to ``callback``; ``clock()`` is its call-audio clock."""
        self._callbacks[stream] = callback
        self._clocks[stream] = clock

    def unregister(self, stream: str) -> None:
        self._callbacks.pop(stream, None)
        self._clocks.pop(stream, None)

    def submit(self, requests: list[DecodeRequest]) -> None:
        """Queue requests (never blocks); superseded partials are answered as skipped."""
        for request in requests:
            for skipped in self.queue.push(request):
                self._deliver(skipped)
        if requests:
            self._wake.set()

    def _clock(self, stream: str) -> float:
        clock = self._clocks.get(stream)
        return clock() if clock is not None else float("inf")

    def _deliver(self, result: DecodeResult) -> None:
        callback = self._callbacks.get(result.request.stream)
        if callback is None:
            return
        try:
            callback(result)
        except Exception:
            log.exception("[%s] result callback failed", result.request.stream)

    async def _work(self, index: int) -> None:
        while True:
            request, skipped = self.queue.pop(self._clock)
            for s in skipped:
                self._deliver(s)
            if request is None:
                self._wake.clear()
                await self._wake.wait()
                continue
            try:
                result = await asyncio.to_thread(self.transcriber.decode, request)
            except Exception as exc:
                log.exception("[%s] decode failed", request.stream)
                # The stream turns a failed final into an error event; it is never silent.
                result = DecodeResult(request=request, error=f"{type(exc).__name__}: {exc}")
            self.busy_s += result.compute_s
            self._deliver(result)
