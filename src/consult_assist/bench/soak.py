"""``consult-assist bench soak``: one long call, to see whether anything grows with its length.

Calls at a child-consultation line can last two hours. Two phases, each against a server in its
own process (so its memory can be watched), each one call streamed by a trainer client (the
sample calls, looped) with a few supervisors following every session:

1. ``fake``: a 2-hour call at up to 8 x real time with a *fake recognizer* (the sample
   scripts, the output says so); the real VAD, knowledge engine, store and fan-out.
2. ``real``: 30 minutes at real time on the real speech model.

Each reports the server's memory (RSS) over the first vs the last 10 minutes of call time, the
knowledge engine's cost per event in the first vs the last tenth of the call's events, the
store's commit latency (first vs last tenth too), and delivery to the supervisors (latency from
commit to receipt, lost and duplicated events). The server process times its store and
knowledge engine through ``run_server(instrument=…)``; nothing else in it is changed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from consult_assist import paths
from consult_assist.asr.options import ModelOptions, load_transcriber
from consult_assist.asr.recognizer import RecognizerOptions
from consult_assist.audio.file import read_audio
from consult_assist.bench.procstat import cpu_s, rss_mb
from consult_assist.config import ServerConfig
from consult_assist.hub.auth import add_token
from consult_assist.hub.client import WebSocketHubClient
from consult_assist.hub.limits import ConnectionLimits
from consult_assist.hub.serve import RunningServer, run_server
from consult_assist.hub.sqlite_store import SqliteStore
from consult_assist.testing import FakeTranscriber

__all__ = ["SoakOptions", "run_soak"]

log = logging.getLogger(__name__)

FRAME_S = 0.5
"""Seconds of audio per websocket frame."""


@dataclass(frozen=True, kw_only=True)
class SoakOptions:
    """How long each phase runs; ``--quick`` shortens both."""

    call_s: float = 7200.0
    """Length of the fake-recognizer call, in seconds of call audio."""
    speed: float = 8.0
    """× real time of the fake-recognizer call (the server's audio budget is raised to fit)."""
    real_call_s: float = 1800.0
    """Length of the real-model call at real time (0: skip that phase)."""
    supervisors: int = 3
    model: ModelOptions = field(default_factory=ModelOptions)


# --- the server process ---------------------------------------------------------------------


class _Timed:
    """Wraps the store or the knowledge engine; times one method, forwards everything else."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.samples: list[tuple[float, float]] = []
        """(call seconds of the event, seconds the call took)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _TimedStore(_Timed):
    async def append(self, event: Any) -> str:
        t0 = time.perf_counter()
        body: str = await self._inner.append(event)
        self.samples.append((event.at, time.perf_counter() - t0))
        return body


class _TimedKnowledge(_Timed):
    def feed(self, event: Any) -> list[Any]:
        t0 = time.perf_counter()
        out: list[Any] = self._inner.feed(event)
        self.samples.append((event.at, time.perf_counter() - t0))
        return out


def _server_main(
    kind: str, db: str, tokens: str, scripts: list[str], model: Any, conn: Any
) -> None:
    """The server process: the real hub; the fake recognizer or the real model."""
    config = ServerConfig(
        port=0, db=Path(db), tokens=Path(tokens), manuals=paths.default_manuals_dir()
    )
    timed: dict[str, _Timed] = {}

    def instrument(store: Any, engine: Any) -> tuple[Any, Any]:
        timed["store"] = _TimedStore(store)
        timed["knowledge"] = _TimedKnowledge(engine)
        return timed["store"], timed["knowledge"]

    async def answer() -> None:
        while True:
            await asyncio.sleep(0.2)
            if conn.poll():
                conn.recv()
                conn.send({k: v.samples for k, v in timed.items()})

    def ready(running: RunningServer) -> None:
        conn.send(running.url)
        asyncio.get_running_loop().create_task(answer())

    transcriber: Any = (
        FakeTranscriber(scripts, chars_per_s=7.0, compute_s=0.02, keep_requests=False)
        if kind == "fake"
        else (lambda: load_transcriber(model))
    )
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(
        run_server(
            config,
            transcriber=transcriber,
            options_for=lambda rate: RecognizerOptions(),
            limits=ConnectionLimits(max_audio_speed=12.0, max_queue=100_000),
            ready=ready,
            instrument=instrument,
        )
    )


# --- the clients ----------------------------------------------------------------------------


class _Follower(WebSocketHubClient):
    """A supervisor that notes (session, seq, arrival) of each event instead of queueing it."""

    def __init__(self, url: str, token: str) -> None:
        super().__init__(url, token, backoff_s=(0.2, 0.5, 1.0))
        self.seen: dict[str, list[tuple[int, float]]] = {}

    def _dispatch(self, raw: str) -> None:
        data = json.loads(raw)
        if "re" in data or not data.get("seq"):
            super()._dispatch(raw)
            return
        self.seen.setdefault(data["session"], []).append((data["seq"], time.time()))


def _looped_audio(files: list[Path], seconds: float) -> Iterator[bytes]:
    """``seconds`` of 16 kHz mono int16 frames, the sample calls one after another, looped."""
    calls = []
    for path in files:
        mono = read_audio(path).mono()
        calls.append((np.clip(mono, -1.0, 1.0) * 32767).astype("<i2"))
    step = int(16_000 * FRAME_S)
    sent = 0
    total = int(seconds * 16_000)
    while sent < total:
        for pcm in calls:
            for i in range(0, len(pcm), step):
                chunk = pcm[i : i + step][: total - sent]
                if not len(chunk):
                    return
                sent += len(chunk)
                yield chunk.tobytes()


async def _stream(client: WebSocketHubClient, frames: Iterator[bytes], speed: float) -> str:
    session = await client.start_session(rate=16_000, training=True, for_handler="soak-handler")
    t0, audio_s = time.monotonic(), 0.0
    for frame in frames:
        await client.send_audio(frame)
        audio_s += len(frame) / 2 / 16_000
        ahead = audio_s / speed - (time.monotonic() - t0)
        if ahead > 0:
            await asyncio.sleep(ahead)
    await client.end_session(session)
    return session


# --- one phase ------------------------------------------------------------------------------


async def _phase(
    kind: str,
    call_s: float,
    speed: float,
    options: SoakOptions,
    say: Callable[[str], None],
) -> dict[str, Any]:
    files = sorted(paths.samples_dir().glob("*.flac"))
    if not files:
        raise FileNotFoundError("no sample calls (samples/*.flac) found")
    scripts = [
        t["text"]
        for f in files
        for t in json.loads(f.with_suffix(".json").read_text(encoding="utf-8"))["turns"]
    ]
    with tempfile.TemporaryDirectory(prefix=f"ca-bench-soak-{kind}-") as tmp:
        db, tokens = Path(tmp) / "soak.db", Path(tmp) / "tokens.json"
        trainer = add_token(tokens, "soak-trainer", "trainer")
        add_token(tokens, "soak-handler", "handler")
        boss = add_token(tokens, "soak-supervisor", "supervisor")
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        server = ctx.Process(
            target=_server_main, args=(kind, str(db), str(tokens), scripts, options.model, child)
        )
        server.start()
        assert server.pid is not None
        try:
            if not parent.poll(600):
                raise RuntimeError("the soak server did not start within 600 s")
            url = parent.recv()
            followers = [_Follower(url, boss) for _ in range(options.supervisors)]
            for f in followers:
                await f.connect()
                await f.subscribe("*")
            streamer = WebSocketHubClient(url, trainer, reconnect=False)
            await streamer.connect()
            say(f"{kind}: {call_s / 60:.0f} min of call at {speed:g}x real time")
            rss: list[tuple[float, float]] = []
            cpu0, t0 = cpu_s(server.pid), time.monotonic()
            streaming = asyncio.create_task(_stream(streamer, _looped_audio(files, call_s), speed))
            while not streaming.done():
                await asyncio.sleep(1.0)
                call_at = (time.monotonic() - t0) * speed
                rss.append((round(call_at, 1), round(rss_mb(server.pid), 1)))
                if int(call_at) % 600 < speed:
                    say(f"{kind}: {call_at / 60:.0f} min of call, server RSS {rss[-1][1]} MB")
            session = streaming.result()
            wall = time.monotonic() - t0
            cpu = cpu_s(server.pid) - cpu0
            await _until_delivered(db, session, followers)
            parent.send("samples")
            samples = parent.recv() if parent.poll(60) else {}
            summary = _summarise(db, session, followers, rss, samples, call_s)
            summary["server_cpu_cores"] = round(cpu / wall, 3) if wall else None
            summary["wall_s"] = round(wall, 1)
        finally:
            for client in [*locals().get("followers", []), locals().get("streamer")]:
                if client is not None:
                    await client.close()
            server.terminate()
            server.join(30)
    return summary


async def _until_delivered(db: Path, session: str, followers: list[_Follower]) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        with SqliteStore(db) as store:
            row = store.session(session)
        last = row.last_seq if row is not None and not row.live else None
        if last is not None and all(
            f.seen.get(session, [(0, 0.0)])[-1][0] >= last for f in followers
        ):
            return
        await asyncio.sleep(0.5)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def _tenths(samples: list[tuple[float, float]], scale: float) -> dict[str, Any]:
    """Mean and p90 of the first and the last tenth of ``samples`` (in order), × ``scale``."""
    n = max(1, len(samples) // 10)
    first = [d * scale for _, d in samples[:n]]
    last = [d * scale for _, d in samples[-n:]]
    out: dict[str, Any] = {"events": len(samples), "per_tenth": n}
    for name, part in (("first_tenth", first), ("last_tenth", last)):
        out[name] = {
            "mean": round(statistics.fmean(part), 2) if part else None,
            "p90": round(_pct(part, 0.9), 2),
        }
    if first and last and statistics.fmean(first) > 0:
        out["last_over_first_mean"] = round(statistics.fmean(last) / statistics.fmean(first), 2)
    return out


def _summarise(
    db: Path,
    session: str,
    followers: list[_Follower],
    rss: list[tuple[float, float]],
    samples: dict[str, list[tuple[float, float]]],
    call_s: float,
) -> dict[str, Any]:
    with SqliteStore(db) as store:
        stamps = dict(store.stored_at(session))
        types = [e.type for e in store.events(session)]
    latencies, lost, duplicated = [], 0, 0
    for f in followers:
        got = f.seen.get(session, [])
        seqs = [s for s, _ in got]
        duplicated += len(seqs) - len(set(seqs))
        lost += len(stamps) - len(set(seqs) & set(stamps))
        latencies += [(at - stamps[s]) * 1000 for s, at in got if s in stamps]
    window = min(600.0, call_s / 3)
    first = [m for t, m in rss if t <= window]
    last = [m for t, m in rss if t >= rss[-1][0] - window] if rss else []
    return {
        "call_s": call_s,
        "events_stored": len(stamps),
        "finals": types.count("transcript.final"),
        "server_rss_mb": {
            "window_s_of_call": window,
            "first_window_median": round(statistics.median(first), 1) if first else None,
            "last_window_median": round(statistics.median(last), 1) if last else None,
            "max": max((m for _, m in rss), default=None),
        },
        "knowledge_us_per_event": _tenths(samples.get("knowledge", []), 1e6),
        "store_commit_ms": _tenths(samples.get("store", []), 1e3),
        "delivery": {
            "supervisors": len(followers),
            "latency_ms_p50": round(_pct(latencies, 0.5), 2),
            "latency_ms_p99": round(_pct(latencies, 0.99), 2),
            "lost_events": lost,
            "duplicated_events": duplicated,
        },
    }


async def run_soak(
    options: SoakOptions, *, progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Run both phases (the real one unless ``real_call_s`` is 0) and return the summary."""
    say = progress or (lambda text: None)
    summary: dict[str, Any] = {"bench": "soak"}
    summary["fake"] = await _phase("fake", options.call_s, options.speed, options, say)
    summary["fake"]["asr"] = (
        f"fake: FakeTranscriber reading the sample scripts, audio at {options.speed:g}x real "
        "time (real VAD, knowledge, store and fan-out)"
    )
    if options.real_call_s > 0:
        summary["real"] = await _phase("real", options.real_call_s, 1.0, options, say)
        summary["real"]["asr"] = f"real: {options.model.model} at real time"
    return summary
