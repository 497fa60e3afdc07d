"""The asyncio adapter around the shared model: workers decoding batches from one scheduler.

This is the one place where blocking inference crosses into asyncio (``asyncio.to_thread``).
CTranslate2 releases the GIL while it computes, so the event loop keeps serving sockets while
``workers`` batches run. A worker that frees up takes everything ready (up to the batch cap)
at once and never waits for more. Each stream registers a callback; results are delivered on
the loop. A batch that fails is answered with an error for each of its requests.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence

from consult_assist.asr.decoding import DecodeRequest, DecodeResult, Pace, Transcriber
from consult_assist.asr.scheduler import DecodeScheduler, SchedulerOptions, failed_batch

__all__ = ["AsrService"]

log = logging.getLogger(__name__)

ResultCallback = Callable[[DecodeResult], None]


class AsrService:
    """Shared decode workers; streams ``register``, ``submit`` requests, get results back."""

    def __init__(
        self,
        transcriber: Transcriber,
        *,
        workers: int = 1,
        scheduler: SchedulerOptions | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.transcriber = transcriber
        self._workers = max(1, workers)
        self.scheduler = DecodeScheduler(scheduler, workers=self._workers)
        self._clock = clock
        self._callbacks: dict[str, ResultCallback] = {}
        self._clocks: dict[str, Callable[[], float]] = {}
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = False
        self.busy_s = 0.0
        """Compute seconds spent decoding (all workers)."""
        self.started = clock()

    async def __aenter__(self) -> AsrService:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def workers(self) -> int:
        return self._workers

    def start(self) -> None:
        """Start the worker tasks on the running loop."""
        if not self._tasks:
            self._closing = False
            self._tasks = [asyncio.create_task(self._work(i)) for i in range(self._workers)]

    async def close(self) -> None:
        """Stop the workers; whatever is still queued is answered (finals with an error).

        A batch already running in a worker thread cannot be interrupted: closing waits for it.
        """
        self._closing = True
        for result in self.scheduler.drain("the server is stopping"):
            self._deliver(result)
        self._wake.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    def register(self, stream: str, clock: Callable[[], float], callback: ResultCallback) -> None:
        """Route results of ``stream`` to ``callback``; ``clock()`` is its call-audio clock."""
        self._callbacks[stream] = callback
        self._clocks[stream] = clock

    def unregister(self, stream: str, call: str = "") -> None:
        self._callbacks.pop(stream, None)
        self._clocks.pop(stream, None)
        if call:
            self.scheduler.forget(call)

    def pace(self) -> Pace:
        """What streams may ask for now (the scheduler's load)."""
        return self.scheduler.pace(self._clock())

    def submit(self, requests: Sequence[DecodeRequest]) -> None:
        """Queue requests (never blocks); superseded partials are answered as skipped.

        After :meth:`close` has begun, requests are answered at once (finals with an error).
        """
        for request in requests:
            if self._closing:
                self._deliver(failed_batch([request], "the server is stopping")[0])
                continue
            for skipped in self.scheduler.push(request):
                self._deliver(skipped)
        if requests:
            self._wake.set()

    def _stream_clock(self, stream: str) -> float:
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
        while not self._closing:
            batch, skipped = self.scheduler.take(self._clock(), self._stream_clock)
            for result in skipped:
                self._deliver(result)
            if not batch:
                self._wake.clear()
                await self._wake.wait()
                continue
            mark = self.scheduler.begin(self._clock())
            try:
                results = await asyncio.to_thread(self.transcriber.decode_batch, batch)
                if len(results) != len(batch):
                    raise RuntimeError(f"{len(results)} results for a batch of {len(batch)}")
            except Exception as exc:
                log.exception(
                    "decode of a batch of %d failed (%s)",
                    len(batch),
                    ", ".join(sorted({r.call for r in batch})),
                )
                # Each stream turns its failed request into an error event; none is silent.
                results = failed_batch(batch, f"{type(exc).__name__}: {exc}")
                self.scheduler.end(mark, self._clock(), ok=False)
            else:
                self.scheduler.end(mark, self._clock())
            self.busy_s += sum(r.compute_s for r in results)
            for result in results:
                self._deliver(result)
