"""Offline run of streaming recognizers on a simulated clock, with honest latency.

The audio of every stream is fed frame by frame on one clock; the shared
:class:`~consult_assist.asr.scheduler.DecodeScheduler` forms batches exactly as it does live,
and each batch starts when a worker is free and is handed back only once the simulated clock
has passed its start plus the compute time actually measured for it (the transcriber's
``compute_s``). So every decision is made with the audio that would have been available at that
moment, the streams slow down under load as they do live (:class:`~consult_assist.asr.decoding.
Pace`), and ``latency_s`` includes compute, batching and queueing; the run itself goes as fast
as the machine allows.

Several calls at once (``starts`` staggers them) find the capacity knee without a server. It is
exact for the model's work on a machine whose cores all serve the workers; what a live server
also spends (VAD, knowledge, websockets) is not counted.
"""

from __future__ import annotations

import heapq
import itertools
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from consult_assist.asr.decoding import DecodeRequest, DecodeResult, Transcriber
from consult_assist.asr.recognizer import StreamingRecognizer
from consult_assist.asr.scheduler import DecodeScheduler, failed_batch
from consult_assist.audio.pcm import SAMPLE_RATE, FloatArray
from consult_assist.events import Event

__all__ = ["SimulationStats", "simulate"]

FRAME_S = 0.02


@dataclass
class SimulationStats:
    """Compute spent, audio covered and batches formed by one simulated run."""

    audio_s: float = 0.0
    compute_s: float = 0.0
    """Decode time as the transcriber measured it (wall clock: slower on a busy machine)."""
    cpu_s: float = 0.0
    """Processor time this process spent in decodes (all its threads): the work itself,
    much less sensitive to other programs on the machine than ``compute_s``."""
    decodes: int = 0
    batches: int = 0
    batch_sizes: dict[int, int] = field(default_factory=dict)
    """How many batches had each size."""

    @property
    def real_time_factor(self) -> float:
        return self.compute_s / self.audio_s if self.audio_s else 0.0


def simulate(
    streams: Sequence[tuple[StreamingRecognizer, FloatArray]],
    transcriber: Transcriber,
    *,
    workers: int = 1,
    scheduler: DecodeScheduler | None = None,
    stats: SimulationStats | None = None,
    frame_s: float = FRAME_S,
    starts: Sequence[float] | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> Iterator[Event]:
    """Run recognizers over their (16 kHz) audio on one simulated clock; yield their events.

    Stream ``i`` starts ``starts[i]`` seconds into the run (default: all at 0); every event's
    ``at`` is in its own stream's call-audio time. Events come out in the order they happen.
    """
    if scheduler is None:
        scheduler = DecodeScheduler(workers=workers)
    stats = stats or SimulationStats()
    offsets = [round(s * SAMPLE_RATE) for s in (starts or [0.0] * len(streams))]
    if len(offsets) != len(streams):
        raise ValueError("one start per stream")
    by_stream = {rec.stream: (rec, off) for (rec, _), off in zip(streams, offsets, strict=True)}
    frame = max(1, int(frame_s * SAMPLE_RATE))
    total = max((off + len(a) for (_, a), off in zip(streams, offsets, strict=True)), default=0)
    stats.audio_s += sum(len(a) for _, a in streams) / SAMPLE_RATE
    free_at = [0.0] * scheduler.workers
    now = 0.0
    done: list[tuple[float, int, list[DecodeResult]]] = []  # (finish, order, results)
    order = itertools.count()

    def local(stream: str, at: float) -> float:
        """The global simulated time ``at`` on ``stream``'s call-audio clock."""
        return at - by_stream[stream][1] / SAMPLE_RATE

    def clock(stream: str) -> float:
        return local(stream, now)

    def deliver(result: DecodeResult, at: float) -> list[Event]:
        rec, _ = by_stream[result.request.stream]
        return rec.receive(result, now=local(rec.stream, at))

    def dispatch(at: float) -> list[Event]:
        """Start a batch on every worker free at ``at``."""
        out: list[Event] = []
        for w in range(len(free_at)):
            while free_at[w] <= at:
                batch, skipped = scheduler.take(at, clock)
                for s in skipped:
                    out.extend(deliver(s, at))
                if not batch:
                    break
                cpu = _cpu()
                try:
                    results = transcriber.decode_batch(batch)
                    ok = len(results) == len(batch)
                except Exception as exc:
                    results, ok = failed_batch(batch, f"{type(exc).__name__}: {exc}"), False
                stats.cpu_s += _cpu() - cpu
                if not ok:
                    results = failed_batch(batch, "the decode failed")
                compute = sum(r.compute_s for r in results)
                stats.compute_s += compute
                stats.decodes += len(batch)
                stats.batches += 1
                stats.batch_sizes[len(batch)] = stats.batch_sizes.get(len(batch), 0) + 1
                free_at[w] = at + compute
                scheduler.end(scheduler.begin(at), free_at[w], ok=ok)
                heapq.heappush(done, (free_at[w], next(order), results))
        return out

    def submit(requests: list[DecodeRequest]) -> list[Event]:
        out: list[Event] = []
        for request in requests:
            for s in scheduler.push(request):
                out.extend(deliver(s, now))
        return out

    def complete_until(limit: float) -> list[Event]:
        nonlocal now
        out: list[Event] = []
        while done and done[0][0] <= limit:
            finish, _, results = heapq.heappop(done)
            now = finish
            for result in results:
                out.extend(deliver(result, finish))
            out.extend(dispatch(finish))
        return out

    pos = 0
    finished: set[str] = set()
    while pos < total or len(finished) < len(streams):
        yield from complete_until(pos / SAMPLE_RATE)
        now = pos / SAMPLE_RATE
        pace = scheduler.pace(now)
        events: list[Event] = []
        for (rec, audio), off in zip(streams, offsets, strict=True):
            # Each stream is fed from its own first sample, whatever its offset: the frame
            # that covers its start carries only the part after it.
            at = max(0, pos - off)
            upto = pos + frame - off
            if upto <= 0 or rec.stream in finished:
                continue
            if at < len(audio):
                rec.pace = pace
                events.extend(submit(rec.feed(audio[at:upto])))
            else:
                finished.add(rec.stream)
                events.extend(submit(rec.finish()))
            events.extend(rec.take_events())
        pos += frame
        now = min(pos, total) / SAMPLE_RATE
        events.extend(dispatch(now))
        yield from events
        if on_progress is not None:
            on_progress(now)
    while done or len(scheduler):
        if not done:
            yield from dispatch(now)
            continue
        yield from complete_until(done[0][0])


def _cpu() -> float:
    times = os.times()
    return times.user + times.system
