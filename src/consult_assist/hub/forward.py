"""Commands for a call another node carries: forwarded to that node, which stores the event.

A call's events have one writer, the node that carries it; that is what keeps ``seq`` gap-free
and every event stored before it is sent. So a help request, advice, note or ack sent to
node B about a call on node A is not written by B: B puts it in the ``commands`` table
(``state`` pending) and rings ``consult_assist_commands '<A> <id>'``. A takes the row (pending
→ taken, so it is taken once), publishes the event into the call's outbox like its own
commands, and when the event is committed (or refused) writes the answer in the row and rings
``consult_assist_answers '<B> <id> <state> <seq>'``. B replies ``ok`` to its client only then:
``ok`` still means committed. Every node then sends the event to its own listeners (A at once,
the others through the events doorbell).

If A does not take the command within ``answer_s`` B marks it expired (pending → expired, so
it is either taken or expired, never both) and tells its client it was not stored. A node that
starts or listens again takes the commands still pending for it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from consult_assist.errors import ConsultAssistError, StoreUnavailable
from consult_assist.events import Event
from consult_assist.hub.node_bus import PgLink
from consult_assist.hub.outbox import Stored
from consult_assist.wire import encode_event, event_from_dict

__all__ = ["ANSWERS_CHANNEL", "ANSWER_S", "COMMANDS_CHANNEL", "CommandHub", "Forwarder"]

log = logging.getLogger(__name__)

COMMANDS_CHANNEL = "consult_assist_commands"
"""Rung when a command is written for a node: ``"<node> <id>"``."""
ANSWERS_CHANNEL = "consult_assist_answers"
"""Rung when a command has its answer: ``"<from node> <id> <state> <seq>"``."""
ANSWER_S = 5.0
"""Seconds the owning node has to take a command before it is given up (then again as long
to answer one it took)."""

_INSERT = """
WITH c AS (
    INSERT INTO commands (session, node, from_node, kind, body, created_at)
    VALUES (%(session)s, %(node)s, %(from)s, %(kind)s, %(body)s, %(now)s)
    RETURNING id
)
SELECT id, pg_notify(%(channel)s, %(node)s || ' ' || id) FROM c
"""
_TAKE = (
    "UPDATE commands SET state = 'taken' WHERE node = %s AND state = 'pending' AND {which}"
    " RETURNING id, from_node, session, kind, body"
)
_ANSWER = """
WITH a AS (
    UPDATE commands SET state = %(state)s, seq = %(seq)s, answered_at = %(now)s
    WHERE id = %(id)s RETURNING from_node
)
SELECT pg_notify(%(channel)s, from_node || ' ' || %(id)s || ' ' || %(state)s || ' ' || %(seq)s)
FROM a
"""
_EXPIRE = (
    "UPDATE commands SET state = 'expired', answered_at = %s WHERE id = %s AND state = 'pending'"
    " RETURNING id"
)


class CommandHub(Protocol):
    """What the owning side needs of the hub (:class:`~consult_assist.hub.hub.Hub` is one)."""

    def carries(self, session: str) -> bool: ...

    def is_live(self, session: str) -> bool: ...

    def publish(self, event: Event, on_stored: Stored | None = None) -> None: ...

    def end_call(self, session: str, reason: str = "end") -> None: ...


class Forwarder:
    """Both sides of forwarded commands for one node (see the module docstring)."""

    def __init__(
        self,
        node: str,
        link: PgLink,
        hub: CommandHub,
        owner_of: Callable[[str], str | None],
        *,
        answer_s: float = ANSWER_S,
    ) -> None:
        self.node = node
        self.answer_s = answer_s
        self.sent = 0
        self.taken = 0
        self._link = link
        self._hub = hub
        self._owner_of = owner_of
        self._waiting: dict[int, asyncio.Future[tuple[str, int]]] = {}
        self._early: dict[int, tuple[str, int]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    # --- the node a client sent the command to ------------------------------------------------

    def forward(self, event: Event, on_stored: Stored | None) -> bool:
        """Send ``event`` to the node that carries its call; False if no other node does."""
        owner = self._owner_of(event.session)
        if not owner or owner == self.node:
            return False
        reply = on_stored or _nobody
        self._spawn(self._send(owner, event.session, "event", encode_event(event), event, reply))
        return True

    def end(self, session: str, reason: str) -> bool:
        """Ask the node that carries ``session`` to end it; False if no other node does."""
        owner = self._owner_of(session)
        if not owner or owner == self.node:
            return False
        body = json.dumps({"reason": reason})
        self._spawn(self._send(owner, session, "end", body, None, _nobody))
        return True

    async def _send(
        self, owner: str, session: str, kind: str, body: str, event: Event | None, reply: Stored
    ) -> None:
        params = {"session": session, "node": owner, "from": self.node, "kind": kind,
                  "body": body, "now": time.time(), "channel": COMMANDS_CHANNEL}  # fmt: skip
        try:
            [(cid, _)] = await self._link.fetch(_INSERT, params)
        except (StoreUnavailable, ValueError) as exc:
            log.warning("[%s] cannot forward a %s to node %s: %s", session, kind, owner, exc)
            reply(None)
            return
        self.sent += 1
        state, seq = await self._answer_of(int(cid), session)
        if state == "stored" and event is not None:
            reply(dataclasses.replace(event, seq=seq))
        else:
            reply(None)

    async def _answer_of(self, cid: int, session: str) -> tuple[str, int]:
        if cid in self._early:
            return self._early.pop(cid)
        future: asyncio.Future[tuple[str, int]] = asyncio.get_running_loop().create_future()
        self._waiting[cid] = future
        try:
            try:
                return await asyncio.wait_for(asyncio.shield(future), self.answer_s)
            except TimeoutError:
                pass
            try:
                expired = await self._link.fetch(_EXPIRE, (time.time(), cid))
            except StoreUnavailable:
                expired = []
            if expired:
                log.warning("[%s] command %d: its node did not take it; not stored", session, cid)
                return ("expired", 0)
            try:
                return await asyncio.wait_for(asyncio.shield(future), self.answer_s)
            except TimeoutError:
                log.error(
                    "[%s] command %d was taken by its node but never answered (did it stop?):"
                    " told the client it was not stored",
                    session,
                    cid,
                )
                return ("unanswered", 0)
        finally:
            self._waiting.pop(cid, None)

    def answered(self, payload: str) -> None:
        """A ``consult_assist_answers`` notification."""
        parts = payload.split(" ")
        if len(parts) != 4 or parts[0] != self.node or not parts[1].isdigit():
            return
        cid, state, seq = int(parts[1]), parts[2], int(parts[3]) if parts[3].isdigit() else 0
        future = self._waiting.get(cid)
        if future is None:
            self._early[cid] = (state, seq)  # the answer came before the insert returned
            if len(self._early) > 1000:
                self._early.pop(next(iter(self._early)))
        elif not future.done():
            future.set_result((state, seq))

    # --- the node that carries the call -------------------------------------------------------

    def requested(self, payload: str) -> None:
        """A ``consult_assist_commands`` notification."""
        node, _, cid = payload.rpartition(" ")
        if node == self.node and cid.isdigit():
            self._spawn(self.take(int(cid)))

    async def take(self, cid: int | None = None) -> None:
        """Take one pending command for this node (None: every pending one) and carry it out."""
        which = "id = %s" if cid is not None else "TRUE"
        query = _TAKE.replace("{which}", which)
        params: tuple[Any, ...] = (self.node, cid) if cid is not None else (self.node,)
        try:
            rows = await self._link.fetch(query, params)
        except StoreUnavailable as exc:
            log.warning("cannot take forwarded commands now: %s", exc)
            return
        for cid_, from_node, session, kind, body in rows:
            self.taken += 1
            self._carry_out(int(cid_), from_node, session, kind, body)

    def _carry_out(self, cid: int, from_node: str, session: str, kind: str, body: str) -> None:
        if not (self._hub.carries(session) and self._hub.is_live(session)):
            log.info("[%s] a forwarded %s came after the call ended: refused", session, kind)
            self._spawn(self._answer(cid, "refused", 0))
            return
        if kind == "end":
            self._hub.end_call(session, str(json.loads(body).get("reason", "end")))
            self._spawn(self._answer(cid, "stored", 0))
            return
        try:
            event = event_from_dict(json.loads(body))
        except (ConsultAssistError, ValueError) as exc:
            log.error("[%s] command %d from %s is not an event: %s", session, cid, from_node, exc)
            self._spawn(self._answer(cid, "refused", 0))
            return

        def stored(stamped: Event | None) -> None:
            state, seq = ("stored", stamped.seq) if stamped is not None else ("refused", 0)
            self._spawn(self._answer(cid, state, seq))

        self._hub.publish(event, stored)

    async def _answer(self, cid: int, state: str, seq: int) -> None:
        params = {"state": state, "seq": seq, "now": time.time(), "id": cid,
                  "channel": ANSWERS_CHANNEL}  # fmt: skip
        for attempt in range(3):
            try:
                await self._link.fetch(_ANSWER, params)
                return
            except StoreUnavailable as exc:
                log.warning("cannot answer command %d (%s); trying again", cid, exc)
                await asyncio.sleep(0.5 * (attempt + 1))
        log.error("command %d (%s) could not be answered: its sender says not stored", cid, state)

    # --- tasks --------------------------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def _nobody(stored: Event | None) -> None:
    return None
