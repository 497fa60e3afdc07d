"""Which decodes run next, together (pure): finals first and fair across calls, fresh partials.

One scheduler serves every stream of the process (all calls share the model). A worker that
frees up calls :meth:`DecodeScheduler.take` and gets everything ready, up to ``max_batch``
requests, to decode in one batch. It never waits for a batch to fill: a lone call's request
runs the moment a worker is free, so batching costs it nothing; batches form by themselves
while the workers are busy, which is exactly when they save time.

* **Finals first, never dropped.** While any final waits, a batch holds only finals. They are
  taken round robin across calls (each call's own finals in order), so a call with a flood of
  finals gets one place per round and cannot starve the others.
* **Partials.** At most one per stream waits: a newer one supersedes it, and so does the final
  of its utterance. A partial that waited longer than ``max_partial_wait_s`` is stale (the
  screen would show old text) and skipped. The calls served least recently go first.
  Every skip is answered (``skipped=True``, the stream asks again) and counted. A speculative
  final (decoded early at the start of a pause) that waits when the next pause of its utterance
  asks again is answered skipped too: only the newest can become the final.
* **Load.** The share of worker time spent decoding over the last ``load_window_s`` seconds,
  or full load while a final waits. :meth:`DecodeScheduler.pace` turns it into a
  :class:`~consult_assist.asr.decoding.Pace` for the streams: under load partials are asked
  for less often and finals are no longer decoded speculatively, before any final has to wait.

Time is passed in: ``now`` is the scheduler's clock (the wall clock live, the simulated clock
offline); a partial's age is measured on its own stream's call-audio clock (``clock(stream)``).
"""

from __future__ import annotations

import itertools
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from consult_assist.asr.decoding import DecodeRequest, DecodeResult, Pace

__all__ = ["DecodeScheduler", "SchedulerOptions", "SchedulerStats", "failed_batch"]

StreamClock = Callable[[str], float]
"""``clock(stream)``: that stream's call-audio clock now, in seconds."""


@dataclass(frozen=True, kw_only=True)
class SchedulerOptions:
    """How batches are formed and how load slows the streams down. Times in seconds."""

    max_batch: int = 8
    """Most requests decoded together (on two CPU cores 8 is past the point of gain)."""
    max_partial_wait_s: float = 1.0
    """A partial older than this (on its stream's call-audio clock) is skipped as stale."""
    load_window_s: float = 3.0
    """Recent worker time the load is measured over."""
    relaxed_load: float = 0.5
    """Below this load partials come at their base interval and finals are speculated."""
    full_load: float = 0.9
    """At this load (or while a final waits) partials come at ``max_partial_scale`` × it."""
    max_partial_scale: float = 2.0
    """Most the partial interval stretches (0.6 s → 1.2 s: the screen still moves within
    ~1.5 s with the decode itself)."""


@dataclass
class SchedulerStats:
    """Counters of the shared scheduler."""

    finals: int = 0
    partials: int = 0
    partials_skipped: int = 0
    skip_reasons: dict[str, int] = field(default_factory=dict)
    max_final_queue: int = 0
    batches: int = 0
    batch_sizes: dict[int, int] = field(default_factory=dict)
    """How many batches had each size."""
    failed_batches: int = 0


