"""Which decode runs next (pure): finals before partials, stale partials skipped, finals never.

One queue serves every stream of the process (all calls share the model). Finals run in the
order they were asked for. A partial is skipped — answered with ``skipped=True`` so its stream
can ask again — when a newer partial of the same stream arrives, when its utterance's final is
queued, or when it has waited longer than ``max_partial_wait_s`` (under overload the screen
would only show stale text). Every skip is counted.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from consult_assist.asr.decoding import DecodeRequest, DecodeResult

__all__ = ["DecodeQueue", "SchedulerStats"]


@dataclass
class SchedulerStats:
    """Counters of the shared queue."""

    finals: int = 0
    partials: int = 0
    partials_skipped: int = 0
    skip_reasons: dict[str, int] = field(default_factory=dict)
    max_final_queue: int = 0


class DecodeQueue:
    """Finals first (FIFO), then at most one partial per stream (oldest stream first)."""

    def __init__(self, *, max_partial_wait_s: float = 1.0) -> None:
        self.max_partial_wait_s = max_partial_wait_s
        self.stats = SchedulerStats()
        self._finals: deque[DecodeRequest] = deque()
        self._partials: OrderedDict[str, DecodeRequest] = OrderedDict()

    def __len__(self) -> int:
        return len(self._finals) + len(self._partials)

    def push(self, request: DecodeRequest) -> list[DecodeResult]:
        """Queue a request; return the results of partials it made pointless."""
        skipped: list[DecodeResult] = []
        old = self._partials.get(request.stream)
        if request.kind == "final":
            self._finals.append(request)
            self.stats.max_final_queue = max(self.stats.max_final_queue, len(self._finals))
            if old is not None and old.utterance == request.utterance:
                del self._partials[request.stream]
                skipped.append(self._skip(old, "final_queued"))
        else:
            if old is not None:
                del self._partials[request.stream]
                skipped.append(self._skip(old, "superseded"))
            self._partials[request.stream] = request
        return skipped

    def pop(self, clock: Callable[[str], float]) -> tuple[DecodeRequest | None, list[DecodeResult]]:
        """The next request to run, and the partials skipped on the way as stale.

        ``clock(stream)`` is that stream's call-audio clock now, compared with each request's
        ``issued_at`` (streams started at different times have different clocks).
        """
        skipped: list[DecodeResult] = []
        if self._finals:
            self.stats.finals += 1
            return self._finals.popleft(), skipped
        while self._partials:
            _, request = self._partials.popitem(last=False)
            if clock(request.stream) - request.issued_at > self.max_partial_wait_s:
                skipped.append(self._skip(request, "stale"))
                continue
            self.stats.partials += 1
            return request, skipped
        return None, skipped

    def _skip(self, request: DecodeRequest, reason: str) -> DecodeResult:
        self.stats.partials_skipped += 1
        self.stats.skip_reasons[reason] = self.stats.skip_reasons.get(reason, 0) + 1
        return DecodeResult(request=request, skipped=True)
