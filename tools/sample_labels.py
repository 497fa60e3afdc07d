"""Ground-truth labels of the sample calls: from the scripts' turns into the sidecars, checked.

The labels are written by hand on the turns of ``samples/scripts/<name>.toml`` (what the caller
answers, what the handler asks, which attention words each side says, where a topic is raised;
see samples/README.md). A sidecar carries them as flat lists that point back at a turn by its
0-based index and its start time (``at``), so a benchmark can score live output against them
without reading the scripts. Everything here is pure except :func:`manual_ids`, which reads the
manuals: the one place the valid section ids, checklist item ids and attention words come from.

Used by ``tools/make_samples.py`` (generation, ``--relabel``) and ``tests/test_samples.py``;
nothing in ``consult_assist`` imports it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "ANSWER_KEYS",
    "LABEL_KEYS",
    "SEXES",
    "SLOT_ITEMS",
    "ManualIds",
    "manual_ids",
    "relabel",
    "script_problems",
    "sidecar_labels",
    "sidecar_problems",
    "with_labels",
]

# The sidecar keys this module writes, in the order they appear (before ``turns``).
LABEL_KEYS = (
    "checklist_answers",
    "asked_only",
    "checklist_asked",
    "caller_attention",
    "handler_attention",
    "topic_times",
)
# Checklist items whose answer has a value worth extracting (issue 11: age, sex, address,
# phone, relationship, name); the others are only "covered" or not.
SLOT_ITEMS = frozenset(
    {"child-age", "child-name", "child-location", "reporter-contact", "reporter-relation"}
)
SEXES = frozenset({"男", "女"})
ANSWER_KEYS = frozenset({"item", "value", "sex", "note"})

_CALLER_ONLY = ("answers", "declines")
_HANDLER_ONLY = ("asks",)
_EITHER = ("attention", "negated", "raises")
_TURN_KEYS = frozenset({"speaker", "text", *_CALLER_ONLY, *_HANDLER_ONLY, *_EITHER})


@dataclass(frozen=True, kw_only=True)
class ManualIds:
    """The ids a label may name: section ids, checklist item ids, canonical attention words."""

    sections: frozenset[str]
    checklist: frozenset[str]
    words: frozenset[str]


def manual_ids(manuals: Path) -> ManualIds:
    """Read the valid ids from a manuals folder with the product's own loader."""
    from consult_assist.knowledge.manual import load_manual

    manual = load_manual(manuals)
    return ManualIds(
        sections=frozenset(s.id for s in manual.sections),
        checklist=frozenset(i.id for i in manual.checklist),
        words=frozenset(w.word for w in manual.attention_words),
    )


def _refs(value: object, key: str) -> list[dict[str, Any]]:
    """A turn's list of ids, each a bare string or a table ``{<key> = ..., note = ...}``."""
    if not isinstance(value, list):
        return []
    return [{key: v} if isinstance(v, str) else dict(v) for v in value]


