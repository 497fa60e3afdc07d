"""``consult-assist bench capacity``: how many live calls one machine carries, on the real model.

For N = 1, 2, 4, 6, 8, 12 … concurrent calls (until the final p95 passes 1.5 s), the sample
calls are replayed at real time through real websockets into a real server (its own process:
real model, VAD, knowledge, store), N at a time: call slot j replays the files j, j+N, j+2N …
one after another, so every step transcribes the same files and their CER compares across
steps. Per step: final latency p50/p95/max (the server's ``latency_s``, and as the client saw
it), partial interval, the longest the screen stood still for a speaker, CER of the finals
against the sidecars, decode batch sizes, model compute and server CPU per audio second, the
machine's load average. The knee is the largest N with final p95 ≤ 1.5 s and CER within one
point of N = 1. Before the steps, the same audio goes through ``transcribe``'s simulated path
one file at a time: N = 1 live must match it.

``clock="simulated"`` runs the same steps without a server, on the simulated clock (the same
scheduler and batches; only the model's compute is counted).
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
import tempfile
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np

from consult_assist import paths
from consult_assist.asr.cer import cer
from consult_assist.asr.options import ModelOptions, StreamOptions, load_transcriber
from consult_assist.asr.scheduler import DecodeScheduler, SchedulerOptions
from consult_assist.asr.simulate import SimulationStats
from consult_assist.asr.sizing import WorkerPlan, available_cpus, plan_workers
from consult_assist.asr.whisper import pick_device
from consult_assist.audio.calls import CallAudio
from consult_assist.audio.file import read_audio, read_pcm16
from consult_assist.bench.callmetrics import CallTrace, find_knee, summarize_step
from consult_assist.config import ServerConfig
from consult_assist.errors import ConfigError
from consult_assist.events import (
    ErrorEvent,
    Event,
    SessionEnded,
    TranscriptFinal,
    TranscriptPartial,
)
from consult_assist.hub.auth import add_token
from consult_assist.hub.client import WebSocketHubClient
from consult_assist.hub.replay import replay_file
from consult_assist.hub.serve import RunningServer, run_server, speech_plan
from consult_assist.pipeline import SimulatedCall, simulated_call, simulated_calls

__all__ = ["CapacityBenchOptions", "run_capacity_bench"]

log = logging.getLogger(__name__)

Say = Callable[[str], None]


@dataclass(frozen=True, kw_only=True)
class CapacityBenchOptions:
    """What ``bench capacity`` steps through, on which model."""

    calls: tuple[int, ...] = (1, 2, 4, 6, 8, 12, 16, 24, 32)
    """Concurrent calls per step, in order; stepping stops after the first step past the limit."""
    seconds: float = 0.0
    """Replay only the first turns of each file, up to this many seconds (0: whole files)."""
    files: tuple[Path, ...] = ()
    """Recordings with ``.json`` sidecars (default: every sample call)."""
    limit: int = 0
    """Use only the first ``limit`` files (0: all)."""
    stagger_s: float = 1.3
    """Seconds between the starts of two call slots (calls do not start in lockstep)."""
    clock: Literal["live", "simulated"] = "live"
    p95_limit_s: float = 1.5
    cer_margin_points: float = 1.0
    transcribe: bool = True
    """First run ``transcribe``'s simulated path over the same audio (the N = 1 reference)."""
    workers: int = 0
    """Decode workers (0: auto, as ``serve``)."""
    servers: int = 1
    """Server processes on the one machine (and its one GPU), each its own ``serve`` with its
    own model, store and event loop; call slot j goes to server j mod ``servers``."""
    model: ModelOptions = field(default_factory=ModelOptions)
    stream: StreamOptions = field(default_factory=StreamOptions)


@dataclass(frozen=True)
class _Recording:
    name: str
    path: Path
    """The file replayed (a clip of the original with ``seconds``)."""
    reference: str
    duration_s: float


