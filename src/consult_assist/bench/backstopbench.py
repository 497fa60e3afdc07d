"""``consult-assist bench backstop``: the second reader, each labelled set held out in turn.

For every labelled set, the second reader is trained on all the other sets and the set's
records run through the real assessor (rules and reader together, as on a call). Per set and
in total, clean and ASR: the severe records the rules find, those they miss that the reader
suspects, and the suspicions on records with nothing severe (handler questions apart). With
``--blind DIR``, also the severe records the rules missed *at first sight* (the set's
``bench-risk-<set>-blind.json``, measured when the set arrived) that the held-out reader
alone suspects (today's rules were mended on those records, so they are not asked).
Training and the shipped model: :func:`train_backstop`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from consult_assist.bench.riskbench import VARIANTS, RiskBench
from consult_assist.errors import ConfigError
from consult_assist.knowledge.manual import load_manual
from consult_assist.risk.backstop import (
    CLASSES,
    Backstop,
    TrainingRecord,
    call_negatives,
    records_from,
    train,
)
from consult_assist.risk.model import RiskModel

__all__ = ["LabelledSet", "labelled_sets", "run_backstop_bench", "train_backstop"]

Say = Callable[[str], None]
_TURNS = "risk_turns.jsonl"
_CALLS = "risk_calls"


@dataclass(frozen=True)
class LabelledSet:
    """One labelled set: its turn records (docs/risk.md 8a) and, from its whole calls labelled
    with nothing severe, every caller turn as ordinary talk."""

    lines: list[dict[str, Any]]
    ordinary: list[TrainingRecord]


def _ordinary(calls: Path) -> list[TrainingRecord]:
    labels_path = calls / "labels.json"
    if not labels_path.is_file():
        return []
    labels: dict[str, Any] = json.loads(labels_path.read_text(encoding="utf-8"))
    out: list[TrainingRecord] = []
    for name, label in sorted(labels.items()):
        if label.get("severe"):
            continue
        lines = (calls / name).read_text(encoding="utf-8").splitlines()
        out += call_negatives([json.loads(line) for line in lines if line.strip()])
    return out


def labelled_sets(paths: Iterable[Path]) -> dict[str, LabelledSet]:
    """The labelled sets under ``paths`` by name: a ``risk_turns.jsonl`` file, a folder with
    one, or a folder of such folders (``tests/data``: its own file is the tuning set). A set's
    whole calls are the ``risk_calls`` folder beside its file."""
    found: dict[str, Path] = {}
    for path in paths:
        if path.is_file():
            tuning = any(path.parent.glob(f"risk_*/{_TURNS}"))
            found["tuning" if tuning else path.parent.name] = path
        elif (path / _TURNS).is_file() and not any(path.glob(f"risk_*/{_TURNS}")):
            found[path.name] = path / _TURNS
        elif path.is_dir():
            if (path / _TURNS).is_file():
                found["tuning"] = path / _TURNS
            for each in sorted(path.glob(f"risk_*/{_TURNS}")):
                found[each.parent.name.removeprefix("risk_")] = each
        else:
            raise ConfigError(f"{path}: no labelled set there (a {_TURNS} or a folder of them)")
    if not found:
        raise ConfigError("no labelled sets found")
    return {
        name: LabelledSet(
            [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line],
            _ordinary(path.parent / _CALLS),
        )
        for name, path in sorted(found.items())
    }


def train_backstop(sets: Mapping[str, LabelledSet], *, iterations: int = 200) -> Backstop:
    """The second reader trained on every record and ordinary call turn of ``sets`` (their
    names are kept in it)."""
    records = [r for s in sets.values() for r in (*records_from(s.lines), *s.ordinary)]
    return train(records, iterations=iterations, trained_on=sorted(sets))


def run_backstop_bench(
    manuals: Path,
    data: Sequence[Path],
    *,
    blind: Path | None = None,
    iterations: int = 200,
    folds: int = 0,
    only: Sequence[str] = (),
    say: Say = lambda line: None,
) -> dict[str, Any]:
    """Hold each set out (or, with ``folds``, each of that many groups of sets, dealt in
    turn), train on the rest, run the assessor on it; the JSON summary."""
    sets = labelled_sets(data)
    manual = load_manual(manuals)
    rules = RiskModel.load(manuals, manual)
    per_set: dict[str, Any] = {}
    names = [n for n in sets if not only or n in only]
    groups = [names[k::folds] for k in range(folds)] if folds else [[n] for n in names]
    for number, group in enumerate(groups, 1):
        say(f"{number}/{len(groups)}: {', '.join(group)} held out")
        rest = {n: s for n, s in sets.items() if n not in group}
        reader = train_backstop(rest, iterations=iterations)
        model = RiskModel(rules.matcher, rules.manual, reader)
        for name in group:
            first_sight = _first_sight_misses(blind, name) if blind is not None else None
            per_set[name] = _held_out(RiskBench(model), reader, sets[name].lines, first_sight)
    return {
        "benchmark": "backstop",
        "method": "each set held out (with --folds, each group of sets): the second reader "
        "trained on the others, the set run through the assessor (rules and reader)",
        "iterations": iterations,
        "folds": len(groups),
        "threshold": rules.backstop.threshold if rules.backstop else None,
        "sets": len(names),
        "total": {v: _sum(p[v] for p in per_set.values()) for v in VARIANTS},
        "per_set": per_set,
    }


def _held_out(
    bench: RiskBench,
    reader: Backstop,
    records: Sequence[Mapping[str, Any]],
    first_sight: set[tuple[str, str]] | None,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for variant in VARIANTS:
        counts = {
            "severe_records": 0,
            "rules_found": 0,
            "rules_missed_suspected": 0,
            "not_severe_records": 0,
            "suspected_not_severe": 0,
            "suspected_on_handler_questions": 0,
        }
        if first_sight is not None:
            counts |= {
                "first_sight_missed": 0,
                "first_sight_missed_suspected": 0,
                "first_sight_missed_named_right": 0,
            }
        wrong: list[dict[str, Any]] = []
        caught: list[dict[str, Any]] = []
        for record in (r for r in records if r.get("variant") == variant):
            turns = [(t["speaker"], t["text"], float(n)) for n, t in enumerate(record["turns"])]
            sheet = bench.run(turns, str(record["id"]))
            suspected = bool(sheet.suspected)
            if record.get("severe"):
                counts["severe_records"] += 1
                counts["rules_found"] += bool(sheet.severe)
                counts["rules_missed_suspected"] += not sheet.severe and suspected
                if first_sight is not None and (variant, str(record["id"])) in first_sight:
                    # The reader alone, as it would have read the record when the rules of the
                    # day missed it (today's rules were mended on these very records).
                    counts["first_sight_missed"] += 1
                    alone = reader.suspect(_window(record["turns"]))
                    labelled = [s for s in record.get("subitems", ()) if s in CLASSES[1:]]
                    counts["first_sight_missed_suspected"] += alone is not None
                    if alone is not None:
                        counts["first_sight_missed_named_right"] += alone.subitem in labelled
                    caught.append(
                        {
                            "id": record["id"],
                            "labelled": labelled,
                            "suspected": alone.subitem if alone is not None else "",
                            "words": list(alone.words) if alone is not None else [],
                        }
                    )
            else:
                counts["not_severe_records"] += 1
                counts["suspected_not_severe"] += suspected
                if record.get("kind") == "handler_question":
                    counts["suspected_on_handler_questions"] += suspected
                if suspected:
                    wrong.append(
                        {
                            "id": record["id"],
                            "kind": record.get("kind", ""),
                            "suspected": [s.subitem for s in sheet.suspected],
                            "words": [list(s.words) for s in sheet.suspected],
                        }
                    )
        out[variant] = counts | {"suspected_not_severe_ids": wrong}
        if first_sight is not None:
            out[variant]["first_sight_missed_ids"] = caught
    return out


def _window(turns: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """The last caller turn and the handler's turn just before it, as the assessor reads."""
    pairs = [(str(t["speaker"]), str(t["text"])) for t in turns]
    last = max((i for i, (who, _) in enumerate(pairs) if who != "handler"), default=None)
    if last is None:
        return []
    before = [pairs[last - 1]] if last > 0 and pairs[last - 1][0] == "handler" else []
    return [*before, ("caller", pairs[last][1])]


def _sum(parts: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for part in parts:
        for key, value in part.items():
            if isinstance(value, int):
                total[key] = total.get(key, 0) + value
    return total


def _first_sight_misses(folder: Path, name: str) -> set[tuple[str, str]] | None:
    """The severe records the rules missed when the set arrived, as (variant, id)."""
    path = folder / f"bench-risk-{name}-blind.json"
    if not path.is_file():
        return None
    summary = json.loads(path.read_text(encoding="utf-8"))
    return {
        (variant, str(miss["id"]))
        for variant in VARIANTS
        for miss in summary["turns"][variant]["misses"]
        if miss["severe"][0] and not miss["severe"][1]
    }
