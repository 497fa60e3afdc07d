"""The hub runs the risk sheet beside the knowledge engine: ``risk`` events stored and sent."""

from __future__ import annotations

import asyncio
from pathlib import Path

from hubtools import TIMEOUT

from consult_assist.asr.recognizer import RecognizerOptions
from consult_assist.asr.service import AsrService
from consult_assist.events import Alert, Risk
from consult_assist.hub.access import Identity, Subscriptions
from consult_assist.hub.hub import Hub
from consult_assist.hub.sqlite_store import SqliteStore
from consult_assist.knowledge.engine import KnowledgeEngine
from consult_assist.knowledge.manual import load_manual
from consult_assist.risk.feed import with_risk
from consult_assist.testing import EnergyDetector, FakeTranscriber, tone_call
from consult_assist.wire import decode_event


class Probe:
    """A supervisor listener that keeps what it is given."""

    def __init__(self) -> None:
        self.who = Identity("sato", "supervisor")
        self.subs = Subscriptions(all=True)
        self.got: list[tuple[str, int, str]] = []

    def deliver(self, session: str, seq: int, body: str) -> None:
        self.got.append((session, seq, body))

    def store_state(self, available: bool, held: int) -> None:
        pass


async def test_a_final_that_names_strangling_is_stored_and_sent_as_a_risk_event(
    tmp_path: Path, root: Path
) -> None:
    service = AsrService(
        FakeTranscriber(["お父さんに首を絞められたんです"], compute_s=0.01, chars_per_s=20)
    )
    service.start()
    manuals = root / "manuals"
    manual = load_manual(manuals)
    knowledge = with_risk(KnowledgeEngine(manual), manuals, manual)
    with SqliteStore(tmp_path / "r.db") as store:
        hub = Hub(
            store,
            service,
            knowledge,
            options_for=lambda rate: RecognizerOptions(),
            detector_factory=EnergyDetector,
        )
        assert hub.section_titles()  # the engine behind the risk sheet still answers
        probe = Probe()
        hub.add_listener(probe)  # type: ignore[arg-type]
        handle = hub.open_call(source="websocket", speakers=("",), source_rate=16_000, meta={})
        audio = tone_call([(0.3, 3.3)], total_s=4.5)
        for start in range(0, len(audio), 1_600):
            handle.push(0, audio[start : start + 1_600])
            await asyncio.sleep(0.002)
        handle.end("hangup")
        await asyncio.wait_for(hub.wait_ended(handle.session), TIMEOUT)
        stored = hub.events(handle.session)
        sent = [decode_event(body) for _, _, body in probe.got]
        await hub.close()
    await service.close()
    risks = [e for e in stored if isinstance(e, Risk)]
    assert len(risks) == 1
    sheet = risks[0]
    assert sheet.tier == "緊急一時保護を検討" and sheet.rules[0] == "R0"
    assert sheet.severe == ("strangling",)
    item = next(i for i in sheet.items if i.id == "likely_serious_harm")
    assert item.state == "該当" and item.evidence[0].speaker == "unknown"
    assert [e for e in sent if isinstance(e, Risk)] == risks  # what was stored was sent
    assert any(isinstance(e, Alert) for e in stored)  # the knowledge engine still runs
