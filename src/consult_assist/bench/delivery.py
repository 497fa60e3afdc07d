"""``consult-assist bench hub``: many replayed calls, many supervisors, one server process.

The server runs in its own process (so its memory can be watched) with the real VAD, knowledge
engine, store and websockets, and a *fake recognizer* that reads the sample calls' scripts (the
bench measures the hub, not the model; the output says so). This process replays ``calls``
sample calls in real time, one after another per caller slot, and connects ``supervisors``
clients that follow every session. ``kill`` of them lose their connection at a random moment
(no close handshake) and resume by seq. At the end every supervisor's event list of every
session is compared with the store: count, order and a digest of the bodies.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import multiprocessing
import random
import statistics
import tempfile
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from consult_assist import paths
from consult_assist.asr.recognizer import RecognizerOptions
from consult_assist.bench.procstat import cpu_s, rss_mb
from consult_assist.config import ServerConfig
from consult_assist.hub.auth import add_token
from consult_assist.hub.client import ConnectionState, WebSocketHubClient
from consult_assist.hub.replay import replay_file
from consult_assist.hub.serve import RunningServer, run_server
from consult_assist.hub.sqlite_store import SqliteStore
from consult_assist.testing import FakeTranscriber

__all__ = ["run_hub_bench"]

log = logging.getLogger(__name__)


def _server_main(db: str, tokens: str, manuals: str, scripts: list[str], conn: Any) -> None:
    """The server process: the real hub with the fake recognizer, reporting on ``conn``."""
    config = ServerConfig(port=0, db=Path(db), tokens=Path(tokens), manuals=Path(manuals))

    lags: list[float] = []

    async def watch_loop() -> None:
        # How late the server's event loop runs a 10 ms timer: time it cannot deliver.
        loop = asyncio.get_running_loop()
        while True:
            t = loop.time()
            await asyncio.sleep(0.01)
            lags.append((loop.time() - t - 0.01) * 1000)
            if conn.poll():
                conn.recv()
                conn.send(lags)
                lags.clear()

    def ready(running: RunningServer) -> None:
        conn.send(running.url)
        asyncio.get_running_loop().create_task(watch_loop())

    logging.basicConfig(level=logging.WARNING)
    asyncio.run(
        run_server(
            config,
            transcriber=FakeTranscriber(
                scripts, chars_per_s=7.0, compute_s=0.02, keep_requests=False
            ),
            options_for=lambda rate: RecognizerOptions(),
            ready=ready,
        )
    )


@dataclass
class _Seen:
    seqs: array[int] = field(default_factory=lambda: array("q"))
    received: array[float] = field(default_factory=lambda: array("d"))
    catchup: array[int] = field(default_factory=lambda: array("b"))
    digest: Any = field(default_factory=hashlib.sha256)


class _Supervisor(WebSocketHubClient):
    """A supervisor client that records what it receives instead of queueing it."""

    def __init__(self, url: str, token: str) -> None:
        super().__init__(url, token, backoff_s=(0.2, 0.5, 1.0))
        self.seen: dict[str, _Seen] = {}
        self.catching_up = False
        self.reconnects = 0

    def _dispatch(self, raw: str) -> None:
        # The bench client must cost far less than the server it measures: events are only
        # parsed for (session, seq), never built into dataclasses.
        data = json.loads(raw)
        session, seq = data.get("session"), data.get("seq", 0)
        if "re" in data or not seq:
            super()._dispatch(raw)
            return
        if seq <= self._last_seq.get(session, 0):
            return
        self._last_seq[session] = seq
        seen = self.seen.setdefault(session, _Seen())
        seen.seqs.append(seq)
        seen.received.append(time.time())
        seen.catchup.append(1 if self.catching_up else 0)
        seen.digest.update(raw.encode())

    def _put(self, update: Any) -> None:
        if isinstance(update, ConnectionState):
            # Events between a disconnect and the reconnect's "connected" are the store
            # backlog; their latency measures the outage, not delivery: reported apart.
            self.catching_up = update.state == "disconnected"
            self.reconnects += update.state == "connected"


async def _caller(
    url: str, token: str, files: list[Path], until: float, started: list[str], index: int
) -> None:
    client = WebSocketHubClient(url, token, reconnect=False)
    await client.connect()
    turn = index
    try:
        while time.monotonic() < until:
            done = asyncio.Event()
            path = files[turn % len(files)]
            turn += 1
            session = await replay_file(client, path, on_done=_setter(done))
            started.append(session)
            while not done.is_set():
                if time.monotonic() >= until:
                    break
                await asyncio.sleep(0.5)
            if not done.is_set():
                await client.end_session(session)  # cut the last call short at the deadline
                break
    finally:
        await client.close()


def _setter(event: asyncio.Event) -> Callable[[str], None]:
    return lambda session: event.set()


def _sample_files() -> tuple[list[Path], list[str]]:
    files = sorted(paths.samples_dir().glob("*.flac"))
    scripts: list[str] = []
    for f in files:
        sidecar = json.loads(f.with_suffix(".json").read_text(encoding="utf-8"))
        scripts.extend(t["text"] for t in sidecar["turns"])
    return files, scripts


async def run_hub_bench(
    *,
    calls: int = 20,
    supervisors: int = 100,
    duration_s: float = 600.0,
    kill: int = 10,
    seed: int = 7,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the bench and return its JSON summary."""
    say = progress or (lambda text: None)
    files, scripts = _sample_files()
    if not files:
        raise FileNotFoundError("no sample calls (samples/*.flac) found")
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="ca-bench-hub-") as tmp:
        db, tokens_path = Path(tmp) / "bench.db", Path(tmp) / "tokens.json"
        trainer = add_token(tokens_path, "bench-trainer", "trainer")
        boss = add_token(tokens_path, "bench-supervisor", "supervisor")
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        manuals = str(paths.default_manuals_dir())
        server = ctx.Process(
            target=_server_main, args=(str(db), str(tokens_path), manuals, scripts, child)
        )
        server.start()
        assert server.pid is not None
        try:
            if not parent.poll(120):
                raise RuntimeError("the bench server did not start within 120 s")
            url = parent.recv()
            say(f"server up at {url}; connecting {supervisors} supervisors")
            sups = []
            for _ in range(supervisors):
                sup = _Supervisor(url, boss)
                await sup.connect()
                await sup.subscribe("*")
                sups.append(sup)
            t0 = time.monotonic()
            until = t0 + duration_s
            cpu0 = cpu_s(server.pid)
            memory: list[tuple[float, float]] = [(0.0, rss_mb(server.pid))]
            started: list[str] = []
            say(f"replaying {calls} calls in real time for {duration_s:.0f} s")
            callers = [
                asyncio.create_task(_caller(url, trainer, files, until, started, i))
                for i in range(calls)
            ]
            victims = rng.sample(sups, min(kill, len(sups)))
            kills = sorted(rng.uniform(0.2, 0.8) * duration_s for _ in victims)
            next_sample = 5.0
            while not all(c.done() for c in callers):
                await asyncio.sleep(0.25)
                elapsed = time.monotonic() - t0
                while kills and elapsed >= kills[0]:
                    kills.pop(0)
                    victim = victims.pop()
                    victim._ws.transport.abort()
                if elapsed >= next_sample:
                    memory.append((round(elapsed, 1), round(rss_mb(server.pid), 1)))
                    next_sample += 5.0
                    if int(elapsed) % 60 < 5:
                        say(f"{elapsed:.0f} s: {len(started)} calls, RSS {memory[-1][1]} MB")
            for c in callers:
                c.result()
            cpu = cpu_s(server.pid) - cpu0
            parent.send("lags")
            lags: list[float] = parent.recv() if parent.poll(30) else []
            wall = time.monotonic() - t0
            say("calls done; waiting for every supervisor to receive every session's end")
            await _drain(db, started, sups)
            summary = _summarise(db, started, sups, memory, cpu, wall)
            summary["server_loop_lag_ms"] = {
                "p50": round(_pct(lags, 0.5), 2),
                "p99": round(_pct(lags, 0.99), 2),
                "max": round(max(lags, default=0.0), 2),
            }
        finally:
            for sup in sups if "sups" in locals() else []:
                await sup.close()
            server.terminate()
            server.join(30)
    summary.update(
        {
            "bench": "hub",
            "asr": "fake: FakeTranscriber reading the sample scripts (real VAD, knowledge, "
            "store and websockets)",
            "calls_concurrent": calls,
            "supervisors": supervisors,
            "supervisors_killed_and_resumed": kill,
            "duration_s": duration_s,
        }
    )
    return summary


