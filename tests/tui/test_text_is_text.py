"""Text is text: markup and control characters from people and the network are shown as text.

Every string that comes from outside (names, caller numbers, notes, transcript, reasons,
section titles, advice, device names) is fed through every widget of both apps with Textual
markup in it (``[/x]`` crashed both apps on start) and with what a terminal acts on (escape
sequences, ``\\r``, NUL, bidi overrides). The apps keep running, show the markup literally and
never pass a control character to the terminal. The last test takes the two network paths the
issue found, on a real server: a SIP From user and a trainer's ``for``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
from pathlib import Path
from typing import Any

from ports import free_port
from sample_call import SUGGESTIONS
from textual.widgets import OptionList
from tuitools import QUIET, clock, screen_text, settle, until

from consult_assist.config import ServerConfig
from consult_assist.events import (
    Advice,
    Alert,
    CheckItem,
    Checklist,
    HelpRequest,
    Note,
    SessionEnded,
    SessionStarted,
    Suggestion,
    TranscriptFinal,
    TranscriptPartial,
)
from consult_assist.hub.auth import add_token
from consult_assist.hub.client import ManualSection, WebSocketHubClient
from consult_assist.hub.serve import RunningServer, run_server
from consult_assist.testing import EnergyDetector, FakeHubClient, FakeTranscriber
from consult_assist.tui.handler import make_handler_app
from consult_assist.tui.screens.calls_screen import CallsScreen
from consult_assist.tui.screens.line_input_screen import LineInputScreen
from consult_assist.tui.screens.section_screen import SectionScreen
from consult_assist.tui.screens.start_screen import StartScreen
from consult_assist.tui.screens.summary_screen import SummaryScreen
from consult_assist.tui.screens.watch_screen import WatchScreen
from consult_assist.tui.settings import TuiConfig
from consult_assist.tui.supervisor import make_supervisor_app

UNIT = float(os.environ.get("CONSULT_ASSIST_TEST_UNIT", "1.0"))
ROOT = Path(__file__).resolve().parents[2]

MARKUP = (
    "[/x]",
    "[b]太字[/b]",
    "[link=https://evil.example]リンク[/link]",
    "[@click=app.quit]押す[/]",
)
"""Textual/Rich markup a caller's name or a note might hold (each crashed or acted before)."""
CONTROLS = ("\x1b[31m赤\x1b[0m", "上書き\r消す", "ヌル\x00文字", "\u202e逆順\u202c", "\x9b2J")
"""Escape sequences, a carriage return, NUL, a bidi override, a C1 control sequence."""
UNSAFE = {chr(c) for c in [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]}
UNSAFE |= {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"}


def payload(i: int) -> str:
    """A different hostile string per field: markup and controls together."""
    return MARKUP[i % len(MARKUP)] + CONTROLS[i % len(CONTROLS)]


def hostile_call(session: str = "call-1", handler: str = "sato") -> list[Any]:
    """A call where every outside string is hostile."""
    item = dataclasses.replace(
        SUGGESTIONS[0], title=payload(1) + "の通告", excerpt=payload(2), matched=(payload(3),)
    )
    events: list[Any] = [
        SessionStarted(
            session=session,
            meta={
                "handler": handler,
                "caller": payload(0) + "0312345678",
                "source": "sip",
                "started_at": "2025-01-01T00:00:00+00:00",
            },
        ),
        TranscriptFinal(
            session=session, utterance=1, start=1, end=2, text=payload(4), speaker="caller"
        ),
        TranscriptPartial(session=session, utterance=2, start=3, end=4, text=payload(5), stable=3),
        Alert(
            session=session,
            level="critical",
            word=payload(6),
            segment=payload(7),
            utterance=1,
            speaker="caller",
        ),
        Suggestion(session=session, items=(item,)),
        Checklist(
            session=session,
            covered=(CheckItem(id="a", label=payload(8), evidence=payload(9)),),
            missing=(CheckItem(id="b", label=payload(10)),),
        ),
        HelpRequest(session=session, reason=payload(11), by=handler),
        Advice(session=session, text=payload(12), by=payload(13)),
        Note(session=session, text=payload(14), by=handler),
        Note(session=session, text=payload(15), by=payload(16)),
    ]
    return [dataclasses.replace(e, seq=i) for i, e in enumerate(events, start=1)]


def check_screen(app: Any, where: str) -> None:
    """The app runs, the markup is on screen as typed, and no control reaches the terminal."""
    assert app.is_running, where
    text = screen_text(app)
    assert not (UNSAFE & set(text)), (where, sorted(UNSAFE & set(text)))
    assert "[/x]" in text or "[b]" in text or "[@click" in text, (where, text)


class Device:
    index, channels, default_rate, is_default = 3, 1, 48_000, True
    name = payload(17) + "マイク"


class HostileStarter:
    def devices(self) -> list[Device]:
        return [Device()]

    async def microphone(self, client: Any, device: Any) -> str:
        raise AssertionError("not started in this test")

    async def file(self, client: Any, path: Any, *, speed: float) -> str:
        raise AssertionError("not started in this test")


async def test_the_handler_app_shows_hostile_text_as_text_everywhere() -> None:
    section = ManualSection(
        "abuse/physical-report", payload(18), f"# {payload(19)}\n\n{payload(20)}"
    )
    record = f"# 通話記録\n\n- {payload(21)}\n\n{payload(22)}"
    client = FakeHubClient(name="sato", sections={section.id: section}, records={"call-1": record})
    client.push(*hostile_call())  # live before the app starts: drawn on start
    app = make_handler_app(QUIET, client, clock=clock, starter=HostileStarter())
    async with app.run_test(size=(140, 45), notifications=True) as pilot:
        await settle(pilot, client)
        check_screen(app, "the call")
        assert "[link=https://evil.example]リンク[/link]" in screen_text(app)  # the caller
        from consult_assist.tui.widgets.suggestion_list import SuggestionList

        suggestions = app.query_one(SuggestionList)
        suggestions.focus()
        suggestions.highlighted = 0
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SectionScreen))
        await settle(pilot, client)
        check_screen(app, "the section")
        await pilot.press("escape")
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, LineInputScreen))
        await pilot.press("escape")
        client.push(*hostile_call("call-2"))  # a second call: announced, listed
        await settle(pilot, client)
        await pilot.press("f8")
        await until(pilot, lambda: isinstance(app.screen, CallsScreen))
        await until(pilot, lambda: app.screen.query_one(OptionList).option_count > 3)
        check_screen(app, "the call list")
        await pilot.press("escape")
        client.emit(SessionEnded(session="call-1", at=9.0, reason="hangup"))
        await until(pilot, lambda: isinstance(app.screen, SummaryScreen))
        await settle(pilot, client)
        check_screen(app, "the record")
        await pilot.press("escape")
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, StartScreen))
        await until(pilot, lambda: app.screen.query_one("#devices", OptionList).option_count)
        check_screen(app, "the devices")
        for message in [n.message for n in app._notifications]:
            assert not (UNSAFE & set(message))
    assert app.return_code in (None, 0)


