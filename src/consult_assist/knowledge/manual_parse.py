"""Parsing the manual's files with line numbers: front matter, TOML tables and their schemas.

``tomllib`` gives values but no positions, so each key's line is found by scanning the raw
lines of its table; TOML syntax errors carry their line in the message and are re-based onto
the file. Everything here is pure: text in, values and :class:`Problem` s out.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "CATEGORIES",
    "HEADINGS",
    "ITEM",
    "PHASES",
    "SECTION",
    "SLOT_NAMES",
    "WORD",
    "Lines",
    "Problem",
    "Schema",
    "excerpt",
    "parse_section",
    "parse_tables",
    "strings",
]

CATEGORIES = frozenset(
    {
        "受付の基本",
        "緊急対応",
        "虐待の種類",
        "通告者別",
        "子ども本人",
        "保護者からの相談",
        "調査と支援",
        "記録と職員",
    }
)
HEADINGS = ("概要", "聞くこと", "伝えること", "言ってはいけないこと", "エスカレーション")
_ID = re.compile(r"[a-z0-9-]+")
_KEY_LINE = re.compile(r"""^\s*(["']?)([A-Za-z0-9_-]+)\1\s*=""")
_HEADER_LINE = re.compile(r"""^\s*\[\[?\s*[A-Za-z0-9_."'-]+\s*\]""")
_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)\s*$")
_EXCERPT_MAX = 200

Kind = Literal["id", "text", "texts", "level", "regexes", "slot", "flag", "phase"]
PHASES = ("opening", "any")
SLOT_NAMES = ("age", "name", "place", "contact", "relation")


@dataclass(frozen=True)
class Problem:
    """One problem in the manual folder, printed as ``file:line: message``."""

    path: Path
    line: int
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        tag = "warning: " if self.severity == "warning" else ""
        return f"{self.path}:{self.line}: {tag}{self.message}"


@dataclass(frozen=True)
class Schema:
    """The keys one kind of table may have: kind of value and whether it is required."""

    name: str
    fields: Mapping[str, tuple[Kind, bool]]
    unique: str = ""


SECTION = Schema(
    "front matter",
    {
        "id": ("id", True),
        "title": ("text", True),
        "category": ("text", True),
        "keywords": ("texts", True),
        "paraphrases": ("texts", True),
        "related": ("texts", False),
        "phase": ("phase", False),
    },
)
WORD = Schema(
    "word",
    {
        "word": ("text", True),
        "level": ("level", True),
        "variants": ("texts", False),
        "except": ("texts", False),
        "section": ("text", False),
        "note": ("text", False),
    },
    unique="word",
)
ITEM = Schema(
    "item",
    {
        "id": ("id", True),
        "label": ("text", True),
        "asks": ("texts", False),
        "cues": ("texts", True),
        "patterns": ("regexes", False),
        "slot": ("slot", False),
        "attention": ("flag", False),
    },
    unique="id",
)


@dataclass
class Lines:
    """Where the keys of one table are: ``problem(key, …)`` points at the key's line."""

    path: Path
    start: int
    keys: dict[str, int] = field(default_factory=dict)

    @classmethod
    def scan(cls, path: Path, lines: list[str], start: int, first: int, stop: int) -> Lines:
        """Index the keys found on ``lines[first:stop]`` (file line = index + 1)."""
        found = cls(path, start)
        for index in range(first, stop):
            match = _KEY_LINE.match(lines[index])
            if match:
                found.keys.setdefault(match.group(2), index + 1)
        return found

    def problem(
        self, key: str, message: str, severity: Literal["error", "warning"] = "error"
    ) -> Problem:
        """A problem at ``key``'s line, or at the table's start when the key is absent."""
        return Problem(self.path, self.keys.get(key, self.start), message, severity)


def strings(value: object) -> tuple[str, ...]:
    """``value`` as a tuple of strings (an absent or invalid value gives ``()``)."""
    if isinstance(value, list):
        return tuple(str(v) for v in value if isinstance(v, str))
    return ()


