"""``consult-assist bench hub``: many replayed calls, many supervisors, one or several nodes.

Each node is a server process (``node_procs.py``: the real hub with the real VAD, knowledge
engine, store and websockets, and a *fake recognizer* reading the sample calls' scripts; the
bench measures the hub, not the model, and the output says so). This process replays ``calls``
sample calls in real time, one after another per caller slot, spread over the nodes, and
connects ``supervisors`` clients, spread over the nodes too, that each follow every session.
``kill`` of them lose their connection at a random moment (no close handshake) and resume by
seq. At the end every supervisor's event list of every session is compared with the store:
count, order and a digest of the bodies.

With ``--nodes N --store postgresql://…`` the run is made on N nodes sharing that database, and
then the same run on one node with a SQLite file, so the cost of PostgreSQL (and of the
doorbell between nodes) reads as a ratio. Latency is a client's receive time minus the event's
commit time in the store (one machine, one clock).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
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
from consult_assist.bench.node_procs import NodeProcess, start_nodes, stop_nodes
from consult_assist.bench.procstat import cpu_s, rss_mb
from consult_assist.config import ServerConfig
from consult_assist.errors import ConfigError
from consult_assist.hub.auth import add_token
from consult_assist.hub.client import ConnectionState, WebSocketHubClient
from consult_assist.hub.replay import replay_file
from consult_assist.hub.store import SessionRow, Store, is_postgres_url, redact_url
from consult_assist.hub.store_open import open_store

__all__ = ["run_hub_bench"]

log = logging.getLogger(__name__)

ASR_NOTE = (
    "fake: FakeTranscriber reading the sample scripts (real VAD, knowledge, store and websockets)"
)
DRAIN_LIMIT_S = 300.0
"""How long after the calls end supervisors may take to receive the rest (was 60 s: on an
overloaded machine that cut off deliveries that were late, and counted them as lost)."""
CALLER_GRACE_S = 120.0
"""A replaying caller not done this long after the run's end is stuck: it is cancelled and
counted (``callers_stuck``), so one stuck call cannot hold the whole bench for ever."""


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
        self.node = ""
        """The node this supervisor is connected to ("" for one SQLite node)."""
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
            done, stop = asyncio.Event(), asyncio.Event()
            path = files[turn % len(files)]
            turn += 1
            session = await replay_file(client, path, on_done=_setter(done), stop=stop)
            started.append(session)
            while not done.is_set() and time.monotonic() < until:
                await asyncio.sleep(0.5)
            if not done.is_set():
                stop.set()  # cut the last call short at the deadline: the replay ends it
                await done.wait()
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
    nodes: int = 1,
    store: str | None = None,
    store_connections: int | None = None,
    progress: Callable[[str], None] | None = None,
    on_phase: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Run the bench and return its JSON summary (with ``store``: the PostgreSQL run on
    ``nodes`` nodes, each with ``store_connections`` write connections (default: serve's),
    and the same run on one SQLite node beside it). ``on_phase`` is handed the summary so far
    once the PostgreSQL run is over, so a long bench that fails later keeps that half."""
    if nodes < 1:
        raise ConfigError("--nodes must be at least 1")
    if store is not None and not is_postgres_url(store):
        raise ConfigError("--store must be a postgresql:// URL (the SQLite run is made anyway)")
    if nodes > 1 and store is None:
        raise ConfigError("several nodes share one PostgreSQL store: give --store postgresql://…")
    if store_connections is not None and (store is None or not 1 <= store_connections <= 64):
        raise ConfigError("--store-connections (1-64) is for a --store postgresql://… run")
    say = progress or (lambda text: None)
    files, scripts = _sample_files()
    if not files:
        raise FileNotFoundError("no sample calls (samples/*.flac) found")
    connections = store_connections or ServerConfig().store_connections
    plan = _Plan(calls, supervisors, duration_s, kill, seed, files, scripts, connections)
    head: dict[str, Any] = {
        "bench": "hub",
        "asr": ASR_NOTE,
        "calls_concurrent": calls,
        "supervisors": supervisors,
        "supervisors_killed_and_resumed": kill,
        "duration_s": duration_s,
    }
    if store is None:
        return {**await _run(plan, None, 1, say), **head}
    load_before = _load()
    say(f"{nodes} node(s) on PostgreSQL {redact_url(store)}")
    on_pg = await _run(plan, store, nodes, say)
    if on_phase is not None:
        on_phase({**head, "nodes": nodes, "postgres": on_pg, "sqlite_one_node": None})
    say("the same run on one node with a SQLite file")
    on_sqlite = await _run(plan, None, 1, say)
    return {
        **head,
        "nodes": nodes,
        "store_connections_per_node": connections,
        "postgres": on_pg,
        "sqlite_one_node": on_sqlite,
        "postgres_over_sqlite": {
            key: _ratio(on_pg, on_sqlite, key)
            for key in ("delivery_p50", "delivery_p99", "server_cpu_cores")
        },
        "load_average_1_5_15": {"before": load_before, "after": _load()},
        "targets": {"p99_ms": 100, "lost": 0, "duplicated": 0, "node_memory": "flat"},
    }


