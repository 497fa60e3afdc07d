from __future__ import annotations

import numpy as np

from consult_assist.asr.service import AsrService
from consult_assist.audio.calls import CallAudio, channels_for
from consult_assist.events import (
    ErrorEvent,
    Event,
    SessionEnded,
    SessionStarted,
    TranscriptFinal,
    TranscriptPartial,
)
from consult_assist.pipeline import live_call, simulated_call
from consult_assist.testing import EnergyDetector, FakeTranscriber, tone_call


class EchoKnowledge:
    """Counts what it is fed and answers nothing (the pipeline's knowledge seam)."""

    def __init__(self) -> None:
        self.fed: list[Event] = []

    def feed(self, event: Event) -> list[Event]:
        self.fed.append(event)
        return []


def test_simulated_call_sequences_and_feeds_knowledge() -> None:
    audio = tone_call([(0.5, 2.5), (3.5, 5.0)], total_s=6.0)
    knowledge = EchoKnowledge()
    events = list(
        simulated_call(
            "s1",
            CallAudio((audio,)),
            FakeTranscriber(["いち", "に"]),
            knowledge=knowledge,
            detector_factory=EnergyDetector,
        )
    )
    assert isinstance(events[0], SessionStarted) and isinstance(events[-1], SessionEnded)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    finals = [e for e in events if isinstance(e, TranscriptFinal)]
    assert [e.text for e in finals] == ["いち", "に"]
    # The knowledge engine sees the call open and close (a fresh state per call), and the
    # transcript in between.
    assert isinstance(knowledge.fed[0], SessionStarted)
    assert isinstance(knowledge.fed[-1], SessionEnded)
    assert all(isinstance(e, TranscriptPartial | TranscriptFinal) for e in knowledge.fed[1:-1])
    # A mono source cannot tell who spoke, and says so; every final has its speech act.
    assert {f.speaker for f in finals} == {"unknown"}
    assert all(f.act == "statement" for f in finals)


def test_stereo_channels_become_two_speakers() -> None:
    left = tone_call([(0.5, 2.0)], total_s=5.0)
    right = tone_call([(2.8, 4.2)], total_s=5.0)
    call = channels_for([left, right], split=True)
    events = list(
        simulated_call("s2", call, FakeTranscriber(["もしもし"]), detector_factory=EnergyDetector)
    )
    finals = [e for e in events if isinstance(e, TranscriptFinal)]
    assert [f.speaker for f in finals] == ["caller", "handler"]
    assert len({f.utterance for f in finals}) == 2
    mixed = channels_for([left, right], split=False)
    assert len(mixed.channels) == 1


async def test_live_call_through_the_service() -> None:
    audio = tone_call([(0.3, 1.5), (2.0, 3.0)], total_s=3.5)
    model = FakeTranscriber(["いち", "に"], compute_s=0.0)
    async with AsrService(model) as service:
        events = [
            e
            async for e in live_call(
                "live",
                CallAudio((audio,)),
                service,
                speed=20.0,
                detector_factory=EnergyDetector,
            )
        ]
    assert isinstance(events[0], SessionStarted) and isinstance(events[-1], SessionEnded)
    assert [e.text for e in events if isinstance(e, TranscriptFinal)] == ["いち", "に"]
    assert [e.seq for e in events] == list(range(1, len(events) + 1))


async def test_service_survives_a_failing_decode() -> None:
    class Broken(FakeTranscriber):
        def decode(self, request):  # type: ignore[no-untyped-def]
            if request.kind == "final" and request.utterance == 0:
                raise RuntimeError("boom")
            return super().decode(request)

    audio = tone_call([(0.3, 1.5), (2.0, 3.0)], total_s=3.5)
    async with AsrService(Broken(["いち", "に"], compute_s=0.0)) as service:
        events = [
            e
            async for e in live_call(
                "live",
                CallAudio((np.asarray(audio),)),
                service,
                speed=20.0,
                detector_factory=EnergyDetector,
            )
        ]
    assert [e.text for e in events if isinstance(e, TranscriptFinal)] == ["に"]
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    assert len(errors) == 1 and errors[0].code == "asr.decode_failed"
