"""The labelled risk-assessment data is well formed and agrees with docs/risk.md. The item ids,
sub-item ids, tiers and tier rules are parsed from the ```risk-ids block in docs/risk.md, so the
data can only use what the page defines. A hundred and thirty-three labelled sets are checked the
same way: the tuning set (tests/data/risk_turns.jsonl and tests/data/risk_calls/), the held-out set
written blind to the engine (tests/data/risk_heldout/, same layout), a third set written blind to
the engine and to both others (tests/data/risk_third/, same layout), a fourth written blind to the
engine and to all three others (tests/data/risk_fourth/, same layout), a fifth written blind to the
engine and to all four others (tests/data/risk_fifth/, same layout), a sixth written blind to the
engine and to all five others (tests/data/risk_sixth/, same layout), a seventh written blind to the
engine and to all six others (tests/data/risk_seventh/, same layout), an eighth written blind to the
engine and to all seven others (tests/data/risk_eighth/, same layout), a ninth written blind to the
engine and to all eight others (tests/data/risk_ninth/, same layout), a tenth written blind to the
engine and to all nine others (tests/data/risk_tenth/, same layout), an eleventh written blind to
the engine and to all ten others (tests/data/risk_eleventh/, same layout), and four more, the
twelfth to the fifteenth, each written blind to the engine and to all eleven before them, at the
same time and apart (tests/data/risk_twelfth/ … tests/data/risk_fifteenth/, same layout), and a
sixteenth and a seventeenth, written the same way after them, blind to the engine and to all fifteen
before them (tests/data/risk_sixteenth/, tests/data/risk_seventeenth/, same layout), and an
eighteenth and a nineteenth, written the same way after them, blind to the engine and to all
seventeen before them (tests/data/risk_eighteenth/, tests/data/risk_nineteenth/, same layout), and a
twentieth and a twenty-first, written the same way after them, blind to the engine and to all
nineteen before them (tests/data/risk_twentieth/, tests/data/risk_twentyfirst/, same layout), and a
twenty-second and a twenty-third, written the same way after them, blind to the engine and to all
twenty-one before them (tests/data/risk_twentysecond/, tests/data/risk_twentythird/, same layout),
and a twenty-fourth and a twenty-fifth, written the same way after them, blind to the engine and to
all twenty-three before them (tests/data/risk_twentyfourth/, tests/data/risk_twentyfifth/, same
layout), and a twenty-sixth and a twenty-seventh, written the same way after them, blind to the
engine and to all twenty-five before them (tests/data/risk_twentysixth/,
tests/data/risk_twentyseventh/, same layout; the twenty-seventh's ids are prefixed ``ab``), and a
twenty-eighth and a twenty-ninth, written the same way after them, blind to the engine and to all
twenty-seven before them (tests/data/risk_twentyeighth/, tests/data/risk_twentyninth/, same layout,
ids prefixed ``ac`` and ``ad``), and a thirtieth and a thirty-first, written the same way after
them, blind to the engine and to all twenty-nine before them (tests/data/risk_thirtieth/,
tests/data/risk_thirtyfirst/, same layout, ids prefixed ``ae`` and ``af``), and a thirty-second and
a thirty-third, written the same way after them, blind to the engine and to all thirty-one before
them (tests/data/risk_thirtysecond/, tests/data/risk_thirtythird/, same layout, ids prefixed ``ag``
and ``ah``), and a thirty-fourth and a thirty-fifth, written the same way after them, blind to the
engine and to all thirty-three before them (tests/data/risk_thirtyfourth/,
tests/data/risk_thirtyfifth/, same layout, ids prefixed ``ai`` and ``aj``), and a thirty-sixth and a
thirty-seventh, written the same way after them, blind to the engine and to all thirty-five before
them (tests/data/risk_thirtysixth/, tests/data/risk_thirtyseventh/, same layout, ids prefixed ``ak``
and ``al``), and a thirty-eighth and a thirty-ninth, written the same way after them, blind to the
engine and to all thirty-seven before them (tests/data/risk_thirtyeighth/,
tests/data/risk_thirtyninth/, same layout, ids prefixed ``am`` and ``an``), and a fortieth and a
forty-first, written the same way after them, blind to the engine and to all thirty-nine before them
(tests/data/risk_fortieth/, tests/data/risk_fortyfirst/, same layout, ids prefixed ``ao`` and
``ap``), and a forty-second and a forty-third, written the same way after them, blind to the engine
and to all forty-one before them (tests/data/risk_fortysecond/, tests/data/risk_fortythird/, same
layout, ids prefixed ``aq`` and ``ar``), and a forty-fourth and a forty-fifth, written the same way
after them, blind to the engine and to all forty-three before them (tests/data/risk_fortyfourth/,
tests/data/risk_fortyfifth/, same layout, ids prefixed ``as`` and ``at``), and a forty-sixth and a
forty-seventh, written the same way after them, blind to the engine and to all forty-five before
them (tests/data/risk_fortysixth/, tests/data/risk_fortyseventh/, same layout, ids prefixed ``au``
and ``av``), and a forty-eighth and a forty-ninth, written the same way after them, blind to the
engine and to all forty-seven before them (tests/data/risk_fortyeighth/,
tests/data/risk_fortyninth/, same layout, ids prefixed ``aw`` and ``ax``), and a fiftieth and a
fifty-first, written the same way after them, blind to the engine and to all forty-nine before them
(tests/data/risk_fiftieth/, tests/data/risk_fiftyfirst/, same layout, ids prefixed ``ay`` and
``az``), and a fifty-second and a fifty-third, written the same way after them, blind to the engine
and to all fifty-one before them (tests/data/risk_fiftysecond/, tests/data/risk_fiftythird/, same
layout, ids prefixed ``ba`` and ``bb``), and a fifty-fourth and a fifty-fifth, written the same way
after them, blind to the engine and to all fifty-three before them (tests/data/risk_fiftyfourth/,
tests/data/risk_fiftyfifth/, same layout, ids prefixed ``bc`` and ``bd``), and a fifty-sixth and a
fifty-seventh, written the same way after them, blind to the engine (its rules and its second
reader) and to all fifty-five before them (tests/data/risk_fiftysixth/,
tests/data/risk_fiftyseventh/, same layout, ids prefixed ``be`` and ``bf``), and a fifty-eighth and
a fifty-ninth, written the same way after them, blind to the engine and its second reader and to all
fifty-seven before them (tests/data/risk_fiftyeighth/, tests/data/risk_fiftyninth/, same layout, ids
prefixed ``bg`` and ``bh``), and a sixtieth and a sixty-first, written the same way after them,
blind to the engine and its second reader and to all sets before them (tests/data/risk_sixtieth/,
tests/data/risk_sixtyfirst/, same layout, ids prefixed ``bi`` and ``bj``), and a sixty-second and a
sixty-third, written the same way after them, blind to the engine and its second reader and to all
sets before them (tests/data/risk_sixtysecond/, tests/data/risk_sixtythird/, same layout, ids
prefixed ``bk`` and ``bl``), and a sixty-fourth and a sixty-fifth, written the same way after them,
blind to the engine and its second reader and to all sets before them (tests/data/risk_sixtyfourth/,
tests/data/risk_sixtyfifth/, same layout, ids prefixed ``bm`` and ``bn``), a sixty-sixth and a
sixty-seventh, written the same way after them, blind to the engine and its second reader and to all
sets before them (tests/data/risk_sixtysixth/ and risk_sixtyseventh/, same layout, ids prefixed
``bo`` and ``bp``), a sixty-eighth and a sixty-ninth written the same way after them
(tests/data/risk_sixtyeighth/ and risk_sixtyninth/, ids ``bq`` and ``br``), and a seventieth and a
seventy-first written the same way after them (tests/data/risk_seventieth/ and risk_seventyfirst/,
ids ``bs`` and ``bt``), and a seventy-second and a seventy-third written the same way after them
(tests/data/risk_seventysecond/ and risk_seventythird/, ids ``bu`` and ``bv``), and a
seventy-fourth, seventy-fifth, seventy-sixth and seventy-seventh written the same way after them
(tests/data/risk_seventyfourth/, risk_seventyfifth/, risk_seventysixth/ and risk_seventyseventh/,
ids ``bw``, ``bx``, ``by`` and ``bz``), and a seventy-eighth, seventy-ninth, eightieth, eighty-first
and eighty-fifth written the same way after them (tests/data/risk_seventyeighth/,
risk_seventyninth/, risk_eightieth/, risk_eightyfirst/ and risk_eightyfifth/, ids ``ca``, ``cb``,
``cc``, ``cd`` and ``ch``), and an eighty-sixth to a ninety-third after them
(tests/data/risk_eightysixth/, risk_eightyseventh/, risk_eightyeighth/, risk_eightyninth/,
risk_ninetieth/, risk_ninetyfirst/, risk_ninetysecond/ and risk_ninetythird/, ids ``ci`` to ``cp``),
and a ninety-fourth to a ninety-eighth written at the same time after them, each blind to the others
(tests/data/risk_ninetyfourth/ … risk_ninetyeighth/, ids ``cq`` to ``cu``), and a ninety-ninth to a
hundred-third written the same way after those (tests/data/risk_ninetyninth/, risk_hundredth/,
risk_hundredfirst/, risk_hundredsecond/ and risk_hundredthird/, ids ``cv`` to ``cz``), and a
hundred-and-fourth to a hundred-and-eighth written the same way after those
(tests/data/risk_hundredfourth/ … risk_hundredeighth/, ids ``da`` to ``de``), and a
hundred-and-ninth to a hundred-and-thirteenth written the same way after those
(tests/data/risk_hundredninth/ … risk_hundredthirteenth/, ids ``df`` to ``dj``), and a
hundred-and-fourteenth to a hundred-and-eighteenth written the same way after those
(tests/data/risk_hundredfourteenth/ … risk_hundredeighteenth/, ids ``dk`` to ``do``), and a
hundred-and-nineteenth to a hundred-and-twenty-fourth written the same way after those
(tests/data/risk_hundrednineteenth/ … risk_hundredtwentyfourth/, ids ``dp`` to ``du``), and a
hundred-and-twenty-fifth to a hundred-and-thirtieth written the same way after those
(tests/data/risk_hundredtwentyfifth/ … risk_hundredthirtieth/, ids ``dv`` to ``ea``), and a
hundred-and-thirty-first to a hundred-and-thirty-sixth written the same way after those
(tests/data/risk_hundredthirtyfirst/ … risk_hundredthirtysixth/, ids ``eb`` to ``eg``). Checked
here: the shape of the turn records (one per line) and of the whole calls with their labels.json,
the minimum counts each set was written to meet, and that each call's labelled tier is the one the
documented rules give for its labelled items. Each check is also run on deliberately broken copies,
to show it fails."""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "risk.md"
DATA = ROOT / "tests" / "data"

