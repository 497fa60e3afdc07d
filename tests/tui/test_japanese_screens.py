"""No internal id reaches a Japanese screen or a record: every id has its Japanese words.

A fixed list of the ids the system uses (levels, speakers, sources, end reasons, roles,
problem codes, connection states, event types) is fed through both apps (every way an id can
reach them: events, connection changes, refused requests, a missing microphone, the call
list) and through the record draft; what a person would read is searched for each id as an
English word.
"""

from __future__ import annotations

import re
from typing import Any

from sample_call import call_events, stamp
from textual.widgets import Input, OptionList
from tuitools import QUIET, clock, screen_text, settle, until

from consult_assist.errors import AccessError, AudioError, AuthError, ProtocolError
from consult_assist.events import (
    Alert,
    Event,
    HelpRequest,
    Note,
    SessionEnded,
    SessionStarted,
    TranscriptFinal,
)
from consult_assist.hub.client import ClientError, ConnectionState
from consult_assist.hub.record_markdown import render_markdown
from consult_assist.hub.records import build_record
from consult_assist.labels import END_REASONS, PROBLEMS, SOURCES
from consult_assist.testing import FakeHubClient
from consult_assist.tui.handler import make_handler_app
from consult_assist.tui.screens.calls_screen import CallsScreen
from consult_assist.tui.screens.start_screen import StartScreen
from consult_assist.tui.supervisor import make_supervisor_app

INTERNAL_IDS = (
    # levels, speakers, roles
    "critical", "high", "notice", "caller", "handler", "unknown", "supervisor", "trainer",
    # sources, end reasons (labels.py), as the issue saw them: file, sip, interrupted…
    *SOURCES, *END_REASONS,
    # problem codes and what the connection said in English
    *PROBLEMS, "bad_json", "bad_message", "unknown_type", "Errno", "errno", "refused",
    "connection", "disconnected", "connected", "failed", "closed", "within", "lost",
    # event types and section ids
    "session.started", "session.ended", "transcript.final", "help.request", "record.closed",
    "suicide-ideation", "abuse/physical-report",
)  # fmt: skip
"""Ids and English words of the system that a Japanese screen must never show."""

ALLOWED = ("'consult-assist[mic]'", "libportaudio2")
"""Package names a sentence may quote in a command for an administrator (each on one line)."""

_WORD = re.compile(
    "|".join(rf"(?<![A-Za-z0-9_.\-/]){re.escape(w)}(?![A-Za-z0-9_\-/])" for w in INTERNAL_IDS)
)


def english_ids(text: str) -> list[str]:
    for allowed in ALLOWED:
        text = text.replace(allowed, "")
    return sorted({m.group(0) for m in _WORD.finditer(text)})


def shown(app: Any) -> str:
    """Everything on screen now, and every toast raised so far."""
    return screen_text(app) + "\n" + "\n".join(n.message + n.title for n in app._notifications)


def every_way_in(session: str, source: str, reason: str, handler: str = "sato") -> list[Event]:
    """A short call from ``source`` ending with ``reason``, with every level and speaker."""
    events: list[Event] = [
        SessionStarted(
            session=session,
            meta={
                "handler": handler,
                "source": source,
                "training": source == "file",
                "started_at": "2025-01-01T00:00:00+00:00",
            },
        ),
        TranscriptFinal(
            session=session, utterance=1, start=1, end=2, text="もう死にたい", speaker="caller"
        ),
        TranscriptFinal(
            session=session, utterance=2, start=3, end=4, text="はい", speaker="handler"
        ),
        TranscriptFinal(
            session=session, utterance=3, start=5, end=6, text="えっと", speaker="unknown"
        ),
    ]
    for level in ("critical", "high", "notice"):
        events.append(
            Alert(
                session=session,
                level=level,  # type: ignore[arg-type]
                word="死にたい",
                segment="もう死にたい",
                utterance=1,
                speaker="caller",
                section="suicide-ideation",
            )
        )
    events += [
        HelpRequest(session=session, reason="相談したい", by=handler),
        Note(session=session, text="メモ", by=handler),
        SessionEnded(session=session, at=60.0, reason=reason),
    ]
    return stamp(events)


class NoMicrophone:
    def __init__(self, code: str) -> None:
        self.code = code

    def devices(self) -> list[Any]:
        raise AudioError("no microphone found: [Errno 2] no such device", self.code)

    async def microphone(self, client: Any, device: Any) -> str:
        raise AudioError("cannot open microphone: Errno 5", "microphone")

    async def file(self, client: Any, path: Any, *, speed: float) -> str:
        raise AudioError("/x.flac: not a readable audio file (interrupted)")


