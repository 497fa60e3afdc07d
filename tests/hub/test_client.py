"""The websocket hub client: auth, replies to exceptions, and a gapless resume after a drop."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import pytest
from hubtools import UNIT, Collector, LiveServer, call_frames, connect, ended, live_server, stream
from websockets.asyncio.server import ServerConnection, serve

from consult_assist.errors import (
    AccessError,
    AuthError,
    ConfigError,
    ConsultAssistError,
    ProtocolError,
)
from consult_assist.events import Note
from consult_assist.hub.client import ConnectionState, WebSocketHubClient, server_urls
from consult_assist.hub.protocol import CLOSE_AUTH_TIMEOUT
from consult_assist.wire import encode_event, event_to_dict


async def test_a_wrong_token_is_an_auth_error(server: LiveServer) -> None:
    with pytest.raises(AuthError, match="refused the token"):
        await connect(server.url, "ca_wrong")


async def test_an_unreachable_server_is_one_sentence() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there once closed
    with pytest.raises(ConsultAssistError, match="cannot reach the server"):
        await connect(f"ws://127.0.0.1:{port}/", "token")


async def test_a_request_before_connect_says_so() -> None:
    client = WebSocketHubClient("ws://127.0.0.1:9/", "token")
    with pytest.raises(ConsultAssistError, match="not connected"):
        await client.sessions()
    with pytest.raises(ConsultAssistError, match="not connected"):
        await client.send_audio(b"\x00\x00")


async def test_refusals_become_the_projects_errors_with_their_code(server: LiveServer) -> None:
    suzuki = await connect(server.url, server.tokens["suzuki"])
    with pytest.raises(AccessError):
        await suzuki.subscribe("*")
    with pytest.raises(AccessError):  # unknown ids are refused as foreign ones are
        await suzuki.record("no-such-session")
    await suzuki.close()


def test_events_seen_twice_across_a_resume_are_dropped() -> None:
    client = WebSocketHubClient("ws://127.0.0.1:9/", "token")
    notes = [Note(session="s", seq=n, text=f"{n}") for n in (1, 2, 2, 1, 3)]
    for note in notes:
        client._dispatch(encode_event(note))
    client._dispatch(json.dumps({"v": 1, "type": "teleport", "session": "s", "seq": 4}))
    got = []
    while not client._updates.empty():
        got.append(client._updates.get_nowait())
    assert [(e.session, e.seq) for e in got] == [("s", 1), ("s", 2), ("s", 3)]  # type: ignore[union-attr]
    assert client.last_seq == {"s": 3}


async def test_a_supervisor_cut_off_mid_call_resumes_to_the_same_event_list(
    server: LiveServer,
) -> None:
    sato = await connect(server.url, server.tokens["sato"])
    steady = await connect(server.url, server.tokens["tanaka"])
    flaky = await connect(server.url, server.tokens["tanaka"], backoff_s=(0.05,))
    keep, drop = Collector(steady), Collector(flaky)
    await steady.subscribe("*")
    await flaky.subscribe("*")
    session = await sato.start_session()
    frames = call_frames(4)
    await stream(sato, frames[:25], 0.02)
    await drop.wait_for(lambda ev: len(ev) >= 3)
    flaky._ws.transport.abort()  # the network drops: no close handshake
    await stream(sato, frames[25:], 0.02)
    await sato.end_session(session)
    await keep.wait_for(ended(session))
    await drop.wait_for(ended(session))
    assert [s.state for s in drop.states][:2] == ["disconnected", "connected"]
    assert [event_to_dict(e) for e in drop.of(session)] == [
        event_to_dict(e) for e in keep.of(session)
    ]
    await asyncio.gather(sato.close(), steady.close(), flaky.close(), keep.stop(), drop.stop())


async def test_a_call_that_came_and_went_while_a_supervisor_was_away_is_there_on_resume(
    server: LiveServer,
) -> None:
    # Found by bench hub (3 nodes, 10 minutes, 300 supervisors on 2 cores): a supervisor whose
    # reconnect took minutes never got the calls that started and ended meanwhile (neither
    # live at the resume nor among the calls it had seen), so its list was not that of a
    # supervisor that never left.
    sato = await connect(server.url, server.tokens["sato"])
    steady = await connect(server.url, server.tokens["tanaka"])
    away = await connect(server.url, server.tokens["tanaka"], backoff_s=(3.0 * UNIT,))
    keep, back = Collector(steady), Collector(away)
    await steady.subscribe("*")
    await away.subscribe("*")
    away._ws.transport.abort()  # gone for the backoff: a whole call comes and goes meanwhile
    session = await sato.start_session()
    await stream(sato, call_frames(1))
    await sato.end_session(session)
    await keep.wait_for(ended(session))
    assert not back.of(session)
    await back.wait_for(ended(session))
    assert [s.state for s in back.states][:2] == ["disconnected", "connected"]
    assert [event_to_dict(e) for e in back.of(session)] == [
        event_to_dict(e) for e in keep.of(session)
    ]
    await asyncio.gather(sato.close(), steady.close(), away.close(), keep.stop(), back.stop())


async def test_without_reconnect_a_lost_server_ends_the_updates_as_failed(
    tmp_path: Path, root: Path
) -> None:
    async with live_server(tmp_path, root) as srv:
        client = await connect(srv.url, srv.tokens["tanaka"], reconnect=False)
        watch = Collector(client)
    await watch.wait_for(lambda ev: bool(watch.states))
    await asyncio.sleep(0)
    assert [s.state for s in watch.states] == ["failed"]
    assert isinstance(watch.states[0], ConnectionState) and "1001" in watch.states[0].detail
    await asyncio.gather(client.close(), watch.stop())


async def test_a_manual_section_is_fetched_whole(server: LiveServer) -> None:
    sato = await connect(server.url, server.tokens["sato"], request_timeout_s=5 * UNIT)
    titles = server.running.hub.section_titles()
    section_id, title = next(iter(titles.items()))
    section = await sato.section(section_id)
    assert (section.id, section.title) == (section_id, title) and section.body
    with pytest.raises(ProtocolError) as caught:
        await sato.section("no-such-section")
    assert caught.value.code == "no_section"
    await sato.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens there once closed


def test_several_servers_are_read_from_one_comma_separated_flag() -> None:
    assert server_urls(" ws://a:1/ , wss://b:2/,") == ("ws://a:1/", "wss://b:2/")
    with pytest.raises(ConfigError, match="ws:// or wss://"):
        server_urls("ws://a:1/,http://b/")
    with pytest.raises(ConfigError, match="no server"):
        server_urls(" , ")


async def test_with_several_servers_the_client_takes_the_first_that_answers(
    server: LiveServer,
) -> None:
    down = f"ws://127.0.0.1:{_closed_port()}/"
    client = await connect([down, server.url], server.tokens["tanaka"])
    assert client.url == server.url
    await client.close()
    with pytest.raises(ConsultAssistError, match=f"{down}.*; .*{down}"):
        await connect([down, down], "token")


async def test_a_call_whose_connection_was_lost_takes_no_more_audio(server: LiveServer) -> None:
    sato = await connect(server.url, server.tokens["sato"], backoff_s=(0.05,))
    watch = Collector(sato)
    session = await sato.start_session()
    await sato.send_audio(call_frames(1)[0])
    sato._ws.transport.abort()  # the connection carrying the call's audio drops
    await watch.wait_for(lambda ev: [s.state for s in watch.states][-1:] == ["connected"])
    with pytest.raises(ConsultAssistError, match=f"{session} was lost"):
        await sato.send_audio(call_frames(1)[0])
    # Following the call goes on: it ended on its node, and that arrives like any event.
    await watch.wait_for(ended(session))
    assert watch.of(session)[-1].reason == "disconnected"  # type: ignore[attr-defined]
    await asyncio.gather(sato.close(), watch.stop())


async def test_a_server_too_busy_to_read_the_token_is_no_refusal() -> None:
    # Found by bench hub on an overloaded machine: a server that closes "authenticate first"
    # (4002) had the token but did not read it in time. Taken for a refusal, the client gave
    # up for good and a supervisor's screen stopped; it must retry like any lost connection.
    async def too_busy(ws: ServerConnection) -> None:
        await ws.close(CLOSE_AUTH_TIMEOUT, "authenticate first")

    async with serve(too_busy, "127.0.0.1", 0) as busy:
        port = busy.sockets[0].getsockname()[1]
        with pytest.raises(ConsultAssistError, match="did not take the token in time") as info:
            await connect(f"ws://127.0.0.1:{port}/", "token")
        assert not isinstance(info.value, AuthError)


async def test_a_busy_server_is_passed_over_for_one_that_answers(server: LiveServer) -> None:
    async def too_busy(ws: ServerConnection) -> None:
        await ws.close(CLOSE_AUTH_TIMEOUT, "authenticate first")

    async with serve(too_busy, "127.0.0.1", 0) as busy:
        port = busy.sockets[0].getsockname()[1]
        client = await connect([f"ws://127.0.0.1:{port}/", server.url], server.tokens["tanaka"])
        assert client.url == server.url
        await client.close()


async def test_a_server_that_stops_reading_cannot_hold_a_sender_for_ever() -> None:
    # A send on a connection the peer no longer reads waited until websockets' keepalive gave
    # up (~40 s), or for ever if the close then never completes (websockets issue 1563). Seen
    # as a bench hub caller that never finished. The send is bounded by the request timeout
    # and drops the connection itself.
    async def deaf(ws: ServerConnection) -> None:
        await ws.recv()  # the token
        await ws.send(json.dumps({"type": "auth.ok", "name": "kato", "role": "trainer"}))
        await ws.wait_closed()  # then reads nothing more

    async with serve(deaf, "127.0.0.1", 0, max_queue=1, write_limit=1) as server:
        port = server.sockets[0].getsockname()[1]
        client = await connect(f"ws://127.0.0.1:{port}/", "token", request_timeout_s=UNIT)
        client._streaming = "s1"  # as after session.start, which this server does not know
        frame = bytes(64_000)
        with pytest.raises(ConsultAssistError, match="took no data"):
            for _ in range(2_000):  # far more than the socket buffers hold
                await client.send_audio(frame)
        await client.close()


async def test_closing_while_a_reconnect_is_opening_its_connection_does_not_hang() -> None:
    # close() closed the lost connection; the one being opened meanwhile was then read for
    # ever, and close() waited on it (seen as bench hub supervisors that never closed).
    opened: list[ServerConnection] = []

    async def drop_the_first(ws: ServerConnection) -> None:
        opened.append(ws)
        await ws.recv()  # the token
        if len(opened) > 1:
            await asyncio.sleep(2 * UNIT)  # the reconnect's auth takes a while
        await ws.send(json.dumps({"type": "auth.ok", "name": "tanaka", "role": "supervisor"}))
        if len(opened) == 1:
            await ws.close()  # lost: the client reconnects
        await ws.wait_closed()

    async with serve(drop_the_first, "127.0.0.1", 0) as srv:
        port = srv.sockets[0].getsockname()[1]
        client = await connect(f"ws://127.0.0.1:{port}/", "token", backoff_s=[0.0])
        while len(opened) < 2:  # the reconnect has reached the server
            await asyncio.sleep(0.01)
        await asyncio.wait_for(client.close(), 10 * UNIT)


async def test_a_request_before_connect_says_not_connected() -> None:
    client = WebSocketHubClient("ws://127.0.0.1:9/", "token")
    with pytest.raises(ConsultAssistError, match="not connected") as raised:
        await client.subscribe("*")
    assert getattr(raised.value, "code", "") == "not_connected"