async def _drain(db: Path, started: list[str], sups: list[_Supervisor]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with SqliteStore(db) as store:
            last = {s: store.session(s) for s in started}
        if all(row is not None and not row.live for row in last.values()):
            want = {s: row.last_seq for s, row in last.items() if row is not None}
            if all(
                (seen := sup.seen.get(s)) is not None and seen.seqs and seen.seqs[-1] >= n
                for sup in sups
                for s, n in want.items()
            ):
                return
        await asyncio.sleep(0.5)


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def _summarise(
    db: Path,
    started: list[str],
    sups: list[_Supervisor],
    memory: list[tuple[float, float]],
    cpu_s: float,
    wall_s: float,
) -> dict[str, Any]:
    latencies: list[float] = []
    catchup: list[float] = []
    lost = duplicated = mismatched = 0
    total_events = 0
    with SqliteStore(db) as store:
        for session in started:
            stored = store.events(session)
            total_events += len(stored)
            digest = hashlib.sha256()
            for _, body in store.bodies(session):
                digest.update(body.encode())
            expected = digest.hexdigest()
            stamps = dict(store.stored_at(session))
            for sup in sups:
                seen = sup.seen.get(session)
                seqs = list(seen.seqs) if seen else []
                duplicated += len(seqs) - len(set(seqs))
                lost += len(stored) - len(set(seqs))
                if seen is None or seen.digest.hexdigest() != expected:
                    mismatched += 1
                if seen is None:
                    continue
                for seq, got, late in zip(seen.seqs, seen.received, seen.catchup, strict=True):
                    (catchup if late else latencies).append((got - stamps[seq]) * 1000)
    first = [m for t, m in memory if t <= 60]
    last = [m for t, m in memory if t >= memory[-1][0] - 60]
    return {
        "sessions": len(started),
        "events_stored": total_events,
        "deliveries": len(latencies) + len(catchup),
        "delivery_latency_ms": {
            "p50": round(_pct(latencies, 0.5), 2),
            "p99": round(_pct(latencies, 0.99), 2),
            "max": round(max(latencies, default=0.0), 2),
        },
        "resume_backlog_latency_ms_p50": round(_pct(catchup, 0.5), 1),
        "resume_backlog_events": len(catchup),
        "lost_events": lost,
        "duplicated_events": duplicated,
        "session_lists_differing_from_store": mismatched,
        "reconnects": sum(max(0, s.reconnects) for s in sups),
        "server_rss_mb": {
            "first_minute_median": round(statistics.median(first), 1) if first else None,
            "last_minute_median": round(statistics.median(last), 1) if last else None,
            "max": max(m for _, m in memory),
            "samples": memory,
        },
        "server_cpu_cores": round(cpu_s / wall_s, 3) if wall_s else None,
        "targets": {"p99_ms": 50, "lost": 0, "duplicated": 0},
    }