class DecodeScheduler:
    """Queues decode requests of every stream; hands workers fair batches; measures the load."""

    def __init__(self, options: SchedulerOptions | None = None, *, workers: int = 1) -> None:
        self.options = options or SchedulerOptions()
        self.workers = max(1, workers)
        self.stats = SchedulerStats()
        self._finals: OrderedDict[str, deque[DecodeRequest]] = OrderedDict()
        self._partials: dict[str, tuple[int, DecodeRequest]] = {}
        self._order = itertools.count()
        self._served: dict[str, float] = {}
        self._busy: deque[list[float]] = deque()  # [start, end] of batches; end=inf in flight

    def __len__(self) -> int:
        return self.finals_waiting + len(self._partials)

    @property
    def finals_waiting(self) -> int:
        return sum(len(q) for q in self._finals.values())

    # -- requests in -------------------------------------------------------------------------

    def push(self, request: DecodeRequest) -> list[DecodeResult]:
        """Queue a request; return the results of partials it made pointless."""
        skipped: list[DecodeResult] = []
        queued = self._partials.get(request.stream)
        if request.kind == "final":
            finals = self._finals.setdefault(request.call, deque())
            if request.speculative:
                skipped.extend(self._supersede_speculation(finals, request))
            finals.append(request)
            self.stats.max_final_queue = max(self.stats.max_final_queue, self.finals_waiting)
            if queued is not None and queued[1].utterance == request.utterance:
                del self._partials[request.stream]
                skipped.append(self._skip(queued[1], "final_queued"))
            return skipped
        if queued is not None:
            skipped.append(self._skip(queued[1], "superseded"))
        self._partials[request.stream] = (next(self._order), request)
        return skipped

    def take(
        self, now: float, clock: StreamClock
    ) -> tuple[list[DecodeRequest], list[DecodeResult]]:
        """The next batch to decode (empty when nothing is ready), and partials skipped as stale.

        The caller must report the batch's work with :meth:`begin` and :meth:`end`.
        """
        cap = max(1, self.options.max_batch)
        if self._finals:
            batch = self._take_finals(cap)
            self.stats.finals += len(batch)
            self._count(batch, now)
            return batch, []
        skipped: list[DecodeResult] = []
        ready: list[tuple[float, int, DecodeRequest]] = []
        for stream, (order, request) in list(self._partials.items()):
            if clock(stream) - request.issued_at > self.options.max_partial_wait_s:
                del self._partials[stream]
                skipped.append(self._skip(request, "stale"))
                continue
            # Least recently served call first; among equals, the freshest request.
            ready.append((self._served.get(request.call, float("-inf")), -order, request))
        ready.sort(key=lambda item: (item[0], item[1]))
        batch = [request for _, _, request in ready[:cap]]
        for request in batch:
            del self._partials[request.stream]
        self.stats.partials += len(batch)
        self._count(batch, now)
        return batch, skipped

    def drain(self, error: str) -> list[DecodeResult]:
        """Answer everything still queued (finals with ``error``, partials skipped) and empty."""
        out = [DecodeResult(request=r, error=error) for q in self._finals.values() for r in q]
        out += [self._skip(r, "shutdown") for _, r in self._partials.values()]
        self._finals.clear()
        self._partials.clear()
        return out

    def forget(self, call: str) -> None:
        """A call ended: drop what fairness remembered of it."""
        self._served.pop(call, None)

    # -- load --------------------------------------------------------------------------------

    def begin(self, now: float) -> list[float]:
        """A worker started a batch at ``now``; hand the returned mark to :meth:`end`."""
        mark = [now, float("inf")]
        self._busy.append(mark)
        return mark

    def end(self, mark: list[float], now: float, *, ok: bool = True) -> None:
        """The batch of ``mark`` finished at ``now`` (``ok=False``: it failed)."""
        mark[1] = now
        if not ok:
            self.stats.failed_batches += 1

    def load(self, now: float) -> float:
        """Busy share of the workers over the last ``load_window_s``; 1 or more while a final
        waits (the model is behind)."""
        window = self.options.load_window_s
        since = now - window
        while self._busy and self._busy[0][1] < since:
            self._busy.popleft()
        busy = sum(max(0.0, min(end, now) - max(start, since)) for start, end in self._busy)
        load = busy / (window * self.workers)
        if self._finals:
            load = max(load, 1.0)
        return load

    def pace(self, now: float) -> Pace:
        """What the streams may ask for at the current load."""
        opts = self.options
        load = self.load(now)
        span = max(1e-9, opts.full_load - opts.relaxed_load)
        stretch = min(1.0, max(0.0, (load - opts.relaxed_load) / span))
        return Pace(
            partial_scale=1.0 + stretch * (opts.max_partial_scale - 1.0),
            speculative_finals=load < opts.relaxed_load,
            load=load,
        )

    # -- internals ---------------------------------------------------------------------------

    def _take_finals(self, cap: int) -> list[DecodeRequest]:
        """Round robin across calls, each call's finals in order; the rotation carries over."""
        batch: list[DecodeRequest] = []
        while self._finals and len(batch) < cap:
            call, queue = self._finals.popitem(last=False)
            batch.append(queue.popleft())
            if queue:
                self._finals[call] = queue  # to the back of the round
        return batch

    def _supersede_speculation(
        self, finals: deque[DecodeRequest], request: DecodeRequest
    ) -> list[DecodeResult]:
        """A newer speculative final of an utterance makes its queued older one pointless."""
        old = [
            r
            for r in finals
            if r.speculative and r.stream == request.stream and r.utterance == request.utterance
        ]
        for r in old:
            finals.remove(r)
            self.stats.skip_reasons["speculation"] = (
                self.stats.skip_reasons.get("speculation", 0) + 1
            )
        return [DecodeResult(request=r, skipped=True) for r in old]

    def _count(self, batch: Sequence[DecodeRequest], now: float) -> None:
        if not batch:
            return
        self.stats.batches += 1
        self.stats.batch_sizes[len(batch)] = self.stats.batch_sizes.get(len(batch), 0) + 1
        for request in batch:
            self._served[request.call] = now

    def _skip(self, request: DecodeRequest, reason: str) -> DecodeResult:
        self.stats.partials_skipped += 1
        self.stats.skip_reasons[reason] = self.stats.skip_reasons.get(reason, 0) + 1
        return DecodeResult(request=request, skipped=True)


def failed_batch(batch: Sequence[DecodeRequest], error: str) -> list[DecodeResult]:
    """The results of a batch whose decode failed: an error for each of its requests."""
    return [DecodeResult(request=request, error=error) for request in batch]
