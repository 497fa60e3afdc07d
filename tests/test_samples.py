"""The sample calls' ground-truth labels: valid ids, valid turns, script and sidecar agree.

The labels live on the turns of samples/scripts/<name>.toml; tools/sample_labels.py carries them
into samples/<name>.json (see samples/README.md). These tests read both with that module and
check each sidecar on its own as well, so a hand-edited sidecar cannot drift from its script.
"""

from __future__ import annotations

import copy
import json
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SCRIPTS = SAMPLES / "scripts"
sys.path.insert(0, str(ROOT / "tools"))

import sample_labels as sl  # noqa: E402  (tools/ is not a package)

NAMES = sorted(p.stem for p in SCRIPTS.glob("*.toml"))


def _script(name: str) -> dict[str, Any]:
    return tomllib.loads((SCRIPTS / f"{name}.toml").read_text(encoding="utf-8"))


def _sidecar(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def ids() -> sl.ManualIds:
    return sl.manual_ids(ROOT / "manuals")


def test_there_are_ten_sample_calls_each_with_a_sidecar() -> None:
    assert len(NAMES) == 10
    assert all((SAMPLES / f"{n}.json").is_file() for n in NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_the_script_labels_are_consistent(name: str, ids: sl.ManualIds) -> None:
    assert sl.script_problems(_script(name), ids) == []


@pytest.mark.parametrize("name", NAMES)
def test_the_sidecar_labels_pass_every_check(name: str, ids: sl.ManualIds) -> None:
    assert sl.sidecar_problems(_sidecar(name), ids) == []


@pytest.mark.parametrize("name", NAMES)
def test_the_sidecar_carries_exactly_the_script_labels(name: str) -> None:
    sidecar = _sidecar(name)
    assert sl.relabel(sidecar, _script(name)) == sidecar


@pytest.mark.parametrize("name", NAMES)
def test_every_call_has_caller_answers_attention_words_and_timed_topics(name: str) -> None:
    sidecar = _sidecar(name)
    assert len(sidecar["checklist_answers"]) >= 5
    assert any(not a.get("negated") for a in sidecar["caller_attention"])
    timed = [t for t in sidecar["topic_times"] if t["turn"] is not None]
    assert len(timed) >= len(sidecar["topics"]) - 2


def _set(key: str, n: int, field: str, value: object) -> Callable[[dict[str, Any]], None]:
    def mutate(sidecar: dict[str, Any]) -> None:
        sidecar[key][n][field] = value

    return mutate


def _handler_turn_for_an_answer(sidecar: dict[str, Any]) -> None:
    answer = sidecar["checklist_answers"][0]
    answer["turn"] = 0  # the greeting: a handler turn
    answer["at"] = sidecar["turns"][0]["start"]


def _drop_a_topic_time(sidecar: dict[str, Any]) -> None:
    sidecar["topic_times"].pop()


def _answer_an_asked_only_item(sidecar: dict[str, Any]) -> None:
    asked = sidecar["asked_only"][0]
    sidecar["checklist_answers"].append({**asked, "turn": 13, "at": sidecar["turns"][13]["start"]})


BAD_SIDECARS: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("unknown item", _set("checklist_answers", 0, "item", "child-shoe-size"), "unknown item"),
    ("unknown word", _set("caller_attention", 0, "word", "ひとりで"), "unknown word"),
    ("turn out of range", _set("caller_attention", 0, "turn", 99), "not a turn index"),
    ("at is not the start", _set("checklist_answers", 0, "at", 1.0), "start"),
    ("answer on a handler turn", _handler_turn_for_an_answer, "handler turn"),
    ("ask on a caller turn", _set("checklist_asked", 0, "turn", 1), "caller turn"),
    ("topic times incomplete", _drop_a_topic_time, "topic_times"),
    ("answered and asked only", _answer_an_asked_only_item, "also answered"),
]


@pytest.mark.parametrize(
    ("mutate", "expected"), [b[1:] for b in BAD_SIDECARS], ids=[b[0] for b in BAD_SIDECARS]
)
def test_a_broken_sidecar_is_reported(
    mutate: Callable[[dict[str, Any]], None], expected: str, ids: sl.ManualIds
) -> None:
    sidecar = copy.deepcopy(_sidecar("anonymous-reporter"))
    mutate(sidecar)
    problems = sl.sidecar_problems(sidecar, ids)
    assert any(expected in p for p in problems), problems


def test_a_sidecar_whose_labels_differ_from_its_script_does_not_match() -> None:
    sidecar = _sidecar("neglect")
    sidecar["caller_attention"] = sidecar["caller_attention"][1:]
    assert sl.relabel(sidecar, _script("neglect")) != sidecar


def test_a_script_whose_text_changed_cannot_be_relabelled() -> None:
    script = _script("neglect")
    script["turn"][3]["text"] += "。"
    with pytest.raises(ValueError, match="regenerate"):
        sl.relabel(_sidecar("neglect"), script)


def _turn(n: int, **labels: object) -> Callable[[dict[str, Any]], None]:
    def mutate(script: dict[str, Any]) -> None:
        script["turn"][n].update(labels)

    return mutate


def _background(topic: str, note: str) -> Callable[[dict[str, Any]], None]:
    def mutate(script: dict[str, Any]) -> None:
        script["background_topic"] = [{"topic": topic, "note": note}]

    return mutate


BAD_SCRIPTS: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("answers on a handler turn", _turn(0, answers=[{"item": "injury"}]), "not allowed"),
    ("asks on a caller turn", _turn(1, asks=["injury"]), "not allowed"),
    ("unknown item", _turn(1, answers=[{"item": "favourite-colour"}]), "unknown checklist"),
    ("slot without value", _turn(1, answers=[{"item": "child-name"}]), "needs a value"),
    ("value on a plain item", _turn(1, answers=[{"item": "injury", "value": "x"}]), "no value"),
    ("sex on another item", _turn(1, answers=[{"item": "injury", "sex": "男"}]), "sex"),
    ("answered twice", _turn(13, answers=[{"item": "what-happened"}]), "already answered"),
    ("declined but never asked", _turn(1, declines=["school"]), "no earlier turn asks"),
    ("unknown word", _turn(1, attention=["たたく"]), "unknown word"),
    ("said and negated", _turn(5, negated=["あざ"]), "both said and negated"),
    ("raises a topic not listed", _turn(1, raises=["bullying"]), "unknown topic"),
    ("raised twice", _turn(13, raises=["neglect"]), "already raised"),
    ("background without note", _background("line-189", ""), "needs a note"),
]