STATES = ("該当", "非該当", "未確認")
SPEAKERS = ("caller", "handler")
VARIANTS = ("clean", "asr")
KINDS = (
    "establishes",
    "negation",
    "handler_question",
    "hypothetical",
    "other_story",
    "correction",
    "neutral",
)
RECORD_KEYS = {"id", "turns", "items", "subitems", "severe", "variant", "kind", "note"}
LABEL_KEYS = {"tier", "items", "severe", "reason"}


@dataclass(frozen=True)
class DataSet:
    """One labelled folder: where its files are and the minimums it was written to meet."""

    name: str
    turns: Path
    calls: Path
    id_prefix: str
    min_records: int
    min_clean: int
    min_establishing: int
    min_empty: int
    """Records that establish nothing, clean or ASR."""
    min_empty_clean: int
    """Clean records that establish nothing."""
    min_asr: int
    min_item_cover: int
    """Clean records per item."""
    min_subitem_cover: int
    """Clean records per sub-item; 0 where only min_distinct_subitems is asked."""
    min_distinct_subitems: int
    min_severe_cover: int
    """Clean records per severe sub-item."""
    min_calls: int
    turns_per_call: tuple[int, int]
    min_per_tier: int


# The tuning set: issue 14's minimums, the engine was tuned on it.
TUNING = DataSet(
    name="tuning",
    turns=DATA / "risk_turns.jsonl",
    calls=DATA / "risk_calls",
    id_prefix="t",
    min_records=100,
    min_clean=0,
    min_establishing=80,
    min_empty=20,
    min_empty_clean=0,
    min_asr=30,
    min_item_cover=3,
    min_subitem_cover=3,
    min_distinct_subitems=0,
    min_severe_cover=3,
    min_calls=14,
    turns_per_call=(20, 60),
    min_per_tier=3,
)


