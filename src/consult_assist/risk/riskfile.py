"""``manuals/risk.toml``: the sheet's items and sub-items with their cues, read and validated.

The file is a contract with the manual's writers, like the rest of the manual folder: every
problem carries a file and a line (``consult-assist manuals check`` prints them). The ids,
the items each sub-item establishes and the severe flags must agree with docs/risk.md
(:mod:`.spec`); the cues are the file's own business.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from consult_assist.errors import ManualError
from consult_assist.knowledge.manual_parse import Lines, Problem, strings
from consult_assist.risk.spec import ITEMS, SUBITEMS

__all__ = [
    "RISK_FILE",
    "Context",
    "RiskItem",
    "RiskSheet",
    "RiskSubitem",
    "check_risk_file",
    "load_risk_sheet",
    "parse_risk",
]

RISK_FILE = "risk.toml"
SPEAKERS = ("caller", "any")
SUBJECTS = ("", "child")
_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?")
_TOP = ("sheet", "context", "item", "subitem")


@dataclass(frozen=True, kw_only=True)
class RiskItem:
    """One of the sheet's items ① to ⑧ and how to ask about it."""

    id: str
    label: str
    ask: str
    sections: tuple[str, ...] = ()
    citation: str = ""
    cues: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    """Words that establish the item outside its listed boxes (the sheet's blank box)."""


@dataclass(frozen=True, kw_only=True)
class RiskSubitem:
    """A box under an item, with what in speech establishes it.

    ``cues`` are phrases (matched on surface, lemma and reading, as attention words are),
    ``patterns`` regular expressions over the normalised text; ``requires``, when given,
    must also occur in the utterance (or in the question it answers): 毎日 is habitual abuse
    only next to what happens every day. ``speaker``: ``caller`` (the handler's words never
    count) or ``any``. ``subject`` ``child``: said by an adult carer about themselves
    (「死にたい」) it is ``if_adult`` instead.
    """

    id: str
    label: str
    items: tuple[str, ...]
    severe: bool = False
    cues: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    exceptions: tuple[str, ...] = ()
    except_patterns: tuple[str, ...] = ()
    """Regular expressions over the normalised text inside which a cue means something else
    (the Kansai 「孫やけど、」 is "but", not a burn)."""
    speaker: Literal["caller", "any"] = "caller"
    asking: bool = False
    """The caller's question or request counts (「預かってもらえませんか」 asks for it)."""
    thoughts: bool = False
    """A thought of it is the sub-item itself: said as a condition mused on (「飛び降りたら楽に
    なるかなって」, 「泣きやまないと、首に手がいきそう」) it counts, unless the sentence asks
    or advises (「もし死にたくなったら、電話してね」)."""
    subject: str = ""
    if_adult: str = ""
    feeling: bool = False
    """A feeling of the child's whose object a が may mark: 「お父さんが怖い」 names whom the
    child fears, so a parent named before the words does not make them the parent's."""
    absent: tuple[str, ...] = ()
    """What a handler asks is there (「頼れる方はいますか」): a no to that question is this
    box (nobody to rely on), where the question's words alone tick nothing."""
    yields_to: tuple[str, ...] = ()
    """Sub-items whose words these are part of: a face held in the water (「浴槽に顔をつけ
    られて」) is drowning, not also a blow to the face, so a cue of this box inside a cue of
    one of these is not this box."""
    citation: str = ""


@dataclass(frozen=True, kw_only=True)
class Context:
    """Words about the utterance as a whole: rumours and other people's stories (tick
    nothing), bare yes / no / don't-know answers, words that name the child, words by
    which a caller says they are the child's carer."""

    rumour: tuple[str, ...] = ()
    affirm: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    child_words: tuple[str, ...] = ()
    carer_words: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class RiskSheet:
    """The whole validated file."""

    title: str
    source: str
    items: tuple[RiskItem, ...]
    subitems: tuple[RiskSubitem, ...]
    context: Context
    path: Path | None = None

    def item(self, item_id: str) -> RiskItem:
        """The item with ``item_id``."""
        return next(i for i in self.items if i.id == item_id)


def _lines(path: Path, raw: list[str]) -> dict[tuple[str, int], Lines]:
    """Key lines of every table: (table name, index among tables of that name)."""
    starts: list[tuple[str, int]] = []
    for index, line in enumerate(raw):
        match = _HEADER.match(line)
        if match:
            starts.append((match.group(1), index))
    found: dict[tuple[str, int], Lines] = {}
    counts: dict[str, int] = {}
    for number, (name, first) in enumerate(starts):
        stop = starts[number + 1][1] if number + 1 < len(starts) else len(raw)
        position = counts.get(name, 0)
        counts[name] = position + 1
        found[(name, position)] = Lines.scan(path, raw, first + 1, first + 1, stop)
    return found


