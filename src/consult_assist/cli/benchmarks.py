"""``consult-assist bench …``: run one benchmark (asr, assist, capacity, hub…), print JSON.

The benchmarks themselves live in :mod:`consult_assist.bench`; this module reads the flags
into their options, finds the labelled data of a checkout, and prints (``--out``: also writes)
the summary.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from consult_assist import paths
from consult_assist.bench.assistance import AssistBenchOptions, run_assist_bench
from consult_assist.bench.backstopbench import run_backstop_bench
from consult_assist.bench.capacity import CapacityBenchOptions, run_capacity_bench
from consult_assist.bench.delivery import run_hub_bench
from consult_assist.bench.lookup import bench_lookup
from consult_assist.bench.riskbench import run_risk_bench
from consult_assist.bench.soak import SoakOptions, run_soak
from consult_assist.bench.speech import AsrBenchOptions, run_asr_bench
from consult_assist.cli.output import install_progress, write_json
from consult_assist.cli.recognition import model_options, stream_options
from consult_assist.errors import ConfigError

__all__ = [
    "bench_asr",
    "bench_assist",
    "bench_capacity",
    "bench_hub",
    "bench_lookup_summary",
    "bench_soak",
    "run",
]


def bench_asr(options: AsrBenchOptions) -> dict[str, Any]:
    """``bench asr``: streaming against offline on the sample calls (or the files given)."""
    return run_asr_bench(options, install_progress=install_progress())


def bench_assist(options: AssistBenchOptions) -> dict[str, Any]:
    """``bench assist``: progress lines on stderr while it runs (the model, on every call)."""
    return run_assist_bench(
        options,
        install_progress=install_progress(),
        progress=lambda text: print(f"bench assist: {text}", file=sys.stderr),
    )


def bench_capacity(options: CapacityBenchOptions) -> dict[str, Any]:
    """``bench capacity``: progress lines on stderr while it runs (it takes many minutes)."""
    return run_capacity_bench(
        options, say=lambda text: print(f"bench capacity: {text}", file=sys.stderr, flush=True)
    )


def bench_hub(
    *,
    calls: int,
    supervisors: int,
    duration_s: float,
    kill: int,
    nodes: int = 1,
    store: str | None = None,
    store_connections: int | None = None,
    out: Path | None = None,
) -> dict[str, Any]:
    """``bench hub``: progress lines on stderr while it runs (it takes minutes); with ``out``
    the PostgreSQL half is written there as soon as it is over."""
    return asyncio.run(
        run_hub_bench(
            calls=calls,
            supervisors=supervisors,
            duration_s=duration_s,
            kill=kill,
            nodes=nodes,
            store=store,
            store_connections=store_connections,
            progress=lambda text: print(f"bench hub: {text}", file=sys.stderr),
            on_phase=None if out is None else lambda half: _write_half(half, out),
        )
    )


def _write_half(summary: dict[str, Any], out: Path) -> None:
    out.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"bench hub: the PostgreSQL half written to {out}", file=sys.stderr)


def bench_soak(args: argparse.Namespace) -> dict[str, Any]:
    """``bench soak`` (``--quick``: 20 minutes at 8x, then 3 real): progress on stderr."""
    minutes, real = (20.0, 3.0) if args.quick else (args.minutes, args.real_minutes)
    if not 0 < args.speed <= 10:
        raise ConfigError("--speed must be above 0 and at most 10 (the server's audio budget)")
    options = SoakOptions(
        call_s=minutes * 60,
        speed=args.speed,
        real_call_s=real * 60,
        supervisors=args.supervisors,
        model=model_options(args),
    )
    return asyncio.run(
        run_soak(options, progress=lambda text: print(f"bench soak: {text}", file=sys.stderr))
    )


def bench_lookup_summary(manuals: Path | None) -> dict[str, Any]:
    """``bench lookup`` on ``manuals`` with the checkout's labelled utterances and samples."""
    root = paths.checkout_root() or Path.cwd()
    return bench_lookup(
        manuals=manuals or paths.default_manuals_dir(),
        labelled=root / "tests" / "data" / "lookup_labelled.jsonl",
        attention=root / "tests" / "data" / "attention_labelled.jsonl",
        samples=paths.samples_dir(),
    )


def run(args: argparse.Namespace, out: TextIO) -> int | None:
    """Run ``bench asr|capacity|hub|lookup``; None: no benchmark named."""
    if args.bench_command == "asr":
        options = AsrBenchOptions(
            files=tuple(args.files),
            offline=not args.no_offline,
            extra=not args.no_extra,
            snr_db=args.snr,
            seed=args.seed,
            limit=args.limit,
            model=model_options(args),
            stream=stream_options(args),
        )
        return write_json(bench_asr(options), out, also_to=args.out)
    if args.bench_command == "assist":
        assist = AssistBenchOptions(
            names=tuple(args.names),
            renditions=tuple(args.rendition or ("wideband", "telephone")),
            manuals=args.manuals,
            cache=args.cache,
            reference=args.reference,
            model=model_options(args),
            stream=stream_options(args),
        )
        return write_json(bench_assist(assist), out, also_to=args.out)
    if args.bench_command == "capacity":
        capacity = CapacityBenchOptions(
            calls=args.calls,
            seconds=args.seconds,
            files=tuple(args.files),
            limit=args.limit,
            stagger_s=args.stagger,
            p95_limit_s=args.p95,
            clock=args.clock,
            transcribe=not args.no_transcribe,
            workers=args.workers,
            servers=args.servers,
            model=model_options(args),
            stream=stream_options(args),
        )
        return write_json(bench_capacity(capacity), out, also_to=args.out)
    if args.bench_command == "hub":
        summary = bench_hub(
            calls=args.calls,
            supervisors=args.supervisors,
            duration_s=args.duration,
            kill=args.kill,
            nodes=args.nodes,
            store=args.store,
            store_connections=args.store_connections,
            out=Path(args.out) if args.out else None,
        )
        return write_json(summary, out, also_to=args.out)
    if args.bench_command == "soak":
        return write_json(bench_soak(args), out, also_to=args.out)
    if args.bench_command == "lookup":
        return write_json(bench_lookup_summary(args.manuals), out, also_to=args.out)
    if args.bench_command == "risk":
        summary = run_risk_bench(
            args.manuals or paths.default_manuals_dir(), args.data or Path("tests") / "data"
        )
        return write_json(summary, out, also_to=args.out)
    if args.bench_command == "backstop":
        summary = run_backstop_bench(
            args.manuals or paths.default_manuals_dir(),
            args.data or [Path("tests") / "data"],
            blind=args.blind,
            iterations=args.iterations,
            folds=args.folds,
            only=[n for n in args.only.split(",") if n],
            say=lambda line: print(f"bench backstop: {line}", file=sys.stderr, flush=True),
        )
        return write_json(summary, out, also_to=args.out)
    return None
