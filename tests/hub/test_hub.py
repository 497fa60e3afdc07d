"""The hub: sessions and their seq, store before send, fan-out to the listeners that want it."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from hubtools import SCRIPTS, TIMEOUT
from storetools import WritesFailOnDemand

from consult_assist.asr.decoding import DecodeRequest, DecodeResult
from consult_assist.asr.recognizer import RecognizerOptions
from consult_assist.asr.service import AsrService
from consult_assist.errors import ConsultAssistError, ProtocolError, StoreUnavailable
from consult_assist.events import (
    Advice,
    Alert,
    Event,
    HelpRequest,
    Note,
    SessionEnded,
    SessionStarted,
    TranscriptFinal,
)
from consult_assist.hub.access import Identity, SessionAccess, Subscriptions
from consult_assist.hub.hub import Hub
from consult_assist.hub.sqlite_store import SqliteStore
from consult_assist.hub.store_open import open_store
from consult_assist.knowledge.engine import KnowledgeEngine
from consult_assist.knowledge.manual import load_manual
from consult_assist.testing import EnergyDetector, FakeTranscriber, tone_call
from consult_assist.wire import decode_event, encode_event


class Probe:
    """A listener that keeps what it is given."""

    def __init__(self, name: str, role: str = "supervisor", **subs: bool) -> None:
        self.who = Identity(name, role)  # type: ignore[arg-type]
        self.subs = Subscriptions(**subs)
        self.got: list[tuple[str, int, str]] = []
        self.states: list[tuple[bool, int]] = []

    def deliver(self, session: str, seq: int, body: str) -> None:
        self.got.append((session, seq, body))

    def store_state(self, available: bool, held: int) -> None:
        self.states.append((available, held))


@pytest.fixture
async def hub(store_location: str) -> AsyncIterator[Hub]:
    service = AsrService(FakeTranscriber(SCRIPTS, compute_s=0.01))
    service.start()
    store = WritesFailOnDemand(open_store(store_location))
    hub = Hub(
        store,
        service,
        None,
        options_for=lambda rate: RecognizerOptions(),
        detector_factory=EnergyDetector,
        outbox_limit=8,
    )
    hub.health.first_retry_s = 0.01
    yield hub
    store.down = False
    await hub.close()
    await service.close()
    await store.aclose()


def _failing(hub: Hub) -> WritesFailOnDemand:
    assert isinstance(hub.store, WritesFailOnDemand)
    return hub.store


class Replies:
    """Collects what a command's ``on_stored`` is told."""

    def __init__(self) -> None:
        self.got: list[Event | None] = []

    def __call__(self, stored: Event | None) -> None:
        self.got.append(stored)


def _open(hub: Hub, owner: str = "sato", **kwargs: object) -> str:
    handle = hub.open_call(
        source="websocket",
        speakers=("",),
        source_rate=16_000,
        meta={"caller": "0312345678"},
        owner=owner,
        **kwargs,  # type: ignore[arg-type]
    )
    return handle.session


async def test_a_call_opens_with_its_facts_in_session_started(hub: Hub) -> None:
    session = _open(hub, "sato", started_by="kato", training=True)
    assert hub.last_seq(session) == 0  # queued, not committed yet
    await hub.settle()
    [started] = hub.events(session)
    assert isinstance(started, SessionStarted) and started.seq == 1
    meta = dict(started.meta)
    assert meta.pop("started_at")
    assert meta == {
        "caller": "0312345678",
        "handler": "sato",
        "started_by": "kato",
        "training": True,
        "source": "websocket",
        "speakers": [""],
        "source_rate": 16_000,
    }
    assert hub.access(session) == SessionAccess(session, "sato", "kato", True)
    assert hub.is_live(session) and hub.live_sessions() == [hub.access(session)]
    assert hub.last_seq(session) == 1


