"""Commands for another node's call, through the ``commands`` table on a real PostgreSQL.

The owning side is a stand-in hub here (it stamps and "stores" what it is given); the whole
path through real nodes is in test_cluster.py.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable

import pytest
from hubtools import TIMEOUT

from consult_assist.events import Advice, Event, Note
from consult_assist.hub.forward import ANSWERS_CHANNEL, COMMANDS_CHANNEL, Forwarder
from consult_assist.hub.node_bus import NodeBus, PgLink
from consult_assist.hub.outbox import Stored
from consult_assist.hub.postgres_store import PostgresStore


class OwnerHub:
    """The hub of the node that carries ``live``: takes commands, 'stores' them at seq 7, 8…"""

    def __init__(self, live: set[str]) -> None:
        self.live = live
        self.published: list[Event] = []
        self.ended: list[tuple[str, str]] = []
        self.refuse = False

    def carries(self, session: str) -> bool:
        return session in self.live

    def is_live(self, session: str) -> bool:
        return session in self.live

    def publish(self, event: Event, on_stored: Stored | None = None) -> None:
        stamped = dataclasses.replace(event, seq=7 + len(self.published))
        self.published.append(stamped)
        assert on_stored is not None
        asyncio.get_running_loop().call_soon(on_stored, None if self.refuse else stamped)

    def end_call(self, session: str, reason: str = "end") -> None:
        self.ended.append((session, reason))


class Side:
    """One node's forwarder, listening."""

    def __init__(self, url: str, node: str, hub: OwnerHub, owner_of: Callable[[str], str]) -> None:
        self.link = PgLink(url, node)
        self.forwarder = Forwarder(node, self.link, hub, owner_of, answer_s=0.5)
        handlers = {COMMANDS_CHANNEL: self.forwarder.requested,
                    ANSWERS_CHANNEL: self.forwarder.answered}  # fmt: skip
        self.bus = NodeBus(url, handlers, lambda again: self.forwarder.take())
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.task = asyncio.create_task(self.bus.run())
        await asyncio.wait_for(self.bus.ready.wait(), TIMEOUT)

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
        await self.forwarder.aclose()
        await asyncio.gather(self.bus.aclose(), self.link.aclose())


@pytest.fixture
async def url(pg_url: str) -> AsyncIterator[str]:
    PostgresStore(pg_url).close()  # the schema
    yield pg_url


async def _outcome(forwarder: Forwarder, event: Event) -> Event | None:
    done: asyncio.Future[Event | None] = asyncio.get_running_loop().create_future()
    assert forwarder.forward(event, done.set_result)
    return await asyncio.wait_for(done, TIMEOUT)


async def test_a_command_for_another_nodes_call_is_stored_there_and_answered_with_its_seq(
    url: str,
) -> None:
    owner_hub = OwnerHub({"s1"})
    a = Side(url, "a", owner_hub, lambda s: "a")
    b = Side(url, "b", OwnerHub(set()), lambda s: "a")
    await a.start()
    await b.start()
    try:
        stored = await _outcome(b.forwarder, Advice(session="s1", text="落ち着いて", by="tanaka"))
        assert stored is not None and stored.seq == 7
        assert owner_hub.published == [Advice(session="s1", seq=7, text="落ち着いて", by="tanaka")]
        owner_hub.refuse = True  # the owner's store refused it: the client hears "not stored"
        assert await _outcome(b.forwarder, Note(session="s1", text="x", by="tanaka")) is None
        assert b.forwarder.end("s1", "end")
        for _ in range(int(TIMEOUT / 0.05)):
            if owner_hub.ended:
                break
            await asyncio.sleep(0.05)
        assert owner_hub.ended == [("s1", "end")]
        owner_hub.live.clear()  # the call ended meanwhile
        assert await _outcome(b.forwarder, Note(session="s1", text="y", by="tanaka")) is None
        # The owner itself never forwards to itself: its hub stores its own commands.
        assert not a.forwarder.forward(Note(session="s1", text="z"), None)
    finally:
        await asyncio.gather(a.stop(), b.stop())
    assert (a.forwarder.taken, b.forwarder.sent) == (4, 4)


async def test_a_command_no_node_takes_expires_and_is_never_carried_out_later(url: str) -> None:
    late_hub = OwnerHub({"s1"})
    b = Side(url, "b", OwnerHub(set()), lambda s: "a")
    await b.start()
    try:
        assert await _outcome(b.forwarder, Note(session="s1", text="x", by="tanaka")) is None
    finally:
        await b.stop()
    a = Side(url, "a", late_hub, lambda s: "a")  # node a comes back: nothing pending for it
    await a.start()
    await asyncio.sleep(0.2)
    await a.stop()
    assert late_hub.published == [] and a.forwarder.taken == 0


async def test_a_command_written_while_its_node_was_away_is_taken_when_it_listens(
    url: str,
) -> None:
    owner_hub = OwnerHub({"s1"})
    b = Side(url, "b", OwnerHub(set()), lambda s: "a")
    b.forwarder.answer_s = TIMEOUT
    await b.start()
    a = Side(url, "a", owner_hub, lambda s: "a")
    try:
        outcome = asyncio.create_task(_outcome(b.forwarder, Note(session="s1", text="x")))
        await asyncio.sleep(0.2)
        await a.start()  # its first catch-up takes what is pending
        assert (await outcome) is not None
    finally:
        await asyncio.gather(a.stop(), b.stop())
    assert [e.type for e in owner_hub.published] == ["note"]
