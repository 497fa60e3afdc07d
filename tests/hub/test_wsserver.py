"""The websocket server on loopback: real sockets, a real SQLite file, a fake recognizer.

What the sans-I/O connection decides (tests/hub/test_connection.py) must reach the wire: close
codes, error replies, the slow-client cut-off, backlog before live events.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from pathlib import Path

import pytest
from hubtools import (
    TIMEOUT,
    UNIT,
    Collector,
    call_frames,
    connect,
    ended,
    live_server,
    stream,
)
from websockets.asyncio.client import connect as ws_connect
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed
from websockets.frames import Close, Frame, Opcode
from websockets.uri import parse_uri

from consult_assist.errors import AccessError, ProtocolError
from consult_assist.events import TranscriptFinal
from consult_assist.hub import wsserver
from consult_assist.hub.limits import ConnectionLimits
from consult_assist.wire import event_to_dict


async def _raw(url: str, token: str | None = None):  # type: ignore[no-untyped-def]
    ws = await ws_connect(url)
    if token is not None:
        await ws.send(json.dumps({"v": 1, "type": "auth", "token": token}))
        reply = json.loads(await ws.recv())
        assert reply["type"] == "auth.ok"
    return ws


async def _close_code(ws) -> int | None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConnectionClosed):
        await asyncio.wait_for(ws.recv(), TIMEOUT)
    return ws.close_code


async def test_a_wrong_token_is_refused_within_a_second_and_never_logged(server, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    ws = await ws_connect(server.url)
    await ws.send(json.dumps({"v": 1, "type": "auth", "token": "ca_not-a-real-token-xyz"}))
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    assert await _close_code(ws) == 4001
    assert loop.time() - t0 < 1.0 * UNIT
    assert "not-a-real-token" not in caplog.text
    assert "authentication failed" in caplog.text


async def test_a_silent_connection_is_closed_after_the_auth_timeout(tmp_path, root) -> None:
    limits = ConnectionLimits(auth_timeout_s=0.3 * UNIT)
    async with live_server(tmp_path, root, limits) as srv:
        ws = await ws_connect(srv.url)
        assert await _close_code(ws) == 4002


async def test_a_message_before_auth_is_refused(server) -> None:
    ws = await ws_connect(server.url)
    await ws.send(json.dumps({"v": 1, "type": "subscribe", "session": "*"}))
    assert await _close_code(ws) == 4001


async def test_a_handler_call_flows_to_the_handler_and_a_supervisor_in_order(server) -> None:
    sato = await connect(server.url, server.tokens["sato"])
    tanaka = await connect(server.url, server.tokens["tanaka"])
    boss = Collector(tanaka)
    await tanaka.subscribe("*")
    mine = Collector(sato)
    session = await sato.start_session(meta={"caller": "0312345678"})
    await stream(sato, call_frames(3), 0.02)
    await sato.end_session(session)
    await mine.wait_for(ended(session))
    await boss.wait_for(ended(session))
    stored = server.stored(session)
    for who in (mine, boss):
        got = who.of(session)
        assert [e.seq for e in got] == list(range(1, len(got) + 1))
        assert [event_to_dict(e) for e in got] == [event_to_dict(e) for e in stored]
    finals = [e for e in stored if isinstance(e, TranscriptFinal)]
    assert len(finals) == 3
    assert any(e.type == "alert" for e in stored)  # 死にたい / あざ in the scripts
    started = stored[0]
    assert started.type == "session.started"
    meta = started.meta  # type: ignore[attr-defined]
    assert meta["handler"] == "sato" and meta["caller"] == "0312345678"
    assert meta["training"] is False
    await asyncio.gather(sato.close(), tanaka.close(), mine.stop(), boss.stop())


async def test_each_role_keeps_to_its_limits(server) -> None:
    sato = await connect(server.url, server.tokens["sato"])
    suzuki = await connect(server.url, server.tokens["suzuki"])
    tanaka = await connect(server.url, server.tokens["tanaka"])
    session = await sato.start_session()
    with pytest.raises(AccessError):
        await suzuki.subscribe("*")
    with pytest.raises(AccessError):
        await suzuki.subscribe(session)
    with pytest.raises(AccessError):
        await suzuki.advice(session, "代わりに話します")
    with pytest.raises(AccessError):
        await sato.advice(session, "自分で自分に助言")
    with pytest.raises(AccessError):
        await suzuki.end_session(session)
    with pytest.raises(AccessError):
        await suzuki.record(session)
    with pytest.raises(AccessError):
        await tanaka.start_session()
    with pytest.raises(AccessError):
        await tanaka.help(session, "supervisors do not ask for help here")
    assert [s.id for s in await suzuki.sessions()] == []
    assert [s.id for s in await tanaka.sessions()] == [session]
    assert [s.id for s in await sato.sessions()] == [session]
    await sato.end_session(session)
    await asyncio.gather(sato.close(), suzuki.close(), tanaka.close())


async def test_help_advice_and_acknowledgements_reach_both_sides(server) -> None:
    sato = await connect(server.url, server.tokens["sato"])
    tanaka = await connect(server.url, server.tokens["tanaka"])
    mine, boss = Collector(sato), Collector(tanaka)
    await tanaka.subscribe("*")
    session = await sato.start_session()
    await sato.help(session, "死にたいと言っています")
    events = await boss.wait_for(lambda ev: any(e.type == "help.request" for e in ev))
    help_seq = next(e.seq for e in events if e.type == "help.request")
    await tanaka.ack(session, help_seq)
    await tanaka.advice(session, "まず今の安全を確認して")
    events = await mine.wait_for(lambda ev: any(e.type == "advice" for e in ev))
    advice = next(e for e in events if e.type == "advice")
    assert advice.by == "tanaka"  # type: ignore[attr-defined]
    acks = [e for e in events if e.type == "ack"]
    assert acks[0].ref == help_seq and acks[0].by == "tanaka"  # type: ignore[attr-defined]
    await sato.ack(session, advice.seq)
    with pytest.raises(AccessError):
        await sato.ack(session, help_seq)  # only supervisors pick up help
    with pytest.raises(ProtocolError):
        await tanaka.ack(session, 1)  # session.started is not acknowledgeable
    await sato.note(session, "担任には未相談")
    await sato.end_session(session)
    await boss.wait_for(ended(session))
    kinds = [e.type for e in boss.of(session)]
    assert kinds.count("ack") == 2 and "note" in kinds
    record = await sato.record(session)
    assert "死にたいと言っています" in record and "担任には未相談" in record
    await asyncio.gather(sato.close(), tanaka.close(), mine.stop(), boss.stop())


async def test_a_trainer_replay_is_training_and_reaches_the_named_handler(server) -> None:
    kato = await connect(server.url, server.tokens["kato"])
    sato = await connect(server.url, server.tokens["sato"])
    suzuki = await connect(server.url, server.tokens["suzuki"])
    mine, other = Collector(sato), Collector(suzuki)
    await sato.subscribe("mine")
    await suzuki.subscribe("mine")
    session = await kato.start_session(for_handler="sato", meta={"file": "x.wav"}, source_rate=8000)
    await stream(kato, call_frames(1))
    await kato.end_session(session)
    events = await mine.wait_for(ended(session))
    assert events[0].meta["training"] is True  # type: ignore[attr-defined]
    assert events[0].meta["started_by"] == "kato"  # type: ignore[attr-defined]
    assert events[0].meta["source_rate"] == 8000  # type: ignore[attr-defined]
    assert other.events == []
    with pytest.raises(AccessError):
        await sato.start_session(for_handler="suzuki")
    await asyncio.gather(kato.close(), sato.close(), suzuki.close(), mine.stop(), other.stop())


async def test_resume_after_a_seq_sends_exactly_the_rest(server) -> None:
    sato = await connect(server.url, server.tokens["sato"])
    session = await sato.start_session()
    await stream(sato, call_frames(2), 0.02)
    await sato.end_session(session)
    tanaka = await connect(server.url, server.tokens["tanaka"])
    first = Collector(tanaka)
    await tanaka.subscribe(session)
    events = await first.wait_for(ended(session))
    late = await connect(server.url, server.tokens["tanaka"])
    rest = Collector(late)
    await late.subscribe(session, after={session: 5})
    got = await rest.wait_for(ended(session))
    assert [e.seq for e in got] == [e.seq for e in events[5:]]
    await asyncio.gather(sato.close(), tanaka.close(), late.close(), first.stop(), rest.stop())


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("{not json", "bad_json"),
        ("[1, 2]", "bad_message"),
        ('{"v": 2, "type": "sessions"}', "bad_version"),
        ('{"v": 1, "type": "teleport"}', "unknown_type"),
        ('{"v": 1, "type": "auth", "token": "again"}', "already_authenticated"),
        ('{"v": 1, "type": "session.start", "rate": 123456}', "bad_rate"),
        ('{"v": 1, "type": "session.start", "encoding": "opus"}', "bad_audio"),
        ('{"v": 1, "type": "note", "session": "nope", "text": "x"}', "forbidden"),
        ('{"v": 1, "type": "subscribe", "session": 5}', "bad_field"),
    ],
)
async def test_malformed_messages_get_an_error_and_the_server_goes_on(
    server, message: str, code: str
) -> None:
    ws = await _raw(server.url, server.tokens["sato"])
    await ws.send(message)
    reply = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
    assert reply["type"] == "error" and reply["code"] == code, reply
    assert reply["seq"] == 0 and reply["message"]
    await ws.send(json.dumps({"v": 1, "type": "sessions", "id": "after"}))
    reply = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
    assert reply["type"] == "sessions" and reply["re"] == "after"
    await ws.close()


async def test_bad_audio_frames_are_refused_and_dropped(server) -> None:
    ws = await _raw(server.url, server.tokens["sato"])
    await ws.send(b"\x00\x01")
    assert json.loads(await ws.recv())["code"] == "bad_audio"  # no session yet
    await ws.send(json.dumps({"v": 1, "type": "session.start", "rate": 8000, "id": 1}))
    while (reply := json.loads(await ws.recv()))["type"] != "session.created":
        pass
    await ws.send(b"\x00\x01\x02")  # half a sample
    while (reply := json.loads(await ws.recv()))["type"] != "error":
        pass
    assert reply["code"] == "bad_audio"
    await ws.send(b"\x00\x00" * 8001)  # more than 1 s at 8 kHz
    while (reply := json.loads(await ws.recv()))["type"] != "error":
        pass
    assert reply["code"] == "bad_audio"
    await ws.close()


async def test_an_oversize_message_closes_with_1009_and_others_carry_on(server) -> None:
    ws = await _raw(server.url, server.tokens["sato"])
    await ws.send("x" * (2**20 + 10))
    assert await _close_code(ws) == 1009
    other = await connect(server.url, server.tokens["tanaka"])
    assert await other.sessions() == []
    await other.close()


async def test_a_flood_gets_rate_limited_then_closed(tmp_path: Path, root: Path) -> None:
    limits = ConnectionLimits(rate_per_s=5, burst=5, flood_close_s=0.2 * UNIT)
    async with live_server(tmp_path, root, limits) as srv:
        ws = await _raw(srv.url, srv.tokens["sato"])
        codes = []
        with pytest.raises(ConnectionClosed):
            for _ in range(10_000):
                await ws.send(json.dumps({"v": 1, "type": "sessions"}))
                if len(codes) < 50:
                    with _suppress_timeout():
                        reply = json.loads(await asyncio.wait_for(ws.recv(), 0.01))
                        codes.append(reply.get("code"))
                await asyncio.sleep(0.005)
        assert "rate_limited" in codes
        assert ws.close_code == 4009
        other = await connect(srv.url, srv.tokens["tanaka"])
        assert await other.sessions() == []
        await other.close()


class _suppress_timeout:
    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: object, *rest: object) -> bool:
        return exc_type is TimeoutError


async def test_transcript_text_never_reaches_the_logs(server, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    sato = await connect(server.url, server.tokens["sato"])
    mine = Collector(sato)
    session = await sato.start_session()
    await stream(sato, call_frames(2), 0.02)
    await sato.note(session, "担任には未相談")
    await sato.end_session(session)
    events = await mine.wait_for(ended(session))
    texts = [e.text for e in events if isinstance(e, TranscriptFinal)] + ["担任には未相談"]
    assert len(texts) == 3
    assert "session started" in caplog.text
    for text in texts:
        assert text not in caplog.text
    await asyncio.gather(sato.close(), mine.stop())


async def test_a_slow_client_is_cut_off_and_nobody_else_waits(tmp_path: Path, root: Path) -> None:
    limits = ConnectionLimits(max_queue=50, rate_per_s=10_000, burst=10_000)
    async with live_server(tmp_path, root, limits) as srv:
        sato = await connect(srv.url, srv.tokens["sato"])
        session = await sato.start_session()
        # A supervisor that never reads: its socket fills, then its queue.
        slow = await ws_connect(srv.url, max_queue=1)
        await slow.send(json.dumps({"v": 1, "type": "auth", "token": srv.tokens["tanaka"]}))
        await slow.send(json.dumps({"v": 1, "type": "subscribe", "session": "*"}))
        fast = await connect(srv.url, srv.tokens["tanaka"])
        keep = Collector(fast)
        await fast.subscribe("*")
        note = "記録" * 1000
        for _ in range(1500):
            await sato.note(session, note)
        await keep.wait_for(lambda ev: sum(e.type == "note" for e in ev) == 1500)
        code = None
        with contextlib.suppress(ConnectionClosed):
            async with asyncio.timeout(TIMEOUT):
                while True:
                    await slow.recv()
        code = slow.close_code
        assert code == 4008
        assert "slow client" in (slow.close_reason or "")
        await asyncio.gather(sato.close(), fast.close(), keep.stop())


async def test_a_two_channel_call_labels_each_speaker(server) -> None:
    import numpy as np

    from consult_assist.testing import tone_call

    left = tone_call([(0.5, 1.7), (4.5, 5.7)], total_s=7.0)
    right = tone_call([(2.5, 3.7)], total_s=7.0)
    sato = await connect(server.url, server.tokens["sato"])
    mine = Collector(sato)
    session = await sato.start_session(channels=2, speakers=("caller", "handler"))
    pcm = (np.stack([left, right], axis=1) * 32767).astype("<i2")
    frames = [pcm[i : i + 1600].tobytes() for i in range(0, len(pcm), 1600)]
    await stream(sato, frames, 0.02)
    await sato.end_session(session)
    events = await mine.wait_for(ended(session))
    finals = sorted((e for e in events if isinstance(e, TranscriptFinal)), key=lambda e: e.start)
    assert [f.speaker for f in finals] == ["caller", "handler", "caller"]
    await asyncio.gather(sato.close(), mine.stop())


async def test_a_plain_http_request_is_refused_and_the_server_goes_on(server) -> None:
    host, port = server.url.removeprefix("ws://").rstrip("/").rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(b"GET / HTTP/1.1\r\nHost: hub\r\n\r\n")
    status = await asyncio.wait_for(reader.readline(), TIMEOUT)
    assert status.startswith(b"HTTP/1.1 4")
    assert await asyncio.wait_for(reader.read(), TIMEOUT)  # the explanation, then EOF
    writer.close()
    other = await connect(server.url, server.tokens["tanaka"])
    assert await other.sessions() == []
    await other.close()


async def test_a_message_sent_in_fragments_is_put_back_together(server) -> None:
    ws = await _raw(server.url, server.tokens["sato"])
    await ws.send(['{"v": 1, "type": ', '"sessions", "id": "frag"}'])
    reply = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
    assert (reply["type"], reply["re"]) == ("sessions", "frag")
    await ws.close()


async def test_text_that_is_not_utf8_closes_with_1007(server) -> None:
    ws = await _raw(server.url, server.tokens["sato"])
    await ws.send(b"\xff\xfe not text", text=True)
    assert await _close_code(ws) == 1007


async def test_a_client_that_stops_answering_pings_is_closed_1011(
    server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wsserver, "PING_INTERVAL_S", 0.2 * UNIT)
    monkeypatch.setattr(wsserver, "PING_TIMEOUT_S", 0.2 * UNIT)
    host, port = server.url.removeprefix("ws://").rstrip("/").rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    client = ClientProtocol(parse_uri(server.url))  # a peer that reads but never answers
    client.send_request(client.connect())
    writer.write(b"".join(client.data_to_send()))
    closed_with = None
    async with asyncio.timeout(TIMEOUT):
        while data := await reader.read(65536):
            client.receive_data(data)
            for event in client.events_received():
                if isinstance(event, Frame) and event.opcode is Opcode.CLOSE:
                    closed_with = Close.parse(event.data).code
            client.data_to_send()  # its pongs are never written
    writer.close()
    assert closed_with == 1011


async def test_a_bug_in_one_connection_closes_only_that_one_with_1011(
    server, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ws = await _raw(server.url, server.tokens["sato"])

    def broken(self: object, raw: str, now: float) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(wsserver.Connection, "receive_text", broken)
    await ws.send(json.dumps({"v": 1, "type": "sessions"}))
    assert await _close_code(ws) == 1011
    assert "internal error" in caplog.text
    monkeypatch.undo()
    other = await connect(server.url, server.tokens["tanaka"])
    assert await other.sessions() == []
    await other.close()