def _toml(path: Path, text: str, offset: int, problems: list[Problem]) -> dict[str, Any] | None:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POSITION.search(message)
        line = text.count("\n") + 1
        if match:
            message = message[: match.start()]
            if match.group(1):
                line = int(match.group(1))
        problems.append(Problem(path, line + offset, f"TOML error: {message}"))
        return None


def _check_value(key: str, kind: Kind, value: object, lines: Lines) -> str:
    """An error message when ``value`` is not of ``kind``, else ``""``."""
    if kind == "flag":
        return "" if isinstance(value, bool) else f"{key} must be true or false"
    if kind in ("id", "text", "level", "slot", "phase"):
        if not isinstance(value, str):
            return f"{key} must be a string, not {type(value).__name__}"
        if not value.strip():
            return f"{key} must not be empty"
        if kind == "id" and not _ID.fullmatch(value):
            return f"{key} {value!r} must use only a-z, 0-9 and '-'"
        if kind == "level" and value not in ("critical", "high", "notice"):
            return f"{key} must be critical, high or notice, not {value!r}"
        if kind == "phase" and value not in PHASES:
            return f"{key} must be one of {', '.join(PHASES)}, not {value!r}"
        if kind == "slot" and value not in SLOT_NAMES:
            return f"{key} must be one of {', '.join(SLOT_NAMES)}, not {value!r}"
        return ""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return f"{key} must be a list of strings"
    if any(not v.strip() for v in value):
        return f"{key} has an empty string"
    if kind == "regexes":
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                return f"{key}: invalid regex {pattern!r} ({exc})"
    return ""


def _validate(
    table: Mapping[str, Any], schema: Schema, lines: Lines, problems: list[Problem]
) -> bool:
    ok = True
    for key in table:
        if key not in schema.fields:
            allowed = ", ".join(schema.fields)
            problems.append(lines.problem(key, f"unknown key {key!r} (allowed: {allowed})"))
    for key, (kind, required) in schema.fields.items():
        if key not in table:
            if required:
                problems.append(lines.problem(key, f"missing required key {key!r}"))
                ok = False
            continue
        message = _check_value(key, kind, table[key], lines)
        if message:
            problems.append(lines.problem(key, message))
            ok = ok and not required
    return ok


def parse_tables(
    path: Path, text: str, schema: Schema, problems: list[Problem]
) -> list[tuple[dict[str, Any], Lines]]:
    """The valid ``[[schema.name]]`` tables of a TOML file, each with its key lines."""
    data = _toml(path, text, 0, problems)
    if data is None:
        return []
    for key in data:
        if key != schema.name:
            problems.append(Problem(path, 1, f"unknown top-level key {key!r}"))
    tables = data.get(schema.name, [])
    if not isinstance(tables, list):
        problems.append(Problem(path, 1, f"{schema.name} must be an array of [[{schema.name}]]"))
        return []
    raw = text.splitlines()
    header = re.compile(rf"^\s*\[\[\s*{re.escape(schema.name)}\s*\]\]")
    starts = [i for i, line in enumerate(raw) if header.match(line)]
    found: list[tuple[dict[str, Any], Lines]] = []
    seen: dict[str, int] = {}
    for number, table in enumerate(tables):
        first = starts[number] if number < len(starts) else 0
        stop = next((i for i in range(first + 1, len(raw)) if _HEADER_LINE.match(raw[i])), len(raw))
        lines = Lines.scan(path, raw, first + 1, first + 1, stop)
        if not isinstance(table, dict) or not _validate(table, schema, lines, problems):
            continue
        if schema.unique:
            value = str(table[schema.unique])
            if value in seen:
                message = f"duplicate {schema.unique} {value!r} (first at line {seen[value]})"
                problems.append(lines.problem(schema.unique, message))
                continue
            seen[value] = lines.keys.get(schema.unique, lines.start)
        found.append((table, lines))
    return found


