"""Node leases on a real PostgreSQL: a lapsed node's calls end once, whoever looks; fencing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from consult_assist.asr.service import AsrService
from consult_assist.errors import ConfigError, StoreError
from consult_assist.events import Note, Sequencer, SessionStarted
from consult_assist.hub.hub import Hub
from consult_assist.hub.node_bus import PgLink
from consult_assist.hub.node_lease import LeaseOptions, NodeLease
from consult_assist.hub.postgres_store import PostgresStore
from consult_assist.testing import EnergyDetector, FakeTranscriber

SHORT = LeaseOptions(lease_s=0.6, renew_s=0.2)
META = {"handler": "sato", "started_by": "sato", "training": False, "source": "t"}


async def _open_call(store: PostgresStore, session: str, notes: int = 2) -> Sequencer:
    seq = Sequencer()
    await store.append(seq.stamp(SessionStarted(session=session, meta=META)))
    for n in range(notes):
        await store.append(seq.stamp(Note(session=session, at=float(n + 1), text=f"{n}")))
    return seq


class Node:
    """One node's store and lease, as a test holds them."""

    def __init__(self, url: str, name: str, options: LeaseOptions = SHORT) -> None:
        self.store = PostgresStore(url, node=name)
        self.link = PgLink(url, f"lease {name}")
        self.lease = NodeLease(self.store, self.link, node=name, options=options)

    async def aclose(self) -> None:
        await asyncio.gather(self.store.aclose(), self.link.aclose())


@pytest.fixture
async def nodes(pg_url: str) -> AsyncIterator[dict[str, Node]]:
    made = {name: Node(pg_url, name) for name in ("a", "b", "c")}
    yield made
    await asyncio.gather(*(node.aclose() for node in made.values()))


def test_a_lease_must_outlast_two_renewals() -> None:
    with pytest.raises(ConfigError, match="twice"):
        LeaseOptions(lease_s=4.0, renew_s=2.5)
    assert LeaseOptions().expiry_s == 7.5  # seen lapsed within lease_s of the last renewal


async def test_a_lost_nodes_calls_end_once_however_many_nodes_reap_at_once(
    nodes: dict[str, Node],
) -> None:
    a, b, c = nodes["a"], nodes["b"], nodes["c"]
    for node in (a, b, c):
        await node.lease.acquire()
    await _open_call(a.store, "a1")
    await _open_call(a.store, "a2", notes=0)
    await _open_call(b.store, "b1")
    await asyncio.sleep(SHORT.lease_s)  # a stops renewing; b and c renew, then look together
    assert await b.lease.renew() and await c.lease.renew()
    by_b, by_c = await asyncio.gather(b.lease.reap(), c.lease.reap())
    ended = sorted((e.session, e.seq, e.reason, e.at) for e in by_b + by_c)
    assert ended == [("a1", 4, "node_lost", 2.0), ("a2", 2, "node_lost", 0.0)]
    assert b.lease.reaped + c.lease.reaped == 2
    for session, last in (("a1", 4), ("a2", 2)):
        stored = b.store.events(session)
        assert [e.seq for e in stored] == list(range(1, last + 1))
        assert [e.type for e in stored].count("session.ended") == 1
    assert b.store.session("b1").live  # type: ignore[union-attr]
    assert await b.lease.reap() == []  # nothing left to do
    assert b.lease.nodes_alive == 2


async def test_a_node_declared_lost_learns_it_and_its_late_writes_are_refused(
    nodes: dict[str, Node],
) -> None:
    a, b = nodes["a"], nodes["b"]
    await a.lease.acquire()
    await b.lease.acquire()
    seq = await _open_call(a.store, "a1")
    await asyncio.sleep(SHORT.lease_s)  # a is cut off from the database for a while…
    await b.lease.renew()
    [ended] = await b.lease.reap()
    assert ended.session == "a1"
    # …and comes back: whatever it still held of its call can no longer be stored.
    with pytest.raises(StoreError, match="ended"):
        await a.store.append(seq.stamp(Note(session="a1", at=3.0, text="late")))
    assert [e.type for e in a.store.events("a1")][-1] == "session.ended"
    assert not await a.lease.renew() and a.lease.times_lost == 1
    await a.lease.acquire()  # a new lease: new calls may be taken again
    assert await a.lease.renew()