@dataclass(frozen=True)
class _Plan:
    calls: int
    supervisors: int
    duration_s: float
    kill: int
    seed: int
    files: list[Path]
    scripts: list[str]
    store_connections: int
    """Write connections of each node to a PostgreSQL store."""


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _ratio(pg: dict[str, Any], lite: dict[str, Any], key: str) -> float | None:
    def pick(summary: dict[str, Any]) -> float:
        if key == "server_cpu_cores":
            return float(sum(n["cpu_cores"] for n in summary["nodes"].values()))
        return float(summary["delivery_latency_ms"][key.split("_")[1]])

    below = pick(lite)
    return round(pick(pg) / below, 2) if below else None


async def _run(
    plan: _Plan, store: str | None, n_nodes: int, say: Callable[[str], None]
) -> dict[str, Any]:
    """One run: ``n_nodes`` nodes on ``store`` (None: a SQLite file of its own)."""
    rng = random.Random(plan.seed)
    sups: list[_Supervisor] = []
    with tempfile.TemporaryDirectory(prefix="ca-bench-hub-") as tmp:
        location, keys, trainer, boss = _store_and_tokens(
            Path(tmp), store, n_nodes, plan.store_connections
        )
        nodes = start_nodes(keys, plan.scripts)
        try:
            urls = [node.url for node in nodes]
            say(f"nodes up at {', '.join(urls)}; connecting {plan.supervisors} supervisors")
            for i in range(plan.supervisors):
                sup = _Supervisor(urls[i % len(urls)], boss)
                sup.node = str(keys[i % len(keys)].get("node", ""))
                sups.append(sup)
                await sup.connect()
                await sup.subscribe("*")
            load_before = _load()
            t0 = time.monotonic()
            until = t0 + plan.duration_s
            for node in nodes:
                node.cpu_start = cpu_s(node.pid)
                node.memory = [(0.0, rss_mb(node.pid))]
            started: list[str] = []
            say(f"replaying {plan.calls} calls in real time for {plan.duration_s:.0f} s")
            callers = [
                asyncio.create_task(
                    _caller(urls[i % len(urls)], trainer, plan.files, until, started, i)
                )
                for i in range(plan.calls)
            ]
            stuck = await _watch(nodes, callers, sups, plan, rng, t0, started, say)
            for c in callers:
                if not c.cancelled():
                    c.result()
            wall = time.monotonic() - t0
            cpu = {node.name: cpu_s(node.pid) - node.cpu_start for node in nodes}
            reports = {node.name: node.report() for node in nodes}
            load_after = _load()
            say("calls done; waiting for every supervisor to receive every session's end")
            with _opened(location) as opened:
                drain_began = time.monotonic()
                drained = await _drain(opened, started, sups)
                drain_s = time.monotonic() - drain_began
                summary = _summarise(opened, started, sups, wall)
            if not drained:
                say(
                    f"supervisors still behind {drain_s:.0f} s after the calls ended: what they"
                    " lack then is counted as lost"
                )
            summary["drained"] = drained
            summary["callers_stuck"] = stuck
            summary["drain_s"] = round(drain_s, 1)
        finally:
            # All at once: a close waits for the node's answer behind whatever it still sends (up
            # to websockets' 10 s close timeout), and 300 of those one after another held a run
            # for many minutes after its numbers were in.
            await asyncio.gather(*(sup.close() for sup in sups), return_exceptions=True)
            stop_nodes(nodes)
    summary["nodes"] = {
        node.name: {
            "rss_mb": _memory(node.memory),
            "cpu_cores": round(cpu[node.name] / wall, 3) if wall else None,
            "loop_lag_ms": _quantiles(reports[node.name][0]),
            **_store_timings(reports[node.name][1], wall),
        }
        for node in nodes
    }
    summary["store"] = redact_url(store) if store else "sqlite (one file)"
    summary["store_events_per_s"] = round(summary["events_stored"] / wall, 1) if wall else None
    summary["load_average_1_5_15"] = {"before": load_before, "after": load_after}
    return summary


