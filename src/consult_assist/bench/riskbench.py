"""``consult-assist bench risk``: the risk sheet against the labelled turns and whole calls.

Over ``tests/data/risk_turns.jsonl`` (short exchanges labelled with the items they establish,
clean and ASR-damaged) it measures item recall and precision, severe-cue recall, and items
ticked where only the handler asked; over ``tests/data/risk_calls/`` (whole calls labelled with
their tier) the tier exact and never below the label. Per-event cost is the time of one
:meth:`RiskAssessor.observe` call. Misses are listed by id with their text, so a cause can be
found (docs/risk.md: fix causes, not sentences).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from consult_assist.events import TranscriptFinal
from consult_assist.knowledge.manual import load_manual
from consult_assist.risk.model import RiskModel
from consult_assist.risk.sheet import Assessment
from consult_assist.risk.spec import tier_rank

__all__ = ["RiskBench", "run_risk_bench"]

VARIANTS = ("clean", "asr")


class RiskBench:
    """The model, and every per-event cost measured while it runs."""

    def __init__(self, model: RiskModel) -> None:
        self.model = model
        self.costs_ms: list[float] = []

    def run(self, turns: Iterable[tuple[str, str, float]], session: str) -> Assessment:
        """Feed ``(speaker, text, at)`` turns as finals; the sheet at the end."""
        assessor = self.model.assessor()
        for number, (speaker, text, at) in enumerate(turns):
            final = TranscriptFinal(
                session=session,
                at=at,
                utterance=number,
                start=at,
                end=at,
                text=text,
                speaker=speaker,
            )
            began = time.perf_counter()
            assessor.observe(final)
            self.costs_ms.append((time.perf_counter() - began) * 1000)
        return assessor.assessment()


def _established(sheet: Assessment) -> set[str]:
    return {i.id for i in sheet.items if i.state == "該当"}


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _turns_summary(bench: RiskBench, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for variant in VARIANTS:
        chosen = [r for r in records if r.get("variant") == variant]
        tp = fp = fn = 0
        severe_total = severe_found = handler_ticks = 0
        suspected_missed = suspected_not_severe = 0
        misses: list[dict[str, Any]] = []
        for record in chosen:
            turns = [(t["speaker"], t["text"], float(n)) for n, t in enumerate(record["turns"])]
            sheet = bench.run(turns, str(record["id"]))
            got, want = _established(sheet), set(record["items"])
            tp += len(got & want)
            fp += len(got - want)
            fn += len(want - got)
            if record.get("severe"):
                severe_total += 1
                severe_found += bool(sheet.severe)
                suspected_missed += not sheet.severe and bool(sheet.suspected)
            else:
                suspected_not_severe += bool(sheet.suspected)
            if record.get("kind") == "handler_question":
                handler_ticks += len(got - want)
            if got != want or bool(record.get("severe")) != bool(sheet.severe):
                misses.append(
                    {
                        "id": record["id"],
                        "kind": record.get("kind", ""),
                        "missed": sorted(want - got),
                        "extra": sorted(got - want),
                        "severe": [bool(record.get("severe")), list(sheet.severe)],
                        "suspected": [x.subitem for x in sheet.suspected],
                        "text": " / ".join(f"{t['speaker']}: {t['text']}" for t in record["turns"]),
                    }
                )
        summary[variant] = {
            "records": len(chosen),
            "item_recall": _ratio(tp, tp + fn),
            "item_precision": _ratio(tp, tp + fp),
            "severe_records": severe_total,
            "severe_recall": _ratio(severe_found, severe_total),
            "items_ticked_by_handler_questions": handler_ticks,
            "second_reader": {
                "severe_missed_but_suspected": suspected_missed,
                "suspected_where_nothing_severe": suspected_not_severe,
                "records_not_severe": len(chosen) - severe_total,
            },
            "misses": misses,
        }
    return summary


def _calls_summary(bench: RiskBench, folder: Path) -> dict[str, Any]:
    labels: dict[str, Any] = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    exact = below = 0
    state_agree = state_total = 0
    calls: list[dict[str, Any]] = []
    for name, label in sorted(labels.items()):
        lines = (folder / name).read_text(encoding="utf-8").splitlines()
        turns = [json.loads(line) for line in lines if line.strip()]
        sheet = bench.run(((t["speaker"], t["text"], float(t.get("at", 0.0))) for t in turns), name)
        want = label["tier"]
        exact += sheet.tier == want
        below += tier_rank(sheet.tier) > tier_rank(want)
        states = {i.id: i.state for i in sheet.items}
        wrong = {k: [v, states.get(k)] for k, v in label["items"].items() if states.get(k) != v}
        state_total += len(label["items"])
        state_agree += len(label["items"]) - len(wrong)
        calls.append(
            {
                "call": name,
                "tier": sheet.tier,
                "labelled": want,
                "rules": list(sheet.rules),
                "severe": list(sheet.severe),
                "labelled_severe": label.get("severe", []),
                "suspected": [x.subitem for x in sheet.suspected],
                "states_differing": wrong,
            }
        )
    return {
        "calls": len(labels),
        "tier_exact": exact,
        "tier_exact_ratio": _ratio(exact, len(labels)),
        "tier_below_label": below,
        "item_state_agreement": _ratio(state_agree, state_total),
        "per_call": calls,
    }


def run_risk_bench(manuals: Path, data: Path) -> dict[str, Any]:
    """The whole benchmark as one JSON-able summary (``data``: the tests/data folder)."""
    model = RiskModel.load(manuals, load_manual(manuals))
    bench = RiskBench(model)
    lines = (data / "risk_turns.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    warm = bench.run([("caller", "はじめます", 0.0)], "warm-up")  # Sudachi's first load
    del warm
    bench.costs_ms.clear()
    turns = _turns_summary(bench, records)
    calls = _calls_summary(bench, data / "risk_calls")
    costs = np.asarray(bench.costs_ms)
    return {
        "benchmark": "risk",
        "turns": turns,
        "calls": {
            "clean": calls,
            "asr": "the labelled calls have no ASR-damaged variant; ASR damage is measured on the"
            " turns",
        },
        "targets": {
            "item_recall": 0.9,
            "item_precision": 0.9,
            "severe_recall": 1.0,
            "items_ticked_by_handler_questions": 0,
            "tier_exact": "≥ 11 of 12 calls, never below the label",
            "per_event_p99_ms": 5.0,
        },
        "per_event_ms": {
            "events": int(costs.size),
            "p50": round(float(np.percentile(costs, 50)), 3),
            "p99": round(float(np.percentile(costs, 99)), 3),
            "max": round(float(costs.max()), 3),
        },
    }
