"""The server processes of ``bench hub``: one per node, each watched from outside.

Each node is the real ``run_server`` in its own process (so its memory and CPU can be read from
``/proc``) with the real VAD, knowledge engine, store and websockets, and the *fake recognizer*
(FakeTranscriber reading the sample calls' scripts): the bench measures the hub, not the model.
A node reports its URL on a pipe when it serves and, when asked, how late its event loop ran.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import multiprocessing
import os
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from consult_assist.asr.recognizer import RecognizerOptions
from consult_assist.config import ServerConfig
from consult_assist.hub.serve import RunningServer, run_server
from consult_assist.testing import FakeTranscriber

__all__ = ["NodeProcess", "start_nodes", "stop_nodes"]

START_S = 120.0
"""Seconds a node may take to start (it loads the manuals and the VAD)."""


def _server_main(keys: dict[str, Any], scripts: list[str], conn: Any) -> None:
    """One node: the real hub with the fake recognizer, reporting on ``conn``."""
    paths = {k: Path(v) for k, v in keys.items() if k in ("db", "tokens", "manuals")}
    # One trainer token replays every call of the bench: no per-token or per-node call cap.
    caps = {"max_sessions_per_token": 0, "max_live_sessions": 100_000}
    config = ServerConfig(port=0, **{**caps, **keys, **paths})
    lags: list[float] = []

    async def watch_loop(running: RunningServer) -> None:
        # How late the server's event loop runs a 10 ms timer: time it cannot deliver.
        loop = asyncio.get_running_loop()
        while True:
            t = loop.time()
            await asyncio.sleep(0.01)
            lags.append((loop.time() - t - 0.01) * 1000)
            if conn.poll():
                conn.recv()
                timings = getattr(running.hub.store, "timings", None)
                conn.send((lags, dataclasses.asdict(timings) if timings is not None else None))
                lags.clear()

    def ready(running: RunningServer) -> None:
        conn.send(running.url)
        asyncio.get_running_loop().create_task(watch_loop(running))

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
class NodeProcess:
    """One node's process, its URL and what was measured of it."""

    name: str
    process: Any
    pipe: Any
    url: str = ""
    memory: list[tuple[float, float]] = field(default_factory=list)
    """(seconds into the run, RSS MB)."""
    cpu_start: float = 0.0

    @property
    def pid(self) -> int:
        return int(self.process.pid)

    def report(self) -> tuple[list[float], dict[str, Any] | None]:
        """Event-loop lags (ms) since the node served, and its store's timings (PostgreSQL),
        asked over the pipe."""
        self.pipe.send("report")
        if not self.pipe.poll(30):
            return [], None
        lags, timings = self.pipe.recv()
        return list(lags), timings


def start_nodes(keys: list[dict[str, Any]], scripts: list[str]) -> list[NodeProcess]:
    """Start one process per ``keys`` (ServerConfig keys, ``node`` naming it); wait for all."""
    ctx = multiprocessing.get_context("spawn")
    nodes = []
    for i, node_keys in enumerate(keys):
        parent, child = ctx.Pipe()
        process = ctx.Process(target=_server_main, args=(node_keys, scripts, child))
        process.start()
        nodes.append(NodeProcess(str(node_keys.get("node") or f"node{i + 1}"), process, parent))
    for node in nodes:
        if not node.pipe.poll(START_S):
            stop_nodes(nodes)
            raise RuntimeError(f"bench node {node.name} did not start within {START_S:.0f} s")
        node.url = node.pipe.recv()
    return nodes


def stop_nodes(nodes: list[NodeProcess]) -> None:
    """SIGTERM every node (each drains: its calls are over by then), then wait for them."""
    for node in nodes:
        if node.process.is_alive():
            os.kill(node.pid, signal.SIGTERM)
    for node in nodes:
        node.process.join(60)
        if node.process.is_alive():
            node.process.kill()
            node.process.join(10)
