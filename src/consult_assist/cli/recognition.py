"""The speech-model and streaming flags read into typed options, once.

``transcribe``, ``serve``, ``demo`` and ``bench asr`` share two flag groups (added by
:func:`~consult_assist.cli.parser.add_model_flags` and
:func:`~consult_assist.cli.parser.add_stream_flags`); these functions turn them into frozen
:class:`~consult_assist.asr.options.ModelOptions` and
:class:`~consult_assist.asr.options.StreamOptions`. Nothing below the command line sees
argparse.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from consult_assist import paths
from consult_assist.asr.hotwords import select_hotwords
from consult_assist.asr.options import ModelOptions, StreamOptions
from consult_assist.knowledge.manual import load_manual

__all__ = ["model_options", "resolve_hotwords", "stream_options"]


def resolve_hotwords(value: str | None, manuals: Path | None) -> str:
    """``off``/None: none; ``auto``: domain terms from the manuals; anything else: as given."""
    if value in (None, "", "off"):
        return ""
    if value != "auto":
        return value
    manual = load_manual(manuals or paths.default_manuals_dir())
    return select_hotwords((s.keywords for s in manual.sections), (s.body for s in manual.sections))


def model_options(
    args: argparse.Namespace,
    *,
    manuals: Path | None = None,
    model: str | None = None,
    device: str | None = None,
    compute_type: str | None = None,
) -> ModelOptions:
    """The model flags as :class:`ModelOptions`; ``--hotwords auto`` reads ``manuals`` now.

    ``model``, ``device`` and ``compute_type`` replace the flags when given (``serve`` takes
    them from its merged configuration).
    """
    return ModelOptions(
        model=model or args.model,
        models_dir=args.models_dir,
        device=device or args.device,
        compute_type=compute_type or args.compute_type,
        language=args.language,
        beam_size=args.beam_size,
        threads=args.threads,
        hotwords=resolve_hotwords(args.hotwords, manuals),
    )


def stream_options(args: argparse.Namespace) -> StreamOptions:
    """The streaming flags as :class:`StreamOptions`."""
    return StreamOptions(
        min_silence_s=args.min_silence,
        max_utterance_s=args.max_utterance,
        vad_threshold=args.vad_threshold,
        partials=not args.no_partials,
    )
