"""Similar past calls for the risk sheets the hub sends, from the store.

The store is read only on the event loop: once at start (:meth:`SimilarCalls.load`) and when
a call ends (:meth:`SimilarCalls.call_ended`, which the risk feed calls when the hub hands it
``session.ended`` on the loop, after the call's events are stored); the index is rebuilt off
the loop and swapped in whole. The risk sheets, computed in the
knowledge thread, read only the immutable index. Who may see which past call:
:func:`~consult_assist.hub.access.may_list_similar`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any

from consult_assist.events import SimilarCall
from consult_assist.hub.access import SessionAccess, may_list_similar
from consult_assist.hub.records import build_record
from consult_assist.hub.store import SessionRow, Store
from consult_assist.risk.sheet import Assessment
from consult_assist.risk.similar import PastCall, SimilarIndex

__all__ = ["SimilarCalls", "past_call"]

log = logging.getLogger(__name__)

LIMIT = 2000
"""The most recent ended calls kept in the index."""


def past_call(row: SessionRow, store: Store) -> PastCall:
    """One ended call of the store as the similar-calls search knows it."""
    record = build_record(store.events(row.id))
    risk = record.risk
    return PastCall(
        session=row.id,
        date=(row.started_at or "")[:10],
        tier=risk.tier if risk is not None else "",
        subitems=tuple(s for i in (risk.items if risk else ()) for s in i.subitems),
        text=" ".join(line.text for line in record.transcript),
        notes=tuple(n.text for n in record.notes),
        owner=row.owner,
        started_by=row.started_by,
        training=row.training,
    )


class SimilarCalls:
    """The hub's similar-calls search: the risk feed's ``similar`` callable and ``on_end``."""

    def __init__(self, store: Store, labels: Callable[[str], str], *, limit: int = LIMIT) -> None:
        self.store = store
        self.labels = labels
        self.limit = limit
        self._calls: dict[str, PastCall] = {}
        self.index = SimilarIndex((), labels)
        self.rebuilding: asyncio.Future[SimilarIndex] | None = None
        """The rebuild under way after the last call ended (None before any)."""

    def load(self) -> None:
        """Read the last ``limit`` ended calls and build the index (at start, on the loop)."""
        rows = [r for r in self.store.sessions(limit=self.limit) if not r.live and not r.training]
        self._calls = {r.id: past_call(r, self.store) for r in rows}
        self.index = SimilarIndex(tuple(self._calls.values()), self.labels)

    def call_ended(self, session: str) -> None:
        """A call ended (its events stored): it joins the index, rebuilt off the loop."""
        row = self.store.session(session)
        if row is None or row.training:
            return
        self._calls[session] = past_call(row, self.store)
        calls = tuple(self._calls.values())[-self.limit :]
        loop = asyncio.get_running_loop()
        task = loop.run_in_executor(None, SimilarIndex, calls, self.labels)
        task.add_done_callback(self._swap)
        self.rebuilding = task

    def _swap(self, task: asyncio.Future[SimilarIndex]) -> None:
        if task.cancelled() or task.exception() is not None:
            log.warning("similar calls: the index was not rebuilt (%s)", task.exception())
            return
        self.index = task.result()

    def __call__(
        self, meta: Mapping[str, Any], session: str, assessment: Assessment, words: str
    ) -> tuple[SimilarCall, ...]:
        """The similar calls the readers of ``session`` may all see."""
        owner = str(meta.get("handler", ""))
        current = SessionAccess(
            session, owner, str(meta.get("started_by", owner)), meta.get("training") is True
        )

        def allowed(past: PastCall) -> bool:
            access = SessionAccess(past.session, past.owner, past.started_by, past.training)
            return may_list_similar(current, access)

        return self.index.search(words, assessment, allowed=allowed)
