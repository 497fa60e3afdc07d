"""Helpers for hub tests: audio frames and waiting for events."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

from consult_assist.frames import Event
from consult_assist.hub.client import ConnectionState, WebSocketHubClient
from consult_assist.hub.replay import pcm_frames
from consult_assist.testing import tone_call

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
