"""The access log: who viewed or took out which call, written by the server as it happens.

Real sockets on loopback and a real store (SQLite and PostgreSQL): a supervisor who follows
every call, a record fetched over the websocket, a session subscribed by id after the end.
"""

from __future__ import annotations

import asyncio

import pytest
from hubtools import TIMEOUT, Collector, LiveServer, call_frames, connect, ended, stream

from consult_assist.errors import AccessError
from consult_assist.hub.store import AccessEntry


async def _log_of(server: LiveServer, session: str, want: int) -> list[AccessEntry]:
    store = server.running.hub.store

    async def enough() -> list[AccessEntry]:
        while len(lines := store.accesses(session=session)) < want:
            await asyncio.sleep(0.05)
        return lines

    return await asyncio.wait_for(enough(), TIMEOUT)


async def test_views_and_records_are_logged_once_per_connection_with_who_and_role(
    server: LiveServer,
) -> None:
    sato = await connect(server.url, server.tokens["sato"])
    tanaka = await connect(server.url, server.tokens["tanaka"])
    watching = Collector(tanaka)
    await tanaka.subscribe("*")
    mine = Collector(sato)
    session = await sato.start_session()
    await stream(sato, call_frames(2), 0.02)
    await sato.end_session(session)
    await mine.wait_for(ended(session))
    await watching.wait_for(ended(session))
    await tanaka.record(session, "json")
    suzuki = await connect(server.url, server.tokens["suzuki"])  # another handler: refused
    with pytest.raises(AccessError):
        await suzuki.record(session)
    late = await connect(server.url, server.tokens["tanaka"])  # a second look, after the end
    await late.subscribe(session)
    lines = await _log_of(server, session, 4)
    got = sorted((e.who, e.role, e.action, e.detail) for e in lines)
    assert got == [
        ("sato", "handler", "view", ""),
        ("tanaka", "supervisor", "record", "json"),
        ("tanaka", "supervisor", "view", ""),
        ("tanaka", "supervisor", "view", ""),
    ]
    assert all(e.session == session and e.at > 0 for e in lines)
    await asyncio.gather(
        sato.close(), tanaka.close(), suzuki.close(), late.close(), mine.stop(), watching.stop()
    )
