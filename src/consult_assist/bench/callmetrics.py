"""What ``bench capacity`` measures of a step of N concurrent calls, and where the knee is (pure).

Each replayed call leaves a :class:`CallTrace`: the transcript events it produced, each with
the time it arrived, and when its audio started, all on one clock (the wall clock live, the
simulated clock offline). :func:`summarize_step` turns the traces of one step into the numbers
of the JSON; :func:`find_knee` picks the largest N that still meets the targets.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from consult_assist.asr.cer import cer
from consult_assist.events import ErrorEvent, Event, TranscriptFinal, TranscriptPartial

__all__ = ["LENGTH_CLASSES", "CallTrace", "find_knee", "length_class", "pct", "summarize_step"]


@dataclass
class CallTrace:
    """One replayed call: its reference text, and what arrived when."""

    name: str
    """The recording (file stem)."""
    reference: str
    audio_s: float
    started: float
    """When its audio started, on the clock of ``events``."""
    events: list[tuple[float, Event]] = field(default_factory=list)
    """``(arrived, event)`` for every transcript and error event, in arrival order."""

    def finals(self) -> list[tuple[float, TranscriptFinal]]:
        return [(t, e) for t, e in self.events if isinstance(e, TranscriptFinal)]

    def text(self) -> str:
        """The finals in the order of the call (what the record keeps)."""
        return "".join(e.text for _, e in sorted(self.finals(), key=lambda f: f[1].start))


def pct(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100, linear interpolation), rounded to ms; None for no values."""
    if not values:
        return None
    return round(float(np.percentile(np.asarray(values, dtype=np.float64), q)), 3)


def _utterances(trace: CallTrace) -> dict[tuple[str, int], list[tuple[float, Event]]]:
    """Transcript events per utterance (speaker and number), in arrival order."""
    out: dict[tuple[str, int], list[tuple[float, Event]]] = {}
    for arrived, event in trace.events:
        if isinstance(event, TranscriptPartial | TranscriptFinal):
            out.setdefault((event.speaker, event.utterance), []).append((arrived, event))
    return out


def _screen(trace: CallTrace) -> tuple[list[float], list[float]]:
    """Gaps between partials of one utterance, and between any two updates of the screen for
    it (from its speech start to its final, the time a handler looks at unchanged text)."""
    partial_gaps: list[float] = []
    screen_gaps: list[float] = []
    for events in _utterances(trace).values():
        shown = [t for t, e in events if isinstance(e, TranscriptPartial) and e.text]
        partial_gaps += [b - a for a, b in itertools.pairwise(shown)]
        first = events[0][1]
        assert isinstance(first, TranscriptPartial | TranscriptFinal)
        ends = [t for t, e in events if isinstance(e, TranscriptFinal)]
        updates = [trace.started + first.start, *shown, *ends[:1]]
        screen_gaps += [b - a for a, b in itertools.pairwise(sorted(updates))]
    return partial_gaps, screen_gaps


LENGTH_CLASSES: tuple[tuple[str, float], ...] = (
    ("under_4s", 4.0),
    ("4_to_8s", 8.0),
    ("over_8s", float("inf")),
)
"""Utterance lengths the final latency is also given for: a long utterance's own decode is
long, and while it runs the one worker of a small machine serves nobody else."""


def length_class(seconds: float) -> str:
    """The name of the :data:`LENGTH_CLASSES` entry an utterance of ``seconds`` falls in."""
    return next(name for name, bound in LENGTH_CLASSES if seconds < bound)


def summarize_step(
    calls: int,
    traces: Sequence[CallTrace],
    *,
    wall_s: float,
    compute_s: float,
    batch_sizes: Mapping[int, int],
    cpu_s: float | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The numbers of one step: ``calls`` at once over ``traces``."""
    latencies: list[float] = []
    by_length: dict[str, list[float]] = {name: [] for name, _ in LENGTH_CLASSES}
    observed: list[float] = []
    partial_gaps: list[float] = []
    screen_gaps: list[float] = []
    edits = chars = errors = 0
    for trace in traces:
        for arrived, final in trace.finals():
            latencies.append(final.latency_s)
            by_length[length_class(final.end - final.start)].append(final.latency_s)
            observed.append(arrived - (trace.started + final.end))
        p, s = _screen(trace)
        partial_gaps += p
        screen_gaps += s
        _, e, n = cer(trace.reference, trace.text())
        edits += e
        chars += n
        errors += sum(1 for _, ev in trace.events if isinstance(ev, ErrorEvent))
    audio_s = sum(t.audio_s for t in traces)
    batches = sum(batch_sizes.values())
    decodes = sum(size * n for size, n in batch_sizes.items())
    out: dict[str, Any] = {
        "calls": calls,
        "sessions": len(traces),
        "audio_s": round(audio_s, 1),
        "wall_s": round(wall_s, 1),
        "finals": len(latencies),
        "final_latency_s": {
            "p50": pct(latencies, 50),
            "p95": pct(latencies, 95),
            "max": round(max(latencies), 3) if latencies else None,
        },
        "final_latency_observed_s": {"p50": pct(observed, 50), "p95": pct(observed, 95)},
        "final_latency_by_length_s": {
            name: {"finals": len(v), "p50": pct(v, 50), "p95": pct(v, 95)}
            for name, v in by_length.items()
        },
        "partial_interval_s": {"p50": pct(partial_gaps, 50), "p95": pct(partial_gaps, 95)},
        "screen_gap_s": {"p95": pct(screen_gaps, 95), "max": pct(screen_gaps, 100)},
        "cer": round(edits / chars, 4) if chars else None,
        "error_events": errors,
        "batch_sizes": {str(k): v for k, v in sorted(batch_sizes.items())},
        "mean_batch": round(decodes / batches, 2) if batches else None,
        "compute_per_audio_s": round(compute_s / audio_s, 3) if audio_s else None,
    }
    if cpu_s is not None:
        out["server_cpu_per_audio_s"] = round(cpu_s / audio_s, 3) if audio_s else None
    out.update(extra or {})
    return out


def find_knee(
    steps: Sequence[Mapping[str, Any]], *, p95_limit_s: float, cer_margin_points: float
) -> int | None:
    """The largest number of calls whose final p95 is within the limit and whose CER is within
    ``cer_margin_points`` of the first step's (one call); None if even that one fails."""
    if not steps:
        return None
    base = steps[0].get("cer")
    knee: int | None = None
    for step in steps:
        p95 = step["final_latency_s"]["p95"]
        cer_now = step.get("cer")
        ok_latency = p95 is not None and p95 <= p95_limit_s
        ok_cer = base is None or (
            cer_now is not None and 100 * (cer_now - base) <= cer_margin_points + 1e-9
        )
        if ok_latency and ok_cer:
            knee = int(step["calls"])
    return knee
