"""Input hygiene on the wire (issue 12, rows 12, 14 and 15): real sockets, a real store.

Row 12: text that cannot be stored (a lone surrogate, NUL) anywhere in a message is refused as
``bad_field`` before it reaches the hub: no ghost live session, no orphan ``session.ended``, no
seq gap. Row 14: every reply carries ``re``, parse errors too. Row 15: a trainer's ``for`` must
name a handler; unknown and foreign session ids get the same ``forbidden``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from hubtools import TIMEOUT, LiveServer, call_frames, connect, stream
from websockets.asyncio.client import connect as ws_connect

LONE = "\\ud800"  # as it travels in JSON: decodes to a lone surrogate


async def _raw(server: LiveServer, name: str):  # type: ignore[no-untyped-def]
    ws = await ws_connect(server.url)
    await ws.send(json.dumps({"v": 1, "type": "auth", "token": server.tokens[name]}))
    assert json.loads(await ws.recv())["type"] == "auth.ok"
    return ws


async def _answer(ws, raw: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Send ``raw``; the reply (events of followed sessions are skipped)."""
    await ws.send(raw)
    while True:
        data = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        if data.get("seq", 0) == 0:
            return data  # type: ignore[no-any-return]


def _gapless(seqs: list[int]) -> bool:
    return seqs == list(range(1, len(seqs) + 1))


async def test_unstorable_text_is_bad_field_with_no_ghost_session_orphan_end_or_gap(
    server: LiveServer,
) -> None:
    hub = server.running.hub
    ws = await _raw(server, "sato")
    start = '{"v":1,"id":"s1","type":"session.start","meta":{"caller":"09<?>"}}'.replace(
        "<?>", LONE
    )
    refused = await _answer(ws, start)
    assert (refused["type"], refused["code"], refused["re"]) == ("error", "bad_field", "s1")
    assert "meta.caller" in refused["message"]
    await asyncio.sleep(0.2)
    assert hub.live_sessions() == [] and hub.store.sessions() == []  # no ghost, no orphan row

    sato = await connect(server.url, server.tokens["sato"])
    session = await sato.start_session(meta={"caller": "0312345678"})
    await stream(sato, call_frames(2), 0.02)
    for raw in (
        '{"v":1,"id":"n1","type":"note","session":"<s>","text":"死に<?>"}'.replace(
            "<s>", session
        ).replace("<?>", LONE),
        '{"v":1,"id":"h1","type":"help.request","session":"<s>","reason":"\\udc80"}'.replace(
            "<s>", session
        ),
        '{"v":1,"id":"n2","type":"note","session":"<s>","text":"a\\u0000b"}'.replace(
            "<s>", session
        ),
    ):
        refused = await _answer(ws, raw)
        assert refused["code"] == "bad_field" and refused["re"] in ("n1", "h1", "n2")
    await sato.note(session, "担任には未相談")  # the connection and the call go on
    await sato.end_session(session)
    await hub.wait_ended(session)
    await hub.settle()
    events = server.stored(session)
    assert _gapless([e.seq for e in events])
    assert [e.type for e in events].count("session.ended") == 1 and events[-1].type == (
        "session.ended"
    )
    assert [e.text for e in events if e.type == "note"] == ["担任には未相談"]  # type: ignore[attr-defined]
    assert [r.id for r in hub.store.sessions()] == [session]
    assert hub.live_sessions() == []
    await asyncio.gather(ws.close(), sato.close())


async def test_a_lone_surrogate_in_the_token_closes_4001_like_any_wrong_token(
    server: LiveServer,
) -> None:
    ws = await ws_connect(server.url)
    await ws.send('{"v":1,"type":"auth","token":"ca_<?>"}'.replace("<?>", LONE))
    with pytest.raises(Exception):  # noqa: B017 - the close is what is asserted
        await asyncio.wait_for(ws.recv(), TIMEOUT)
    assert ws.close_code == 4001


async def test_every_reply_carries_re_parse_errors_and_refusals_too(server: LiveServer) -> None:
    ws = await _raw(server, "sato")
    cases = {
        '{"v":1,"type":"note","id":"broken","text":"unterminated': ("broken", "bad_json"),
        '{"v":2,"type":"sessions","id":"old"}': ("old", "bad_version"),
        '{"v":1,"type":"teleport","id":3}': ("3", "unknown_type"),
        '{"v":1,"type":"note","id":"empty","session":""}': ("empty", "bad_field"),
        '{"v":1,"type":"subscribe","id":"all","session":"*"}': ("all", "forbidden"),
        '{"v":1,"type":"record","id":"rec","session":"nope"}': ("rec", "forbidden"),
        '{"v":1,"type":"auth","id":"again","token":"x"}': ("again", "already_authenticated"),
        '{"v":1,"type":"section","id":"sec","section":"nowhere"}': ("sec", "no_section"),
    }
    for raw, (ref, code) in cases.items():
        reply = await _answer(ws, raw)
        assert (reply.get("re"), reply.get("code")) == (ref, code), raw
    for ref, raw in (("ok1", '{"v":1,"type":"sessions","id":"ok1"}'),):
        assert (await _answer(ws, raw))["re"] == ref
    await ws.close()


async def test_rate_limited_replies_carry_re_too(server: LiveServer) -> None:
    ws = await _raw(server, "sato")
    for i in range(400):
        await ws.send(json.dumps({"v": 1, "type": "sessions", "id": f"q{i}"}))
    limited = []
    while len(limited) < 5:
        data = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        if data.get("code") == "rate_limited":
            limited.append(data)
    assert all(d["re"].startswith("q") for d in limited)
    await ws.close()


@pytest.mark.parametrize("target", ["*", "../x", "tanaka", "kato", "nobody", "sato sato"])
async def test_a_trainers_for_must_name_an_existing_handler(
    server: LiveServer, target: str
) -> None:
    ws = await _raw(server, "kato")
    start = {"v": 1, "id": "t", "type": "session.start", "for": target}
    refused = await _answer(ws, json.dumps(start))
    assert (refused["code"], refused["re"]) == ("unknown_handler", "t")
    assert "must name a handler" in refused["message"]
    assert server.running.hub.live_sessions() == []
    start["for"] = "sato"
    created = await _answer(ws, json.dumps(start))
    assert created["type"] == "session.created" and created["re"] == "t"
    await ws.close()


async def test_unknown_and_foreign_sessions_are_refused_alike(server: LiveServer) -> None:
    sato = await connect(server.url, server.tokens["sato"])
    session = await sato.start_session()
    ws = await _raw(server, "suzuki")
    unknown = session[:-4] + ("0000" if not session.endswith("0000") else "ffff")
    requests = [
        {"type": "note", "text": "x"},
        {"type": "record"},
        {"type": "subscribe"},
        {"type": "session.end"},
        {"type": "help.request"},
        {"type": "ack", "seq": 1},
    ]
    for request in requests:
        answers = []
        for target in (session, unknown):
            raw = json.dumps({"v": 1, "id": "q", "session": target, **request})
            reply = await _answer(ws, raw)
            answers.append({**reply, "message": reply["message"].replace(target, "<id>")})
        assert answers[0] == answers[1], request
        assert answers[0]["code"] == "forbidden"
    await sato.end_session(session)
    await asyncio.gather(ws.close(), sato.close())
