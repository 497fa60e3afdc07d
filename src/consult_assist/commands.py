"""Implementations of the CLI subcommands (argument parsing stays in :mod:`consult_assist.cli`)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from consult_assist import paths
from consult_assist.asr.guards import GuardOptions
from consult_assist.asr.models import install_default_model, installed_models, resolve_model
from consult_assist.asr.recognizer import RecognizerOptions
from consult_assist.asr.segmenter import SegmenterOptions
from consult_assist.asr.whisper import WhisperOptions, WhisperTranscriber
from consult_assist.events import (
    Alert,
    Checklist,
    Event,
    Suggestion,
    TranscriptFinal,
    TranscriptPartial,
)
from consult_assist.wire import encode_event

if TYPE_CHECKING:
    from consult_assist.knowledge.engine import KnowledgeEngine

__all__ = [
    "bench_asr",
    "bench_lookup",
    "load_transcriber",
    "lookup",
    "manuals_check",
    "models_install",
    "models_list",
    "recognizer_options",
    "transcribe",
]

log = logging.getLogger(__name__)


# -- models ------------------------------------------------------------------------------------


def _models_dir(args: argparse.Namespace) -> Path:
    value = getattr(args, "models_dir", None)
    return Path(value) if value is not None else paths.default_models_dir()


class _Progress:
    """A one-line progress meter on stderr for long work (only when stderr is a terminal)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.tty = sys.stderr.isatty()
        self._last = -1

    def __call__(self, name: str, done: int, total: int) -> None:
        pct = int(100 * done / total) if total else 100
        if pct == self._last:
            return
        self._last = pct
        if self.tty:
            sys.stderr.write(f"\r{self.label}: {name} {pct:3d}%")
            if pct >= 100:
                sys.stderr.write("\n")
            sys.stderr.flush()
        elif pct in (0, 100):
            sys.stderr.write(f"{self.label}: {name} {pct}%\n")


def models_install(args: argparse.Namespace, out: TextIO) -> int:
    target = install_default_model(
        _models_dir(args), force=args.force, progress=_Progress("installing whisper-base")
    )
    out.write(f"whisper-base installed in {target}\n")
    return 0


def models_list(args: argparse.Namespace, out: TextIO) -> int:
    from consult_assist.asr.models import verify_model

    folder = _models_dir(args)
    models = installed_models(folder)
    if not models:
        out.write(f"no models in {folder}; run `consult-assist models install`\n")
        return 0
    for m in models:
        status = "verified" if m.verified else "local"
        if args.verify and m.name == "whisper-base":
            status = "sha256 ok" if verify_model(m.path) else "CORRUPT: run models install --force"
        out.write(f"{m.name:20s} {m.size_bytes / 1e6:8.1f} MB  {status:10s} {m.path}\n")
    return 0


def load_transcriber(args: argparse.Namespace, *, num_workers: int = 1) -> WhisperTranscriber:
    """Install (first run) and load the model the options name."""
    model = resolve_model(
        args.model, models_dir=_models_dir(args), progress=_Progress("installing whisper-base")
    )
    hotwords = _hotwords(args.hotwords, getattr(args, "manuals", None))
    return WhisperTranscriber(
        WhisperOptions(
            model=model,
            device=args.device,
            compute_type=args.compute_type,
            cpu_threads=args.threads,
            num_workers=num_workers,
            language=args.language,
            beam_size=args.beam_size,
            hotwords=hotwords,
        )
    )


def _hotwords(value: str | None, manuals: Path | None) -> str:
    """``off``/None: none; ``auto``: domain terms from the manuals; anything else: as given."""
    if value in (None, "", "off"):
        return ""
    if value != "auto":
        return value
    from consult_assist.asr.hotwords import select_hotwords
    from consult_assist.knowledge.manual import load_manual

    manual = load_manual(manuals or paths.default_manuals_dir())
    return select_hotwords((s.keywords for s in manual.sections), (s.body for s in manual.sections))


def recognizer_options(args: argparse.Namespace, *, source_rate: int = 16000) -> RecognizerOptions:
    """Streaming options from the CLI; the VAD threshold follows the source's bandwidth."""
    from consult_assist.asr.vad import default_threshold

    threshold = args.vad_threshold
    if threshold is None:
        threshold = default_threshold(source_rate)
    return RecognizerOptions(
        partials=not args.no_partials,
        segmenter=SegmenterOptions(
            threshold=threshold,
            min_silence_s=args.min_silence,
            max_utterance_s=args.max_utterance,
            soft_max_s=min(9.0, args.max_utterance * 0.65),
        ),
        guards=GuardOptions(),
    )


# -- transcribe --------------------------------------------------------------------------------


