"""Other nodes' calls followed by doorbell: the core (pure) and the feed on a real PostgreSQL."""

from __future__ import annotations

import asyncio

from hubtools import TIMEOUT
from pgtools import PgServer

from consult_assist.errors import StoreUnavailable
from consult_assist.events import Note, Sequencer, SessionEnded, SessionStarted
from consult_assist.hub.access import SessionAccess
from consult_assist.hub.doorbell import RemoteFeed, RemoteSessions, SessionFacts
from consult_assist.hub.node_bus import NodeBus, PgLink
from consult_assist.hub.postgres_store import EVENTS_CHANNEL, PostgresStore


def facts(session: str, node: str = "a", last_seq: int = 0, live: bool = True) -> SessionFacts:
    return SessionFacts(SessionAccess(session, "sato", "sato", False), node, last_seq, live)


def rows(session: str, seqs: range, last: str = "") -> list[tuple[str, int, str, str]]:
    return [
        (session, n, last if n == seqs[-1] and last else "note", f"{session}#{n}") for n in seqs
    ]


def test_a_new_call_is_followed_from_its_first_event_and_each_event_goes_out_once() -> None:
    core = RemoteSessions("b")
    core.rang("s1", 1)
    core.rang("s1", 2)
    assert core.unknown() == ["s1"]
    core.learned([facts("s1", last_seq=2)], ["s1"])
    assert core.due() == [("s1", 0)]
    out = core.read(rows("s1", range(1, 3)))
    assert [(a.id, seq, body) for a, seq, body in out] == [("s1", 1, "s1#1"), ("s1", 2, "s1#2")]
    # A read that overlaps what went out (a doorbell rung during the read) hands out only new.
    core.rang("s1", 3)
    assert core.due() == [("s1", 2)]
    assert [seq for _, seq, _ in core.read(rows("s1", range(1, 4)))] == [3]
    assert core.due() == []  # nothing rang since
    assert [a.id for a in core.live()] == ["s1"] and core.followed["s1"].cursor == 3


def test_a_gap_in_what_was_read_is_never_handed_out_past() -> None:
    core = RemoteSessions("b")
    core.caught_up([facts("s1", last_seq=2)], fresh=True)
    core.rang("s1", 5)
    assert [seq for _, seq, _ in core.read(rows("s1", range(4, 6)))] == []  # 3 missing
    assert [seq for _, seq, _ in core.read(rows("s1", range(3, 6)))] == [3, 4, 5]


def test_the_end_of_a_call_stops_following_it_and_late_doorbells_are_ignored() -> None:
    core = RemoteSessions("b", keep_ended=1)
    core.caught_up([facts("s1"), facts("s2")], fresh=True)
    core.rang("s1", 1)
    core.read(rows("s1", range(1, 3), last="session.ended"))
    assert [a.id for a in core.live()] == ["s2"]
    core.rang("s1", 2)  # late
    assert core.due() == [] and core.unknown() == []
    core.rang("s2", 1)
    core.read(rows("s2", range(1, 2), last="session.ended"))
    assert "s1" not in core.followed  # forgotten: only one ended call is kept
    core.rang("s1", 9)  # a call forgotten long ago rings again: only what is new goes out
    core.learned([facts("s1", last_seq=9, live=False)], ["s1"])
    assert core.due() == [("s1", 8)]


def test_this_nodes_own_calls_are_never_followed() -> None:
    core = RemoteSessions("b")
    core.rang("mine", 1, local=True)
    assert core.unknown() == []
    core.rang("ended-here", 7)  # its call is over: the row says it was ours
    core.learned([facts("ended-here", node="b", last_seq=7)], ["ended-here"])
    core.rang("ended-here", 8)
    assert core.unknown() == [] and core.due() == [] and core.live() == []
    core.caught_up([facts("x", node="b", last_seq=3)], fresh=False)
    assert core.live() == []