async def test_calls_opened_in_the_same_second_with_the_same_draw_get_their_own_ids(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 100 calls opened in one second on a GPU node once drew the same 16 random bits twice:
    # the second call's start was refused by the store and the node stopped.
    monkeypatch.setattr("consult_assist.hub.store.secrets.token_hex", lambda n: "7f3a09c2")
    first = _open(hub)
    monkeypatch.setattr(
        "consult_assist.hub.store.secrets.token_hex", _draws("7f3a09c2", "00c0ffee")
    )
    second = _open(hub)
    assert first != second
    await hub.settle()
    assert [type(e) for e in hub.events(first)] == [SessionStarted]
    assert [type(e) for e in hub.events(second)] == [SessionStarted]


def _draws(*tokens: str) -> Callable[[int], str]:
    it = iter(tokens)
    return lambda n: next(it)


async def test_events_are_stamped_stored_then_delivered_to_who_wants_them(hub: Hub) -> None:
    boss, sato, suzuki = (
        Probe("tanaka", all=True),
        Probe("sato", "handler", mine=True),
        Probe("suzuki", "handler", mine=True),
    )
    for probe in (boss, sato, suzuki):
        hub.add_listener(probe)
    session = _open(hub, "sato")
    replies = Replies()
    hub.publish(Note(session=session, at=1.0, text="メモ", by="sato"), replies)
    assert boss.got == [] and replies.got == []  # nothing is sent before it is stored
    await hub.settle()
    [note] = replies.got
    assert note is not None and note.seq == 2
    stored = hub.backlog(session, 0, 10)
    assert boss.got == sato.got == [(session, seq, body) for seq, body in stored]
    assert stored[1][1] == encode_event(note)
    assert suzuki.got == []
    hub.discard_listener(boss)
    hub.publish(Note(session=session, at=2.0, text="二つ目", by="sato"))
    await hub.settle()
    assert len(boss.got) == 2 and len(sato.got) == 3


async def test_a_failing_listener_does_not_stop_the_others(
    hub: Hub, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken(Probe):
        def deliver(self, session: str, seq: int, body: str) -> None:
            raise RuntimeError("boom")

    hub.add_listener(Broken("x", all=True))
    ok = Probe("tanaka", all=True)
    hub.add_listener(ok)
    session = _open(hub)
    hub.publish(Note(session=session, text="メモ"))
    await hub.settle()
    assert [seq for _, seq, _ in ok.got] == [1, 2]
    assert "a listener failed" in caplog.text


async def test_an_event_of_a_session_that_is_not_live_is_dropped(
    hub: Hub, caplog: pytest.LogCaptureFixture
) -> None:
    probe = Probe("tanaka", all=True)
    hub.add_listener(probe)
    replies = Replies()
    hub.publish(Note(session="nope", text="x"), replies)
    assert probe.got == [] and replies.got == [None] and "not live" in caplog.text


async def test_an_event_the_store_refuses_is_counted_never_sent_and_leaves_no_gap(
    hub: Hub, caplog: pytest.LogCaptureFixture
) -> None:
    probe = Probe("tanaka", all=True)
    hub.add_listener(probe)
    session = _open(hub)
    _failing(hub).refuse = {"note"}
    replies = Replies()
    with caplog.at_level(logging.ERROR):
        hub.publish(Note(session=session, text="x"), replies)
        hub.publish(HelpRequest(session=session, reason="助けて"), replies)
        await hub.settle()
    assert hub.store_failures == 1 and "refused note" in caplog.text
    assert replies.got[0] is None and replies.got[1] is not None
    assert [seq for _, seq, _ in probe.got] == [1, 2]  # the help request took seq 2
    assert [e.type for e in hub.events(session)] == ["session.started", "help.request"]


async def test_while_the_store_is_down_events_are_held_in_order_and_sent_once_stored(
    hub: Hub, caplog: pytest.LogCaptureFixture
) -> None:
    probe = Probe("tanaka", all=True)
    hub.add_listener(probe)
    session = _open(hub)
    await hub.settle()
    store = _failing(hub)
    store.down = True
    for n in range(3):
        hub.publish(Note(session=session, at=float(n), text=f"{n}"))  # as the pipeline does
    replies = Replies()
    with caplog.at_level(logging.ERROR):
        while hub.health.available:
            await asyncio.sleep(0.01)
        hub.publish(Advice(session=session, text="待って", by="tanaka"), replies)
    assert replies.got == [None]  # a command is refused at once, never "ok"
    assert probe.states == [(False, 3)] and "store is unavailable" in caplog.text
    assert [seq for _, seq, _ in probe.got] == [1]  # nothing sent that is not stored
    with pytest.raises(StoreUnavailable):
        _open(hub, "suzuki")  # a call that could not be recorded is not opened
    attempts = store.attempts
    while store.attempts < attempts + 3:
        await asyncio.sleep(0.01)  # retried meanwhile
    store.down = False
    await hub.settle()
    assert [available for available, _ in probe.states] == [False, True]
    assert [seq for _, seq, _ in probe.got] == [1, 2, 3, 4]
    assert [e.text for e in hub.events(session)[1:]] == ["0", "1", "2"]  # type: ignore[attr-defined]


async def test_past_the_outbox_limit_the_call_ends_and_the_log_says_what_is_at_risk(
    hub: Hub, caplog: pytest.LogCaptureFixture
) -> None:
    session = _open(hub)
    await hub.settle()
    store = _failing(hub)
    store.down = True
    with caplog.at_level(logging.ERROR):
        for n in range(12):  # the limit is 8
            hub.publish(Note(session=session, at=float(n), text=f"{n}"))
    assert "8 events of this call are held and at risk, 1 dropped; ending the call" in caplog.text
    assert not hub.is_live(session)
    store.down = False
    await asyncio.wait_for(hub.wait_ended(session), TIMEOUT)
    events = hub.events(session)
    assert [e.seq for e in events] == list(range(1, 11))
    last = events[-1]
    assert isinstance(last, SessionEnded) and last.reason == "store_unavailable"


async def test_session_ended_at_shutdown_is_stored_once_the_store_is_back(hub: Hub) -> None:
    session = _open(hub)
    await hub.settle()
    store = _failing(hub)
    store.down = True
    closing = asyncio.create_task(hub.close("shutdown"))
    await asyncio.sleep(0.2)
    assert not closing.done()  # still retrying the end
    store.down = False
    await asyncio.wait_for(closing, TIMEOUT)
    last = hub.events(session)[-1]
    assert isinstance(last, SessionEnded) and last.reason == "shutdown"


async def test_a_shutdown_that_cannot_store_says_how_many_events_are_lost(
    hub: Hub, caplog: pytest.LogCaptureFixture
) -> None:
    session = _open(hub)
    await hub.settle()
    _failing(hub).down = True
    hub.publish(Note(session=session, text="x"))
    with caplog.at_level(logging.ERROR):
        await hub.close("shutdown", store_s=0.3)
    assert f"[{session}] the store is unavailable: 2 events of this call" in caplog.text
    assert [e.type for e in hub.events(session)] == ["session.started"]


async def test_a_call_whose_start_cannot_be_stored_leaves_nothing_behind(hub: Hub) -> None:
    _failing(hub).refuse = {"session.started"}
    replies = Replies()
    handle = hub.open_call(
        source="websocket", speakers=("",), source_rate=16_000, meta={}, on_stored=replies
    )
    await asyncio.wait_for(hub.wait_ended(handle.session), TIMEOUT)
    assert replies.got == [None]
    assert hub.access(handle.session) is None and hub.events(handle.session) == []
    assert hub.live_sessions() == []


async def test_ending_a_call_transcribes_what_came_then_publishes_the_end(hub: Hub) -> None:
    handle = hub.open_call(source="websocket", speakers=("",), source_rate=16_000, meta={})
    audio = tone_call([(0.5, 1.7), (2.5, 3.7)], total_s=4.5)
    for start in range(0, len(audio), 1_600):
        handle.push(0, audio[start : start + 1_600])
    handle.end("hangup")
    handle.end("again")  # idempotent
    assert not hub.is_live(handle.session)
    await asyncio.wait_for(hub.wait_ended(handle.session), TIMEOUT)
    events = hub.events(handle.session)
    finals = [e for e in events if isinstance(e, TranscriptFinal)]
    assert [f.text for f in finals] == list(SCRIPTS[:2])
    last = events[-1]
    assert isinstance(last, SessionEnded) and last.reason == "hangup"
    assert last.at == pytest.approx(4.5)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert hub.access(handle.session) == SessionAccess(handle.session, "", "", False)  # stored
    assert hub.last_seq(handle.session) == last.seq


async def test_closing_the_hub_ends_every_live_call_as_shutdown(hub: Hub) -> None:
    first, second = _open(hub), _open(hub, "suzuki")
    await hub.close("shutdown")
    for session in (first, second):
        last = hub.events(session)[-1]
        assert isinstance(last, SessionEnded) and last.reason == "shutdown"
    assert hub.live_sessions() == []
    assert [r.id for r in hub.stored_sessions(live_only=True, limit=10)] == []
    assert len(hub.stored_sessions(live_only=False, limit=10)) == 2


async def test_a_hub_without_a_recognizer_takes_no_audio(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "bare.db") as store:
        hub = Hub(store, None, None)
        with pytest.raises(ConsultAssistError, match="no speech recognizer"):
            _open(hub)
        assert hub.section("anything") is None and hub.section_titles() == {}
        assert hub.access("nope") is None and hub.last_seq("nope") == 0


def test_manual_sections_come_from_the_knowledge_engine(tmp_path: Path, root: Path) -> None:
    engine = KnowledgeEngine(load_manual(root / "manuals"))
    with SqliteStore(tmp_path / "k.db") as store:
        hub = Hub(store, None, engine)
        titles = hub.section_titles()
        some_id, some_title = next(iter(titles.items()))
        section = hub.section(some_id)
        assert section is not None and section.title == some_title and section.body
        with pytest.raises(ConsultAssistError):
            hub.section("no-such-section")


class _SpeculatingTranscriber(FakeTranscriber):
    """Partials read a word the final does not have (the final: 「もう四日目なんですけど」)."""

    def decode(self, request: DecodeRequest) -> DecodeResult:
        result = super().decode(request)
        if request.kind == "partial":
            return dataclasses.replace(result, text="もう死にたいって言われて")
        return result


async def test_an_alert_the_final_withdraws_is_stored_and_sent_as_withdrawn(
    tmp_path: Path, root: Path
) -> None:
    service = AsrService(
        _SpeculatingTranscriber(["もう四日目なんですけど"], compute_s=0.01, chars_per_s=20)
    )
    service.start()
    engine = KnowledgeEngine(load_manual(root / "manuals"))
    with SqliteStore(tmp_path / "w.db") as store:
        hub = Hub(
            store,
            service,
            engine,
            options_for=lambda rate: RecognizerOptions(),
            detector_factory=EnergyDetector,
        )
        probe = Probe("tanaka", all=True)
        hub.add_listener(probe)  # type: ignore[arg-type]
        handle = hub.open_call(source="websocket", speakers=("",), source_rate=16_000, meta={})
        audio = tone_call([(0.3, 3.3)], total_s=4.5)
        for start in range(0, len(audio), 1_600):
            handle.push(0, audio[start : start + 1_600])
            await asyncio.sleep(0)  # let partial decodes come back while speech goes on
            await asyncio.sleep(0.005)
        handle.end("hangup")
        await asyncio.wait_for(hub.wait_ended(handle.session), TIMEOUT)
        alerts = [e for e in hub.events(handle.session) if isinstance(e, Alert)]
        sent = [decode_event(body) for _, _, body in probe.got]
        final = next(e for e in hub.events(handle.session) if isinstance(e, TranscriptFinal))
        await hub.close()
    await service.close()
    assert [(a.word, a.tentative, a.withdrawn) for a in alerts] == [
        ("死にたい", True, False),
        ("死にたい", False, True),
    ]
    assert alerts[0].utterance == alerts[1].utterance
    assert [e for e in sent if isinstance(e, Alert)] == alerts  # what was stored was sent
    assert (final.speaker, final.act) == ("unknown", "statement")


async def test_a_draining_hub_takes_no_new_call_but_keeps_the_ones_it_carries(hub: Hub) -> None:
    session = _open(hub)
    hub.draining = True
    with pytest.raises(ProtocolError) as refused:
        _open(hub)
    assert refused.value.code == "draining"
    replies = Replies()
    hub.publish(Note(session=session, text="まだ続いています", by="sato"), replies)
    await hub.settle()
    assert replies.got[0] is not None and hub.is_live(session) and hub.live_count == 1


async def test_a_hub_declared_lost_drops_what_it_holds_and_stores_nothing_more(
    hub: Hub,
) -> None:
    session = _open(hub)
    await hub.settle()
    _failing(hub).down = True
    hub.publish(Note(session=session, text="保留中", by="sato"))
    await asyncio.sleep(0.05)
    replies = Replies()
    hub.publish(Note(session=session, text="コマンド", by="sato"), replies)
    hub.abandon("this node was declared lost")
    _failing(hub).down = False
    await hub.wait_ended(session)
    assert [e.type for e in hub.store.events(session)] == ["session.started"]
    assert replies.got == [None] and not hub.carries(session)
