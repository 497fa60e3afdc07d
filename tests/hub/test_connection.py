"""The sans-I/O connection session, driven by feeding messages: no socket, no clock, no loop."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pytest

from consult_assist.errors import CapacityError, ConsultAssistError
from consult_assist.events import Event, Sequencer, SessionEnded, SessionStarted, TranscriptFinal
from consult_assist.hub.access import Identity, SessionAccess
from consult_assist.hub.auth import TokenBook, TokenEntry
from consult_assist.hub.connection import Close, Connection
from consult_assist.hub.hub import Listener
from consult_assist.hub.limits import ConnectionLimits
from consult_assist.hub.store import SessionRow
from consult_assist.knowledge.manual import Section
from consult_assist.testing import RecordedCall, RecordingSink
from consult_assist.wire import encode_event, event_from_dict

T0 = 1_000.0
TOKENS = {"sato": "t-sato", "suzuki": "t-suzuki", "tanaka": "t-tanaka", "kato": "t-kato"}
ROLES = {"sato": "handler", "suzuki": "handler", "tanaka": "supervisor", "kato": "trainer"}
BOOK = TokenBook(
    [
        TokenEntry(name, ROLES[name], hashlib.sha256(token.encode()).hexdigest())  # type: ignore[arg-type]
        for name, token in TOKENS.items()
    ]
)
SUICIDAL = Section(
    id="suicidal",
    title="希死念慮への対応",
    category="危機",
    keywords=(),
    paraphrases=(),
    body="まず安全を確かめる。",
)


class FakeHub:
    """The hub as a connection sees it, in memory: sessions, stored bodies, listeners."""

    def __init__(self, *, manual: bool = True) -> None:
        self.sink = RecordingSink()
        self.listeners: set[Listener] = set()
        self.stored: dict[str, list[tuple[int, str]]] = {}
        self.seq: dict[str, Sequencer] = {}
        self.sessions: dict[str, SessionAccess] = {}
        self.live: list[str] = []
        self.ended: list[tuple[str, str]] = []
        self.sources: dict[str, str] = {}
        self.manual = manual
        self.store_down = False
        self.accessed: list[tuple[str, str, str, str]] = []

    def add_session(
        self, session: str, owner: str, started_by: str = "", source: str = "websocket"
    ) -> None:
        self.sessions[session] = SessionAccess(session, owner, started_by or owner, False)
        self.sources[session] = source
        self.stored[session] = []
        self.seq[session] = Sequencer()
        self.live.append(session)
        self.publish(SessionStarted(session=session, meta={"handler": owner}))

    # --- the HubPort ------------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> None:
        self.listeners.add(listener)

    def discard_listener(self, listener: Listener) -> None:
        self.listeners.discard(listener)

    def open_call(
        self,
        *,
        source: str,
        speakers: Sequence[str],
        source_rate: int,
        meta: Mapping[str, Any],
        owner: str = "",
        started_by: str = "",
        training: bool = False,
        on_stored: Callable[[Event | None], None] | None = None,
    ) -> RecordedCall:
        call = self.sink.open_call(
            source=source,
            speakers=speakers,
            source_rate=source_rate,
            meta={**meta, "training": training},
        )
        self.add_session(call.session, owner, started_by, source)
        if on_stored is not None:
            on_stored(self.events(call.session)[0])
        return call

    def end_call(self, session: str, reason: str = "end") -> None:
        self.ended.append((session, reason))
        self.publish(SessionEnded(session=session, at=1.0, reason=reason))
        self.live.remove(session)

    def publish(
        self, event: Event, on_stored: Callable[[Event | None], None] | None = None
    ) -> None:
        if event.session not in self.live and not isinstance(event, SessionEnded):
            if on_stored is not None:
                on_stored(None)  # as the hub: a live session's events only
            return
        self._store(event, on_stored)

    def publish_any(self, event: Event, on_stored: Callable[[Event | None], None]) -> None:
        if event.session in self.sessions:
            self._store(event, on_stored)
        else:
            on_stored(None)

    def _store(self, event: Event, on_stored: Callable[[Event | None], None] | None = None) -> None:
        if self.store_down:
            if on_stored is not None:
                on_stored(None)
            return
        stamped = self.seq[event.session].stamp(event)
        body = encode_event(stamped)
        self.stored[event.session].append((stamped.seq, body))
        access = self.sessions[event.session]
        for listener in tuple(self.listeners):
            if listener.subs.wants(listener.who, access):
                listener.deliver(event.session, stamped.seq, body)
        if on_stored is not None:
            on_stored(stamped)

    def access(self, session: str) -> SessionAccess | None:
        return self.sessions.get(session)

    def note_access(self, who: Identity, action: str, session: str, detail: str = "") -> None:
        self.accessed.append((who.name, action, session, detail))

    def is_live(self, session: str) -> bool:
        return session in self.live

    def live_sessions(self) -> list[SessionAccess]:
        return [self.sessions[s] for s in self.live]

    def last_seq(self, session: str) -> int:
        return len(self.stored.get(session, []))

    def backlog(self, session: str, after: int, limit: int) -> list[tuple[int, str]]:
        return [row for row in self.stored.get(session, []) if row[0] > after][:limit]

    def stored_sessions(self, *, live_only: bool, limit: int) -> list[SessionRow]:
        return [
            SessionRow(
                a.id,
                a.owner,
                a.started_by,
                a.training,
                self.sources.get(a.id, ""),
                "",
                None if a.id in self.live else "2026-01-01T00:00:00+09:00",
                None,
                None,
                self.last_seq(a.id),
            )
            for a in self.sessions.values()
            if a.id in self.live or not live_only
        ][:limit]

    def search_sessions(
        self, *, since: str, owner: str, text: str, live_only: bool, limit: int
    ) -> list[SessionRow]:
        rows = self.stored_sessions(live_only=live_only, limit=limit)
        return [r for r in rows if not owner or owner in (r.owner, r.started_by)]

    def source_of(self, session: str) -> str:
        return self.sources.get(session, "")

    def record_closed(self, session: str) -> bool:
        last = self.stored.get(session, [])[-1:]
        return bool(last) and json.loads(last[0][1])["type"] == "record.closed"

    def events(self, session: str) -> list[Event]:
        return [event_from_dict(json.loads(body)) for _, body in self.stored[session]]

    def section(self, section_id: str) -> Section | None:
        if not self.manual:
            return None
        if section_id != SUICIDAL.id:
            raise ConsultAssistError(f"no section {section_id}")
        return SUICIDAL

    def section_titles(self) -> dict[str, str]:
        return {SUICIDAL.id: SUICIDAL.title} if self.manual else {}


def cmd(kind: str, ref: str | int | None = None, **fields: Any) -> str:
    message: dict[str, Any] = {"v": 1, "type": kind, **fields}
    if ref is not None:
        message["id"] = ref
    return json.dumps(message, ensure_ascii=False)


def sent(conn: Connection) -> list[dict[str, Any]]:
    """Everything the connection hands out now, decoded, batch after batch."""
    out: list[dict[str, Any]] = []
    while batch := conn.messages_to_send():
        out += [json.loads(m) for m in batch]
    return out


def opened(hub: FakeHub, name: str = "sato", limits: ConnectionLimits | None = None) -> Connection:
    conn = Connection(hub, BOOK, limits or ConnectionLimits(), now=T0, peer="test:1")
    conn.receive_text(cmd("auth", token=TOKENS[name]), T0)
    [ok] = sent(conn)
    assert ok["type"] == "auth.ok" and ok["name"] == name
    return conn


def reply(conn: Connection, raw: str, now: float = T0) -> dict[str, Any]:
    """Feed one message and return its reply (or error), else the last message it caused."""
    conn.receive_text(raw, now)
    out = sent(conn)
    return next((m for m in reversed(out) if "re" in m or m["type"] == "error"), out[-1])


# --- authentication ------------------------------------------------------------------------


def test_auth_is_answered_with_who_you_are_and_then_events_reach_you() -> None:
    hub = FakeHub()
    woken: list[int] = []
    conn = Connection(hub, BOOK, ConnectionLimits(), now=T0, wake=lambda: woken.append(1))
    assert not conn.authenticated and conn not in hub.listeners
    conn.receive_text(cmd("auth", "a", token=TOKENS["tanaka"]), T0)
    [ok] = sent(conn)
    assert ok == {
        "v": 1,
        "type": "auth.ok",
        "re": "a",
        "name": "tanaka",
        "role": "supervisor",
        "server": ok["server"],
    }
    assert conn.authenticated and conn in hub.listeners and woken
    assert conn.closing is None


def test_a_wrong_token_closes_4001_and_is_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    conn = Connection(FakeHub(), BOOK, ConnectionLimits(), now=T0)
    conn.receive_text(cmd("auth", token="ca_not-a-real-token-xyz"), T0)
    assert conn.closing == Close(4001, "unauthorized")
    assert sent(conn) == []
    assert "not-a-real-token" not in caplog.text
    assert "authentication failed" in caplog.text


@pytest.mark.parametrize(
    "first",
    [cmd("subscribe", session="*"), "{not json", b"\x00\x00"],
    ids=["a command", "not json", "audio"],
)
def test_anything_but_auth_first_closes_4001(first: str | bytes) -> None:
    hub = FakeHub()
    conn = Connection(hub, BOOK, ConnectionLimits(), now=T0)
    if isinstance(first, bytes):
        conn.receive_audio(first, T0)
    else:
        conn.receive_text(first, T0)
    assert conn.closing is not None and conn.closing.code == 4001
    assert not conn.authenticated and conn not in hub.listeners


def test_no_auth_by_the_deadline_closes_4002_and_not_a_moment_before() -> None:
    conn = Connection(FakeHub(), BOOK, ConnectionLimits(auth_timeout_s=5.0), now=T0)
    assert conn.auth_deadline == T0 + 5.0
    conn.tick(T0 + 4.99)
    assert conn.closing is None
    conn.tick(T0 + 5.0)
    assert conn.closing == Close(4002, "authenticate first")


def test_after_auth_the_deadline_no_longer_applies() -> None:
    conn = opened(FakeHub())
    conn.tick(T0 + 3_600.0)
    assert conn.closing is None


# --- commands and errors -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("{not json", "bad_json"),
        ("[1, 2]", "bad_message"),
        ('{"v": 2, "type": "sessions"}', "bad_version"),
        ('{"v": 1, "type": "teleport"}', "unknown_type"),
        (cmd("auth", token="again"), "already_authenticated"),
        ('{"v": 1, "type": "session.start", "rate": 123456}', "bad_rate"),
        (cmd("note", session="nope", text="x"), "forbidden"),
        (cmd("subscribe", session="*"), "forbidden"),
        (cmd("section", section="nowhere"), "no_section"),
    ],
)
def test_a_refused_request_gets_an_error_with_a_code_and_the_connection_goes_on(
    message: str, code: str
) -> None:
    conn = opened(FakeHub())
    error = reply(conn, message)
    assert error["type"] == "error" and error["code"] == code, error
    assert error["seq"] == 0 and error["message"]
    assert reply(conn, cmd("sessions", "after"))["re"] == "after"
    assert conn.closing is None


def test_a_failure_inside_the_hub_is_an_internal_error_reply(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hub = FakeHub()
    hub.add_session("s1", "sato")
    conn = opened(hub)

    def broken(event: Event, *_: object) -> None:
        raise RuntimeError("disk on fire")

    hub.publish = broken  # type: ignore[method-assign]
    hub.publish_any = broken  # type: ignore[method-assign]
    error = reply(conn, cmd("note", 7, session="s1", text="メモ"))
    assert (error["code"], error["re"]) == ("internal", "7")
    assert "internal error" in caplog.text
    assert conn.closing is None


def test_each_role_keeps_to_its_limits() -> None:
    hub = FakeHub()
    hub.add_session("s1", "sato")
    sato, suzuki, tanaka = opened(hub, "sato"), opened(hub, "suzuki"), opened(hub, "tanaka")
    for conn, message in [
        (suzuki, cmd("subscribe", session="s1")),
        (suzuki, cmd("advice", session="s1", text="代わりに")),
        (sato, cmd("advice", session="s1", text="自分に")),
        (suzuki, cmd("session.end", session="s1")),
        (suzuki, cmd("record", session="s1")),
        (tanaka, cmd("session.start")),
        (tanaka, cmd("help.request", session="s1")),
        (sato, cmd("session.start", **{"for": "suzuki"})),
    ]:
        assert reply(conn, message)["code"] == "forbidden", message
    assert [s["id"] for s in reply(suzuki, cmd("sessions"))["sessions"]] == []
    assert [s["id"] for s in reply(sato, cmd("sessions"))["sessions"]] == ["s1"]
    assert [s["id"] for s in reply(tanaka, cmd("sessions"))["sessions"]] == ["s1"]


def test_help_advice_notes_and_acks_are_published_in_the_name_of_who_sent_them() -> None:
    hub = FakeHub()
    hub.add_session("s1", "sato")
    sato, tanaka = opened(hub, "sato"), opened(hub, "tanaka")
    assert reply(sato, cmd("help.request", 1, session="s1", reason="無言"))["type"] == "ok"
    assert reply(tanaka, cmd("ack", session="s1", seq=2))["type"] == "ok"
    assert reply(tanaka, cmd("advice", session="s1", text="待って"))["type"] == "ok"
    assert reply(sato, cmd("ack", session="s1", seq=4))["type"] == "ok"
    assert reply(tanaka, cmd("note", session="s1", text="要確認"))["type"] == "ok"
    assert reply(sato, cmd("ack", session="s1", seq=2))["code"] == "forbidden"
    assert reply(tanaka, cmd("ack", session="s1", seq=1))["code"] == "bad_field"
    assert reply(tanaka, cmd("ack", session="s1", seq=99))["code"] == "bad_field"
    got = [(e.type, getattr(e, "by", ""), getattr(e, "ref", 0)) for e in hub.events("s1")]
    assert got == [
        ("session.started", "", 0),
        ("help.request", "sato", 0),
        ("ack", "tanaka", 2),
        ("advice", "tanaka", 0),
        ("ack", "sato", 4),
        ("note", "tanaka", 0),
    ]


def test_notes_are_taken_after_the_call_until_the_record_is_closed() -> None:
    hub = FakeHub()
    hub.add_session("s1", "sato")
    hub.publish(
        TranscriptFinal(session="s1", at=2.0, utterance=1, start=0.5, end=1.8, text="もしもし")
    )
    sato, tanaka = opened(hub), opened(hub, "tanaka")
    assert reply(sato, cmd("record.close", session="s1"))["code"] == "session_live"
    assert reply(sato, cmd("session.end", session="s1"))["type"] == "ok"
    assert hub.ended == [("s1", "end")]
    assert reply(sato, cmd("note", session="s1", text="後で"))["type"] == "ok"
    assert reply(tanaka, cmd("note", session="s1", text="確認済み"))["type"] == "ok"
    record = reply(sato, cmd("record", session="s1"))["record"]
    assert record.startswith("# 通話記録（下書き）") and "もしもし" in record and "後で" in record
    assert reply(sato, cmd("record.close", 5, session="s1"))["re"] == "5"
    assert reply(sato, cmd("record.close", session="s1"))["type"] == "ok"  # once is enough
    assert reply(sato, cmd("note", session="s1", text="遅すぎ"))["code"] == "record_closed"
    assert reply(sato, cmd("note", session="s1", text="x", replaces=4))["code"] == "record_closed"
    data = json.loads(reply(sato, cmd("record", session="s1", format="json"))["record"])
    assert [(e["seq"], e["type"]) for e in data["events"]] == [
        (1, "session.started"),
        (2, "transcript.final"),
        (3, "session.ended"),
        (4, "note"),
        (5, "note"),
        (6, "record.closed"),
    ]
    assert data["events"][-1]["by"] == "sato"
    listed = {s["id"]: s["closed"] for s in reply(sato, cmd("sessions", live=False))["sessions"]}
    assert listed == {"s1": True}


def test_a_note_is_edited_by_its_author_only_and_an_empty_edit_withdraws_it() -> None:
    hub = FakeHub()
    hub.add_session("s1", "sato")
    sato, tanaka = opened(hub), opened(hub, "tanaka")
    assert reply(sato, cmd("note", session="s1", text="泣き声は毎晩"))["type"] == "ok"  # seq 2
    assert reply(tanaka, cmd("note", session="s1", text="要確認"))["type"] == "ok"  # seq 3
    assert (
        reply(sato, cmd("note", session="s1", text="泣き声は毎晩22時", replaces=2))["type"] == "ok"
    )
    assert reply(sato, cmd("note", session="s1", text="", replaces=4))["type"] == "ok"
    assert reply(sato, cmd("note", session="s1", text="x", replaces=3))["code"] == "not_your_note"
    assert reply(tanaka, cmd("note", session="s1", text="x", replaces=1))["code"] == "no_note"
    assert reply(tanaka, cmd("note", session="s1", text="x", replaces=99))["code"] == "no_note"
    assert reply(sato, cmd("note", session="s1", text=""))["code"] == "bad_field"
    notes = [(e.seq, e.text, e.replaces) for e in hub.events("s1") if e.type == "note"]  # type: ignore[attr-defined]
    assert notes == [
        (2, "泣き声は毎晩", 0),
        (3, "要確認", 0),
        (4, "泣き声は毎晩22時", 2),
        (5, "", 4),
    ]


def test_stopping_a_phone_call_from_an_app_says_the_phone_call_went_on() -> None:
    hub = FakeHub()
    hub.add_session("s1", "sato", source="sip")
    hub.add_session("s2", "sato", source="mic")
    sato = opened(hub)
    assert reply(sato, cmd("session.end", session="s1"))["type"] == "ok"
    assert reply(sato, cmd("session.end", session="s2"))["type"] == "ok"
    assert hub.ended == [("s1", "stopped"), ("s2", "end")]


def test_a_trainer_may_start_a_call_only_for_a_handler_that_exists() -> None:
    hub = FakeHub()
    kato = opened(hub, "kato")
    for name in ("nobody", "tanaka", "*", "../x", "[/x]"):
        got = reply(kato, cmd("session.start", 1, **{"for": name}))
        assert (got["code"], got["re"]) == ("unknown_handler", "1"), name
        assert name in got["message"]
    assert hub.sink.calls == []
    assert reply(kato, cmd("session.start", **{"for": "suzuki"}))["type"] == "session.created"


def test_a_manual_section_is_served_whole_and_a_server_without_manuals_says_so() -> None:
    conn = opened(FakeHub())
    got = reply(conn, cmd("section", "x", section="suicidal"))
    assert (got["type"], got["re"], got["id"], got["title"], got["body"]) == (
        "section",
        "x",
        "suicidal",
        "希死念慮への対応",
        "まず安全を確かめる。",
    )
    bare = opened(FakeHub(manual=False))
    error = reply(bare, cmd("section", section="suicidal"))
    assert error["code"] == "no_section" and "no manuals" in error["message"]


# --- rate limits ---------------------------------------------------------------------------


def test_a_flood_is_answered_rate_limited_then_closed_4009() -> None:
    limits = ConnectionLimits(rate_per_s=5, burst=5, flood_close_s=0.5)
    conn = opened(FakeHub(), limits=limits)
    assert [reply(conn, cmd("sessions"))["type"] for _ in range(5)] == ["sessions"] * 5
    assert reply(conn, cmd("sessions"))["code"] == "rate_limited"  # over the rate since T0
    assert reply(conn, cmd("sessions"), T0 + 0.5)["type"] == "sessions"  # 2.5 tokens back
    assert reply(conn, cmd("sessions"), T0 + 0.5)["type"] == "sessions"
    assert reply(conn, cmd("sessions"), T0 + 0.5)["code"] == "rate_limited"
    assert conn.closing is None  # 0.5 s over the rate: not yet more than flood_close_s
    conn.receive_text(cmd("sessions"), T0 + 0.51)
    assert conn.closing == Close(4009, "flood: too many messages")
    assert sent(conn) == []  # nothing more once closing
    conn.receive_text(cmd("sessions"), T0 + 10.0)
    assert sent(conn) == []


def test_a_client_back_to_a_calm_rate_is_not_closed_for_an_old_burst() -> None:
    limits = ConnectionLimits(rate_per_s=5, burst=4, flood_close_s=1.0)
    conn = opened(FakeHub(), limits=limits)
    for _ in range(5):
        conn.receive_text(cmd("sessions"), T0)
    assert sent(conn)[-1]["code"] == "rate_limited"
    for step in range(1, 40):  # 2.5 messages a second, well under the rate, for 8 s
        conn.receive_text(cmd("sessions"), T0 + step * 0.4)
    assert conn.closing is None
    assert all(m["type"] == "sessions" for m in sent(conn))


def test_a_slow_client_is_closed_4008_and_what_waited_is_dropped() -> None:
    hub = FakeHub()
    hub.add_session("s1", "sato")
    conn = opened(hub, "tanaka", ConnectionLimits(max_queue=3))
    assert reply(conn, cmd("subscribe", "r", session="*"))["type"] == "ok"
    for _ in range(3):
        hub.publish(SessionEnded(session="s1", reason="x"))  # any stored event will do
    assert conn.closing is None
    hub.publish(SessionEnded(session="s1", reason="x"))
    assert conn.closing == Close(4008, "slow client: too many events waiting; resume by seq")
    assert sent(conn) == []


# --- backlog paging ------------------------------------------------------------------------


def test_a_resume_sends_the_reply_then_the_backlog_then_live_events_without_gap_or_duplicate() -> (
    None
):
    hub = FakeHub()
    hub.add_session("s1", "sato")
    for n in range(6):
        hub.publish(
            TranscriptFinal(session="s1", at=n, utterance=n, start=n, end=n + 0.5, text=f"{n}")
        )  # seqs 2…7
    conn = opened(hub, "tanaka", ConnectionLimits(page=2))
    conn.receive_text(cmd("subscribe", "r", session="s1", after=3), T0)
    hub.publish(TranscriptFinal(session="s1", at=9, utterance=9, start=9, end=9.5, text="live"))
    pages = []
    while batch := conn.messages_to_send():
        pages.append([json.loads(m).get("seq", json.loads(m).get("re")) for m in batch])
    # The reply first: a client waiting for it must not wait behind the whole backlog.
    assert pages == [["r"], [4, 5], [6, 7], [8]]
    for seq, body in hub.backlog("s1", 5, 10):
        conn.deliver("s1", seq, body)  # the hub again, after the fact: not sent twice
    assert conn.messages_to_send() == []


def test_subscribing_to_everything_resumes_each_session_after_its_own_seq() -> None:
    hub = FakeHub()
    hub.add_session("a", "sato")
    hub.add_session("b", "suzuki")
    for session in ("a", "b", "a"):
        hub.publish(SessionEnded(session=session, reason="x"))
    conn = opened(hub, "tanaka")
    conn.receive_text(cmd("subscribe", session="*", after={"a": 2, "b": 0}), T0)
    got = [(m.get("session"), m.get("seq")) for m in sent(conn)]
    assert got == [(None, None), ("a", 3), ("b", 1), ("b", 2)]


def test_a_second_subscribe_during_catch_up_does_not_repeat_the_backlog() -> None:
    hub = FakeHub()
    hub.add_session("s1", "sato")
    hub.publish(SessionEnded(session="s1", reason="x"))
    conn = opened(hub, "tanaka", ConnectionLimits(page=1))
    conn.receive_text(cmd("subscribe", session="s1"), T0)
    conn.receive_text(cmd("subscribe", session="s1"), T0)
    seqs = [m["seq"] for m in sent(conn) if m["type"] != "ok"]
    assert seqs == [1, 2]


# --- audio ---------------------------------------------------------------------------------


def started(conn: Connection, **fields: Any) -> str:
    conn.receive_text(cmd("session.start", "go", **fields), T0)
    out = sent(conn)
    assert out[0]["type"] == "session.started"  # before the reply: nothing missed
    assert out[-1]["type"] == "session.created" and out[-1]["re"] == "go"
    return str(out[-1]["session"])


def test_starting_a_session_opens_a_call_owned_by_the_handler() -> None:
    hub = FakeHub()
    kato = opened(hub, "kato")
    session = started(kato, rate=8000, source_rate=8000, meta={"source": "file"}, **{"for": "sato"})
    [call] = hub.sink.calls
    assert (call.session, call.source, call.source_rate) == (session, "file", 8000)
    assert call.meta["training"] is True  # a trainer's session is always training
    assert hub.sessions[session] == SessionAccess(session, "sato", "kato", False)
    assert reply(kato, cmd("session.start"))["code"] == "bad_audio"  # one call per connection


def test_audio_is_split_into_channels_and_resampled_to_16_khz() -> None:
    hub = FakeHub()
    conn = opened(hub)
    started(conn, rate=8000, channels=2, speakers=["caller", "handler"])
    left = np.full(800, 8000, dtype="<i2")
    right = np.full(800, -8000, dtype="<i2")
    frame = np.stack([left, right], axis=1).tobytes()
    for n in range(10):
        conn.receive_audio(frame, T0 + 0.1 * n)
    assert sent(conn) == []
    [call] = hub.sink.calls
    caller, handler = call.audio(0), call.audio(1)
    assert 14_000 <= len(caller) <= 16_000  # 1 s at 16 kHz, less what the resampler holds
    assert len(caller) == len(handler)
    assert np.median(caller[400:]) == pytest.approx(8000 / 32768, abs=0.01)
    assert np.median(handler[400:]) == pytest.approx(-8000 / 32768, abs=0.01)


def test_bad_audio_frames_are_refused_and_dropped() -> None:
    hub = FakeHub()
    conn = opened(hub)
    conn.receive_audio(b"\x00\x00", T0)
    assert sent(conn)[-1]["code"] == "bad_audio"  # no session yet
    session = started(conn, rate=8000)
    for frame in (b"\x00\x01\x02", b"\x00\x00" * 8001):  # half a sample; more than 1 s
        conn.receive_audio(frame, T0)
        error = sent(conn)[-1]
        assert (error["code"], error["session"]) == ("bad_audio", session)
    assert hub.sink.calls[0].audio(0).size == 0


def test_audio_above_its_real_time_budget_is_dropped_counted_and_told_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hub = FakeHub()
    conn = opened(hub, limits=ConnectionLimits(max_audio_speed=1.2, audio_burst_s=10.0))
    session = started(conn, rate=8000)
    second = b"\x00\x00" * 8000
    for _ in range(10):  # a reconnect's backlog: 10 s of burst at once
        conn.receive_audio(second, T0)
    assert sent(conn) == []
    conn.receive_audio(second, T0)
    [error] = sent(conn)
    assert (error["code"], error["session"]) == ("rate_limited", session)
    assert "1.2× real time" in error["message"]
    for _ in range(20):  # the flood goes on: dropped and counted, not answered every time
        conn.receive_audio(second, T0 + 1.0)
    assert sent(conn) == []
    [call] = hub.sink.calls
    accepted = call.audio(0).size
    # 10 s of burst, then 1.2 s for the second that passed; the rest is dropped.
    assert 10 * 16_000 < accepted <= 11 * 16_000
    conn.receive_audio(second, T0 + 10.0)  # calm again: a steady second fits
    assert sent(conn) == []
    for _ in range(30):
        conn.receive_audio(second, T0 + 10.0)
    assert sent(conn)[-1]["code"] == "rate_limited"  # told again: 5 s since the last time
    assert any("faster than 1.2" in r.getMessage() for r in caplog.records)


def test_a_steady_stream_at_real_time_is_never_limited() -> None:
    hub = FakeHub()
    conn = opened(hub, limits=ConnectionLimits(max_audio_speed=1.2, audio_burst_s=1.0))
    started(conn, rate=16000)
    frame = b"\x00\x00" * 1600  # 0.1 s
    for n in range(3000):  # 5 minutes, frames on time
        conn.receive_audio(frame, T0 + 0.1 * n)
    assert sent(conn) == []
    assert hub.sink.calls[0].audio(0).size == 3000 * 1600


def test_ending_the_session_pushes_what_the_resampler_held() -> None:
    hub = FakeHub()
    conn = opened(hub)
    session = started(conn, rate=8000)
    conn.receive_audio(np.full(8000, 1000, dtype="<i2").tobytes(), T0 + 1.0)
    held = hub.sink.calls[0].audio(0).size
    assert held < 16_000  # the resampler's delay line still holds the last samples
    conn.receive_text(cmd("session.end", session=session), T0 + 1.0)
    assert hub.sink.calls[0].audio(0).size == 16_000


def test_a_token_may_stream_only_so_many_sessions_at_once() -> None:
    hub = FakeHub()
    limits = ConnectionLimits(max_sessions_per_token=2)
    first, second = opened(hub, "kato", limits), opened(hub, "kato", limits)
    started(first)
    started(second)
    third = opened(hub, "kato", limits)
    refused = reply(third, cmd("session.start", "x"))
    assert refused["code"] == "too_many_sessions" and refused["re"] == "x"
    assert "kato" in refused["message"] and len(hub.sink.calls) == 2
    other = opened(hub, "sato", limits)  # another token is not held back
    started(other)
    hub.end_call(hub.live[0])
    started(third)  # one ended: room again


def test_a_full_server_refuses_a_new_session_with_a_sentence() -> None:
    class FullHub(FakeHub):
        def open_call(self, **kwargs: Any) -> RecordedCall:
            raise CapacityError("the server already carries 64 live calls", "server_full")

    conn = opened(FullHub())
    refused = reply(conn, cmd("session.start", "x"))
    assert refused["code"] == "server_full" and "64 live calls" in refused["message"]


def test_losing_the_connection_ends_its_call_and_stops_its_events() -> None:
    hub = FakeHub()
    conn = opened(hub)
    started(conn)
    conn.connection_lost()
    assert hub.sink.calls[0].end_reason == "disconnected"
    assert conn not in hub.listeners
    conn.deliver("s", 1, "{}")
    assert conn.messages_to_send() == []


def test_ending_the_streamed_session_detaches_its_audio() -> None:
    hub = FakeHub()
    conn = opened(hub)
    session = started(conn)
    assert reply(conn, cmd("session.end", session=session))["type"] == "ok"
    conn.receive_audio(b"\x00\x00" * 160, T0)
    assert sent(conn)[-1]["code"] == "bad_audio"
    conn.connection_lost()
    assert hub.sink.calls[0].end_reason is None  # ended through the hub, not as a disconnect


# --- the store -------------------------------------------------------------------------------


def test_a_command_whose_event_is_not_stored_gets_an_error_never_ok() -> None:
    hub = FakeHub()
    hub.add_session("s1", "sato")
    conn = opened(hub, "sato")
    hub.store_down = True
    answer = reply(conn, cmd("note", "n1", session="s1", text="メモ"))
    assert answer["type"] == "error" and answer["code"] == "store_unavailable"
    assert answer["re"] == "n1" and "記録できません" in answer["message"]
    hub.store_down = False
    assert reply(conn, cmd("note", "n2", session="s1", text="メモ"))["type"] == "ok"


def test_the_store_going_away_and_coming_back_is_told_to_the_client() -> None:
    conn = opened(FakeHub(), "tanaka")
    conn.store_state(False, 12)
    conn.store_state(True, 0)
    down, up = sent(conn)
    assert (down["type"], down["state"], down["held"]) == ("store.state", "unavailable", 12)
    assert "seq" not in down  # a connection-level message, not an event
    assert "記録できません" in down["message"]
    assert (up["type"], up["state"]) == ("store.state", "available")


def test_a_session_start_the_store_cannot_record_is_refused() -> None:
    class DownHub(FakeHub):
        def open_call(self, **kwargs: Any) -> RecordedCall:
            on_stored = kwargs.pop("on_stored")
            call = super().open_call(**kwargs)
            on_stored(None)
            return call

    conn = opened(DownHub(), "sato")
    answer = reply(conn, cmd("session.start", "s", rate=16_000))
    assert answer["type"] == "error" and answer["code"] == "store_unavailable"
    assert answer["re"] == "s"
    conn.receive_audio(b"\x00\x00" * 160, T0)
    assert sent(conn)[-1]["code"] == "bad_audio"  # no session streams


def test_revoking_or_replacing_a_token_closes_its_connections_4001() -> None:
    hub = FakeHub()
    sato, tanaka = opened(hub, "sato"), opened(hub, "tanaka")
    without_sato = TokenBook([e for e in BOOK.entries if e.name != "sato"])
    for conn in (sato, tanaka):
        conn.recheck(without_sato)
    assert sato.closing == Close(4001, "token revoked") and tanaka.closing is None
    replaced = TokenBook(
        [
            TokenEntry("tanaka", "supervisor", hashlib.sha256(b"new").hexdigest())
            if e.name == "tanaka"
            else e
            for e in BOOK.entries
        ]
    )
    tanaka.recheck(replaced)
    assert tanaka.closing == Close(4001, "token revoked")
    late = Connection(hub, replaced, ConnectionLimits(), now=T0)
    late.receive_text(cmd("auth", token="new"), T0)
    assert late.closing is None and late.who.name == "tanaka"