def _folder(name: str, folder: str, id_prefix: str) -> dict[str, Any]:
    """The fields of a :class:`DataSet` that say where a set is (its minimums aside)."""
    where = DATA / folder
    return {
        "name": name,
        "turns": where / "risk_turns.jsonl",
        "calls": where / "risk_calls",
        "id_prefix": id_prefix,
    }


def blind_set(name: str, folder: str, id_prefix: str) -> DataSet:
    """A set written blind to the engine and the other sets (see its README.md), to the
    minimums of its brief; it is not extended by whoever tunes the engine."""
    return DataSet(
        **_folder(name, folder, id_prefix),
        min_records=100,
        min_clean=70,
        min_establishing=50,
        min_empty=20,
        min_empty_clean=20,
        min_asr=30,
        min_item_cover=3,
        min_subitem_cover=0,
        min_distinct_subitems=12,
        min_severe_cover=2,
        min_calls=8,
        turns_per_call=(12, 30),
        min_per_tier=1,
    )


# The held-out set; it became in-sample once misses found on it were fixed, so the third set
# measures how the engine generalises (docs/risk.md 12a, 12b). The third was then used the same
# way, so the fourth, written blind to all three, is the fresh one.
HELDOUT = blind_set("heldout", "risk_heldout", "h")
THIRD = blind_set("third", "risk_third", "x")
FOURTH = blind_set("fourth", "risk_fourth", "f")
# Each later set was used the same way in turn, so the next was written blind to all before
# it; from the fifth on the briefs asked for more records and at least two calls per tier.
FIFTH = replace(
    blind_set("fifth", "risk_fifth", "q"),
    min_records=115,
    min_clean=85,
    min_calls=12,
    min_per_tier=2,
)
SIXTH = replace(FIFTH, **_folder("sixth", "risk_sixth", "k"), min_records=120, min_clean=90)
SEVENTH = replace(SIXTH, **_folder("seventh", "risk_seventh", "m"))
EIGHTH = replace(SEVENTH, **_folder("eighth", "risk_eighth", "w"))
NINTH = replace(EIGHTH, **_folder("ninth", "risk_ninth", "n"))
TENTH = replace(NINTH, **_folder("tenth", "risk_tenth", "p"))
ELEVENTH = replace(TENTH, **_folder("eleventh", "risk_eleventh", "r"))


def written_together(minimums: DataSet, *sets: tuple[str, str]) -> tuple[DataSet, ...]:
    """Sets to the minimums of ``minimums``, each blind to all before it (and to any written at
    the same time): ``(name, id prefix)`` each, in folder ``risk_<name>``."""
    return tuple(
        replace(minimums, **_folder(name, f"risk_{name}", prefix)) for name, prefix in sets
    )