def transcribe(args: argparse.Namespace, out: TextIO) -> int:
    from consult_assist.audio.calls import channels_for
    from consult_assist.audio.file import read_audio
    from consult_assist.pipeline import live_call, simulated_call

    audio = read_audio(args.file)  # fails fast, before the model loads
    call = channels_for(audio.channels, split=args.split_channels)
    call = type(call)(
        call.channels,
        call.speakers,
        {"source": "file", "file": args.file.name, "duration_s": round(audio.duration_s, 2)},
    )
    knowledge = None if args.no_knowledge else _knowledge(args.manuals)
    transcriber = load_transcriber(args)
    session = f"file-{uuid.uuid4().hex[:8]}"
    printer = _JsonlPrinter(out) if args.jsonl else LivePrinter(out)
    options = recognizer_options(args, source_rate=audio.source_rate)
    if not args.realtime:
        printer.print_all(
            simulated_call(session, call, transcriber, options=options, knowledge=knowledge)
        )
        return 0

    async def run() -> None:
        from consult_assist.asr.service import AsrService

        async with AsrService(transcriber) as service:
            async for event in live_call(
                session, call, service, options=options, knowledge=knowledge, speed=args.speed
            ):
                printer.print(event)

    asyncio.run(run())
    return 0


def _knowledge(manuals: Path | None) -> KnowledgeEngine | None:
    """The knowledge engine over the manuals; None (with a warning) when there are none."""
    from consult_assist.knowledge.engine import KnowledgeEngine
    from consult_assist.knowledge.manual import load_manual

    folder = manuals or paths.default_manuals_dir()
    if not folder.is_dir():
        log.warning("no manuals folder at %s: transcript only", folder)
        return None
    return KnowledgeEngine(load_manual(folder))


class _JsonlPrinter:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def print(self, event: Event) -> None:
        self.out.write(encode_event(event) + "\n")
        self.out.flush()

    def print_all(self, events: Iterable[Event]) -> None:
        for event in events:
            self.print(event)


def _clock(seconds: float) -> str:
    m, s = divmod(seconds, 60)
    return f"{int(m):02d}:{s:04.1f}"


_SPEAKER = {"caller": "相談者", "handler": "対応者", "": ""}
_LEVEL = {"critical": "重大", "high": "高", "notice": "注意"}


class LivePrinter:
    """A readable live transcript; partials rewrite the current line on a terminal."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.tty = out.isatty()
        self._partial = False

    def _clear(self) -> None:
        if self._partial:
            self.out.write("\r\x1b[2K")
            self._partial = False

    def print(self, event: Event) -> None:
        if isinstance(event, TranscriptPartial):
            if not self.tty:
                return
            self._clear()
            if event.text:
                who = _SPEAKER.get(event.speaker, event.speaker)
                head = f"[{_clock(event.start)}] {who + ': ' if who else ''}"
                stable, rest = event.text[: event.stable], event.text[event.stable :]
                self.out.write(f"{head}{stable}\x1b[2m{rest}\x1b[0m")
                self._partial = True
        elif isinstance(event, TranscriptFinal):
            self._clear()
            who = _SPEAKER.get(event.speaker, event.speaker)
            self.out.write(
                f"[{_clock(event.start)}] {who + ': ' if who else ''}{event.text}"
                f"  ({event.latency_s:.2f} s)\n"
            )
        elif isinstance(event, Alert):
            self._clear()
            bell = "\a" if self.tty and event.level == "critical" else ""
            self.out.write(
                f"{bell}  !! 注意ワード[{_LEVEL.get(event.level, event.level)}] {event.word}\n"
            )
        elif isinstance(event, Suggestion) and event.items:
            self._clear()
            titles = " / ".join(item.title for item in event.items[:3])
            self.out.write(f"  → マニュアル: {titles}\n")
        elif isinstance(event, Checklist):
            return
        self.out.flush()

    def print_all(self, events: Iterable[Event]) -> None:
        for event in events:
            self.print(event)
        self._clear()


# -- benchmarks and knowledge ------------------------------------------------------------------


def bench_asr(args: argparse.Namespace) -> dict[str, Any]:
    from consult_assist.bench import run_asr_bench

    return run_asr_bench(args)


def bench_lookup(args: argparse.Namespace) -> dict[str, Any]:
    from consult_assist.knowledge import bench

    manuals = args.manuals or paths.default_manuals_dir()
    root = paths.checkout_root() or Path.cwd()
    result: dict[str, Any] = bench.bench_lookup(
        manuals=manuals,
        labelled=root / "tests" / "data" / "lookup_labelled.jsonl",
        attention=root / "tests" / "data" / "attention_labelled.jsonl",
        samples=paths.samples_dir(),
    )
    return result


def lookup(args: argparse.Namespace, out: TextIO) -> int:
    from consult_assist.knowledge import commands as kc

    manuals = args.manuals or paths.default_manuals_dir()
    code: int = kc.lookup_command(
        args.text, manuals=manuals, top=args.top, as_json=args.json, out=out
    )
    return code


def manuals_check(args: argparse.Namespace, out: TextIO) -> int:
    from consult_assist.knowledge import commands as kc

    code: int = kc.manuals_check_command(args.path or paths.default_manuals_dir(), out=out)
    return code
