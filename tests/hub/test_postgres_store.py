"""The PostgreSQL adapter on a real server: the same behaviour as SQLite, plus what a network
store adds (a lost connection is "unavailable" and reconnects; nodes recover only their calls)."""

from __future__ import annotations

import asyncio

import psycopg
import pytest
from hubtools import TIMEOUT
from pgtools import PgServer

from consult_assist.errors import SessionClosed, StoreError, StoreUnavailable
from consult_assist.events import Note, Sequencer, SessionEnded, SessionStarted
from consult_assist.hub.postgres_store import EVENTS_CHANNEL, PostgresStore
from consult_assist.hub.store import AccessEntry

META = {"handler": "sato", "started_by": "kato", "training": True, "source": "file",
        "started_at": "2025-03-14T15:02:07+09:00"}  # fmt: skip


async def _call(store: PostgresStore, session: str, notes: int = 1) -> Sequencer:
    seq = Sequencer()
    await store.append(seq.stamp(SessionStarted(session=session, meta=META)))
    for n in range(notes):
        await store.append(seq.stamp(Note(session=session, at=float(n), text=f"{n}")))
    return seq


async def test_events_read_back_in_order_and_a_retry_is_not_a_duplicate(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    seq = await _call(store, "s1", notes=3)
    note = Note(session="s1", seq=2, at=0.0, text="0")
    assert await store.append(note) == store.bodies("s1")[1][1]  # the same event again
    with pytest.raises(StoreError, match="s1#2"):
        await store.append(Note(session="s1", seq=2, text="another"))
    await store.append(seq.stamp(SessionEnded(session="s1", at=9.5, reason="hangup")))
    assert [s for s, _ in store.bodies("s1")] == [1, 2, 3, 4, 5]
    assert [s for s, _ in store.bodies("s1", after=1, limit=2)] == [2, 3]
    row = store.find("s")
    assert (row.owner, row.started_by, row.training, row.end_reason, row.last_seq) == (
        "sato", "kato", True, "hangup", 5)  # fmt: skip
    assert row.duration_s == 9.5 and not row.live
    await store.aclose()


async def test_a_node_recovers_only_its_own_calls(pg_url: str) -> None:
    a, b = PostgresStore(pg_url, node="a"), PostgresStore(pg_url, node="b")
    await _call(a, "on-a")
    await _call(b, "on-b")
    [ended] = await a.recover()
    assert ended.session == "on-a" and ended.reason == "interrupted"
    assert a.session("on-b") is not None and a.session("on-b").live  # type: ignore[union-attr]
    await asyncio.gather(a.aclose(), b.aclose())


async def test_a_lost_server_is_unavailable_then_the_store_reconnects(
    pg_server: PgServer, pg_url: str
) -> None:
    store = PostgresStore(pg_url)
    seq = await _call(store, "s1")
    await asyncio.to_thread(pg_server.stop, "immediate")
    try:
        with pytest.raises(StoreUnavailable):
            await store.append(seq.stamp(Note(session="s1", text="during")))
        with pytest.raises(StoreUnavailable):
            store.bodies("s1")
        with pytest.raises(StoreUnavailable):
            store.bodies("s1")  # at once, not after another timeout
    finally:
        await asyncio.to_thread(pg_server.start)
    await store.append(Note(session="s1", seq=3, text="during"))
    await asyncio.sleep(1.1)  # reads stop failing fast after RETRY_READS_S
    assert [s for s, _ in store.bodies("s1")] == [1, 2, 3]
    await store.aclose()


def test_a_store_that_cannot_be_reached_says_so_in_one_sentence(pg_server: PgServer) -> None:
    url = f"postgresql://postgres@127.0.0.1:{pg_server.port}/no_such_database"
    with pytest.raises(StoreError, match="cannot open the store"):
        PostgresStore(url)


def test_the_password_never_shows_where_the_store_is_named(pg_url: str) -> None:
    secret = pg_url.replace("postgres@", "postgres:s3cret@")
    store = PostgresStore(secret)
    assert "s3cret" not in store.location and ":***@" in store.location
    store.close()


async def test_every_commit_rings_the_doorbell_with_session_and_seq(pg_url: str) -> None:
    listener = await psycopg.AsyncConnection.connect(pg_url, autocommit=True)
    await listener.execute(f"LISTEN {EVENTS_CHANNEL}")
    store = PostgresStore(pg_url)
    await _call(store, "s1", notes=2)
    rung = []
    async for notify in listener.notifies(timeout=2.0, stop_after=3):
        rung.append(notify.payload)
    assert rung == ["s1 1", "s1 2", "s1 3"]
    await asyncio.gather(store.aclose(), listener.close())


async def test_search_takes_the_same_filters_as_sqlite(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    calls = [("a", "sato", "2026-11-22T10:00:00+09:00", "昨日の相談です"),
             ("b", "sato", "2026-11-23T14:30:00+09:00", "もう死にたいって思うんです"),
             ("c", "suzuki", "2026-11-23T05:40:00+00:00", "泣き声がします 100%")]  # fmt: skip
    for sid, owner, start, text in calls:
        seq = Sequencer()
        meta = {"handler": owner, "started_by": owner, "started_at": start}
        await store.append(seq.stamp(SessionStarted(session=sid, meta=meta)))
        await store.append(seq.stamp(Note(session=sid, text=text, by=owner)))
        await store.append(seq.stamp(SessionEnded(session=sid, at=9.0, reason="hangup")))

    def ids(**filters: str) -> list[str]:
        return [row.id for row in store.search(**filters)]  # type: ignore[arg-type]

    assert ids() == ["c", "b", "a"]  # newest first as instants: 05:40 UTC is 14:40 JST
    assert ids(owner="sato") == ["b", "a"]
    assert ids(since="2026-11-23T00:00:00+09:00") == ["c", "b"]
    assert ids(text="死にたい") == ["b"]
    assert ids(text="100%") == ["c"] and ids(text="0%_") == []  # LIKE's own characters are text
    assert ids(text="死にたい", owner="suzuki") == []
    await store.aclose()


async def _write_until_closed(store: PostgresStore, session: str, started: asyncio.Event) -> int:
    """Append notes to ``session`` one after another, as the hub's writer does, until the store
    says the session has ended; the last seq this writer stored."""
    seq = await _call(store, session, notes=0)
    while True:
        if seq.last >= 3:
            started.set()
        note = seq.stamp(Note(session=session, at=float(seq.last), text=f"{seq.last}"))
        try:
            await store.append(note)
        except SessionClosed:
            return seq.last - 1


async def test_many_sessions_appending_at_once_each_stay_gap_free_and_in_order(
    pg_url: str,
) -> None:
    store = PostgresStore(pg_url, connections=4)
    sessions = [f"s{n:02d}" for n in range(24)]

    async def write(session: str) -> None:
        seq = await _call(store, session, notes=0)
        for n in range(30):
            await store.append(seq.stamp(Note(session=session, at=float(n), text=f"{n}")))
            await asyncio.sleep(0)  # let the other sessions' writes interleave with these

    await asyncio.gather(*(write(s) for s in sessions))
    assert store.writers.open_count() == 4  # the sessions' writes went over all of them
    for session in sessions:
        events = store.events(session)
        assert [e.seq for e in events] == list(range(1, 32))
        assert [e.text for e in events[1:]] == [f"{n}" for n in range(30)]  # type: ignore[attr-defined]
        assert store.session(session).last_seq == 31  # type: ignore[union-attr]
    assert store.timings.writes >= 24 * 31
    await store.aclose()


@pytest.mark.parametrize("ender", ["another node", "the same store"])
async def test_appends_racing_the_end_of_their_calls_never_land_after_session_ended(
    pg_url: str, ender: str
) -> None:
    owner = PostgresStore(pg_url, node="a", connections=4)
    other = PostgresStore(pg_url, node="b", connections=4) if ender == "another node" else owner
    sessions = [f"s{n:02d}" for n in range(12)]
    started = {s: asyncio.Event() for s in sessions}
    writers = [asyncio.create_task(_write_until_closed(owner, s, started[s])) for s in sessions]
    await asyncio.wait_for(asyncio.gather(*(e.wait() for e in started.values())), TIMEOUT)
    ended = await other.end_open_sessions("a", "node_lost")  # while every call is writing
    last_written = dict(zip(sessions, await asyncio.gather(*writers), strict=True))
    assert sorted(e.session for e in ended) == sessions
    for end in ended:
        events = owner.events(end.session)
        assert [e.seq for e in events] == list(range(1, len(events) + 1))  # no gap, no double
        assert events[-1] == end and isinstance(end, SessionEnded)  # nothing after the end
        assert end.seq == last_written[end.session] + 1 and end.reason == "node_lost"
    await asyncio.gather(owner.aclose(), other.aclose())


async def test_notes_after_the_call_racing_its_purge_neither_deadlock_nor_orphan(
    pg_url: str,
) -> None:
    store = PostgresStore(pg_url, connections=4)
    retention = PostgresStore(pg_url, node="b")  # another node's daily purge
    for round_ in range(3):  # the race is short: give it several chances to go wrong
        sessions = [f"r{round_}-s{n:02d}" for n in range(16)]
        for session in sessions:
            seq = await _call(store, session, notes=1)
            await store.append(seq.stamp(SessionEnded(session=session, at=1.0, reason="hangup")))
        refused: list[str] = []

        async def notes(session: str, refused: list[str]) -> None:
            seq = 3
            while True:  # until the purge has taken the call
                try:
                    await store.append_after_end(Note(session=session, seq=seq + 1, text="後"))
                    seq += 1
                except StoreUnavailable:
                    raise  # a deadlock aborted by PostgreSQL would land here
                except StoreError:
                    refused.append(session)  # purged: the call is gone
                    return

        writing = [asyncio.create_task(notes(s, refused)) for s in sessions]
        await asyncio.sleep(0.05)
        purged = await retention.purge(sessions)  # fails if a note slips in between its deletes
        await asyncio.wait_for(asyncio.gather(*writing), TIMEOUT)
        assert purged == len(sessions) and sorted(refused) == sessions
        with psycopg.connect(pg_url) as conn:
            assert conn.execute("SELECT count(*) FROM events").fetchone() == (0,)  # no orphan
    await asyncio.gather(store.aclose(), retention.aclose())


async def test_access_lines_that_arrive_together_are_one_write_and_all_hear_its_outcome(
    pg_url: str,
) -> None:
    store = PostgresStore(pg_url, connections=1)
    await _call(store, "s1")

    async def together(lines: list[AccessEntry]) -> list[BaseException | None]:
        """Log ``lines`` at once while the one write connection is busy with something else."""
        busy, release = asyncio.Event(), asyncio.Event()

        async def hold() -> None:
            async with store.writers.use(0):
                busy.set()
                await release.wait()

        holder = asyncio.create_task(hold())
        await busy.wait()
        logged = asyncio.gather(*(store.log_access(x) for x in lines), return_exceptions=True)
        await asyncio.sleep(0)
        release.set()
        await holder
        return list(await logged)

    lines = [AccessEntry(float(n), f"sup{n}", "supervisor", "view", "s1") for n in range(50)]
    before = store.timings.writes
    assert await together(lines) == [None] * 50
    assert store.timings.writes - before == 2  # the holder's and one for all fifty lines
    assert sorted(store.accesses(session="s1"), key=lambda e: e.at) == lines  # each once
    bad = [AccessEntry(99.0, "sup", "supervisor", "view", "s1", "\x00"), *lines[:2]]
    assert all(isinstance(r, StoreError) for r in await together(bad))  # all hear it failed
    assert len(store.accesses(session="s1")) == 50
    await store.aclose()