TWELFTH, THIRTEENTH, FOURTEENTH, FIFTEENTH = written_together(
    ELEVENTH, ("twelfth", "g"), ("thirteenth", "j"), ("fourteenth", "v"), ("fifteenth", "y")
)
SIXTEENTH, SEVENTEENTH = written_together(FIFTEENTH, ("sixteenth", "d"), ("seventeenth", "z"))
EIGHTEENTH, NINETEENTH = written_together(SEVENTEENTH, ("eighteenth", "b"), ("nineteenth", "u"))
TWENTIETH, TWENTYFIRST = written_together(NINETEENTH, ("twentieth", "a"), ("twentyfirst", "e"))
# Written in pairs after the twenty-first, each pair at the same time, each set blind to the
# engine and to all before it, all to the twenty-first's minimums.
LATER_SETS = written_together(
    TWENTYFIRST,
    ("twentysecond", "c"),
    ("twentythird", "s"),
    ("twentyfourth", "i"),
    ("twentyfifth", "o"),
    ("twentysixth", "l"),
    ("twentyseventh", "ab"),
    ("twentyeighth", "ac"),
    ("twentyninth", "ad"),
    ("thirtieth", "ae"),
    ("thirtyfirst", "af"),
    ("thirtysecond", "ag"),
    ("thirtythird", "ah"),
    ("thirtyfourth", "ai"),
    ("thirtyfifth", "aj"),
    ("thirtysixth", "ak"),
    ("thirtyseventh", "al"),
    ("thirtyeighth", "am"),
    ("thirtyninth", "an"),
    ("fortieth", "ao"),
    ("fortyfirst", "ap"),
    ("fortysecond", "aq"),
    ("fortythird", "ar"),
    ("fortyfourth", "as"),
    ("fortyfifth", "at"),
    ("fortysixth", "au"),
    ("fortyseventh", "av"),
    ("fortyeighth", "aw"),
    ("fortyninth", "ax"),
    ("fiftieth", "ay"),
    ("fiftyfirst", "az"),
    ("fiftysecond", "ba"),
    ("fiftythird", "bb"),
    ("fiftyfourth", "bc"),
    ("fiftyfifth", "bd"),
    ("fiftysixth", "be"),
    ("fiftyseventh", "bf"),
    ("fiftyeighth", "bg"),
    ("fiftyninth", "bh"),
    ("sixtieth", "bi"),
    ("sixtyfirst", "bj"),
    ("sixtysecond", "bk"),
    ("sixtythird", "bl"),
    ("sixtyfourth", "bm"),
    ("sixtyfifth", "bn"),
    ("sixtysixth", "bo"),
    ("sixtyseventh", "bp"),
    ("sixtyeighth", "bq"),
    ("sixtyninth", "br"),
    ("seventieth", "bs"),
    ("seventyfirst", "bt"),
    ("seventysecond", "bu"),
    ("seventythird", "bv"),
    ("seventyfourth", "bw"),
    ("seventyfifth", "bx"),
    ("seventysixth", "by"),
    ("seventyseventh", "bz"),
    ("seventyeighth", "ca"),
    ("seventyninth", "cb"),
    ("eightieth", "cc"),
    ("eightyfirst", "cd"),
    ("eightyfifth", "ch"),
    ("eightysixth", "ci"),
    ("eightyseventh", "cj"),
    ("eightyeighth", "ck"),
    ("eightyninth", "cl"),
    ("ninetieth", "cm"),
    ("ninetyfirst", "cn"),
    ("ninetysecond", "co"),
    ("ninetythird", "cp"),
    ("ninetyfourth", "cq"),
    ("ninetyfifth", "cr"),
    ("ninetysixth", "cs"),
    ("ninetyseventh", "ct"),
    ("ninetyeighth", "cu"),
    ("ninetyninth", "cv"),
    ("hundredth", "cw"),
    ("hundredfirst", "cx"),
    ("hundredsecond", "cy"),
    ("hundredthird", "cz"),
    ("hundredfourth", "da"),
    ("hundredfifth", "db"),
    ("hundredsixth", "dc"),
    ("hundredseventh", "dd"),
    ("hundredeighth", "de"),
    ("hundredninth", "df"),
    ("hundredtenth", "dg"),
    ("hundredeleventh", "dh"),
    ("hundredtwelfth", "di"),
    ("hundredthirteenth", "dj"),
    ("hundredfourteenth", "dk"),
    ("hundredfifteenth", "dl"),
    ("hundredsixteenth", "dm"),
    ("hundredseventeenth", "dn"),
    ("hundredeighteenth", "do"),
    ("hundrednineteenth", "dp"),
    ("hundredtwentieth", "dq"),
    ("hundredtwentyfirst", "dr"),
    ("hundredtwentysecond", "ds"),
    ("hundredtwentythird", "dt"),
    ("hundredtwentyfourth", "du"),
    ("hundredtwentyfifth", "dv"),
    ("hundredtwentysixth", "dw"),
    ("hundredtwentyseventh", "dx"),
    ("hundredtwentyeighth", "dy"),
    ("hundredtwentyninth", "dz"),
    ("hundredthirtieth", "ea"),
    ("hundredthirtyfirst", "eb"),
    ("hundredthirtysecond", "ec"),
    ("hundredthirtythird", "ed"),
    ("hundredthirtyfourth", "ee"),
    ("hundredthirtyfifth", "ef"),
    ("hundredthirtysixth", "eg"),
)
DATA_SETS = (
    TUNING,
    HELDOUT,
    THIRD,
    FOURTH,
    FIFTH,
    SIXTH,
    SEVENTH,
    EIGHTH,
    NINTH,
    TENTH,
    ELEVENTH,
    TWELFTH,
    THIRTEENTH,
    FOURTEENTH,
    FIFTEENTH,
    SIXTEENTH,
    SEVENTEENTH,
    EIGHTEENTH,
    NINETEENTH,
    TWENTIETH,
    TWENTYFIRST,
    *LATER_SETS,
)