def _store_and_tokens(
    tmp: Path, store: str | None, n_nodes: int, connections: int
) -> tuple[str, list[dict[str, Any]], str, str]:
    """Where the run stores, each node's ServerConfig keys, and the trainer's and a
    supervisor's tokens."""
    manuals = str(paths.default_manuals_dir())
    if store is None:
        db, tokens_path = tmp / "bench.db", tmp / "tokens.json"
        trainer = add_token(tokens_path, "bench-trainer", "trainer")
        boss = add_token(tokens_path, "bench-supervisor", "supervisor")
        return (
            str(db),
            [{"db": str(db), "tokens": str(tokens_path), "manuals": manuals}],
            trainer,
            boss,
        )
    from consult_assist.hub.postgres_store import PostgresStore  # lazy: psycopg
    from consult_assist.hub.postgres_tokens import PostgresTokens  # lazy: psycopg

    with PostgresStore(store) as opened:
        source = PostgresTokens(opened)
        trainer = source.add("bench-trainer", "trainer", replace=True)
        boss = source.add("bench-supervisor", "supervisor", replace=True)
    keys = [
        {"store": store, "node": f"bench-{i + 1}", "manuals": manuals,
         "store_connections": connections}
        for i in range(n_nodes)
    ]  # fmt: skip
    return store, keys, trainer, boss


class _opened:
    """The run's store, opened for reading the results (a context manager)."""

    def __init__(self, location: str) -> None:
        self.location = location
        self.store: Store | None = None

    def __enter__(self) -> Store:
        self.store = open_store(self.location)
        return self.store

    def __exit__(self, *exc: object) -> None:
        if self.store is not None:
            self.store.close()


async def _watch(
    nodes: list[NodeProcess],
    callers: list[asyncio.Task[None]],
    sups: list[_Supervisor],
    plan: _Plan,
    rng: random.Random,
    t0: float,
    started: list[str],
    say: Callable[[str], None],
) -> int:
    """While the calls run: cut off the chosen supervisors, sample every node's memory.
    Returns how many callers were still not done :data:`CALLER_GRACE_S` after the run's end
    (cancelled then)."""
    victims = rng.sample(sups, min(plan.kill, len(sups)))
    kills = sorted(rng.uniform(0.2, 0.8) * plan.duration_s for _ in victims)
    next_sample = 5.0
    while not all(c.done() for c in callers):
        await asyncio.sleep(0.25)
        elapsed = time.monotonic() - t0
        if elapsed > plan.duration_s + CALLER_GRACE_S:
            stuck = [c for c in callers if not c.done()]
            say(
                f"{len(stuck)} caller(s) still not done {CALLER_GRACE_S:.0f} s after the end:"
                " cancelled"
            )
            for c in stuck:
                c.cancel()
            await asyncio.gather(*stuck, return_exceptions=True)
            return len(stuck)
        while kills and elapsed >= kills[0]:
            kills.pop(0)
            victims.pop()._ws.transport.abort()
        if elapsed >= next_sample:
            for node in nodes:
                node.memory.append((round(elapsed, 1), round(rss_mb(node.pid), 1)))
            next_sample += 5.0
            if int(elapsed) % 60 < 5:
                rss = ", ".join(f"{n.name} {n.memory[-1][1]}" for n in nodes)
                say(f"{elapsed:.0f} s: {len(started)} calls, RSS MB {rss}")
    return 0


def _store_timings(timings: dict[str, Any] | None, wall_s: float) -> dict[str, Any]:
    """What the node's PostgreSQL store cost its event loop (reads) and its writes (waits)."""
    if not timings or not wall_s:
        return {}
    reads, writes = max(1, timings["reads"]), max(1, timings["writes"])
    return {
        "store_sync_reads": {
            "count": timings["reads"],
            "ms_mean": round(1000 * timings["read_s"] / reads, 3),
            "ms_max": round(1000 * timings["read_max_s"], 1),
            "loop_share": round(timings["read_s"] / wall_s, 4),
        },
        "store_writes": {
            "connections": timings.get("connections", 1),
            "count": timings["writes"],
            "ms_mean": round(1000 * timings["write_s"] / writes, 3),
            "wait_for_connection_ms_mean": round(1000 * timings["write_wait_s"] / writes, 3),
            "wait_for_connection_ms_max": round(1000 * timings["write_wait_max_s"], 1),
        },
    }


