"""The port through which a hub serves calls that other nodes carry (several nodes, one store).

:class:`~consult_assist.hub.hub.Hub` asks its ``peers`` (``cluster.Cluster`` on PostgreSQL,
none on a single node) about any session it does not carry itself.
"""

from __future__ import annotations

from typing import Protocol

from consult_assist.events import Event
from consult_assist.hub.access import SessionAccess
from consult_assist.hub.outbox import Stored

__all__ = ["Peers"]


class Peers(Protocol):
    """The calls other nodes carry, as this node sees them (``cluster.Cluster`` is one)."""

    def live_sessions(self) -> list[SessionAccess]:
        """Calls live on other nodes that this node follows."""
        ...

    def access(self, session: str) -> SessionAccess | None:
        """A followed call of another node (None: not one this node follows)."""
        ...

    def is_live(self, session: str) -> bool | None:
        """Whether another node carries ``session`` now (None: not another node's call)."""
        ...

    def last_seq(self, session: str) -> int | None:
        """The last seq of another node's call handed to this node's listeners (None: not
        followed here; the store says)."""
        ...

    def forward(self, event: Event, on_stored: Stored | None) -> bool:
        """Send a command's event to the node that carries its call, to be stored there;
        ``on_stored`` hears the outcome. False: no other node carries that call."""
        ...

    def end(self, session: str, reason: str) -> bool:
        """Ask the node that carries ``session`` to end it (False: none does)."""
        ...
