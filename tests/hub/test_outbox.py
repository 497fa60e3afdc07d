"""A store outage is not data loss: a full disk (SQLite on a small tmpfs) and PostgreSQL stopped
and restarted mid-call. Real server, real websockets, a real store that really fails."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hubtools import TIMEOUT, LiveServer, call_frames, connect, live_server, stream
from pgtools import PgServer
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect

from consult_assist.errors import StoreUnavailable
from consult_assist.events import Note
from consult_assist.hub.outbox import Outbox, Pending


def test_an_outbox_holds_up_to_its_limit_then_only_what_must_be_kept() -> None:
    box = Outbox(limit=2)
    assert box.offer(Pending(Note(session="s", text="1")))
    assert box.offer(Pending(Note(session="s", text="2")))
    assert not box.offer(Pending(Note(session="s", text="3")))
    assert box.offer(Pending(Note(session="s", text="end")), must_keep=True)
    assert (len(box), box.dropped, box.next_seq()) == (3, 1, 1)


class Watcher:
    """A supervisor on a raw websocket: every message, events and store states, in order."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.messages: list[dict[str, Any]] = []
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.ws:
            self.messages.append(json.loads(raw))

    def events(self, session: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("session") == session and m.get("seq", 0) > 0]

    def states(self) -> list[str]:
        return [m["state"] for m in self.messages if m["type"] == "store.state"]

    async def until(self, predicate: Any) -> None:
        async def wait() -> None:
            while not predicate():
                await asyncio.sleep(0.02)

        await asyncio.wait_for(wait(), TIMEOUT)

    async def close(self) -> None:
        await self.ws.close()
        await asyncio.gather(self._task, return_exceptions=True)


async def _watch(server: LiveServer) -> Watcher:
    ws = await ws_connect(server.url)
    await ws.send(json.dumps({"v": 1, "type": "auth", "token": server.tokens["tanaka"]}))
    assert json.loads(await ws.recv())["type"] == "auth.ok"
    await ws.send(json.dumps({"v": 1, "type": "subscribe", "session": "*", "id": 1}))
    assert json.loads(await ws.recv())["type"] == "ok"
    return Watcher(ws)


async def _outage_mid_call(server: LiveServer, fail: Any, recover: Any) -> None:
    """A call goes on while the store fails; nothing is lost, doubled or sent unstored."""
    boss = await _watch(server)
    sato = await connect(server.url, server.tokens["sato"], reconnect=False)
    session = await sato.start_session()
    frames = call_frames(4)
    await stream(sato, frames[:24], 0.02)  # the first utterance and its final
    await boss.until(lambda: any(m["type"] == "transcript.final" for m in boss.events(session)))
    await fail()
    await stream(sato, frames[24:64], 0.02)  # two more utterances while the store is down
    await boss.until(lambda: "unavailable" in boss.states())
    with pytest.raises(StoreUnavailable):
        await sato.note(session, "保存されないメモ")  # an error, never "ok"
    sent_while_down = len(boss.events(session))
    await asyncio.sleep(0.5)
    assert len(boss.events(session)) == sent_while_down  # nothing unstored goes out
    await recover()
    await boss.until(lambda: boss.states()[-1:] == ["available"])
    await sato.note(session, "復旧後のメモ")
    await stream(sato, frames[64:], 0.02)
    await sato.end_session(session)
    await boss.until(lambda: any(m["type"] == "session.ended" for m in boss.events(session)))
    got = boss.events(session)
    stored = [json.loads(body) for _, body in _bodies(server, session)]
    assert [m["seq"] for m in got] == list(range(1, len(got) + 1))  # no gap, no duplicate
    assert got == stored  # every event sent is the stored one, and every stored one was sent
    finals = [m for m in got if m["type"] == "transcript.final"]
    assert len(finals) == 4  # the utterances spoken during the outage were kept
    assert [m["text"] for m in got if m["type"] == "note"] == ["復旧後のメモ"]
    assert got[-1]["reason"] == "end"
    await asyncio.gather(sato.close(), boss.close())


