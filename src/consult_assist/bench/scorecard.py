"""Scoring one call's live assistance against its sidecar labels (``bench assist``).

Pure: the transcript events the recognizer produced, each paired with the events the
knowledge engine derived from it, are compared with the labels of ``samples/<name>.json``
(see samples/README.md). Live output is aligned with the labels by time: an utterance belongs
to every labelled turn its speech overlaps.

* **Checklist.** An item is correctly covered when the labels list it among the caller's
  answers and the utterance that covered it starts no earlier than ``ANSWER_TOLERANCE_S``
  before the labelled answer turn (the segmenter's pre-roll and the gap between turns).
  Covered too early, or never answered in the labels, is a false cover; an item whose
  covering utterance lies mostly inside a handler turn that asks about it is also counted
  as *covered by a question*.
* **Alerts.** Only confirmed alerts count (tentative ones that the final withdrew are
  counted apart). A confirmed alert is right when its word is labelled in an overlapping
  turn: in a caller turn (a labelled denial must be shown as negated), or in a handler turn
  when it is shown as asked, denied, imagined or requested, or echoes a word the caller said
  earlier. Anything else is a false confirmed alert.
* **Suggestions.** A labelled topic (``topic_times``; topics never raised are left out) is a
  hit when it is among the top three suggestions at any moment from its ``at`` to the end of
  the call; the time to it is how long after ``at`` it first is (0 when already shown).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from consult_assist.events import Alert, Checklist, Event, Suggestion, TranscriptFinal

__all__ = [
    "ANSWER_TOLERANCE_S",
    "TURN_SLACK_S",
    "CallScore",
    "Heard",
    "score_call",
]

ANSWER_TOLERANCE_S = 1.0
"""How much earlier than its labelled answer turn an item's covering utterance may start."""
TURN_SLACK_S = 0.5
"""Slack on each side of a labelled turn when matching an utterance to it."""
TOP = 3

Heard = tuple[Event, Sequence[Event]]
"""A transcript event and what the knowledge engine derived from it."""


@dataclass
class CallScore:
    """Counts for one call; summed over calls by the benchmark."""

    checklist_labelled: int = 0
    checklist_covered: int = 0
    checklist_correct: int = 0
    covered_by_question: int = 0
    values_labelled: int = 0
    values_matched: int = 0
    alerts_confirmed: int = 0
    alerts_correct: int = 0
    alerts_false: int = 0
    alerts_tentative: int = 0
    alerts_withdrawn: int = 0
    alerts_echo: int = 0
    caller_words: int = 0
    caller_words_found: int = 0
    critical_words: int = 0
    critical_found: int = 0
    denials: int = 0
    denials_shown_negated: int = 0
    critical_delays: list[float] = field(default_factory=list)
    topics: int = 0
    topic_hits: int = 0
    topic_delays: list[float] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Utterance:
    number: int
    start: float
    end: float
    text: str


def _overlaps(u: _Utterance, turn: Mapping[str, Any]) -> bool:
    return (
        u.start < float(turn["end"]) + TURN_SLACK_S and u.end > float(turn["start"]) - TURN_SLACK_S
    )


def _inside(u: _Utterance, turn: Mapping[str, Any]) -> bool:
    """Whether most of the utterance lies inside the turn."""
    overlap = min(u.end, float(turn["end"])) - max(u.start, float(turn["start"]))
    return overlap > 0.5 * max(u.end - u.start, 1e-6)


def score_call(
    sidecar: Mapping[str, Any], heard: Sequence[Heard], levels: Mapping[str, str]
) -> CallScore:
    """Score one call; ``levels`` maps each attention word to its level."""
    score = CallScore()
    utterances: dict[int, _Utterance] = {}
    for event, _ in heard:
        if isinstance(event, TranscriptFinal):
            utterances[event.utterance] = _Utterance(
                event.utterance, event.start, event.end, event.text
            )
    _checklist(score, sidecar, heard, utterances)
    _alerts(score, sidecar, heard, utterances, levels)
    _suggestions(score, sidecar, heard)
    return score


def _checklist(
    score: CallScore,
    sidecar: Mapping[str, Any],
    heard: Sequence[Heard],
    utterances: Mapping[int, _Utterance],
) -> None:
    turns = sidecar["turns"]
    answers = {a["item"]: a for a in sidecar.get("checklist_answers", [])}
    asked_in: dict[str, list[Mapping[str, Any]]] = {}
    for ask in sidecar.get("checklist_asked", []):
        asked_in.setdefault(ask["item"], []).append(turns[ask["turn"]])
    first: dict[str, tuple[_Utterance, str, float]] = {}
    values: dict[str, str] = {}
    for event, derived in heard:
        if not isinstance(event, TranscriptFinal):
            continue
        for out in derived:
            if not isinstance(out, Checklist):
                continue
            for item in out.covered:
                if item.id not in first:
                    first[item.id] = (utterances[event.utterance], item.evidence, out.at)
                if item.value and item.id not in values:
                    values[item.id] = item.value
    score.checklist_labelled = len(answers)
    rows: list[dict[str, Any]] = []
    for item_id, (utterance, evidence, at) in first.items():
        label = answers.get(item_id)
        correct = label is not None and utterance.start >= float(label["at"]) - ANSWER_TOLERANCE_S
        by_question = any(
            _inside(utterance, turn)
            and turn["speaker"] == "handler"
            and (label is None or float(turn["start"]) < float(label["at"]))
            for turn in asked_in.get(item_id, [])
        )
        score.checklist_covered += 1
        score.checklist_correct += int(correct)
        score.covered_by_question += int(by_question)
        row = {"item": item_id, "at": round(at, 2), "correct": correct, "evidence": evidence}
        if label is None:
            row["why"] = "not an answer in the labels"
        elif not correct:
            row["why"] = f"before the answer at {label['at']}"
        if by_question:
            row["by_question"] = True
        rows.append(row)
    for item_id, label in answers.items():
        if "value" not in label:
            continue
        score.values_labelled += 1
        got = values.get(item_id, "")
        if got and _same_value(label["value"], got):
            score.values_matched += 1
    score.details["checklist"] = rows
    score.details["checklist_missed"] = sorted(set(answers) - set(first))
    score.details["values"] = {k: v for k, v in values.items()}