class _Checker:
    def __init__(self, lines: Lines, table: Mapping[str, Any], problems: list[Problem]) -> None:
        self.lines, self.table, self.problems = lines, table, problems

    def text(self, key: str, *, required: bool = True) -> str:
        value = self.table.get(key)
        if value is None:
            if required:
                self.problems.append(self.lines.problem(key, f"missing required key {key!r}"))
            return ""
        if not isinstance(value, str) or not value.strip():
            self.problems.append(self.lines.problem(key, f"{key} must be a non-empty string"))
            return ""
        return value

    def texts(self, key: str, *, regex: bool = False) -> tuple[str, ...]:
        value = self.table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.problems.append(self.lines.problem(key, f"{key} must be a list of strings"))
            return ()
        if regex:
            for pattern in value:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    message = f"{key}: invalid regex {pattern!r} ({exc})"
                    self.problems.append(self.lines.problem(key, message))
                    return ()
        return strings(value)

    def flag(self, key: str) -> bool:
        value = self.table.get(key, False)
        if not isinstance(value, bool):
            self.problems.append(self.lines.problem(key, f"{key} must be true or false"))
            return False
        return value

    def unknown(self, allowed: Collection[str]) -> None:
        for key in self.table:
            if key not in allowed:
                message = f"unknown key {key!r} (allowed: {', '.join(allowed)})"
                self.problems.append(self.lines.problem(key, message))


_ITEM_KEYS = ("id", "label", "ask", "sections", "citation", "cues", "patterns")
_SUB_KEYS = (
    "id",
    "label",
    "items",
    "severe",
    "cues",
    "patterns",
    "requires",
    "except",
    "except_patterns",
    "speaker",
    "asking",
    "thoughts",
    "subject",
    "if_adult",
    "feeling",
    "absent",
    "yields_to",
    "citation",
)
_CONTEXT_KEYS = ("rumour", "affirm", "deny", "unknown", "child_words", "carer_words")


def _item(check: _Checker) -> RiskItem | None:
    check.unknown(_ITEM_KEYS)
    item_id = check.text("id")
    if item_id and item_id not in ITEMS:
        check.problems.append(check.lines.problem("id", f"unknown item id {item_id!r}"))
        return None
    item = RiskItem(
        id=item_id,
        label=check.text("label"),
        ask=check.text("ask"),
        sections=check.texts("sections"),
        citation=check.text("citation", required=False),
        cues=check.texts("cues"),
        patterns=check.texts("patterns", regex=True),
    )
    return item if item_id else None


def _subitem(check: _Checker) -> RiskSubitem | None:
    check.unknown(_SUB_KEYS)
    sub_id = check.text("id")
    if sub_id and sub_id not in SUBITEMS:
        check.problems.append(check.lines.problem("id", f"unknown sub-item id {sub_id!r}"))
        return None
    items = check.texts("items")
    severe = check.flag("severe")
    asking = check.flag("asking")
    if sub_id:
        owners, spec_severe = SUBITEMS[sub_id]
        if set(items) != set(owners):
            message = f"items of {sub_id!r} must be {', '.join(owners)} (docs/risk.md §6)"
            check.problems.append(check.lines.problem("items", message))
        if severe != spec_severe:
            message = f"{sub_id!r} is {'' if spec_severe else 'not '}severe in docs/risk.md §6"
            check.problems.append(check.lines.problem("severe", message))
    speaker = check.text("speaker", required=False) or "caller"
    if speaker not in SPEAKERS:
        message = f"speaker must be one of {', '.join(SPEAKERS)}, not {speaker!r}"
        check.problems.append(check.lines.problem("speaker", message))
        speaker = "caller"
    subject = check.text("subject", required=False)
    if subject not in SUBJECTS:
        check.problems.append(check.lines.problem("subject", "subject must be 'child'"))
    if_adult = check.text("if_adult", required=False)
    if if_adult and if_adult not in SUBITEMS:
        check.problems.append(check.lines.problem("if_adult", f"unknown sub-item {if_adult!r}"))
    yields_to = check.texts("yields_to")
    for other in yields_to:
        if other not in SUBITEMS:
            check.problems.append(check.lines.problem("yields_to", f"unknown sub-item {other!r}"))
    cues = check.texts("cues")
    patterns = check.texts("patterns", regex=True)
    if not cues and not patterns:
        check.problems.append(check.lines.problem("cues", "needs cues or patterns"))
    if not sub_id:
        return None
    return RiskSubitem(
        id=sub_id,
        label=check.text("label"),
        items=items,
        severe=severe,
        cues=cues,
        patterns=patterns,
        requires=check.texts("requires"),
        exceptions=check.texts("except"),
        except_patterns=check.texts("except_patterns", regex=True),
        speaker="any" if speaker == "any" else "caller",
        asking=asking,
        thoughts=check.flag("thoughts"),
        subject=subject,
        if_adult=if_adult,
        feeling=check.flag("feeling"),
        absent=check.texts("absent"),
        yields_to=yields_to,
        citation=check.text("citation", required=False),
    )


