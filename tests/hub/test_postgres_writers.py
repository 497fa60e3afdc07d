"""A PostgreSQL store's write connections on a real server: each session on one connection,
different connections side by side, broken ones replaced, all closed at the end."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import psycopg
import pytest
from hubtools import TIMEOUT
from pgtools import PgServer

from consult_assist.errors import StoreUnavailable
from consult_assist.events import Note, Sequencer, SessionStarted
from consult_assist.hub.postgres_store import CONNECT_ARGS, PostgresStore
from consult_assist.hub.postgres_writers import StoreTimings, WriteConnections

_LOCK = 0x7E57  # an advisory lock key only these tests use


def _writers(size: int) -> WriteConnections:
    return WriteConnections(
        "postgresql://nobody@127.0.0.1:1/none",  # never connected to: only the choice is tested
        size=size,
        connect_args=CONNECT_ARGS,
        timings=StoreTimings(),
        location="test",
    )


def test_a_session_always_has_the_same_connection_and_sessions_spread_over_all() -> None:
    writers = _writers(4)
    ids = [f"20261123-1430{n:02d}-7f3a" for n in range(64)]
    chosen = [writers.of_session(s) for s in ids]
    assert chosen == [writers.of_session(s) for s in ids]
    assert set(chosen) == {0, 1, 2, 3}
    assert {_writers(1).of_session(s) for s in ids} == {0}


def test_the_connection_of_a_session_does_not_depend_on_the_process() -> None:
    # Python's hash() of a str changes with PYTHONHASHSEED; the choice must not.
    code = (
        "from consult_assist.hub.postgres_writers import WriteConnections as W, StoreTimings as T"
        "; w = W('postgresql://x@h/d', size=4, connect_args={}, timings=T(), location='x')"
        "; print([w.of_session(f's{n}') for n in range(32)])"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    writers = _writers(4)
    assert runs == {f"{[writers.of_session(f's{n}') for n in range(32)]}\n"}


async def test_writes_on_different_connections_overlap_and_one_connection_takes_turns(
    pg_url: str,
) -> None:
    store = PostgresStore(pg_url, connections=2)
    writers = store.writers
    holding, release = asyncio.Event(), asyncio.Event()
    order: list[str] = []

    async def hold_on_0() -> None:
        async with writers.use(0) as conn:
            await conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK,))
            order.append("first in")
            holding.set()
            await release.wait()
            await conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK,))
            order.append("first out")

    async def second_on_0() -> None:
        async with writers.use(0):
            order.append("second in")

    first = asyncio.create_task(hold_on_0())
    await asyncio.wait_for(holding.wait(), TIMEOUT)
    second = asyncio.create_task(second_on_0())
    assert writers.least_busy() == 1  # 0 is held (and waited for)
    async with writers.use(1) as other:
        # Another backend, running while the first holds its lock: it cannot take the lock.
        cur = await other.execute("SELECT pg_try_advisory_lock(%s)", (_LOCK,))
        assert await cur.fetchone() == (False,)
    await asyncio.sleep(0.05)
    assert order == ["first in"]  # the second write on connection 0 still waits its turn
    release.set()
    await asyncio.wait_for(asyncio.gather(first, second), TIMEOUT)
    assert order == ["first in", "first out", "second in"]
    assert store.timings.connections == 2 and store.timings.write_wait_max_s > 0
    await store.aclose()


async def test_after_a_restart_only_the_first_write_fails_not_one_per_connection(
    pg_server: PgServer, pg_url: str
) -> None:
    store = PostgresStore(pg_url, connections=4)
    sessions: dict[int, str] = {}
    for n in range(200):  # one session per connection
        sessions.setdefault(store.writers.of_session(f"s{n}"), f"s{n}")
    seqs = {s: Sequencer() for s in sessions.values()}
    for session, seq in seqs.items():
        await store.append(seq.stamp(SessionStarted(session=session, meta={})))
    assert store.writers.open_count() == 4
    await asyncio.to_thread(pg_server.stop, "immediate")
    await asyncio.to_thread(pg_server.start)
    first, *others = sessions.values()
    note = seqs[first].stamp(Note(session=first, text="after"))
    with pytest.raises(StoreUnavailable):
        await store.append(note)  # its connection died with the server
    for session in others:  # opened before that one broke: replaced, not tried and failed
        await store.append(seqs[session].stamp(Note(session=session, text="after")))
    await store.append(note)
    await store.aclose()
    with PostgresStore(pg_url) as fresh:  # this store's read connection died too
        assert all(len(fresh.bodies(s)) == 2 for s in sessions.values())


async def test_every_write_connection_is_closed_with_the_store(pg_url: str) -> None:
    store = PostgresStore(pg_url, connections=3)
    for n in range(40):
        seq = Sequencer()
        await store.append(seq.stamp(SessionStarted(session=f"s{n}", meta={})))
    assert store.writers.open_count() == 3

    def backends() -> int:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()
        return int(row[0]) if row else -1

    assert backends() == 4  # three write connections and the one for reads
    await store.aclose()
    assert store.writers.open_count() == 0
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    while backends() and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)  # a backend exits just after its client closes
    assert backends() == 0