_NOT_WORD = re.compile(r"[\W_・（）()]+")


def _same_value(want: str, got: str) -> bool:
    a = _NOT_WORD.sub("", unicodedata.normalize("NFKC", want))
    b = _NOT_WORD.sub("", unicodedata.normalize("NFKC", got.split("・")[0]))
    return bool(a and b) and (a in b or b in a)


def _alerts(
    score: CallScore,
    sidecar: Mapping[str, Any],
    heard: Sequence[Heard],
    utterances: Mapping[int, _Utterance],
    levels: Mapping[str, str],
) -> None:
    turns = sidecar["turns"]
    caller = list(sidecar.get("caller_attention", []))
    handler = list(sidecar.get("handler_attention", []))
    last: dict[tuple[int | None, str], Alert] = {}
    first_at: dict[tuple[int | None, str], float] = {}
    for _, derived in heard:
        for out in derived:
            if not isinstance(out, Alert):
                continue
            key = (out.utterance, out.word)
            first_at.setdefault(key, out.at)
            score.alerts_tentative += int(out.tentative)
            score.alerts_withdrawn += int(out.withdrawn)
            last[key] = out
    confirmed = [a for a in last.values() if not a.withdrawn and not a.tentative]
    found: set[int] = set()
    rows: list[dict[str, Any]] = []
    for alert in sorted(confirmed, key=lambda a: a.start):
        u = utterances.get(alert.utterance if alert.utterance is not None else -1)
        span = u or _Utterance(-1, alert.start, alert.end, alert.segment)
        asserted = alert.act in ("statement", "answer", "reported", "") and not alert.negated
        verdict = "false"
        for number, label in enumerate(caller):
            if label["word"] == alert.word and _overlaps(span, turns[label["turn"]]):
                found.add(number)
                if not label.get("negated") or alert.negated:
                    verdict = "caller"
        if verdict == "false":
            for label in handler:
                if label["word"] != alert.word or not _overlaps(span, turns[label["turn"]]):
                    continue
                echo = any(c["word"] == alert.word and c["turn"] < label["turn"] for c in caller)
                if not asserted:
                    verdict = "handler, shown as " + ("negated" if alert.negated else alert.act)
                elif echo:
                    verdict = "echo"
        score.alerts_confirmed += 1
        if verdict == "false":
            score.alerts_false += 1
        else:
            score.alerts_correct += 1
            score.alerts_echo += int(verdict == "echo")
        if levels.get(alert.word) == "critical" and verdict == "caller" and u is not None:
            score.critical_delays.append(first_at[(alert.utterance, alert.word)] - u.end)
        rows.append(
            {
                "word": alert.word,
                "start": round(alert.start, 2),
                "act": alert.act,
                "negated": alert.negated,
                "verdict": verdict,
                "segment": alert.segment,
            }
        )
    missed: list[dict[str, Any]] = []
    for number, label in enumerate(caller):
        if label.get("negated"):
            score.denials += 1
            shown = any(
                a.word == label["word"]
                and a.negated
                and _overlaps(
                    utterances.get(a.utterance or -1, _Utterance(-1, a.start, a.end, "")),
                    turns[label["turn"]],
                )
                for a in confirmed
            )
            score.denials_shown_negated += int(shown)
            continue
        critical = levels.get(label["word"]) == "critical"
        score.caller_words += 1
        score.critical_words += int(critical)
        hit = number in found
        score.caller_words_found += int(hit)
        score.critical_found += int(hit and critical)
        if not hit:
            missed.append({"word": label["word"], "turn": label["turn"]})
    score.details["alerts"] = rows
    score.details["alerts_missed"] = missed


def _suggestions(score: CallScore, sidecar: Mapping[str, Any], heard: Sequence[Heard]) -> None:
    timeline: list[tuple[float, tuple[str, ...]]] = []
    end = float(sidecar.get("duration_s", 0.0))
    for event, derived in heard:
        end = max(end, event.at)
        for out in derived:
            if isinstance(out, Suggestion):
                timeline.append((out.at, tuple(i.id for i in out.items[:TOP])))
    rows: list[dict[str, Any]] = []
    for topic in sidecar.get("topic_times", []):
        if topic.get("turn") is None:
            continue
        at = float(topic["at"])
        score.topics += 1
        shown_at: float | None = None
        current: tuple[str, ...] = ()
        for when, ids in timeline:
            if when <= at:
                current = ids
                continue
            if shown_at is None and topic["topic"] in current:
                shown_at = at
            if shown_at is None and topic["topic"] in ids:
                shown_at = when
        if shown_at is None and topic["topic"] in current:
            shown_at = at
        delay = None if shown_at is None else round(shown_at - at, 2)
        if delay is not None:
            score.topic_hits += 1
            score.topic_delays.append(delay)
        rows.append({"topic": topic["topic"], "at": at, "first_in_top3_after_s": delay})
    score.details["topics"] = rows
    score.details["opening_shown_at_end"] = bool(timeline) and "call-opening" in timeline[-1][1]