def _bodies(server: LiveServer, session: str) -> list[tuple[int, str]]:
    from consult_assist.hub.store_open import open_store

    store = open_store(server.db)
    try:
        return store.bodies(session)
    finally:
        store.close()


@contextlib.contextmanager
def _small_disk(where: Path, size: str) -> Iterator[Path]:
    where.mkdir()
    try:
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
            check=True,
            capture_output=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot mount a size-limited tmpfs here (needs root): {exc}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False, capture_output=True)


def _fill(disk: Path) -> Path:
    """Take every free byte of ``disk``."""
    filler = disk / "filler"
    # Unbuffered: a buffered file would try again to write its rest on close, and raise there.
    with filler.open("wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError:
            pass
    return filler


async def test_a_full_disk_mid_call_loses_nothing_and_the_call_goes_on(
    tmp_path: Path, root: Path
) -> None:
    with _small_disk(tmp_path / "disk", "4m") as disk:
        async with live_server(tmp_path, root, store=str(disk / "store.db")) as server:
            filler: list[Path] = []

            async def fill() -> None:
                filler.append(_fill(disk))

            async def free() -> None:
                filler[0].unlink()

            await _outage_mid_call(server, fill, free)


async def test_postgresql_stopped_and_restarted_mid_call_loses_nothing(
    tmp_path: Path, root: Path, pg_server: PgServer, pg_url: str
) -> None:
    async with live_server(tmp_path, root, store=pg_url) as server:

        async def stop() -> None:
            await asyncio.to_thread(pg_server.stop, "fast")

        async def start() -> None:
            await asyncio.to_thread(pg_server.start)

        try:
            await _outage_mid_call(server, stop, start)
        finally:
            with contextlib.suppress(RuntimeError):
                pg_server.start()  # already running when the test passed


async def test_several_calls_through_a_postgresql_restart_on_a_pool_lose_and_double_nothing(
    tmp_path: Path, root: Path, pg_server: PgServer, pg_url: str
) -> None:
    async with live_server(tmp_path, root, store=pg_url, store_connections=3) as server:
        assert server.running.hub.store.writers.size == 3  # type: ignore[attr-defined]
        boss = await _watch(server)
        names = ("sato", "suzuki", "kato", "sato", "suzuki", "kato")
        callers = [await connect(server.url, server.tokens[n], reconnect=False) for n in names]
        sessions = [await caller.start_session() for caller in callers]
        frames = call_frames(3)

        async def talk(part: list[bytes]) -> None:
            await asyncio.gather(*(stream(caller, part, 0.02) for caller in callers))

        def have(kind: str) -> bool:
            return all(any(m["type"] == kind for m in boss.events(s)) for s in sessions)

        await talk(frames[:24])
        await boss.until(lambda: have("transcript.final"))
        try:
            await asyncio.to_thread(pg_server.stop, "fast")
            await talk(frames[24:44])  # the second utterance of every call, store down
            await boss.until(lambda: "unavailable" in boss.states())
            await asyncio.to_thread(pg_server.start)
        finally:
            with contextlib.suppress(RuntimeError):
                pg_server.start()  # already running unless the test failed in between
        await boss.until(lambda: boss.states()[-1:] == ["available"])
        await talk(frames[44:])
        for caller, session in zip(callers, sessions, strict=True):
            await caller.end_session(session)
        await boss.until(lambda: have("session.ended"))
        for session in sessions:
            got = boss.events(session)
            stored = [json.loads(body) for _, body in _bodies(server, session)]
            assert [m["seq"] for m in got] == list(range(1, len(got) + 1))
            assert got == stored  # everything sent was stored, everything stored was sent
            assert sum(m["type"] == "transcript.final" for m in got) == 3
        await asyncio.gather(boss.close(), *(caller.close() for caller in callers))