@pytest.mark.parametrize(
    ("mutate", "expected"), [b[1:] for b in BAD_SCRIPTS], ids=[b[0] for b in BAD_SCRIPTS]
)
def test_a_broken_script_is_reported(
    mutate: Callable[[dict[str, Any]], None], expected: str, ids: sl.ManualIds
) -> None:
    script = _script("anonymous-reporter")
    mutate(script)
    problems = sl.script_problems(script, ids)
    assert any(expected in p for p in problems), problems


def test_a_topic_neither_raised_nor_background_is_reported(ids: sl.ManualIds) -> None:
    script = _script("anonymous-reporter")
    script["topics"] = [*script["topics"], "bullying"]
    assert any("'bullying' is neither raised" in p for p in sl.script_problems(script, ids))


TINY: dict[str, Any] = {
    "topics": ["neglect", "line-189", "left-alone"],
    "background_topic": [{"topic": "line-189", "note": "never said"}],
    "turn": [
        {"speaker": "handler", "text": "a", "asks": ["child-age", "reporter-contact"]},
        {
            "speaker": "caller",
            "text": "b",
            "answers": [{"item": "child-age", "value": "3歳", "sex": "男"}],
            "attention": ["夜中", {"word": "一人で", "note": "子どもだけで"}],
            "negated": ["叩く"],
            "raises": [{"topic": "left-alone", "note": "why"}],
        },
        {"speaker": "handler", "text": "c", "attention": ["叩く"], "raises": ["neglect"]},
        {"speaker": "caller", "text": "d", "declines": ["reporter-contact"]},
    ],
}
TINY_TURNS = [{"start": s} for s in (0.5, 2.25, 4.0, 6.5)]


def test_labels_point_at_turns_by_index_and_start_time() -> None:
    labels = sl.sidecar_labels(TINY, TINY_TURNS)
    assert labels["checklist_answers"] == [
        {"item": "child-age", "turn": 1, "at": 2.25, "value": "3歳", "sex": "男"}
    ]
    assert labels["checklist_asked"] == [
        {"item": "child-age", "turn": 0, "at": 0.5},
        {"item": "reporter-contact", "turn": 0, "at": 0.5},
    ]
    assert labels["caller_attention"] == [
        {"word": "夜中", "turn": 1, "at": 2.25},
        {"word": "一人で", "turn": 1, "at": 2.25, "note": "子どもだけで"},
        {"word": "叩く", "turn": 1, "at": 2.25, "negated": True},
    ]
    assert labels["handler_attention"] == [{"word": "叩く", "turn": 2, "at": 4.0}]


def test_an_item_asked_and_declined_is_asked_only_with_the_refusal() -> None:
    labels = sl.sidecar_labels(TINY, TINY_TURNS)
    assert labels["asked_only"] == [
        {"item": "reporter-contact", "turn": 0, "at": 0.5, "declined_turn": 3}
    ]


def test_topic_times_follow_the_topics_order_and_a_background_topic_has_no_time() -> None:
    labels = sl.sidecar_labels(TINY, TINY_TURNS)
    assert labels["topic_times"] == [
        {"topic": "neglect", "turn": 2, "at": 4.0},
        {"topic": "line-189", "turn": None, "at": None, "note": "never said"},
        {"topic": "left-alone", "turn": 1, "at": 2.25, "note": "why"},
    ]


def test_labels_are_placed_just_before_the_turns() -> None:
    sidecar = {
        "name": "x",
        "topics": [],
        "checklist_answers": ["old"],
        "turns": [],
        "generator": {},
    }
    out = sl.with_labels(sidecar, {k: [k] for k in sl.LABEL_KEYS})
    assert list(out) == ["name", "topics", *sl.LABEL_KEYS, "turns", "generator"]
    assert out["checklist_answers"] == ["checklist_answers"]
