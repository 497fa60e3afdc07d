"""Helpers for hub tests: audio frames and waiting for events."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inprocess import in_process_server

from consult_assist.config import ServerConfig
from consult_assist.events import Event
from consult_assist.hub.auth import FileTokens, TokenSource, add_token
from consult_assist.hub.client import ConnectionState, WebSocketHubClient
from consult_assist.hub.limits import ConnectionLimits
from consult_assist.hub.replay import pcm_frames
from consult_assist.hub.serve import RunningServer
from consult_assist.hub.store import is_postgres_url
from consult_assist.hub.store_open import open_store
from consult_assist.testing import EnergyDetector, FakeTranscriber, tone_call

UNIT = float(os.environ.get("CONSULT_ASSIST_TEST_UNIT", "1.0"))
TIMEOUT = 20 * UNIT


def call_frames(n_bursts: int = 3) -> list[bytes]:
    """A call of ``n_bursts`` 1.2 s tone bursts separated by 0.8 s of silence, as 0.1 s frames."""
    bursts = [(0.5 + 2.0 * i, 1.7 + 2.0 * i) for i in range(n_bursts)]
    audio = tone_call(bursts, total_s=2.0 * n_bursts + 1.0)
    return pcm_frames((audio,), 0.1)


async def connect(url: str, token: str, **kwargs: object) -> WebSocketHubClient:
    client = WebSocketHubClient(url, token, **kwargs)  # type: ignore[arg-type]
    await client.connect()
    return client


class Collector:
    """Reads a client's updates in the background into a list."""

    def __init__(self, client: WebSocketHubClient) -> None:
        self.client = client
        self.events: list[Event] = []
        self.states: list[ConnectionState] = []
        self._changed = asyncio.Event()
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async for update in self.client.updates():
            if isinstance(update, ConnectionState):
                self.states.append(update)
            else:
                self.events.append(update)
            self._changed.set()

    async def wait_for(self, predicate: Callable[[list[Event]], bool]) -> list[Event]:
        async def until() -> None:
            while not predicate(self.events):
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(until(), TIMEOUT)
        return self.events

    def of(self, session: str, kind: str | None = None) -> list[Event]:
        return [e for e in self.events if e.session == session and (kind is None or e.type == kind)]

    async def stop(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


async def stream(client: WebSocketHubClient, frames: list[bytes], pace_s: float = 0.0) -> None:
    for frame in frames:
        await client.send_audio(frame)
        if pace_s:
            await asyncio.sleep(pace_s)


def ended(session: str) -> Callable[[list[Event]], bool]:
    return lambda events: any(e.session == session and e.type == "session.ended" for e in events)


SCRIPTS = (
    "となりの部屋から毎晩すごい泣き声がするんです",
    "子どもが叩かれているみたいで、あざもありました",
    "もう死にたいって言っているのが聞こえました",
)


@dataclass
class LiveServer:
    url: str
    tokens: dict[str, str]
    db: str
    """The store's location (a SQLite path or a PostgreSQL URL)."""
    running: RunningServer
    transcriber: FakeTranscriber
    tokens_source: TokenSource

    def stored(self, session: str) -> list[Event]:
        """The events of ``session`` as the store holds them now."""
        store = open_store(self.db)
        try:
            return store.events(session)
        finally:
            store.close()


ROLES = {"sato": "handler", "suzuki": "handler", "tanaka": "supervisor", "kato": "trainer"}


def make_tokens(path: Path) -> dict[str, str]:
    return {name: add_token(path, name, role) for name, role in ROLES.items()}


@contextlib.contextmanager
def token_source_for(store: str, tokens_path: Path) -> Iterator[TokenSource]:
    """Where a test server keeps its tokens: the file, or the PostgreSQL store's table."""
    if not is_postgres_url(store):
        yield FileTokens(tokens_path)
        return
    from consult_assist.hub.postgres_store import PostgresStore
    from consult_assist.hub.postgres_tokens import PostgresTokens

    with PostgresStore(store) as opened:
        yield PostgresTokens(opened)


def stored_events(store: str | Path, session: str) -> list[Event]:
    """The events of ``session`` in the store at ``store`` (path or URL)."""
    opened = open_store(store)
    try:
        return opened.events(session)
    finally:
        opened.close()


@contextlib.asynccontextmanager
async def live_server(
    tmp_path: Path,
    root: Path,
    limits: ConnectionLimits | None = None,
    *,
    store: str | None = None,
    **config_keys: Any,
) -> AsyncIterator[LiveServer]:
    tokens_path = tmp_path / "tokens.json"
    store = store or str(tmp_path / "store.db")
    with contextlib.ExitStack() as closing:
        source = closing.enter_context(token_source_for(store, tokens_path))
        tokens = {name: source.add(name, role) for name, role in ROLES.items()}
        async with _running(tmp_path, root, limits, store, tokens, source, config_keys) as server:
            yield server


@contextlib.asynccontextmanager
async def _running(
    tmp_path: Path,
    root: Path,
    limits: ConnectionLimits | None,
    store: str,
    tokens: dict[str, str],
    source: TokenSource,
    config_keys: dict[str, Any],
) -> AsyncIterator[LiveServer]:
    tokens_path = tmp_path / "tokens.json"
    run_keys = {k: config_keys.pop(k) for k in ("retention_interval_s",) if k in config_keys}
    config = ServerConfig(
        port=0,
        tokens=None if is_postgres_url(store) else tokens_path,
        store=store,
        manuals=root / "manuals",
        **config_keys,
    )
    transcriber = FakeTranscriber(SCRIPTS, compute_s=0.01)
    async with in_process_server(
        config,
        transcriber,
        stop_s=30,
        detector_factory=EnergyDetector,
        limits=limits,
        **run_keys,
    ) as running:
        yield LiveServer(running.url, tokens, store, running, transcriber, source)
