"""The response manual as data: sections, attention words and checklist items, with validation.

The manual folder's format is a contract with its writers (``manuals/README.md``). Parsing is
pure (text in, data and :class:`Problem` s out); :func:`check_manual` is the one place that
reads files. Every problem carries a file and a line so ``consult-assist manuals check`` can
print ``file:line: message`` and an editor can jump to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from consult_assist.errors import ManualError
from consult_assist.events import AlertLevel
from consult_assist.knowledge import manual_parse as parse
from consult_assist.knowledge.manual_parse import Problem

__all__ = [
    "ATTENTION_FILE",
    "CHECKLIST_FILE",
    "SECTIONS_DIR",
    "AttentionWord",
    "ChecklistItem",
    "InvalidManualError",
    "Manual",
    "Problem",
    "Section",
    "check_manual",
    "load_manual",
]

SECTIONS_DIR = "sections"
ATTENTION_FILE = "attention_words.toml"
CHECKLIST_FILE = "checklist.toml"


@dataclass(frozen=True, kw_only=True)
class Section:
    """One manual section: front matter, Markdown body and the excerpt shown to the handler."""

    id: str
    title: str
    category: str
    keywords: tuple[str, ...]
    paraphrases: tuple[str, ...]
    related: tuple[str, ...] = ()
    phase: str = "any"
    """``opening``: a section for the first moments of a call (the greeting), which leaves
    the suggestions once the call has moved on; ``any`` otherwise."""
    body: str = ""
    excerpt: str = ""
    path: Path | None = None


@dataclass(frozen=True, kw_only=True)
class AttentionWord:
    """An attention word (注意ワード): the canonical form, its level and other ways to say it."""

    word: str
    level: AlertLevel
    variants: tuple[str, ...] = ()
    exceptions: tuple[str, ...] = ()
    """Phrases in which the word means something else (「ずっと一人で見てます」 is a parent
    caring alone, not a child left alone): an occurrence inside one does not fire."""
    section: str = ""
    note: str = ""

    @property
    def forms(self) -> tuple[str, ...]:
        """The canonical word followed by its variants."""
        return (self.word, *self.variants)


@dataclass(frozen=True, kw_only=True)
class ChecklistItem:
    """One intake checklist item: what asks about it, what tells it, and its slot.

    ``asks`` are words of a question about the item (お名前, 何歳, いつから); ``cues`` and
    ``patterns`` are what an answer or a statement that *tells* it contains (男の子, 3歳,
    毎日); ``slot`` names the value taken from the answer (age, name, place, contact,
    relation; "" for none).
    """

    id: str
    label: str
    asks: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    slot: str = ""
    attention: bool = False
    """Whether an attention word (high or critical) said as a fact also tells the item."""


@dataclass(frozen=True, kw_only=True)
class Manual:
    """A whole, validated manual; immutable so a reload can swap it in one assignment."""

    sections: tuple[Section, ...]
    attention_words: tuple[AttentionWord, ...] = ()
    checklist: tuple[ChecklistItem, ...] = ()
    root: Path | None = None
    by_id: Mapping[str, Section] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {s.id: s for s in self.sections})

    def section(self, section_id: str) -> Section:
        """The section with ``section_id``; :class:`ManualError` when there is none."""
        try:
            return self.by_id[section_id]
        except KeyError:
            raise ManualError(f"The manual has no section {section_id!r}.") from None


class InvalidManualError(ManualError):
    """The manual folder has errors; ``problems`` lists each with its file and line."""

    def __init__(self, root: Path, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        first = f" First: {errors[0]}" if errors else ""
        super().__init__(
            f"The manuals in {root} have {len(errors)} error(s); run "
            f"'consult-assist manuals check' to see them all.{first}"
        )


def _read(path: Path, problems: list[Problem]) -> str | None:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        problems.append(Problem(path, 1, "file is missing"))
    except UnicodeDecodeError as exc:
        problems.append(Problem(path, 1, f"not UTF-8 text ({exc.reason})"))
    except OSError as exc:
        problems.append(Problem(path, 1, f"cannot be read ({exc.strerror})"))
    return None


def _sections(root: Path, problems: list[Problem]) -> list[tuple[Section, parse.Lines]]:
    folder = root / SECTIONS_DIR
    if not folder.is_dir():
        problems.append(Problem(folder, 1, "folder is missing: one <id>.md file per section"))
        return []
    found: list[tuple[Section, parse.Lines]] = []
    for path in sorted(folder.glob("*.md")):
        text = _read(path, problems)
        if text is None:
            continue
        parsed = parse.parse_section(path, text, problems)
        if parsed is None:
            continue
        fields, lines, body = parsed
        found.append(
            (
                Section(
                    id=str(fields["id"]),
                    title=str(fields["title"]),
                    category=str(fields["category"]),
                    keywords=parse.strings(fields.get("keywords")),
                    paraphrases=parse.strings(fields.get("paraphrases")),
                    related=parse.strings(fields.get("related")),
                    phase=str(fields.get("phase", "any")),
                    body=body,
                    excerpt=parse.excerpt(body),
                    path=path,
                ),
                lines,
            )
        )
    return found


def _cross_check(
    sections: list[tuple[Section, parse.Lines]],
    words: list[tuple[AttentionWord, parse.Lines]],
    on_disk: set[str],
    problems: list[Problem],
) -> tuple[Section, ...]:
    kept: dict[str, Section] = {}
    # The file named after the id owns it; a copy under another name is the duplicate.
    owners_first = sorted(sections, key=lambda s: s[0].path is None or s[0].path.stem != s[0].id)
    for section, lines in owners_first:
        if section.id in kept:
            first = kept[section.id].path
            problems.append(lines.problem("id", f"duplicate id {section.id!r} (also in {first})"))
            continue
        kept[section.id] = section
    # A section whose own file is broken is reported there, not again by each reference.
    exists = set(kept) | {s.path.stem for s, _ in sections if s.path is not None} | on_disk
    for section, lines in sections:
        for related in section.related:
            if related not in exists:
                problems.append(lines.problem("related", f"related id {related!r} does not exist"))
    for word, lines in words:
        if word.section and word.section not in exists:
            problems.append(lines.problem("section", f"section {word.section!r} does not exist"))
    return tuple(kept.values())


def check_manual(root: Path) -> tuple[Manual, tuple[Problem, ...]]:
    """Read and validate the manual folder ``root``; return what loaded and every problem.

    The manual returned holds only the parts that parsed; callers that need a valid manual
    use :func:`load_manual`.
    """
    problems: list[Problem] = []
    if not root.is_dir():
        problems.append(Problem(root, 1, "manual folder does not exist"))
        return Manual(sections=(), root=root), tuple(problems)
    sections = _sections(root, problems)
    words: list[tuple[AttentionWord, parse.Lines]] = []
    text = _read(root / ATTENTION_FILE, problems)
    if text is not None:
        for fields, lines in parse.parse_tables(root / ATTENTION_FILE, text, parse.WORD, problems):
            words.append(
                (
                    AttentionWord(
                        word=str(fields["word"]),
                        level=_level(fields["level"]),
                        variants=parse.strings(fields.get("variants")),
                        exceptions=parse.strings(fields.get("except")),
                        section=str(fields.get("section", "")),
                        note=str(fields.get("note", "")),
                    ),
                    lines,
                )
            )
        if not words and not any(p.path == root / ATTENTION_FILE for p in problems):
            # An empty file parses as no words at all: a server on it would never alert.
            problems.append(
                Problem(root / ATTENTION_FILE, 1, "no attention word: the server would never alert")
            )
    items: list[ChecklistItem] = []
    text = _read(root / CHECKLIST_FILE, problems)
    if text is not None and not text.strip():
        problems.append(Problem(root / CHECKLIST_FILE, 1, "empty: no checklist item"))
    if text is not None:
        for fields, _ in parse.parse_tables(root / CHECKLIST_FILE, text, parse.ITEM, problems):
            items.append(
                ChecklistItem(
                    id=str(fields["id"]),
                    label=str(fields["label"]),
                    asks=parse.strings(fields.get("asks")),
                    cues=parse.strings(fields.get("cues")),
                    patterns=parse.strings(fields.get("patterns")),
                    slot=str(fields.get("slot", "")),
                    attention=fields.get("attention") is True,
                )
            )
    files = root / SECTIONS_DIR
    on_disk = {p.stem for p in files.glob("*.md")} if files.is_dir() else set()
    if files.is_dir() and not on_disk:
        problems.append(Problem(files, 1, "no section: one <id>.md file per section"))
    kept = _cross_check(sections, words, on_disk, problems)
    manual = Manual(
        sections=kept,
        attention_words=tuple(w for w, _ in words),
        checklist=tuple(items),
        root=root,
    )
    return manual, tuple(sorted(problems, key=lambda p: (str(p.path), p.line)))


def _level(value: object) -> Literal["critical", "high", "notice"]:
    if value == "critical":
        return "critical"
    if value == "high":
        return "high"
    return "notice"


def load_manual(root: Path) -> Manual:
    """Read the manual folder ``root``; :class:`InvalidManualError` if it has any error.

    Warnings (counts and lengths outside the writers' guidelines) do not stop loading.
    """
    manual, problems = check_manual(root)
    if any(p.severity == "error" for p in problems):
        raise InvalidManualError(root, problems)
    return manual