def test_a_fresh_node_follows_open_calls_from_their_last_seq_and_after_a_loss_catches_up() -> None:
    core = RemoteSessions("b")
    core.caught_up([facts("old", last_seq=40)], fresh=True)
    assert core.due() == []  # its past is in the store for whoever subscribes
    core.rang("old", 41)
    core.read(rows("old", range(41, 42)))
    # Listening again after a loss: "old" went on to 45, "new" started and ended meanwhile.
    core.caught_up([facts("old", last_seq=45), facts("new", last_seq=3, live=False)], fresh=False)
    assert core.due() == [("new", 0), ("old", 41)]
    out = core.read(rows("new", range(1, 4), last="session.ended") + rows("old", range(42, 46)))
    assert [(a.id, seq) for a, seq, _ in out] == [("new", 1), ("new", 2), ("new", 3)] + [
        ("old", n) for n in range(42, 46)
    ]
    assert [a.id for a in core.live()] == ["old"]


def test_a_read_cut_at_its_limit_is_read_again_and_a_failed_one_retried() -> None:
    core = RemoteSessions("b")
    core.caught_up([facts("s1", last_seq=5)], fresh=False)
    due = core.due()
    core.retry(due)
    assert core.due() == due
    core.read(rows("s1", range(1, 3)))
    assert core.due() == [("s1", 2)]


def test_a_call_the_cut_read_never_reached_is_still_due() -> None:
    # Found by bench hub (3 nodes, 60 calls, 300 supervisors on 2 cores): a read of many
    # calls is cut at its limit inside the first one (rows come in session order); the calls
    # after it were dropped from what is due, and once they had ended no doorbell rang for
    # them again: their last events never reached this node's supervisors.
    core = RemoteSessions("b")
    core.caught_up([facts("s1", last_seq=5), facts("s2", last_seq=3)], fresh=False)
    assert core.due() == [("s1", 0), ("s2", 0)]
    core.read(rows("s1", range(1, 3)))
    assert core.due() == [("s1", 2), ("s2", 0)]
    # Nor does a read that returned nothing for a call drop it (no later doorbell may come).
    core.read(rows("s1", range(3, 6)))
    assert core.due() == [("s2", 0)]
    assert core.behind() == ["s2"]


async def _call(store: PostgresStore, session: str, notes: int) -> Sequencer:
    seq = Sequencer()
    meta = {"handler": "sato", "started_by": "sato", "training": False, "source": "t"}
    await store.append(seq.stamp(SessionStarted(session=session, meta=meta)))
    for n in range(notes):
        await store.append(seq.stamp(Note(session=session, at=float(n), text=f"{n}")))
    return seq


async def _reconnected(store: PostgresStore) -> None:
    for _ in range(int(TIMEOUT / 0.1)):
        try:
            await store.probe()
            return
        except StoreUnavailable:
            await asyncio.sleep(0.1)


async def test_a_node_hands_out_another_nodes_events_in_order_across_a_database_restart(
    pg_server: PgServer, pg_url: str
) -> None:
    owner = PostgresStore(pg_url, node="a")
    got: list[tuple[str, int]] = []
    changed = asyncio.Event()

    def fan_out(access: SessionAccess, seq: int, body: str) -> None:
        got.append((access.id, seq))
        changed.set()

    core = RemoteSessions("b")
    link = PgLink(pg_url, "work")
    feed = RemoteFeed(core, link, fan_out, lambda session: False)
    bus = NodeBus(pg_url, {EVENTS_CHANNEL: feed.rang}, feed.catch_up)
    tasks = [asyncio.create_task(bus.run()), asyncio.create_task(feed.run())]

    async def until(n: int) -> None:
        async def wait() -> None:
            while len(got) < n:
                changed.clear()
                await changed.wait()

        await asyncio.wait_for(wait(), TIMEOUT)

    try:
        await asyncio.wait_for(bus.ready.wait(), TIMEOUT)
        seq = await _call(owner, "s1", notes=3)
        await until(4)
        await asyncio.to_thread(pg_server.stop, "fast")  # the listener is away…
        await asyncio.to_thread(pg_server.start)
        await _reconnected(owner)
        for n in range(5):  # …while the owner goes on, and a new call starts and ends
            await owner.append(seq.stamp(Note(session="s1", at=9.0 + n, text=f"later {n}")))
        await _call(owner, "s2", notes=1)
        await owner.append(SessionEnded(session="s2", seq=3, at=1.0, reason="hangup"))
        await until(12)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(bus.aclose(), link.aclose(), owner.aclose())
    assert [seq for s, seq in got if s == "s1"] == list(range(1, 10))
    assert [seq for s, seq in got if s == "s2"] == [1, 2, 3]
    assert bus.reconnects >= 1