def _tables(data: Mapping[str, Any], name: str, path: Path, problems: list[Problem]) -> list[Any]:
    value = data.get(name, [])
    if not isinstance(value, list):
        problems.append(Problem(path, 1, f"{name} must be an array of [[{name}]]"))
        return []
    return value


def parse_risk(
    path: Path, text: str, sections: Collection[str] | None = None
) -> tuple[RiskSheet | None, list[Problem]]:
    """Parse and validate the text of a risk file; ``sections``: ids that ``sections`` may
    name (None: not checked). Returns the sheet (None when it has errors) and the problems."""
    problems: list[Problem] = []
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        problems.append(Problem(path, int(line.group(1)) if line else 1, f"TOML error: {exc}"))
        return None, problems
    lines = _lines(path, text.splitlines())
    for key in data:
        if key not in _TOP:
            problems.append(Problem(path, 1, f"unknown top-level key {key!r}"))
    sheet_table = data.get("sheet", {})
    sheet = _Checker(lines.get(("sheet", 0), Lines(path, 1)), sheet_table, problems)
    sheet.unknown(("title", "source"))
    context_table = data.get("context", {})
    context = _Checker(lines.get(("context", 0), Lines(path, 1)), context_table, problems)
    context.unknown(_CONTEXT_KEYS)
    items: list[RiskItem] = []
    for number, table in enumerate(_tables(data, "item", path, problems)):
        check = _Checker(lines.get(("item", number), Lines(path, 1)), table, problems)
        item = _item(check)
        if item is None:
            continue
        if any(i.id == item.id for i in items):
            problems.append(check.lines.problem("id", f"duplicate item id {item.id!r}"))
            continue
        for section in item.sections:
            if sections is not None and section not in sections:
                message = f"section {section!r} does not exist"
                problems.append(check.lines.problem("sections", message))
        items.append(item)
    subitems: list[RiskSubitem] = []
    for number, table in enumerate(_tables(data, "subitem", path, problems)):
        check = _Checker(lines.get(("subitem", number), Lines(path, 1)), table, problems)
        sub = _subitem(check)
        if sub is None:
            continue
        if any(s.id == sub.id for s in subitems):
            problems.append(check.lines.problem("id", f"duplicate sub-item id {sub.id!r}"))
            continue
        subitems.append(sub)
    for missing in [i for i in ITEMS if i not in {x.id for x in items}]:
        problems.append(Problem(path, 1, f"item {missing!r} is missing"))
    for missing in [s for s in SUBITEMS if s not in {x.id for x in subitems}]:
        problems.append(Problem(path, 1, f"sub-item {missing!r} is missing"))
    result = RiskSheet(
        title=sheet.text("title"),
        source=sheet.text("source"),
        items=tuple(sorted(items, key=lambda i: ITEMS.index(i.id))),
        subitems=tuple(subitems),
        context=Context(**{key: context.texts(key) for key in _CONTEXT_KEYS}),
        path=path,
    )
    if any(p.severity == "error" for p in problems):
        return None, problems
    return result, problems


def check_risk_file(
    root: Path, sections: Collection[str] | None = None
) -> tuple[RiskSheet | None, list[Problem]]:
    """Read and validate ``root/risk.toml``; a missing file is no problem (None, [])."""
    path = root / RISK_FILE
    if not path.is_file():
        return None, []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(path, 1, f"cannot be read ({exc})")]
    if sections is None and (root / "sections").is_dir():
        sections = {p.stem for p in (root / "sections").glob("*.md")}
    return parse_risk(path, text, sections)


def load_risk_sheet(root: Path) -> RiskSheet:
    """The validated sheet of the manual folder ``root``; :class:`ManualError` otherwise."""
    sheet, problems = check_risk_file(root)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ManualError(
            f"{root / RISK_FILE} has {len(errors)} error(s); run 'consult-assist manuals "
            f"check' to see them all. First: {errors[0]}"
        )
    if sheet is None:
        raise ManualError(f"There is no {RISK_FILE} in {root}.")
    return sheet