async def test_the_supervisor_app_shows_hostile_text_as_text_everywhere() -> None:
    client = FakeHubClient(name="tanaka", role="supervisor")
    client.push(*hostile_call("call-1", handler=payload(23)))  # a handler named "[/x]…"
    app = make_supervisor_app(QUIET, client, clock=clock)
    async with app.run_test(size=(140, 45), notifications=True) as pilot:
        await settle(pilot, client)
        check_screen(app, "table and feed")
        client.push(*hostile_call("call-2", handler="[/z]"))
        await settle(pilot, client)
        check_screen(app, "a second call")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, WatchScreen))
        await settle(pilot, client)
        check_screen(app, "watching")
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, LineInputScreen))
        check_screen(app, "advice dialog")  # its title names the handler
        await pilot.press("escape")
        client.emit(SessionEnded(session="call-1", at=9.0, reason="hangup"))
        client.emit(SessionEnded(session="call-2", at=9.0, reason="hangup"))
        await settle(pilot, client)
        check_screen(app, "ended")


class _Udp(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.received: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.received.put_nowait(data)


async def test_markup_from_a_sip_caller_and_a_trainers_for_reaches_the_apps_as_text(
    tmp_path: Path,
) -> None:
    """Real server (fake recognizer), real SIP and websockets: the paths the issue found."""
    tokens = tmp_path / "tokens.json"
    sato = add_token(tokens, "sato", "handler")
    odd = add_token(tokens, "[b]", "handler")  # a name is any 1-80 characters without spaces
    boss = add_token(tokens, "tanaka", "supervisor")
    trainer = add_token(tokens, "kato", "trainer")
    sip_port = free_port()
    config = ServerConfig(
        port=0,
        tokens=tokens,
        db=tmp_path / "s.db",
        manuals=ROOT / "manuals",
        sip=f"127.0.0.1:{sip_port}",
    )
    ready: asyncio.Future[RunningServer] = asyncio.get_running_loop().create_future()
    stop = asyncio.Event()
    server = asyncio.create_task(
        run_server(
            config,
            transcriber=FakeTranscriber(),
            detector_factory=EnergyDetector,
            ready=ready.set_result,
            stop=stop,
        )
    )
    url = (await asyncio.wait_for(ready, 30 * UNIT)).url
    quiet = TuiConfig(server=url, bell=False, flash_s=0, tick_s=0)
    handler = make_handler_app(quiet, WebSocketHubClient(url, sato))
    supervisor = make_supervisor_app(quiet, WebSocketHubClient(url, boss))
    loop = asyncio.get_running_loop()
    udp, _ = await loop.create_datagram_endpoint(_Udp, remote_addr=("127.0.0.1", sip_port))
    coach = WebSocketHubClient(url, trainer, reconnect=False)
    try:
        async with (
            handler.run_test(size=(120, 40)) as hp,
            supervisor.run_test(size=(140, 40)) as sp,
        ):
            sdp = "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 9 RTP/AVP 0\r\n"
            udp.sendto(
                (
                    f"INVITE sip:sato@127.0.0.1:{sip_port} SIP/2.0\r\n"
                    "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-markup;rport\r\n"
                    'From: "[b]x" <sip:[/x]@127.0.0.1>;tag=1\r\n'
                    f"To: <sip:sato@127.0.0.1:{sip_port}>\r\n"
                    "Call-ID: markup-1\r\nCSeq: 1 INVITE\r\nContact: <sip:c@127.0.0.1:9>\r\n"
                    f"Content-Type: application/sdp\r\nContent-Length: {len(sdp)}\r\n\r\n{sdp}"
                ).encode()
            )
            await until(hp, lambda: handler.live is not None)
            await until(hp, lambda: "[/x]" in screen_text(handler))  # the caller, as text
            check_screen(handler, "a SIP caller named [/x]")
            await coach.connect()
            refused = None
            try:
                await coach.start_session(training=True, for_handler="[/z]")
            except Exception as exc:
                refused = exc
            assert getattr(refused, "code", "") == "unknown_handler"
            await coach.start_session(training=True, for_handler="[b]")
            await until(sp, lambda: "[b]" in screen_text(supervisor))  # its handler, as text
            check_screen(supervisor, "a handler named [b]")
            assert handler.is_running and supervisor.is_running
            del odd
    finally:
        udp.close()
        await coach.close()
        stop.set()
        await asyncio.wait_for(server, 30 * UNIT)