def _body_checks(body: str, lines: Lines, line_of_body: int, problems: list[Problem]) -> None:
    raw = body.splitlines()
    headings = [(i, line[3:].strip()) for i, line in enumerate(raw) if line.startswith("## ")]
    order = [HEADINGS.index(h) for _, h in headings if h in HEADINGS]
    for i, heading in headings:
        if heading not in HEADINGS:
            message = f"unknown heading '## {heading}' (expected: {', '.join(HEADINGS)})"
            problems.append(Problem(lines.path, line_of_body + i, message, "warning"))
    if order != sorted(order):
        problems.append(
            Problem(lines.path, line_of_body, "headings are not in the agreed order", "warning")
        )
    if "概要" not in [h for _, h in headings]:
        message = "no '## 概要' heading: the excerpt falls back to the first paragraph"
        problems.append(Problem(lines.path, line_of_body, message, "warning"))
    size = len(re.sub(r"\s|^#+.*$", "", body, flags=re.MULTILINE))
    if not 250 <= size <= 700:
        message = f"body has {size} characters (guideline: 250-700)"
        problems.append(Problem(lines.path, line_of_body, message, "warning"))


def parse_section(
    path: Path, text: str, problems: list[Problem]
) -> tuple[dict[str, Any], Lines, str] | None:
    """Front matter, key lines and body of one section file; ``None`` if unusable."""
    raw = text.splitlines()
    if not raw or raw[0].strip() != "+++":
        problems.append(Problem(path, 1, "missing front matter: the first line must be '+++'"))
        return None
    close = next((i for i in range(1, len(raw)) if raw[i].strip() == "+++"), None)
    if close is None:
        problems.append(Problem(path, 1, "unterminated front matter: no closing '+++' line"))
        return None
    fields = _toml(path, "\n".join(raw[1:close]), 1, problems)
    if fields is None:
        return None
    lines = Lines.scan(path, raw, 1, 1, close)
    if not _validate(fields, SECTION, lines, problems):
        return None
    if fields["id"] != path.stem:
        # Still returned, so that a copied file is also reported as a duplicate id.
        message = f"id {fields['id']!r} does not match the file name {path.name!r}"
        problems.append(lines.problem("id", message))
    body = "\n".join(raw[close + 1 :]).strip("\n")
    if not body.strip():
        problems.append(Problem(path, close + 1, "empty body: write the section after '+++'"))
        return None
    _guideline_checks(fields, lines, problems)
    first_body_line = close + 2 + next((i for i, x in enumerate(raw[close + 1 :]) if x.strip()), 0)
    _body_checks(body, lines, first_body_line, problems)
    return fields, lines, body


def _guideline_checks(fields: Mapping[str, Any], lines: Lines, problems: list[Problem]) -> None:
    if fields["category"] not in CATEGORIES:
        message = f"category {fields['category']!r} is not one of: {', '.join(sorted(CATEGORIES))}"
        problems.append(lines.problem("category", message, "warning"))
    for key, low, high in (("keywords", 5, 20), ("paraphrases", 6, 15)):
        count = len(fields[key])
        if not low <= count <= high:
            message = f"{key} has {count} entries (guideline: {low}-{high})"
            problems.append(lines.problem(key, message, "warning"))


def excerpt(body: str) -> str:
    """The first paragraph under ``## 概要`` (else the first paragraph), shortened."""
    raw = body.splitlines()
    start = next((i + 1 for i, line in enumerate(raw) if line.strip() == "## 概要"), 0)
    paragraph: list[str] = []
    for line in raw[start:]:
        stripped = line.strip()
        if stripped.startswith("#"):
            if paragraph:
                break
            continue
        if not stripped:
            if paragraph:
                break
            continue
        paragraph.append(stripped)
    text = "".join(paragraph)
    return text if len(text) <= _EXCERPT_MAX else text[: _EXCERPT_MAX - 1] + "…"