async def test_the_handler_app_says_every_id_in_japanese() -> None:
    client = FakeHubClient(name="sato")
    app = make_handler_app(QUIET, client, clock=clock, starter=NoMicrophone("no_sounddevice"))
    leaks: dict[str, list[str]] = {}
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        for n, (source, reason) in enumerate(
            zip([*SOURCES] * 3, [*END_REASONS], strict=False), start=1
        ):
            # The call is shown live, then ends on its own: the status and record screen say why.
            client.push(*every_way_in(f"call-{n}", source, reason)[:-1])
            await settle(pilot, client)
            leaks[f"live {source}"] = english_ids(shown(app))
            client.push(every_way_in(f"call-{n}", source, reason)[-1])
            await settle(pilot, client)
            leaks[f"ended {reason}"] = english_ids(shown(app))
            await pilot.press("escape")
            await pilot.pause()
        for state in (
            ConnectionState("disconnected", "closed (1006)", 2.0, "lost"),
            ConnectionState(
                "disconnected", "cannot reach the server: [Errno 111]", 5.0, "unreachable"
            ),
            ConnectionState("failed", "the server at ws://x/ refused the token", code="auth"),
            ConnectionState("failed", "[SSL: CERTIFICATE_VERIFY_FAILED]", code="tls"),
            ConnectionState("failed", "connection lost: closed (1000)", code="closed"),
            ConnectionState("failed", "gave up"),
        ):
            client.push(state)
            await settle(pilot, client)
            leaks[f"connection {state.code}"] = english_ids(shown(app))
        client.push(*call_events("call-live", handler="sato"))
        await settle(pilot, client)
        for code, error in [
            ("timeout", ClientError("the server did not answer note within 10 s", "timeout")),
            ("lost", ClientError("connection lost: closed (1006)", "lost")),
            ("record_closed", ProtocolError("the record of x is closed", "record_closed")),
            ("forbidden", AccessError("a handler (sato) may not add a note to this session")),
            ("auth", AuthError("the server refused the token (unauthorized)")),
            ("other", ProtocolError("something new happened", "brand_new_code")),
        ]:
            client.errors["note"] = error
            app.query_one("#note", Input).value = "メモ"
            app.query_one("#note", Input).focus()
            await pilot.press("enter")
            await until(
                pilot, lambda: any("送信できませんでした" in n.title for n in app._notifications)
            )
            leaks[f"refused {code}"] = english_ids(shown(app))
            app.clear_notifications()
        client.errors.pop("note")
        app.query_one("#note", Input).value = ""
        client.emit(SessionEnded(session="call-live", at=60.0, reason="stopped"))  # end it
        await settle(pilot, client)
        await pilot.press("escape")
        await pilot.press("f5")  # no microphone: said in Japanese
        await until(pilot, lambda: isinstance(app.screen, StartScreen))
        await until(pilot, lambda: app.screen.query_one("#path", Input).has_focus)
        leaks["no microphone"] = english_ids(shown(app))
        app.screen.query_one("#path", Input).value = "/x.flac"
        await pilot.press("enter")
        await until(pilot, lambda: any("開始できません" in n.title for n in app._notifications))
        leaks["bad file"] = english_ids(shown(app))
        await pilot.press("f8")  # past calls: every end reason and source
        await until(pilot, lambda: isinstance(app.screen, CallsScreen))
        await until(pilot, lambda: app.screen.query_one(OptionList).option_count > 10)
        leaks["call list"] = english_ids(shown(app))
    assert {k: v for k, v in leaks.items() if v} == {}


async def test_the_supervisor_app_says_every_id_in_japanese() -> None:
    client = FakeHubClient(name="tanaka", role="supervisor")
    app = make_supervisor_app(QUIET, client, clock=clock)
    leaks: dict[str, list[str]] = {}
    async with app.run_test(size=(160, 60), notifications=True) as pilot:
        for n, source in enumerate(SOURCES, start=1):
            client.push(*every_way_in(f"live-{n}", source, "hangup")[:-1])
        for n, reason in enumerate(END_REASONS, start=1):
            client.push(*every_way_in(f"ended-{n}", "sip", reason))
        await settle(pilot, client)
        leaks["table and feed"] = english_ids(shown(app))
        await pilot.press("enter")  # watch the first row
        await pilot.pause()
        leaks["watching"] = english_ids(shown(app))
        client.push(
            ConnectionState("disconnected", "cannot reach: [Errno 111]", 1.0, "unreachable")
        )
        await settle(pilot, client)
        leaks["connection"] = english_ids(shown(app))
    assert {k: v for k, v in leaks.items() if v} == {}


def test_the_record_draft_says_every_id_in_japanese() -> None:
    leaks = {}
    for source in SOURCES:
        for reason in END_REASONS:
            text = render_markdown(build_record(every_way_in("r", source, reason)))
            if found := english_ids(text.replace("- セッション: r\n", "")):
                leaks[(source, reason)] = found
    assert leaks == {}
