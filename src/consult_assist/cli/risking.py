"""``consult-assist risk FILE [--json]``: the risk sheet of a recorded or transcribed call.

FILE is a JSON Lines transcript (``{"speaker": "caller"|"handler", "text": …, "at": …}`` per
line) or a recording, transcribed first with the real model on the simulated clock (as
``transcribe`` does). Prints the tier, the rules that gave it, each item with its evidence
and what to ask next; ``--json`` prints exactly one object.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from consult_assist import paths
from consult_assist.asr.options import ModelOptions, StreamOptions, load_transcriber
from consult_assist.audio.calls import channels_for
from consult_assist.audio.file import read_audio
from consult_assist.cli.output import install_progress
from consult_assist.cli.recognition import model_options, stream_options
from consult_assist.errors import ConfigError
from consult_assist.events import TranscriptFinal
from consult_assist.knowledge.manual import load_manual
from consult_assist.labels import heard_label
from consult_assist.pipeline import simulated_call
from consult_assist.risk.model import RiskModel
from consult_assist.risk.sheet import Assessment

__all__ = ["RiskOptions", "read_transcript", "render", "risk", "run"]

_TRANSCRIPT_SUFFIXES = (".jsonl", ".ndjson")


@dataclass(frozen=True, kw_only=True)
class RiskOptions:
    """``consult-assist risk FILE``."""

    file: Path
    as_json: bool = False
    manuals: Path | None = None
    split_channels: bool = False
    model: ModelOptions = field(default_factory=ModelOptions)
    stream: StreamOptions = field(default_factory=StreamOptions)


def read_transcript(path: Path, session: str) -> Iterator[TranscriptFinal]:
    """The finals of a JSON Lines transcript; :class:`ConfigError` names a bad line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            turn = json.loads(line)
            text, speaker, at = str(turn["text"]), str(turn.get("speaker", "")), turn.get("at")
            at = float(at) if at is not None else float(number)
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(
                f'{path}:{number}: not a transcript line {{"speaker", "text", "at"}} ({exc})'
            ) from None
        yield TranscriptFinal(
            session=session, at=at, utterance=number, start=at, end=at, text=text, speaker=speaker
        )


def _recording(options: RiskOptions, session: str) -> Iterator[TranscriptFinal]:
    audio = read_audio(options.file)
    call = channels_for(audio.channels, split=options.split_channels)
    call = dataclasses.replace(call, meta={"source": "file", "file": options.file.name})
    transcriber = load_transcriber(options.model, progress=install_progress())
    recognizer = options.stream.recognizer_options(audio.source_rate)
    for event in simulated_call(session, call, transcriber, options=recognizer):
        if isinstance(event, TranscriptFinal):
            yield event


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60:02d}:{whole % 60:02d}"


def render(assessment: Assessment, label: Callable[[str], str] = str) -> str:
    """The sheet as text: tier, rules, items with evidence, next questions."""
    lines = [
        f"緊急度: {assessment.tier}（{assessment.tier_label}）",
        f"根拠となったルール: {', '.join(assessment.rules)}",
    ]
    if assessment.severe:
        lines.append(f"重大な兆候: {', '.join(assessment.severe)}")
    for s in assessment.suspected:
        heard = heard_label(s.words, s.text)
        lines.append(
            f"要確認（まだ該当ではありません）: [{_clock(s.at)}] {label(s.subitem)}の疑い"
            f"「{heard}」 … {s.text}"
        )
    for item in assessment.items:
        mark = "（矛盾する発言あり）" if item.conflicting else ""
        lines.append(f"{item.number} {item.label}: {item.state}{mark}")
        for e in item.evidence:
            denied = " 否定" if e.denies else ""
            lines.append(f"    [{_clock(e.at)}] {e.speaker}{denied} ({label(e.subitem)}) {e.text}")
    if assessment.next:
        lines.append("次に聞くこと:")
        lines.extend(f"  - {q.ask}" for q in assessment.next)
    return "\n".join(lines) + "\n"


def risk(options: RiskOptions, out: TextIO) -> int:
    """Assess the call in ``options.file`` and print the sheet."""
    manuals = options.manuals or paths.default_manuals_dir()
    model = RiskModel.load(manuals, load_manual(manuals))
    session = f"risk-{uuid.uuid4().hex[:8]}"
    if not options.file.is_file():
        raise ConfigError(f"{options.file}: no such file")
    transcript = options.file.suffix.lower() in _TRANSCRIPT_SUFFIXES
    finals = read_transcript(options.file, session) if transcript else _recording(options, session)
    assessor = model.assessor()
    for final in finals:
        assessor.observe(final)
    assessment = assessor.assessment()
    if options.as_json:
        out.write(json.dumps(assessment.to_json(), ensure_ascii=False) + "\n")
    else:
        out.write(render(assessment, model.label))
    return 0


def run(args: argparse.Namespace, out: TextIO) -> int:
    """``consult-assist risk`` from the parsed flags."""
    options = RiskOptions(
        file=args.file,
        as_json=args.json,
        manuals=args.manuals,
        split_channels=args.split_channels,
        model=model_options(args, manuals=args.manuals),
        stream=stream_options(args),
    )
    return risk(options, out)