def _memory(samples: list[tuple[float, float]]) -> dict[str, Any]:
    first = [m for t, m in samples if t <= 60]
    last = [m for t, m in samples if t >= samples[-1][0] - 60]
    return {
        "first_minute_median": round(statistics.median(first), 1) if first else None,
        "last_minute_median": round(statistics.median(last), 1) if last else None,
        "max": max(m for _, m in samples),
        "samples": samples,
    }


async def _drain(
    store: Store, started: list[str], sups: list[_Supervisor], *, limit_s: float = DRAIN_LIMIT_S
) -> bool:
    """Wait until every supervisor has every session up to its end; False if ``limit_s`` ran out.

    What a supervisor lacks when this returns is counted as lost: on an overloaded machine
    (``drained`` False in the JSON) that may be late rather than lost.
    """
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        last = {s: store.session(s) for s in started}
        if all(row is not None and not row.live for row in last.values()):
            want = {s: row.last_seq for s, row in last.items() if row is not None}
            if all(
                (seen := sup.seen.get(s)) is not None and seen.seqs and seen.seqs[-1] >= n
                for sup in sups
                for s, n in want.items()
            ):
                return True
        await asyncio.sleep(0.5)
    return False


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def _summarise(
    store: Store, started: list[str], sups: list[_Supervisor], wall_s: float
) -> dict[str, Any]:
    latencies: list[float] = []
    by_path: dict[str, list[float]] = {"owner_node": [], "other_node": []}
    catchup: list[float] = []
    lost = duplicated = mismatched = 0
    total_events = 0
    missing: list[dict[str, Any]] = []
    for session in started:
        row = store.session(session)
        bodies = store.bodies(session)
        total_events += len(bodies)
        digest = hashlib.sha256()
        for _, body in bodies:
            digest.update(body.encode())
        expected = digest.hexdigest()
        stamps = dict(store.stored_at(session))
        for sup in sups:
            seen = sup.seen.get(session)
            seqs = list(seen.seqs) if seen else []
            duplicated += len(seqs) - len(set(seqs))
            lost += len(bodies) - len(set(seqs))
            if seen is None or seen.digest.hexdigest() != expected:
                mismatched += 1
                if len(missing) < _MISSING_EXAMPLES:
                    missing.append(_what_is_missing(session, row, bodies, seqs, sup))
            if seen is None:
                continue
            path = by_path["owner_node" if row is None or row.node == sup.node else "other_node"]
            for seq, got, late in zip(seen.seqs, seen.received, seen.catchup, strict=True):
                ms = (got - stamps[seq]) * 1000
                if late:
                    catchup.append(ms)
                else:
                    latencies.append(ms)
                    path.append(ms)
    summary: dict[str, Any] = {
        "sessions": len(started),
        "events_stored": total_events,
        "deliveries": len(latencies) + len(catchup),
        "delivery_latency_ms": _quantiles(latencies),
        "resume_backlog_latency_ms_p50": round(_pct(catchup, 0.5), 1),
        "resume_backlog_events": len(catchup),
        "lost_events": lost,
        "duplicated_events": duplicated,
        "session_lists_differing_from_store": mismatched,
        "differing_examples": missing,
        "reconnects": sum(max(0, s.reconnects) for s in sups),
        "wall_s": round(wall_s, 1),
    }
    if by_path["other_node"]:
        summary["delivery_latency_ms_by_path"] = {k: _quantiles(v) for k, v in by_path.items()}
    return summary


_MISSING_EXAMPLES = 20
"""Lists that differ from the store described in the JSON (the first ones found)."""


def _what_is_missing(
    session: str,
    row: SessionRow | None,
    bodies: list[tuple[int, str]],
    seqs: list[int],
    sup: _Supervisor,
) -> dict[str, Any]:
    """Where one supervisor's list of one session differs from the store, for the JSON."""
    got = set(seqs)
    absent = [seq for seq, _ in bodies if seq not in got]
    return {
        "session": session,
        "owner_node": row.node if row is not None else None,
        "supervisor_node": sup.node,
        "supervisor_reconnects": sup.reconnects,
        "stored": len(bodies),
        "received": len(got),
        "first_missing": absent[0] if absent else None,
        "last_missing": absent[-1] if absent else None,
        "missing": len(absent),
        "ended": row is not None and not row.live,
        "in_order": seqs == sorted(seqs),
    }


def _quantiles(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(_pct(values, 0.5), 2),
        "p99": round(_pct(values, 0.99), 2),
        "max": round(max(values, default=0.0), 2),
    }