async def test_an_owner_still_writing_while_it_is_reaped_never_shares_a_seq(
    nodes: dict[str, Node],
) -> None:
    a, b = nodes["a"], nodes["b"]
    seq = await _open_call(a.store, "a1", notes=0)
    writes = [seq.stamp(Note(session="a1", at=float(n), text=f"{n}")) for n in range(20)]

    async def owner() -> None:
        for event in writes:
            try:
                await a.store.append(event)
            except StoreError:
                return

    await asyncio.gather(owner(), b.store.end_open_sessions("a", "node_lost"))
    stored = a.store.events("a1")
    assert [e.seq for e in stored] == list(range(1, len(stored) + 1))
    assert [e.type for e in stored].count("session.ended") == 1
    assert stored[-1].type == "session.ended"


async def test_two_nodes_with_one_name_are_refused(pg_url: str) -> None:
    first, second = Node(pg_url, "same"), Node(pg_url, "same")
    try:
        await first.lease.acquire()
        renewing = asyncio.create_task(first.lease.run(lambda: None))
        with pytest.raises(ConfigError, match="another node named 'same'"):
            await second.lease.acquire()
        renewing.cancel()
        await asyncio.gather(renewing, return_exceptions=True)
        await first.lease.release()
        await second.lease.acquire()  # released: taken at once
    finally:
        await asyncio.gather(first.aclose(), second.aclose())


async def test_a_restarted_node_waits_for_its_earlier_lease_to_lapse(pg_url: str) -> None:
    crashed, again = Node(pg_url, "n"), Node(pg_url, "n")
    try:
        await crashed.lease.acquire()  # then never renewed nor released (kill -9)
        await again.lease.acquire()
        assert await again.lease.renew()
        assert not await crashed.lease.renew()
    finally:
        await asyncio.gather(crashed.aclose(), again.aclose())


async def test_a_node_whose_event_loop_is_busy_keeps_its_lease(nodes: dict[str, Node]) -> None:
    a, b = nodes["a"], nodes["b"]
    await a.lease.acquire()
    await _open_call(a.store, "a1")
    renewing = asyncio.create_task(a.lease.run(lambda: None))
    await asyncio.sleep(0)  # the heartbeat thread starts
    time.sleep(3 * SHORT.lease_s)  # a's event loop does nothing else for three leases
    try:
        await b.lease.acquire()  # b joins after (its own lease would have lapsed on this loop)
        assert await b.lease.reap() == []  # a renewed from its own thread meanwhile
        assert a.lease.held and a.store.session("a1").live  # type: ignore[union-attr]
    finally:
        renewing.cancel()
        await asyncio.gather(renewing, return_exceptions=True)
        await a.lease.stop_renewing()


async def test_a_hub_whose_calls_were_ended_elsewhere_drops_them_at_its_next_write(
    nodes: dict[str, Node],
) -> None:
    a, b = nodes["a"], nodes["b"]
    service = AsrService(FakeTranscriber(("テスト",), compute_s=0.01))
    service.start()
    hub = Hub(a.store, service, None, detector_factory=EnergyDetector)
    try:
        handle = hub.open_call(source="t", speakers=("",), source_rate=16_000, meta={})
        await hub.settle()
        [ended] = await b.store.end_open_sessions("a", "node_lost")  # a was declared lost
        replies: list[object] = []
        hub.publish(Note(session=handle.session, text="遅れて"), replies.append)
        await hub.settle()
        await hub.wait_ended(handle.session)
        assert replies == [None] and not hub.carries(handle.session)
        assert a.store.events(handle.session)[-1] == ended
    finally:
        await hub.close()
        await service.close()
