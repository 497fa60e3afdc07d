"""Quality of lookup and attention words on labelled utterances (used by the bench and CI).

Labelled files are JSON lines written by people who did not see the manual's keywords:

* lookup: ``{"id", "text", "expected": [section ids, the first the most relevant], "kind"}``;
* attention: ``{"id", "text", "words": [canonical words], "kind"}`` where ``kind`` is
  ``clean``, ``asr`` (recognition-damaged), ``negation`` or ``none`` (no word: false alarms).

The sample calls' sidecars (``samples/*.json``) are evaluated too (:func:`evaluate_samples`):
the words said in caller turns, and the sections a good assistant should surface.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from consult_assist.errors import ManualError
from consult_assist.events import Suggestion, TranscriptFinal, TranscriptPartial
from consult_assist.knowledge.alerts import AlertMatcher
from consult_assist.knowledge.engine import KnowledgeBase, KnowledgeEngine

__all__ = [
    "evaluate_attention",
    "evaluate_lookup",
    "evaluate_samples",
    "read_jsonl",
    "utterance_events",
]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of a JSON-lines file, blank lines skipped."""
    rows: list[dict[str, Any]] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ManualError(f"Cannot read the labelled file {path}: {exc.strerror}.") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ManualError(f"{path}:{number}: not JSON ({exc.msg}).") from exc
        if isinstance(row, dict):
            rows.append(row)
    return rows


def _rate(hits: int, total: int) -> float:
    return round(hits / total, 4) if total else 0.0


def evaluate_lookup(base: KnowledgeBase, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Hit rate @1 and @3 overall and per kind, plus the misses at 3.

    A hit is any expected id among the top k; ``primary`` counts only the first expected id.
    Expected ids the manual does not have are ignored (and counted in ``skipped``).
    """
    known = set(base.manual.by_id)
    tally: dict[str, list[int]] = {}
    misses: list[dict[str, Any]] = []
    for row in rows:
        expected = [e for e in row.get("expected", []) if e in known]
        if not expected:
            continue
        ranked = [r.section.id for r in base.rank(str(row["text"]), 3)]
        flags = [
            int(bool(ranked[:1]) and ranked[0] in expected),
            int(any(r in expected for r in ranked[:3])),
            int(ranked[:1] == expected[:1]),
            int(expected[0] in ranked[:3]),
        ]
        for kind in ("all", str(row.get("kind", "clean"))):
            counts = tally.setdefault(kind, [0, 0, 0, 0, 0])
            counts[0] += 1
            for slot, flag in enumerate(flags, 1):
                counts[slot] += flag
        if not flags[1]:
            misses.append({"id": row.get("id"), "expected": expected, "got": ranked})
    summary: dict[str, Any] = {
        kind: {
            "n": c[0],
            "hit@1": _rate(c[1], c[0]),
            "hit@3": _rate(c[2], c[0]),
            "primary@1": _rate(c[3], c[0]),
            "primary@3": _rate(c[4], c[0]),
        }
        for kind, c in tally.items()
    }
    summary["skipped"] = len(rows) - tally.get("all", [0])[0]
    summary["misses@3"] = misses
    return summary


def evaluate_attention(matcher: AlertMatcher, rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Recall per kind, missed words, and false alarms (per 100 utterances) on ``none`` items.

    Words the matcher does not know are counted as missed: the labelled set checks the
    manual's word list as much as the matcher.
    """
    found_by_kind: dict[str, list[int]] = {}
    missed: list[dict[str, Any]] = []
    none_rows = 0
    false_alarms: list[dict[str, Any]] = []
    extra = 0
    for row in rows:
        kind = str(row.get("kind", "clean"))
        wanted = [str(w) for w in row.get("words", [])]
        fired = {o.word.word for o in matcher.find(str(row["text"]))}
        if kind == "none":
            none_rows += 1
            if fired:
                false_alarms.append({"id": row.get("id"), "fired": sorted(fired)})
            continue
        counts = found_by_kind.setdefault(kind, [0, 0])
        for word in wanted:
            counts[0] += 1
            if word in fired:
                counts[1] += 1
            else:
                missed.append({"id": row.get("id"), "word": word, "text": row["text"]})
        extra += len(fired - set(wanted))
    total = [sum(c[0] for c in found_by_kind.values()), sum(c[1] for c in found_by_kind.values())]
    return {
        "recall": _rate(total[1], total[0]),
        "recall_by_kind": {k: _rate(c[1], c[0]) for k, c in found_by_kind.items()},
        "words": total[0],
        "missed": missed,
        "none_utterances": none_rows,
        "false_alarms": len(false_alarms),
        "false_alarms_per_100": round(100.0 * len(false_alarms) / none_rows, 2)
        if none_rows
        else 0.0,
        "false_alarm_items": false_alarms,
        "extra_words_on_labelled": extra,
    }


def utterance_events(
    texts: Sequence[str], session: str
) -> list[TranscriptPartial | TranscriptFinal]:
    """Each text as a call utterance: partials growing by 8 characters, then the final."""
    events: list[TranscriptPartial | TranscriptFinal] = []
    at = 0.0
    for number, text in enumerate(texts):
        for cut in range(8, len(text), 8):
            at += 0.5
            events.append(
                TranscriptPartial(
                    session=session, at=at, utterance=number, start=at, end=at, text=text[:cut]
                )
            )
        at += 0.5
        events.append(
            TranscriptFinal(session=session, at=at, utterance=number, start=at, end=at, text=text)
        )
    return events


def evaluate_samples(base: KnowledgeBase, samples: Path) -> dict[str, Any]:
    """Attention recall on the sample calls' caller turns, and which topics were suggested.

    Each sidecar (``samples/*.json``) lists the canonical words said in caller turns and the
    sections a good assistant should surface (``topics``, best first).
    """
    wanted = found = 0
    missed: list[dict[str, Any]] = []
    calls: list[dict[str, Any]] = []
    for path in sorted(samples.glob("*.json")):
        sidecar = json.loads(path.read_text(encoding="utf-8"))
        turns = sidecar.get("turns", [])
        heard = {
            o.word.word
            for turn in turns
            if turn.get("speaker") == "caller"
            for o in base.alerts.find(str(turn.get("text", "")))
        }
        # The verbatim list also holds off-sense uses (「ずっと一人で見てます」); the labels
        # by meaning say which the caller really said. Without them, take the list as is.
        meant = {c["word"] for c in sidecar.get("caller_attention", [])}
        for word in sidecar.get("attention_words", []):
            if meant and word not in meant:
                continue
            wanted += 1
            if word in heard:
                found += 1
            else:
                missed.append({"call": path.stem, "word": word})
        engine = KnowledgeEngine(base)
        shown: set[str] = set()
        for event in utterance_events([str(t.get("text", "")) for t in turns], path.stem):
            for out in engine.feed(event):
                if isinstance(out, Suggestion):
                    shown.update(item.id for item in out.items)
        topics = list(sidecar.get("topics", []))
        calls.append(
            {
                "call": path.stem,
                "first_topic_shown": bool(topics) and topics[0] in shown,
                "top3_topics_shown": sum(t in shown for t in topics[:3]),
            }
        )
    return {
        "calls": len(calls),
        "attention_recall": round(found / wanted, 4) if wanted else None,
        "attention_words": wanted,
        "attention_missed": missed,
        "first_topic_shown": sum(c["first_topic_shown"] for c in calls),
        "suggestions": calls,
    }