def run_capacity_bench(options: CapacityBenchOptions, *, say: Say | None = None) -> dict[str, Any]:
    """Run the benchmark described in the module docstring; return the JSON-able summary."""
    say = say or (lambda text: None)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ca-bench-capacity-") as tmp:
        recordings = _recordings(options, Path(tmp))
        transcriber = None
        summary: dict[str, Any] = {
            "bench": "capacity",
            "clock": options.clock,
            "files": [r.name for r in recordings],
            "seconds_per_file": options.seconds or "whole",
            "stagger_s": options.stagger_s,
            "machine": {"cpus": _cpus(), "loadavg_start": _load()},
        }
        device = pick_device(options.model.device)
        plan = plan_workers(
            device, workers=options.workers, threads=options.model.threads, cpus=_cpus()
        )
        summary["speech"] = plan.describe()
        if options.transcribe or options.clock == "simulated":
            say("loading the model for the simulated runs")
            transcriber = load_transcriber(
                replace(options.model, threads=plan.threads), num_workers=plan.workers
            )
            summary.update(model=transcriber.options.model, device=transcriber.device)
            summary["compute_type"] = transcriber.compute_type
        if options.transcribe and transcriber is not None:
            say(f"transcribe (simulated clock), one file at a time: {len(recordings)} files")
            summary["transcribe_cer"] = _transcribe_cer(recordings, transcriber, options)
        if options.clock == "simulated":
            assert transcriber is not None
            steps = _simulated_steps(recordings, transcriber, plan, options, say)
        else:
            steps = asyncio.run(_live_steps(recordings, options, say, summary))
        summary["steps"] = steps
        summary["knee"] = find_knee(
            steps, p95_limit_s=options.p95_limit_s, cer_margin_points=options.cer_margin_points
        )
        one = next((s for s in steps if s["calls"] == 1), None)
        if one is not None and summary.get("transcribe_cer") is not None and one["cer"] is not None:
            summary["n1_minus_transcribe_points"] = round(
                100 * (one["cer"] - summary["transcribe_cer"]), 2
            )
        summary["targets"] = {
            "final_p95_s": options.p95_limit_s,
            "cer_within_points_of_n1": options.cer_margin_points,
            "knee_2_cpu_cores_base_int8": 6,
        }
        summary["machine"]["loadavg_end"] = _load()
        summary["wall_s"] = round(time.monotonic() - started, 1)
    return summary


# -- the calls ---------------------------------------------------------------------------------


def _recordings(options: CapacityBenchOptions, tmp: Path) -> list[_Recording]:
    files = list(options.files) or sorted(paths.samples_dir().glob("*.flac"))
    if not files:
        raise ConfigError(f"no sample calls in {paths.samples_dir()}; pass recordings")
    if options.limit:
        files = files[: options.limit]
    out: list[_Recording] = []
    for path in files:
        sidecar = path.with_name(path.name.split(".")[0] + ".json")
        if not sidecar.is_file():
            raise ConfigError(f"{path} has no sidecar {sidecar.name} with the reference turns")
        turns = json.loads(sidecar.read_text(encoding="utf-8"))["turns"]
        pcm = read_pcm16(path)
        if options.seconds:
            turns = [t for t in turns if t["end"] <= options.seconds] or turns[:1]
            end = min(pcm.channels.shape[1], int((turns[-1]["end"] + 0.8) * pcm.rate))
            path = tmp / f"{path.name.split('.')[0]}.wav"
            _write_wav(path, pcm.channels[:, :end], pcm.rate)
            pcm = read_pcm16(path)
        reference = "".join(t["text"] for t in turns)
        out.append(_Recording(path.name.split(".")[0], path, reference, pcm.duration_s))
    return out