@dataclass(frozen=True)
class Spec:
    """What docs/risk.md defines: items, sub-items, tiers (highest first) and rules in order."""

    items: dict[str, str]
    subitems: dict[str, tuple[tuple[str, ...], bool]]
    tiers: tuple[str, ...]
    rules: tuple[tuple[str, str, str], ...]

    def severe(self) -> set[str]:
        return {s for s, (_, sev) in self.subitems.items() if sev}


def parse_spec(markdown: str) -> Spec:
    """Read the ```risk-ids fenced block; raise ValueError on anything malformed."""
    found = re.search(r"^```risk-ids\n(.*?)^```", markdown, re.M | re.S)
    if found is None:
        raise ValueError("no ```risk-ids block")
    items: dict[str, str] = {}
    subitems: dict[str, tuple[tuple[str, ...], bool]] = {}
    tiers: list[str] = []
    rules: list[tuple[str, str, str]] = []
    for line in found.group(1).splitlines():
        words = line.split()
        if not words:
            continue
        kind, rest = words[0], words[1:]
        if kind == "item" and len(rest) == 2:
            _fresh(rest[0], items)
            items[rest[0]] = rest[1]
        elif kind == "subitem" and len(rest) in (2, 3):
            _fresh(rest[0], subitems)
            if len(rest) == 3 and rest[2] != "severe":
                raise ValueError(f"bad flag in {line!r}")
            owners = tuple(rest[1].split(","))
            unknown = [o for o in owners if o not in items]
            if unknown:
                raise ValueError(f"sub-item {rest[0]} names unknown items {unknown}")
            subitems[rest[0]] = (owners, len(rest) == 3)
        elif kind == "tier" and len(rest) == 1:
            if rest[0] in tiers:
                raise ValueError(f"tier {rest[0]} twice")
            tiers.append(rest[0])
        elif kind == "rule" and len(rest) == 3:
            name, tier, cond = rest
            if tier not in tiers:
                raise ValueError(f"rule {name} gives unknown tier {tier}")
            names = [] if cond in ("severe", "*") else re.split(r"[+|]", cond)
            if any(n not in items for n in names) or ("+" in cond and "|" in cond):
                raise ValueError(f"rule {name} has a bad condition {cond!r}")
            rules.append((name, tier, cond))
        else:
            raise ValueError(f"cannot read {line!r}")
    if not items or not subitems or not tiers or not rules or rules[-1][2] != "*":
        raise ValueError("the block needs items, sub-items, tiers and rules ending in '*'")
    return Spec(items, subitems, tuple(tiers), tuple(rules))


def _fresh(key: str, seen: dict[str, Any]) -> None:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", key) or key in seen:
        raise ValueError(f"id {key!r} is not snake_case or is defined twice")


def tier_for(spec: Spec, states: dict[str, str], severe: bool) -> tuple[str, str]:
    """The (tier, rule name) the documented rules give: the first rule that holds."""
    held = {item for item, state in states.items() if state == "該当"}
    for name, tier, cond in spec.rules:
        if cond == "*" or (cond == "severe" and severe):
            return tier, name
        if cond == "severe":
            continue
        if "|" in cond:
            if held & set(cond.split("|")):
                return tier, name
        elif set(cond.split("+")) <= held:
            return tier, name
    raise AssertionError("the rules end in '*', so one always holds")


def record_errors(spec: Spec, records: list[dict[str, Any]], *, id_prefix: str = "t") -> list[str]:
    """Everything wrong with a list of turn records, as sentences; empty when well formed."""
    errors: list[str] = []
    by_id: dict[str, dict[str, Any]] = {}
    for n, rec in enumerate(records, 1):
        where = f"record {n} ({rec.get('id', '?')})"
        keys = set(rec)
        allowed = RECORD_KEYS | ({"source"} if rec.get("variant") == "asr" else set())
        if not keys >= RECORD_KEYS or not keys <= allowed:
            errors.append(f"{where}: keys {sorted(keys)}, want {sorted(allowed)}")
            continue
        rid = rec["id"]
        if not isinstance(rid, str) or not re.fullmatch(rf"{id_prefix}\d{{3,}}", rid):
            errors.append(f"{where}: id must look like {id_prefix}001")
        elif rid in by_id:
            errors.append(f"{where}: duplicate id")
        else:
            by_id[rid] = rec
        errors.extend(f"{where}: {e}" for e in _turn_errors(rec["turns"], timed=False))
        errors.extend(f"{where}: {e}" for e in _label_errors(spec, rec))
        if rec["variant"] not in VARIANTS:
            errors.append(f"{where}: variant {rec['variant']!r}")
        if rec["kind"] not in KINDS:
            errors.append(f"{where}: kind {rec['kind']!r}")
        if not isinstance(rec["note"], str) or not rec["note"].strip():
            errors.append(f"{where}: empty note")
        speakers = {t.get("speaker") for t in rec["turns"] if isinstance(t, dict)}
        if speakers == {"handler"} and (rec["items"] or rec["subitems"]):
            errors.append(f"{where}: only the handler speaks, so nothing can be established")
    for rec in records:
        if rec.get("variant") == "asr" and rec.get("id") in by_id:
            errors.extend(_twin_errors(rec, by_id))
    return errors


