"""Who may see and do what: roles, ownership and subscriptions, as pure functions.

* handler: starts calls, sees and controls only the sessions it owns (its own calls, and
  training replays a trainer started ``for`` it); asks for help; acknowledges advice.
* supervisor: sees every session, subscribes to all, sends advice, acknowledges help
  requests, adds notes; starts no calls.
* trainer: starts replay sessions (always training), for itself or for a handler, and sees
  the sessions it started.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from consult_assist.errors import AccessError
from consult_assist.hub.auth import Role

__all__ = [
    "Identity",
    "SessionAccess",
    "Subscriptions",
    "check",
    "may_list_similar",
    "may_view",
]


@dataclass(frozen=True)
class Identity:
    """An authenticated client."""

    name: str
    role: Role


@dataclass(frozen=True)
class SessionAccess:
    """What access rules need to know of a session."""

    id: str
    owner: str
    started_by: str
    training: bool


def may_view(who: Identity, session: SessionAccess) -> bool:
    """Whether ``who`` may read the session's events."""
    if who.role == "supervisor":
        return True
    return who.name in (session.owner, session.started_by)


def may_list_similar(current: SessionAccess, past: SessionAccess) -> bool:
    """Whether the earlier call ``past`` may be named among the similar calls in the risk
    sheet of ``current`` (docs/risk.md §11).

    The sheet is an event of ``current``, read by everyone who may view ``current``: its
    handler (and whoever started it) and every supervisor. So a past call is named only if
    each of those may view it too: supervisors view every call, a handler only their own.
    Training calls are never named, and a training call gets no list (a trainee would see
    real calls in it).
    """
    if current.training or past.training or past.id == current.id:
        return False
    readers = {current.owner, current.started_by} - {""}
    return bool(readers) and all(may_view(Identity(name, "handler"), past) for name in readers)


def _owns(who: Identity, session: SessionAccess) -> bool:
    return who.role != "supervisor" and who.name in (session.owner, session.started_by)


_ACTIONS = {
    "start": "start a session",
    "end": "end this session",
    "subscribe_all": "follow every session",
    "view": "see this session",
    "help": "ask for help on this session",
    "advice": "send advice",
    "note": "add a note to this session",
    "ack_help": "pick up a help request",
    "ack_advice": "acknowledge advice on this session",
    "for_handler": "start a session for another handler",
}


def check(who: Identity, action: str, session: SessionAccess | None = None) -> None:
    """Raise :class:`AccessError` unless ``who`` may do ``action`` (on ``session``)."""
    allowed = _allowed(who, action, session)
    if not allowed:
        what = _ACTIONS.get(action, action)
        raise AccessError(f"a {who.role} ({who.name}) may not {what}")


def _allowed(who: Identity, action: str, session: SessionAccess | None) -> bool:
    if action == "start":
        return who.role in ("handler", "trainer")
    if action == "for_handler":
        return who.role == "trainer"
    if action == "subscribe_all":
        return who.role == "supervisor"
    if action == "advice":
        return who.role == "supervisor"
    if action == "ack_help":
        return who.role == "supervisor" and session is not None
    if session is None:
        return False
    if action == "view":
        return may_view(who, session)
    if action in ("end", "ack_advice"):
        return _owns(who, session)
    if action == "help":
        return who.role == "handler" and who.name == session.owner
    if action == "note":
        return who.role == "supervisor" or _owns(who, session)
    return False


@dataclass
class Subscriptions:
    """What one connection follows: every visible session, its own, or named ones."""

    all: bool = False
    mine: bool = False
    ids: set[str] = field(default_factory=set)

    def wants(self, who: Identity, session: SessionAccess) -> bool:
        if session.id in self.ids:
            return True
        if self.all and may_view(who, session):
            return True
        return self.mine and who.name in (session.owner, session.started_by)
