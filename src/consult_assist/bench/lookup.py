"""``consult-assist bench lookup``: quality and speed of the knowledge engine in one summary.

Quality: hit rate @1/@3 on the labelled lookups, attention-word recall and false alarms on
the labelled utterances and on the sample calls' caller turns. Speed: per-event latency of
:meth:`KnowledgeEngine.feed` and of :meth:`KnowledgeEngine.lookup`, and the cold index build,
on the real manual and on a synthetic 1,000-section manual made from it (fixed seed).
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from consult_assist.knowledge.engine import KnowledgeBase, KnowledgeEngine
from consult_assist.knowledge.evaluate import (
    evaluate_attention,
    evaluate_lookup,
    evaluate_samples,
    read_jsonl,
    utterance_events,
)
from consult_assist.knowledge.manual import Manual, Section, load_manual
from consult_assist.knowledge.text import clear_caches

__all__ = ["bench_lookup", "synthetic_manual"]

SYNTHETIC_SIZE = 1000
SEED = 20240601


def _mutate(text: str, rng: random.Random, alphabet: str, rate: float) -> str:
    chars = list(text)
    for i in range(len(chars)):
        if rng.random() < rate:
            chars[i] = rng.choice(alphabet)
    return "".join(chars)


def synthetic_manual(manual: Manual, size: int = SYNTHETIC_SIZE, seed: int = SEED) -> Manual:
    """A manual of ``size`` sections made by combining and mutating the real ones.

    Each synthetic section takes most of its terms from one real section and some from
    another, with about one character in twelve replaced, so texts are realistic in length
    and vocabulary but (almost) never repeat — no analysis cache helps the build.
    """
    rng = random.Random(seed)
    real = list(manual.sections)
    alphabet = "".join(sorted({c for s in real for k in s.keywords for c in k}))
    sections: list[Section] = []
    for number in range(size):
        first, second = real[number % len(real)], rng.choice(real)

        def mix(a: Sequence[str], b: Sequence[str], count: int) -> tuple[str, ...]:
            pool = list(a) + rng.sample(list(b), min(len(b), max(1, len(b) // 3)))
            picked = rng.sample(pool, min(count, len(pool)))
            return tuple(_mutate(t, rng, alphabet, 1 / 12) for t in picked)

        paragraphs = first.body.split("\n\n") + second.body.split("\n\n")[:2]
        rng.shuffle(paragraphs)
        sections.append(
            Section(
                id=f"{first.id}-{number:04d}",
                title=_mutate(first.title, rng, alphabet, 1 / 12),
                category=first.category,
                keywords=mix(first.keywords, second.keywords, 12),
                paraphrases=mix(first.paraphrases, second.paraphrases, 10),
                body=_mutate("\n\n".join(paragraphs), rng, alphabet, 1 / 12),
                excerpt=first.excerpt,
            )
        )
    return dataclasses.replace(manual, sections=tuple(sections))


def _percentiles(seconds: Sequence[float]) -> dict[str, float]:
    values = np.asarray(seconds) * 1000.0
    return {
        "p50_ms": round(float(np.percentile(values, 50)), 3),
        "p99_ms": round(float(np.percentile(values, 99)), 3),
        "max_ms": round(float(values.max()), 3),
        "n": len(values),
    }


def _timed(call: Callable[[], object], repeat: int = 1) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def _speed(manual: Manual, texts: Sequence[str]) -> dict[str, Any]:
    clear_caches()
    start = time.perf_counter()
    base = KnowledgeBase(manual)
    build = time.perf_counter() - start
    engine = KnowledgeEngine(base)
    feed: list[float] = []
    for event in utterance_events(texts, "bench"):
        feed.extend(_timed(lambda e=event: engine.feed(e)))  # type: ignore[misc]
    clear_caches()
    lookup = [t for text in texts for t in _timed(lambda x=text: engine.lookup(x))]  # type: ignore[misc]
    return {
        "sections": len(manual.sections),
        "index_build_s": round(build, 3),
        "feed_per_event": _percentiles(feed),
        "lookup_cold": _percentiles(lookup),
    }


def bench_lookup(
    *,
    manuals: Path,
    labelled: Path,
    attention: Path,
    samples: Path | None,
    synthetic_sections: int = SYNTHETIC_SIZE,
) -> dict[str, Any]:
    """The JSON-able summary printed by ``consult-assist bench lookup``.

    Latency is per :meth:`KnowledgeEngine.feed` call on the labelled utterances replayed as
    partials and finals, and per cold :meth:`KnowledgeEngine.lookup`; ``index_build_s`` is
    the cold build of everything derived from the manual (analysis caches emptied first).
    """
    manual = load_manual(manuals)
    base = KnowledgeBase(manual)
    lookups = read_jsonl(labelled)
    summary: dict[str, Any] = {
        "lookup": evaluate_lookup(base, lookups),
        "attention": evaluate_attention(base.alerts, read_jsonl(attention)),
    }
    if samples is not None and samples.is_dir():
        summary["samples"] = evaluate_samples(base, samples)
    texts = [str(row["text"]) for row in lookups]
    summary["speed_real"] = _speed(manual, texts)
    summary["speed_synthetic"] = _speed(synthetic_manual(manual, synthetic_sections), texts)
    return summary