def _turns(script: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    turns = script.get("turn", [])
    return list(turns) if isinstance(turns, list) else []


def _check_refs(
    refs: list[dict[str, Any]], key: str, valid: frozenset[str], where: str
) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for ref in refs:
        name = ref.get(key)
        if set(ref) - {key, "note"} or not isinstance(name, str):
            problems.append(f"{where}: expected a name or {{{key} = ..., note = ...}}: {ref}")
            continue
        if name not in valid:
            problems.append(f"{where}: unknown {key} {name!r}")
        if name in seen:
            problems.append(f"{where}: {name!r} listed twice")
        seen.add(name)
    return problems


def _check_answer(answer: object, ids: ManualIds, where: str) -> list[str]:
    if not isinstance(answer, Mapping):
        return [f"{where}: an answer is a table {{item = ..., value = ...}}: {answer!r}"]
    problems = [f"{where}: unknown answer key {k!r}" for k in sorted(set(answer) - ANSWER_KEYS)]
    item = answer.get("item")
    if item not in ids.checklist:
        problems.append(f"{where}: unknown checklist item {item!r}")
    if item in SLOT_ITEMS:
        if not isinstance(answer.get("value"), str) or not answer["value"]:
            problems.append(f"{where}: {item} is a slot item and needs a value")
    elif "value" in answer:
        problems.append(f"{where}: {item} is not a slot item and takes no value")
    if "sex" in answer and (item != "child-age" or answer["sex"] not in SEXES):
        problems.append(f"{where}: sex is 男 or 女 and only on child-age")
    return problems


def script_problems(script: Mapping[str, Any], ids: ManualIds) -> list[str]:
    """Everything wrong with a script's labels (an empty list when they are consistent)."""
    problems: list[str] = []
    topics = [t for t in script.get("topics", []) if isinstance(t, str)]
    problems += [f"topics: unknown section id {t!r}" for t in topics if t not in ids.sections]
    answered: dict[str, int] = {}
    asked: dict[str, int] = {}
    raised: dict[str, int] = {}
    for i, turn in enumerate(_turns(script)):
        where = f"turn {i}"
        speaker = turn.get("speaker")
        problems += [f"{where}: unknown key {k!r}" for k in sorted(set(turn) - _TURN_KEYS)]
        wrong = _HANDLER_ONLY if speaker == "caller" else _CALLER_ONLY
        problems += [
            f"{where}: {k} is not allowed on a {speaker} turn" for k in wrong if turn.get(k)
        ]
        for answer in turn.get("answers", []):
            problems += _check_answer(answer, ids, where)
            item = answer.get("item") if isinstance(answer, Mapping) else None
            if isinstance(item, str):
                if item in answered:
                    problems.append(f"{where}: {item} already answered at turn {answered[item]}")
                answered.setdefault(item, i)
        for item in turn.get("asks", []):
            if item not in ids.checklist:
                problems.append(f"{where}: unknown checklist item {item!r}")
            asked.setdefault(item, i)
        for item in turn.get("declines", []):
            if asked.get(item, i) >= i:
                problems.append(f"{where}: declines {item!r}, which no earlier turn asks")
        said = _refs(turn.get("attention"), "word")
        denied = _refs(turn.get("negated"), "word")
        problems += _check_refs(said, "word", ids.words, f"{where} attention")
        problems += _check_refs(denied, "word", ids.words, f"{where} negated")
        both = {r.get("word") for r in said} & {r.get("word") for r in denied}
        problems += [f"{where}: {w!r} is both said and negated" for w in sorted(map(str, both))]
        for ref in _refs(turn.get("raises"), "topic"):
            problems += _check_refs([ref], "topic", frozenset(topics), f"{where} raises")
            topic = ref.get("topic")
            if isinstance(topic, str):
                if topic in raised:
                    problems.append(f"{where}: {topic} already raised at turn {raised[topic]}")
                raised.setdefault(topic, i)
    for item, i in answered.items():
        declined = [j for j, t in enumerate(_turns(script)) if item in t.get("declines", [])]
        problems += [f"turn {j}: {item} is declined but answered at turn {i}" for j in declined]
    background = {b.get("topic"): b.get("note") for b in script.get("background_topic", [])}
    for topic, note in background.items():
        if topic not in topics:
            problems.append(f"background_topic {topic!r} is not in topics")
        if topic in raised:
            problems.append(f"background_topic {topic!r} is raised at turn {raised[topic]}")
        if not isinstance(note, str) or not note:
            problems.append(f"background_topic {topic!r} needs a note saying why")
    for topic in topics:
        if topic not in raised and topic not in background:
            problems.append(f"topic {topic!r} is neither raised on a turn nor a background_topic")
    return problems


def _at(turns: Sequence[Mapping[str, Any]], i: int) -> float:
    return float(turns[i]["start"])


def sidecar_labels(
    script: Mapping[str, Any], turns: Sequence[Mapping[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """The sidecar's label lists from a script's per-turn labels and the rendered turn times.

    ``turns`` are the sidecar's turns (``start`` in seconds); entry ``i`` belongs to the
    script's turn ``i``. Within a turn the entries keep the script's order.
    """
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in LABEL_KEYS}
    first_ask: dict[str, int] = {}
    declined: dict[str, int] = {}
    raised: dict[str, dict[str, Any]] = {}
    for i, turn in enumerate(_turns(script)):
        at = _at(turns, i)
        for answer in turn.get("answers", []):
            entry = {"item": answer["item"], "turn": i, "at": at}
            entry.update({k: answer[k] for k in ("value", "sex", "note") if k in answer})
            out["checklist_answers"].append(entry)
        for item in turn.get("asks", []):
            out["checklist_asked"].append({"item": item, "turn": i, "at": at})
            first_ask.setdefault(item, i)
        for item in turn.get("declines", []):
            declined.setdefault(item, i)
        side = "caller_attention" if turn.get("speaker") == "caller" else "handler_attention"
        for negated, key in ((False, "attention"), (True, "negated")):
            for ref in _refs(turn.get(key), "word"):
                entry = {"word": ref["word"], "turn": i, "at": at}
                if negated:
                    entry["negated"] = True
                if "note" in ref:
                    entry["note"] = ref["note"]
                out[side].append(entry)
        for ref in _refs(turn.get("raises"), "topic"):
            raised.setdefault(ref["topic"], {"turn": i, "at": at, **ref})
    answered = {a["item"] for a in out["checklist_answers"]}
    for item, i in first_ask.items():
        if item not in answered:
            entry = {"item": item, "turn": i, "at": _at(turns, i)}
            if item in declined:
                entry["declined_turn"] = declined[item]
            out["asked_only"].append(entry)
    background = {b["topic"]: b["note"] for b in script.get("background_topic", [])}
    for topic in script.get("topics", []):
        if topic in raised:
            r = raised[topic]
            entry = {"topic": topic, "turn": r["turn"], "at": r["at"]}
            if "note" in r:
                entry["note"] = r["note"]
        else:
            entry = {"topic": topic, "turn": None, "at": None, "note": background.get(topic, "")}
        out["topic_times"].append(entry)
    return out


def with_labels(sidecar: Mapping[str, Any], labels: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``sidecar`` with the label keys replaced, placed just before ``turns``."""
    out: dict[str, Any] = {}
    for key, value in sidecar.items():
        if key in LABEL_KEYS:
            continue
        if key == "turns":
            out.update({k: labels[k] for k in LABEL_KEYS})
        out[key] = value
    if "turns" not in sidecar:
        out.update({k: labels[k] for k in LABEL_KEYS})
    return out


def relabel(sidecar: Mapping[str, Any], script: Mapping[str, Any]) -> dict[str, Any]:
    """The sidecar with its labels recomputed from the script, whose turns must match it.

    Raises ValueError when the script's speakers or texts differ from the sidecar's turns:
    then the audio is stale and the call has to be synthesised again.
    """
    turns = list(sidecar.get("turns", []))
    spoken = [(t.get("speaker"), t.get("text")) for t in _turns(script)]
    if spoken != [(t.get("speaker"), t.get("text")) for t in turns]:
        raise ValueError("the script's turns differ from the sidecar's: regenerate the audio")
    return with_labels(sidecar, sidecar_labels(script, turns))


def _index_problems(
    turns: Sequence[Mapping[str, Any]], i: object, speaker: str | None, where: str
) -> list[str]:
    """``i`` is the index of a turn, one of the ``speaker``'s unless that is None."""
    if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(turns):
        return [f"{where}: turn {i!r} is not a turn index (0..{len(turns) - 1})"]
    if speaker is not None and turns[i].get("speaker") != speaker:
        return [f"{where}: turn {i} is a {turns[i].get('speaker')} turn, not a {speaker} turn"]
    return []


def _turn_problems(
    turns: Sequence[Mapping[str, Any]], entry: Mapping[str, Any], speaker: str | None, where: str
) -> list[str]:
    """The entry's turn is an index of a ``speaker`` turn and its ``at`` is that turn's start."""
    i = entry.get("turn")
    problems = _index_problems(turns, i, speaker, where)
    if problems:
        return problems
    assert isinstance(i, int)
    if entry.get("at") != turns[i].get("start"):
        problems.append(f"{where}: at {entry.get('at')!r} is not turn {i}'s start")
    return problems


def sidecar_problems(sidecar: Mapping[str, Any], ids: ManualIds) -> list[str]:
    """Everything wrong with a sidecar's labels, checked on the sidecar alone."""
    problems = [f"missing {k}" for k in LABEL_KEYS if not isinstance(sidecar.get(k), list)]
    if problems:
        return problems
    turns = sidecar.get("turns", [])
    topics = list(sidecar.get("topics", []))
    problems += [f"topics: unknown section id {t!r}" for t in topics if t not in ids.sections]
    per_key: tuple[tuple[str, str, frozenset[str], str], ...] = (
        ("checklist_answers", "item", ids.checklist, "caller"),
        ("asked_only", "item", ids.checklist, "handler"),
        ("checklist_asked", "item", ids.checklist, "handler"),
        ("caller_attention", "word", ids.words, "caller"),
        ("handler_attention", "word", ids.words, "handler"),
    )
    for key, name, valid, speaker in per_key:
        for n, entry in enumerate(sidecar[key]):
            where = f"{key}[{n}]"
            if entry.get(name) not in valid:
                problems.append(f"{where}: unknown {name} {entry.get(name)!r}")
            problems += _turn_problems(turns, entry, speaker, where)
            if "declined_turn" in entry:
                declined = entry["declined_turn"]
                problems += _index_problems(turns, declined, "caller", f"{where} declined_turn")
    answers = [a.get("item") for a in sidecar["checklist_answers"]]
    twice = sorted({str(i) for i in answers if answers.count(i) > 1})
    problems += [f"checklist_answers: {i} listed twice" for i in twice]
    for entry in sidecar["checklist_answers"]:
        item = entry.get("item")
        if (item in SLOT_ITEMS) != ("value" in entry):
            problems.append(f"checklist_answers: {item} value present only on slot items")
    both = set(answers) & {a.get("item") for a in sidecar["asked_only"]}
    problems += [f"asked_only: {i} is also answered" for i in sorted(map(str, both))]
    if [t.get("topic") for t in sidecar["topic_times"]] != topics:
        problems.append("topic_times: must list the sidecar's topics, in order")
    for n, entry in enumerate(sidecar["topic_times"]):
        where = f"topic_times[{n}]"
        if entry.get("turn") is None:
            if entry.get("at") is not None or not entry.get("note"):
                problems.append(f"{where}: a topic never raised has at null and a note")
            continue
        problems += _turn_problems(turns, entry, None, where)  # raised by either side
    return problems