def _label_errors(spec: Spec, rec: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    items, subs = rec["items"], rec["subitems"]
    if not isinstance(items, list) or not isinstance(subs, list):
        return ["items and subitems must be lists"]
    if len(set(items)) != len(items) or len(set(subs)) != len(subs):
        errors.append("an item or sub-item is listed twice")
    errors += [f"unknown item {i!r}" for i in items if i not in spec.items]
    errors += [f"unknown sub-item {s!r}" for s in subs if s not in spec.subitems]
    for s in subs:
        missing = [i for i in spec.subitems.get(s, ((), False))[0] if i not in items]
        if missing:
            errors.append(f"sub-item {s} establishes {missing}, which are not in items")
    want = any(s in spec.severe() for s in subs)
    if rec["severe"] is not want:
        errors.append(f"severe is {rec['severe']!r} but its sub-items say {want}")
    return errors


def _twin_errors(rec: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> list[str]:
    where = f"asr record {rec['id']}"
    source = by_id.get(rec.get("source", ""))
    if source is None or source["variant"] != "clean":
        return [f"{where}: source {rec.get('source')!r} is not an existing clean record"]
    errors = []
    for key in ("items", "subitems", "severe"):
        a, b = rec[key], source[key]
        if (sorted(a) if isinstance(a, list) else a) != (sorted(b) if isinstance(b, list) else b):
            errors.append(f"{where}: {key} differ from its source {source['id']}")
    if [t["text"] for t in rec["turns"]] == [t["text"] for t in source["turns"]]:
        errors.append(f"{where}: text is identical to its source")
    if [t["speaker"] for t in rec["turns"]] != [t["speaker"] for t in source["turns"]]:
        errors.append(f"{where}: speakers differ from its source")
    return errors


def _turn_errors(turns: Any, *, timed: bool) -> list[str]:
    if not isinstance(turns, list) or not turns:
        return ["turns must be a non-empty list"]
    errors: list[str] = []
    keys = {"speaker", "text", "at"} if timed else {"speaker", "text"}
    last = -1.0
    for n, turn in enumerate(turns, 1):
        if not isinstance(turn, dict) or set(turn) != keys:
            errors.append(f"turn {n}: keys must be {sorted(keys)}")
            continue
        if turn["speaker"] not in SPEAKERS:
            errors.append(f"turn {n}: speaker {turn['speaker']!r}")
        if not isinstance(turn["text"], str) or not turn["text"].strip():
            errors.append(f"turn {n}: empty text")
        if timed:
            at = turn["at"]
            if isinstance(at, bool) or not isinstance(at, int | float) or at < last:
                errors.append(f"turn {n}: at {at!r} is not a time after the previous turn")
            else:
                last = float(at)
    return errors


def call_errors(
    spec: Spec,
    calls: dict[str, list[dict[str, Any]]],
    labels: dict[str, Any],
    *,
    turns_per_call: tuple[int, int] = TUNING.turns_per_call,
) -> list[str]:
    """Everything wrong with whole calls and their labels; empty when well formed."""
    errors: list[str] = []
    if set(calls) != set(labels):
        errors.append(
            f"calls without labels {sorted(set(calls) - set(labels))}, "
            f"labels without calls {sorted(set(labels) - set(calls))}"
        )
    for name in sorted(set(calls) & set(labels)):
        turns, label = calls[name], labels[name]
        errors += [f"{name}: {e}" for e in _turn_errors(turns, timed=True)]
        low, high = turns_per_call
        if not low <= len(turns) <= high:
            errors.append(f"{name}: {len(turns)} turns, want {low}-{high}")
        if not isinstance(label, dict) or set(label) != LABEL_KEYS:
            errors.append(f"{name}: label keys must be {sorted(LABEL_KEYS)}")
            continue
        states = label["items"]
        if not isinstance(states, dict) or set(states) != set(spec.items):
            errors.append(f"{name}: items must give a state for each of {sorted(spec.items)}")
            continue
        errors += [f"{name}: {i} is {s!r}" for i, s in states.items() if s not in STATES]
        severe = label["severe"]
        if not isinstance(severe, list) or not set(severe) <= spec.severe():
            errors.append(f"{name}: severe must list severe sub-items, got {severe!r}")
            continue
        for s in severe:
            errors += [
                f"{name}: severe {s} but {i} is not 該当"
                for i in spec.subitems[s][0]
                if states[i] != "該当"
            ]
        if label["tier"] not in spec.tiers:
            errors.append(f"{name}: tier {label['tier']!r}")
            continue
        tier, rule = tier_for(spec, states, bool(severe))
        if label["tier"] != tier:
            errors.append(f"{name}: labelled {label['tier']} but rule {rule} gives {tier}")
        if not isinstance(label["reason"], str) or not re.search(rf"\b{rule}\b", label["reason"]):
            errors.append(f"{name}: reason must name the rule that fired ({rule})")
    return errors


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise AssertionError(f"{path.name} line {n} is not JSON: {e}") from e
    return rows


@pytest.fixture(scope="module")
def spec() -> Spec:
    return parse_spec(DOC.read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=DATA_SETS, ids=lambda d: d.name)
def dataset(request: pytest.FixtureRequest) -> DataSet:
    chosen: DataSet = request.param
    return chosen


@pytest.fixture(scope="module")
def records(dataset: DataSet) -> list[dict[str, Any]]:
    return read_jsonl(dataset.turns)


@pytest.fixture(scope="module")
def calls(dataset: DataSet) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    files = {p.name: read_jsonl(p) for p in sorted(dataset.calls.glob("*.jsonl"))}
    return files, json.loads((dataset.calls / "labels.json").read_text(encoding="utf-8"))


def test_the_doc_defines_the_eight_items_of_issue_14_and_four_tiers(spec: Spec) -> None:
    assert list(spec.items) == [
        "protection_request",
        "urgent_situation",
        "serious_harm",
        "likely_serious_harm",
        "recurrence",
        "child_signs",
        "parent_factors",
        "environment",
    ]
    assert list(spec.items.values()) == list("①②③④⑤⑥⑦⑧")
    assert spec.tiers == ("緊急一時保護を検討", "一時保護を検討", "集中的援助", "在宅支援")
    assert spec.severe() >= {"strangling", "unconscious", "child_suicidal"}
    assert all(owners for owners, _ in spec.subitems.values())


def test_each_item_has_a_sub_item(spec: Spec) -> None:
    owners = {o for owners, _ in spec.subitems.values() for o in owners}
    assert owners == set(spec.items)


@pytest.mark.parametrize(
    ("states", "severe", "want"),
    [
        ({}, False, ("在宅支援", "R8")),
        ({}, True, ("緊急一時保護を検討", "R0")),
        ({"serious_harm": "該当"}, False, ("緊急一時保護を検討", "R1")),
        ({"urgent_situation": "該当"}, False, ("緊急一時保護を検討", "R2")),
        ({"protection_request": "該当", "child_signs": "該当"}, False, ("一時保護を検討", "R3")),
        ({"likely_serious_harm": "該当", "recurrence": "該当"}, False, ("一時保護を検討", "R4")),
        ({"likely_serious_harm": "該当", "recurrence": "非該当"}, False, ("集中的援助", "R6")),
        ({"parent_factors": "該当", "environment": "該当"}, False, ("集中的援助", "R5")),
        ({"environment": "該当", "serious_harm": "未確認"}, False, ("在宅支援", "R7")),
    ],
)
def test_the_documented_rules_give_the_expected_tier(
    spec: Spec, states: dict[str, str], severe: bool, want: tuple[str, str]
) -> None:
    full = dict.fromkeys(spec.items, "未確認") | states
    assert tier_for(spec, full, severe) == want


@pytest.mark.parametrize(
    "broken",
    [
        "no block at all",
        "```risk-ids\nitem a ①\nsubitem s b\ntier T\nrule R T *\n```\n",
        "```risk-ids\nitem a ①\nitem a ②\nsubitem s a\ntier T\nrule R T *\n```\n",
        "```risk-ids\nitem a ①\nsubitem s a\ntier T\nrule R U *\n```\n",
        "```risk-ids\nitem a ①\nsubitem s a\ntier T\nrule R T a\n```\n",
        "```risk-ids\nitem a ①\nsubitem s a loud\ntier T\nrule R T *\n```\n",
    ],
)
def test_a_malformed_id_block_is_rejected(broken: str) -> None:
    with pytest.raises(ValueError):
        parse_spec(broken)


def test_the_labelled_turns_are_well_formed(
    spec: Spec, dataset: DataSet, records: list[dict[str, Any]]
) -> None:
    assert record_errors(spec, records, id_prefix=dataset.id_prefix) == []


def test_the_labelled_turns_meet_the_set_s_minimums(
    dataset: DataSet, records: list[dict[str, Any]]
) -> None:
    establishing = [r for r in records if r["items"]]
    clean = [r for r in records if r["variant"] == "clean"]
    assert len(records) >= dataset.min_records
    assert len(clean) >= dataset.min_clean
    assert len(establishing) >= dataset.min_establishing
    assert len(records) - len(establishing) >= dataset.min_empty
    assert sum(not r["items"] for r in clean) >= dataset.min_empty_clean
    assert sum(r["variant"] == "asr" for r in records) >= dataset.min_asr
    assert {r["kind"] for r in records} == set(KINDS)
    assert any(r["severe"] for r in records if r["variant"] == "asr")


def test_clean_records_cover_each_item_and_enough_sub_items(
    spec: Spec, dataset: DataSet, records: list[dict[str, Any]]
) -> None:
    clean = [r for r in records if r["variant"] == "clean"]
    items = Counter(i for r in clean for i in r["items"])
    subs = Counter(s for r in clean for s in r["subitems"])
    assert {i: items[i] for i in spec.items if items[i] < dataset.min_item_cover} == {}
    assert {s: subs[s] for s in spec.subitems if subs[s] < dataset.min_subitem_cover} == {}
    assert len(set(subs) & set(spec.subitems)) >= dataset.min_distinct_subitems
    assert {s: subs[s] for s in spec.severe() if subs[s] < dataset.min_severe_cover} == {}


def test_a_handler_question_answered_counts_and_unanswered_does_not(
    records: list[dict[str, Any]],
) -> None:
    questions = [r for r in records if r["kind"] == "handler_question"]
    assert questions and all(not r["items"] for r in questions)
    answered = [
        r
        for r in records
        if r["items"] and r["turns"][0]["speaker"] == "handler" and len(r["turns"]) > 1
    ]
    assert len(answered) >= 5


def test_the_calls_are_well_formed_and_their_tiers_follow_the_rules(
    spec: Spec,
    dataset: DataSet,
    calls: tuple[dict[str, list[dict[str, Any]]], dict[str, Any]],
) -> None:
    files, labels = calls
    assert call_errors(spec, files, labels, turns_per_call=dataset.turns_per_call) == []


def test_the_calls_spread_over_the_tiers(
    spec: Spec,
    dataset: DataSet,
    calls: tuple[dict[str, list[dict[str, Any]]], dict[str, Any]],
) -> None:
    files, labels = calls
    assert len(files) >= dataset.min_calls
    per_tier = Counter(label["tier"] for label in labels.values())
    assert {t: per_tier[t] for t in spec.tiers if per_tier[t] < dataset.min_per_tier} == {}
    assert any(label["severe"] for label in labels.values())


def _caller_utterances(dataset: DataSet) -> dict[str, str]:
    """Distinctive caller turns of a set, normalised, each mapped to where it occurs."""
    found: dict[str, str] = {}
    sources = [(r["id"], r["turns"]) for r in read_jsonl(dataset.turns)]
    sources += [(p.name, read_jsonl(p)) for p in sorted(dataset.calls.glob("*.jsonl"))]
    for where, turns in sources:
        for turn in turns:
            text = re.sub(r"[\s、。,.…!?！？「」『』()（）]", "", turn["text"])
            # short answers (「はい、何度か」) recur in any set; only longer turns identify one
            if turn["speaker"] == "caller" and len(text) >= 12:
                found.setdefault(text, where)
    return found


@pytest.mark.parametrize("later", range(1, len(DATA_SETS)), ids=[d.name for d in DATA_SETS[1:]])
def test_each_blind_set_shares_no_caller_turn_with_the_sets_written_before_it(later: int) -> None:
    # only the later set's ids are named, so a failure does not show the other sets' text
    earlier: dict[str, str] = {}
    for dataset in DATA_SETS[:later]:
        earlier |= _caller_utterances(dataset)
    mine = _caller_utterances(DATA_SETS[later])
    assert sorted(where for text, where in mine.items() if text in earlier) == []


def _broken_records(
    records: list[dict[str, Any]], id_prefix: str
) -> dict[str, list[dict[str, Any]]]:
    clean = next(r for r in records if r["variant"] == "clean" and r["subitems"])
    twin = next(r for r in records if r["variant"] == "asr")
    foreign = next(d.id_prefix for d in DATA_SETS if d.id_prefix != id_prefix)
    cases: dict[str, Any] = {
        "duplicate id": [clean, clean],
        "unknown item": [clean | {"items": [*clean["items"], "danger"]}],
        "unknown sub-item": [clean | {"subitems": [*clean["subitems"], "slapped"]}],
        "sub-item without its item": [clean | {"items": []}],
        "severe flag wrong": [clean | {"severe": not clean["severe"]}],
        "bad speaker": [clean | {"turns": [{"speaker": "child", "text": "こわい"}]}],
        "empty text": [clean | {"turns": [{"speaker": "caller", "text": " "}]}],
        "extra key": [clean | {"score": 0.7}],
        "bad kind": [clean | {"kind": "guess"}],
        "bad variant": [clean | {"variant": "noisy"}],
        "id of another set": [clean | {"id": f"{foreign}001"}],
        "handler alone establishes": [
            clean | {"turns": [{"speaker": "handler", "text": "叩かれたりしていない？"}]}
        ],
        "asr without a source": [clean, {k: v for k, v in twin.items() if k != "source"}],
        "asr with a missing source": [clean, twin | {"source": "t999"}],
        "asr labels differ from source": [clean, twin | {"source": clean["id"], "items": []}],
    }
    return cases


@pytest.mark.parametrize(
    "case",
    [
        "duplicate id",
        "unknown item",
        "unknown sub-item",
        "sub-item without its item",
        "severe flag wrong",
        "bad speaker",
        "empty text",
        "extra key",
        "bad kind",
        "bad variant",
        "id of another set",
        "handler alone establishes",
        "asr without a source",
        "asr with a missing source",
        "asr labels differ from source",
    ],
)
def test_a_malformed_turn_record_is_rejected(
    spec: Spec, dataset: DataSet, records: list[dict[str, Any]], case: str
) -> None:
    assert record_errors(
        spec, _broken_records(records, dataset.id_prefix)[case], id_prefix=dataset.id_prefix
    )


@pytest.mark.parametrize(
    "case",
    [
        "unlabelled call",
        "bad state",
        "missing item",
        "unknown tier",
        "tier not from the rules",
        "reason without rule",
        "time goes back",
        "too short",
        "severe not a severe sub-item",
    ],
)
def test_a_malformed_call_or_label_is_rejected(
    spec: Spec,
    dataset: DataSet,
    calls: tuple[dict[str, list[dict[str, Any]]], dict[str, Any]],
    case: str,
) -> None:
    files, labels = calls
    name = next(iter(sorted(files)))
    turns, label = copy.deepcopy(files[name]), copy.deepcopy(labels[name])
    one_file, one_label = {name: turns}, {name: label}
    first_item = next(iter(spec.items))
    if case == "unlabelled call":
        one_file["extra.jsonl"] = turns
    elif case == "bad state":
        label["items"][first_item] = "はい"
    elif case == "missing item":
        del label["items"][first_item]
    elif case == "unknown tier":
        label["tier"] = "様子見"
    elif case == "tier not from the rules":
        label["tier"] = next(t for t in spec.tiers if t != label["tier"])
    elif case == "reason without rule":
        label["reason"] = "seems bad"
    elif case == "time goes back":
        turns[-1]["at"] = -1
    elif case == "too short":
        del turns[dataset.turns_per_call[0] - 1 :]
    elif case == "severe not a severe sub-item":
        label["severe"] = ["head_face_blow"]
    assert call_errors(spec, one_file, one_label, turns_per_call=dataset.turns_per_call)