def _write_wav(path: Path, channels: np.ndarray[Any, Any], rate: int) -> None:
    """16-bit PCM samples, unchanged, as a WAV file (the clip a replay sends)."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels.shape[0])
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(np.ascontiguousarray(channels.T).astype("<i2").tobytes())


def _slots(recordings: list[_Recording], n: int) -> list[list[_Recording]]:
    """The recordings each of ``n`` call slots replays, one after another (every file at
    least once; with more slots than files, files are reused)."""
    calls = [recordings[i % len(recordings)] for i in range(max(n, len(recordings)))]
    return [calls[j::n] for j in range(n)]


# -- the simulated clock -----------------------------------------------------------------------


def _transcribe_cer(recordings: list[_Recording], transcriber: Any, opts: Any) -> float | None:
    """CER of ``transcribe`` (simulated clock, one file at a time) over the recordings."""
    edits = chars = 0
    for rec in recordings:
        audio = read_audio(rec.path)
        options = opts.stream.recognizer_options(audio.source_rate)
        text = "".join(
            e.text
            for e in simulated_call(
                rec.name, CallAudio((audio.mono(),)), transcriber, options=options
            )
            if isinstance(e, TranscriptFinal)
        )
        _, e, n = cer(rec.reference, text)
        edits += e
        chars += n
    return round(edits / chars, 4) if chars else None


def _simulated_steps(
    recordings: list[_Recording],
    transcriber: Any,
    plan: WorkerPlan,
    options: CapacityBenchOptions,
    say: Say,
) -> list[dict[str, Any]]:
    audio = {r.name: read_audio(r.path) for r in recordings}
    steps: list[dict[str, Any]] = []
    for n in options.calls:
        say(f"simulated: {n} call(s) at once")
        calls: list[SimulatedCall] = []
        traces: dict[str, CallTrace] = {}
        for j, slot in enumerate(_slots(recordings, n)):
            start = j * options.stagger_s
            for k, rec in enumerate(slot):
                session = f"s{j}-{k}-{rec.name}"
                calls.append(SimulatedCall(session, CallAudio((audio[rec.name].mono(),)), start))
                traces[session] = CallTrace(rec.name, rec.reference, rec.duration_s, start)
                start += rec.duration_s + 0.5
        stats = SimulationStats()
        scheduler = DecodeScheduler(
            SchedulerOptions(max_batch=plan.max_batch), workers=plan.workers
        )
        rate = next(iter(audio.values())).source_rate
        for event in simulated_calls(
            calls,
            transcriber,
            options=options.stream.recognizer_options(rate),
            stats=stats,
            scheduler=scheduler,
        ):
            trace = traces[event.session]
            if isinstance(event, TranscriptFinal | TranscriptPartial | ErrorEvent):
                trace.events.append((trace.started + event.at, event))
        wall = max(c.start_s + c.audio.duration_s for c in calls)
        step = summarize_step(
            n,
            list(traces.values()),
            wall_s=wall,
            compute_s=stats.compute_s,
            batch_sizes=stats.batch_sizes,
            extra={
                "partials_skipped": scheduler.stats.partials_skipped,
                "model_cpu_per_audio_s": round(stats.cpu_s / max(stats.audio_s, 1e-9), 3),
                "loadavg": _load(),
            },
        )
        steps.append(step)
        say(_line(step))
        if (step["final_latency_s"]["p95"] or 0.0) > options.p95_limit_s:
            break
    return steps


# -- live: a real server in its own process ----------------------------------------------------


def _server_main(
    config: ServerConfig, model: ModelOptions, stream: StreamOptions, conn: Any
) -> None:
    """The server process: ``serve`` with the real model and the bench's streaming options
    (``--no-partials``, ``--min-silence`` …), answering stats requests."""
    logging.basicConfig(level=logging.WARNING)
    plan = speech_plan(config, threads=model.threads)
    model = replace(model, threads=plan.threads)

    async def watch(running: RunningServer) -> None:
        service = running.service
        assert service is not None
        while True:
            await asyncio.sleep(0.2)
            if conn.poll():
                conn.recv()
                stats = service.scheduler.stats
                cpu = os.times()
                conn.send(
                    {
                        "busy_s": service.busy_s,
                        "batch_sizes": dict(stats.batch_sizes),
                        "partials_skipped": stats.partials_skipped,
                        "cpu_s": cpu.user + cpu.system,
                    }
                )

    def ready(running: RunningServer) -> None:
        conn.send({"url": running.url, "speech": running.speech})
        asyncio.get_running_loop().create_task(watch(running))

    asyncio.run(
        run_server(
            config,
            transcriber=lambda: load_transcriber(
                model, num_workers=plan.workers, warm_up=plan.max_batch
            ),
            options_for=stream.recognizer_options,
            ready=ready,
            plan=plan,
        )
    )


def _ask(conn: Any) -> dict[str, Any]:
    conn.send("stats")
    if not conn.poll(60):
        raise RuntimeError("the bench server stopped answering")
    answer: dict[str, Any] = conn.recv()
    return answer


def _ask_all(servers: list[tuple[Any, Any]]) -> dict[str, Any]:
    """Every server's counters, added up (batch sizes by size)."""
    total: dict[str, Any] = {"busy_s": 0.0, "cpu_s": 0.0, "partials_skipped": 0, "batch_sizes": {}}
    for _, conn in servers:
        answer = _ask(conn)
        for key in ("busy_s", "cpu_s", "partials_skipped"):
            total[key] += answer[key]
        for size, count in answer["batch_sizes"].items():
            total["batch_sizes"][size] = total["batch_sizes"].get(size, 0) + count
    return total


