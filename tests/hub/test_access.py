"""Who may see and do what."""

from __future__ import annotations

import pytest

from consult_assist.errors import AccessError
from consult_assist.hub.access import Identity, SessionAccess, Subscriptions, check, may_view

SATO = Identity("sato", "handler")
SUZUKI = Identity("suzuki", "handler")
TANAKA = Identity("tanaka", "supervisor")
KATO = Identity("kato", "trainer")
CALL = SessionAccess("s1", owner="sato", started_by="sato", training=False)
DRILL = SessionAccess("s2", owner="sato", started_by="kato", training=True)


@pytest.mark.parametrize(
    ("who", "action", "session", "allowed"),
    [
        (SATO, "view", CALL, True),
        (SUZUKI, "view", CALL, False),
        (TANAKA, "view", CALL, True),
        (KATO, "view", DRILL, True),
        (KATO, "view", CALL, False),
        (SATO, "subscribe_all", None, False),
        (TANAKA, "subscribe_all", None, True),
        (SATO, "advice", CALL, False),
        (TANAKA, "advice", CALL, True),
        (SATO, "help", CALL, True),
        (SATO, "help", DRILL, True),
        (KATO, "help", DRILL, False),
        (TANAKA, "ack_help", CALL, True),
        (SATO, "ack_help", CALL, False),
        (SATO, "ack_advice", CALL, True),
        (TANAKA, "start", None, False),
        (KATO, "for_handler", None, True),
        (SATO, "for_handler", None, False),
        (SUZUKI, "end", CALL, False),
        (KATO, "end", DRILL, True),
        (TANAKA, "note", CALL, True),
        (SUZUKI, "note", CALL, False),
    ],
)
def test_rules(who: Identity, action: str, session: SessionAccess | None, allowed: bool) -> None:
    if allowed:
        check(who, action, session)
    else:
        with pytest.raises(AccessError, match=who.role):
            check(who, action, session)


def test_subscriptions_follow_roles() -> None:
    assert Subscriptions(all=True).wants(TANAKA, CALL)
    assert not Subscriptions(all=True).wants(SUZUKI, CALL)
    assert Subscriptions(mine=True).wants(SATO, DRILL)
    assert Subscriptions(mine=True).wants(KATO, DRILL)
    assert not Subscriptions(mine=True).wants(SUZUKI, DRILL)
    assert Subscriptions(ids={"s1"}).wants(SUZUKI, CALL)  # ids are only added after a check
    assert may_view(TANAKA, DRILL)
