"""Offline run of the streaming recognizer on a simulated clock, with honest latency.

The audio is fed frame by frame; each decode starts when it was asked for (or when the worker
frees up) and its result is handed back only once the simulated clock has passed its start
plus the compute time actually measured for it. So every decision is made with the audio that
would have been available at that moment, and ``latency_s`` includes compute and queueing, as
live; the run itself goes as fast as the machine allows.

With one worker this is exact for one call on a machine whose cores all serve that worker.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from consult_assist.asr.decoding import DecodeRequest, DecodeResult, Transcriber
from consult_assist.asr.recognizer import StreamingRecognizer
from consult_assist.asr.scheduler import DecodeQueue
from consult_assist.audio.pcm import SAMPLE_RATE, FloatArray
from consult_assist.events import Event

__all__ = ["SimulationStats", "simulate"]

FRAME_S = 0.02


@dataclass
class SimulationStats:
    """Compute spent and audio covered by one simulated run."""

    audio_s: float = 0.0
    compute_s: float = 0.0
    decodes: int = 0

    @property
    def real_time_factor(self) -> float:
        return self.compute_s / self.audio_s if self.audio_s else 0.0


def simulate(
    streams: Sequence[tuple[StreamingRecognizer, FloatArray]],
    transcriber: Transcriber,
    *,
    workers: int = 1,
    queue: DecodeQueue | None = None,
    stats: SimulationStats | None = None,
    frame_s: float = FRAME_S,
    on_progress: Callable[[float], None] | None = None,
) -> Iterator[Event]:
    """Run recognizers over their (16 kHz) audio on one simulated clock; yield their events.

    Events come out in the order of their ``at`` (seconds of call audio).
    """
    queue = queue or DecodeQueue()
    stats = stats or SimulationStats()
    by_stream = {rec.stream: rec for rec, _ in streams}
    frame = max(1, int(frame_s * SAMPLE_RATE))
    total = max((len(a) for _, a in streams), default=0)
    stats.audio_s += sum(len(a) for _, a in streams) / SAMPLE_RATE
    free_at = [0.0] * max(1, workers)
    now = 0.0
    done: list[tuple[float, int, DecodeResult]] = []  # (finish, order, result)
    order = itertools.count()

    def clock(_stream: str) -> float:
        return now

    def deliver(result: DecodeResult, at: float) -> list[Event]:
        return by_stream[result.request.stream].receive(result, now=at)

    def dispatch(at: float) -> list[Event]:
        """Start queued work on every worker free at ``at``."""
        out: list[Event] = []
        for w in range(len(free_at)):
            while free_at[w] <= at and len(queue):
                request, skipped = queue.pop(clock)
                for s in skipped:
                    out.extend(deliver(s, at))
                if request is None:
                    break
                result = transcriber.decode(request)
                stats.compute_s += result.compute_s
                stats.decodes += 1
                start = max(at, free_at[w])
                free_at[w] = start + result.compute_s
                heapq.heappush(done, (free_at[w], next(order), result))
        return out

    def submit(requests: list[DecodeRequest]) -> list[Event]:
        out: list[Event] = []
        for request in requests:
            for s in queue.push(request):
                out.extend(deliver(s, now))
        return out

    def complete_until(limit: float) -> list[Event]:
        nonlocal now
        out: list[Event] = []
        while done and done[0][0] <= limit:
            finish, _, result = heapq.heappop(done)
            now = finish
            out.extend(deliver(result, finish))
            out.extend(dispatch(finish))
        return out

    pos = 0
    finished: set[str] = set()
    while pos < total or len(finished) < len(streams):
        yield from complete_until(pos / SAMPLE_RATE)
        now = pos / SAMPLE_RATE
        events: list[Event] = []
        for rec, audio in streams:
            if pos < len(audio):
                events.extend(submit(rec.feed(audio[pos : pos + frame])))
            elif rec.stream not in finished:
                finished.add(rec.stream)
                events.extend(submit(rec.finish()))
            events.extend(rec.take_events())
        pos += frame
        now = min(pos, total) / SAMPLE_RATE
        events.extend(dispatch(now))
        yield from events
        if on_progress is not None:
            on_progress(now)
    while done or len(queue):
        if not done:
            yield from dispatch(now)
            continue
        yield from complete_until(done[0][0])