class _Caller(WebSocketHubClient):
    """A trainer's client that keeps its session's transcript events with their arrival."""

    def __init__(self, url: str, token: str) -> None:
        super().__init__(url, token, reconnect=False)
        self.events: list[tuple[float, Event]] = []
        self.ended = asyncio.Event()

    def _on_event(self, event: Event, raw: str) -> None:
        if isinstance(event, TranscriptFinal | TranscriptPartial | ErrorEvent):
            self.events.append((time.monotonic(), event))
        elif isinstance(event, SessionEnded):
            self.ended.set()


async def _slot(url: str, token: str, slot: list[_Recording], delay: float) -> list[CallTrace]:
    await asyncio.sleep(delay)
    traces: list[CallTrace] = []
    for rec in slot:
        client = _Caller(url, token)
        await client.connect()
        try:
            await replay_file(client, rec.path, speed=1.0)
            trace = CallTrace(rec.name, rec.reference, rec.duration_s, time.monotonic())
            await client.ended.wait()
            trace.events = client.events
            traces.append(trace)
        finally:
            await client.close()
    return traces


async def _live_steps(
    recordings: list[_Recording], options: CapacityBenchOptions, say: Say, summary: dict[str, Any]
) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="ca-capacity-server-") as tmp:
        tokens = Path(tmp) / "tokens.json"
        token = add_token(tokens, "bench-trainer", "trainer")
        count = max(1, options.servers)
        ctx = multiprocessing.get_context("spawn")
        config = ServerConfig(
            port=0,
            db=Path(tmp) / "bench0.db",
            tokens=tokens,
            manuals=paths.default_manuals_dir(),
            model=options.model.model,
            device=options.model.device,
            compute_type=options.model.compute_type,
            workers=options.workers,
            max_sessions_per_token=0,
            max_live_sessions=max(64, 2 * max(options.calls, default=1)),
        )
        servers: list[tuple[Any, Any]] = []
        for k in range(count):
            own = replace(config, db=Path(tmp) / f"bench{k}.db")
            parent, child = ctx.Pipe()
            process = ctx.Process(
                target=_server_main, args=(own, options.model, options.stream, child)
            )
            process.start()
            servers.append((process, parent))
        steps: list[dict[str, Any]] = []
        try:
            urls: list[str] = []
            for _, parent in servers:
                if not parent.poll(300):
                    raise RuntimeError("a bench server did not start within 300 s")
                hello = parent.recv()
                urls.append(hello["url"])
            summary["speech"] = hello["speech"] + (f", {count} servers" if count > 1 else "")
            summary["servers"] = count
            say(f"{count} server(s) up at {', '.join(urls)} ({hello['speech']})")
            for n in options.calls:
                say(f"live: {n} call(s) at once")
                before, load = _ask_all(servers), _load()
                t0 = time.monotonic()
                slots = _slots(recordings, n)
                results = await asyncio.gather(
                    *(
                        _slot(urls[j % count], token, s, j * options.stagger_s)
                        for j, s in enumerate(slots)
                    )
                )
                wall = time.monotonic() - t0
                after = _ask_all(servers)
                sizes = {
                    int(k): v - before["batch_sizes"].get(k, 0)
                    for k, v in after["batch_sizes"].items()
                    if v - before["batch_sizes"].get(k, 0)
                }
                step = summarize_step(
                    n,
                    [t for traces in results for t in traces],
                    wall_s=wall,
                    compute_s=after["busy_s"] - before["busy_s"],
                    batch_sizes=sizes,
                    cpu_s=after["cpu_s"] - before["cpu_s"],
                    extra={
                        "partials_skipped": after["partials_skipped"] - before["partials_skipped"],
                        "loadavg": [load, _load()],
                    },
                )
                steps.append(step)
                say(_line(step))
                if (step["final_latency_s"]["p95"] or 0.0) > options.p95_limit_s:
                    break
        finally:
            for process, _ in servers:
                process.terminate()
            for process, _ in servers:
                process.join(60)
    return steps


# -- helpers -----------------------------------------------------------------------------------


def _line(step: dict[str, Any]) -> str:
    lat = step["final_latency_s"]
    return (
        f"  {step['calls']} call(s): final p50 {lat['p50']} s p95 {lat['p95']} s, "
        f"CER {step['cer']}, mean batch {step['mean_batch']}, "
        f"compute/audio {step['compute_per_audio_s']}"
    )


def _cpus() -> int:
    return available_cpus()


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else []
